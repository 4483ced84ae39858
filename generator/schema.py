"""Building blocks of the typed models: strict scalar types and error translation.

Stage: shared by ``config`` and ``records``.  Pydantic does the validating;
this module makes its verdicts read like a compiler's (``field 'effective':
expected a date like 2024-01-31, got '31.01.2024'``), with the line of the
offending key from the YAML line map.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from .errors import Problem, did_you_mean
from .yamlsource import LineMap

__all__ = [
    "Strict",
    "Text",
    "StaffId",
    "OptText",
    "Date",
    "DateTime",
    "DateOrDateTime",
    "Ident",
    "Scalar",
    "problems_from_validation",
    "describe",
]


class Strict(BaseModel):
    """Base of every model read from a user file: no unknown keys, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def describe(value: Any) -> str:
    """How a YAML value reads to a person, for 'got ...' in messages."""
    if value is None:
        return "nothing (empty value)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return repr(text)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise PydanticCustomError("oa_text", "expected text, got {got}", {"got": describe(value)})


def _scalar(value: Any) -> str:
    """Text, but numbers are accepted and kept as written (private values, phones)."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise PydanticCustomError("oa_text", "expected text, got {got}", {"got": describe(value)})
    return str(value)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def _tz(info: ValidationInfo) -> dt.tzinfo:
    ctx = info.context or {}
    return ctx.get("tz") or ZoneInfo("Asia/Shanghai")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    text = value if isinstance(value, str) else None
    if text is not None and _DATE.match(text.strip()):
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise PydanticCustomError(
                "oa_date", "expected a real calendar date, got {got}", {"got": describe(value)}
            ) from None
    raise PydanticCustomError("oa_date", "expected a date like 2026-03-01, got {got}", {"got": describe(value)})


def _parse_datetime(value: Any, info: ValidationInfo, allow_date: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_tz(info))
    text = value.strip() if isinstance(value, str) else None
    if text is not None:
        if allow_date and _DATE.match(text):
            return dt.datetime.combine(_date(text), dt.time(0, 0), tzinfo=_tz(info))
        m = _DATETIME.match(text)
        if m:
            iso = text.replace(" ", "T", 1) if "T" not in text else text
            iso = iso.replace("Z", "+00:00")
            try:
                parsed = dt.datetime.fromisoformat(iso)
            except ValueError:
                raise PydanticCustomError(
                    "oa_datetime", "expected a real date and time, got {got}", {"got": describe(value)}
                ) from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=_tz(info))
    example = "2026-12-05T09:00:00+08:00"
    what = "a date like 2026-03-01 or a date and time like " if allow_date else "a date and time like "
    raise PydanticCustomError(
        "oa_datetime",
        "expected {what}{example}, got {got}",
        {"what": what, "example": example, "got": describe(value)},
    )


def _datetime(value: Any, info: ValidationInfo) -> dt.datetime:
    return _parse_datetime(value, info, allow_date=False)


def _date_or_datetime(value: Any, info: ValidationInfo) -> dt.datetime:
    return _parse_datetime(value, info, allow_date=True)


_IDENT = re.compile(r"^[a-z0-9][a-z0-9-]*$")


_STAFF = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _matching(pattern: re.Pattern[str], code: str, expected: str) -> Callable[[Any], str]:
    """A validator for strings of ``pattern``; the message says what was ``expected``."""

    def check(value: Any) -> str:
        if isinstance(value, str) and pattern.match(value):
            return value
        raise PydanticCustomError(code, f"expected {expected}, got {{got}}", {"got": describe(value)})

    return check


_ident = _matching(_IDENT, "oa_ident", "an id of lowercase letters, digits and hyphens (like 'case-2026-015')")
_staff = _matching(_STAFF, "oa_staff", "a staff id of lowercase letters, digits, dots and hyphens (like 'li.wei')")


# WithJsonSchema: what ``openaffairs schema`` says of each type (the validators above decide)
Text = Annotated[str, BeforeValidator(_text)]
StaffId = Annotated[str, BeforeValidator(_staff), WithJsonSchema({"type": "string", "pattern": _STAFF.pattern})]
OptText = Text | None
Scalar = Annotated[str, BeforeValidator(_scalar), WithJsonSchema({"type": ["string", "number"]})]
Date = Annotated[
    dt.date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date", "pattern": _DATE.pattern})
]
DateTime = Annotated[
    dt.datetime, BeforeValidator(_datetime), WithJsonSchema({"type": "string", "pattern": _DATETIME.pattern})
]
DateOrDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_date_or_datetime),
    WithJsonSchema({"type": "string", "anyOf": [{"pattern": _DATE.pattern}, {"pattern": _DATETIME.pattern}]}),
]
Ident = Annotated[str, BeforeValidator(_ident), WithJsonSchema({"type": "string", "pattern": _IDENT.pattern})]


def _field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _data_path(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic inserts union member tags ('function-before[...]', 'list[...]') into loc
    return tuple(p for p in loc if isinstance(p, int) or "[" not in str(p))


def problems_from_validation(
    exc: ValidationError,
    path: str,
    lines: LineMap,
    model: type[BaseModel],
    data: Any,
) -> list[Problem]:
    """Turn pydantic's errors into Problems with ``path:line`` and plain words."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = _data_path(tuple(err["loc"]))
        name = _field_name(loc)
        kind = err["type"]
        ctx = err.get("ctx") or {}
        got = describe(err.get("input"))
        hint = ""
        if kind == "missing":
            message = f"missing required field '{name}'"
        elif kind == "extra_forbidden":
            message = f"unknown field '{name}'"
            hint = did_you_mean(str(loc[-1]), _fields_at(model, loc[:-1]))
            if not hint:
                hint = "valid fields here: " + ", ".join(sorted(_fields_at(model, loc[:-1])))
        elif kind in ("enum", "literal_error"):
            message = f"field '{name}': expected one of {ctx.get('expected')}, got {got}"
            hint = did_you_mean(str(err.get("input")), re.findall(r"'([^']*)'", str(ctx.get("expected"))))
        elif kind.startswith("oa_"):
            message = f"field '{name}': {err['msg']}"
            if kind == "oa_text" and isinstance(err.get("input"), (int, float, bool)):
                hint = "put the value in quotes"
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message = f"field '{name}': expected a whole number, got {got}"
        elif kind in ("greater_than", "greater_than_equal"):
            message = f"field '{name}': expected a number greater than {ctx.get('gt', ctx.get('ge'))}, got {got}"
        elif kind == "bool_type" or kind == "bool_parsing":
            message = f"field '{name}': expected true or false, got {got}"
        elif kind == "list_type":
            message = f"field '{name}': expected a list, got {got}"
            hint = "write one item per line starting with '- '"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            message = f"field '{name}': expected a mapping of fields (key: value), got {got}"
        elif kind == "value_error":
            text = str(ctx.get("error", err["msg"]))
            message = f"field '{name}': {text}" if name else text
            if not name:
                named = re.search(r"field '([a-z_.]+)'", text)
                if named:
                    loc = tuple(named.group(1).split("."))
        else:
            message = f"field '{name}': {err['msg']}, got {got}"
        problems.append(Problem(path, lines.line_of(loc), message, hint))
    return problems


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model at ``loc``, for 'did you mean'."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
