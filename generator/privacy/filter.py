"""The privacy filter: Record + Decision -> PublicRecord, and the redaction report.

Stage: privacy (pure).  It runs once, before anything is written, over every
text of every record to be shown (title, summary, body, every field,
attachment titles and names):

1. stops the build on state-secret markings and ``privacy.block`` strings;
2. replaces the names and aliases of parties who must stay anonymous with
   their pseudonyms (site-wide: a name declared in one record is anonymised
   in all of them, unless that record itself declares the person public);
3. removes every declared ``private`` value, site-wide, also when written
   with other separators or full-width digits;
4. removes identifiers found by the pattern detectors (``detectors.detect``).

Each removal is reported (file:line, rule, masked original, replacement).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from ..approval import Decision, Outcome
from ..config import SiteConfig
from ..errors import Problem
from ..records import Disclosure, Guide, OpenDay, Record
from ..yamlsource import LineMap
from . import detectors
from .markers import marker, private_rule
from .names import needs_anonymising, pseudonym_base, pseudonyms
from .public import _FILTER_KEY, PublicFile, PublicRecord, Redaction
from .secrets import find_markings

__all__ = ["FilterResult", "run_filter", "SiteSecrets"]

# Fields that hold no free text (ids, enums, staff ids, references): never rewritten.
_NOT_TEXT = frozenset({
    "id", "status", "author", "approved_by", "lang", "category", "kind", "validity", "role",
    "legal_basis", "amends", "amended_by", "repeals", "repealed_by", "service", "event_status",
    "file", "minor", "public", "capacity", "nav_order", "source",
})
# Public contact fields: the office's own contacts, kept (no pattern detectors).
_PUBLIC_CONTACT = frozenset({"offices", "location", "registration"})

_SEP = r"[\s\-‐‑–—.·・/]*"
_FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _norm(text: str) -> str:
    """Canonical form for comparing identifiers: NFKC, separators removed, upper case."""
    return re.sub(_SEP, "", unicodedata.normalize("NFKC", text)).upper()


def _is_code_like(value: str) -> bool:
    """Digit-heavy values (ID/phone/card numbers) are matched separator-insensitively."""
    n = _norm(value)
    return len(n) >= 5 and sum(c.isdigit() for c in n) >= len(n) * 0.6 and n.isalnum() and n.isascii()


def _trie_pattern(words: Iterable[str], flexible: bool) -> str:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def char(ch: str, depth: int) -> str:
        if not flexible:
            return re.escape(ch)
        forms = {ch, ch.lower(), ch.upper()}
        forms |= {_FULLWIDTH.get(f, f) for f in list(forms)}
        cls = "[" + "".join(re.escape(f) for f in sorted(forms)) + "]"
        return (_SEP + cls) if depth else cls

    def emit(node: dict[str, Any], depth: int) -> str:
        alts = [char(ch, depth) + emit(node[ch], depth + 1) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie, 0)


@dataclass(frozen=True)
class SiteSecrets:
    """Everything the whole site declares as not to be published, from ALL records
    (published or not): names to anonymise and private values to remove."""

    names: dict[str, str]                 # name or alias -> pseudonym base (张某)
    public_names: dict[str, frozenset[str]]   # record source_path -> names that record declares public
    private: dict[str, str]               # normalised value -> marker rule
    names_re: re.Pattern[str] | None
    private_re: re.Pattern[str] | None

    @classmethod
    def collect(cls, records: Sequence[Record]) -> "SiteSecrets":
        names: dict[str, str] = {}
        public: dict[str, frozenset[str]] = {}
        private: dict[str, str] = {}
        literal: set[str] = set()
        flexible: set[str] = set()
        for record in records:
            if not isinstance(record, Disclosure):
                continue
            shown: set[str] = set()
            for party in record.parties:
                spellings = [party.name, *party.aliases]
                if needs_anonymising(party):
                    for spelling in spellings:
                        if spelling.strip():
                            names.setdefault(spelling, pseudonym_base(party.name))
                            literal.add(spelling)
                else:
                    shown.update(spellings)
                for key, value in party.private.items():
                    value = value.strip()
                    if len(value) < 2:
                        continue
                    rule = private_rule(key)
                    if _is_code_like(value):
                        private[_norm(value)] = rule
                        flexible.add(_norm(value))
                    else:
                        private[value] = rule
                        literal.add(value)
            public[record.source_path] = frozenset(shown)
        names_re = re.compile(_trie_pattern(literal, False)) if literal else None
        private_re = re.compile(_trie_pattern(flexible, True)) if flexible else None
        return cls(names, public, private, names_re, private_re)


@dataclass(frozen=True)
class FilterResult:
    public: list[PublicRecord[Any]]
    redactions: list[Redaction]
    problems: list[Problem]


class _RecordFilter:
    """Filters the texts of one record, collecting redactions."""

    def __init__(self, record: Record, secrets: SiteSecrets, config: SiteConfig,
                 allow: Sequence[str], lines: LineMap):
        self.record = record
        self.secrets = secrets
        self.lang = record.lang or config.language
        self.allow = allow
        self.lines = lines
        self.redactions: list[Redaction] = []
        own = pseudonyms(record.parties) if isinstance(record, Disclosure) else {}
        self.own = dict(own)
        if isinstance(record, Disclosure):
            for party in record.parties:
                for alias in party.aliases:
                    if party.name in own:
                        self.own[alias] = own[party.name]
        self.shown = secrets.public_names.get(record.source_path, frozenset())

    def _report(self, line: int, rule: str, original: str, replacement: str) -> None:
        self.redactions.append(Redaction(self.record.source_path, line, rule,
                                         detectors.mask(original) if rule != "party-name" else _mask_name(original),
                                         replacement))

    def text(self, text: str, line: int, contact: bool = False) -> str:
        if not text:
            return text

        def line_at(offset: int, source: str) -> int:
            return line + source.count("\n", 0, offset)

        def name_sub(m: re.Match[str]) -> str:
            found = m.group(0)
            if found in self.own:
                new = self.own[found]
            elif found in self.shown:
                return found
            else:
                new = self.secrets.names.get(found)
                if new is None:   # a private value written literally
                    rule = self.secrets.private[found]
                    new = marker(rule, self.lang)
                    self._report(line_at(m.start(), m.string), rule, found, new)
                    return new
            self._report(line_at(m.start(), m.string), "party-name", found, new)
            return new

        def private_sub(m: re.Match[str]) -> str:
            rule = self.secrets.private.get(_norm(m.group(0)), "private")
            new = marker(rule, self.lang)
            self._report(line_at(m.start(), m.string), rule, m.group(0), new)
            return new

        if self.secrets.names_re is not None:
            text = self.secrets.names_re.sub(name_sub, text)
        if self.secrets.private_re is not None:
            text = self.secrets.private_re.sub(private_sub, text)
        if contact:
            return text
        found = detectors.detect(text, allow=self.allow)
        if not found:
            return text
        out, last = [], 0
        for d in found:
            new = marker(d.rule, self.lang)
            self._report(line_at(d.start, text), d.rule, d.text, new)
            out += [text[last:d.start], new]
            last = d.end
        out.append(text[last:])
        return "".join(out)

    def value(self, value: Any, path: tuple[Any, ...], contact: bool = False) -> Any:
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        if path and path[0] in _PUBLIC_CONTACT:
            contact = True
        if isinstance(value, str):
            return value if key in _NOT_TEXT else self.text(value, self.lines.line_of(path), contact)
        if isinstance(value, list):
            return [self.value(v, path + (i,), contact) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.value(v, path + (k,), contact) for k, v in value.items()}
        return value


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1)


def _strings(value: Any, path: tuple[Any, ...]) -> Iterable[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))


def _check_markings(record: Record, data: dict[str, Any], body: str, config: SiteConfig,
                    lines: LineMap) -> list[Problem]:
    problems = []
    block = config.privacy.block
    for path, text in _strings(data, ()):
        for offset, what in find_markings(text, block):
            line = lines.line_of(path) + text.count("\n", 0, offset)
            problems.append(_marking_problem(record.source_path, line, what, ".".join(map(str, path)), block))
    for offset, what in find_markings(body, block):
        line = record.body_line + body.count("\n", 0, offset)
        problems.append(_marking_problem(record.source_path, line, what, "body", block))
    return problems


def _marking_problem(path: str, line: int, what: str, where: str, block: Sequence[str]) -> Problem:
    if what in block:
        return Problem(path, line, f"'{what}' in {where} is listed in privacy.block: this record may not be published",
                       "remove the text, or set status: draft until it has been cleared")
    return Problem(path, line, f"state-secret marking '{what}' in {where}: marked material is never published",
                   "a marked record must not be in the public repository; remove it and report it to the security officer")


def _public_contacts(records: Sequence[Record], config: SiteConfig) -> list[str]:
    allow = list(config.privacy.allow)
    for record in records:
        if isinstance(record, Guide):
            allow += [o.phone for o in record.offices if o.phone]
        if isinstance(record, OpenDay) and record.registration and record.registration.contact:
            allow.append(record.registration.contact)
    return sorted(set(a for a in allow if a))


def _file_name(name: str, index: int, filt: _RecordFilter) -> str:
    stem, ext = posixpath.splitext(name)
    before = len(filt.redactions)
    filtered = filt.text(stem, 0)
    safe = re.fullmatch(r"[\w\-.一-鿿]+", filtered or "") is not None
    if len(filt.redactions) != before or not safe:
        del filt.redactions[before:]
        return f"attachment-{index + 1}{ext.lower()}"
    return filtered + ext.lower()


def run_filter(
    decided: Sequence[tuple[Record, Decision]],
    config: SiteConfig,
    line_maps: dict[str, LineMap],
    files: dict[str, int],
    content_prefix: str,
) -> FilterResult:
    """Filter every record that will be visible; stop on markings."""
    secrets = SiteSecrets.collect([r for r, _ in decided])
    allow = _public_contacts([r for r, d in decided if d.outcome.visible], config)
    public: list[PublicRecord[Any]] = []
    redactions: list[Redaction] = []
    problems: list[Problem] = []
    for record, decision in decided:
        if not decision.outcome.visible:
            continue
        lines = line_maps.get(record.source_path, LineMap())
        data = record.model_dump(mode="python", exclude_none=True)
        tombstone = decision.outcome is Outcome.TOMBSTONE
        if tombstone:
            shown = {k: data[k] for k in ("title", "withdrawn_reason") if k in data}
            problems += _check_markings(record, shown, "", config, lines)
        else:
            problems += _check_markings(record, data, record.body, config, lines)
        filt = _RecordFilter(record, secrets, config, allow, lines)
        if tombstone:
            keep = {k: v for k, v in data.items() if k not in
                    ("summary", "tags", "changes", "parties", "attachments", "forms", "agenda")}
            filtered = filt.value(keep, ())
            body = ""
        else:
            if isinstance(record, Disclosure):
                data["parties"] = [
                    {"name": filt.text(p.name, lines.line_of(("parties", i, "name"))), "role": p.role,
                     "minor": p.minor, "public": p.public}
                    for i, p in enumerate(record.parties)
                ]
            filtered = filt.value({k: v for k, v in data.items() if k != "parties"}, ())
            if "parties" in data:
                filtered["parties"] = data["parties"]
            body = filt.text(record.body, record.body_line)
        public_files: list[PublicFile] = []
        if not tombstone:
            folder = posixpath.dirname(record.source_path[len(content_prefix) + 1:])
            for field in ("attachments", "forms"):
                for i, item in enumerate(filtered.get(field, [])):
                    source = posixpath.normpath(posixpath.join(folder, item["file"]))
                    name = _file_name(posixpath.basename(item["file"]), len(public_files), filt)
                    href = f"{record.url}files/{name}"
                    public_files.append(PublicFile(source, href, item["title"], files.get(source, 0)))
                    item["file"] = name
        copy = type(record).model_validate(filtered, context={"tz": config.tz})
        copy = copy.model_copy(update={"source_path": record.source_path, "body": body,
                                       "body_line": record.body_line})
        public.append(PublicRecord(decision.outcome, copy, tuple(public_files), (), _FILTER_KEY))
        redactions += filt.redactions
    return FilterResult(public, redactions, problems)
