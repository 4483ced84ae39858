"""The loader's cache (``generator/sourcecache.py``): record files whose bytes did not change
are neither parsed nor validated again, the result is that of a cold build (problems
included), and the cache -- the only store of private data a build writes -- lies in the
user's cache folder, for its owner only, never in the site's folder or beside ``--out``.
Real builds throughout."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import NOW, run_cli, tree_digest
from test_cache import REPORT, _build, _cold, _copy, _edit
from test_privacy_invariant import NON_PUBLIC_NAMES, PRIVATE_VALUES, readable_text

from generator.sourcecache import ENV, private_cache_path

LOADED = re.compile(r"Loaded (\d+) records(?: \((\d+) unchanged, from the loader's cache\))?")


def _loaded(output: str) -> tuple[int, int]:
    found = LOADED.search(output)
    assert found, output
    return int(found[1]), int(found[2] or 0)


def test_unchanged_files_come_from_the_cache_and_the_site_is_a_cold_build(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    total, cached = _loaded(_build(root))
    assert cached == 0
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    assert _loaded(_build(root)) == (total, total - 1)  # only the changed file was read again
    assert "全年共受理审查批准逮捕案件" in (root / "out/disclosures/work-report-2025/index.html").read_text("utf-8")
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_the_private_cache_is_outside_the_site_folder_and_its_owners_only(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    db = private_cache_path(root)
    assert db.is_file() and root.resolve() not in db.resolve().parents
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    raw = db.read_bytes() + b"".join(p.read_bytes() for p in db.parent.glob(db.name + "-*"))
    assert any(v.encode("utf-8") in raw for v in NON_PUBLIC_NAMES)  # it does hold the records as written
    # ... and nothing of it is anywhere in the site's folder but in content/
    outside = {
        p.relative_to(root).as_posix(): readable_text(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in ("content", "site_config.yml")
    }
    assert outside
    leaks = [(n, v) for n, t in outside.items() for v in PRIVATE_VALUES + NON_PUBLIC_NAMES if v in t]
    assert leaks == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("approved_on: 2026-02-01", "approved_on: 2026-02-31"),  # a validation error: kept with the entry
        ("approved_by: chen.jing", "approved_by: [chen.jing"),  # front matter that does not parse: read again
    ],
)
def test_a_record_with_problems_is_reported_again_alike(tmp_path: Path, old: str, new: str) -> None:
    root = _copy(tmp_path)
    _edit(root / REPORT, old, new)
    first = run_cli(["build", "--now", NOW, "--out", "out"], root)
    second = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert first.exit_code == second.exit_code == 1
    assert f"{REPORT}:" in first.stderr and "Traceback" not in first.stderr + second.stderr
    assert second.stderr == first.stderr
    total, cached = _loaded(second.stdout + second.stderr)
    assert cached == total > 0  # (a file whose front matter does not parse is no record: not counted)


@pytest.mark.parametrize("damage", ["garbage", "payload", "unwritable"])
def test_a_damaged_or_missing_cache_is_never_used(tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path)
    _build(root)
    db = private_cache_path(root)
    if damage == "garbage":
        for extra in db.parent.glob(db.name + "-*"):
            extra.unlink()
        db.write_bytes(b"not a database" * 100)
    elif damage == "payload":  # bytes changed without their checksum: every entry is a miss
        with sqlite3.connect(db) as con:
            con.execute("UPDATE entries SET payload = payload || x'00'")
        con.close()
    else:  # the cache folder cannot be made: the build reads every file
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        monkeypatch.setenv(ENV, str(blocker / "below"))
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    total, cached = _loaded(_build(root))
    assert cached == 0 and total > 0
    assert tree_digest(root / "out") == _cold(root, tmp_path)
    if damage != "unwritable":  # started again: the next build takes the unchanged files from it
        assert _loaded(_build(root, "out2")) == (total, total)


def test_a_config_change_reads_every_file_again(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    total, _ = _loaded(_build(root))
    config = root / "site_config.yml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"^site_name: .*$", "site_name: 另一个检察院", text, count=1, flags=re.M), "utf-8")
    assert _loaded(_build(root)) == (total, 0)
    assert _loaded(_build(root, "out2")) == (total, total)


def test_no_cache_neither_reads_nor_writes_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root, "out", "--no-cache")
    assert not private_cache_path(root).exists()
    assert os.environ.get(ENV)  # (the session's folder: conftest)
