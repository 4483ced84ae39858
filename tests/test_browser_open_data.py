"""Open data as a reader meets it, in real headless Chromium: the dates, the
subscribe and calendar links, the JSON twin, the /data/ page, JSON-LD that a
browser parses, and a hostile title that runs no script."""

from __future__ import annotations

import json
from pathlib import Path

from browser import browser_page, served
from conftest import NOW, REGULATION, run_cli, write_site


def test_record_page_dates_links_and_structured_data(built_sample: Path) -> None:
    with served(built_sample) as base, browser_page(1280, 900) as (page, requested):
        page.goto(base + "/disclosures/bribery-case/", wait_until="networkidle")
        dates = page.locator(".oa-dates")
        assert dates.is_visible()
        assert "发布日期 2026-03-02" in dates.inner_text() and "更新日期 2026-03-05" in dates.inner_text()
        subscribe = page.locator("a.oa-subscribe")
        assert subscribe.is_visible() and "订阅" in subscribe.inner_text()
        feed = page.evaluate("fetch(document.querySelector('a.oa-subscribe').href).then(r => r.text())")
        assert "<feed" in feed and "案件程序性信息" in feed
        blocks = page.evaluate("""Array.from(document.querySelectorAll('script[type="application/ld+json"]'))
                                  .map(s => JSON.parse(s.textContent)['@type'])""")
        assert blocks == ["Article", "BreadcrumbList"]
        with page.expect_response(lambda r: r.url.endswith("/index.json")) as info:
            page.locator(".oa-dates a").click()
        twin = json.loads(info.value.body())
        assert twin["id"] == "bribery-case" and twin["updated"] == "2026-03-05"
        page.goto(base + "/open-days/open-day-2026-12/", wait_until="networkidle")
        ics = page.locator(".oa-ics a")
        assert ics.is_visible() and ics.inner_text() == "添加到日历"
        text = page.evaluate("fetch(document.querySelector('.oa-ics a').href).then(r => r.text())")
        assert text.startswith("BEGIN:VCALENDAR")
        page.goto(base + "/data/", wait_until="networkidle")
        assert page.locator("h1").inner_text().startswith("开放数据")
        assert page.locator("a[href$='disclosures.csv']").is_visible()
    assert all(url.startswith(base) for url in requested), [u for u in requested if not u.startswith(base)]


def test_hostile_title_runs_no_script_in_the_browser(tmp_path: Path) -> None:
    title = json.dumps("</script><script>window.pwned=1</script><img src=x onerror=window.pwned=2>", ensure_ascii=False)
    root = write_site(
        tmp_path,
        {
            "content/regulations/cpl.md": REGULATION.replace("title: 中华人民共和国刑事诉讼法", f"title: {title}"),
        },
    )
    assert run_cli(["build", "--now", NOW, "--out", "out"], root).exit_code == 0
    with served(root / "out") as base, browser_page() as (page, _):
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/regulations/cpl/", wait_until="networkidle")
        assert page.evaluate("window.pwned") is None and dialogs == []
        name = page.evaluate("""JSON.parse(document.querySelector('script[type="application/ld+json"]')
                                .textContent).name""")
        assert name.startswith("</script><script>")
