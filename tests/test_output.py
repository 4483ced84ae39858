"""Determinism, the atomic swap, no build-machine paths, no third-party requests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import NOW, SAMPLE, run_cli, tree_digest


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    digests = []
    for name in ("first", "second-elsewhere"):
        root = tmp_path / name / "sample"
        shutil.copytree(SAMPLE, root)
        result = run_cli(["build", "--now", NOW, "--out", "out"], root)
        assert result.exit_code == 0, result.stderr
        digests.append(tree_digest(root / "out"))
        text = "\n".join(p.read_text("utf-8", "replace") for p in (root / "out").rglob("*") if p.is_file())
        assert str(tmp_path) not in text and "/tmp/" not in text and "staging" not in text
    assert digests[0] == digests[1]


def test_failed_build_leaves_previous_output_untouched(sample_site: Path) -> None:
    assert run_cli(["build", "--now", NOW], sample_site).exit_code == 0
    before = tree_digest(sample_site / "site")
    bad = sample_site / "content/disclosures/2026/work-report.md"
    bad.write_text(bad.read_text("utf-8").replace("date: 2026-01-20", "date: 2026-02-30"), "utf-8")
    result = run_cli(["build", "--now", NOW], sample_site)
    assert result.exit_code == 1
    assert "work-report.md:9: field 'date': expected a real calendar date, got '2026-02-30'" in result.stderr
    assert tree_digest(sample_site / "site") == before
    assert sorted(p.name for p in sample_site.iterdir()) == [".openaffairs", "content", "site", "site_config.yml"]


def test_success_replaces_the_output_whole(sample_site: Path) -> None:
    out = sample_site / "site"
    out.mkdir()
    (out / "stale.html").write_text("old", "utf-8")
    assert run_cli(["build", "--now", NOW], sample_site).exit_code == 0
    assert not (out / "stale.html").exists() and (out / "index.html").exists()


EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//(?!test\.example\.org)""")


def test_no_page_loads_anything_from_another_host(built_sample: Path) -> None:
    offenders = []
    for page in built_sample.rglob("*.html"):
        text = page.read_text("utf-8")
        for m in re.finditer(r"<(script|link|img|iframe)[^>]*>", text):
            tag = m.group(0)
            if EXTERNAL.search(tag) and not ('rel="canonical"' in tag or 'rel="alternate"' in tag):
                offenders.append((page.relative_to(built_sample).as_posix(), tag))
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
    assert offenders == []
