"""Interface strings, Chinese first, English second (``language: en`` swaps them)."""

from __future__ import annotations

import importlib.resources
from typing import Any

import yaml

__all__ = ["STRINGS", "t", "LABELS", "theme_strings", "THEME_KEYS", "SEARCH_UI_KEYS", "SEARCH_FILTER_KEYS"]


def _load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(
        importlib.resources.files(__package__).joinpath("strings.yml").read_text(encoding="utf-8"),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader),
    )
    return data


_DATA = _load()
# key -> (中文, English): the interface strings, kept as data in generator/strings.yml
STRINGS: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in _DATA["strings"].items()}
# field -> code -> (中文, English): labels of closed value sets
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    group: {k: (v[0], v[1]) for k, v in values.items()} for group, values in _DATA["labels"].items()
}
# English strings whose noun follows a count: the singular, for n == 1
ONE: dict[str, str] = dict(_DATA["singular_en"])


def t(key: str, lang: str, **kw: object) -> str:
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    if lang == "en" and kw.get("n") == 1 and key in ONE:
        text = ONE[key]
    return text.format(**kw) if kw else text


def label(group: str, value: str, lang: str) -> str:
    zh, en = LABELS[group].get(str(value), (str(value), str(value)))
    return en if lang == "en" else zh


# The strings of the /search/ page (theme/assets/oasearch-page.js): "search_" + each key,
# rendered into the page's data-labels (``ui`` and ``filter_names``); the script holds none of
# its own (tests/test_search_labels.py). Filters are shown in this order.
SEARCH_UI_KEYS = (
    "placeholder",
    "label",
    "submit",
    "results",
    "results_about",
    "none",
    "more",
    "sort",
    "sort_relevance",
    "sort_date",
    "all",
    "loading",
    "error",
    "filters",
    "filter_all",
)
SEARCH_FILTER_KEYS = ("type", "category", "year", "issuer", "kind", "validity")

# The strings the theme (theme/*.html) prints: passed to MkDocs as ``extra.oa``.
THEME_KEYS = (
    "skip_main",
    "breadcrumb",
    "access_tools",
    "larger_text",
    "high_contrast",
    "search",
    "search_label",
    "search_placeholder",
    "not_found_title",
    "not_found_text",
    "sitemap",
    "sections",
    "accessibility",
    "sponsor",
    "address",
    "site_phone",
    "icp_number",
    "police_number",
    "site_code",
    "hotline_short",
    "home",
    "disclosures",
    "regulations",
    "open-days",
    "guides",
    "printed_from",
    "printed_on",
    "subscribe",
    "open_data",
)


def theme_strings(lang: str, office: str = "") -> dict[str, str]:
    """The theme's interface strings in ``lang``."""
    out = {key: t(key, lang) for key in THEME_KEYS}
    out["logo_alt"] = t("logo_alt", lang, office=office) if office else ""
    return out
