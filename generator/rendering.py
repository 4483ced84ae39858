"""PublicRecord -> the Markdown pages mkdocs-material turns into the site.

Stage: rendering (pure: data in, text out).  Jinja2 with autoescaping and
StrictUndefined: every value from a record is HTML-escaped; only the record's
body (Markdown, already filtered) is passed through, and the site writer
sanitises the HTML it becomes.  Links are relative, so the site works under
any path prefix.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

import jinja2
from markupsafe import Markup, escape

from .config import SiteConfig
from .dates import Key, RecordDates, record_dates
from .feeds import feed_links, feed_specs
from .structured import home_jsonld
from .i18n import LABELS
from .i18n import label as _label
from .i18n import t as _t
from .privacy import PublicRecord
from .records import EventStatus, OpenDay, Regulation, Validity

__all__ = ["RenderedSite", "render_site", "NavEntry"]

PUBLISHED_TYPES = ("disclosures", "regulations", "open-days", "guides", "pages")


@dataclass(frozen=True)
class NavEntry:
    title: str
    path: str                       # docs-relative source path, or "" for a section
    children: tuple["NavEntry", ...] = ()


@dataclass
class RenderedSite:
    pages: dict[str, str] = field(default_factory=dict)        # docs path -> Markdown
    copies: dict[str, str] = field(default_factory=dict)       # docs path -> content-relative source
    nav: list[NavEntry] = field(default_factory=list)
    not_in_nav: list[str] = field(default_factory=list)


def _yaml_value(value: Any) -> Markup:
    """A JSON scalar/list is valid YAML: used for the pages' front matter.
    (Values are already HTML-escaped where the theme prints them raw.)"""
    return Markup(json.dumps(value, ensure_ascii=False))


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["yaml"] = _yaml_value
    return env


def relative(target: str, current: str) -> str:
    """Link from page URL ``current`` (``/a/b/``) to site path ``target``."""
    rel = posixpath.relpath(target, current if current.endswith("/") else posixpath.dirname(current))
    if target.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


class _Renderer:
    def __init__(self, public: Sequence[PublicRecord[Any]], config: SiteConfig, now: dt.datetime,
                 dates: dict[Key, RecordDates]):
        self.config = config
        self.dates = dates
        self.feed_specs = feed_specs(public, config)
        self.lang = config.language
        self.now = now
        self.tz = config.tz
        self.env = _env()
        self.by_key = {(p.type, p.id): p for p in public}
        self.site = RenderedSite()

    # helpers exposed to templates -------------------------------------------------
    def context(self, url: str, **extra: Any) -> dict[str, Any]:
        lang = self.lang
        return {
            "t": lambda key, **kw: _t(key, lang, **kw),
            "label": lambda group, value: _label(group, value, lang),
            "rel": lambda target: relative(target, url),
            "lookup": lambda type_, id_: self.by_key.get((type_, id_)),
            "size": _size,
            "tel": lambda phone: Markup('<a href="tel:{}">{}</a>').format(
                "".join(c for c in str(phone) if c.isdigit() or c == "+"), phone),
            "link_out": lambda href: Markup('<a href="{}" rel="noopener">{}</a>').format(href, href),
            "event_when": self.event_when,
            "event_badge": self.event_badge,
            "site_lang": lang,
            "site_name": self.config.site_name,
            "office_name": self.config.office_name,
            "site_description": self.config.site_description,
            "extra_html": "",
            "page_scripts": [],
            **extra,
        }

    def event_state(self, ev: OpenDay) -> str:
        if ev.event_status in (EventStatus.CANCELLED, EventStatus.POSTPONED):
            return ev.event_status.value
        if ev.end < self.now:
            return "past"
        return ev.event_status.value

    def event_badge(self, rec: PublicRecord[Any]) -> Markup:
        state = self.event_state(rec.record)
        return Markup('<span class="oa-badge oa-badge--{}">{}</span>').format(state, _t(state, self.lang))

    def _local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.tz)

    def event_when(self, rec: PublicRecord[Any]) -> str:
        ev: OpenDay = rec.record
        start, end = self._local(ev.start), self._local(ev.end)
        if start.date() == end.date():
            return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
        return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"

    def registration(self, ev: OpenDay) -> tuple[str, str]:
        reg = ev.registration
        assert reg is not None
        window = ""
        if reg.opens or reg.closes:
            opens = f"{self._local(reg.opens):%Y-%m-%d %H:%M}" if reg.opens else ""
            closes = f"{self._local(reg.closes):%Y-%m-%d %H:%M}" if reg.closes else ""
            window = f"{opens} – {closes}"
        state = self.event_state(ev)
        if state in ("past", "cancelled", "postponed"):
            key = "reg_closed"
        elif state == "full":
            key = "full"
        elif reg.opens and reg.opens > self.now:
            key = "reg_not_yet"
        elif reg.closes and reg.closes < self.now:
            key = "reg_closed"
        else:
            key = "reg_open"
        return window, key

    # pages ---------------------------------------------------------------------------
    def page(self, path: str, url: str, template: str, title: str, hide: list[str], **extra: Any) -> None:
        from .structured import head_html

        tpl = self.env.get_template(template)
        description = extra.pop("description", "") or ""
        feeds = feed_links(extra.pop("feed_type", None), extra.pop("feed_category", None), self.config,
                           self.feed_specs)
        rec = extra.get("rec")
        dates = self.dates[(rec.type, rec.id)] if rec is not None else None
        head = head_html(self.config, url=url, title=title or self.config.site_name, description=description,
                         og_type="article" if rec is not None else "website", feeds=feeds,
                         jsonld=extra.pop("jsonld", ()), json_twin=f"{url}index.json" if rec is not None else "",
                         published=dates.published if dates else None, updated=dates.updated if dates else None)
        self.site.pages[path] = tpl.render(self.context(
            url, meta_title=str(escape(title)), meta_description=str(escape(description)),
            hide=hide, head=head, feed=feeds[0], dates=dates, **extra))

    def record_page(self, rec: PublicRecord[Any]) -> None:
        r = rec.record
        extra: dict[str, Any] = {}
        if rec.type == "disclosures" and r.parties:
            extra["parties_text"] = "、".join(
                f"{p.name}（{_label('role', p.role, self.lang)}）" for p in r.parties)
        if rec.type == "open-days" and not rec.is_tombstone:
            extra["when"] = self.event_when(rec)
            extra["event_badge"] = self.event_badge(rec)
            if r.registration:
                window, key = self.registration(r)
                extra["reg_window"] = window
                extra["reg_badge"] = Markup('<span class="oa-badge oa-badge--{}">{}</span>').format(
                    key.replace("_", "-"), _t(key, self.lang))
        from .structured import record_jsonld

        path = f"{rec.type}/{rec.id}/index.md"
        jsonld = record_jsonld(rec, self.dates[(rec.type, rec.id)], self.config, self.by_key.get)
        category = r.category.value if rec.type == "disclosures" and not rec.is_tombstone else None
        if rec.type == "open-days" and not rec.is_tombstone:
            extra["ics_href"] = f"{rec.url}event.ics"
        self.page(path, rec.url, "record.md.j2", r.title, ["navigation", "toc"],
                  rec=rec, r=r, body=Markup(rec.body_html), description=None if rec.is_tombstone else r.summary,
                  jsonld=jsonld, feed_type=rec.type, feed_category=category, **extra)
        # one pattern per folder, not per page: MkDocs matches every page against every
        # pattern, so a pattern per record made the build quadratic in the number of pages
        if rec.type != "pages":
            self.site.not_in_nav.append(f"/{rec.type}/*/**")
        else:
            self.site.not_in_nav.append(f"/{path}")
        for f in rec.files:
            self.site.copies[f.href.lstrip("/")] = f.source

    def render(self, public: Sequence[PublicRecord[Any]]) -> RenderedSite:
        for rec in public:
            self.record_page(rec)
        live = [p for p in public if not p.is_tombstone]
        by_type = {t: [p for p in live if p.type == t] for t in PUBLISHED_TYPES}
        newest = lambda items: sorted(items, key=lambda p: (p.sort_date or dt.date.min, p.id), reverse=True)
        disclosures = newest(by_type["disclosures"])
        self.disclosure_listings(disclosures)
        regs = sorted(by_type["regulations"], key=lambda p: (p.record.issued, p.id), reverse=True)
        self.page("regulations/index.md", "/regulations/", "regulations-index.md.j2", _t("regulations", self.lang),
                  ["navigation", "toc"], heading=_t("regulations", self.lang), items=regs, csv_href="/regulations/regulations.csv",
                  kinds=sorted({p.record.kind.value for p in regs}),
                  validities=[v.value for v in Validity if any(p.record.validity is v for p in regs)],
                  issuers=sorted({i for p in regs for i in p.record.issuers}), feed_type="regulations")
        events = sorted(by_type["open-days"], key=lambda p: (p.record.start, p.id))
        upcoming = [e for e in events if e.record.end >= self.now]
        past = [e for e in reversed(events) if e.record.end < self.now]
        self.page("open-days/index.md", "/open-days/", "open-days-index.md.j2", _t("open-days", self.lang),
                  ["navigation", "toc"], heading=_t("open-days", self.lang), upcoming=upcoming, past=past, feed_type="open-days")
        guides = sorted(by_type["guides"], key=lambda p: (p.record.service != "bribery-record-inquiry", p.id))
        self.page("guides/index.md", "/guides/", "simple-index.md.j2", _t("guides", self.lang),
                  ["navigation", "toc"], heading=_t("guides", self.lang), items=guides, feed_type="guides")
        pages = sorted(by_type["pages"], key=lambda p: (p.record.nav_order, p.id))
        tiles = [{"url": g.url, "title": g.title, "note": g.record.summary or ""} for g in guides]
        tiles += [{"url": p.url, "title": p.title, "note": ""} for p in pages]
        tiles += [{"url": "/regulations/", "title": _t("regulations", self.lang), "note": ""},
                  {"url": "/open-days/", "title": _t("open-days", self.lang), "note": ""}]
        self.page("index.md", "/", "home.md.j2", "", ["navigation", "toc"],
                  latest=disclosures[:10], upcoming=upcoming[:4], guides=guides, tiles=tiles,
                  description=self.config.site_description, jsonld=home_jsonld(self.config))
        self.data_pages(public)
        self.search_page()
        t = lambda key: _t(key, self.lang)
        self.site.nav = [
            NavEntry(t("home"), "index.md"),  # titles are HTML-escaped: the theme prints them raw
            NavEntry(t("disclosures"), "disclosures/index.md"),
            NavEntry(t("regulations"), "regulations/index.md"),
            NavEntry(t("open-days"), "open-days/index.md"),
            NavEntry(t("guides"), "guides/index.md"),
        ]
        if pages:
            self.site.nav.append(NavEntry(t("pages"), "", tuple(
                NavEntry(str(escape(p.title)), f"pages/{p.id}/index.md") for p in pages)))
        return self.site

    def data_pages(self, public: Sequence[PublicRecord[Any]]) -> None:
        from .exports import DATA_TYPES, FIELDS
        from .feeds import publication_events

        lang = self.lang
        counts = {t: sum(1 for p in public if p.type == t and not p.is_tombstone) for t in DATA_TYPES}
        self.page("data/index.md", "/data/", "data-index.md.j2", _t("open_data", lang), ["navigation", "toc"],
                  heading=_t("open_data", lang), types=DATA_TYPES, counts=counts, fields=FIELDS,
                  feeds=self.feed_specs, description=_t("open_data_intro", lang))
        events = publication_events(public, self.dates)
        self.page("data/changes/index.md", "/data/changes/", "changes.md.j2", _t("publication_log", lang),
                  ["navigation", "toc"], heading=_t("publication_log", lang), events=events)
        self.site.not_in_nav += ["/data/index.md", "/data/changes/index.md"]

    def search_page(self) -> None:
        lang = self.lang
        groups = {g: {k: _label(g, k, lang) for k in LABELS[g]} for g in ("category", "kind", "validity")}
        groups["type"] = {k: _t(k, lang) for k in PUBLISHED_TYPES}
        groups["filter_names"] = {k: _t("search_" + k, lang)
                                  for k in ("type", "category", "year", "issuer", "kind", "validity")}
        groups["ui"] = {k: _t("search_" + k, lang) for k in
                        ("placeholder", "results", "results_about", "none", "more", "sort_relevance", "sort_date",
                         "all", "label", "submit", "sort", "loading", "error")}
        self.page("search/index.md", "/search/", "search.md.j2", _t("search", lang), ["navigation", "toc"],
                  heading=_t("search", lang), labels=json.dumps(groups, ensure_ascii=False, sort_keys=True),
                  noscript=_t("search_noscript", lang), page_scripts=["assets/oasearch.js"])
        self.site.not_in_nav.append("/search/index.md")

    def disclosure_listings(self, items: list[PublicRecord[Any]]) -> None:
        counts = Counter(p.record.category.value for p in items)
        from .records import Category
        categories = [(c.value, counts[c.value]) for c in Category if counts[c.value]]

        def years(rows: list[PublicRecord[Any]]) -> list[tuple[int, list[PublicRecord[Any]]]]:
            out: dict[int, list[PublicRecord[Any]]] = {}
            for p in rows:
                out.setdefault(p.record.date.year, []).append(p)
            return sorted(out.items(), reverse=True)

        title = _t("disclosures", self.lang)
        self.page("disclosures/index.md", "/disclosures/", "disclosures-index.md.j2", title, ["navigation", "toc"],
                  heading=title, categories=categories, current="", years=years(items), feed_type="disclosures")
        for cat, _ in categories:
            heading = _label("category", cat, self.lang)
            path = f"disclosures/category/{cat}/index.md"
            self.page(path, f"/disclosures/category/{cat}/", "disclosures-index.md.j2", f"{heading} - {title}",
                      ["navigation", "toc"], heading=heading, categories=categories, current=cat,
                      years=years([p for p in items if p.record.category.value == cat]),
                      feed_type="disclosures", feed_category=cat)
            self.site.not_in_nav.append("/disclosures/*/**")


def with_backlinks(public: Sequence[PublicRecord[Any]]) -> list[PublicRecord[Any]]:
    """Regulations learn which published records cite them (legal_basis)."""
    cited: dict[str, list[tuple[str, str, str]]] = {}
    for p in public:
        if p.is_tombstone:
            continue
        for rid in getattr(p.record, "legal_basis", []):
            cited.setdefault(rid, []).append((p.type, p.id, p.title))
    out = []
    for p in public:
        if isinstance(p.record, Regulation) and p.id in cited and not p.is_tombstone:
            p = p.with_backlinks(tuple(sorted(cited[p.id])))
        out.append(p)
    return out


def render_site(public: Sequence[PublicRecord[Any]], config: SiteConfig, now: dt.datetime,
                dates: dict[Key, RecordDates] | None = None) -> RenderedSite:
    """``dates``: from ``dates.record_dates`` (git); without, from the records' fields."""
    public = with_backlinks(public)
    if dates is None:
        dates = record_dates(public, config, now, git=False)
    return _Renderer(public, config, now, dates).render(public)
