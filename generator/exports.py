"""Open data written beside the pages, from PublicRecords only.

Stage: writer (data in, bytes out; the site writer puts them on disk).
For now: the regulation index as CSV (UTF-8 with BOM so that spreadsheet
programs open Chinese correctly) and an RSS feed of the latest disclosures.
"""

from __future__ import annotations

import csv
import io
from email.utils import format_datetime
import datetime as dt
from typing import Any, Sequence
from xml.sax.saxutils import escape

from .config import SiteConfig
from .privacy import PublicRecord

__all__ = ["export_files", "regulations_csv", "rss_feed"]

CSV_COLUMNS = ["id", "title", "doc_number", "issuer", "kind", "issued", "effective", "validity", "url"]


def regulations_csv(public: Sequence[PublicRecord[Any]], config: SiteConfig) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    regs = sorted((p for p in public if p.type == "regulations" and not p.is_tombstone),
                  key=lambda p: (p.record.issued, p.id), reverse=True)
    for p in regs:
        r = p.record
        writer.writerow([r.id, r.title, r.doc_number or "", "；".join(r.issuers), r.kind.value,
                         r.issued.isoformat(), r.effective.isoformat() if r.effective else "",
                         r.validity.value, config.site_url.rstrip("/") + p.url])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _plain(text: str) -> str:
    """Feed readers render RSS titles and descriptions as HTML: the text is escaped
    once for HTML (so it stays text) and once more for XML."""
    return escape(escape(text))


def rss_feed(public: Sequence[PublicRecord[Any]], config: SiteConfig, limit: int = 50) -> bytes:
    items = sorted((p for p in public if p.type == "disclosures" and not p.is_tombstone),
                   key=lambda p: (p.record.date, p.id), reverse=True)[:limit]
    base = config.site_url.rstrip("/")
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0"><channel>',
           f"<title>{_plain(config.site_name)}</title>", f"<link>{escape(config.site_url)}</link>",
           f"<description>{_plain(config.site_description or config.site_name)}</description>",
           f"<language>{'zh-cn' if config.language == 'zh' else 'en'}</language>"]
    for p in items:
        r = p.record
        when = dt.datetime.combine(r.date, dt.time(0, 0), tzinfo=config.tz)
        out.append("<item>" f"<title>{_plain(r.title)}</title>" f"<link>{escape(base + p.url)}</link>"
                   f"<guid>{escape(base + p.url)}</guid>" f"<pubDate>{format_datetime(when)}</pubDate>"
                   + (f"<description>{_plain(r.summary)}</description>" if r.summary else "") + "</item>")
    out.append("</channel></rss>")
    return "\n".join(out).encode("utf-8")


def export_files(public: Sequence[PublicRecord[Any]], config: SiteConfig) -> dict[str, bytes]:
    return {
        "regulations/regulations.csv": regulations_csv(public, config),
        "feed.xml": rss_feed(public, config),
    }
