"""Screenshots of the built sample site (desktop and 390 px phone) into docs/screenshots/.

Usage: make screenshots   (builds the sample site first with a fixed --now)

Serves the site on 127.0.0.1 and drives Debian's Chromium with Playwright;
any request to another host is blocked and reported.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
NOW = "2026-11-26T10:00:00+08:00"
PAGES = {              # every page type
    "home": "/",
    "disclosures-index": "/disclosures/",
    "disclosures-category": "/disclosures/category/case-procedure/",
    "disclosure": "/disclosures/{disclosure}/",
    "tombstone": "/disclosures/withdrawn-wu-embezzlement/",
    "regulations-index": "/regulations/",
    "regulation": "/regulations/procuratorate-criminal-procedure-rules-2019/",
    "open-days-index": "/open-days/",
    "open-day": "/open-days/{open_day}/",
    "guides-index": "/guides/",
    "guide": "/guides/bribery-record-inquiry/",
    "page": "/pages/hotline-12309/",
    "directory": "/pages/reception/",
    "search": "/search/?q=%E8%B4%BF%E8%B5%82",
    "sitemap": "/sitemap/",
    "accessibility": "/accessibility/",
    "404": "/404.html",
}
# (issue 10) the English side of the site (languages: [zh, en]): the same page types under /en/
EN_PAGES = {
    "en-home": "/en/",
    "en-disclosures-index": "/en/disclosures/",
    "en-disclosure": "/en/disclosures/jiangjian-xingsu-2026-15-prosecution-en/",
    "en-regulations-index": "/en/regulations/",
    "en-regulation": "/en/regulations/criminal-procedure-law-2018-en/",
    "en-open-days-index": "/en/open-days/",
    "en-open-day": "/en/open-days/2026-12-15-new-era-procuratorate-en/",
    "en-guides-index": "/en/guides/",
    "en-guide": "/en/guides/bribery-record-inquiry-en/",
    "en-page": "/en/pages/about-en/",
    "en-search": "/en/search/?q=bribery",
    "en-sitemap": "/en/sitemap/",
    "en-accessibility": "/en/accessibility/",
    "en-data": "/en/data/",
    "en-404": "/en/404.html",
}
SIZES = {"desktop": (1280, 900), "mobile": (390, 844)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def first(folder: Path, prefer: str = "") -> str:
    names = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in ("category", "page", "year"))
    return next((n for n in names if prefer and prefer in n), names[0])


def main() -> int:
    site = ROOT / "build" / "screenshots-site"
    subprocess.run([sys.executable, "-m", "generator", "build", "--now", NOW, "--out", str(site), "-q"],
                   cwd=ROOT, check=True)
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    names = {"disclosure": first(site / "disclosures", "xingsu-2026-15-prosecution"), "open_day": first(site / "open-days", "2026-12-15")}
    OUT.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for size_name, (w, h) in SIZES.items():
            context = browser.new_context(viewport={"width": w, "height": h}, device_scale_factor=1,
                                          is_mobile=size_name == "mobile", locale="zh-CN")
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                          else (outside.append(route.request.url), route.abort()))
            page = context.new_page()
            for name, path in {**PAGES, **EN_PAGES}.items():
                page.goto(base + path.format(**names), wait_until="networkidle")
                if name in ("search", "en-search"):
                    page.wait_for_selector(".oa-search__result")
                target = OUT / f"{name}-{size_name}.png"
                # the English desktop shots show the first screen only (keeps docs/screenshots/ small)
                page.screenshot(path=str(target), full_page=size_name == "desktop" and not name.startswith("en-"))
                print(target.relative_to(ROOT))
            context.close()
        browser.close()
    server.shutdown()
    if outside:
        print("requests outside the site (blocked):", *sorted(set(outside)), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
