"""Search documents from PublicRecords: the journalists' index and the static index
for the public both read only what the privacy filter produced.

Stage: writer input (pure).  ``search_docs`` builds the journalists' ``SearchDoc``s,
``static_docs`` the static-index ``StaticDoc``s; both from the same plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config import SiteConfig
from ..dates import Key, RecordDates
from ..i18n import label
from ..privacy import PublicRecord
from ..records import Disclosure, Guide, OpenDay, Record, Regulation
from .model import SearchDoc

__all__ = ["record_text", "search_docs", "static_docs"]


def _field_texts(rec: PublicRecord[Record], lang: str) -> list[str]:
    r = rec.record
    out: list[str] = []
    if isinstance(r, Disclosure):
        out += [label("category", r.category, lang), r.case_number or "", r.department or ""]
        out += [f"{p.name}（{label('role', p.role, lang)}）" for p in r.parties]
    elif isinstance(r, Regulation):
        out += [
            r.doc_number or "",
            "；".join(r.issuers),
            label("kind", r.kind, lang),
            label("validity", r.validity, lang),
        ]
    elif isinstance(r, OpenDay):
        out += [r.location.name, r.location.address, r.audience or ""]
        out += [f"{a.time} {a.item}" for a in r.agenda]
    elif isinstance(r, Guide):
        out += [*r.eligibility, *r.required_documents, *r.steps, r.time_limit or "", r.fee or ""]
        out += [" ".join(x for x in (o.name, o.address, o.hours) if x) for o in r.offices]
    return [t for t in out if t]


def record_text(rec: PublicRecord[Record], lang: str) -> str:
    """All searchable text of a published record (title, summary, fields, body)."""
    r = rec.record
    parts = [r.title, r.summary or "", *_field_texts(rec, lang), *r.tags, rec.body_text]
    return "\n".join(p for p in parts if p)


def _side_prefix(rec: PublicRecord[Record], config: SiteConfig) -> str:
    """(issue 10) ``/en`` for a record on the English side of a two-language site, else ``""``."""
    from ..languages import is_multilingual, lang_of, prefix_of

    return prefix_of(lang_of(rec, config), config) if is_multilingual(config) else ""


def search_docs(
    public: Sequence[PublicRecord[Record]], config: SiteConfig, dates: dict[Key, RecordDates] | None = None
) -> list[SearchDoc]:
    """``dates``: ``dates.record_dates`` (from git in a build); without, from the fields."""
    from ..dates import record_dates

    if dates is None:
        dates = record_dates(public, config, git=False)
    base = config.site_url.rstrip("/")

    docs = []
    for rec in public:
        if rec.is_tombstone:
            continue
        r = rec.record
        body = "\n".join([*_field_texts(rec, config.language), rec.body_text])
        kw: dict[str, Any] = {}
        if isinstance(r, Disclosure):
            kw = dict(category=r.category, case_number=r.case_number or "")
        elif isinstance(r, Regulation):
            kw = dict(
                doc_number=r.doc_number or "",
                issuer="；".join(r.issuers),
                kind=r.kind,
                validity=r.validity,
                issued=r.issued,
                effective=r.effective,
            )
        d = dates[(rec.type, rec.id)]
        docs.append(
            SearchDoc(
                type=rec.type,
                id=rec.id,
                title=r.title,
                url=rec.url,
                body=body,
                summary=r.summary or "",
                tags=tuple(r.tags),
                date=rec.sort_date,
                link=base + _side_prefix(rec, config) + rec.url,
                published=d.published,
                updated=d.updated,
                **kw,
            )
        )
    return docs


def static_docs(public: Sequence[PublicRecord[Record]], config: SiteConfig) -> list[Any]:
    """Documents for the public, static in-browser index (``static_search``)."""
    from ..legal_structure import parse as law_structure
    from ..static_search import StaticDoc, normalize

    lang = config.language
    docs = []
    for rec in public:
        if rec.is_tombstone:
            continue
        r = rec.record
        date = rec.sort_date
        filters: dict[str, tuple[str, ...]] = {"type": (rec.type,)}
        if date is not None:
            filters["year"] = (str(date.year),)
        if isinstance(r, Disclosure):
            filters["category"] = (r.category,)
        elif isinstance(r, Regulation):
            filters.update(issuer=tuple(r.issuers), kind=(r.kind,), validity=(r.validity,))
        body = rec.body_text
        excerpt = r.summary or body[:120]
        articles: tuple[tuple[str, str, str], ...] = ()
        if isinstance(r, Regulation):
            structure = law_structure(body, lines=True)
            if structure.structured:
                articles = tuple((normalize(a.label), a.alias, a.text) for a in structure.articles)
        docs.append(
            StaticDoc(
                url=rec.url,
                title=r.title,
                type=rec.type,
                date=date,
                text=record_text(rec, lang),
                excerpt=excerpt,
                filters=filters,
                articles=articles,
            )
        )
    return docs
