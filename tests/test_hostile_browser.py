"""Nothing hostile runs: markup in every string field of every content type, built into a
real site and opened in real headless Chromium, page by page (issue 7, item 5).

Each payload tries to set ``window.__pwned`` or open a dialog in its own way (an
``onerror`` handler, a ``<script>``, an SVG ``onload``, a ``javascript:`` link that the
test clicks, a JSON-LD/``<script>`` break-out ...).  The test fails when any page of
the site -- navigation, breadcrumbs, page titles, listings, the home page, the 404
page, the search page showing hostile results -- ran one of them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from browser import browser_page, served
from conftest import NOW, REGULATION, run_cli, write_site

P = (
    "<img src=x onerror=\"window.__pwned='img';alert(1)\">"
    "<script>window.__pwned='script'</script>"
    "<svg onload=\"window.__pwned='svg'\"></svg>"
    '"><a href="javascript:window.__pwned=\'href\'" id="oa-bad">x</a>'
    "</script><script>window.__pwned='breakout'</script>"
)
Q = json.dumps(P, ensure_ascii=False)  # as a YAML string (JSON is YAML)

COMMON = f"""status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-01-05
summary: {Q}
tags: [{Q}]
changes: [{{date: 2026-01-06, note: {Q}}}]
"""

BODY = f"""
{P}

[点我](javascript:window.__pwned='md-link') <a href="data:text/html,<script>alert(1)</script>">d</a>
<details open ontoggle="window.__pwned='details'"><summary>s</summary>x</details>
<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='mxss'">
<form action="javascript:window.__pwned='form'"><button id="oa-bad-button">b</button></form>
## 标题 {P}
{{: onclick="window.__pwned='attr'" }}
"""

FILES = {
    "content/regulations/cpl.md": REGULATION,
    "content/regulations/hostile.md": f"""---
id: hostile-reg
title: {Q}
{COMMON}kind: law
issuer: [{Q}, 全国人民代表大会]
doc_number: {Q}
issued: 2018-10-26
validity: in-force
source: "https://example.org/law?x=<script>"
---
{BODY}""",
    "content/disclosures/hostile.md": f"""---
id: hostile-disclosure
title: {Q}
{COMMON}category: announcement
date: 2026-01-05
case_number: {Q}
department: {Q}
legal_basis: [hostile-reg, cpl]
parties:
  - {{name: {Q}, role: official}}
attachments:
  - {{file: notice.txt, title: {Q}}}
---
{BODY}""",
    "content/disclosures/notice.txt": "告知书。",
    "content/open-days/hostile.md": f"""---
id: hostile-open-day
title: {Q}
{COMMON}start: 2026-12-20T09:00:00+08:00
end: 2026-12-20T11:00:00+08:00
location: {{name: {Q}, address: {Q}}}
capacity: 30
registration: {{opens: 2026-12-01, closes: 2026-12-18, method: {Q}, contact: "0571-12309000", url: "https://example.org/r?<b>"}}
audience: {Q}
agenda: [{{time: "09:00", item: {Q}}}]
---
{BODY}""",
    "content/guides/hostile.md": f"""---
id: hostile-guide
title: {Q}
{COMMON}service: bribery-record-inquiry
eligibility: [{Q}]
required_documents: [{Q}]
steps: [{Q}]
offices: [{{name: {Q}, address: {Q}, hours: {Q}, phone: "0571-12309000"}}]
time_limit: {Q}
fee: {Q}
---
{BODY}""",
    "content/pages/hostile.md": f"""---
id: hostile-page
title: {Q}
{COMMON}---
{BODY}""",
    # two pages: the navigation then lists each page by its title
    "content/pages/hostile-2.md": f"""---
id: hostile-page-2
title: {Q}
{COMMON}---
{BODY}""",
}


def _build(tmp_path: Path) -> Path:
    root = write_site(tmp_path, FILES)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    return root / "out"


def test_no_hostile_markup_runs_on_any_page(tmp_path: Path) -> None:
    out = _build(tmp_path)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert len(pages) >= 14 and "404.html" in pages
    ran: list[str] = []
    with served(out) as base, browser_page(1280, 900) as (page, _requested):
        page.on("dialog", lambda d: (ran.append(f"dialog on {page.url}: {d.message}"), d.dismiss()))
        urls = ["/" + p.removesuffix("index.html") for p in pages] + ["/search/?q=window", "/search/?q=img"]
        for url in urls:
            page.goto(base + url, wait_until="networkidle")
            for selector in ("#oa-bad", "#oa-bad-button", "summary"):
                for el in page.locator(selector).all()[:3]:
                    if el.is_visible():
                        el.click(no_wait_after=True, timeout=2000)
            page.wait_for_timeout(50)
            pwned = page.evaluate("window.__pwned || null")
            if pwned:
                ran.append(f"{url}: {pwned}")
            bad = page.evaluate("""[...document.querySelectorAll('[href],[src],[action],[formaction]')]
                .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '')
                .filter(v => /^\\s*(javascript|data|vbscript):/i.test(v))""")
            assert not bad, (url, bad)
    assert not ran, ran


def test_hostile_text_is_shown_as_text(tmp_path: Path) -> None:
    """Escaped, not dropped: the reader sees what the editor typed (as text)."""
    out = _build(tmp_path)
    html = (out / "pages/hostile-page/index.html").read_text("utf-8")
    assert "&lt;img src=x onerror=" in html
    nav = (out / "index.html").read_text("utf-8")
    assert "&lt;img src=x" in nav and '<img src="x" onerror' not in nav and "<img src=x" not in nav


def test_feed_carries_plain_text_only(tmp_path: Path) -> None:
    out = _build(tmp_path)
    for feed in [*out.rglob("*.xml"), *out.rglob("*.atom")]:
        if feed.name == "sitemap.xml":
            continue
        root = ET.fromstring(feed.read_bytes())
        for el in root.iter():
            text = el.text or ""
            # a feed reader renders description/content as HTML: it must hold no tag
            assert "<" not in text, (feed.name, el.tag, text[:80])
