"""Smoke test in real headless Chromium: the home page and a record page render,
and nothing is requested from any host but the local server."""

from __future__ import annotations

from pathlib import Path

from browser import browser_page, served


def test_home_and_record_render_and_stay_local(built_sample: Path) -> None:
    with served(built_sample) as base, browser_page(390, 844) as (page, requested):
        page.goto(base + "/", wait_until="networkidle")
        assert page.title() == "测试市人民检察院检务公开"
        assert page.locator("h1.oa-hero__title").inner_text() == "测试市人民检察院检务公开"
        assert page.locator(".oa-list__title").first.is_visible()
        # the stylesheet really applied (not a bare HTML page)
        color = page.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundImage")
        assert "linear-gradient" in color
        page.goto(base + "/disclosures/bribery-case/", wait_until="networkidle")
        assert page.locator("article h1").inner_text() == "张某1受贿案提起公诉"
        assert page.locator(".oa-meta").is_visible()
        assert "张建国" not in page.content()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"page is wider than the phone: {width}px"
    assert requested and all(url.startswith(base) for url in requested), [
        u for u in requested if not u.startswith(base)
    ]


def test_chinese_query_typed_in_the_header_search_box(built_sample: Path) -> None:
    with served(built_sample) as base, browser_page(1280, 900) as (page, requested):
        page.goto(base + "/regulations/", wait_until="networkidle")
        page.fill("#oa-header-q", "诉讼法")
        page.press("#oa-header-q", "Enter")
        page.wait_for_url("**/search/?q=*")
        page.wait_for_selector(".oa-search__result")
        titles = page.locator(".oa-search__result .oa-search__title").all_inner_texts()
        assert sorted(titles) == ["中华人民共和国刑事诉讼法", "中华人民共和国刑事诉讼法（2012年修正）"]
        # a sub-word inside a longer word, and a filter that narrows by type
        page.fill(".oa-search__input", "受贿")
        page.press(".oa-search__input", "Enter")
        page.wait_for_function("document.querySelector('.oa-search__status').textContent.includes('1')")
        assert page.locator(".oa-search__result .oa-search__title").all_inner_texts() == ["张某1受贿案提起公诉"]
        assert "q=%E5%8F%97%E8%B4%BF" in page.url  # the URL is shareable
        page.goto(page.url, wait_until="networkidle")
        page.wait_for_selector(".oa-search__result")
        assert page.locator(".oa-search__result .oa-search__title").all_inner_texts() == ["张某1受贿案提起公诉"]
        page.goto(base + "/search/?q=" + "职务便利", wait_until="networkidle")
        page.wait_for_selector(".oa-search__snippet mark")
        assert page.locator(".oa-search__snippet mark").first.inner_text() == "职务便利"
    assert all(url.startswith(base) for url in requested)


def test_regulation_table_filters_and_sorts_in_the_browser(built_sample: Path) -> None:
    with served(built_sample) as base, browser_page(1280, 900) as (page, requested):
        page.goto(base + "/regulations/", wait_until="networkidle")
        rows = page.locator("#oa-regulations tbody tr:visible")
        assert rows.count() == 2
        page.select_option("#oa-reg-validity", "amended")
        assert rows.count() == 1 and "2012年修正" in rows.first.inner_text()
        page.select_option("#oa-reg-validity", "")
        page.fill("#oa-reg-q", "主席令")
        assert rows.count() == 1 and page.locator("[data-oa-count]").inner_text() == "共 1 条"
        page.fill("#oa-reg-q", "")
        page.click("#oa-regulations thead th:nth-child(5) button")  # 公布日期, oldest first
        assert "2012年修正" in rows.first.inner_text()
        page.click("#oa-regulations thead th:nth-child(5) button")
        assert "2012年修正" not in rows.first.inner_text()
