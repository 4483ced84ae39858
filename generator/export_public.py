"""``openaffairs export-public DIR``: the published records as a public source tree.

Stage: writer, from PublicRecords only.  DIR gets a ``site_config.yml`` and a
``content/`` folder that build the same public site: every published record
and tombstone as Markdown with front matter (public fields, the filtered body
from ``exports.public_body``), the attachments that were published, and
``content/.dates.json`` with the first-published and last-changed dates
(from the internal repository's git history: dates only).  Nothing of a
held-back record is written.

What changes against the internal source, so that a rebuild gives the same
pages and reveals nothing internal:

* ``author`` / ``approved_by`` become ``public-export`` / ``public-export-approver``
  (staff ids are internal; no page shows them), and the exported config lists
  only that approver;
* parties carry the published (anonymised) name with ``public: true`` and
  ``minor: false``: the name is already the form that may be shown, so the
  filter leaves it as it is (``private`` maps are gone already);
* a tombstone keeps only what its page shows (title, withdrawal date and
  reason); the other fields its type requires are placeholders, marked so;
* ``privacy.block`` (internal markings) is not exported; ``privacy.allow`` is
  (those values are published).

DIR is created, or must be a previous export (it has ``.openaffairs-export``):
everything in it except ``.git`` is replaced, so an office can keep DIR as a
public git repository.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import posixpath
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .config import SiteConfig
from .dates import DATES_FILE, dates_json, record_dates
from .errors import UsageError
from .exports import public_body
from .privacy import PublicRecord
from .records import Record

__all__ = ["export_public", "MARKER", "ExportError"]

MARKER = ".openaffairs-export"
AUTHOR = "public-export"
APPROVER = "public-export-approver"


class ExportError(UsageError):
    """DIR cannot be used (a usage problem)."""


def _plain(value: Any) -> Any:
    """A public value as YAML-ready Python data (sub-models as mappings, enums as text)."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in value.__dict__.items() if v is not None and k in value.model_fields_set}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _public_fields(rec: PublicRecord[Record]) -> dict[str, Any]:
    r = rec.record
    out: dict[str, Any] = {}
    for name in type(r).model_fields:
        if name in r.__dict__ and name in r.model_fields_set:
            value = getattr(r, name)
            if value is not None:
                out[name] = _plain(value)
    return out


def _placeholders(rec: PublicRecord[Record], config: SiteConfig) -> dict[str, Any]:
    """Fields the content model requires of a tombstone's type that are not published
    (a tombstone page shows only its title, withdrawal date and reason)."""
    day = rec.record.withdrawn_on or dt.date(1970, 1, 1)
    noon = dt.datetime.combine(day, dt.time(12, 0), tzinfo=config.tz)
    values: dict[str, dict[str, Any]] = {
        "disclosures": {"category": "announcement", "date": day},
        "regulations": {
            "kind": "normative-document",
            "issuer": config.office_name or config.site_name,
            "issued": day,
            "validity": "repealed",
        },
        "open-days": {"start": noon, "end": noon + dt.timedelta(hours=1), "location": {"name": "-", "address": "-"}},
        "guides": {"service": rec.id},
        "pages": {},
    }
    return values[rec.type]


def _front_matter(rec: PublicRecord[Record], config: SiteConfig, published: dt.date) -> dict[str, Any]:
    data = _public_fields(rec)
    head: dict[str, Any] = {"id": rec.id, "title": rec.title}
    if "lang" in data:
        head["lang"] = data["lang"]
    if rec.is_tombstone:
        head.update(
            {
                "status": "withdrawn",
                "author": AUTHOR,
                "approved_by": APPROVER,
                "approved_on": published,
                "withdrawn_on": data.get("withdrawn_on"),
                "withdrawn_reason": data.get("withdrawn_reason"),
            }
        )
        head.update(_placeholders(rec, config))
        return head
    head.update({"status": "approved", "author": AUTHOR, "approved_by": APPROVER})
    data.pop("status", None)
    if "parties" in data:
        data["parties"] = [{"name": p["name"], "role": p["role"], "public": True} for p in data["parties"]]
    for field in ("attachments", "forms"):
        if field in data:
            data[field] = [{"file": f"{rec.id}/{item['file']}", "title": item["title"]} for item in data[field]]
    if "changes" in data:
        data["changes"] = [{k: v for k, v in c.items() if k != "minor" or v} for c in data["changes"]]
    head.update({k: v for k, v in data.items() if k not in head})
    # empty defaults are noise in a hand-readable file
    return {
        k: v
        for k, v in head.items()
        if v not in ([], {}, "")
        and not (k == "event_status" and v == "scheduled")
        and not (k == "nav_order" and v == 100)
    }


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _enum(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value.value))


def _datetime(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _str)
_Dumper.add_representer(dt.datetime, _datetime)
_Dumper.add_multi_representer(enum.Enum, _enum)


def record_markdown(rec: PublicRecord[Record], config: SiteConfig, published: dt.date) -> str:
    front = yaml.dump(
        _front_matter(rec, config, published),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )
    if rec.is_tombstone:
        front += (
            "# a tombstone: only title, withdrawal date and reason are published; the type's other\n"
            "# required fields above are placeholders\n"
        )
    body = public_body(rec)
    return f"---\n{front}---\n{body}" + ("" if body.endswith("\n") or not body else "\n")


def _config_yaml(config: SiteConfig) -> str:
    data: dict[str, Any] = {
        "site_name": config.site_name,
        "site_url": config.site_url,
        "language": config.language,
        "timezone": config.timezone,
        "content_dir": "content",
        "approvers": [APPROVER],
    }
    if config.privacy.allow:
        data["privacy"] = {"allow": list(config.privacy.allow)}
    for key in ("site_description", "office_name", "copyright"):
        if getattr(config, key):
            data[key] = getattr(config, key)
    if config.theme_path.is_dir():
        data["theme_dir"] = "theme"
    head = (
        "# Public export made by 'openaffairs export-public': build it with\n"
        "#   openaffairs build --now <the same ISO time> --out site\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _prepare_dir(target: Path, config: SiteConfig) -> None:
    target = target.resolve()
    content = config.content_path.resolve()
    if target == content or content in target.parents or target in content.parents or target == config.root.resolve():
        raise ExportError(f"{target}: the export must not be the site's folder, its content folder or inside it")
    if target.exists():
        if not target.is_dir():
            raise ExportError(f"{target}: not a folder")
        entries = [p for p in target.iterdir() if p.name != ".git"]
        if entries and not (target / MARKER).is_file():
            raise ExportError(
                f"{target}: the folder is not empty and is no earlier public export "
                f"(no {MARKER} file); choose an empty or new folder"
            )
        for p in entries:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
    target.mkdir(parents=True, exist_ok=True)


def export_public(
    public: Sequence[PublicRecord[Record]],
    config: SiteConfig,
    target: Path,
    read_file: Any,
    now: dt.datetime,
    sources: dict[Any, str] | None = None,
) -> dict[str, int]:
    """Write the export into ``target``; returns counts.  ``read_file(source)`` gives
    a published attachment's bytes (source relative to content/); ``sources`` as for
    ``dates.record_dates``."""
    _prepare_dir(target, config)
    dates = record_dates(public, config, now, sources=sources)
    content = target / "content"
    files = 0
    for rec in public:
        folder = content / rec.type
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rec.id}.md").write_text(
            record_markdown(rec, config, dates[(rec.type, rec.id)].published), encoding="utf-8"
        )
        for f in rec.files:
            dest = folder / rec.id / posixpath.basename(f.href)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(read_file(f.source))
            files += 1
    (content / DATES_FILE).write_bytes(dates_json(dates))
    (target / "site_config.yml").write_text(_config_yaml(config), encoding="utf-8")
    if config.theme_path.is_dir():
        shutil.copytree(config.theme_path, target / "theme")
    (target / MARKER).write_text(
        json.dumps({"records": len(public), "attachments": files, "exported_at": now.isoformat()}, indent=1) + "\n",
        encoding="utf-8",
    )
    (target / "README.md").write_text(
        f"# {config.site_name}: public source\n\n"
        "The published records of the site, exactly as published (anonymised, filtered), written by\n"
        "`openaffairs export-public`. Build the same site with `openaffairs build --now <time> --out site`\n"
        "and compare with the served site's `SHA256SUMS` (see docs/open-data.md of OpenAffairs).\n",
        encoding="utf-8",
    )
    return {"records": len(public), "attachments": files}
