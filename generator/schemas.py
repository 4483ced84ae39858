"""``openaffairs schema``: JSON Schemas of the front matter of each type and of site_config.yml.

Stage: tooling (pure; the CLI writes the files).  Generated from the very
pydantic models that validate the content, so they cannot drift from it.
Editors use them to complete and check front matter as staff type it; the
build remains the judge (cross-record rules such as "approved_by is not the
author" are not expressible in a schema).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .config import SiteConfig
from .records import RECORD_TYPES

__all__ = ["schemas", "schema_files", "SCHEMA_DIALECT"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TITLES = {
    "disclosures": "公开信息 disclosure",
    "regulations": "法律法规 regulation",
    "open-days": "检察开放日 open day",
    "guides": "办事指南 service guide",
    "pages": "页面 page",
}


def _schema(model: type[BaseModel], name: str, title: str, description: str) -> dict[str, Any]:
    raw = model.model_json_schema(mode="validation")
    hidden = {key for key, field in model.model_fields.items() if field.exclude}
    raw["properties"] = {k: v for k, v in raw["properties"].items() if k not in hidden}
    if "required" in raw:
        raw["required"] = [k for k in raw["required"] if k not in hidden]
    out: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://openaffairs.invalid/schemas/{name}",
        "title": title,
        "description": description,
    }
    out.update({k: v for k, v in raw.items() if k not in ("title", "description")})
    return out


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for every content type and for site_config.yml."""
    out = {
        "site_config.schema.json": _schema(
            SiteConfig,
            "site_config.schema.json",
            "OpenAffairs site_config.yml",
            "Settings of an OpenAffairs site (site_config.yml).",
        )
    }
    for type_name, model in RECORD_TYPES.items():
        name = f"{type_name}.schema.json"
        out[name] = _schema(
            model,
            name,
            f"OpenAffairs {_TITLES.get(type_name, type_name)} front matter",
            f"Front matter of a record in content/{type_name}/ (the YAML between the --- lines).",
        )
    return out


def schema_files() -> dict[str, str]:
    """File name -> file text (sorted keys, stable bytes)."""
    return {
        name: json.dumps(s, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        for name, s in sorted(schemas().items())
    }
