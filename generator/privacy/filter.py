"""The privacy filter: Record + Decision -> PublicRecord, and the redaction report.

Stage: privacy (pure).  It judges every text as a reader will see it:

1. the body is rendered (``generator.document``: Markdown, sanitised HTML, a
   tree), and each field is taken as the string the page will print;
2. each text is normalised for matching (``normalise``: NFKC, zero-width and
   format characters out, white space inside CJK joined, entities and
   percent-escapes decoded, middle dots unified, Latin case folded) with a map
   back to the original, so a match spanning several text nodes is replaced
   in all of them;
3. state-secret markings and ``privacy.block`` strings stop the build
   (``secrets.find_markings``, on the source and on the normalised text);
4. names of parties who stay anonymous become pseudonyms, declared
   ``private`` values and detected identifiers become markers
   (``matching.Matcher``, ``detectors``);
5. attribute values (``href``, ``src``, ``alt``, ``title``, ``id``) go through
   the same matcher; a link whose target holds personal data loses its
   target; identifiers that cannot be rewritten (a record's ``id`` -- its URL
   --, a regulation's ``source``) stop the build when they hold any;
6. references to records that are not published are dropped, and links into
   them lose their target: nothing of a held-back record appears;
7. attachments of records to be published are scanned (``attachments.py``):
   an attachment cannot be redacted, so a finding stops the build.

Only fields listed in ``public.PUBLIC_FIELDS`` reach the ``PublicRecord``.
Every removal is reported (file:line, rule, masked original, replacement).
The filter reads no file itself: attachment bytes come through ``read_file``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import posixpath
import re
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from pydantic_core import PydanticUndefined

from ..approval import Decision, Outcome
from ..config import SiteConfig
from ..document import (
    BLOCK_TAGS,
    BoundsError,
    Element,
    Text,
    check_bounds,
    heading_id,
    parse_html,
    render_markdown,
    sanitise,
)
from ..errors import Problem
from ..heap import paused, release
from ..records import RECORD_TYPES, Disclosure, Guide, OpenDay, Page, Record
from ..workers import forked_map, workers_for
from ..yamlsource import LineMap
from . import detectors
from .attachments import AttachmentScan, Extractor, scan_attachment
from .matching import Edit, Matcher, detect, fold_words, merge
from .names import pseudonyms
from .normalise import BLOCK, Normalised, normalise
from .people import undeclared_people
from .plain import plain_tree
from .public import _FILTER_KEY, PUBLIC_FIELDS, PublicFile, PublicRecord, Redaction, as_plain, from_plain
from .review import Review, ReviewFile, ReviewText, node_lines, review_body
from .secrets import find_markings

__all__ = [
    "FilterResult",
    "FilterWorkerError",
    "run_filter",
    "ReadFile",
    "Review",
    "ReviewText",
    "review_record",
    "filter_text",
]

# path relative to content/ (posix, as in ContentTree.files) -> the file's bytes
ReadFile = Callable[[str], bytes]
Span = tuple[int, int]

# Fields that name other records, enums or staff: closed sets, never rewritten.
_CLOSED = frozenset(
    {
        "status",
        "author",
        "approved_by",
        "lang",
        "translation_of",
        "category",
        "kind",
        "validity",
        "role",
        "service",
        "event_status",
        "minor",
        "public",
        "capacity",
        "nav_order",
        "file",
    }
)
_REFERENCES = frozenset(name for model in RECORD_TYPES.values() for name in model.REFERENCE_FIELDS)
# Strings that become part of a URL: they cannot be rewritten, so a finding stops the build.
_IDENTIFIERS = frozenset({"id", "source"})
_URL_ATTRS = frozenset({"href", "src"})
_TEXT_ATTRS = frozenset({"alt", "title", "id", "class", "lang", "hreflang", "datetime"})
_RECORD_LINK = re.compile(r"^(?:\.\./|\./)*/?(disclosures|regulations|open-days|guides|pages)/([a-z0-9][a-z0-9-]*)/?")


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1)


@dataclass(frozen=True)
class FilterResult:
    public: list[PublicRecord[Record]]
    redactions: list[Redaction]
    problems: list[Problem]
    warnings: list[Problem] = ()  # type: ignore[assignment]
    # content-relative path -> SHA-256 of the bytes of every attachment the filter scanned:
    # the site writer publishes exactly these bytes (it refuses a file changed since)
    scanned: dict[str, str] = field(default_factory=dict)
    workers: int = 1  # processes that filtered the records not in the cache (1: this one)


class RecordCache(Protocol):
    """Where ``run_filter`` keeps one record's result between builds (``generator.cache``)."""

    fingerprint: str

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]: ...

    def put(self, key: str, value: Any) -> None: ...


class _LazyMatcher:
    """The site-wide ``Matcher``, built the first time a record is filtered (a rebuild
    whose records all come from the cache never builds it).  Shared by the copies of a
    ``_Site`` (``dataclasses.replace``); each forked worker builds its own."""

    def __init__(self, records: Sequence[Record], not_names: Sequence[str] = ()):
        self.records = records
        self.not_names = list(not_names)
        self._matcher: Matcher | None = None

    def get(self) -> Matcher:
        if self._matcher is None:
            # many small objects (a key per declared string), no cycles: a collection of the
            # whole heap (every record, every restored entry) now and then would cost more
            # than building the matcher
            with paused():
                self._matcher = Matcher(self.records, self.not_names)
        return self._matcher


@dataclass(frozen=True)
class _Site:
    """What the filter of one record needs to know about the whole site."""

    lazy_matcher: _LazyMatcher
    allow: list[str]
    block: list[tuple[str, str]]
    config: SiteConfig
    line_maps: dict[str, LineMap]
    files: dict[str, int]
    prefix: str
    read_file: ReadFile
    visible: frozenset[tuple[str, str]]  # (type, id) of every record with a page
    extractor: Extractor

    @property
    def matcher(self) -> Matcher:
        return self.lazy_matcher.get()


class _RecordFilter:
    """Filters the texts of one record, collecting redactions and problems."""

    def __init__(self, record: Record, site: _Site, lang: str, lines: LineMap, track: bool = False):
        self.record = record
        self.site = site
        self.lang = lang
        self.lines = lines
        self.track = track
        self.redactions: list[Redaction] = []
        self.problems: list[Problem] = []
        self.texts: list[ReviewText] = []
        own = pseudonyms(record.parties, lang) if isinstance(record, Disclosure) else {}
        self.own = site.matcher.own_pseudonyms(record, own)
        self.shown = site.matcher.public.get(record.source_path, frozenset())
        # (issue 8) a reviewed privacy.allow_terms exemption: block strings inside these terms
        self.allow_terms = allowed_terms(record, site.config) if site.config is not None else []
        self.allow_keys = [k for k, _ in fold_words(self.allow_terms)]

    # -- finding ------------------------------------------------------------------------------
    def _markings(
        self, norm: Normalised, raw: str, where: str, line_at: Callable[[int], int], found: dict[str, int] | None = None
    ) -> None:
        """Markings and block strings in ``raw`` and in its normalised form; ``found``:
        those already found in the source (with their exact lines)."""
        found = dict(found or {})
        for offset, what in find_markings(raw, []):
            found.setdefault(what, line_at(offset))
        if norm.starts is not None:  # else the normalised text is the raw one
            for offset, what in find_markings(norm.text, []):
                found.setdefault(what, line_at(norm.orig(offset)))
        for key, word in self.site.block:
            start = norm.folded.find(key)
            while start != -1 and self.allow_keys and _inside(norm.folded, start, len(key), self.allow_keys):
                start = norm.folded.find(key, start + 1)
            if start != -1:
                found.setdefault(word, line_at(norm.orig(start)))
        for what, line in found.items():
            self.problems.append(
                _marking_problem(self.record.source_path, line, what, where, [w for _, w in self.site.block])
            )

    def edits(self, norm: Normalised, contact: bool) -> list[Edit]:
        found = self.site.matcher.declared(norm, self.own, self.shown, self.lang)
        if not contact:
            found += detect(norm, self.site.allow, self.lang)
        return merge(found)

    def _report(self, line: int, edit: Edit, original: str) -> None:
        masked = _mask_name(original) if edit.rule == "party-name" else detectors.mask(original)
        self.redactions.append(Redaction(self.record.source_path, line, edit.rule, masked, edit.replacement))

    # -- plain strings (fields, attribute values) ---------------------------------------------
    def text(
        self, raw: str, line: int, where: str, contact: bool = False, label: str = "", markings: bool = True
    ) -> str:
        if not raw:
            return raw
        norm = normalise(raw, plain=True)

        def line_at(offset: int) -> int:
            return line + raw.count("\n", 0, offset)

        if markings:
            self._markings(norm, raw, where, line_at)
        out: list[str] = []
        spans: list[Span] = []
        last = pos = 0
        for e in self.edits(norm, contact):
            a, b = norm.span(e.start, e.end)
            self._report(line_at(a), e, raw[a:b])
            out.append(raw[last:a])
            pos += a - last
            out.append(e.replacement)
            spans.append((pos, pos + len(e.replacement)))
            pos += len(e.replacement)
            last = b
        out.append(raw[last:])
        result = "".join(out)
        if self.track and label:
            self.texts.append(ReviewText(label, line, result, tuple(spans), result.count("\n") == raw.count("\n")))
        return result

    def identifier(self, raw: str, line: int, field: str) -> str:
        """An id or URL: it cannot be rewritten, so anything found stops the build."""
        spaced = re.sub(r"[-_./:?=&#+]+", " ", raw)
        norm = normalise(spaced)
        self._markings(norm, spaced, f"field '{field}'", lambda _o: line)
        found = self.edits(norm, contact=False)
        for e in found:
            what = "the name of a party who stays anonymous" if e.rule == "party-name" else f"personal data ({e.rule})"
            masked = _mask_name(e.found) if e.rule == "party-name" else detectors.mask(e.found)
            self.problems.append(
                Problem(
                    self.record.source_path,
                    line,
                    f"field '{field}' contains {what} '{masked}': it becomes part of a URL and cannot be redacted",
                    "choose a value without it (an id such as 2026-fraud-case-15)",
                )
            )
        if self.track:
            self.texts.append(ReviewText(field, line, raw, ()))
        return raw

    def value(self, value: Any, path: tuple[Any, ...], contact: bool = False) -> Any:
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        # public contact fields (offices, location, registration) get no exemption: their
        # phone numbers and addresses are on the allow list (``_public_contacts``), and
        # anything else in them (a name, an ID number in 'hours') is found as anywhere
        label = _label(path)
        if isinstance(value, str):
            line = self.lines.line_of(path)
            if key in _CLOSED:
                if self.track:
                    self.texts.append(ReviewText(label, line, value, ()))
                return value
            if key in _IDENTIFIERS and len(path) == 1:
                return self.identifier(value, line, key)
            return self.text(value, line, ".".join(map(str, path)), contact, label)
        if isinstance(value, list):
            return [self.value(v, path + (i,), contact) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.value(v, path + (k,), contact) for k, v in value.items()}
        if self.track and path and value is not None:
            self.texts.append(ReviewText(label, self.lines.line_of(path), _scalar(value), ()))
        return value

    # -- the body -----------------------------------------------------------------------------
    def body(self, source: str, first_line: int) -> tuple[str, str]:
        """(filtered HTML, its plain text) of the body."""
        if not source.strip():
            return "", ""
        try:
            check_bounds(source)
        except BoundsError as exc:
            self.problems.append(
                Problem(
                    self.record.source_path,
                    first_line + exc.line - 1,
                    f"body: {exc.message}",
                    "split the text, or fix the unclosed markup",
                )
            )
            return "", ""
        root = plain_tree(source)  # paragraphs of plain text: the same tree, built directly
        if root is None:
            root = parse_html(sanitise(render_markdown(source)))
        nodes, raw = _text_view(root)
        located = node_lines(nodes, source, first_line)
        norm = normalise(raw)

        def line_at(offset: int) -> int:
            for start, node, line in reversed(located):
                if start <= offset:
                    return line + node.text.count("\n", 0, max(0, offset - start))
            return first_line

        # markings: the source as written (lines exact) and the text as read
        in_source: dict[str, int] = {}
        for offset, what in find_markings(source, [w for _, w in self.site.block], self.allow_terms):
            in_source.setdefault(what, first_line + source.count("\n", 0, offset))
        self._markings(norm, raw, "body", line_at, in_source)
        replaced = self._apply(nodes, norm, line_at)
        self._attributes(root)
        self._gate_links(root)
        taken: set[str] = set()
        for el in root.iter():
            if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                el.set("id", el.get("id") or heading_id(el.text(), taken))
        if self.track:
            self.texts.append(review_body(root, replaced, located, first_line))
        return root.html(), root.text()

    def _apply(
        self, nodes: list[tuple[int, Text]], norm: Normalised, line_at: Callable[[int], int]
    ) -> dict[int, list[Span]]:
        """Replace every edit in the text nodes it spans; returns, per node, the spans of replacements."""
        cuts: dict[int, list[tuple[int, int, str]]] = {}
        starts = [start for start, _ in nodes]
        for e in self.edits(norm, contact=False):
            a, b = norm.span(e.start, e.end)
            original = []
            placed = False
            for i in range(max(0, bisect_right(starts, a) - 1), len(nodes)):
                start, node = nodes[i]
                if start >= b:
                    break
                end = start + len(node.text)
                if end <= a:
                    continue
                la, lb = max(a, start) - start, min(b, end) - start
                original.append(node.text[la:lb])
                cuts.setdefault(i, []).append((la, lb, "" if placed else e.replacement))
                placed = True
            if placed:
                self._report(line_at(a), e, "".join(original))
        replaced: dict[int, list[Span]] = {}
        for i, items in cuts.items():
            node = nodes[i][1]
            out, spans, last, pos = [], [], 0, 0
            for la, lb, new in sorted(items):
                out.append(node.text[last:la])
                pos += la - last
                if new:
                    out.append(new)
                    spans.append((pos, pos + len(new)))
                    pos += len(new)
                last = lb
            out.append(node.text[last:])
            node.text = "".join(out)
            replaced[id(node)] = spans
        return replaced

    def _attributes(self, root: Element) -> None:
        line = self.record.body_line
        for el in root.iter():
            for name, value in list(el.attrs):
                if not value:
                    continue
                if name in _URL_ATTRS:
                    before = len(self.redactions) + len(self.problems)
                    self.text(value, line, f"body ({el.tag} {name})", markings=True)
                    if len(self.redactions) + len(self.problems) != before:
                        el.set(name, None)  # a link target cannot be redacted: dropped
                elif name in _TEXT_ATTRS:
                    el.set(name, self.text(value, line, f"body ({el.tag} {name})"))
                else:
                    el.set(name, None)  # nothing the filter does not read is published

    def _gate_links(self, root: Element) -> None:
        """Links into records that are not published lose their target."""
        for el in root.iter():
            href = el.get("href") if el.tag == "a" else None
            if not href:
                continue
            m = _RECORD_LINK.match(href)
            if m and (m.group(1), m.group(2)) not in self.site.visible:
                el.set("href", None)


def _text_view(root: Element) -> tuple[list[tuple[int, Text]], str]:
    """The text nodes in reading order with their offsets in the joined text; blocks
    are separated by ``BLOCK``, ``<br>`` by a line break."""
    nodes: list[tuple[int, Text]] = []
    parts: list[str] = []
    pos = 0

    def walk(el: Element) -> None:
        nonlocal pos
        for c in el.children:
            if isinstance(c, Text):
                nodes.append((pos, c))
                parts.append(c.text)
                pos += len(c.text)
                continue
            sep = BLOCK if c.tag in BLOCK_TAGS else ("\n" if c.tag == "br" else "")
            if sep:
                parts.append(sep)
                pos += 1
            walk(c)
            if sep == BLOCK:
                parts.append(sep)
                pos += 1

    walk(root)
    return nodes, "".join(parts)


def _label(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(getattr(value, "value", value))


def allowed_terms(record: Record, config: SiteConfig) -> list[str]:
    """The terms of a record's ``privacy.allow_terms`` exemption (issue 8), when it is
    valid: approved by a listed approver who is not the record's author (else none)."""
    ex = getattr(record, "privacy", None)
    if ex is None or ex.approved_by not in config.approvers or ex.approved_by == record.author:
        return []
    return [t for t in ex.allow_terms if t]


def _inside(text: str, start: int, length: int, terms: Sequence[str]) -> bool:
    """Whether text[start:start+length] lies inside an occurrence of one of ``terms``."""
    end = start + length
    for term in terms:
        i = text.find(term, max(0, end - len(term)))
        while i != -1 and i <= start:
            if i + len(term) >= end:
                return True
            i = text.find(term, i + 1)
    return False


def _marking_problem(path: str, line: int, what: str, where: str, block: Sequence[str]) -> Problem:
    if what in block:
        return Problem(
            path,
            line,
            f"'{what}' in {where} is listed in privacy.block: this record may not be published",
            "remove the text, or set status: draft until it has been cleared",
        )
    return Problem(
        path,
        line,
        f"state-secret marking '{what}' in {where}: marked material is never published",
        "a marked record must not be in the public repository; remove it and report it to the security officer",
    )


def _public_contacts(records: Sequence[Record], config: SiteConfig) -> list[str]:
    allow = list(config.privacy.allow)
    for record in records:
        if isinstance(record, Guide):
            allow += [o.phone for o in record.offices if o.phone]
            allow += [o.address for o in record.offices if o.address]
        if isinstance(record, OpenDay):
            allow.append(record.location.address)
            if record.registration and record.registration.contact:
                allow.append(record.registration.contact)
    return sorted(set(a for a in allow if a))


def _file_name(name: str, index: int, filt: _RecordFilter) -> str:
    stem, ext = posixpath.splitext(name)
    before = len(filt.redactions), len(filt.problems)
    filtered = filt.text(re.sub(r"[-_.]+", " ", stem), 0, "attachment name")
    safe = re.fullmatch(r"[\w\-.一-鿿]+", stem) is not None
    changed = (len(filt.redactions), len(filt.problems)) != before
    del filt.redactions[before[0] :]
    del filt.problems[before[1] :]
    if changed or not safe or filtered != re.sub(r"[-_.]+", " ", stem):
        return f"attachment-{index + 1}{ext.lower()}"
    return stem + ext.lower()


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _scan_file(
    record: Record, field: str, index: int, file: str, source: str, filt: _RecordFilter, site: _Site
) -> tuple[AttachmentScan, Problem | None]:
    line = filt.lines.line_of((field, index, "file"))
    own_folder = posixpath.dirname(record.source_path[len(site.prefix) + 1 :])
    if source.startswith("../") or (own_folder and not (source + "/").startswith(own_folder + "/")):
        scan = AttachmentScan("refused: outside the record's own folder")
        return scan, Problem(
            record.source_path,
            line,
            f"attachment '{file}' is outside this record's folder: a record publishes only its own files",
            "move the file next to the record (or into a folder below it)",
        )
    try:
        data = site.read_file(source)
    except OSError as exc:
        return AttachmentScan(f"unreadable: {exc.strerror or type(exc).__name__}"), Problem(
            record.source_path,
            line,
            f"attachment '{file}' could not be read",
            "check that the file exists inside content/",
        )
    scan = scan_attachment(
        posixpath.basename(source),
        data,
        allow=site.allow,
        block=[w for _, w in site.block],
        mask_name=_mask_name,
        declared=site.matcher.names_in,
        extractor=site.extractor,
    )
    if scan.refused:
        return scan, Problem(
            record.source_path, line, f"attachment '{file}': {scan.status[len('refused: ') :]}", scan.hint
        )
    if scan.findings:
        return scan, Problem(
            record.source_path,
            line,
            f"attachment '{file}' contains {_join(scan.findings)}: an attachment is published as it is "
            "and cannot be redacted by the generator",
            "remove these from the file (or attach a redacted copy), or remove the attachment from the record",
        )
    if scan.blocked:
        return scan, Problem(
            record.source_path,
            line,
            f"attachment '{file}' could not be read to check it for personal data ({scan.status[len('unreadable: ') :]})",
            "save it again as an unencrypted PDF or DOCX, or remove the attachment from the record",
        )
    return scan, None


@dataclass
class _One:
    public: PublicRecord[Record]
    redactions: list[Redaction]
    problems: list[Problem]
    texts: list[ReviewText]
    files: list[ReviewFile]
    warnings: list[Problem]
    # content-relative path -> SHA-256 of every attachment read to filter this record
    scanned: dict[str, str] = field(default_factory=dict)


_TOMBSTONE_FIELDS = ("id", "title", "lang", "withdrawn_on", "withdrawn_reason")


def _filter_one(record: Record, outcome: Outcome, site: _Site, track: bool = False) -> _One:
    """One record as it is published with ``outcome`` (PUBLISH or TOMBSTONE)."""
    config = site.config
    lines = site.line_maps.get(record.source_path, LineMap())
    data = record.model_dump(mode="python", exclude_none=True)
    tombstone = outcome is Outcome.TOMBSTONE
    allowed = PUBLIC_FIELDS[record.TYPE]
    keep = _TOMBSTONE_FIELDS if tombstone else allowed
    public_data = {k: v for k, v in data.items() if k in keep}
    filt = _RecordFilter(record, site, record.lang or config.language, lines, track)
    parties = None
    if isinstance(record, Disclosure) and "parties" in public_data:
        del public_data["parties"]
        parties = [
            {
                "name": filt.text(
                    p.name,
                    lines.line_of(("parties", i, "name")),
                    f"parties.{i}.name",
                    label=f"parties[{i}].name ({p.role})",
                ),
                "role": p.role,
                "minor": p.minor,
                "public": p.public,
            }
            for i, p in enumerate(record.parties)
        ]
    for ref in _REFERENCES & public_data.keys():
        public_data[ref] = [rid for rid in public_data[ref] if ("regulations", rid) in site.visible]
    # the gate applies to translations too: an unpublished one is not even named
    if "translation_of" in public_data and (record.TYPE, public_data["translation_of"]) not in site.visible:
        del public_data["translation_of"]
    filtered = filt.value(public_data, ())
    if parties is not None:
        filtered["parties"] = parties
    body_html = body_text = ""
    if not tombstone:
        body_html, body_text = filt.body(record.body, record.body_line)
    public_files: list[PublicFile] = []
    reviewed: list[ReviewFile] = []
    problems = filt.problems
    if not tombstone:
        folder = posixpath.dirname(record.source_path[len(site.prefix) + 1 :])
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
    copy = _public_copy(type(record), filtered)
    public = PublicRecord(outcome, copy, tuple(public_files), (), _FILTER_KEY, body_html, body_text)
    texts = [
        (lines.line_of(("title",)), filtered.get("title", "")),
        (lines.line_of(("summary",)), filtered.get("summary") or ""),
        (record.body_line, body_text),
    ]
    warnings = undeclared_people(record.source_path, texts, site.matcher)
    return _One(public, filt.redactions, problems, filt.texts, reviewed, warnings)


def _public_copy(model: type[Record], filtered: dict[str, Any]) -> Record:
    """A model holding only the public fields, each already filtered.  Built without
    validation (the values were validated in the unfiltered record and a pseudonym or
    marker never changes a type); fields that are not public are not set at all, so a
    writer reading one fails at once."""
    copy: Record = _construct(model, filtered, PUBLIC_FIELDS[model.TYPE])
    return copy


_DEFAULTS: dict[type, list[tuple[str, Any, Any]]] = {}
_SUBMODELS: dict[tuple[type, str], Any] = {}


def _construct(model: Any, values: dict[str, Any], allowed: frozenset[str] | None = None) -> Any:
    """``model_construct`` without pydantic's per-call default inspection; sub-models
    (parties, location, offices ...) become model instances again."""
    from pydantic import BaseModel

    if model not in _DEFAULTS:
        _DEFAULTS[model] = [(name, f.default, f.default_factory) for name, f in model.model_fields.items()]
    data: dict[str, Any] = {}
    for name, default, factory in _DEFAULTS[model]:
        if allowed is not None and name not in allowed:
            continue
        if name in values:
            value = values[name]
            sub = _submodel(model, name)
            if sub is not None:
                if isinstance(value, list):
                    value = [_construct(sub, v) if isinstance(v, dict) else v for v in value]
                elif isinstance(value, dict):
                    value = _construct(sub, value)
            data[name] = value
        elif factory is not None:
            data[name] = factory()
        elif default is not PydanticUndefined:
            data[name] = default
    obj = model.__new__(model)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values) & set(data))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    assert isinstance(obj, BaseModel)
    return obj


def _submodel(model: Any, name: str) -> Any:
    key = (model, name)
    if key not in _SUBMODELS:
        from typing import get_args

        from pydantic import BaseModel

        def find(tp: Any) -> Any:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                return tp
            for arg in get_args(tp):
                hit = find(arg)
                if hit is not None:
                    return hit
            return None

        _SUBMODELS[key] = find(model.model_fields[name].annotation)
    return _SUBMODELS[key]


@dataclass(frozen=True)
class Origin:
    """Where the records came from, as the filter needs it: each file's line map, the
    sizes of the files under ``content/``, the content folder as messages show it, and
    the reader of attachment bytes (the filter reads no file itself)."""

    line_maps: dict[str, LineMap]
    files: dict[str, int]
    content_prefix: str
    read_file: ReadFile


def _site(
    decided: Sequence[tuple[Record, Decision]],
    config: SiteConfig,
    origin: Origin,
    extractor: Extractor,
    extra_visible: Sequence[Record] = (),
) -> _Site:
    records = [r for r, _ in decided]
    visible_records = [r for r, d in decided if d.outcome.visible] + list(extra_visible)
    allow = _public_contacts(visible_records, config)
    visible = frozenset((r.TYPE, r.id) for r in visible_records)
    return _Site(
        _LazyMatcher(records, config.privacy.not_names),
        allow,
        fold_words(config.privacy.block),
        config,
        origin.line_maps,
        origin.files,
        origin.content_prefix,
        origin.read_file,
        visible,
        extractor,
    )


class _Reads:
    """The reader the filter is given, recording the SHA-256 of every file it returns."""

    def __init__(self, read_file: ReadFile):
        self.read_file = read_file
        self.all: dict[str, str] = {}
        self.current: dict[str, str] = {}

    def __call__(self, rel: str) -> bytes:
        data = self.read_file(rel)
        self.all[rel] = self.current[rel] = hashlib.sha256(data).hexdigest()
        return data

    def unchanged(self, rel: str, expected: str) -> bool:
        try:
            data = self.read_file(rel)
        except OSError:
            return False
        found = hashlib.sha256(data).hexdigest()
        if found != expected:
            return False
        self.all[rel] = found
        return True


def _site_digest(site: _Site) -> str:
    """Everything the filter of one record knows about the other records (and the site):
    any change here invalidates the cached result of every record.

    The site-wide matcher is a function of ``privacy.not_names`` and of the source path
    and parties (every field of each: names, aliases, role, minor, public, private
    values) of every disclosure, in their order, and of the code (in the cache's
    fingerprint): the digest is taken over those inputs, so the matcher need not be
    built to know whether any cached result still holds."""
    h = hashlib.sha256()

    def part(text: str) -> None:
        h.update(text.encode("utf-8"))
        h.update(b"\0")

    lazy = site.lazy_matcher
    part(repr(lazy.not_names))
    for record in lazy.records:
        if isinstance(record, Disclosure) and record.parties:
            part(record.source_path)
            part(repr([party.__dict__ for party in record.parties]))
    part("--")
    for text in (
        repr(site.allow),
        repr(site.block),
        repr(sorted(site.visible)),
        repr(sorted(site.files.items())),
        site.prefix,
    ):
        part(text)
    return h.hexdigest()


def _cache_key(cache: RecordCache, site_key: str, record: Record, source: str, outcome: Outcome) -> str:
    h = hashlib.sha256()
    for part in (cache.fingerprint, site_key, record.source_path, source, outcome.value):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


_ENTRY_VERSION = 4  # (4: models as values in the order of their fields)


def _restore(value: Any, outcome: Outcome, reads: _Reads) -> _One | None:
    """A cached result as a fresh PublicRecord, or None when it does not hold (any of its
    attachments changed, or the entry is not what this version writes)."""
    if not isinstance(value, tuple) or len(value) != 10 or value[0] != _ENTRY_VERSION or value[1] != outcome.value:
        return None
    scanned = value[8]
    if scanned and not all(reads.unchanged(rel, sha) for rel, sha in scanned.items()):
        return None
    return _from_entry(value)


def _from_entry(value: tuple[Any, ...]) -> _One:
    _, outcome, record, files, html, text, redactions, warnings, scanned, content = value
    public = PublicRecord(
        Outcome(outcome), from_plain(record), tuple(PublicFile(*f) for f in files), (), _FILTER_KEY, html, text
    ).with_content_digest(content)
    return _One(public, [Redaction(*r) for r in redactions], [], [], [], [Problem(*w) for w in warnings], dict(scanned))


def _entry(one: _One, scanned: dict[str, str]) -> tuple[Any, ...]:
    """What the cache keeps of one record's result (and what a worker sends back): plain
    values only -- the public copy (``public.as_plain``), its files, body HTML and text, the
    redactions (masked), the warnings, the digests of the attachments read and the
    public copy's ``content_digest`` (walked here once: a record restored from the entry is
    not walked again for the pages' and the open data's keys)."""
    p = one.public
    return (
        _ENTRY_VERSION,
        p.outcome.value,
        as_plain(p.record),
        tuple((f.source, f.href, f.title, f.size) for f in p.files),
        p.body_html,
        p.body_text,
        tuple((r.path, r.line, r.rule, r.masked, r.replacement) for r in one.redactions),
        tuple((w.path, w.line, w.message, w.hint) for w in one.warnings),
        dict(scanned),
        p.content_digest(),
    )


def _one_from(entry: tuple[Any, ...], problems: list[Problem]) -> _One:
    """A worker's result (``_entry`` + its problems) as a fresh PublicRecord, made here."""
    one = _from_entry(entry)
    one.problems = list(problems)
    return one


class FilterWorkerError(RuntimeError):
    """Filtering a record failed in a worker process: the build stops (an internal error,
    exit 70 at the command line); no record is ever skipped."""


# What every worker of one ``run_filter`` shares: set just before the workers are forked,
# so each inherits the site-wide inputs (matcher, allow list, visible records ...) and the
# records as they are, computed once, without pickling them.
_SHARED: tuple[_Site, list[tuple[Record, Outcome]]] | None = None
MIN_PARALLEL = 200  # with jobs=None: fewer records to filter than this are filtered in-process


def _worker_start() -> None:
    """In each forked worker: its own attachment extractor (the parent's pipe is not
    shared) and its own record of the attachment bytes it read."""
    global _SHARED
    assert _SHARED is not None
    site, items = _SHARED
    reads = site.read_file
    assert isinstance(reads, _Reads)
    _SHARED = replace(site, extractor=Extractor(), read_file=_Reads(reads.read_file)), items


def _worker_filter(chunk: list[int]) -> list[tuple[tuple[Any, ...], list[Problem]]]:
    """Filter the records at ``chunk`` (indices into the shared list); in a worker."""
    assert _SHARED is not None
    site, items = _SHARED
    reads = site.read_file
    assert isinstance(reads, _Reads)
    out = []
    for i in chunk:
        record, outcome = items[i]
        reads.current = {}
        try:
            one = _filter_one(record, outcome, site)
        except Exception as exc:  # reported with the record and its traceback
            raise FilterWorkerError(
                f"privacy filter failed on {record.source_path} in a worker process: {type(exc).__name__}: {exc}"
            ) from exc
        out.append((_entry(one, reads.current), one.problems))
    return out


def _workers(jobs: int | None, count: int) -> int:
    """How many worker processes filter ``count`` records (1: in this process)."""
    return workers_for(jobs, count, MIN_PARALLEL)


def _filter_parallel(
    site: _Site, items: list[tuple[Record, Outcome]], workers: int
) -> Generator[tuple[_One, tuple[Any, ...] | None], None, None]:
    """``_filter_one`` of every item, in order, by ``workers`` forked processes, with the
    cache entry the worker sent (``_entry``: the parent stores it as it came, without
    walking the record it made of it again).  Any failure of a worker (an exception, a
    worker killed) raises: no record is skipped."""
    global _SHARED
    size = max(1, min(32, len(items) // (workers * 8)))
    chunks = [list(range(i, min(i + size, len(items)))) for i in range(0, len(items), size)]
    _SHARED = (site, items)
    # (the site-wide matcher is made by each worker, at its first record: made here before
    # the fork, to be shared, the cold build at 20,000 records filtered in 19.8-19.9 s
    # instead of 15.3-16.9 s, measured back to back; jieba's dictionary likewise)
    gc.freeze()  # the inherited objects stay shared: no copy-on-write from the collector
    try:
        for results in forked_map(
            _worker_filter,
            chunks,
            workers,
            _worker_start,
            lambda why: FilterWorkerError(f"privacy filter: {why}"),
            "filter-workers",
        ):
            for entry, problems in results:
                yield _one_from(entry, problems), entry
    finally:
        _SHARED = None
        release()


def run_filter(
    decided: Sequence[tuple[Record, Decision]],
    config: SiteConfig,
    origin: Origin,
    *,
    cache: RecordCache | None = None,
    sources: dict[str, str] | None = None,
    jobs: int | None = None,
) -> FilterResult:
    """Filter every record that will be visible; stop on markings, on identifiers that
    cannot be redacted and on attachments of published records that hold personal data.

    With ``cache`` (and ``sources``: source path -> digest of the record's file), a record
    whose source, outcome and site digest (``_site_digest``) are unchanged since a build
    that filtered it without a problem is taken from the cache.

    ``jobs``: worker processes for the records not in the cache (None: one per available
    CPU when there are at least ``MIN_PARALLEL`` of them; 1: in this process).  The result
    is the same whatever the number: the records are filtered alike and collected in
    their order."""
    public: list[PublicRecord[Record]] = []
    redactions: list[Redaction] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    reads = _Reads(origin.read_file)
    with Extractor() as extractor:
        site = _site(decided, config, replace(origin, read_file=reads), extractor)
        site_key = _site_digest(site) if cache is not None else ""
        visible = [(record, decision.outcome) for record, decision in decided if decision.outcome.visible]
        done: list[_One | None] = []
        keys: list[str | None] = []
        with paused():  # many small objects, no cycles: no collection of the whole heap
            for record, outcome in visible:
                key = None
                if cache is not None and sources is not None and record.source_path in sources:
                    key = _cache_key(cache, site_key, record, sources[record.source_path], outcome)
                keys.append(key)
            found = cache.get_many(k for k in keys if k is not None) if cache is not None else {}
            for (_, outcome), key in zip(visible, keys, strict=True):
                done.append(_restore(found.get(key), outcome, reads) if key is not None else None)
        missing = [i for i, one in enumerate(done) if one is None]
        workers = _workers(jobs, len(missing))
        fresh: Generator[tuple[_One, tuple[Any, ...] | None], None, None]
        if workers > 1:
            fresh = _filter_parallel(site, [visible[i] for i in missing], workers)
        else:
            fresh = ((_filter_in_process(site, *visible[i]), None) for i in missing)
        with contextlib.closing(fresh):  # a failure here ends the workers at once
            for i, (one, sent) in zip(missing, fresh, strict=True):
                done[i] = one
                files_read = one.scanned
                reads.all.update(files_read)
                key = keys[i]
                if cache is not None and key is not None and not one.problems:
                    cache.put(key, sent if sent is not None else _entry(one, files_read))
        for item in done:
            assert item is not None
            public.append(item.public)
            redactions += item.redactions
            problems += item.problems
            warnings += item.warnings
    scanned = dict(sorted(reads.all.items()))
    return FilterResult(public, redactions, problems, sorted(set(warnings)), scanned, workers)


def _filter_in_process(site: _Site, record: Record, outcome: Outcome) -> _One:
    reads = site.read_file
    assert isinstance(reads, _Reads)
    reads.current = {}
    one = _filter_one(record, outcome, site)
    one.scanned = dict(reads.current)
    return one


def review_record(
    decided: Sequence[tuple[Record, Decision]],
    source_path: str,
    config: SiteConfig,
    origin: Origin,
) -> Review:
    """The record at ``source_path`` filtered exactly as the build filters it, with every
    replacement located; a held-back record is filtered as if published.  KeyError if unknown."""
    found = [(r, d) for r, d in decided if r.source_path == source_path]
    if not found:
        raise KeyError(source_path)
    record, decision = found[0]
    outcome = decision.outcome if decision.outcome.visible else Outcome.PUBLISH
    with Extractor() as extractor:
        site = _site(decided, config, origin, extractor, extra_visible=[record])
        one = _filter_one(record, outcome, site, track=True)
    return Review(
        record.source_path,
        decision,
        not decision.outcome.visible,
        outcome,
        tuple(one.texts),
        tuple(one.files),
        one.redactions,
        sorted(set(one.problems)),
        one.warnings,
    )


def _tool_filter(records: Sequence[Record], lang: str, allow: Sequence[str], path: str, body: str) -> _RecordFilter:
    """A filter for one loose text, with the site-wide names of ``records`` (no config,
    no attachments): what ``filter_text`` and ``filter_body`` share."""
    holder = Page.model_construct(
        id="text", title="text", lang=lang, status="approved", author="x", source_path=path, body=body, body_line=1
    )
    no_config: Any = None  # the checks that need a config (markings' block list) are not run
    site = _Site(_LazyMatcher(records), list(allow), [], no_config, {}, {}, "", lambda _p: b"", frozenset(), no_config)
    return _RecordFilter(holder, site, lang, LineMap())


def filter_text(
    text: str, records: Sequence[Record] = (), *, lang: str = "zh", allow: Sequence[str] = ()
) -> tuple[str, list[Redaction]]:
    """One free text filtered as a field of a record without parties would be, with the
    names and private values that ``records`` declare (site-wide).  For tests and tools."""
    filt = _tool_filter(records, lang, allow, "", "")
    return filt.text(text, 1, "text", markings=False), filt.redactions


def filter_body(
    body: str, records: Sequence[Record] = (), *, lang: str = "zh", allow: Sequence[str] = ()
) -> tuple[str, str, list[Redaction], list[Problem]]:
    """A Markdown body rendered and filtered: (html, text, redactions, problems).  For tests and tools."""
    filt = _tool_filter(records, lang, allow, "text.md", body)
    html, text = filt.body(body, 1)
    return html, text, filt.redactions, filt.problems


assert set(RECORD_TYPES) == set(PUBLIC_FIELDS)
