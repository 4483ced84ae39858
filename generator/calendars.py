"""iCalendar (RFC 5545) files for open days, from PublicRecords only.

Stage: writer.  ``/open-days/calendar.ics`` has every published open day;
``/open-days/<id>/event.ics`` one event ("添加到日历").  UIDs are stable
(``<id>@<host>``), times are in the site's zone with its VTIMEZONE, a
cancelled event has ``STATUS:CANCELLED``, and ``SEQUENCE`` comes from
``dates.record_dates`` (it rises whenever the event's time, place or status
changed in git).  DTSTAMP is the event's last-changed date, so two builds of
the same input are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone, vText

from .config import SiteConfig
from .dates import Key, RecordDates
from .i18n import t as _t
from .privacy import PublicRecord
from .records import OpenDay, Record

__all__ = ["calendar_files", "event_ics_path", "CALENDAR_PATH"]

CALENDAR_PATH = "/open-days/calendar.ics"


def event_ics_path(rec: PublicRecord[Record]) -> str:
    return f"{rec.url}event.ics"


def _local(value: dt.datetime, config: SiteConfig) -> dt.datetime:
    return value.astimezone(config.tz)


def _description(rec: PublicRecord[Record], config: SiteConfig) -> str:
    r = rec.of(OpenDay)
    lang = config.language
    lines = [r.summary] if r.summary else []
    reg = r.registration
    if reg is not None:
        parts = []
        if reg.opens or reg.closes:
            opens = f"{_local(reg.opens, config):%Y-%m-%d %H:%M}" if reg.opens else ""
            closes = f"{_local(reg.closes, config):%Y-%m-%d %H:%M}" if reg.closes else ""
            parts.append(f"{_t('reg_window', lang)}：{opens} – {closes}")
        if reg.method:
            parts.append(f"{_t('reg_method', lang)}：{reg.method}")
        if reg.contact:
            parts.append(f"{_t('reg_contact', lang)}：{reg.contact}")
        if reg.url:
            parts.append(reg.url)
        if parts:
            lines.append(f"{_t('registration', lang)}：" + "；".join(parts))
    if r.audience:
        lines.append(f"{_t('audience', lang)}：{r.audience}")
    for a in r.agenda:
        lines.append(f"{a.time} {a.item}")
    lines.append(config.site_url.rstrip("/") + rec.url)
    return "\n".join(lines)


def _event(rec: PublicRecord[Record], d: RecordDates, config: SiteConfig) -> Event:
    r = rec.of(OpenDay)
    host = urlsplit(config.site_url).hostname or "localhost"
    ev = Event()
    ev.add("uid", f"{rec.id}@{host}")
    ev.add("dtstamp", dt.datetime.combine(d.updated, dt.time(0, 0), tzinfo=dt.UTC))
    ev.add("sequence", d.sequence)
    ev.add("dtstart", _local(r.start, config))
    ev.add("dtend", _local(r.end, config))
    ev.add("summary", r.title)
    ev.add("location", vText(f"{r.location.name}（{r.location.address}）"))
    ev.add("url", config.site_url.rstrip("/") + rec.url)
    ev.add("description", _description(rec, config))
    status = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}.get(r.event_status, "CONFIRMED")
    ev.add("status", status)
    ev.add("transp", "OPAQUE")
    return ev


_END = b"END:VCALENDAR\r\n"


def _calendar(events: Sequence[bytes], config: SiteConfig, name: str) -> bytes:
    """A VCALENDAR of the given VEVENTs (each ``Event.to_ical()``): its own properties, the
    zone's VTIMEZONE first (as calendar programs expect), then the events.  The same bytes
    as one ``Calendar`` holding both as subcomponents (icalendar writes a component as its
    content lines, its subcomponents' in order: ``test_calendars_are_what_icalendar_writes``),
    but each event and the zone written once, not once per file they are in."""
    cal = Calendar()
    cal.add("prodid", "-//OpenAffairs//open days//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", config.timezone)
    head: bytes = cal.to_ical()
    assert head.endswith(_END)
    return head[: -len(_END)] + _vtimezone_ical(config.timezone) + b"".join(events) + _END


@functools.lru_cache(maxsize=4)
def _vtimezone(name: str) -> Timezone:
    """The zone's VTIMEZONE (from the zone database; computing it is slow, so once)."""
    return Timezone.from_tzid(name)


@functools.lru_cache(maxsize=4)
def _vtimezone_ical(name: str) -> bytes:
    ical: bytes = _vtimezone(name).to_ical()
    return ical


def calendar_files(
    public: Sequence[PublicRecord[Record]], config: SiteConfig, dates: dict[Key, RecordDates]
) -> dict[str, bytes]:
    events = sorted(
        ((p, dates[(p.type, p.id)]) for p in public if p.type == "open-days" and not p.is_tombstone),
        key=lambda x: (x[0].of(OpenDay).start, x[0].id),
    )
    name = f"{_t('open-days', config.language)} - {config.site_name}"
    icals = [_event(rec, d, config).to_ical() for rec, d in events]
    out = {CALENDAR_PATH.lstrip("/"): _calendar(icals, config, name)}
    for (rec, _), ical in zip(events, icals, strict=True):
        out[event_ics_path(rec).lstrip("/")] = _calendar([ical], config, rec.title)
    return out
