"""YAML with a line number for every key, read safely and strictly.

Stage: used by ``config`` and ``loading`` (the only modules that read files).

* Safe: a ``SafeLoader`` subclass, so no Python tags.
* Bounded: alias expansion is counted; a document that would expand past
  ``MAX_NODES`` nodes (a "billion laughs" alias bomb) is an error, not a hang.
* Strict scalars (YAML 1.2 core schema, not 1.1): only ``true``/``false`` are
  booleans, only plain decimal numbers are numbers, dates and times stay
  strings (the typed models parse them).  So ``no`` stays ``'no'``, ``09:30``
  stays ``'09:30'`` and ``0123`` stays ``'0123'`` instead of 83.
* Every mapping key and sequence item gets a line, addressed by its path
  (``("parties", 0, "name")``), so validation errors can say ``file:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["YamlError", "LineMap", "load_yaml", "split_front_matter", "FrontMatterError"]

MAX_NODES = 20_000
MAX_DEPTH = 50

Path_ = tuple[str | int, ...]


class YamlError(Exception):
    """A YAML problem at a line (1-based, relative to the parsed text)."""

    def __init__(self, line: int, message: str, hint: str = ""):
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(f"{line}: {message}")


class FrontMatterError(YamlError):
    pass


@dataclass
class LineMap:
    """Line of every key/item path; ``line_of`` falls back to the nearest parent."""

    lines: dict[Path_, int] = field(default_factory=dict)
    default: int = 1

    def line_of(self, path: Path_) -> int:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.default

    def shifted(self, offset: int) -> LineMap:
        return LineMap({k: v + offset for k, v in self.lines.items()}, self.default + offset)


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available (5x faster)


class _StrictLoader(_BASE):  # type: ignore[misc,valid-type]
    """SafeLoader with the YAML 1.2 core schema's plain scalars."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> Any:
        """``BaseResolver.resolve`` without what this loader has not (path resolvers,
        wildcard resolvers): called for every value, so kept short; the same tags."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG


_StrictLoader.yaml_implicit_resolvers = {}  # (resolve: no wildcard resolvers, no path resolvers)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def _too_large(node: yaml.Node, budget: list[int], depth: int) -> YamlError | None:
    """The error of a node past the budget of values or too deep (``budget`` is spent)."""
    if budget[0] < 0:
        return YamlError(
            node.start_mark.line + 1,
            f"document too large: more than {MAX_NODES} values after expanding aliases",
            "remove YAML anchors/aliases (&name, *name); front matter does not need them",
        )
    if depth > MAX_DEPTH:
        return YamlError(node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
    return None


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], budget: list[int], depth: int) -> None:
    budget[0] -= 1
    error = _too_large(node, budget, depth)
    if error is not None:
        raise error
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            if key in seen:
                raise YamlError(key_node.start_mark.line + 1, f"key '{key}' appears twice")
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, budget, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, budget, depth + 1)


class _Slow(Exception):
    """The document has something ``_build`` does not construct itself (an explicit tag, a
    non-text key, an alias of a mapping or list): it is read the general way instead."""


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_BOOL, _INT, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:null"
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_PLAIN_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], budget: list[int], depth: int, seen: set[int]) -> Any:
    """``_walk`` and the constructor's work in one pass, for the plain documents front
    matter is made of: text, true/false, whole numbers, empty values, mappings with text
    keys, lists.  The same checks in the same order as ``_walk`` (so the same errors) and
    the same values as ``construct_document``; raises ``_Slow`` for anything else."""
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise _too_large(node, budget, depth) or _Slow
    cls = type(node)
    tag = node.tag
    if cls is yaml.ScalarNode:
        value = node.value
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL and value in _BOOLS:
            return _BOOLS[value]
        if tag == _INT and _PLAIN_INT.match(value):
            return int(value)
        raise _Slow
    if id(node) in seen:
        raise _Slow
    seen.add(id(node))
    if cls is yaml.MappingNode and tag == _MAP:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode or key_node.tag != _STR:
                raise _Slow
            key = key_node.value
            if key in out:
                raise YamlError(key_node.start_mark.line + 1, f"key '{key}' appears twice")
            sub = (*path, key)
            lines[sub] = key_node.start_mark.line + 1
            out[key] = _build(value_node, sub, lines, budget, depth + 1, seen)
        return out
    if cls is yaml.SequenceNode and tag == _SEQ:
        items = []
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines[sub] = item.start_mark.line + 1
            items.append(_build(item, sub, lines, budget, depth + 1, seen))
        return items
    raise _Slow


def load_yaml(text: str) -> tuple[Any, LineMap]:
    """Parse one YAML document; returns (data, line map). Raises YamlError."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, LineMap()
        lines: dict[Path_, int] = {}
        try:
            data = _build(node, (), lines, [MAX_NODES], 0, set())
        except _Slow:
            lines = {}
            _walk(node, (), lines, [MAX_NODES], 0)
            data = loader.construct_document(node)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlError(line, f"invalid YAML: {problem}{context}", _yaml_hint(problem)) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise YamlError(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, LineMap(lines, node.start_mark.line + 1)


def _yaml_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, e.g. title: \"A: B\""
    if "found character '\\t'" in problem:
        return "YAML does not allow tabs for indentation; use spaces"
    if "could not determine a constructor" in problem:
        return "tags such as !!python/object are not allowed"
    return ""


_FENCE = re.compile(r"^---[ \t]*$")


def split_front_matter(text: str) -> tuple[str, int, str, int]:
    """Split ``---`` front matter from the body.

    Returns (yaml_text, yaml_first_line, body, body_first_line), lines 1-based.
    Raises FrontMatterError when the fences are missing or unclosed.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0].rstrip("\r\n")):
        raise FrontMatterError(
            1,
            "missing front matter: the file must start with a line '---'",
            "put the record's fields between two '---' lines at the top",
        )
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i].rstrip("\r\n")):
            return "".join(lines[1:i]), 2, "".join(lines[i + 1 :]), i + 2
    raise FrontMatterError(1, "front matter is not closed: no second '---' line")
