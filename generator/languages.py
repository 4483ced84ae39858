"""Two languages in one site (issue 10): which side a record is on, each side's settings,
and the published translations.

With ``languages: [zh, en]`` in site_config.yml the default ``language`` is built
at ``/`` and the other one under ``/<lang>/`` (``/en/``), each as a complete site
of its own (home, listings, records, search, data, 404, site map); a record goes to
the side of its ``lang`` (default: ``language``).  Without ``languages`` (or with
one language) nothing here changes the site.

Pure: PublicRecord in, data out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .config import SiteConfig
from .dates import Key, RecordDates
from .privacy import PublicRecord
from .records import Record

if TYPE_CHECKING:
    from .cache import BuildCache
    from .rendering import RenderedSite

__all__ = [
    "lang_of",
    "side_config",
    "by_language",
    "translations",
    "prefix_of",
    "is_multilingual",
    "export_all",
    "static_search_files",
    "site_sitemap",
]


def is_multilingual(config: SiteConfig) -> bool:
    return len(config.site_languages) > 1


def lang_of(rec: PublicRecord[Record], config: SiteConfig) -> str:
    """The language of a record: its ``lang``, else the site's ``language``."""
    return str(getattr(rec.record, "lang", None) or config.language)


def prefix_of(lang: str, config: SiteConfig) -> str:
    """``""`` for the default language (at /), ``"/en"`` for the other one."""
    return "" if lang == config.language else f"/{lang}"


def side_config(config: SiteConfig, lang: str) -> SiteConfig:
    """The settings one side is built with: its language, its own root URL (``.../en/``) and
    the texts of ``translations.<lang>`` (site name, office, description ...) over the defaults."""
    if lang == config.language:
        return config
    texts = next((v for k, v in config.translations.items() if k == lang), None)
    update: dict[str, Any] = {"language": lang, "site_url": f"{config.site_url}{lang}/", "languages": []}
    if texts is not None:
        update.update(texts.model_dump(exclude_defaults=True))
    return config.model_copy(update=update)


def by_language(public: Sequence[PublicRecord[Record]], config: SiteConfig) -> dict[str, list[PublicRecord[Record]]]:
    """The records of each side, in the order given, default language first."""
    out: dict[str, list[PublicRecord[Record]]] = {lang: [] for lang in config.site_languages}
    for p in public:
        out.setdefault(lang_of(p, config), []).append(p)
    return out


def translations(
    public: Sequence[PublicRecord[Record]], config: SiteConfig
) -> dict[tuple[str, str], PublicRecord[Record]]:
    """(type, id) -> its published translation, both ways.  Only pairs where both records have
    a live page (not a tombstone) and are in different languages: a translation held back by
    the gate is not a PublicRecord at all, and the filter drops ``translation_of`` naming it."""
    live = {(p.type, p.id): p for p in public if not p.is_tombstone}
    out: dict[tuple[str, str], PublicRecord[Record]] = {}
    for key, p in live.items():
        ref = getattr(p.record, "translation_of", None)
        if not ref:
            continue
        other = live.get((p.type, ref))
        if other is None or lang_of(other, config) == lang_of(p, config):
            continue
        out[key] = other
        out[(other.type, other.id)] = p
    return out


def _prefixed(files: dict[str, bytes], lang: str) -> dict[str, bytes]:
    return {f"{lang}/{k}": v for k, v in files.items()}


# the records' encoded exports are kept in this many cache entries per side: a record
# changed rewrites the one or two it is in (at 100,000 records 6 MB each; with 16, 24 MB)
_SHARDS = 64


def export_all(
    listed: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    dates: dict[Key, RecordDates],
    now: dt.datetime,
    cache: BuildCache | None = None,
) -> dict[str, bytes]:
    """The data files (feeds, calendars, CSV/JSON, JSON twins) of every side: each language's
    records under its own root (``/en/data/``, ``/en/feed.atom`` ...); one robots.txt.

    With a ``cache``, each record's encoded JSON twin and table rows of the last build are
    reused when its public copy, dates and side are unchanged (``exports.ExportMemo``; made
    from the PublicRecords given here only): the files are those a build from nothing makes."""
    from .exports import export_files

    def side(own: Sequence[PublicRecord[Record]], side_cfg: SiteConfig, lang: str) -> dict[str, bytes]:
        if cache is None:
            return export_files(own, side_cfg, dates, now)
        from .exports import Encoded, ExportMemo

        keys = [cache.key("open-data", (lang, i)) for i in range(_SHARDS)]
        shards: list[dict[str, Encoded]] = []
        for key in keys:
            value = cache.get_output(key)
            shards.append(value if isinstance(value, dict) else {})
        memo = ExportMemo({k: v for shard in shards for k, v in shard.items()})
        files = export_files(own, side_cfg, dates, now, memo)
        new: list[dict[str, Encoded]] = [{} for _ in keys]
        for k, v in memo.current.items():
            new[int(k[:8], 16) % _SHARDS][k] = v
        for key, old, shard in zip(keys, shards, new, strict=True):
            if shard.keys() != old.keys():
                cache.put_output(key, shard, flat=True)
        return files

    if not is_multilingual(config):
        return side(listed, config, config.language)
    out: dict[str, bytes] = {}
    for lang, own in by_language(listed, config).items():
        files = side(own, side_config(config, lang), lang)
        if lang != config.language:
            del files["robots.txt"]
            files = _prefixed(files, lang)
        out.update(files)
    extra = "".join(f"Disallow: /{lang}/search/\n" for lang in config.site_languages[1:])
    out["robots.txt"] = out["robots.txt"].replace(b"Disallow: /search/\n", b"Disallow: /search/\n" + extra.encode())
    return out


def static_search_files(
    listed: Sequence[PublicRecord[Record]], config: SiteConfig, cache: BuildCache | None = None
) -> dict[str, bytes]:
    """The in-browser search index of every side: ``/en/search/`` searches the English records.

    With a ``cache``, each side's index of the last build (``StaticIndex``: the pages as the
    index saw them, made from PublicRecords only, and the files) is the starting point: only
    the pages that changed are indexed again (issue 13); the files are those a build from
    nothing makes."""
    from .search import static_docs
    from .static_search import StaticIndex, update_static_index

    def side(own: Sequence[PublicRecord[Record]], side_cfg: SiteConfig, lang: str) -> dict[str, bytes]:
        key = cache.key("static-search", lang) if cache is not None else ""
        previous = StaticIndex.from_flat(cache.get_output(key)) if cache is not None else None
        index = update_static_index(static_docs(own, side_cfg), previous)
        if cache is not None and index is not previous:
            cache.put_output(key, index.flat(), flat=True)
        return index.files

    if not is_multilingual(config):
        return side(listed, config, config.language)
    out: dict[str, bytes] = {}
    for lang, own in by_language(listed, config).items():
        files = side(own, side_config(config, lang), lang)
        out.update(files if lang == config.language else _prefixed(files, lang))
    return out


def site_sitemap(
    rendered: RenderedSite,
    public: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    dates: dict[Key, RecordDates],
    now: dt.datetime,
) -> bytes:
    """sitemap.xml of the whole site; with two languages, every page of both sides, and
    ``xhtml:link`` alternates between the equivalent pages (a record and its translation,
    the same interface page)."""
    from xml.sax.saxutils import escape, quoteattr

    from .exports import sitemap_entries, sitemap_xml
    from .rendering import HREFLANG

    if not rendered.sides:
        return sitemap_xml(sitemap_entries(list(rendered.pages), public, config, dates, now), config)
    sides = {config.language: rendered, **rendered.sides}
    own = by_language(public, config)
    entries = {
        lang: sitemap_entries(list(site.pages), own.get(lang, []), config, dates, now) for lang, site in sides.items()
    }
    paths = {lang: {url for url, _ in rows} for lang, rows in entries.items()}
    records = {p.url: p for p in public}
    pairs = translations(public, config)
    base = config.site_url.rstrip("/")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for lang in config.site_languages:
        for url, lastmod in entries[lang]:
            alternates: dict[str, str] = {}
            rec = records.get(url)
            if rec is not None and lang_of(rec, config) == lang:
                partner = pairs.get((rec.type, rec.id))
                if partner is not None:
                    alternates = {lang: url, lang_of(partner, config): partner.url}
            else:
                alternates = {x: url for x in config.site_languages if url in paths[x]}
            loc = prefix_of(lang, config) + url
            line = f"<url><loc>{escape(base + loc)}</loc><lastmod>{lastmod.isoformat()}</lastmod>"
            if len(alternates) > 1:
                for x in sorted(alternates):
                    href = quoteattr(base + prefix_of(x, config) + alternates[x])
                    line += f'<xhtml:link rel="alternate" hreflang="{HREFLANG[x]}" href={href}/>'
            out.append(line + "</url>")
    out.append("</urlset>")
    return ("\n".join(out) + "\n").encode("utf-8")
