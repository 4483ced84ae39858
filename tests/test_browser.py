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
    assert requested and all(url.startswith(base) for url in requested), [u for u in requested if not u.startswith(base)]
