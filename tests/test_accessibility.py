"""What people see, in real headless Chromium with the CJK fonts installed (`make test`):
axe-core (from npm, tests/axe/) over every page type at 1280 and 390 px, no sideways
scrolling at 360 px, tappable phone numbers, the reading aids, the 404 page.

The site under test is the repository's own sample content (content/, site_config.yml)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser import browser_page, served
from conftest import REPO

AXE = REPO / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"

PAGE_TYPES = {
    "home": "/",
    "disclosures": "/disclosures/",
    "disclosures-category": "/disclosures/category/case-procedure/",
    "disclosures-year": "/disclosures/year/2026/",
    "regulations": "/regulations/",
    "open-days": "/open-days/",
    "guides": "/guides/",
    "disclosure": "/disclosures/jiangjian-xingsu-2026-15-prosecution/",
    "tombstone": "/disclosures/withdrawn-wu-embezzlement/",
    "regulation": "/regulations/procuratorate-criminal-procedure-rules-2019/",
    "open-day": "/open-days/2026-12-15-new-era-procuratorate/",
    "guide": "/guides/bribery-record-inquiry/",
    "page": "/pages/hotline-12309/",
    "directory": "/pages/reception/",
    "search": "/search/?q=%E8%B4%BF%E8%B5%82",
    "sitemap": "/sitemap/",
    "accessibility": "/accessibility/",
    "data": "/data/",
    "404": "/404.html",
}
# (issue 10) the English side of the two-language sample site: the same page types under /en/
EN_PAGE_TYPES = {
    "en-home": "/en/",
    "en-disclosures": "/en/disclosures/",
    "en-disclosures-category": "/en/disclosures/category/case-procedure/",
    "en-disclosures-year": "/en/disclosures/year/2026/",
    "en-regulations": "/en/regulations/",
    "en-open-days": "/en/open-days/",
    "en-guides": "/en/guides/",
    "en-disclosure": "/en/disclosures/jiangjian-xingsu-2026-15-prosecution-en/",
    "en-disclosure-untranslated": "/en/disclosures/press-weekend-service-2026-en/",
    "en-regulation": "/en/regulations/criminal-procedure-law-2018-en/",
    "en-open-day": "/en/open-days/2026-12-15-new-era-procuratorate-en/",
    "en-guide": "/en/guides/bribery-record-inquiry-en/",
    "en-page": "/en/pages/about-en/",
    "en-search": "/en/search/?q=bribery",
    "en-sitemap": "/en/sitemap/",
    "en-accessibility": "/en/accessibility/",
    "en-data": "/en/data/",
    "en-404": "/en/404.html",
}
BOTH_LANGUAGES = {**PAGE_TYPES, **EN_PAGE_TYPES}


def _axe(page: object) -> list[dict[str, object]]:
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
    )
    return list(result)


def test_page_types_exist(built_content: Path) -> None:
    for name, url in BOTH_LANGUAGES.items():
        path = url.split("?")[0]
        file = built_content / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        assert file.is_file(), f"{name}: {file} missing"


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_axe_finds_no_serious_or_critical_violation(built_content: Path, width: int, height: int) -> None:
    assert AXE.is_file(), "axe-core is not installed: run `make test` (it runs npm ci in tests/axe)"
    found: dict[str, list[dict[str, object]]] = {}
    with served(built_content) as base, browser_page(width, height) as (page, requested):
        for name, url in BOTH_LANGUAGES.items():
            page.goto(base + url, wait_until="networkidle")
            if name in ("search", "en-search"):
                page.wait_for_selector(".oa-search__result")
            bad = [v for v in _axe(page) if v["impact"] in ("serious", "critical")]
            if bad:
                found[name] = bad
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert all(u.startswith(base) for u in requested)


def test_no_page_scrolls_sideways_at_360px(built_content: Path) -> None:
    wide = {}
    with served(built_content) as base, browser_page(360, 740) as (page, _):
        urls = dict(BOTH_LANGUAGES)
        urls.update(
            {
                f"every-{p.parent.name}": "/" + p.parent.relative_to(built_content).as_posix() + "/"
                for pattern in ("*/*/index.html", "en/*/*/index.html")
                for p in built_content.glob(pattern)
            }
        )
        for _name, url in urls.items():
            page.goto(base + url, wait_until="networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide[url] = width
    assert not wide, wide


def test_every_phone_number_is_a_tel_link(built_content: Path) -> None:
    number = re.compile(r"(?<![\d\-])(?:0\d{2,3}-\d{7,8}|12309)(?![\d\-])")
    untappable = {}
    with served(built_content) as base, browser_page(390, 844) as (page, _):
        for p in sorted(built_content.rglob("index.html")):
            url = "/" + p.parent.relative_to(built_content).as_posix() + "/"
            url = url.replace("/./", "/").replace("//", "/")
            if url.startswith("/search/"):
                continue
            page.goto(base + url, wait_until="domcontentloaded")
            # the text of everything but links (a number inside a link to a page is that page's name,
            # "12309检察服务热线") and the page's own title (h1, header)
            text = page.evaluate("""() => { const c = document.body.cloneNode(true);
                c.querySelectorAll('a, script, style, h1, .md-header__topic, .md-nav__title, .oa-tag').forEach(e => e.remove());
                return c.textContent; }""")
            left = [
                text[max(0, m.start() - 12) : m.end() + 6]
                for m in number.finditer(text)
                if not re.match(r"中国检察网|检察网|检察服务中心|\.gov", text[m.end() : m.end() + 8])
            ]
            if left:
                untappable[url] = left
    assert not untappable, untappable


def test_phone_header_shows_the_whole_name_and_one_search_box(built_content: Path) -> None:
    with served(built_content) as base, browser_page(390, 844) as (page, _):
        page.goto(base + "/", wait_until="networkidle")
        name = page.locator(".oa-header__name .oa-name")
        assert name.inner_text() == "江城市人民检察院检务公开"
        box = name.bounding_box()
        assert box and box["width"] <= 390
        # the header's text box is folded away on a phone: the hero's is the one search box
        visible = page.locator("input[type=search]:visible")
        assert visible.count() == 1
        page.goto(base + "/search/?q=%E5%8F%97%E8%B4%BF", wait_until="networkidle")
        page.wait_for_selector(".oa-search__result")
        assert page.locator("input[type=search]:visible").count() == 1
        assert not page.locator(".oa-search__filters select").first.is_visible()  # behind 筛选
        page.click(".oa-search__toggle > summary")
        assert page.locator(".oa-search__filters select").first.is_visible()


def test_regulation_table_is_stacked_cards_on_a_phone(built_content: Path) -> None:
    with served(built_content) as base, browser_page(390, 844) as (page, _):
        page.goto(base + "/regulations/", wait_until="networkidle")
        row = page.locator("#oa-regulations tbody tr").first
        for cell in row.locator("td").all():
            if not cell.inner_text().strip():
                continue
            box = cell.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        labels = page.evaluate("""() => [...document.querySelectorAll('#oa-regulations tbody tr:first-child td')]
            .map(td => getComputedStyle(td, '::before').content)""")
        assert '"施行日期"' in labels and '"时效性"' in labels
        title = row.locator("td").first.bounding_box()
        assert title and title["width"] > 300


def test_open_day_registration_is_a_button(built_content: Path) -> None:
    with served(built_content) as base, browser_page(390, 844) as (page, _):
        page.goto(base + "/open-days/2026-12-15-new-era-procuratorate/", wait_until="networkidle")
        button = page.locator("a.oa-register__button")
        assert button.inner_text() == "在线报名"
        assert button.get_attribute("href") == "https://www.12309.gov.cn/"
        assert page.locator("a.oa-register__call").get_attribute("href") == "tel:079912309000"
        box = button.bounding_box()
        assert box and box["height"] >= 24 and box["width"] >= 24


def test_tap_targets_are_at_least_24px(built_content: Path) -> None:
    small = {}
    with served(built_content) as base, browser_page(390, 844) as (page, _):
        for name in ("home", "disclosures", "regulations", "open-day", "guide", "404"):
            page.goto(base + PAGE_TYPES[name], wait_until="networkidle")
            bad = page.evaluate("""() => [...document.querySelectorAll('a, button, summary, input, select')]
                .filter(e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                    if (!r.width || s.visibility === 'hidden') return false;
                    // links inside a sentence are exempt (WCAG 2.5.8 "inline")
                    if (e.tagName === 'A' && e.closest('p, li, dd, td') && getComputedStyle(e).display === 'inline') return false;
                    return r.width < 24 || r.height < 24; })
                .map(e => e.outerHTML.slice(0, 80))""")
            if bad:
                small[name] = bad
    assert not small, small


def test_larger_text_and_contrast_persist_without_third_party(built_content: Path) -> None:
    with served(built_content) as base, browser_page(1280, 900) as (page, requested):
        page.goto(base + "/", wait_until="networkidle")
        before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset')).fontSize)")
        page.click("[data-oa-mode=oa-large]")
        page.click("[data-oa-mode=oa-contrast]")
        page.goto(base + "/regulations/", wait_until="networkidle")
        assert page.evaluate("document.documentElement.classList.contains('oa-large')")
        assert page.locator("[data-oa-mode=oa-contrast]").get_attribute("aria-pressed") == "true"
        after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset')).fontSize)")
        assert after >= before * 1.3
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.md-content__inner')).backgroundColor")
            == "rgb(0, 0, 0)"
        )
        # the skip link is the first thing the keyboard reaches, and it has words
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('oa-skip')")
        assert page.evaluate("document.activeElement.textContent.trim()") == "跳到正文"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "oa-content"
    assert all(u.startswith(base) for u in requested)


def test_404_page_is_in_chinese_with_ways_on(built_content: Path) -> None:
    html = (built_content / "404.html").read_text("utf-8")
    assert "页面未找到" in html and "Not found" not in html
    assert 'action="/search/"' in html
    for href in ('href="/disclosures/"', 'href="/regulations/"', 'href="/guides/"', 'href="/sitemap/"'):
        assert href in html


def test_print_keeps_office_url_and_date(built_content: Path) -> None:
    with served(built_content) as base, browser_page(1280, 900) as (page, _):
        page.goto(base + PAGE_TYPES["disclosure"], wait_until="networkidle")
        page.emulate_media(media="print")
        meta = page.locator(".oa-print-meta")
        assert meta.is_visible()
        text = meta.inner_text()
        assert "江城市人民检察院" in text
        assert "https://jw.example.org/disclosures/jiangjian-xingsu-2026-15-prosecution/" in text
        assert re.search(r"\d{4}-\d{2}-\d{2}", text)
        assert not page.locator(".md-header").is_visible()


def test_npm_lockfile_pins_axe(built_content: Path) -> None:
    lock = json.loads((REPO / "tests" / "axe" / "package-lock.json").read_text("utf-8"))
    assert "node_modules/axe-core" in lock["packages"]
    assert (
        shutil.which("node") is None
        or subprocess.run(["node", "-e", f"require({json.dumps(str(AXE))})"], capture_output=True).returncode == 0
    )
