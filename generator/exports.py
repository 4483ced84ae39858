"""Open data written beside the pages, from PublicRecords only.

Stage: writer (data in, bytes out; the site writer puts them on disk).

* ``/data/<type>.csv`` -- UTF-8 with BOM (spreadsheet programs open Chinese
  correctly), two header rows: Chinese (or English) labels, then machine
  codes; closed value sets as a code column plus a label column;
* ``/data/<type>.json`` -- the same records, lists as arrays;
* ``/data/datapackage.json`` -- a Frictionless Data Package describing every
  field of every CSV;
* ``/data/changes.json`` -- the publication log (every publication, major
  change and withdrawal with its date) for mirrors that sync incrementally;
* ``/data/openaffairs-data.zip`` -- all of the above;
* ``/<type>/<id>/index.json`` -- the JSON twin of every record page;
* feeds (``feeds.py``), calendars (``calendars.py``), ``robots.txt``;
* the old ``/regulations/regulations.csv`` and ``/feed.xml`` addresses.

``public_body`` is the one place that decides what of a record's body the
data files carry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cache import digest
from .config import SiteConfig
from .dates import Key, RecordDates, digest_with_dates, record_dates
from .i18n import label
from .i18n import t as _t
from .privacy import PublicRecord
from .records import TYPE_NAMES, Disclosure, Guide, OpenDay, Page, Record, Regulation

if TYPE_CHECKING:
    from .feeds import PubEvent

__all__ = [
    "export_files",
    "regulations_csv",
    "FIELDS",
    "record_json",
    "public_body",
    "data_tables",
    "encode_all",
    "ExportMemo",
    "sitemap_xml",
    "robots_txt",
]

LIST_SEP = "；"

CSV_COLUMNS = ["id", "title", "doc_number", "issuer", "kind", "issued", "effective", "validity", "url"]


def regulations_csv(public: Sequence[PublicRecord[Record]], config: SiteConfig) -> bytes:
    """The original regulation index (kept at its old address for existing users)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    regs = sorted(
        (p for p in public if p.type == "regulations" and not p.is_tombstone),
        key=lambda p: (p.of(Regulation).issued, p.id),
        reverse=True,
    )
    for p in regs:
        r = p.of(Regulation)
        writer.writerow(
            [
                r.id,
                r.title,
                r.doc_number or "",
                "；".join(r.issuers),
                r.kind,
                r.issued.isoformat(),
                r.effective.isoformat() if r.effective else "",
                r.validity,
                config.site_url.rstrip("/") + p.url,
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def public_body(rec: PublicRecord[Record]) -> str:
    """The record's body as the data files carry it: the HTML fragment the privacy
    filter rendered, sanitised and filtered (``body_html``).  One function decides it."""
    return "" if rec.is_tombstone else rec.body_html


@dataclass(frozen=True)
class Field:
    name: str  # machine code: CSV second header row, JSON key
    zh: str
    en: str
    type: str  # Frictionless type: string, date, datetime, integer, array
    get: Callable[[PublicRecord[Record], Ctx], Any]
    description: str = ""


@dataclass(frozen=True)
class Ctx:
    config: SiteConfig
    dates: dict[Key, RecordDates]

    def abs(self, path: str) -> str:
        return self.config.site_url.rstrip("/") + path

    def lang(self) -> str:
        return self.config.language


def _r(attr: str) -> Callable[[PublicRecord[Record], Ctx], Any]:
    return lambda p, c: getattr(p.record, attr, None)


def _lbl(group: str, attr: str) -> Callable[[PublicRecord[Record], Ctx], Any]:
    def get(p: PublicRecord[Record], c: Ctx) -> Any:
        value = getattr(p.record, attr, None)
        return label(group, value, c.lang()) if value is not None else None

    return get


def _local(attr: str) -> Callable[[PublicRecord[Record], Ctx], Any]:
    def get(p: PublicRecord[Record], c: Ctx) -> Any:
        value = getattr(p.record, attr, None)
        return value.astimezone(c.config.tz) if isinstance(value, dt.datetime) else value

    return get


def _reg(attr: str) -> Callable[[PublicRecord[Record], Ctx], Any]:
    def get(p: PublicRecord[Record], c: Ctx) -> Any:
        reg = p.of(OpenDay).registration
        value = getattr(reg, attr, None) if reg is not None else None
        if isinstance(value, dt.datetime):
            return value.astimezone(c.config.tz)
        return None if value is None else str(value) if not isinstance(value, dt.date) else value

    return get


def _files(p: PublicRecord[Record], c: Ctx) -> list[str]:
    return [c.abs(f.href) for f in p.files]


COMMON = [
    Field("id", "编号", "ID", "string", lambda p, c: p.id),
    Field("title", "标题", "Title", "string", lambda p, c: p.title),
    Field("url", "网址", "URL", "string", lambda p, c: c.abs(p.url)),
    Field(
        "published",
        "发布日期",
        "Published",
        "date",
        lambda p, c: c.dates[(p.type, p.id)].published,
        "first published on the site",
    ),
    Field(
        "updated",
        "更新日期",
        "Last updated",
        "date",
        lambda p, c: c.dates[(p.type, p.id)].updated,
        "last change of what is published",
    ),
    Field("summary", "摘要", "Summary", "string", _r("summary")),
    Field("lang", "语言", "Language", "string", lambda p, c: p.record.lang or c.lang(), "zh or en"),
    Field("tags", "标签", "Tags", "array", lambda p, c: list(p.record.tags)),
]

PER_TYPE: dict[str, list[Field]] = {
    "disclosures": [
        Field("category", "类别代码", "Category code", "string", _r("category")),
        Field("category_label", "类别", "Category", "string", _lbl("category", "category")),
        Field("date", "日期", "Date", "date", _r("date"), "date of the disclosed act"),
        Field("case_number", "案号", "Case number", "string", _r("case_number")),
        Field("department", "承办部门", "Department", "string", _r("department")),
        Field(
            "parties",
            "当事人",
            "Parties",
            "array",
            lambda p, c: [f"{x.name}（{label('role', x.role, c.lang())}）" for x in p.of(Disclosure).parties],
            "anonymised as published",
        ),
        Field(
            "legal_basis",
            "法律依据",
            "Legal basis",
            "array",
            lambda p, c: list(p.of(Disclosure).legal_basis),
            "ids of regulations (/regulations/<id>/)",
        ),
        Field("attachments", "附件", "Attachments", "array", _files),
    ],
    "regulations": [
        Field("doc_number", "文号", "Document number", "string", _r("doc_number")),
        Field("issuer", "制定机关", "Issued by", "array", lambda p, c: p.of(Regulation).issuers),
        Field("kind", "效力级别代码", "Kind code", "string", _r("kind")),
        Field("kind_label", "效力级别", "Kind", "string", _lbl("kind", "kind")),
        Field("issued", "公布日期", "Promulgated", "date", _r("issued")),
        Field("effective", "施行日期", "In force from", "date", _r("effective")),
        Field("validity", "时效性代码", "Validity code", "string", _r("validity")),
        Field("validity_label", "时效性", "Validity", "string", _lbl("validity", "validity")),
        Field("amends", "修改", "Amends", "array", lambda p, c: list(p.of(Regulation).amends)),
        Field("amended_by", "被修改", "Amended by", "array", lambda p, c: list(p.of(Regulation).amended_by)),
        Field("repeals", "废止", "Repeals", "array", lambda p, c: list(p.of(Regulation).repeals)),
        Field("repealed_by", "被废止", "Repealed by", "array", lambda p, c: list(p.of(Regulation).repealed_by)),
        Field("source", "官方文本", "Official text", "string", _r("source")),
    ],
    "open-days": [
        Field("start", "开始时间", "Starts", "datetime", _local("start")),
        Field("end", "结束时间", "Ends", "datetime", _local("end")),
        Field("location_name", "地点", "Place", "string", lambda p, c: p.of(OpenDay).location.name),
        Field("location_address", "地址", "Address", "string", lambda p, c: p.of(OpenDay).location.address),
        Field("capacity", "名额", "Places", "integer", _r("capacity")),
        Field(
            "event_status",
            "状态代码",
            "Status code",
            "string",
            _r("event_status"),
            "scheduled, full, postponed or cancelled",
        ),
        Field(
            "event_status_label",
            "状态",
            "Status",
            "string",
            lambda p, c: _t(p.of(OpenDay).event_status, c.lang()),
        ),
        Field("audience", "面向对象", "Audience", "string", _r("audience")),
        Field("registration_opens", "报名开始", "Registration opens", "datetime", _reg("opens")),
        Field("registration_closes", "报名截止", "Registration closes", "datetime", _reg("closes")),
        Field("registration_method", "报名方式", "How to register", "string", _reg("method")),
        Field("registration_contact", "咨询电话", "Contact", "string", _reg("contact")),
        Field("calendar", "日历", "Calendar (.ics)", "string", lambda p, c: c.abs(p.url + "event.ics")),
    ],
    "guides": [
        Field("service", "事项代码", "Service code", "string", _r("service")),
        Field("eligibility", "申请条件", "Who can apply", "array", lambda p, c: list(p.of(Guide).eligibility)),
        Field(
            "required_documents",
            "所需材料",
            "What to bring",
            "array",
            lambda p, c: list(p.of(Guide).required_documents),
        ),
        Field("steps", "办理流程", "Steps", "array", lambda p, c: list(p.of(Guide).steps)),
        Field(
            "offices",
            "办理地点",
            "Where to apply",
            "array",
            lambda p, c: [
                "，".join(str(x) for x in (o.name, o.address, o.hours, o.phone) if x) for o in p.of(Guide).offices
            ],
        ),
        Field("time_limit", "办理时限", "Time limit", "string", _r("time_limit")),
        Field("fee", "收费标准", "Fee", "string", _r("fee")),
        Field("legal_basis", "法律依据", "Legal basis", "array", lambda p, c: list(p.of(Guide).legal_basis)),
        Field("forms", "表格下载", "Forms", "array", _files),
    ],
    "pages": [],
}

FIELDS: dict[str, list[Field]] = {t: COMMON + PER_TYPE[t] for t in TYPE_NAMES}


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEP.join(str(_json_value(v)) for v in value)
    return str(_json_value(value))


def _live(public: Sequence[PublicRecord[Record]], type_: str) -> list[PublicRecord[Record]]:
    rows = [p for p in public if p.type == type_ and not p.is_tombstone]
    return sorted(rows, key=lambda p: p.id)


def _row(p: PublicRecord[Record], ctx: Ctx) -> dict[str, Any]:
    return {f.name: _json_value(f.get(p, ctx)) for f in FIELDS[p.type]}


def record_json(p: PublicRecord[Record], ctx: Ctx) -> dict[str, Any]:
    """The JSON twin of a record page: the page's public fields, absolute URLs, dates."""
    d = ctx.dates[(p.type, p.id)]
    if p.is_tombstone:
        return {
            "type": p.type,
            "id": p.id,
            "title": p.title,
            "url": ctx.abs(p.url),
            "status": "withdrawn",
            "published": d.published.isoformat(),
            "updated": d.updated.isoformat(),
            "withdrawn_on": p.record.withdrawn_on.isoformat() if p.record.withdrawn_on else None,
            "withdrawn_reason": p.record.withdrawn_reason,
        }
    out: dict[str, Any] = {"type": p.type, "status": "published", **_row(p, ctx)}
    out["changes"] = [
        {"date": c.date.isoformat(), "note": c.note, "minor": c.minor}
        for c in sorted(p.record.changes, key=lambda c: c.date, reverse=True)
    ]
    out["files"] = [{"title": f.title, "url": ctx.abs(f.href), "size": f.size} for f in p.files]
    out["cited_by"] = [
        {"type": t, "id": i, "title": title, "url": ctx.abs(f"/{t}/{i}/")} for t, i, title in p.backlinks
    ]
    r = p.record
    if isinstance(r, OpenDay):
        out["agenda"] = [{"time": str(a.time), "item": a.item} for a in r.agenda]
    if isinstance(r, Page):
        out["nav_order"] = r.nav_order
    out["body_html"] = public_body(p)
    out["body_text"] = p.body_text
    return out


def _dumps(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


# One record's encoded exports: (its JSON twin, its CSV line, its element of the
# ``records`` array of data/<type>.json as indented there); a tombstone has no rows ("").
Encoded = tuple[bytes, str, str]


class _Line:
    """A csv writer's stream that hands back the line instead of keeping it."""

    @staticmethod
    def write(line: str) -> str:
        return line


class ExportMemo:
    """Each record's encoded exports of the last build, by a digest of everything they are
    made of (``record_key``): a record whose public copy, back-links, dates and side config
    are unchanged is not encoded again (issue 13).  ``current`` is what this build used;
    only PublicRecords given to ``export_files`` are ever encoded (nothing of a held-back
    record)."""

    def __init__(self, previous: dict[str, Encoded] | None = None) -> None:
        self.previous = previous or {}
        self.current: dict[str, Encoded] = {}
        self.hits = 0
        self.misses = 0


def record_key(p: PublicRecord[Record], ctx: Ctx, side: str) -> str:
    """A digest of what a record's exports are made of: the public copy as a whole and
    its dates (``dates.digest_with_dates``) and ``side`` (the digest of the side's config)."""
    return digest(side, digest_with_dates(p, ctx.dates))


def _encode(p: PublicRecord[Record], ctx: Ctx, writer: Any) -> Encoded:
    twin = _dumps(record_json(p, ctx))
    if p.is_tombstone:
        return twin, "", ""
    row = _row(p, ctx)
    line: str = writer.writerow([_csv_value(row[f.name]) for f in FIELDS[p.type]])
    element = json.dumps(row, ensure_ascii=False, indent=1)
    return twin, line, "  " + element.replace("\n", "\n  ")


def encode_all(public: Sequence[PublicRecord[Record]], ctx: Ctx, memo: ExportMemo | None = None) -> dict[Key, Encoded]:
    """Every record's encoded exports, from ``memo`` when the record's key is there."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    if memo is None:
        return {(p.type, p.id): _encode(p, ctx, writer) for p in public}
    side = digest(ctx.config.model_dump_json())
    out: dict[Key, Encoded] = {}
    for p in public:
        key = record_key(p, ctx, side)
        enc = memo.current.get(key) or memo.previous.get(key)
        if enc is None:
            enc = _encode(p, ctx, writer)
            memo.misses += 1
        else:
            memo.hits += 1
        memo.current[key] = enc
        out[(p.type, p.id)] = enc
    return out


def data_tables(
    public: Sequence[PublicRecord[Record]], ctx: Ctx, encoded: dict[Key, Encoded] | None = None
) -> dict[str, bytes]:
    """``data/<type>.csv`` and ``data/<type>.json`` for every type (the JSON exactly as
    ``json.dumps(..., indent=1)`` writes it, assembled from the records' encoded rows)."""
    lang = ctx.lang()
    if encoded is None:
        encoded = encode_all(public, ctx)
    out: dict[str, bytes] = {}
    for type_ in TYPE_NAMES:
        fields = FIELDS[type_]
        rows = [encoded[(p.type, p.id)] for p in _live(public, type_)]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([f.en if lang == "en" else f.zh for f in fields])
        writer.writerow([f.name for f in fields])
        out[f"data/{type_}.csv"] = ("\ufeff" + buf.getvalue() + "".join(r[1] for r in rows)).encode("utf-8")
        head = json.dumps(
            {
                "type": type_,
                "title": _t(type_, lang),
                "count": len(rows),
                "fields": [{"name": f.name, "title": f.zh, "title_en": f.en, "type": f.type} for f in fields],
                "records": [],
            },
            ensure_ascii=False,
            indent=1,
        )
        if rows:
            head = head[: -len("[]\n}")] + "[\n" + ",\n".join(r[2] for r in rows) + "\n ]\n}"
        out[f"data/{type_}.json"] = (head + "\n").encode("utf-8")
    return out


def header_names(fields: Sequence[Field], lang: str) -> list[str]:
    """Field names as a Frictionless reader joins the two header rows."""
    return [f"{f.en if lang == 'en' else f.zh} {f.name}" for f in fields]


def datapackage(ctx: Ctx, files: dict[str, bytes], now: dt.datetime) -> bytes:
    import hashlib

    lang = ctx.lang()
    config = ctx.config
    resources = []
    for type_ in TYPE_NAMES:
        path = f"data/{type_}.csv"
        fields = FIELDS[type_]
        schema_fields = []
        for f, name in zip(fields, header_names(fields, lang), strict=True):
            field: dict[str, Any] = {
                "name": name,
                "title": f.zh if lang == "zh" else f.en,
                "type": "string" if f.type == "array" else f.type,
                "description": "; ".join(
                    x
                    for x in (
                        f"code: {f.name}",
                        f"English: {f.en}",
                        f"中文：{f.zh}",
                        f"list, items separated by '{LIST_SEP}'" if f.type == "array" else "",
                        f.description,
                    )
                    if x
                ),
            }
            if f.name == "id":
                field["constraints"] = {"required": True, "unique": True}
            schema_fields.append(field)
        resources.append(
            {
                "name": type_.replace("-", "_"),
                "path": f"{type_}.csv",
                "profile": "tabular-data-resource",
                "title": _t(type_, lang),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "hash": "sha256:" + hashlib.sha256(files[path]).hexdigest(),
                "bytes": len(files[path]),
                "dialect": {"delimiter": ",", "headerRows": [1, 2], "headerJoin": " "},
                "schema": {"fields": schema_fields, "primaryKey": [header_names(fields, lang)[0]]},
            }
        )
    pkg = {
        "profile": "tabular-data-package",
        "name": "openaffairs-data",
        "title": f"{config.site_name} 开放数据 / open data",
        "description": (
            "本站公开记录的数据文件（仅公开内容）。Published records of the site (public content only). "
            "JSON twins: <type>.json; publication log: changes.json."
        ),
        "homepage": ctx.abs("/data/"),
        "created": now.astimezone(config.tz).replace(microsecond=0).isoformat(),
        "publisher": config.office_name or config.site_name,
        "resources": resources,
    }
    return _dumps(pkg)


def changes_json(public: Sequence[PublicRecord[Record]], ctx: Ctx, events: Sequence[PubEvent] | None = None) -> bytes:
    """data/changes.json; ``events``: ``publication_events(public, ctx.dates)`` when the caller has them."""
    from .feeds import publication_events

    items = []
    for e in events if events is not None else publication_events(public, ctx.dates):
        item: dict[str, Any] = {
            "date": e.day.isoformat(),
            "event": e.kind,
            "type": e.rec.type,
            "id": e.rec.id,
            "title": e.rec.title,
            "url": ctx.abs(e.rec.url + e.anchor),
            "json": ctx.abs(e.rec.url + "index.json"),
        }
        if e.note:
            item["note"] = e.note
        items.append(item)
    return _dumps({"site": ctx.config.site_url, "count": len(items), "events": items})


def _zip(files: dict[str, bytes], stamp: dt.datetime) -> bytes:
    buf = io.BytesIO()
    when = stamp.astimezone(dt.UTC)
    date_time = (max(1980, when.year), when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    return buf.getvalue()


def robots_txt(config: SiteConfig) -> bytes:
    return (
        f"User-agent: *\nAllow: /\nDisallow: /search/\n\nSitemap: {config.site_url.rstrip('/')}/sitemap.xml\n"
    ).encode()


def sitemap_xml(entries: Sequence[tuple[str, dt.date]], config: SiteConfig) -> bytes:
    """The sitemap of ``entries`` (``sitemap_entries``: every page with ``lastmod`` = the
    last change of what it shows, not the build date)."""
    from xml.sax.saxutils import escape

    base = config.site_url.rstrip("/")
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in entries:
        out.append(f"<url><loc>{escape(base + url)}</loc><lastmod>{lastmod.isoformat()}</lastmod></url>")
    out.append("</urlset>")
    return ("\n".join(out) + "\n").encode("utf-8")


def sitemap_entries(
    pages: Sequence[str],
    public: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    dates: dict[Key, RecordDates],
    now: dt.datetime,
) -> list[tuple[str, dt.date]]:
    """(site path, lastmod) of every page of the sitemap, sorted; ``pages`` are docs paths."""
    by_url = {p.url: dates[(p.type, p.id)].updated for p in public}
    newest = max(by_url.values(), default=now.astimezone(config.tz).date())
    by_type: dict[str, dt.date] = {}
    for p in public:
        d = dates[(p.type, p.id)].updated
        by_type[p.type] = max(by_type.get(p.type, d), d)
    out = []
    for path in sorted(pages):
        url = "/" + path[: -len("index.md")] if path.endswith("index.md") else "/" + path[:-3] + "/"
        if url.startswith("/search/"):
            continue
        parts = url.strip("/").split("/")
        out.append((url, by_url.get(url) or (by_type.get(parts[0], newest) if parts[0] else newest)))
    return out


def export_files(
    public: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    dates: dict[Key, RecordDates] | None = None,
    now: dt.datetime | None = None,
    memo: ExportMemo | None = None,
) -> dict[str, bytes]:
    """Every data file of the site (docs-relative path -> bytes); with a ``memo``, the records
    encoded by the last build are reused (the bytes are the same)."""
    from .calendars import calendar_files
    from .feeds import feed_files, publication_events

    now = now or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    dates = dates if dates is not None else record_dates(public, config, git=False)
    ctx = Ctx(config, dates)
    from .rendering import with_backlinks

    public = with_backlinks(public)
    files: dict[str, bytes] = {"regulations/regulations.csv": regulations_csv(public, config)}
    events = publication_events(public, dates)  # the feeds' and changes.json's (at 100,000 records 0.7 s)
    files.update(feed_files(public, config, dates, now, events))
    files.update(calendar_files(public, config, dates))
    encoded = encode_all(public, ctx, memo)
    data = data_tables(public, ctx, encoded)
    data["data/changes.json"] = changes_json(public, ctx, events)
    data["data/datapackage.json"] = datapackage(ctx, data, now)
    files.update(data)
    files["data/openaffairs-data.zip"] = _zip({k[len("data/") :]: v for k, v in data.items()}, now)
    for p in public:
        files[f"{p.type}/{p.id}/index.json"] = encoded[(p.type, p.id)][0]
    files["robots.txt"] = robots_txt(config)
    return files
