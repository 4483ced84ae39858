"""When each published record was first published and last changed.

Stage: writer input.  Three sources, first that applies:

1. ``content/.dates.json`` -- written by ``openaffairs export-public`` so that
   a site rebuilt from the public export carries the internal repository's
   dates (the loader skips dot-files, so it is no record);
2. git, when ``content/`` is inside a git work tree: the date of the first
   commit in which the record's file has ``status: approved`` (not before its
   ``publish_on``) and the date of the last commit that changed what is
   published of it (its front matter less the internal fields ``author``,
   ``approved_by``, ``approved_on``, ``status``, ``publish_on`` and the
   parties' ``private`` maps, plus its body).  Only commit dates are read:
   never a message, an author or a committer;
3. otherwise ``approved_on`` (or ``publish_on`` when later) and the newest
   ``changes`` entry.

For open days ``sequence`` (the iCalendar SEQUENCE) counts how often the
event's time, place or status changed among its published versions in git,
else how many major ``changes`` entries it has.

Only records the privacy filter let through are looked up; nothing of a
held-back record is read or returned.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .cache import digest
from .config import SiteConfig
from .privacy import PublicRecord
from .records import Record

__all__ = ["RecordDates", "record_dates", "DATES_FILE", "dates_json", "digest_with_dates", "Key"]

DATES_FILE = ".dates.json"
INTERNAL_FIELDS = ("author", "approved_by", "approved_on", "status", "publish_on")
EVENT_FIELDS = ("start", "end", "location", "event_status")

Key = tuple[str, str]  # (type, id)


@dataclass(frozen=True)
class RecordDates:
    published: dt.date
    updated: dt.date
    sequence: int = 0
    withdrawn: dt.date | None = None
    source: str = "fields"  # where the dates were found: "fields" | "git"
    exported: bool = False  # read from a public export's .dates.json


def digest_with_dates(record: PublicRecord[Record], dates: Mapping[Key, RecordDates]) -> str:
    """A digest of the public copy as a whole (``PublicRecord.digest``: outcome, filtered
    fields, attachments, back-links, body) and its dates (``repr``: deterministic from one
    process to the next): what a record's page and its open data are keyed by, besides
    their own inputs (``rendering._Renderer.record_key``, ``exports.record_key``)."""
    return digest(record.digest(), repr(dates[(record.type, record.id)]))


def _day(value: Any, tz: dt.tzinfo) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(tz).date()
    if isinstance(value, dt.date):
        return value
    return None


def major_changes(rec: PublicRecord[Record]) -> list[Any]:
    """The record's ``changes`` entries that are not ``minor: true``, oldest first."""
    return sorted((c for c in rec.record.changes if not getattr(c, "minor", False)), key=lambda c: c.date)


def _from_fields(rec: PublicRecord[Record], tz: dt.tzinfo) -> RecordDates:
    """From the public fields.  A tombstone keeps only its withdrawal date: that is
    then its publication date too (``source`` says "fields": the date is not known)."""
    r = rec.record
    candidates = [
        d
        for d in (_day(getattr(r, "approved_on", None), tz), _day(getattr(r, "publish_on", None), tz))
        if d is not None
    ]
    if candidates:
        published = max(candidates)
    elif rec.is_tombstone and r.withdrawn_on is not None:
        published = r.withdrawn_on
    else:
        published = rec.sort_date or dt.date(1970, 1, 1)
    changed = [c.date for c in r.changes if c.date >= published]
    updated = max([published, *changed])
    withdrawn = r.withdrawn_on if rec.is_tombstone else None
    if withdrawn is not None:
        updated = max(updated, withdrawn)
    return RecordDates(published, updated, len(major_changes(rec)), withdrawn, "fields")


# git ------------------------------------------------------------------------------------


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes | None:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            check=False,
            timeout=300,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_head(folder: Path) -> str:
    """The work tree and commit ``folder``'s history is read from ("" outside git): every
    date the build takes from git depends on nothing else of the repository."""
    out = _git(["rev-parse", "--show-toplevel", "HEAD"], folder)
    return out.decode("utf-8", "replace") if out is not None else ""


@dataclass
class _Version:
    day: dt.date
    data: dict[str, Any]
    body: str
    blob: str = ""


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[dict[str, Any], str] | None:
    from .yamlsource import YamlError, split_front_matter

    try:
        yaml_text, _, body, _ = split_front_matter(text.replace("\r\n", "\n"))
        data = yaml.load(yaml_text, Loader=_Loader)  # noqa: S506 - a safe loader
    except (YamlError, yaml.YAMLError):
        return None
    return (data, body) if isinstance(data, dict) else None


def _public_view(data: dict[str, Any]) -> str:
    view = {k: v for k, v in data.items() if k not in INTERNAL_FIELDS}
    if isinstance(view.get("parties"), list):
        view["parties"] = [
            {k: v for k, v in p.items() if k != "private"} if isinstance(p, dict) else p for p in view["parties"]
        ]
    return json.dumps(view, sort_keys=True, ensure_ascii=False, default=str)


def _history(paths: dict[str, Path], tz: dt.tzinfo, scope: Path) -> dict[str, list[_Version]]:
    """Versions of each file (keyed as in ``paths``) in commit order, from git;
    ``scope``: the content folder (only its history is read)."""
    if not paths or not scope.is_dir():
        return {}
    top = _git(["rev-parse", "--show-toplevel"], scope)
    if top is None:
        return {}
    root = Path(top.decode("utf-8").strip()).resolve()
    try:
        where = scope.resolve().relative_to(root).as_posix() or "."
    except ValueError:
        return {}
    wanted: dict[str, str] = {}
    for key, path in paths.items():
        try:
            wanted[path.resolve().relative_to(root).as_posix()] = key
        except ValueError:
            continue
    log = _git(["log", "--reverse", "--format=C %ct", "--raw", "--no-renames", "--no-abbrev", "--", where], root)
    if log is None:
        return {}
    changes: list[tuple[dt.date, str, str]] = []  # (day, key, blob)
    day = dt.date(1970, 1, 1)
    for line in log.decode("utf-8", errors="replace").splitlines():
        if line.startswith("C "):
            day = dt.datetime.fromtimestamp(int(line[2:]), dt.UTC).astimezone(tz).date()
        elif line.startswith(":") and "\t" in line:
            meta, name = line.split("\t", 1)
            parts = meta.split()
            if name in wanted and len(parts) >= 5:
                changes.append((day, wanted[name], "" if parts[4].startswith("D") else parts[3]))
    blobs = sorted({b for _, _, b in changes if b and set(b) != {"0"}})
    texts: dict[str, str] = {}
    if blobs:
        out = _git(["cat-file", "--batch"], root, ("\n".join(blobs) + "\n").encode())
        if out is None:
            return {}
        pos = 0
        while pos < len(out):
            end = out.index(b"\n", pos)
            header = out[pos:end].decode().split()
            pos = end + 1
            if len(header) == 3:
                size = int(header[2])
                texts[header[0]] = out[pos : pos + size].decode("utf-8", errors="replace")
                pos += size + 1
    history: dict[str, list[_Version]] = {}
    for day, key, blob in changes:
        parsed = _parse(texts[blob]) if blob in texts else None
        if parsed is None:
            history.setdefault(key, []).append(_Version(day, {}, ""))  # deleted or unreadable
        else:
            history.setdefault(key, []).append(_Version(day, parsed[0], parsed[1], blob))
    return history


def _from_git(
    rec: PublicRecord[Record],
    versions: list[_Version],
    tz: dt.tzinfo,
    working: tuple[dict[str, Any], str] | None = None,
    today: dt.date | None = None,
) -> RecordDates | None:
    published: dt.date | None = None
    updated: dt.date | None = None
    last_view = None
    last_event = None
    sequence = 0
    for v in versions:
        if v.data.get("status") != "approved":
            continue
        embargo = _day(v.data.get("publish_on"), tz)
        day = max(v.day, embargo) if embargo else v.day
        view = _public_view(v.data) + "\n" + v.body
        event = json.dumps([v.data.get(k) for k in EVENT_FIELDS], sort_keys=True, default=str)
        if published is None:
            published, updated = day, day
        elif view != last_view:
            updated = max(day, published)
        if last_event is not None and event != last_event:
            sequence += 1
        last_view, last_event = view, event
    if published is None or updated is None:
        return None
    if (
        today is not None
        and working is not None
        and working[0].get("status") == "approved"
        and _public_view(working[0]) + "\n" + working[1] != last_view
    ):
        updated = max(updated, today)  # changed in the work tree, not yet committed
    withdrawn = rec.record.withdrawn_on if rec.is_tombstone else None
    if withdrawn is not None:
        updated = max(updated, withdrawn)
    return RecordDates(published, updated, sequence, withdrawn, "git")


def _working(path: Path, versions: list[_Version]) -> tuple[dict[str, Any], str] | None:
    """The file as it is in the work tree, or None when it is its last commit's blob."""
    import hashlib

    try:
        raw = path.read_bytes()
    except OSError:
        return None
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
    if versions and versions[-1].blob == blob:
        return None
    return _parse(raw.decode("utf-8", errors="replace"))


def _source_file(source: str) -> Path:
    path = Path(source)
    return path if path.is_absolute() else (Path.cwd() / path)


def _from_export(config: SiteConfig) -> dict[Key, RecordDates]:
    """``content/.dates.json`` of a public export; a damaged one stops the build
    (silently falling back to other dates would change every date of the site)."""
    from .errors import BuildError, Problem

    path = config.content_path / DATES_FILE
    if not path.is_file():
        return {}
    shown = f"{config.content_dir.rstrip('/')}/{DATES_FILE}"
    hint = "it is written by 'openaffairs export-public'; export again, or delete it to take the dates from git"
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BuildError([Problem(shown, getattr(exc, "lineno", 0), f"not valid JSON ({exc})", hint)]) from None
    out = {}
    n, item = -1, None
    try:
        for n, item in enumerate(data["records"]):  # noqa: B007 - n names the bad record below
            out[(item["type"], item["id"])] = RecordDates(
                dt.date.fromisoformat(item["published"]),
                dt.date.fromisoformat(item["updated"]),
                int(item.get("sequence", 0)),
                dt.date.fromisoformat(item["withdrawn"]) if item.get("withdrawn") else None,
                "git" if item.get("source") == "git" else "fields",
                exported=True,
            )
    except (ValueError, KeyError, TypeError) as exc:
        where, line = "the file", 0
        if n >= 0:
            where = f"record {n + 1}"
            marker = json.dumps(str(item.get("id", "")), ensure_ascii=False) if isinstance(item, dict) else ""
            at = text.find(marker) if marker else -1
            line = text[:at].count("\n") + 1 if at >= 0 else 0
        raise BuildError(
            [
                Problem(
                    shown,
                    line,
                    f"{where}: expected type, id, published and updated dates "
                    f"like 2026-03-02 ({type(exc).__name__}: {exc})",
                    hint,
                )
            ]
        ) from None
    return out


def record_dates(
    public: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    now: dt.datetime | None = None,
    git: bool = True,
    sources: dict[Key, str] | None = None,
) -> dict[Key, RecordDates]:
    """(type, id) -> RecordDates for every published record and tombstone.

    ``sources``: (type, id) -> the record's file (``BuildReport.sources``), where git
    is asked for commit dates; without it, or with ``git=False``, the dates come from
    the export's dates file or the public fields only."""
    tz = config.tz
    exported = _from_export(config)
    todo = [p for p in public if (p.type, p.id) not in exported]
    sources = sources or {}
    files = {f"{p.type}/{p.id}": _source_file(sources[(p.type, p.id)]) for p in todo if (p.type, p.id) in sources}
    history = _history(files, tz, config.content_path) if git else {}
    out: dict[Key, RecordDates] = {}
    today = now.astimezone(tz).date() if now is not None else None
    for p in public:
        key = (p.type, p.id)
        name = f"{p.type}/{p.id}"
        found = exported.get(key)
        if found is None and name in history:
            found = _from_git(p, history[name], tz, _working(files[name], history[name]), today)
        dates = found or _from_fields(p, tz)
        if today is not None and not dates.exported:
            pub, upd = min(dates.published, today), min(dates.updated, today)
            dates = RecordDates(pub, max(pub, upd), dates.sequence, dates.withdrawn, dates.source)
        out[key] = dates
    return out


def dates_json(dates: dict[Key, RecordDates]) -> bytes:
    """The ``.dates.json`` carried by a public export (dates only)."""
    items = [
        {
            "type": t,
            "id": i,
            "published": d.published.isoformat(),
            "updated": d.updated.isoformat(),
            "sequence": d.sequence,
            "source": d.source,
            **({"withdrawn": d.withdrawn.isoformat()} if d.withdrawn else {}),
        }
        for (t, i), d in sorted(dates.items())
    ]
    return (json.dumps({"records": items}, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
