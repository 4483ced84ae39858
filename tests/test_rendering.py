"""Targeted assertions on the HTML mkdocs-material makes of our pages."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import NOW, REGULATION, run_cli, write_site


def page(root: Path, rel: str) -> str:
    return (root / rel / "index.html").read_text(encoding="utf-8")


def test_disclosure_page_has_its_metadata_panel(built_sample: Path) -> None:
    html = page(built_sample, "disclosures/bribery-case")
    for text in (
        "案件程序性信息",
        "2026-03-01",
        "测检刑诉〔2026〕15号",
        "第一检察部",
        "张某1（犯罪嫌疑人）",
        "王海（被告人）",
        "李明（承办检察官）",
        '<a href="../../regulations/cpl-2018/">中华人民共和国刑事诉讼法</a>',
        '<a href="files/notice.txt" download="">起诉书摘要</a>',
        "更正案号",
        "职务犯罪",
    ):
        assert text in html, text
    assert "<title>张某1受贿案提起公诉 - 测试市人民检察院检务公开</title>" in html


def test_regulation_page_links_amendments_and_back_links(built_sample: Path) -> None:
    html = page(built_sample, "regulations/cpl-2018")
    for text in (
        "现行有效",
        "法律",
        "全国人民代表大会常务委员会",
        "主席令第十号",
        "2018-10-26",
        '<a href="../cpl-2012/">中华人民共和国刑事诉讼法（2012年修正）</a>',
        "引用本法规的信息",
        '<a href="../../disclosures/bribery-case/">张某1受贿案提起公诉</a>',
        '<a href="../../guides/bribery-record-inquiry/">行贿犯罪档案查询</a>',
    ):
        assert text in html, text
    assert "已被修改" in page(built_sample, "regulations/cpl-2012")


def test_open_day_page_shows_time_place_and_registration(built_sample: Path) -> None:
    html = page(built_sample, "open-days/open-day-2026-12")
    for text in (
        "2026-12-15 09:30–11:30",
        "测试市人民检察院检察服务中心（测试市东湖区人民路100号）",
        "40 人",
        "报名中",
        "2026-11-20 09:00 – 2026-12-10 17:00",
        "0571-12309000",
        '<th scope="row">09:30</th><td>参观检察服务中心</td>',
        '<th scope="row">10:30</th>',
    ):
        assert text in html, text


def test_open_day_is_marked_past_after_it_ended(sample_site: Path) -> None:
    assert run_cli(["build", "--now", "2027-01-01T00:00:00+08:00"], sample_site).exit_code == 0
    html = page(sample_site / "site", "open-days/open-day-2026-12")
    assert "已结束" in html and "报名已截止" in html
    listing = page(sample_site / "site", "open-days")
    assert listing.index("往期活动") < listing.index("2026年12月检察开放日")


def test_guide_page(built_sample: Path) -> None:
    html = page(built_sample, "guides/bribery-record-inquiry")
    for text in (
        "单位和个人均可申请",
        "查询申请书",
        "出具查询结果告知函",
        "工作日 9:00-17:00",
        '<a class="oa-tel" href="tel:057112309000">0571-12309000</a>',
        "3 个工作日",
        "免费",
        '<a href="files/application.txt" download="">查询申请书</a>',
    ):
        assert text in html, text


def test_listings_and_home(built_sample: Path) -> None:
    home = page(built_sample, ".")
    assert (
        home.index("Procuratorate opens its doors") < home.index("张某1受贿案提起公诉") < home.index("2025年工作报告")
    )
    assert "2026年12月检察开放日" in home and "行贿犯罪档案查询" in home
    listing = page(built_sample, "disclosures")
    assert 'href="category/work-report/"' in listing and "2026" in listing
    assert "2025年工作报告" in page(built_sample, "disclosures/category/work-report")
    assert "2025年工作报告" not in page(built_sample, "disclosures/category/press-release")
    regs = page(built_sample, "regulations")
    assert "<table" in regs and "主席令第十号" in regs and "regulations.csv" in regs
    assert (built_sample / "regulations/regulations.csv").read_bytes().startswith("\ufeffid,title".encode())


def test_records_are_not_in_the_navigation(built_sample: Path) -> None:
    html = page(built_sample, "disclosures/bribery-case")
    nav = html[html.index('<nav class="md-tabs"') : html.index("</nav>", html.index('<nav class="md-tabs"'))]
    assert "bribery-case" not in nav and "案件信息公开" in nav


def test_english_record_is_marked_english(built_sample: Path) -> None:
    html = page(built_sample, "disclosures/open-day-press")
    assert '<div class="oa-body" lang="en">' in html and "<strong>forty visitors</strong>" in html


def test_english_interface(sample_site: Path) -> None:
    config = sample_site / "site_config.yml"
    config.write_text(config.read_text("utf-8").replace("language: zh", "language: en"), "utf-8")
    assert run_cli(["build", "--now", NOW], sample_site).exit_code == 0
    html = page(sample_site / "site", "disclosures/bribery-case")
    assert '<html lang="en"' in html and "Case number" in html and "Case information" in html


HOSTILE = """\
---
id: x
title: "A <script>alert('t')</script> & B"
summary: "<img src=x onerror=alert('s')>"
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-01-05
category: announcement
date: 2026-01-05
---
<script>alert('body')</script>
<img src="https://tracker.example.com/p.gif" alt="t"> <img src="local.png" alt="ok">
[click](javascript:alert('link')) <a href="#" onclick="alert('h')">h</a>
<!-- internal remark -->
<iframe src="https://evil.example.com/"></iframe>
"""


def test_hostile_html_is_neutralised(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION, "content/disclosures/x.md": HOSTILE})
    result = run_cli(["build", "--now", NOW], root)
    assert result.exit_code == 0, result.stderr
    html = page(root / "site", "disclosures/x")
    assert "<script>alert" not in html and not re.search(r"<[a-z]+(?:\s+[a-z-]+=\"[^\"]*\")*\s+on[a-z]+=", html)
    assert "&lt;img src=x onerror=alert('s')&gt;" in html  # shown as text, harmless
    assert "javascript:" not in html and "internal remark" not in html and "<iframe" not in html
    assert "tracker.example.com" not in html and 'src="local.png"' in html
    assert "<title>A &lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; B - 测试检察院</title>" in html
    assert "<h1>A &lt;script&gt;alert('t')&lt;/script&gt; &amp; B</h1>" in html
