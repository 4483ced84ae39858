"""The build cache (.openaffairs/cache/ beside --out): a cached build is byte-identical to
a cold one, a declaration anywhere reaches every page, every change of config, theme,
templates or version invalidates it, a damaged entry is ignored, and a build killed at any
stage leaves the previous site, search index and cache usable.  Real builds throughout."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, REPO, SAMPLE, run_cli, tree_digest
from test_privacy_invariant import all_output

from generator import cache as cache_module

REPORT = "content/disclosures/2026/work-report.md"
CITING = """\
---
id: press-note
title: 新闻通报
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-03-02
category: work-report
date: 2026-03-03
---
通报中提到钱多多接受了询问。
"""


def _copy(tmp_path: Path, name: str = "site") -> Path:
    root = tmp_path / name
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    return root


def _build(root: Path, out: str = "out", *extra: str) -> str:
    result = run_cli(["build", "--now", NOW, "--out", out, *extra], root)
    assert result.exit_code == 0, result.stderr
    return result.stdout + result.stderr


def _cold(root: Path, tmp_path: Path) -> dict[str, str]:
    """The same content built from nothing, in another folder (no cache)."""
    other = tmp_path / f"cold-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns("out", ".openaffairs", "cold*"))
    _build(other, "out", "--no-cache")
    return tree_digest(other / "out")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def _from_cache(output: str) -> tuple[int, int]:
    import re

    found = re.search(r"(\d+) of (\d+) records from the cache", output)
    assert found, output
    return int(found[1]), int(found[2])


def test_one_record_change_rebuilds_only_what_depends_on_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    ino = {rel: (root / "out" / rel).stat().st_ino for rel in ("regulations/cpl-2012/index.html", "guides/index.html")}
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    hits, total = _from_cache(_build(root))
    assert hits == total - 1  # only the changed record was filtered again
    out = root / "out"
    assert "全年共受理审查批准逮捕案件" in (out / "disclosures/work-report-2025/index.html").read_text("utf-8")
    # a page that does not depend on the record was not rendered again: it is the same file
    assert {rel: (out / rel).stat().st_ino for rel in ino} == ino
    assert tree_digest(out) == _cold(root, tmp_path)
    # and a build with no change takes everything from the cache, output unchanged
    before = tree_digest(out)
    hits, total = _from_cache(_build(root))
    assert hits == total and tree_digest(out) == before


def test_the_publication_log_is_rendered_again_only_when_what_it_shows_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log (``/data/changes/``) shows each event's day, kind, title and link: a record's
    body edited leaves it (taken from the page store, not rendered); its title edited does
    not.  Both sites are a cold build's."""
    from generator import rendering

    rendered: list[str] = []
    real = rendering._Renderer.page_text

    def spy(self: Any, path: str, *args: Any, **kwargs: Any) -> str:
        rendered.append(path)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(rendering._Renderer, "page_text", spy)
    root = _copy(tmp_path)
    _build(root)
    assert "data/changes/index.md" in rendered  # (the spy sees the page rendered)
    rendered.clear()
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    _build(root)
    assert "data/changes/index.md" not in rendered
    assert tree_digest(root / "out") == _cold(root, tmp_path)
    rendered.clear()
    title = _title(root / REPORT)
    _edit(root / REPORT, f"title: {title}", f"title: {title}（修订）")
    _build(root)
    assert "data/changes/index.md" in rendered
    assert f"{title}（修订）" in (root / "out/data/changes/index.html").read_text("utf-8")
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def _title(path: Path) -> str:
    import re

    found = re.search(r"^title: *(.+)$", path.read_text("utf-8"), re.M)
    assert found
    return found[1].strip()


def test_rebuilds_recycling_the_spare_tree_still_reuse_pages(tmp_path: Path) -> None:
    """From the third build on there is a spare tree (the site before the published one),
    whose files a thread removes while the build goes on -- after the published site was
    checked: removing a name that shares an inode with a published file moves its change
    time, and the published pages must still be found intact and linked."""
    root = _copy(tmp_path)
    _build(root)
    page = root / "out/guides/index.html"
    for n, (old, new) in enumerate(
        [("全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件"), ("审查批准逮捕案件", "审查逮捕案件")]
    ):
        ino = page.stat().st_ino
        _edit(root / REPORT, old, new)
        hits, total = _from_cache(_build(root))
        assert hits == total - 1
        assert page.stat().st_ino == ino, n  # linked from the published site, not rendered again
        spare = root / ".openaffairs/cache/spare/out"
        assert spare.is_dir()
    assert tree_digest(root / "out") == _cold(root, tmp_path)
    # the spare tree the next build recycles is cleared by it, and the site is still a cold one's
    _edit(root / REPORT, "审查逮捕案件", "审查批准逮捕案件")
    _build(root)
    assert page.stat().st_ino == ino
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_a_declaration_in_one_record_reaches_every_page_where_the_name_occurs(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "content/disclosures/2026/press-note.md").write_text(CITING, "utf-8")
    _build(root)
    assert "钱多多" in (root / "out/disclosures/press-note/index.html").read_text("utf-8")
    # the name is declared by ANOTHER record: the press note must be filtered again
    _edit(
        root / "content/disclosures/2026/bribery-case.md",
        "  - name: 张丽\n",
        "  - name: 钱多多\n    role: witness\n  - name: 张丽\n",
    )
    hits, _total = _from_cache(_build(root))
    assert hits == 0  # the site's declared names changed: no record's filter result holds
    files = all_output(root / "out")
    assert [name for name, text in files.items() if "钱多多" in text] == []
    assert tree_digest(root / "out") == _cold(root, tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "secret"),
    [
        ("    aliases: [老张]\n", "    aliases: [老张, 钱多多]\n", "钱多多"),
        ('      phone: "13912345678"\n', '      phone: "13912345678"\n      workplace: 花园饭店后厨\n', "花园饭店后厨"),
        ("    role: defendant\n    public: true\n", "    role: defendant\n", "王海"),
    ],
    ids=["alias", "private-value", "public-flag"],
)
def test_a_party_field_changed_in_another_record_invalidates_the_cache_without_the_matcher(
    tmp_path: Path, old: str, new: str, secret: str
) -> None:
    """The site digest is taken over the parties themselves (the site-wide matcher is not
    built when every record comes from the cache): a change of any field of any party
    -- an alias, a private value, the public flag -- still invalidates every record."""
    root = _copy(tmp_path)
    note = CITING.replace("通报中提到钱多多接受了询问。", "通报中提到钱多多接受了询问，王海在花园饭店后厨到案。")
    (root / "content/disclosures/2026/press-note.md").write_text(note, "utf-8")
    _build(root)
    hits, total = _from_cache(_build(root))
    assert hits == total
    page = root / "out/disclosures/press-note/index.html"
    assert secret in page.read_text("utf-8")
    _edit(root / "content/disclosures/2026/bribery-case.md", old, new)
    hits, _total = _from_cache(_build(root))
    assert hits == 0
    assert secret not in page.read_text("utf-8")
    assert [name for name, text in all_output(root / "out").items() if secret in text] == []
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def _change_config(root: Path) -> None:
    _edit(root / "site_config.yml", "依法公开案件信息与检务信息。", "依法公开案件信息、检务信息。")


def _change_theme(root: Path) -> None:
    (root / "theme/assets").mkdir(parents=True)
    css = (SAMPLE.parent.parent / "theme/assets/openaffairs.css").read_text("utf-8")
    (root / "theme/assets/openaffairs.css").write_text(css + "\n/* site override */\n", "utf-8")


@pytest.mark.parametrize("change", [_change_config, _change_theme], ids=["config", "theme"])
def test_config_or_theme_change_invalidates_the_cache(tmp_path: Path, change: object) -> None:
    root = _copy(tmp_path)
    _build(root)
    assert callable(change)
    change(root)
    hits, _ = _from_cache(_build(root))
    assert hits == 0
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_fingerprint_covers_config_theme_templates_and_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.config import load_config

    root = _copy(tmp_path)
    config = load_config(root / "site_config.yml")
    base = cache_module.fingerprint(config)
    assert cache_module.fingerprint(load_config(root / "site_config.yml")) == base  # stable
    _change_config(root)
    assert cache_module.fingerprint(load_config(root / "site_config.yml")) != base
    root2 = _copy(tmp_path, "site2")
    _change_theme(root2)
    assert cache_module.fingerprint(load_config(root2 / "site_config.yml")) != base
    # a template of the package (a copy of the package's files, one template changed)
    package = tmp_path / "generator"
    shutil.copytree(cache_module.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "PACKAGE_DIR", package)
    assert cache_module.fingerprint(config) == base
    _edit(package / "templates/record.md.j2", "{", "{ ")
    assert cache_module.fingerprint(config) != base
    monkeypatch.setattr(cache_module, "PACKAGE_DIR", cache_module.Path(cache_module.__file__).parent)
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    assert cache_module.fingerprint(config) != base


def test_package_version_change_rebuilds_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path)
    _build(root)
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    hits, _ = _from_cache(_build(root))
    assert hits == 0


def test_a_damaged_cache_entry_is_ignored_never_published(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    cache = root / ".openaffairs/cache"
    with contextlib.closing(sqlite3.connect(cache / "records.sqlite")) as db, db:
        keys = [k for (k,) in db.execute("SELECT key FROM entries ORDER BY key")]
        assert len(keys) > 5
        # truncated, one byte flipped, and someone else's payload under an entry's checksum
        db.execute("UPDATE entries SET payload = substr(payload, 1, 40) WHERE key = ?", (keys[0],))
        (data,) = db.execute("SELECT payload FROM entries WHERE key = ?", (keys[1],)).fetchone()
        flipped = bytearray(data)
        flipped[-3] ^= 0xFF
        db.execute("UPDATE entries SET payload = ? WHERE key = ?", (bytes(flipped), keys[1]))
        db.execute(
            "UPDATE entries SET payload = (SELECT payload FROM entries WHERE key = ?) WHERE key = ?", (keys[3], keys[2])
        )
    # a published page changed in place, its modification time put back (what the cache
    # would link into the next site): the change time gives it away
    page = root / "out/disclosures/bribery-case/index.html"
    st = page.stat()
    page.write_text(page.read_text("utf-8").replace("张某", "张建国"), "utf-8")
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    output = _build(root)
    hits, total = _from_cache(output)
    assert hits == total - 3
    assert tree_digest(root / "out") == _cold(root, tmp_path)
    assert "张建国" not in (root / "out/disclosures/bribery-case/index.html").read_text("utf-8")
    # a manifest that does not check out: every page is rendered again
    manifest = cache / "pages/out.manifest"
    assert manifest.is_file()
    manifest.write_bytes(b"OACACHE1" + b"\0" * 40)
    shutil.rmtree(
        cache / "state", ignore_errors=True
    )  # else the unchanged site would be kept as it is (no page rendered)
    ino = (root / "out/guides/index.html").stat().st_ino
    _build(root)
    assert (root / "out/guides/index.html").stat().st_ino != ino  # rendered again
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_attachment_changed_after_the_scan_is_not_published(tmp_path: Path) -> None:
    from generator.errors import BuildError
    from generator.pipeline import configure, prepare
    from generator.rendering import render_site
    from generator.site import write_site

    root = _copy(tmp_path)
    config, now = configure(root / "site_config.yml", NOW)
    report = prepare(config, now)
    assert "disclosures/2026/notice.txt" in report.scanned
    (root / "content/disclosures/2026/notice.txt").write_text("张建国 13912345678", "utf-8")
    rendered = render_site(report.public, config, now)
    with pytest.raises(BuildError) as caught:
        write_site(rendered, config, root / "out", now, scanned=report.scanned)
    assert "changed while the site was being built" in caught.value.problems[0].message
    assert not (root / "out").exists()


def test_attachment_changed_before_its_copy_is_not_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy MkDocs publishes is made only when MkDocs gets the file (a reused one never
    is), from the file read again: bytes other than those scanned stop the build."""
    from generator import site
    from generator.errors import BuildError
    from generator.pipeline import configure, prepare
    from generator.rendering import render_site

    root = _copy(tmp_path)
    config, now = configure(root / "site_config.yml", NOW)
    report = prepare(config, now)
    rendered = render_site(report.public, config, now)
    source = "disclosures/2026/notice.txt"
    real, calls = site._scanned_bytes, []

    def racing(config: object, rel: str, scanned: object) -> bytes:
        calls.append(rel)
        if rel == source and calls.count(rel) == 2:  # after the listing, before the copy
            (root / "content" / rel).write_text("张建国 13912345678", "utf-8")
        return real(config, rel, scanned)  # type: ignore[arg-type]

    monkeypatch.setattr(site, "_scanned_bytes", racing)
    with pytest.raises(BuildError) as caught:
        site.write_site(rendered, config, root / "out", now, scanned=report.scanned)
    assert calls.count(source) == 2
    assert "changed while the site was being built" in caught.value.problems[0].message
    assert not (root / "out").exists()


def test_a_reused_attachment_is_linked_not_copied(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    published = root / "out/disclosures/2026/notice.txt"
    if not published.exists():
        published = next(p for p in (root / "out").rglob("notice.txt"))
    before = published.stat().st_ino
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    _build(root)
    assert published.stat().st_ino == before  # the published file, linked
    (root / "content/disclosures/2026/notice.txt").write_text("本院通知：开放日改期。", "utf-8")
    _build(root)
    assert published.read_text("utf-8") == "本院通知：开放日改期。"
    assert tree_digest(root / "out") == _cold(root, tmp_path)


# --- one transaction: a build killed at any stage ----------------------------------------

STAGES = ["filtered", "rendered", "staged", "swapped", "indexed"]


def _cli(root: Path, *args: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAFFAIRS_KILL_AT"}
    if kill_at:
        env["OPENAFFAIRS_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def transaction_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, str]]:
    """A site built once (v1), its content changed (v2), and the digests of both cold builds."""
    base = tmp_path_factory.mktemp("txn")
    root = _copy(base)
    assert _cli(root, "build", "--now", NOW, "--out", "out", "-q").returncode == 0
    v1 = tree_digest(root / "out")
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    cold = base / "cold"
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns("out", ".openaffairs"))
    assert _cli(cold, "build", "--now", NOW, "--out", "out", "-q", "--no-cache").returncode == 0
    return root, v1, tree_digest(cold / "out")


@pytest.mark.parametrize("stage", STAGES)
def test_a_build_killed_at_any_stage_leaves_site_index_and_cache_usable(
    transaction_sites: tuple[Path, dict[str, str], dict[str, str]], tmp_path: Path, stage: str
) -> None:
    template, v1, v2 = transaction_sites
    root = tmp_path / "site"
    shutil.copytree(template, root, symlinks=True)
    # the copy holds v1's site, search index and cache, and v2's content
    killed = _cli(root, "build", "--now", NOW, "--out", "out", "-q", kill_at=stage)
    assert killed.returncode == -9, killed.stderr
    site = tree_digest(root / "out")
    assert site == (v1 if STAGES.index(stage) < STAGES.index("swapped") else v2)
    # the journalists' index still answers
    searched = _cli(root, "search", "--now", NOW, "--out", "out", "受贿")
    assert searched.returncode == 0, searched.stderr
    assert "bribery-case" in searched.stdout or "受贿" in searched.stdout
    # and the next build, with what the killed one left in the cache, is right
    again = _cli(root, "build", "--now", NOW, "--out", "out", "-q")
    assert again.returncode == 0, again.stderr
    assert tree_digest(root / "out") == v2
    assert not [p for p in root.iterdir() if ".staging-" in p.name or ".old-" in p.name]


def test_the_kill_hook_is_off_without_the_variable() -> None:
    from generator import pipeline

    assert "OPENAFFAIRS_KILL_AT" not in os.environ
    for stage in STAGES:
        pipeline._stage(stage)  # returns: no variable, no kill


def test_fingerprint_does_not_depend_on_the_clock(tmp_path: Path) -> None:
    """Builds at different times share the cache (the clock decides only what the pages say)."""
    root = _copy(tmp_path)
    _build(root)
    later = (dt.datetime.fromisoformat(NOW) + dt.timedelta(minutes=5)).isoformat()
    result = run_cli(["build", "--now", later, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    hits, total = _from_cache(result.stdout + result.stderr)
    assert hits == total


def test_two_language_site_cached_rebuild_is_a_cold_build(tmp_path: Path) -> None:
    """The repository's sample site (zh at /, en under /en/): a changed English record."""
    root = tmp_path / "bilingual"
    root.mkdir()
    shutil.copy(REPO / "site_config.yml", root / "site_config.yml")
    shutil.copytree(REPO / "content", root / "content")
    _build(root)
    record = root / "content/disclosures/2026/press-weekend-service-2026-en.md"
    record.write_text(record.read_text("utf-8") + "\nOne more sentence for the cache test.\n", "utf-8")
    hits, total = _from_cache(_build(root))
    assert hits == total - 1
    assert "One more sentence for the cache test." in "".join(
        p.read_text("utf-8") for p in (root / "out/en/disclosures").rglob("index.html")
    )
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def _search(root: Path, query: str) -> list[tuple[str, str]]:
    import json

    result = run_cli(["search", "--now", NOW, "--out", "out", "--json", "--limit", "100", query], root)
    assert result.exit_code == 0, result.stderr
    return [(hit["type"], hit["id"]) for hit in json.loads(result.stdout)]


def test_search_index_updated_for_the_changed_records_answers_as_a_cold_one(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    (root / "content/disclosures/2026/press-note.md").write_text(CITING.replace("钱多多", "某人"), "utf-8")
    output = _build(root)
    assert "updating the search index (2 records in, 0 out)" in output
    cold = tmp_path / "cold"
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns("out", ".openaffairs"))
    _build(cold, "out", "--no-cache")
    assert ("disclosures", "work-report-2025") in _search(root, "审查批准逮捕")
    for query in ["审查批准逮捕", "受贿", "通报", "type:regulations", "检察"]:
        assert _search(root, query) == _search(cold, query), query
    # a record removed: out of the index too
    (root / "content/disclosures/2026/press-note.md").unlink()
    assert "(0 records in, 1 out)" in _build(root)
    assert ("disclosures", "press-note") not in _search(root, "通报")


def test_the_static_index_entry_is_reused_by_another_process(tmp_path: Path) -> None:
    """Cache keys must not depend on the process (e.g. the order of a set's pickle)."""
    root = _copy(tmp_path)
    assert _cli(root, "build", "--now", NOW, "--out", "out", "-q").returncode == 0
    before = sorted(p.name for p in (root / ".openaffairs/cache/outputs").iterdir())
    assert before  # the static index and the records' encoded open data (issue 13)
    assert _cli(root, "build", "--now", NOW, "--out", "out", "-q").returncode == 0
    assert sorted(p.name for p in (root / ".openaffairs/cache/outputs").iterdir()) == before


def test_the_static_index_updated_page_by_page_is_a_cold_build(tmp_path: Path) -> None:
    """Issue 13: the site's search index starts from the last build's (only the changed pages
    are indexed again); every file of out/search/ is byte for byte a cold build's, after a
    body changed, a record added and a record removed; the cache holds nothing held back."""
    root = _copy(tmp_path)
    _build(root)

    def same_as_cold() -> None:
        other = tmp_path / f"cold-search-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(root, other, ignore=shutil.ignore_patterns("out", ".openaffairs"))
        _build(other, "out", "--no-cache")
        assert tree_digest(root / "out/search") == tree_digest(other / "out/search")

    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    _build(root)
    same_as_cold()
    (root / "content/disclosures/2026/press-note.md").write_text(CITING.replace("钱多多", "某人"), "utf-8")
    _build(root)
    same_as_cold()
    (root / "content/disclosures/2026/bribery-case.md").unlink()
    _build(root)
    same_as_cold()
    raw = b"".join(p.read_bytes() for p in (root / ".openaffairs/cache/outputs").rglob("*") if p.is_file())
    assert "禁发期泄露测试短语丙".encode() not in raw and b"held-embargo" not in raw


# --- nothing changed: recognised by the signatures of what a build reads -----------------

UNCHANGED = "Nothing changed since the last build"


def _settle() -> None:
    """Files changed less than a second before a build are "racy" (a second change in the
    same clock tick would not show in their time stamps): that build records no state."""
    import time

    time.sleep(1.1)


def test_an_unchanged_site_is_recognised_without_reading_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _settle()
    first = _build(root)
    assert UNCHANGED not in first
    before = tree_digest(root / "out")
    again = _build(root)
    assert UNCHANGED in again
    assert tree_digest(root / "out") == before == _cold(root, tmp_path)
    # the cache holds nothing of a held-back record: the build says how many, not which
    assert "7 records held back" in again and "embargo.md" not in again
    raw = b"".join(p.read_bytes() for p in (root / ".openaffairs/cache/state").rglob("*") if p.is_file())
    assert b"held-embargo" not in raw and b"embargo.md" not in raw and "禁发期".encode() not in raw
    # the search index is the same generation and answers
    assert ("disclosures", "bribery-case") in _search(root, "受贿")


def test_the_embargo_passing_is_a_change_though_no_file_changed(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _settle()
    _build(root)
    assert UNCHANGED in _build(root)
    later = "2027-06-02T10:00:00+08:00"
    result = run_cli(["build", "--now", later, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    assert UNCHANGED not in result.stdout
    assert "禁发期泄露测试短语丙" in (root / "out/disclosures/held-embargo/index.html").read_text("utf-8")
    other = tmp_path / "cold-later"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns("out", ".openaffairs", "cold*"))
    cold = run_cli(["build", "--now", later, "--out", "out", "--no-cache"], other)
    assert cold.exit_code == 0, cold.stderr
    assert tree_digest(root / "out") == tree_digest(other / "out")
    # and back at the earlier time the embargoed text is gone again, everywhere
    _build(root)
    assert [name for name, text in all_output(root / "out").items() if "禁发期泄露测试短语丙" in text] == []


def test_a_touched_deleted_or_added_file_is_seen(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _settle()
    _build(root)
    # the same bytes written again (a new change time): the build runs (and changes nothing)
    report = root / REPORT
    report.write_bytes(report.read_bytes())
    _settle()
    assert UNCHANGED not in _build(root)
    assert UNCHANGED in _build(root)
    # a record deleted: gone from every output, as in a cold build
    (root / "content/disclosures/2026/bribery-case.md").unlink()
    _settle()
    assert UNCHANGED not in _build(root)
    assert not (root / "out/disclosures/bribery-case").exists()
    assert [name for name, text in all_output(root / "out").items() if "bribery-case" in text] == []
    assert tree_digest(root / "out") == _cold(root, tmp_path)
    assert ("disclosures", "bribery-case") not in _search(root, "受贿")
    # a hidden file the build reads (content/.dates.json) counts too
    (root / "content/.unrelated").write_text("x", "utf-8")
    _settle()
    assert UNCHANGED not in _build(root)


def test_a_change_within_the_last_second_is_never_trusted(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _settle()
    _build(root)
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    assert UNCHANGED not in _build(root)  # racy: this build records no state
    assert list((root / ".openaffairs/cache/state").iterdir()) == []
    _settle()
    assert UNCHANGED not in _build(root)  # a second later: this one does
    assert UNCHANGED in _build(root)
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_a_changed_output_or_a_damaged_state_is_rebuilt(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _settle()
    _build(root)
    cold = _cold(root, tmp_path)
    # a published page changed in place: the build notices and puts it right
    page = root / "out/disclosures/bribery-case/index.html"
    page.write_text(page.read_text("utf-8").replace("张某", "张建国"), "utf-8")
    assert UNCHANGED not in _build(root)
    assert tree_digest(root / "out") == cold
    # an extra file in the site, a file of the search index changed
    (root / "out/extra.html").write_text("<p>x</p>", "utf-8")
    assert UNCHANGED not in _build(root)
    assert tree_digest(root / "out") == cold
    # a damaged state entry is ignored
    states = list((root / ".openaffairs/cache/state").iterdir())
    assert len(states) == 1
    data = bytearray(states[0].read_bytes())
    data[-2] ^= 0xFF
    states[0].write_bytes(bytes(data))
    assert UNCHANGED not in _build(root)
    assert UNCHANGED in _build(root)
    # the config, the theme or the package version changed: never "unchanged"
    _change_config(root)
    assert UNCHANGED not in _build(root)
    _change_theme(root)
    assert UNCHANGED not in _build(root)
    assert tree_digest(root / "out") == _cold(root, tmp_path)


def test_a_killed_build_leaves_no_state_that_would_keep_its_site(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _settle()
    assert _cli(root, "build", "--now", NOW, "--out", "out", "-q").returncode == 0
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    _settle()
    killed = _cli(root, "build", "--now", NOW, "--out", "out", "-q", kill_at="swapped")
    assert killed.returncode == -9
    # the content is back as it was when the state of the first build was recorded
    _edit(root / REPORT, "全年共受理审查批准逮捕案件", "全年共受理审查逮捕案件")
    _settle()
    again = _cli(root, "build", "--now", NOW, "--out", "out")
    assert again.returncode == 0, again.stderr
    assert UNCHANGED not in again.stdout
    assert tree_digest(root / "out") == _cold(root, tmp_path)
