"""PublicRecord -> the Markdown pages mkdocs-material turns into the site.

Stage: rendering (pure: data in, text out).  Jinja2 with autoescaping and
StrictUndefined: every value from a record is HTML-escaped; only the record's
body (Markdown, already filtered) is passed through, and the site writer
sanitises the HTML it becomes.  Links are relative, so the site works under
any path prefix.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import jinja2
from markupsafe import Markup, escape

from .cache import digest, read_entry, write_entry
from .cjk import join_cjk_html
from .config import SiteConfig
from .dates import Key, RecordDates, digest_with_dates, record_dates
from .feeds import feed_links, feed_specs
from .i18n import LABELS, SEARCH_FILTER_KEYS, SEARCH_UI_KEYS
from .i18n import label as _label
from .i18n import t as _t
from .privacy import PublicRecord
from .records import TYPE_NAMES, Disclosure, Guide, OpenDay, Page, Record, Regulation, Validity
from .structured import home_jsonld
from .tel import link_phones, link_phones_html, tel_href

__all__ = ["RenderedSite", "render_site", "NavEntry", "PageStore", "PageTexts"]

PER_PAGE = 50  # rows on one listing page: /<listing>/, /<listing>/page/2/, ...
HOME_TILES = 4  # guides (and pages) as tiles on the home page; twice as many guides in its list


def page_url(base: str, n: int) -> str:
    """URL of page ``n`` of the listing at ``base`` (``/disclosures/`` -> ``/disclosures/page/2/``)."""
    return base if n == 1 else f"{base}page/{n}/"


def pager_for(base: str, n: int, total: int, count: int) -> dict[str, Any]:
    """Links of page ``n`` of ``total``: previous, next, and a window of page numbers."""
    shown = sorted({1, total, *range(max(1, n - 2), min(total, n + 2) + 1)})
    pages: list[tuple[int | None, str]] = []
    for i, k in enumerate(shown):
        if i and k - shown[i - 1] > 1:
            pages.append((None, ""))
        pages.append((k, page_url(base, k)))
    return {
        "n": n,
        "total": total,
        "count": count,
        "pages": pages,
        "prev": page_url(base, n - 1) if n > 1 else "",
        "next": page_url(base, n + 1) if n < total else "",
    }


@dataclass(frozen=True)
class NavEntry:
    title: str
    path: str  # docs-relative source path, or "" for a section
    children: tuple[NavEntry, ...] = ()


class PageTexts(MutableMapping[str, str]):
    """Docs path -> Markdown.  A page found in the ``PageStore`` is held as its SHA-256
    and read from the store only when asked for (``stored``): a rebuild neither renders
    nor loads the record pages MkDocs reuses."""

    def __init__(self, pages: dict[str, str] | None = None) -> None:
        self._pages: dict[str, str | tuple[str, Callable[[], str]]] = dict(pages or {})

    def __getitem__(self, path: str) -> str:
        value = self._pages[path]
        return value if isinstance(value, str) else value[1]()

    def __setitem__(self, path: str, text: str) -> None:
        self._pages[path] = text

    def __delitem__(self, path: str) -> None:
        del self._pages[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)

    def put_stored(self, path: str, sha: str, load: Callable[[], str]) -> None:
        self._pages[path] = (sha, load)

    def stored(self, path: str) -> bool:
        """True when the page's Markdown is not in memory (read by ``self[path]``)."""
        return not isinstance(self._pages[path], str)

    def sha(self, path: str) -> str:
        """SHA-256 of the page's Markdown (UTF-8), without reading a stored page."""
        value = self._pages[path]
        if isinstance(value, str):
            return hashlib.sha256(value.encode("utf-8")).hexdigest()
        return value[0]


@dataclass
class RenderedSite:
    pages: PageTexts = field(default_factory=PageTexts)  # docs path -> Markdown
    copies: dict[str, str] = field(default_factory=dict)  # docs path -> content-relative source
    nav: list[NavEntry] = field(default_factory=list)
    not_in_nav: list[str] = field(default_factory=list)
    # (issue 10) with `languages: [zh, en]`: the site's other interfaces, built under /<lang>/
    # (lang -> the pages of that side, rendered as a site of its own with relative links)
    sides: dict[str, RenderedSite] = field(default_factory=dict)
    lang: str = ""


# hreflang of each language (the feeds' xml:lang too)
HREFLANG = {"zh": "zh-CN", "en": "en"}
_ALT_MARK = "@@OA-LANG-ALT@@"
# site paths that exist once, at the root, for every language (not under /en/)
_ROOT_ONLY = ("/SHA256SUMS", "/robots.txt", "/sitemap.xml")
_RECORD_PREFIX = re.compile(r"^/[a-z-]+/[^/]+/")


@dataclass(frozen=True)
class Side:
    """One language of a multi-language site: its prefix and where everything else lives."""

    lang: str
    prefixes: dict[str, str]  # lang -> "" (the default language, at /) or "/en"
    url_lang: dict[str, str]  # the URL of every public record -> its language
    translated: dict[tuple[str, str], PublicRecord[Record]] = field(default_factory=dict)  # published pairs
    root_url: str = ""  # site_url of the whole site (each side's own ends in en/)

    @property
    def prefix(self) -> str:
        return self.prefixes[self.lang]

    def full(self, target: str) -> str:
        """A site path of this side (``/disclosures/``) as a path of the whole site (``/en/disclosures/``);
        records of the other language and root-only files keep their own place."""
        if target.startswith(_ROOT_ONLY):
            return target
        m = _RECORD_PREFIX.match(target)
        lang = self.url_lang.get(m.group(0), self.lang) if m else self.lang
        return self.prefixes[lang] + target


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
        # one Environment per build: the package's templates cannot change during it, and
        # auto_reload would stat every template on every get_template (about eight a page)
        auto_reload=False,
    )
    env.filters["yaml"] = _yaml_value
    env.filters["phones"] = link_phones
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


class _Looked(dict[Key, PublicRecord[Record]]):
    """The public records by (type, id), noting which ones a page looks up (hits and
    misses: a record that appears later changes the page too)."""

    seen: set[Key] | None = None

    def track(self) -> set[Key]:
        self.seen = set()
        return self.seen

    def untrack(self) -> None:
        self.seen = None

    def peek(self, key: Key) -> PublicRecord[Record] | None:
        return dict.get(self, key)

    def __getitem__(self, key: Key) -> PublicRecord[Record]:
        if self.seen is not None and isinstance(key, tuple):
            self.seen.add(key)
        return dict.__getitem__(self, key)

    def get(self, key: Key, default: None = None) -> PublicRecord[Record] | None:  # type: ignore[override]
        if self.seen is not None and isinstance(key, tuple):
            self.seen.add(key)
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        if self.seen is not None and isinstance(key, tuple):
            self.seen.add(key)
        return dict.__contains__(self, key)


def record_digest(rec: PublicRecord[Record]) -> str:
    """A digest of a public record as pages show it (``PublicRecord.digest``: its outcome,
    filtered fields, attachments, back-links and body; computed once, shared with the
    open data's cache)."""
    return rec.digest()


_STORE_VERSION = "record-page-1"
_Deps = tuple[tuple[Key, str | None], ...]


class PageStore:
    """Record pages' Markdown in the build cache (``.openaffairs/cache/pages-md/``), so
    that an unchanged record's page is not rendered again.

    ``index`` maps a page's key (``_Renderer.record_key``: the fingerprint, the public
    record, its dates, the site-wide data, the build time for an open day) to the records
    the page looked up with their digests, and the SHA-256 of its Markdown; the Markdown
    is stored by that SHA-256 (``md/``).  A page is reused when its key is in the index and
    every record it looked up still has the recorded digest (a back-link's title, a
    version of a law, a record that was not public before).  Only ``PublicRecord``s are
    ever read: nothing of a held-back record is stored (it has no page).  ``commit`` writes
    the index of this build's pages and removes the Markdown no page uses any more."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = root
        self.fingerprint = fingerprint
        index = read_entry(root / "index")
        self.index: dict[str, tuple[_Deps, str]] = index if isinstance(index, dict) else {}
        self.new_index: dict[str, tuple[_Deps, str]] = {}
        self.counts: dict[str, list[int]] = {}  # kind -> [found, asked]
        self._known = {sha for _, sha in self.index.values()}
        self._unwritten: dict[str, str] = {}  # put, not yet written
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="openaffairs-pages")
        self._pending: list[concurrent.futures.Future[None]] = []

    def _path(self, sha: str) -> Path:
        return self.root / "md" / sha[:2] / sha

    def find(self, key: str, current: Callable[[Key], str | None], kind: str) -> str | None:
        """The SHA-256 of the stored page of ``key``, when what it looked up is unchanged
        (``kind``: "record" or "page", for the counts)."""
        entry = self.index.get(key)
        counts = self.counts.setdefault(kind, [0, 0])
        counts[1] += 1
        if entry is None or any(current(k) != d for k, d in entry[0]):
            return None
        counts[0] += 1
        self.new_index[key] = entry
        return entry[1]

    def summary(self) -> str:
        """E.g. "19990 of 20000 record pages and 1200 of 1210 other pages from the cache"."""
        record, page = self.counts.get("record", [0, 0]), self.counts.get("page", [0, 0])
        return f"{record[0]} of {record[1]} record pages and {page[0]} of {page[1]} other pages from the cache"

    def load(self, sha: str) -> str | None:
        """A stored page's Markdown; None when its entry is missing or damaged."""
        text = self._unwritten.get(sha)
        if text is not None:
            return text
        text = read_entry(self._path(sha))
        if not isinstance(text, str) or hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
            return None
        return text

    def put(self, key: str, deps: _Deps, text: str) -> str:
        """Store a page's Markdown; returns its SHA-256 (``load`` reads it back, at once)."""
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.new_index[key] = (deps, sha)
        if sha not in self._known:
            self._known.add(sha)
            self._unwritten[sha] = text
            self._pending.append(self._writer.submit(self._write, sha, text))
        return sha

    def _write(self, sha: str, text: str) -> None:
        write_entry(self._path(sha), text)
        self._unwritten.pop(sha, None)

    def commit(self) -> None:
        """After rendering: wait for the writes, record this build's pages, drop the rest."""
        try:
            for future in self._pending:
                future.result()
        finally:
            self._writer.shutdown(wait=True)
        write_entry(self.root / "index", self.new_index)
        live = {sha for _, sha in self.new_index.values()}
        md = self.root / "md"
        if md.is_dir():
            for folder in md.iterdir():
                for entry in os.scandir(folder):
                    if entry.name not in live:
                        Path(entry.path).unlink(missing_ok=True)

    def close(self) -> None:
        """Without committing (a failed render): stop the writer."""
        self._writer.shutdown(wait=True)


def _stored_or(store: PageStore, sha: str, render: Callable[[], str]) -> str:
    """A stored page's Markdown, rendered again when its entry is damaged or gone."""
    text = store.load(sha)
    return text if text is not None else render()


class _Uncacheable(Exception):
    """A value ``_canonical`` cannot write down faithfully: the page is rendered."""


@dataclass(frozen=True)
class _LogRow:
    """One line of the publication log (``/data/changes/``): what it shows of an event."""

    day: dt.date
    kind: str
    url: str
    title: str
    note: str


def _canonical(value: Any, record_digest: Callable[[Key], str | None]) -> str:
    """A text that changes whenever ``value`` (what a template is given) does: a public
    record by its digest, sets sorted, dataclasses field by field; anything else it does
    not know raises ``_Uncacheable``."""
    out: list[str] = []

    def walk(v: Any) -> None:
        if v is None or isinstance(v, str | int | float | bool | dt.date | dt.datetime):
            out.append(f"{type(v).__name__}:{v!r}")
        elif isinstance(v, PublicRecord):
            out.append(f"R:{v.type}/{v.id}:{record_digest((v.type, v.id))}")
        elif isinstance(v, dict):  # in its order: a template shows it in that order
            out.append("{")
            for k in v:
                walk(k)
                walk(v[k])
            out.append("}")
        elif isinstance(v, list | tuple):
            out.append("[")
            for item in v:
                walk(item)
            out.append("]")
        elif isinstance(v, set | frozenset):
            out.append("<")
            for text in sorted(_canonical(item, record_digest) for item in v):
                out.append(text)
            out.append(">")
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            out.append(type(v).__name__ + "(")
            for f in dataclasses.fields(v):
                item = getattr(v, f.name)
                if callable(item):
                    raise _Uncacheable(f.name)
                walk(item)
            out.append(")")
        else:
            raise _Uncacheable(type(v).__name__)

    walk(value)
    return "".join(out)


class _Renderer:
    def __init__(
        self,
        public: Sequence[PublicRecord[Record]],
        config: SiteConfig,
        now: dt.datetime,
        dates: dict[Key, RecordDates],
        side: Side | None = None,
        own: Sequence[PublicRecord[Record]] | None = None,
        store: PageStore | None = None,
    ):
        """``public``: every record (for links); ``own``: the records of this side's language
        (all of ``public`` in a single-language site)."""
        self.config = config
        self.dates = dates
        self.side = side
        self.page_keys: dict[str, tuple[str, tuple[str, str] | None]] = {}  # docs path -> (url, record key)
        self.feed_specs = feed_specs(public if own is None else own, config)
        self.lang = config.language
        self.now = now
        self.tz = config.tz
        self.env = _env()
        self.by_key = _Looked(((p.type, p.id), p) for p in public)
        self.store = store  # record pages of earlier builds (single-language sites only)
        self._digests: dict[Key, str] = {}
        self._site_digest: str | None = None
        self.site = RenderedSite()
        self.disclosure_categories: list[tuple[str, int]] = []
        self.disclosure_years: list[tuple[int, int]] = []

    # helpers exposed to templates -------------------------------------------------
    def context(self, url: str, **extra: Any) -> dict[str, Any]:
        lang = self.lang
        return {
            "t": lambda key, **kw: _t(key, lang, **kw),
            "label": lambda group, value: _label(group, value, lang),
            "rel": lambda target: self.rel(target, url),
            "lookup": self.lookup,
            "size": _size,
            "tel": lambda phone: Markup('<a class="oa-tel" href="{}">{}</a>').format(tel_href(phone), phone),
            "tel_href": tel_href,
            "link_out": lambda href: Markup('<a href="{}" rel="noopener">{}</a>').format(href, href),
            "event_when": self.event_when,
            "event_badge": self.event_badge,
            "site_lang": lang,
            "site_name": self.config.site_name,
            "office_name": self.config.office_name,
            "site_description": self.config.site_description,
            "extra_html": "",
            "law_body": "",
            "law_toc": None,
            "law_versions": [],
            "page_scripts": [],
            "pager": None,
            "search_page": False,
            "print_date": "",
            "trail": [],
            "lang_alt": self.side is not None,
            **extra,
        }

    def lookup(self, type_: str, id_: str) -> PublicRecord[Record] | None:
        """A linked record; on a side of a multi-language site, its translation in this side's
        language when there is one (an English page links to the English version of a law)."""
        found = self.by_key.get((type_, id_))
        if found is not None and self.side is not None:
            other = self.side.translated.get((type_, id_))
            if other is not None and self.side.url_lang.get(other.url) == self.lang:
                return other
        return found

    def rel(self, target: str, url: str) -> str:
        if self.side is None:
            return relative(target, url)
        return relative(self.side.full(target), self.side.prefix + url)

    def event_state(self, ev: OpenDay) -> str:
        if ev.event_status in ("cancelled", "postponed"):
            return ev.event_status
        if ev.end < self.now:
            return "past"
        return ev.event_status

    def event_badge(self, rec: PublicRecord[Record]) -> Markup:
        state = self.event_state(rec.of(OpenDay))
        return Markup('<span class="oa-badge oa-badge--{}">{}</span>').format(state, _t(state, self.lang))

    def _local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.tz)

    def event_when(self, rec: PublicRecord[Record]) -> str:
        ev = rec.of(OpenDay)
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
    def utility_page(self, slug: str, template: str, key: str, **extra: Any) -> None:
        """A page of its own outside the navigation, ``/<slug>/``, titled and headed by the
        interface string ``key`` (search, site map, accessibility, open data)."""
        title = _t(key, self.lang)
        self.page(f"{slug}/index.md", f"/{slug}/", template, title, ["navigation", "toc"], heading=title, **extra)
        self.site.not_in_nav.append(f"/{slug}/index.md")

    def page(self, path: str, url: str, template: str, title: str, hide: list[str], **extra: Any) -> None:
        """A page that is not a record's (listings, home, utility pages): from the store
        when everything it is made of is unchanged (``_canonical``: the records it lists by
        their digests, its pager and counts ...; the clock: open days' states)."""
        store = self.store
        key = None
        if store is not None:
            try:
                shown = _canonical(extra, self.record_digest)
            except _Uncacheable:
                shown = None
            if shown is not None:
                key = digest(
                    store.fingerprint,
                    _STORE_VERSION,
                    "page",
                    path,
                    url,
                    template,
                    title,
                    repr(hide),
                    shown,
                    self.site_digest(),
                    self.now.isoformat(),
                )
        if store is None or key is None:
            self.site.pages[path] = self.page_text(path, url, template, title, hide, **extra)
            return
        sha = store.find(key, self.record_digest, "page")
        if sha is not None:
            render = functools.partial(self.page_text, path, url, template, title, hide, **extra)
            self.site.pages.put_stored(path, sha, functools.partial(_stored_or, store, sha, render))
            return
        seen = self.by_key.track()
        try:
            text = self.page_text(path, url, template, title, hide, **dict(extra))
        finally:
            self.by_key.untrack()
        sha = store.put(key, tuple((k, self.record_digest(k)) for k in sorted(seen)), text)
        render = functools.partial(self.page_text, path, url, template, title, hide, **extra)
        self.site.pages.put_stored(path, sha, functools.partial(_stored_or, store, sha, render))

    def site_digest(self) -> str:
        """What every page shows of the whole site besides the config: the feeds."""
        if self._site_digest is None:
            feeds = [(s.path, s.page, s.title) for s in self.feed_specs]
            self._site_digest = digest(self.lang, repr(feeds))
        return self._site_digest

    def page_text(self, path: str, url: str, template: str, title: str, hide: list[str], **extra: Any) -> str:
        """The Markdown of one page (``page`` keeps it in the site)."""
        from .structured import head_html

        tpl = self.env.get_template(template)
        description = extra.pop("description", "") or ""
        feeds = feed_links(extra.pop("feed_type", None), extra.pop("feed_category", None), self.config, self.feed_specs)
        rec = extra.get("rec")
        dates = self.dates[(rec.type, rec.id)] if rec is not None else None
        if self.side is not None:
            self.page_keys[path] = (url, (rec.type, rec.id) if rec is not None else None)
        head = head_html(
            self.config,
            url=url,
            title=title or self.config.site_name,
            description=description,
            og_type="article" if rec is not None else "website",
            feeds=feeds,
            jsonld=extra.pop("jsonld", ()),
            json_twin=f"{url}index.json" if rec is not None else "",
            published=dates.published if dates else None,
            updated=dates.updated if dates else None,
        )
        text: str = tpl.render(
            self.context(
                url,
                meta_title=str(escape(title)),
                meta_description=str(escape(description)),
                hide=hide,
                head=head,
                feed=feeds[0],
                dates=dates,
                **extra,
            )
        )
        return text

    def section_listing(self, type_: str, template: str, items: Sequence[Any], **extra: Any) -> None:
        """The listing of a whole section (``/<type>/``, in the navigation, with its feed)."""
        title = _t(type_, self.lang)
        self.listing(f"/{type_}/", template, title, items, in_nav=True, heading=title, feed_type=type_, **extra)

    def listing(
        self, base: str, template: str, title: str, items: Sequence[Any], in_nav: bool = False, **extra: Any
    ) -> None:
        """A listing in pages of PER_PAGE: ``base`` (page 1), ``base``page/2/, ...  ``items`` is cut
        into chunks passed to the template as ``items`` with a ``pager``."""
        total = max(1, -(-len(items) // PER_PAGE))
        for n in range(1, total + 1):
            url = page_url(base, n)
            path = url.lstrip("/") + "index.md"
            chunk = items[(n - 1) * PER_PAGE : n * PER_PAGE]
            shown_title = title if n == 1 else f"{title} - {_t('page_n', self.lang, n=n)}"
            self.page(
                path,
                url,
                template,
                shown_title,
                ["navigation", "toc"],
                items=chunk,
                pager=pager_for(base, n, total, len(items)),
                **extra,
            )
            if n == 1 and not in_nav:
                self.site.not_in_nav.append(f"/{path}")
        if total > 1:
            # one pattern for all the further pages (a pattern per page is quadratic in MkDocs)
            self.site.not_in_nav.append(f"{base}page/**")

    def record_page(self, rec: PublicRecord[Record]) -> None:
        path = f"{rec.type}/{rec.id}/index.md"
        store = self.store
        if store is None:
            self.site.pages[path] = self.record_text(rec)
        else:
            key = self.record_key(rec, path)
            sha = store.find(key, self.record_digest, "record")
            if sha is not None:
                render = functools.partial(self.record_text, rec)
                self.site.pages.put_stored(path, sha, functools.partial(_stored_or, store, sha, render))
            else:
                seen = self.by_key.track()
                try:
                    text = self.record_text(rec)
                finally:
                    self.by_key.untrack()
                deps = tuple((k, self.record_digest(k)) for k in sorted(seen))
                # kept by the store only (read back when MkDocs needs it): the Markdown of
                # every page is never in memory at once
                sha = store.put(key, deps, text)
                render = functools.partial(self.record_text, rec)
                self.site.pages.put_stored(path, sha, functools.partial(_stored_or, store, sha, render))
        # one pattern per folder, not per page: MkDocs matches every page against every
        # pattern, so a pattern per record made the build quadratic in the number of pages
        if rec.type != "pages":
            self.site.not_in_nav.append(f"/{rec.type}/*/**")
        else:
            self.site.not_in_nav.append(f"/{path}")
        for f in rec.files:
            self.site.copies[f.href.lstrip("/")] = f.source

    def record_digest(self, key: Key) -> str | None:
        """What a record page shows of the record ``key`` (None: no such public record)."""
        found = self._digests.get(key)
        if found is None:
            rec = self.by_key.peek(key)
            if rec is None:
                return None
            found = self._digests[key] = record_digest(rec)
        return found

    def record_key(self, rec: PublicRecord[Record], path: str) -> str:
        """Everything a record page is made of but the other records it looks up (those
        are checked one by one, ``PageStore.find``): the build fingerprint (code,
        templates, config, theme, versions), the record as published (filtered fields,
        body, attachments, back-links), its dates, the site-wide data it shows (the feeds)
        and, for an open day, the build time (its state and registration depend on it)."""
        assert self.store is not None
        return digest(
            self.store.fingerprint,
            _STORE_VERSION,
            path,
            digest_with_dates(rec, self.dates),  # the record as published and its dates
            self.site_digest(),
            self.now.isoformat() if rec.type == "open-days" else "",
        )

    def record_text(self, rec: PublicRecord[Record]) -> str:
        r = rec.record
        extra: dict[str, Any] = {}
        if isinstance(r, Disclosure) and r.parties:
            if self.lang == "en":
                extra["parties_text"] = ", ".join(f"{p.name} ({_label('role', p.role, 'en')})" for p in r.parties)
            else:
                extra["parties_text"] = "、".join(f"{p.name}（{_label('role', p.role, self.lang)}）" for p in r.parties)
        if isinstance(r, OpenDay) and not rec.is_tombstone:
            extra["when"] = self.event_when(rec)
            extra["event_badge"] = self.event_badge(rec)
            if r.registration:
                window, key = self.registration(r)
                extra["reg_window"] = window
                extra["reg_open"] = key == "reg_open"
                extra["reg_badge"] = Markup('<span class="oa-badge oa-badge--{}">{}</span>').format(
                    key.replace("_", "-"), _t(key, self.lang)
                )
        scripts: list[str] = []
        if rec.type == "regulations" and not rec.is_tombstone:
            extra.update(self.regulation_parts(rec))
            if extra.get("law_body"):
                scripts.append("assets/oa-law.js")
        from .structured import record_jsonld

        path = f"{rec.type}/{rec.id}/index.md"
        side = self.side
        href = None if side is None else (lambda path: side.root_url.rstrip("/") + side.full(path))
        # lookup(type, id): the linked record or None (a reference the filter kept is always
        # published; this keeps JSON-LD from linking anything else)
        jsonld = record_jsonld(
            rec, self.dates[(rec.type, rec.id)], self.config, lambda t, i: self.by_key.get((t, i)), href
        )
        category = r.category if isinstance(r, Disclosure) and not rec.is_tombstone else None
        if rec.type == "open-days" and not rec.is_tombstone:
            extra["ics_href"] = f"{rec.url}event.ics"
        return self.page_text(
            path,
            rec.url,
            "record.md.j2",
            r.title,
            ["navigation", "toc"],
            rec=rec,
            r=r,
            body=Markup(link_phones_html(join_cjk_html(rec.body_html))),
            description=None if rec.is_tombstone else r.summary,
            print_date="" if rec.is_tombstone else (rec.sort_date or ""),
            jsonld=jsonld,
            feed_type=rec.type,
            feed_category=category,
            page_scripts=scripts,
            **extra,
        )

    def regulation_parts(self, rec: PublicRecord[Record]) -> dict[str, Any]:
        """The structured text of a law (issue 8): body HTML with article anchors and
        the table of contents (when the body has articles), and the version timeline."""
        from .legal_structure import annotate_html

        out: dict[str, Any] = {"law_versions": self.versions(rec)}
        # the body as the privacy filter rendered and filtered it: only ids, classes and
        # links to the article itself are added
        html, toc = annotate_html(rec.body_html, _t("law_copy_link", self.lang))
        if toc:
            out["law_body"] = Markup(link_phones_html(join_cjk_html(html)))
            out["law_toc"] = toc
        return out

    def in_force_until(self, regs: Sequence[PublicRecord[Record]]) -> dict[str, str]:
        """Regulation id -> the day its successor (amended_by / repealed_by, published) took
        effect: it was in force before that day (issue 8: "in force on date D")."""
        out: dict[str, str] = {}
        for p in regs:
            ends = []
            for i in [*p.of(Regulation).amended_by, *p.of(Regulation).repealed_by]:
                target = self.by_key.get(("regulations", i))
                if target is not None and not target.is_tombstone:
                    ends.append(target.of(Regulation).effective or target.of(Regulation).issued)
            if ends:
                out[p.id] = min(ends).isoformat()
        return out

    def versions(self, rec: PublicRecord[Record]) -> list[dict[str, Any]]:
        """The published versions of a regulation, oldest first, following amends / amended_by
        (and repealed_by at the end); [] when it has no other published version."""
        seen = {rec.id}

        def walk(field: str) -> list[PublicRecord[Record]]:
            """The published versions reached through ``field`` (amends: back in time,
            amended_by: forward), nearest first; stops at a tombstone or a seen version."""
            found: list[PublicRecord[Record]] = []
            cur = rec
            while True:
                step = next(
                    (
                        self.by_key[("regulations", i)]
                        for i in getattr(cur.record, field)
                        if ("regulations", i) in self.by_key and i not in seen
                    ),
                    None,
                )
                if step is None or step.is_tombstone:
                    return found
                found.append(step)
                seen.add(step.id)
                cur = step

        older = walk("amends")
        chain: list[PublicRecord[Record]] = [*reversed(older), rec, *walk("amended_by")]
        rows = [
            {
                "url": p.url,
                "title": p.title,
                "issued": p.of(Regulation).issued,
                "effective": p.of(Regulation).effective,
                "validity": p.of(Regulation).validity,
                "current": p.id == rec.id,
                "event": "version",
            }
            for p in chain
        ]
        for p in list(chain):
            for i in p.of(Regulation).repealed_by:
                target = self.by_key.get(("regulations", i))
                if target is not None and not target.is_tombstone and i not in seen:
                    seen.add(i)
                    rows.append(
                        {
                            "url": target.url,
                            "title": target.title,
                            "issued": target.of(Regulation).issued,
                            "effective": target.of(Regulation).effective,
                            "validity": target.of(Regulation).validity,
                            "current": False,
                            "event": "repealed_by",
                        }
                    )
        return rows if len(rows) > 1 else []

    def render(self, public: Sequence[PublicRecord[Record]]) -> RenderedSite:
        for rec in public:
            self.record_page(rec)
        live = [p for p in public if not p.is_tombstone]
        by_type = {t: [p for p in live if p.type == t] for t in TYPE_NAMES}

        def newest(items: list[PublicRecord[Record]]) -> list[PublicRecord[Record]]:
            return sorted(items, key=lambda p: (p.sort_date or dt.date.min, p.id), reverse=True)

        disclosures = newest(by_type["disclosures"])
        self.disclosure_listings(disclosures)
        regs = sorted(by_type["regulations"], key=lambda p: (p.of(Regulation).issued, p.id), reverse=True)
        self.section_listing(
            "regulations",
            "regulations-index.md.j2",
            regs,
            csv_href="/regulations/regulations.csv",
            kinds=sorted({p.of(Regulation).kind for p in regs}),
            validities=[v for v in get_args(Validity) if any(p.of(Regulation).validity == v for p in regs)],
            issuers=sorted({i for p in regs for i in p.of(Regulation).issuers}),
            until=self.in_force_until(regs),
        )
        events = sorted(by_type["open-days"], key=lambda p: (p.of(OpenDay).start, p.id))
        upcoming = [e for e in events if e.of(OpenDay).end >= self.now]
        past = [e for e in reversed(events) if e.of(OpenDay).end < self.now]
        # upcoming events first (all on page 1 and on), then the past ones newest first
        self.section_listing(
            "open-days",
            "open-days-index.md.j2",
            upcoming + past,
            n_upcoming=len(upcoming),
            upcoming_ids={e.id for e in upcoming},
        )
        guides = sorted(by_type["guides"], key=lambda p: (p.of(Guide).service != "bribery-record-inquiry", p.id))
        self.section_listing("guides", "simple-index.md.j2", guides, section="guides")
        pages = sorted(by_type["pages"], key=lambda p: (p.of(Page).nav_order, p.id))
        # the home page stays small however many records there are: a few tiles, short lists
        tiles = [{"url": g.url, "title": g.title, "note": g.record.summary or ""} for g in guides[:HOME_TILES]]
        tiles += [{"url": p.url, "title": p.title, "note": ""} for p in pages[:HOME_TILES]]
        tiles += [
            {"url": "/regulations/", "title": _t("regulations", self.lang), "note": ""},
            {"url": "/open-days/", "title": _t("open-days", self.lang), "note": ""},
        ]
        self.page(
            "index.md",
            "/",
            "home.md.j2",
            "",
            ["navigation", "toc"],
            latest=disclosures[:10],
            upcoming=upcoming[:4],
            guides=guides[: HOME_TILES * 2],
            more_guides=len(guides) > HOME_TILES * 2,
            tiles=tiles,
            description=self.config.site_description,
            jsonld=home_jsonld(self.config),
        )
        self.data_pages(public)
        self.search_page()
        self.sitemap_page(pages)
        self.accessibility_page()

        def t(key: str) -> str:
            return _t(key, self.lang)

        self.site.nav = [
            NavEntry(t("home"), "index.md"),  # titles are HTML-escaped: the theme prints them raw
            NavEntry(t("disclosures"), "disclosures/index.md"),
            NavEntry(t("regulations"), "regulations/index.md"),
            NavEntry(t("open-days"), "open-days/index.md"),
            NavEntry(t("guides"), "guides/index.md"),
        ]
        if pages:
            self.site.nav.append(
                NavEntry(t("pages"), "", tuple(NavEntry(str(escape(p.title)), f"pages/{p.id}/index.md") for p in pages))
            )
        return self.site

    def data_pages(self, public: Sequence[PublicRecord[Record]]) -> None:
        from .exports import FIELDS
        from .feeds import publication_events

        lang = self.lang
        counts = {t: sum(1 for p in public if p.type == t and not p.is_tombstone) for t in TYPE_NAMES}
        intro = _t("open_data_intro", lang)
        self.utility_page(
            "data",
            "data-index.md.j2",
            "open_data",
            types=TYPE_NAMES,
            counts=counts,
            fields=FIELDS,
            feeds=self.feed_specs,
            description=intro,
        )
        # what the log shows of each event, not the event's record: its key (``page``) is then
        # these rows, and a change that leaves them as they were (a body edited) reuses the
        # page (at 100,000 records 2.5 s to render)
        events = [
            _LogRow(e.day, e.kind, e.rec.url, e.rec.title, e.note) for e in publication_events(public, self.dates)
        ]
        self.utility_page("data/changes", "changes.md.j2", "publication_log", events=events)

    def search_page(self) -> None:
        lang = self.lang
        groups = {g: {k: _label(g, k, lang) for k in LABELS[g]} for g in ("category", "kind", "validity")}
        groups["type"] = {k: _t(k, lang) for k in TYPE_NAMES}
        groups["filter_names"] = {k: _t("search_" + k, lang) for k in SEARCH_FILTER_KEYS}
        groups["ui"] = {k: _t("search_" + k, lang) for k in SEARCH_UI_KEYS}
        self.utility_page(
            "search",
            "search.md.j2",
            "search",
            labels=json.dumps(groups, ensure_ascii=False, sort_keys=True),
            noscript=_t("search_noscript", lang),
            page_scripts=["assets/oasearch.js", "assets/oasearch-page.js"],
            search_page=True,
        )

    def disclosure_listings(self, items: list[PublicRecord[Record]]) -> None:
        """/disclosures/ (all, newest first), /disclosures/category/<c>/ and /disclosures/year/<y>/,
        each in pages of PER_PAGE, with the counts of every category and year."""
        from .records import Category

        counts = Counter(p.of(Disclosure).category for p in items)
        categories = [(c, counts[c]) for c in get_args(Category) if counts[c]]
        year_counts = Counter(p.of(Disclosure).date.year for p in items)
        years = sorted(year_counts.items(), reverse=True)
        self.disclosure_categories, self.disclosure_years = categories, years
        title = _t("disclosures", self.lang)
        common: dict[str, Any] = {"categories": categories, "years": years}
        self.listing(
            "/disclosures/",
            "disclosures-index.md.j2",
            title,
            items,
            in_nav=True,
            heading=title,
            current="",
            current_year=0,
            feed_type="disclosures",
            **common,
        )
        for cat, _ in categories:
            heading = _label("category", cat, self.lang)
            self.listing(
                f"/disclosures/category/{cat}/",
                "disclosures-index.md.j2",
                f"{heading} - {title}",
                [p for p in items if p.of(Disclosure).category == cat],
                heading=heading,
                current=cat,
                current_year=0,
                feed_type="disclosures",
                feed_category=cat,
                **common,
            )
        for year, _ in years:
            heading = _t("year_heading", self.lang, year=year)
            self.listing(
                f"/disclosures/year/{year}/",
                "disclosures-index.md.j2",
                f"{heading} - {title}",
                [p for p in items if p.of(Disclosure).date.year == year],
                heading=f"{title} · {heading}",
                current="",
                current_year=year,
                feed_type="disclosures",
                **common,
            )

    def sitemap_page(self, pages: list[PublicRecord[Record]]) -> None:
        """网站地图: the sections, their archives and the office's pages (the XML sitemap is for machines)."""
        self.utility_page(
            "sitemap",
            "sitemap.md.j2",
            "sitemap",
            categories=self.disclosure_categories,
            years=self.disclosure_years,
            about=pages,
        )

    def accessibility_page(self) -> None:
        self.utility_page("accessibility", "accessibility.md.j2", "accessibility")


def with_backlinks(public: Sequence[PublicRecord[Record]]) -> list[PublicRecord[Record]]:
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


def render_site(
    public: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    now: dt.datetime,
    dates: dict[Key, RecordDates] | None = None,
    store: PageStore | None = None,
) -> RenderedSite:
    """``dates``: from ``dates.record_dates`` (git); without, from the records' fields.
    ``store``: the record pages of earlier builds (a single-language site reuses them;
    committed when the site is rendered)."""
    public = with_backlinks(public)
    if dates is None:
        dates = record_dates(public, config, now, git=False)
    if len(config.site_languages) == 1:
        if store is None:
            return _Renderer(public, config, now, dates).render(public)
        try:
            rendered = _Renderer(public, config, now, dates, store=store).render(public)
        except BaseException:
            store.close()
            raise
        store.commit()
        return rendered
    if store is not None:
        store.close()
    return _render_languages(public, config, now, dates)


def _render_languages(
    public: Sequence[PublicRecord[Record]], config: SiteConfig, now: dt.datetime, dates: dict[Key, RecordDates]
) -> RenderedSite:
    """(issue 10) Every language as a site of its own (the default at /, the other under /<lang>/),
    then each page learns its other-language version: hreflang links and the language switch."""
    from .languages import by_language, lang_of, prefix_of, side_config, translations

    langs = config.site_languages
    prefixes = {lang: prefix_of(lang, config) for lang in langs}
    url_lang = {p.url: lang_of(p, config) for p in public}
    sites: dict[str, RenderedSite] = {}
    keys: dict[str, dict[str, tuple[str, tuple[str, str] | None]]] = {}
    pairs = translations(public, config)
    for lang, own in by_language(public, config).items():
        side = Side(lang, prefixes, url_lang, pairs, config.site_url)
        renderer = _Renderer(public, side_config(config, lang), now, dates, side, own)
        sites[lang] = renderer.render(own)
        sites[lang].lang = lang
        keys[lang] = renderer.page_keys
    for lang, site in sites.items():
        for path, (url, key) in keys[lang].items():
            alt = _alternate(lang, path, url, key, pairs, sites, keys, prefixes, config)
            text = site.pages[path]
            site.pages[path] = (
                text.replace(_ALT_MARK, json.dumps(alt, ensure_ascii=False))
                if alt
                else text.replace(f"oa_alt: {_ALT_MARK}\n", "")
            )
    main = sites[config.language]
    main.sides = {lang: site for lang, site in sites.items() if lang != config.language}
    return main


def _alternate(
    lang: str,
    path: str,
    url: str,
    key: tuple[str, str] | None,
    pairs: dict[tuple[str, str], PublicRecord[Record]],
    sites: dict[str, RenderedSite],
    keys: dict[str, dict[str, tuple[str, tuple[str, str] | None]]],
    prefixes: dict[str, str],
    config: SiteConfig,
) -> dict[str, str] | None:
    """The other-language version of one page: the switch (``href``, ``label``, ``lang``) and the
    ``<link rel="alternate" hreflang>`` tags (``head``, only for an equivalent page).

    A record has one only when its translation is published (and not withdrawn); an
    interface page always has one: the same page on the other side, else its home page."""
    from .languages import lang_of

    other_lang = next(x for x in sites if x != lang)
    here = prefixes[lang] + url
    equivalent = True
    if key is not None:
        partner = pairs.get(key)
        if partner is None:
            return None
        other_lang = lang_of(partner, config)
        there = prefixes[other_lang] + partner.url
    elif path in sites[other_lang].pages and keys[other_lang][path][1] is None:
        there = prefixes[other_lang] + url
    else:
        there, equivalent = prefixes[other_lang] + "/", False
    base = config.site_url.rstrip("/")
    head = ""
    if equivalent:
        links = {lang: here, other_lang: there}
        default = links[config.language]
        head = (
            "".join(
                f'<link rel="alternate" hreflang="{HREFLANG[x]}" href="{escape(base + links[x])}">'
                for x in sorted(links)
            )
            + f'<link rel="alternate" hreflang="x-default" href="{escape(base + default)}">'
        )
    return {
        "href": str(escape(relative(there, here))),
        "label": str(escape(_t("lang_name", other_lang))),
        "lang": other_lang,
        "hreflang": HREFLANG[other_lang],
        "head": head,
    }
