"""schema.org JSON-LD, Open Graph tags and feed links for a page's <head>.

Stage: rendering (pure).  Everything comes from PublicRecord and the site's
configuration.  The result is one HTML string that the theme prints raw into
<head> (``page.meta.oa_head``): every attribute value is HTML-escaped here and
the JSON-LD is serialised so that ``<``, ``>`` and ``&`` never appear
literally (``\\u003c`` ...), so a hostile title cannot end the ``<script>``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import escape

from .config import SiteConfig
from .dates import RecordDates
from .i18n import label
from .i18n import t as _t
from .privacy import PublicRecord
from .records import Disclosure, Guide, OpenDay, Record, Regulation

__all__ = ["jsonld_script", "record_jsonld", "home_jsonld", "head_html", "absolute"]

_LEGAL_FORCE = {  # schema.org LegalForceStatus
    "in-force": "https://schema.org/InForce",
    "amended": "https://schema.org/PartiallyInForce",
    "repealed": "https://schema.org/NotInForce",
    "not-yet-effective": "https://schema.org/NotInForce",
}
_EVENT_STATUS = {
    "scheduled": "https://schema.org/EventScheduled",
    "full": "https://schema.org/EventScheduled",
    "postponed": "https://schema.org/EventPostponed",
    "cancelled": "https://schema.org/EventCancelled",
}


def absolute(config: SiteConfig, path: str) -> str:
    return config.site_url.rstrip("/") + path


def jsonld_script(data: Any) -> str:
    """A ``<script type="application/ld+json">`` block that no value can break out of."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/ld+json">{text}</script>'


def _organization(config: SiteConfig) -> dict[str, Any]:
    return {"@type": "GovernmentOrganization", "name": config.office_name or config.site_name, "url": config.site_url}


def _iso(value: dt.date | dt.datetime, config: SiteConfig) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(config.tz).isoformat()
    return value.isoformat()


def breadcrumbs(rec: PublicRecord[Record], config: SiteConfig) -> dict[str, Any]:
    lang = config.language
    trail = [(_t("home", lang), "/"), (_t(rec.type, lang), f"/{rec.type}/"), (rec.title, rec.url)]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": absolute(config, url)}
            for i, (name, url) in enumerate(trail, 1)
        ],
    }


def record_jsonld(
    rec: PublicRecord[Record],
    dates: RecordDates,
    config: SiteConfig,
    lookup: Any = None,
    href: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """The JSON-LD objects of a record page: the record itself and its breadcrumbs.
    ``href``: site path of a linked record -> its absolute URL (on a two-language site the
    other side's records live under another root, issue 10); default: under ``config.site_url``."""

    def linked(path: str) -> str:
        return href(path) if href is not None else absolute(config, path)

    r = rec.record
    url = absolute(config, rec.url)
    base: dict[str, Any] = {
        "@context": "https://schema.org",
        "name": r.title,
        "url": url,
        "@id": url,
        "inLanguage": r.lang or config.language,
        "datePublished": dates.published.isoformat(),
        "dateModified": dates.updated.isoformat(),
        "publisher": _organization(config),
    }
    if r.summary and not rec.is_tombstone:
        base["description"] = r.summary
    if rec.is_tombstone:
        obj = {**base, "@type": "WebPage"}
    elif isinstance(r, Regulation):

        def links(ids: Sequence[str]) -> list[dict[str, Any]]:
            return [
                {
                    "@type": "Legislation",
                    "@id": linked(f"/regulations/{i}/"),
                    "url": linked(f"/regulations/{i}/"),
                }
                for i in ids
                if lookup is None or lookup("regulations", i) is not None
            ]

        obj = {
            **base,
            "@type": "Legislation",
            "legislationDate": r.issued.isoformat(),
            "legislationPassedBy": [{"@type": "GovernmentOrganization", "name": n} for n in r.issuers],
            "legislationLegalForce": _LEGAL_FORCE[r.validity],
            "legislationType": label("kind", r.kind, config.language),
        }
        if r.doc_number:
            obj["legislationIdentifier"] = r.doc_number
        if r.effective:
            obj["legislationDateVersion"] = r.effective.isoformat()
        if r.amends:
            obj["legislationChanges"] = links(r.amends)
        if r.amended_by:
            obj["legislationConsolidates"] = links(r.amended_by)
        if r.source:
            obj["sameAs"] = r.source
    elif isinstance(r, OpenDay):
        obj = {
            **base,
            "@type": "Event",
            "startDate": _iso(r.start, config),
            "endDate": _iso(r.end, config),
            "eventStatus": _EVENT_STATUS[r.event_status],
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "location": {
                "@type": "Place",
                "name": r.location.name,
                "address": {"@type": "PostalAddress", "streetAddress": r.location.address},
            },
            "organizer": _organization(config),
        }
        if r.capacity:
            obj["maximumAttendeeCapacity"] = r.capacity
        if r.registration and (r.registration.opens or r.registration.closes):
            offer: dict[str, Any] = {
                "@type": "Offer",
                "price": 0,
                "priceCurrency": "CNY",
                "url": url,
                "availability": "https://schema.org/SoldOut"
                if r.event_status == "full"
                else "https://schema.org/InStock",
            }
            if r.registration.opens:
                offer["validFrom"] = _iso(r.registration.opens, config)
            if r.registration.closes:
                offer["validThrough"] = _iso(r.registration.closes, config)
            obj["offers"] = offer
            obj["isAccessibleForFree"] = True
    elif isinstance(r, Guide):
        obj = {**base, "@type": "GovernmentService", "serviceType": r.service, "provider": _organization(config)}
        if r.offices:
            obj["availableChannel"] = [
                {
                    "@type": "ServiceChannel",
                    "name": o.name,
                    **(
                        {"serviceLocation": {"@type": "Place", "name": o.name, "address": o.address}}
                        if o.address
                        else {}
                    ),
                }
                for o in r.offices
            ]
    elif isinstance(r, Disclosure):
        obj = {
            **base,
            "@type": "Article",
            "headline": r.title,
            "dateCreated": r.date.isoformat(),
            "articleSection": label("category", r.category, config.language),
        }
    else:
        obj = {**base, "@type": "WebPage"}
    return [obj, breadcrumbs(rec, config)]


def home_jsonld(config: SiteConfig) -> list[dict[str, Any]]:
    org = {"@context": "https://schema.org", **_organization(config), "@id": config.site_url}
    if config.site_description:
        org["description"] = config.site_description
    site = {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.site_name,
        "url": config.site_url,
        "inLanguage": config.language,
        "publisher": {"@id": config.site_url},
    }
    return [org, site]


def head_html(
    config: SiteConfig,
    *,
    url: str,
    title: str,
    description: str = "",
    og_type: str = "website",
    feeds: Sequence[tuple[str, str]] = (),
    jsonld: Sequence[dict[str, Any]] = (),
    json_twin: str = "",
    published: dt.date | None = None,
    updated: dt.date | None = None,
) -> str:
    """<link rel=alternate> for feeds, Open Graph tags and JSON-LD for one page."""
    # rel is a token list: "alternate feed" is feed autodiscovery for readers and browsers, but not the
    # exact rel="alternate" that mkdocs-material takes for a language version (it would fetch a
    # sitemap.xml beside every such link, from the site's public host even in a local preview)
    out = []
    for href, feed_title in feeds:
        out.append(
            f'<link rel="alternate feed" type="application/atom+xml" title="{escape(feed_title)}" href="{escape(absolute(config, href))}">'
        )
    if json_twin:
        out.append(
            f'<link rel="alternate describedby" type="application/json" href="{escape(absolute(config, json_twin))}">'
        )
    locale = "zh_CN" if config.language == "zh" else "en_GB"
    og = [
        ("og:type", og_type),
        ("og:site_name", config.site_name),
        ("og:title", title or config.site_name),
        ("og:url", absolute(config, url)),
        ("og:locale", locale),
    ]
    if description:
        og.append(("og:description", description))
    if published:
        og.append(("article:published_time", published.isoformat()))
    if updated:
        og.append(("article:modified_time", updated.isoformat()))
    for prop, value in og:
        out.append(f'<meta property="{escape(prop)}" content="{escape(value)}">')
    for obj in jsonld:
        out.append(jsonld_script(obj))
    return "\n".join(out)
