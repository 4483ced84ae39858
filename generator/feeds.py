"""Atom feeds (RFC 4287) and the publication log, from PublicRecords only.

Stage: writer (data in, bytes out).  One feed for the whole site, one per
content type and one per disclosure category, newest first by the date of
the event: a record's publication, each of its major changes (a ``changes``
entry without ``minor: true``) and its withdrawal.  ``/feed.xml`` (the old RSS
address) carries the disclosures feed so that existing subscribers keep
getting news.

Entry text is plain text, HTML-escaped into Atom ``type="html"`` (a reader
rendering it shows the text, never markup): ``entry_text`` is the one place
that decides what of a record a feed shows.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import get_args
from urllib.parse import urlsplit

from .config import SiteConfig
from .dates import Key, RecordDates, major_changes
from .i18n import label
from .i18n import t as _t
from .privacy import PublicRecord
from .records import TYPE_NAMES, Category, Disclosure, Record

__all__ = ["PubEvent", "publication_events", "feed_files", "atom_feed", "entry_text", "feed_links", "FEED_LIMIT"]

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 100


@dataclass(frozen=True)
class PubEvent:
    kind: str  # "published" | "changed" | "withdrawn"
    day: dt.date
    rec: PublicRecord[Record]
    note: str = ""
    n: int = 0  # index among the record's events of that kind

    @property
    def anchor(self) -> str:
        return {"published": "", "changed": f"#change-{self.n}", "withdrawn": "#withdrawn"}[self.kind]


def entry_text(rec: PublicRecord[Record], limit: int = 200) -> str:
    """What a feed entry says about a record: its summary, else the start of its body
    as the reader sees it (``body_text``: rendered, sanitised and filtered by the
    privacy filter), as plain text.  One function decides it for every feed."""
    r = rec.record
    if rec.is_tombstone:
        return ""
    if r.summary:
        return str(r.summary)
    text = " ".join(rec.body_text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def publication_events(public: Sequence[PublicRecord[Record]], dates: dict[Key, RecordDates]) -> list[PubEvent]:
    """Every publication, major change and withdrawal, newest first."""
    events: list[PubEvent] = []
    for p in public:
        d = dates[(p.type, p.id)]
        if not (p.is_tombstone and d.source == "fields"):  # a tombstone's publication date is unknown
            events.append(PubEvent("published", d.published, p))
        if not p.is_tombstone:
            for n, c in enumerate(major_changes(p), 1):
                if c.date > d.published:
                    events.append(PubEvent("changed", c.date, p, c.note, n))
        if p.is_tombstone and d.withdrawn is not None:
            events.append(PubEvent("withdrawn", d.withdrawn, p, p.record.withdrawn_reason or ""))
    order = {"published": 0, "changed": 1, "withdrawn": 2}
    return sorted(events, key=lambda e: (e.day, order[e.kind], e.n, e.rec.type, e.rec.id), reverse=True)


def _as_html(text: str) -> str:
    """Plain text as Atom ``type="html"``: escaped once for HTML here (ElementTree
    escapes it again for XML), so a reader that renders it shows the text, tags
    and all, and runs nothing -- whether or not it honours ``type="text"``."""
    return html.escape(text, quote=False)


def _stamp(day: dt.date, config: SiteConfig) -> str:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=config.tz).isoformat()


def _tag(config: SiteConfig, day: dt.date, rest: str) -> str:
    host = urlsplit(config.site_url).hostname or "localhost"
    return f"tag:{host},{day.isoformat()}:{rest}"


def atom_feed(
    events: Sequence[PubEvent],
    config: SiteConfig,
    dates: dict[Key, RecordDates],
    *,
    feed_path: str,
    page_path: str,
    title: str,
    now: dt.datetime,
) -> bytes:
    base = config.site_url.rstrip("/")
    lang = config.language
    ET.register_namespace("", ATOM)
    feed = ET.Element(
        f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN" if lang == "zh" else "en"}
    )

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    chosen = list(events)[:FEED_LIMIT]
    sub(feed, "id", base + feed_path)
    sub(feed, "title", _as_html(title), type="html")
    if config.site_description:
        sub(feed, "subtitle", _as_html(config.site_description), type="html")
    newest = chosen[0].day if chosen else now.astimezone(config.tz).date()
    sub(feed, "updated", _stamp(newest, config))
    sub(feed, "link", rel="self", type="application/atom+xml", href=base + feed_path)
    sub(feed, "link", rel="alternate", type="text/html", href=base + page_path)
    author = sub(feed, "author")
    sub(author, "name", config.office_name or config.site_name)
    sub(author, "uri", config.site_url)
    sub(feed, "generator", "OpenAffairs")
    for e in chosen:
        p = e.rec
        d = dates[(p.type, p.id)]
        entry = sub(feed, "entry")
        if e.kind == "published":
            heading, text = p.title, entry_text(p)
            sub(entry, "id", _tag(config, d.published, f"{p.type}/{p.id}"))
        elif e.kind == "changed":
            heading, text = f"{_t('feed_changed', lang)}{p.title}", e.note
            sub(entry, "id", _tag(config, e.day, f"{p.type}/{p.id}/change-{e.n}"))
        else:
            heading, text = f"{_t('feed_withdrawn', lang)}{p.title}", e.note
            sub(entry, "id", _tag(config, e.day, f"{p.type}/{p.id}/withdrawn"))
        sub(entry, "title", _as_html(heading), type="html")
        sub(entry, "link", rel="alternate", type="text/html", href=base + p.url + e.anchor)
        sub(entry, "published", _stamp(e.day, config))
        sub(entry, "updated", _stamp(e.day, config))
        sub(entry, "category", term=p.type, label=_t(p.type, lang))
        if p.type == "disclosures" and not p.is_tombstone:
            cat = p.of(Disclosure).category
            sub(entry, "category", term=f"disclosures/{cat}", label=label("category", cat, lang))
        if text:
            sub(entry, "summary", _as_html(text), type="html")
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


@dataclass(frozen=True)
class FeedSpec:
    path: str  # site path of the feed
    page: str  # the HTML page it follows
    title: str
    keep: Callable[[PublicRecord[Record]], bool]


def feed_specs(public: Sequence[PublicRecord[Record]], config: SiteConfig) -> list[FeedSpec]:
    lang = config.language
    specs = [FeedSpec("/feed.atom", "/", config.site_name, lambda p: True)]

    def of_type(type_: str) -> Callable[[PublicRecord[Record]], bool]:
        return lambda p: p.type == type_

    def of_category(cat: str) -> Callable[[PublicRecord[Record]], bool]:
        return lambda p: p.type == "disclosures" and not p.is_tombstone and p.of(Disclosure).category == cat

    for type_ in (t for t in TYPE_NAMES if t != "pages"):  # pages are no news
        specs.append(
            FeedSpec(f"/{type_}/feed.atom", f"/{type_}/", f"{_t(type_, lang)} - {config.site_name}", of_type(type_))
        )
    cats = {p.of(Disclosure).category for p in public if p.type == "disclosures" and not p.is_tombstone}
    for cat in (c for c in get_args(Category) if c in cats):
        specs.append(
            FeedSpec(
                f"/disclosures/category/{cat}/feed.atom",
                f"/disclosures/category/{cat}/",
                f"{label('category', cat, lang)} - {config.site_name}",
                of_category(cat),
            )
        )
    return specs


def feed_links(
    rec_type: str | None, category: str | None, config: SiteConfig, specs: Sequence[FeedSpec]
) -> list[tuple[str, str]]:
    """(href, title) of the feeds a page links to, most specific first."""
    paths = {s.path: s for s in specs}
    wanted = []
    if category:
        wanted.append(f"/disclosures/category/{category}/feed.atom")
    if rec_type:
        wanted.append(f"/{rec_type}/feed.atom")
    wanted.append("/feed.atom")
    return [(p, paths[p].title) for p in wanted if p in paths]


def feed_files(
    public: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    dates: dict[Key, RecordDates],
    now: dt.datetime,
    events: Sequence[PubEvent] | None = None,
) -> dict[str, bytes]:
    """Every feed; ``events``: ``publication_events(public, dates)`` when the caller has them."""
    if events is None:
        events = publication_events(public, dates)
    out: dict[str, bytes] = {}
    for spec in feed_specs(public, config):
        # newest first: a feed shows the first FEED_LIMIT of its events (no need to test the rest)
        chosen = list(itertools.islice((e for e in events if spec.keep(e.rec)), FEED_LIMIT))
        out[spec.path.lstrip("/")] = atom_feed(
            chosen, config, dates, feed_path=spec.path, page_path=spec.page, title=spec.title, now=now
        )
    # the old RSS address: the disclosures feed (feed readers take Atom at any URL)
    out["feed.xml"] = out["disclosures/feed.atom"]
    return out
