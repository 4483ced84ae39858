"""The public site's interface (issue 10), on real builds: Chinese text as written, listings in
pages, the pages every government site has, the footer keys, and only what is used is shipped."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import markdown
import pytest
from conftest import CONFIG, NOW, run_cli, write_site

from generator.cjk import CJK, join_cjk_html
from generator.document import render_markdown as body_markdown
from generator.tel import link_phones_html


def render_markdown(text: str) -> str:
    """A body as it reaches the page: the body dialect, (the filter), then joined and tel: links."""
    return link_phones_html(join_cjk_html(body_markdown(text)))


STRAY_SPACE = re.compile(f"[{CJK}]\\s+[{CJK}]")


BLOCK = re.compile(
    r"</?(?:p|li|ul|ol|div|h\d|table|thead|tbody|tr|td|th|dl|dt|dd|blockquote|section|br|hr|pre)\b[^>]*>"
)


def text_of(html: str) -> str:
    """The text a browser shows, with a | where one block (paragraph, list item...) ends."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", BLOCK.sub("|", html)))


def body_text(page: str) -> str:
    start = page.find('<div class="oa-body"')
    assert start != -1
    end = page.find("</article>", start)
    return text_of(page[start:end])


def test_wrapped_chinese_lines_show_no_stray_space(built_content: Path) -> None:
    """Every record body of the sample content: a line break between two CJK characters is
    joined (the source wraps "…为名，⏎通过…" in jiangjian-xingsu-2026-15-prosecution)."""
    page = (built_content / "disclosures" / "jiangjian-xingsu-2026-15-prosecution" / "index.html").read_text("utf-8")
    assert "为名，通过" in body_text(page)
    stray, checked = {}, 0
    for index in built_content.glob("*/*/index.html"):
        page = index.read_text("utf-8")
        if '<div class="oa-body"' not in page:  # listings, tombstones
            continue
        checked += 1
        found = STRAY_SPACE.findall(body_text(page))
        # a line break in the source is the only way a newline gets between two CJK characters
        found = [f for f in found if "\n" in f]
        if found:
            stray[index.parent.name] = found[:3]
    assert checked > 30 and not stray, stray


def test_cjk_extension_keeps_latin_breaks_and_code() -> None:
    html = render_markdown("中文\n换行，**加粗**\n继续。Latin\nwords 与\n12309\n\n    代码\n    行\n")
    assert "中文换行，<strong>加粗</strong>继续。" in html
    assert "Latin\nwords" in html and "与\n<a" in html  # next to Latin/digits the break stays a space
    assert "代码\n行" in html  # code is left as written
    # the same rule as a Python-Markdown extension
    assert "中文换行，<strong>加粗</strong>继续" in markdown.Markdown(extensions=["generator.cjk"]).convert(
        "中文\n换行，**加粗**\n继续"
    )


def test_phone_numbers_in_bodies_become_tel_links() -> None:
    html = render_markdown(
        "请拨打12309或0799-12309000-8，访问12309中国检察网；拨打110报警。案号〔2026〕15号，"
        "金额 1,234,567 元，身份证号已隐去。"
    )
    assert '<a class="oa-tel" href="tel:12309">12309</a>' in html
    assert '<a class="oa-tel" href="tel:0799123090008">0799-12309000-8</a>' in html
    assert '<a class="oa-tel" href="tel:110">110</a>' in html
    assert html.count("tel:") == 3  # not the web site, the case number, the amount
    # not inside links or code, nor in attributes
    linked = link_phones_html('<p><a href="/x/">12309</a> <code>12309</code> <span title="12309">x</span></p>')
    assert "tel:" not in linked


def _disclosure(i: int, year: int, category: str) -> str:
    return f"""\
---
id: d{i:04d}
title: 公开信息第{i}号
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-01-01
category: {category}
date: {year}-0{1 + i % 9}-1{i % 10}
---
正文{i}。
"""


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("paged")
    files = {
        f"content/disclosures/d{i:04d}.md": _disclosure(
            i, 2024 + i % 2, ("announcement", "press-release")[i % 2 and i % 3 == 0]
        )
        for i in range(120)
    }
    config = (
        CONFIG + 'short_name: 测试检务\nsponsor: 测试市人民检察院\nphone: "0571-12309000"\n'
        'icp_number: 浙ICP备00000000号\nsite_code: "0000000001"\n'
    )
    write_site(root, files, config)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    return root / "out"


def test_listings_come_in_pages_of_50_with_prev_next(big_site: Path) -> None:
    first = (big_site / "disclosures" / "index.html").read_text("utf-8")
    second = (big_site / "disclosures" / "page" / "2" / "index.html").read_text("utf-8")
    last = (big_site / "disclosures" / "page" / "3" / "index.html").read_text("utf-8")
    assert not (big_site / "disclosures" / "page" / "4").exists()
    assert first.count('class="oa-list__item"') == 50 and last.count('class="oa-list__item"') == 20
    assert "第 1 / 3 页，共 120 条" in first
    assert '<link rel="next" href="page/2/">' in first
    assert 'rel="prev"' not in first
    assert '<link rel="prev" href="../../">' in second and '<link rel="next" href="../3/">' in second
    assert 'rel="next"' not in last
    assert 'aria-current="page">2</span>' in second
    # every record is on exactly one page
    ids = re.findall(r'href="[./]*(d\d{4})/"', first + second + last)
    assert sorted(set(ids)) == [f"d{i:04d}" for i in range(120)] and len(ids) == 120


def test_year_and_category_archives_with_counts(big_site: Path) -> None:
    y2025 = (big_site / "disclosures" / "year" / "2025" / "index.html").read_text("utf-8")
    assert '2025 年 <span class="oa-chip__n">60</span>' in y2025 and "第 1 / 2 页，共 60 条" in y2025
    assert y2025.count('class="oa-list__item"') == 50
    assert (big_site / "disclosures" / "year" / "2025" / "page" / "2" / "index.html").is_file()
    press = (big_site / "disclosures" / "category" / "press-release" / "index.html").read_text("utf-8")
    n = len([i for i in range(120) if i % 2 and i % 3 == 0])
    assert f"共 {n} 条" in press


def test_footer_keys_and_short_name(big_site: Path) -> None:
    home = (big_site / "index.html").read_text("utf-8")
    assert "主办单位：测试市人民检察院" in home
    assert '<a class="oa-tel" href="tel:057112309000">0571-12309000</a>' in home
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">浙ICP备00000000号</a>' in home
    assert "网站标识码：0000000001" in home
    assert "公安机关备案号" not in home and "beian.mps.gov.cn" not in home  # not set: not shown
    assert '<span class="oa-name--short" aria-hidden="true">测试检务</span>' in home
    assert 'href="tel:12309"' in home


def test_404_sitemap_and_accessibility_pages(built_sample: Path) -> None:
    notfound = (built_sample / "404.html").read_text("utf-8")
    assert "页面未找到" in notfound and "404 - Not found" not in notfound
    assert 'role="search"' in notfound and 'href="/disclosures/"' in notfound
    sitemap = (built_sample / "sitemap" / "index.html").read_text("utf-8")
    assert "网站地图" in sitemap and 'href="../disclosures/year/2026/"' in sitemap
    assert (built_sample / "sitemap.xml").is_file()  # the XML one stays for machines
    assert "无障碍声明" in (built_sample / "accessibility" / "index.html").read_text("utf-8")


def test_chinese_labels_skip_link_and_landmarks(built_sample: Path) -> None:
    html = (built_sample / "disclosures" / "bribery-case" / "index.html").read_text("utf-8")
    assert 'alt="logo"' not in html and 'alt="测试市人民检察院标志"' in html
    assert 'aria-label="breadcrumb"' not in html and 'aria-label="当前位置"' in html
    assert '<a class="oa-skip" href="#oa-content">跳到正文</a>' in html and 'id="oa-content"' in html
    for landmark in ("<header", "<main", "<footer", "<nav"):
        assert landmark in html


def test_only_what_is_used_is_shipped(built_sample: Path) -> None:
    files = [p.relative_to(built_sample).as_posix() for p in built_sample.rglob("*") if p.is_file()]
    assert not [f for f in files if f.endswith(".map")]
    assert not [f for f in files if "/lunr/" in f or "/workers/" in f]
    assert "assets/images/favicon.png" not in files
    for js in built_sample.glob("assets/javascripts/*.js"):
        assert "sourceMappingURL" not in js.read_text("utf-8")
    for css in built_sample.glob("assets/stylesheets/*.css"):
        assert "sourceMappingURL" not in css.read_text("utf-8")
