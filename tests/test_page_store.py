"""The record pages' Markdown in the build cache (generator.rendering.PageStore): a record
whose page is made of the same public data is not rendered again, and a rebuild is
byte-identical to a cold build of the changed content -- also where one record's page
shows another record (a back-link, a cited law's title), where the page depends on the
clock (an open day), and when a stored entry is damaged.  Real builds throughout."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import NOW, SAMPLE, run_cli, tree_digest
from pydantic import BaseModel
from test_privacy_invariant import NON_PUBLIC_NAMES, PRIVATE_VALUES, UNPUBLISHED_TEXT

from generator.pipeline import configure, prepare
from generator.rendering import record_digest

REPORT = "content/disclosures/2026/work-report.md"
CASE = "content/disclosures/2026/bribery-case.md"  # cites cpl-2018 (legal_basis)
LAW = "content/regulations/cpl-2018.md"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    return root


def _build(root: Path, *extra: str, now: str = NOW) -> str:
    result = run_cli(["build", "--now", now, "--out", "out", *extra], root)
    assert result.exit_code == 0, result.stderr
    return result.stdout + result.stderr


def _stored(output: str) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) record pages", output)
    assert found, output
    return int(found[1]), int(found[2])


def _cold(root: Path, tmp_path: Path, now: str = NOW) -> dict[str, str]:
    other = tmp_path / f"cold-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns("out", ".openaffairs"))
    _build(other, "--no-cache", now=now)
    return tree_digest(other / "out")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_one_changed_body_renders_one_record_page_and_the_site_is_a_cold_builds(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _, total = _stored(_build(root))
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    hits, total2 = _stored(_build(root))
    assert (hits, total2) == (total - 1, total)
    page = (root / "out/disclosures/work-report-2025/index.html").read_text("utf-8")
    assert "全年共受理审查批准逮捕案件" in page
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_a_title_another_page_shows_is_rebuilt_where_it_shows(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    # the law's title is shown on the case's page (its legal basis): the case is rendered again
    _edit(root / LAW, "title: 中华人民共和国刑事诉讼法\n", "title: 中华人民共和国刑事诉讼法（2018年修正）\n")
    _build(root)
    case = (root / "out/disclosures/bribery-case/index.html").read_text("utf-8")
    assert "中华人民共和国刑事诉讼法（2018年修正）" in case
    assert tree_digest(root / "out") == _cold(root, tmp_path)
    # the case's title is shown on the law's page (a back-link) and in the listings
    _edit(root / CASE, "title: 张建国受贿案提起公诉\n", "title: 张建国受贿一案提起公诉\n")
    _build(root)
    law = (root / "out/regulations/cpl-2018/index.html").read_text("utf-8")
    assert "受贿一案提起公诉" in law  # (the suspect's name pseudonymised by the filter)
    assert "受贿一案提起公诉" in (root / "out/disclosures/index.html").read_text("utf-8")
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_an_open_days_page_follows_the_clock(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    later = "2026-12-20T10:00:00+08:00"  # the open day is past: its state and registration change
    _build(root, now=later)
    assert tree_digest(root / "out") == _cold(root, tmp_path, now=later)


def test_a_damaged_stored_page_is_rendered_again_never_published(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    store = root / ".openaffairs/cache/pages-md/md"
    entries = sorted(p for p in store.rglob("*") if p.is_file())
    assert entries
    for entry in entries:  # every stored page damaged ...
        entry.write_bytes(entry.read_bytes()[:-7] + b"damaged")
    # ... and every published page changed in place, so that MkDocs renders each again
    for page in (root / "out").rglob("index.html"):
        page.unlink()
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    _build(root)
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_the_page_store_holds_only_published_pages(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    raw = b"".join(p.read_bytes() for p in (root / ".openaffairs/cache/pages-md").rglob("*") if p.is_file())
    assert raw
    for value in PRIVATE_VALUES + NON_PUBLIC_NAMES + UNPUBLISHED_TEXT:
        assert value.encode("utf-8") not in raw, value


def _changed(value: Any) -> Any:
    """Another value of the same kind (a model: its first field changed)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "改"
    if isinstance(value, dt.datetime | dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, list | tuple):
        return type(value)(value[:-1]) if value else type(value)(["改"])
    if isinstance(value, BaseModel):
        name, item = next(iter(value.__dict__.items()))
        return value.model_copy(update={name: _changed(item)})
    if value is None:
        return "改"
    raise AssertionError(f"no change made for {type(value).__name__}")


def test_a_change_of_any_public_field_changes_the_pages_key(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    config, now = configure(root / "site_config.yml", NOW)
    public = prepare(config, now).public
    assert public
    fields = 0
    for rec in public:
        before = record_digest(rec)
        assert record_digest(dataclasses.replace(rec)) == before  # a copy: the same key
        for name, value in rec.record.__dict__.items():
            # every field the record holds, sub-models (parties, offices ...) too
            for changed in [_changed(value)] + [
                type(value)(v if j != i else _changed(v) for j, v in enumerate(value))
                for i, item in enumerate(value if isinstance(value, list) else [])
                if isinstance(item, BaseModel)
            ]:
                other = dataclasses.replace(rec, record=rec.record.model_copy(update={name: changed}))
                assert record_digest(other) != before, (rec.url, name)
                fields += 1
        assert record_digest(dataclasses.replace(rec, body_html=rec.body_html + "<p>改</p>")) != before
        # the open data's cache keys by the same digest: the search text counts too
        assert record_digest(dataclasses.replace(rec, body_text=rec.body_text + "改")) != before
        assert record_digest(dataclasses.replace(rec, backlinks=(*rec.backlinks, ("x", "y", "z")))) != before
        if rec.files:
            file = dataclasses.replace(rec.files[0], title=rec.files[0].title + "改")
            assert record_digest(dataclasses.replace(rec, files=(file, *rec.files[1:]))) != before
    assert fields > 100


def test_a_records_key_is_the_same_in_another_process(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    code = (
        "import sys; from pathlib import Path;"
        "from generator.pipeline import configure, prepare;"
        "from generator.rendering import record_digest;"
        f"config, now = configure(Path(sys.argv[1]), {NOW!r});"
        "print([record_digest(r) for r in prepare(config, now).public])"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(root / "site_config.yml")],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]
    keys = ast.literal_eval(runs[0])
    assert len(keys) > 5
    assert len(set(keys)) == len(keys)  # one per record
