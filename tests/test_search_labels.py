"""The /search/ page's strings come from generator/i18n.py only (issue 12): the scripts hold
no label of their own, the keys they read are the ones i18n.py lists, and the page shows, in
real Chromium, what i18n.py says."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from browser import browser_page, served
from conftest import REPO

from generator.i18n import LABELS, SEARCH_FILTER_KEYS, SEARCH_UI_KEYS, STRINGS, t

if TYPE_CHECKING:
    from playwright.sync_api import Page

ENGINE = REPO / "theme" / "assets" / "oasearch.js"
PAGE = REPO / "theme" / "assets" / "oasearch-page.js"
#: Chinese characters and the full-width punctuation a Chinese label would carry
CHINESE = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e]")


def _code(path: Path) -> str:
    """The script without its comments."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.S)


def _js_list(code: str, name: str) -> list[str]:
    m = re.search(rf"var {name} = \[([^\]]*)\]", code)
    assert m, name
    return re.findall(r'"([^"]*)"', m.group(1))


def test_the_search_scripts_hold_no_label_of_their_own() -> None:
    for script in (ENGINE, PAGE):
        found = CHINESE.findall(_code(script))
        assert not found, f"{script.name}: a hard-coded label ({''.join(found)[:20]}); put it in generator/i18n.py"


def test_the_keys_the_page_reads_are_the_ones_i18n_lists() -> None:
    code = _code(PAGE)
    assert tuple(_js_list(code, "UI_KEYS")) == SEARCH_UI_KEYS
    assert tuple(_js_list(code, "FILTER_ORDER")) == SEARCH_FILTER_KEYS
    read = set(re.findall(r"\bui\.([a-z_]+)", code))
    assert read <= set(SEARCH_UI_KEYS), read - set(SEARCH_UI_KEYS)
    for key in (*SEARCH_UI_KEYS, *SEARCH_FILTER_KEYS):
        assert "search_" + key in STRINGS, key


def _labels(out: Path, lang: str = "zh") -> dict[str, Any]:
    folder = out / "search" if lang == "zh" else out / lang / "search"
    page = (folder / "index.html").read_text(encoding="utf-8")
    m = re.search(r'<div id="oa-search"[^>]* data-labels="([^"]*)"', page)
    assert m, "no data-labels on the search page"
    labels: dict[str, Any] = json.loads(html.unescape(m.group(1)))
    return labels


def test_the_search_page_carries_every_string_from_i18n(built_content: Path) -> None:
    sides = ["zh"] + (["en"] if (built_content / "en" / "search" / "index.html").is_file() else [])
    for lang in sides:  # the sample site has both languages: /search/ and /en/search/
        labels = _labels(built_content, lang)
        assert labels["ui"] == {k: t("search_" + k, lang) for k in SEARCH_UI_KEYS}, lang
        assert labels["filter_names"] == {k: t("search_" + k, lang) for k in SEARCH_FILTER_KEYS}, lang
        assert labels["type"] and labels["type"] == {k: t(k, lang) for k in labels["type"]}, lang
        for group in ("category", "kind", "validity"):
            want = {k: v[0] if lang == "zh" else v[1] for k, v in LABELS[group].items()}
            assert labels[group] == want, (lang, group)
    assert sides == ["zh", "en"]


def test_the_page_in_chromium_shows_the_i18n_strings(built_content: Path) -> None:
    with served(built_content) as base, browser_page(1280, 900) as (pg, _requested):
        page = cast("Page", pg)
        page.goto(base + "/search/?q=%E6%A3%80%E5%AF%9F", wait_until="networkidle")
        page.wait_for_selector(".oa-search__result")
        assert page.get_attribute(".oa-search__input", "placeholder") == t("search_placeholder", "zh")
        assert page.inner_text(".oa-search__submit") == t("search_submit", "zh")
        assert page.inner_text(".oa-search__toggle-label") == t("search_filters", "zh")
        shown = page.eval_on_selector_all(
            ".oa-search__filters select[name]", "els => els.map(e => [e.name, e.getAttribute('aria-label')])"
        )
        assert shown, "no filters"
        for key, aria in shown:
            if key == "sort":
                assert aria == t("search_sort", "zh")
                continue
            assert aria == t("search_" + key, "zh"), key
            first = page.inner_text(f"select[name={key}] option:first-child")
            assert first == t("search_filter_all", "zh").replace("{name}", t("search_" + key, "zh")), key
        status = page.inner_text(".oa-search__status")
        templates = (t("search_results", "zh"), t("search_results_about", "zh"))
        assert any(re.fullmatch(re.escape(x).replace(r"\{n\}", r"\d+"), status) for x in templates), status
