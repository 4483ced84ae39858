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
4. removes identifiers found by the pattern detectors (``detectors.detect``);
5. scans the attachments of records to be published (``attachments.py``):
   an attachment cannot be redacted, so a finding stops the build.

Each removal is reported (file:line, rule, masked original, replacement).

The filter is pure: it reads no file itself.  Attachment bytes come through
the ``read_file`` callable the pipeline passes in (``loading.read_attachment``
bound to the content folder), so tests and the review command can hand it
anything that maps a path relative to ``content/`` to bytes.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import ahocorasick

from ..approval import Decision, Outcome
from ..config import SiteConfig
from ..errors import Problem
from ..records import Disclosure, Guide, OpenDay, Page, Record
from ..yamlsource import LineMap
from . import detectors
from .attachments import AttachmentScan, scan_attachment
from .markers import marker, private_rule
from .names import needs_anonymising, pseudonym_base, pseudonyms
from .public import _FILTER_KEY, PublicFile, PublicRecord, Redaction
from .secrets import find_markings

__all__ = ["FilterResult", "run_filter", "SiteSecrets", "ReadFile", "Review", "ReviewText", "review_record",
           "filter_text"]

# path relative to content/ (posix, as in ContentTree.files) -> the file's bytes
ReadFile = Callable[[str], bytes]
Span = tuple[int, int]

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


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    text: str


class _Literals:
    """Exact strings (names, aliases, literal private values), found leftmost-longest
    and without overlaps by one Aho-Corasick pass (pyahocorasick): linear in the
    text, whatever the number of strings (a regex alternation of thousands of
    names took seconds to compile and scanned each position once per name)."""

    def __init__(self, words: Iterable[str]):
        self._automaton = ahocorasick.Automaton()
        for word in sorted(set(words)):
            self._automaton.add_word(word, len(word))
        self._automaton.make_automaton()

    def finditer(self, text: str) -> list[_Hit]:
        return [_Hit(end - n + 1, end + 1, text[end - n + 1:end + 1]) for end, n in self._automaton.iter_long(text)]


_ALNUM_RUN = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ](?:" + _SEP + r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ])*")


class _Codes:
    """Digit-heavy declared values (ID, phone, card numbers), found whatever the
    separators (spaces, hyphens, dots) or full-width digits in the text: each run
    of letters/digits is normalised (NFKC, separators out, upper case) with a map
    back to the original offsets, then searched like ``_Literals``."""

    def __init__(self, normalised: Iterable[str]):
        self._literals = _Literals(normalised)

    def finditer(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        for run in _ALNUM_RUN.finditer(text):
            chars: list[str] = []
            where: list[int] = []
            for offset, ch in enumerate(run.group(0), run.start()):
                if ch.isalnum():
                    chars.append(unicodedata.normalize("NFKC", ch).upper())
                    where.append(offset)
            for hit in self._literals.finditer("".join(chars)):
                start, end = where[hit.start], where[hit.end - 1] + 1
                hits.append(_Hit(start, end, text[start:end]))
        return hits


@dataclass(frozen=True)
class SiteSecrets:
    """Everything the whole site declares as not to be published, from ALL records
    (published or not): names to anonymise and private values to remove."""

    names: dict[str, str]                 # name or alias -> the party's name (its pseudonym is made per record language)
    public_names: dict[str, frozenset[str]]   # record source_path -> names that record declares public
    private: dict[str, str]               # normalised value -> marker rule
    names_re: _Literals | None
    private_re: _Codes | None

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
                            names.setdefault(spelling, party.name)
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
        names_re = _Literals(literal) if literal else None
        private_re = _Codes(flexible) if flexible else None
        return cls(names, public, private, names_re, private_re)

    def declared_in(self, text: str, own: dict[str, str], shown: frozenset[str]) -> list[tuple[str, str]]:
        """(rule, found) for every anonymised name and declared private value in ``text``
        ("party-name" for names), as the text filter would remove them.  Names are
        also looked for with white space removed (PDF text often splits words)."""
        found: list[tuple[str, str]] = []
        if self.names_re is not None:
            squeezed = re.sub(r"\s+", "", text)
            for source in (text, squeezed) if squeezed != text else (text,):
                for m in self.names_re.finditer(source):
                    value = m.text
                    if value in own or (value in self.names and value not in shown):
                        found.append(("party-name", value))
                    elif value not in self.names:
                        found.append((self.private[value], value))
        if self.private_re is not None:
            for m in self.private_re.finditer(text):
                found.append((self.private.get(_norm(m.text), "private"), m.text))
        return found


@dataclass(frozen=True)
class FilterResult:
    public: list[PublicRecord[Any]]
    redactions: list[Redaction]
    problems: list[Problem]


class _RecordFilter:
    """Filters the texts of one record, collecting redactions.

    With ``track=True`` (the review command) it also keeps, for every text it
    filtered, where the replacements are in the output (``self.texts``).
    """

    def __init__(self, record: Record, secrets: SiteSecrets, lang: str,
                 allow: Sequence[str], lines: LineMap, track: bool = False):
        self.record = record
        self.secrets = secrets
        self.lang = lang
        self.allow = allow
        self.lines = lines
        self.redactions: list[Redaction] = []
        self.track = track
        self.texts: list[ReviewText] = []
        own = pseudonyms(record.parties, self.lang) if isinstance(record, Disclosure) else {}
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

    def _name_edit(self, found: str) -> tuple[str, str] | None:
        """(rule, replacement) for a match of the names/literal-values pattern, or None to keep it."""
        if found in self.own:
            return "party-name", self.own[found]
        if found in self.shown:
            return None
        real = self.secrets.names.get(found)
        if real is None:   # a private value written literally
            rule = self.secrets.private[found]
            return rule, marker(rule, self.lang)
        return "party-name", pseudonym_base(real, self.lang)

    def text(self, text: str, line: int, contact: bool = False, label: str = "") -> str:
        if not text:
            return text
        breaks = text.count("\n")
        spans: list[Span] | None = [] if self.track else None

        def line_at(offset: int, source: str) -> int:
            return line + source.count("\n", 0, offset)

        if self.secrets.names_re is not None:
            edits = []
            for m in self.secrets.names_re.finditer(text):
                edit = self._name_edit(m.text)
                if edit is not None:
                    self._report(line_at(m.start, text), edit[0], m.text, edit[1])
                    edits.append((m.start, m.end, edit[1]))
            text, spans = _splice(text, edits, spans)
        if self.secrets.private_re is not None:
            edits = []
            for m in self.secrets.private_re.finditer(text):
                rule = self.secrets.private.get(_norm(m.text), "private")
                new = marker(rule, self.lang)
                self._report(line_at(m.start, text), rule, m.text, new)
                edits.append((m.start, m.end, new))
            text, spans = _splice(text, edits, spans)
        if not contact:
            edits = []
            for d in detectors.detect(text, allow=self.allow):
                new = marker(d.rule, self.lang)
                self._report(line_at(d.start, text), d.rule, d.text, new)
                edits.append((d.start, d.end, new))
            text, spans = _splice(text, edits, spans)
        if self.track and label:
            self.texts.append(ReviewText(label, line, text, tuple(spans or ()), text.count("\n") == breaks))
        return text

    def value(self, value: Any, path: tuple[Any, ...], contact: bool = False) -> Any:
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        if path and path[0] in _PUBLIC_CONTACT:
            contact = True
        if isinstance(value, str):
            if key in _NOT_TEXT:
                if self.track:
                    self.texts.append(ReviewText(_label(path), self.lines.line_of(path), value, ()))
                return value
            return self.text(value, self.lines.line_of(path), contact, _label(path))
        if isinstance(value, list):
            return [self.value(v, path + (i,), contact) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.value(v, path + (k,), contact) for k, v in value.items()}
        if self.track and path and value is not None:
            self.texts.append(ReviewText(_label(path), self.lines.line_of(path), _scalar(value), ()))
        return value


def _label(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _splice(text: str, edits: list[tuple[int, int, str]], spans: list[Span] | None) -> tuple[str, list[Span] | None]:
    """Apply sorted, non-overlapping ``edits`` (start, end, new); when ``spans``
    (highlighted ranges of ``text``) is given, return them moved to the new text,
    with the new replacements added and overlapping ranges merged."""
    if not edits:
        return text, spans
    out: list[str] = []
    moved: list[tuple[int, int, int, int]] = []   # input start, end -> output start, end
    last = pos = 0
    for start, end, new in edits:
        out.append(text[last:start])
        pos += start - last
        moved.append((start, end, pos, pos + len(new)))
        out.append(new)
        pos += len(new)
        last = end
    out.append(text[last:])
    if spans is None:
        return "".join(out), None

    def where(p: int, is_end: bool) -> int:
        shift = 0
        for s, e, os_, oe in moved:
            if (p <= s) if is_end else (p < s):
                break
            if (s < p <= e) if is_end else (s <= p < e):
                return oe if is_end else os_
            shift = oe - e
        return p + shift

    result = sorted([(os_, oe) for _, _, os_, oe in moved] + [(where(a, False), where(b, True)) for a, b in spans])
    merged: list[Span] = []
    for a, b in result:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return "".join(out), merged


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
    allow_terms = allowed_terms(record, config)
    for path, text in _strings(data, ()):
        if path and path[0] == "privacy":   # the exemption itself names the terms
            continue
        for offset, what in find_markings(text, block, allow_terms):
            line = lines.line_of(path) + text.count("\n", 0, offset)
            problems.append(_marking_problem(record.source_path, line, what, ".".join(map(str, path)), block))
    for offset, what in find_markings(body, block, allow_terms):
        line = record.body_line + body.count("\n", 0, offset)
        problems.append(_marking_problem(record.source_path, line, what, "body", block))
    return problems


def allowed_terms(record: Record, config: SiteConfig) -> list[str]:
    """The terms of a record's ``privacy.allow_terms`` exemption, when it is valid:
    approved by a listed approver who is not the record's author (else none)."""
    ex = record.privacy
    if ex is None or ex.approved_by not in config.approvers or ex.approved_by == record.author:
        return []
    return [t for t in ex.allow_terms if t]


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


@dataclass(frozen=True)
class ReviewText:
    """One text of a record as it will be published, for ``openaffairs review``."""

    label: str                    # "title", "summary", "tags[0]", "parties[2].name", "body", ...
    line: int                     # where it starts in the source file
    text: str                     # filtered
    spans: tuple[Span, ...]       # (start, end) in ``text`` of every replacement (pseudonym or marker)
    same_lines: bool = True       # line i of ``text`` is line ``line + i`` of the source (no line break removed)


@dataclass(frozen=True)
class ReviewFile:
    field: str                    # attachments | forms
    line: int
    href: str                     # the published path (file name filtered)
    title: str                    # filtered
    scan: AttachmentScan


@dataclass(frozen=True)
class Review:
    """One record filtered as if it were published (``review_record``); no unmasked value."""

    source_path: str
    decision: Decision
    as_if_published: bool         # held back: shown as it WOULD be published once approved
    outcome: Outcome              # the outcome it was filtered for
    texts: tuple[ReviewText, ...]
    files: tuple[ReviewFile, ...]
    redactions: list[Redaction]
    problems: list[Problem]       # what would stop the build for this record (markings, attachments)


@dataclass(frozen=True)
class _Site:
    """What the filter of one record needs to know about the whole site."""

    secrets: SiteSecrets
    allow: list[str]
    config: SiteConfig
    line_maps: dict[str, LineMap]
    files: dict[str, int]
    prefix: str
    read_file: ReadFile


@dataclass
class _One:
    public: PublicRecord[Any]
    redactions: list[Redaction]
    problems: list[Problem]
    texts: list[ReviewText]
    files: list[ReviewFile]


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _scan_file(record: Record, field: str, index: int, file: str, source: str, filt: _RecordFilter,
               site: _Site) -> tuple[AttachmentScan, Problem | None]:
    line = filt.lines.line_of((field, index, "file"))
    try:
        data = site.read_file(source)
    except OSError as exc:
        scan = AttachmentScan(f"unreadable: {exc.strerror or type(exc).__name__}")
    else:
        scan = scan_attachment(posixpath.basename(source), data, allow=site.allow,
                               block=site.config.privacy.block, mask_name=_mask_name,
                               declared=lambda text: site.secrets.declared_in(text, filt.own, filt.shown))
    if scan.findings:
        return scan, Problem(
            record.source_path, line,
            f"attachment '{file}' contains {_join(scan.findings)}: an attachment is published as it is "
            "and cannot be redacted by the generator",
            "remove these from the file (or attach a redacted copy), or remove the attachment from the record")
    if scan.blocked:
        return scan, Problem(
            record.source_path, line,
            f"attachment '{file}' could not be read to check it for personal data ({scan.status[len('unreadable: '):]})",
            "save it again as an unencrypted PDF or DOCX, or remove the attachment from the record")
    return scan, None


def _filter_one(record: Record, outcome: Outcome, site: _Site, track: bool = False) -> _One:
    """One record as it is published with ``outcome`` (PUBLISH or TOMBSTONE)."""
    config = site.config
    lines = site.line_maps.get(record.source_path, LineMap())
    data = record.model_dump(mode="python", exclude_none=True)
    tombstone = outcome is Outcome.TOMBSTONE
    problems: list[Problem] = []
    if tombstone:
        shown: dict[str, Any] = {k: data[k] for k in ("title", "withdrawn_reason") if k in data}
        problems += _check_markings(record, shown, "", config, lines)
    else:
        problems += _check_markings(record, data, record.body, config, lines)
    filt = _RecordFilter(record, site.secrets, record.lang or config.language, site.allow, lines, track)
    if tombstone:
        keep = {k: v for k, v in data.items() if k not in
                ("summary", "tags", "changes", "parties", "attachments", "forms", "agenda")}
        filtered = filt.value(keep, ())
        body = ""
    else:
        parties = None
        if isinstance(record, Disclosure):
            parties = [
                {"name": filt.text(p.name, lines.line_of(("parties", i, "name")), label=f"parties[{i}].name ({p.role.value})"),
                 "role": p.role, "minor": p.minor, "public": p.public}
                for i, p in enumerate(record.parties)
            ]
        filtered = filt.value({k: v for k, v in data.items() if k != "parties"}, ())
        if parties is not None and "parties" in data:
            filtered["parties"] = parties
        body = filt.text(record.body, record.body_line, label="body")
    public_files: list[PublicFile] = []
    reviewed: list[ReviewFile] = []
    if not tombstone:
        folder = posixpath.dirname(record.source_path[len(site.prefix) + 1:])
        for field in ("attachments", "forms"):
            for i, item in enumerate(filtered.get(field, [])):
                source = posixpath.normpath(posixpath.join(folder, item["file"]))
                name = _file_name(posixpath.basename(item["file"]), len(public_files), filt)
                href = f"{record.url}files/{name}"
                public_files.append(PublicFile(source, href, item["title"], site.files.get(source, 0)))
                scan, problem = _scan_file(record, field, i, item["file"], source, filt, site)
                if problem is not None:
                    problems.append(problem)
                reviewed.append(ReviewFile(field, lines.line_of((field, i, "file")), href, item["title"], scan))
                item["file"] = name
    copy = type(record).model_validate(filtered, context={"tz": config.tz})
    copy = copy.model_copy(update={"source_path": record.source_path, "body": body,
                                   "body_line": record.body_line})
    public = PublicRecord(outcome, copy, tuple(public_files), (), _FILTER_KEY)
    return _One(public, filt.redactions, problems, filt.texts, reviewed)


def _site(decided: Sequence[tuple[Record, Decision]], config: SiteConfig, line_maps: dict[str, LineMap],
          files: dict[str, int], content_prefix: str, read_file: ReadFile,
          extra_visible: Sequence[Record] = ()) -> _Site:
    secrets = SiteSecrets.collect([r for r, _ in decided])
    allow = _public_contacts([r for r, d in decided if d.outcome.visible] + list(extra_visible), config)
    return _Site(secrets, allow, config, line_maps, files, content_prefix, read_file)


def run_filter(
    decided: Sequence[tuple[Record, Decision]],
    config: SiteConfig,
    line_maps: dict[str, LineMap],
    files: dict[str, int],
    content_prefix: str,
    read_file: ReadFile,
) -> FilterResult:
    """Filter every record that will be visible; stop on markings and on
    attachments of published records that hold personal data.

    ``read_file`` gives the bytes of an attachment from its path relative to
    ``content/`` (the pipeline binds ``loading.read_attachment``); it is called
    once per attachment of a record to be published, never for other files.
    """
    site = _site(decided, config, line_maps, files, content_prefix, read_file)
    public: list[PublicRecord[Any]] = []
    redactions: list[Redaction] = []
    problems: list[Problem] = []
    for record, decision in decided:
        if not decision.outcome.visible:
            continue
        one = _filter_one(record, decision.outcome, site)
        public.append(one.public)
        redactions += one.redactions
        problems += one.problems
    return FilterResult(public, redactions, problems)


def review_record(
    decided: Sequence[tuple[Record, Decision]],
    source_path: str,
    config: SiteConfig,
    line_maps: dict[str, LineMap],
    files: dict[str, int],
    content_prefix: str,
    read_file: ReadFile,
) -> Review:
    """The record at ``source_path`` filtered exactly as the build filters it,
    with every replacement located, for an approver to check.

    A record that is held back is filtered as if it were published (PUBLISH),
    with the same site-wide names and private values, so the approver sees
    what approving it would publish.  Raises KeyError for an unknown path.
    """
    found = [(r, d) for r, d in decided if r.source_path == source_path]
    if not found:
        raise KeyError(source_path)
    record, decision = found[0]
    outcome = decision.outcome if decision.outcome.visible else Outcome.PUBLISH
    site = _site(decided, config, line_maps, files, content_prefix, read_file, extra_visible=[record])
    one = _filter_one(record, outcome, site, track=True)
    return Review(record.source_path, decision, not decision.outcome.visible, outcome, tuple(one.texts),
                  tuple(one.files), one.redactions, sorted(set(one.problems)))


def filter_text(text: str, records: Sequence[Record] = (), *, lang: str = "zh",
                allow: Sequence[str] = ()) -> tuple[str, list[Redaction]]:
    """One free text filtered as the body of a record without parties would be,
    with the names and private values that ``records`` declare (site-wide).
    For tests and tools; the build uses ``run_filter``."""
    secrets = SiteSecrets.collect(records)
    holder = Page.model_construct(id="text", title="text", lang=lang, status="approved", author="x",
                                  source_path="", body="", body_line=1)
    filt = _RecordFilter(holder, secrets, lang, allow, LineMap())
    return filt.text(text, 1), filt.redactions
