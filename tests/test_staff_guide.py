"""The staff guides' full examples are real: put into a site, every one of them checks clean
and is published (and the Chinese and English guides show the same examples)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import CONFIG, REPO, run_cli, write_site

GUIDES = [REPO / "docs" / "zh" / "staff-guide.md", REPO / "docs" / "en" / "staff-guide.md"]
FOLDER = {
    "category": "disclosures/2026",
    "kind": "regulations",
    "start": "open-days",
    "service": "guides",
    "nav_order": "pages",
}
STUB = """---
id: criminal-procedure-law-2018
title: 中华人民共和国刑事诉讼法
status: approved
author: zhao.lei
approved_by: li.wei
approved_on: 2026-01-05
kind: law
issuer: 全国人民代表大会
issued: 2018-10-26
validity: in-force
---
正文。
"""


def examples(guide: Path) -> list[str]:
    return re.findall(r"```markdown\n(---\n.*?)```", guide.read_text("utf-8"), re.S)


def test_both_guides_show_the_same_examples() -> None:
    zh, en = (examples(g) for g in GUIDES)
    assert len(zh) == 5
    strip = lambda text: re.sub(r"\s+#.*", "", text)  # noqa: E731 - comments may be translated
    assert [strip(e) for e in zh] == [strip(e) for e in en]


@pytest.mark.parametrize("guide", GUIDES, ids=["zh", "en"])
def test_every_example_in_the_guide_is_published(guide: Path, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"content/regulations/criminal-procedure-law-2018.md": STUB}
    for text in examples(guide):
        record_id = re.search(r"^id: (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
        folder = next(f for key, f in FOLDER.items() if re.search(rf"^{key}:", text, re.M))
        files[f"content/{folder}/{record_id}.md"] = text
    root = write_site(tmp_path, files, config=CONFIG.replace('allow: ["12309"]', 'allow: ["12309", "0799-12309000"]'))
    pdf = next((REPO / "content").rglob("*.pdf"))
    shutil.copyfile(pdf, root / "content/disclosures/2026/indictment-summary.pdf")
    shutil.copyfile(pdf, root / "content/guides/bribery-record-inquiry-application.pdf")
    result = run_cli(["check", "--strict", "--now", "2026-11-26T10:00:00+08:00"], root)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "OK: 6 records to publish" in result.stderr and "held back" not in result.stdout
    report = run_cli(["check", "--privacy-report", "--now", "2026-11-26T10:00:00+08:00"], root)
    assert "张某1" in report.stdout and "张某2" in report.stdout
