"""The query language (docs/search-fielded.md): text -> a tree of ``Node``s.

The tree says what matches, not how: ``engine.py`` turns it into SQL.  Every
message of a ``QueryError`` is written here (tests/test_search_index.py pins
each one exactly).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass
from typing import TypeAlias

from .errors import QueryError
from .fields import (
    ALL_FIELDS,
    DATE_FIELDS,
    DEFAULT_FIELDS,
    EXACT_FIELDS,
    FIELD_ALIASES,
    FIELD_HELP,
    SNIPPET_FIELDS,
)
from .model import DOC_TYPES, MAX_QUERY_LEN
from .text import QueryToken, exact_key, query_tokens

__all__ = [
    "Node",
    "Phrase",
    "Exact",
    "DateIn",
    "And",
    "Or",
    "Not",
    "Every",
    "Parsed",
    "parse",
    "check_type",
]


@dataclass(frozen=True)
class Phrase:
    """The records holding ``tokens`` at consecutive positions in one of ``fields``."""

    fields: tuple[str, ...]
    tokens: tuple[QueryToken, ...]


@dataclass(frozen=True)
class Exact:
    """``field:=value``: one whole value of a multi-valued field (also ``type:`` and ``id:``)."""

    field: str
    key: str


@dataclass(frozen=True)
class DateIn:
    """``first <= field <= last`` (days as ordinals; None: open end)."""

    field: str
    first: int | None
    last: int | None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Every:
    pass


Node: TypeAlias = Phrase | Exact | DateIn | And | Or | Not | Every
_Leaf: TypeAlias = tuple[Node, bool]  # (node, negated)


@dataclass(frozen=True)
class Parsed:
    query: Node
    literals: tuple[str, ...]  # the texts to highlight in snippets


_OPEN_QUOTES = '"“＂'
_CLOSE_QUOTES = '"”＂'
_WORD_STOP = set(" \t\r\n\u3000()") | set(_OPEN_QUOTES)
_KEYWORDS = ("AND", "OR", "NOT")
_MAX_DEPTH = 16
_FIELD_RE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*|"
    + "|".join(re.escape(a) for a in sorted(FIELD_ALIASES, key=len, reverse=True) if not a.isascii())
    + r")[:：]"
)
_RANGE_RE = re.compile(
    r"(?P<a>[^\s~]*?)\s*(?:(?<![a-z])to(?![a-z])|至|到|~|\.\.)\s*(?P<b>[^\s~]*)",
    re.I,
)
_DATE_RES = (
    re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?"),
    re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?"),
)
_ONE_DAY = dt.timedelta(days=1)


def _negate(leaf: _Leaf) -> Node:
    node, negated = leaf
    return Not(node) if negated else node


def _combine(kind: type[And] | type[Or], found: list[_Leaf | None]) -> _Leaf | None:
    """The terms of an AND or OR group as one node (a single term stands for itself)."""
    items = [x for x in found if x is not None]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return kind(tuple(_negate(x) for x in items)), False


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)
        self.literals: list[str] = []

    # -- helpers ---------------------------------------------------------
    def skip_ws(self) -> None:
        while self.i < self.n and self.s[self.i] in " \t\r\n\u3000":
            self.i += 1

    def at_end(self) -> bool:
        self.skip_ws()
        return self.i >= self.n

    def peek_keyword(self) -> str | None:
        self.skip_ws()
        for kw in _KEYWORDS:
            j = self.i + len(kw)
            if self.s.startswith(kw, self.i) and (j >= self.n or self.s[j] in _WORD_STOP):
                return kw
        return None

    def read_word(self) -> str:
        start = self.i
        while self.i < self.n and self.s[self.i] not in _WORD_STOP:
            self.i += 1
        return self.s[start : self.i]

    def read_quoted(self) -> str:
        start = self.i
        self.i += 1
        end = self.i
        while end < self.n and self.s[end] not in _CLOSE_QUOTES:
            end += 1
        if end >= self.n:
            frag = self.s[start : start + 20]
            raise QueryError(
                f"the quotation mark at character {start + 1} ({frag}…) is not "
                "closed: add the closing quotation mark or remove the opening one"
            )
        self.i = end + 1
        return self.s[start + 1 : end]

    def unmatched_close(self) -> QueryError:
        return QueryError(f"unexpected “)” at character {self.i + 1}: it has no matching “(”")

    def step_over(self, keyword: str, message: str) -> None:
        """Past ``keyword``, which a term must follow (not the end, ")", AND or OR)."""
        self.i += len(keyword)
        if self.at_end() or self.s[self.i] == ")" or self.peek_keyword() in ("AND", "OR"):
            raise QueryError(message)

    # -- grammar ---------------------------------------------------------
    def parse(self) -> Parsed:
        if self.at_end():
            raise QueryError("the query is empty: type a word, e.g. 受贿")
        leaf = self.parse_or(None, 0, False)
        if not self.at_end():  # only a stray ")" can stop parse_or early
            raise self.unmatched_close()
        if leaf is None:
            raise QueryError("the query contains nothing to search for (no letters, digits or Chinese characters)")
        return Parsed(_negate(leaf), tuple(self.literals))

    def parse_or(self, field: str | None, depth: int, negated: bool) -> _Leaf | None:
        found = [self.parse_and(field, depth, negated)]
        while self.peek_keyword() == "OR":
            self.step_over("OR", "“OR” needs a search term on both sides")
            found.append(self.parse_and(field, depth, negated))
        return _combine(Or, found)

    def parse_and(self, field: str | None, depth: int, negated: bool) -> _Leaf | None:
        kw = self.peek_keyword()
        if kw in ("AND", "OR"):
            raise QueryError(f"“{kw}” needs a search term on both sides")
        found = [self.parse_unary(field, depth, negated)]
        while True:
            if self.at_end():
                break
            if self.s[self.i] == ")":
                if depth == 0:
                    raise self.unmatched_close()
                break
            kw = self.peek_keyword()
            if kw == "OR":
                break
            if kw == "AND":
                self.step_over("AND", "“AND” needs a search term on both sides")
            found.append(self.parse_unary(field, depth, negated))
        return _combine(And, found)

    def parse_unary(self, field: str | None, depth: int, negated: bool) -> _Leaf | None:
        flip = False
        while True:  # a loop, not recursion: "NOT NOT -x" cannot exhaust the stack
            self.skip_ws()
            if self.peek_keyword() == "NOT":
                self.step_over("NOT", "“NOT” must be followed by a search term, e.g. 受贿 NOT 行贿")
                flip = not flip
                continue
            if self.i < self.n and self.s[self.i] in "-+":
                nxt = self.s[self.i + 1] if self.i + 1 < self.n else " "
                if nxt not in _WORD_STOP or nxt in "(" + _OPEN_QUOTES:
                    flip ^= self.s[self.i] == "-"
                    self.i += 1
                    continue
            break
        leaf = self.parse_primary(field, depth, negated ^ flip)
        if leaf is None or not flip:
            return leaf
        return leaf[0], not leaf[1]

    def parse_primary(self, field: str | None, depth: int, negated: bool) -> _Leaf | None:
        self.skip_ws()
        c = self.s[self.i]
        if c == "(":
            return self.parse_group(field, depth, negated)
        if c == ")":
            raise self.unmatched_close()
        if c in _OPEN_QUOTES:
            return self.leaf(field, self.read_quoted(), quoted=True, negated=negated)
        if c == "[" and field is None:
            raise QueryError(
                "square brackets are only used for date ranges after a field, "
                "e.g. date:[2026-01-01 to 2026-06-30]; to search for a text with "
                "brackets put it in quotation marks"
            )
        m = _FIELD_RE.match(self.s, self.i)
        if m:
            name = m.group(1)
            canonical = _canonical_field(name)
            if canonical is not None:
                self.i = m.end()
                return self.parse_field_value(canonical, name, depth, negated)
            if name.isascii():
                raise QueryError(_unknown_field_message(name))
        return self.leaf(field, self.read_word(), quoted=False, negated=negated)

    def parse_group(self, field: str | None, depth: int, negated: bool) -> _Leaf | None:
        open_at = self.i
        if depth >= _MAX_DEPTH:
            raise QueryError(f"too many brackets inside each other (more than {_MAX_DEPTH}): simplify the query")
        self.i += 1
        if self.at_end():
            raise QueryError(f"the bracket “(” at character {open_at + 1} is not closed: add “)”")
        if self.s[self.i] == ")":
            raise QueryError(f"empty brackets “()” at character {open_at + 1}")
        leaf = self.parse_or(field, depth + 1, negated)
        if self.at_end() or self.s[self.i] != ")":
            raise QueryError(f"the bracket “(” at character {open_at + 1} is not closed: add “)”")
        self.i += 1
        return leaf

    def parse_field_value(self, field: str, written: str, depth: int, negated: bool) -> _Leaf | None:
        if self.i >= self.n or self.s[self.i] in " \t\r\n\u3000)":
            raise QueryError(f"“{written}:” has no value: write it without spaces, e.g. {_example(field)}")
        c = self.s[self.i]
        if c == "(":
            return self.parse_group(field, depth, negated)
        if c in _OPEN_QUOTES:
            return self.leaf(field, self.read_quoted(), quoted=True, negated=negated)
        if c == "[":
            start = self.i
            end = self.s.find("]", start)
            if end < 0:
                raise QueryError(
                    f"the range “[” at character {start + 1} is not closed: add “]”, e.g. {field}:[2015 to 2020]"
                )
            self.i = end + 1
            return self.date_range_leaf(field, self.s[start + 1 : end])
        if c == "=":
            self.i += 1
            value = self.read_quoted() if self.i < self.n and self.s[self.i] in _OPEN_QUOTES else self.read_word()
            return self.exact_leaf(field, value)
        if c in "<>":
            op = c
            self.i += 1
            if self.i < self.n and self.s[self.i] == "=":
                op += "="
                self.i += 1
            return self.compare_leaf(field, op, self.read_word())
        return self.leaf(field, self.read_word(), quoted=False, negated=negated)

    # -- leaves ----------------------------------------------------------
    def leaf(self, field: str | None, text: str, *, quoted: bool, negated: bool) -> _Leaf | None:
        if field in DATE_FIELDS:
            if quoted:
                text = text.strip()
            first, last = _parse_period(field, text)
            return _date_node(field, first, last), False
        if field == "type":
            return Exact("type", check_type(text.strip())), False
        if field == "id":
            value = text.strip().lower()
            if not value:
                raise QueryError("“id:” has no value")
            return Exact("id", value), False
        if not quoted and text in _KEYWORDS:
            raise QueryError(f"“{text}” needs a search term on both sides")
        tokens = query_tokens(text)
        if not tokens:
            if quoted or field is not None:
                raise QueryError(f"“{text}” contains no letters, digits or Chinese characters to search for")
            return None
        fields = DEFAULT_FIELDS if field is None else (field,)
        if not negated and (field is None or field in SNIPPET_FIELDS):
            self.literals.append(text)
        return Phrase(fields, tuple(tokens)), False

    def exact_leaf(self, field: str, value: str) -> _Leaf:
        if field not in EXACT_FIELDS:
            raise QueryError(
                f"“{field}:=” (exact value) works only for "
                f"{', '.join(EXACT_FIELDS)}; use {field}:{value or '…'} instead"
            )
        key = exact_key(value)
        if not key:
            raise QueryError(f"“{field}:=” has no value, e.g. {field}:={_example_value(field)}")
        return Exact(field, key), False

    def date_range_leaf(self, field: str, inner: str) -> _Leaf:
        if field not in DATE_FIELDS:
            raise QueryError(
                f"ranges [… to …] only work on the date fields ({', '.join(DATE_FIELDS)}), not on “{field}”"
            )
        m = _RANGE_RE.fullmatch(inner.strip())
        if not m:
            raise QueryError(
                f"“[{inner}]” is not a date range: write {field}:[2015 to 2020] or "
                f"{field}:[2026-01-01 to 2026-06-30] (either end may be left out)"
            )
        a, b = m.group("a"), m.group("b")
        first = None if a in ("", "*") else _parse_period(field, a)[0]
        last = None if b in ("", "*") else _parse_period(field, b)[1]
        if first is None and last is None:
            raise QueryError(f"the range “[{inner}]” has neither a start nor an end")
        if first is not None and last is not None and first > last:
            raise QueryError(f"the range “[{inner}]” starts after it ends: put the earlier date first")
        return _date_node(field, first, last), False

    def compare_leaf(self, field: str, op: str, value: str) -> _Leaf:
        if field not in DATE_FIELDS:
            raise QueryError(f"“{op}” only works on the date fields ({', '.join(DATE_FIELDS)})")
        first, last = _parse_period(field, value)
        if op == ">":
            return _date_node(field, last + _ONE_DAY, None), False
        if op == ">=":
            return _date_node(field, first, None), False
        if op == "<":
            return _date_node(field, None, first - _ONE_DAY), False
        return _date_node(field, None, last), False


def _date_node(field: str, first: dt.date | None, last: dt.date | None) -> DateIn:
    return DateIn(field, first.toordinal() if first else None, last.toordinal() if last else None)


def _canonical_field(name: str) -> str | None:
    low = name.lower()
    if low in FIELD_HELP:
        return low
    return FIELD_ALIASES.get(low) or FIELD_ALIASES.get(name)


def _unknown_field_message(name: str) -> str:
    candidates = list(ALL_FIELDS) + [a for a in FIELD_ALIASES if a.isascii()]
    close = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.6)
    hint = f" Did you mean “{_canonical_field(close[0])}”?" if close else ""
    return (
        f"unknown field “{name}”.{hint} Fields you can use: {', '.join(ALL_FIELDS)}. "
        "To search for a text containing “:”, put it in quotation marks."
    )


def _example_value(field: str) -> str:
    return {
        "issuer": "最高人民检察院",
        "validity": "in-force",
        "kind": "law",
        "category": "case-decision",
        "tags": "受贿",
        "type": "regulations",
        "doc_number": "高检发释字〔2019〕4号",
        "case_number": "京朝检刑诉〔2026〕123号",
    }.get(field, "受贿")


def _example(field: str) -> str:
    if field in DATE_FIELDS:
        return f"{field}:2026-03 or {field}:[2015 to 2020]"
    return f"{field}:{_example_value(field)}"


def check_type(value: str) -> str:
    """``value`` when it is a record type, else a QueryError naming the closest one."""
    if value in DOC_TYPES:
        return value
    close = difflib.get_close_matches(value, DOC_TYPES, n=1, cutoff=0.5)
    hint = f" Did you mean “{close[0]}”?" if close else ""
    raise QueryError(f"unknown record type “{value}”.{hint} Types: {', '.join(DOC_TYPES)}")


def _parse_period(field: str, text: str) -> tuple[dt.date, dt.date]:
    """'2026' -> whole year, '2026-03' -> month, '2026-03-05' -> that day."""
    value = text.strip()
    for rx in _DATE_RES:
        m = rx.fullmatch(value)
        if not m:
            continue
        y, month, day = int(m.group(1)), m.group(2), m.group(3)
        try:
            if month is None:
                return dt.date(y, 1, 1), dt.date(y, 12, 31)
            mo = int(month)
            if day is None:
                first = dt.date(y, mo, 1)
                nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
                return first, nxt - _ONE_DAY
            when = dt.date(y, mo, int(day))
            return when, when
        except ValueError:
            raise QueryError(f"“{value}” in {field}: is not a valid date (the month or day is out of range)") from None
    raise QueryError(
        f"“{value or '(nothing)'}” in {field}: is not a date: write 2026, 2026-03 or "
        f"2026-03-05, or a range such as {field}:[2026-01-01 to 2026-06-30]"
    )


@functools.lru_cache(maxsize=512)
def _parse_cached(text: str) -> Parsed:
    return _Parser(text).parse()


def parse(text: object) -> Parsed:
    """The tree of a query, or a QueryError saying what to correct."""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    if len(text) > MAX_QUERY_LEN:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is "
            f"{MAX_QUERY_LEN}: shorten it or split it into several searches"
        )
    if "\x00" in text:
        raise QueryError("the query contains a NUL character")
    return _parse_cached(text)
