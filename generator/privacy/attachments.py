"""Attachments: scanned for personal data and markings, never rewritten.

Stage: privacy (pure: bytes in, findings out; the bytes come from the loader
through the ``read_file`` callable that ``pipeline`` hands to ``run_filter``).

An attachment is published byte for byte: the generator cannot redact a PDF
or a Word file safely (text hidden under a black box, metadata, earlier
revisions ...).  So instead of filtering it, the filter extracts its text and
looks for what it would have removed from a record -- the pattern detectors
(with the same allow list), the site-wide declared ``private`` values and the
names of parties who must stay anonymous -- and for secret markings.  Any
finding stops the build for that file; the message names the file and what was
found, masked.

Types are an allow-list (``ALLOWED_TYPES``): text (.txt .csv; UTF-8, UTF-16
or UTF-32 with or without a byte order mark, else GB 18030), PDF (pypdf: the
text of every page and the document information, at most ``MAX_PDF_PAGES``
pages) and DOCX (python-docx: body, tables, headers, footers, footnotes,
endnotes, comments and the document properties) are read; PNG, JPEG, GIF and
WebP images are published as they are (``review`` says they were not read).
Anything else -- SVG and HTML above all, which would run scripts from the
site's own origin -- is refused with a hint.  PDF and DOCX are read in a
worker process with a time limit (``Extractor``): a file that takes longer,
or cannot be read (damaged, encrypted), stops the build too.  The extracted
text is normalised as record text is (``normalise``) before it is matched, so
a value split across lines or written in full-width digits is still found.
"""

from __future__ import annotations

import io
import multiprocessing
import posixpath
import re
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from . import detectors
from .normalise import normalise
from .secrets import find_markings

__all__ = [
    "TEXT_TYPES",
    "ALLOWED_TYPES",
    "Unreadable",
    "AttachmentScan",
    "Extractor",
    "extract_text",
    "scan_attachment",
    "RULE_LABELS",
]

# The allow-list of attachment types: what the generator can read (and so scan)
# plus images that are not SVG.  Everything else is refused: SVG and HTML run
# scripts from the site's own origin, and formats the filter cannot read could
# hold anything.
TEXT_TYPES = frozenset({".txt", ".csv"})
READ_TYPES = TEXT_TYPES | {".pdf", ".docx"}
IMAGE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
ALLOWED_TYPES = READ_TYPES | IMAGE_TYPES
_REFUSED_HINTS = {
    ".svg": "SVG can carry scripts; convert it to PNG (e.g. with rsvg-convert or Inkscape) and attach that",
    ".html": "HTML runs in the visitor's browser; save it as PDF and attach that",
    ".htm": "HTML runs in the visitor's browser; save it as PDF and attach that",
    ".xhtml": "HTML runs in the visitor's browser; save it as PDF and attach that",
    ".doc": "save it as DOCX or PDF: the old Word format cannot be checked for personal data",
    ".xls": "save it as CSV or PDF: spreadsheets cannot be checked for personal data",
    ".xlsx": "save it as CSV or PDF: spreadsheets cannot be checked for personal data",
}
MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 20_000_000
EXTRACT_SECONDS = 20.0

RULE_LABELS = {
    "id-number": "a resident ID number",
    "mobile": "a mobile phone number",
    "landline": "a landline number",
    "phone": "a phone number",
    "bank-card": "a bank card number",
    "email": "an e-mail address",
    "plate": "a vehicle plate",
    "passport": "a passport number",
    "permit": "a Hong Kong/Macau/Taiwan permit number",
    "address": "a home address",
    "employer": "an employer",
    "private": "a personal detail",
    "party-name": "the name of a party who must stay anonymous",
}

# (rule, text as found) for every declared private value and anonymised name in a text
DeclaredFinder = Callable[[str], list[tuple[str, str]]]
Masker = Callable[[str, str], str]


class Unreadable(Exception):
    """A PDF or DOCX the generator cannot open to check."""


@dataclass(frozen=True)
class AttachmentScan:
    """What the scan of one attachment found (every value masked)."""

    status: str  # "scanned: ...", "not scanned: ...", "unreadable: ...", "refused: ..."
    findings: tuple[str, ...] = field(default=())  # "a resident ID number '1101**********4518'"
    hint: str = ""

    @property
    def refused(self) -> bool:
        return self.status.startswith("refused")

    @property
    def blocked(self) -> bool:
        return bool(self.findings) or self.status.startswith("unreadable")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace")
    sample = data[:4096]
    if sample.count(b"\x00") * 4 > len(sample) > 0:  # UTF-16 without a byte order mark
        even = sample[0::2].count(b"\x00")
        odd = sample[1::2].count(b"\x00")
        return data.decode("utf-16-be" if even > odd else "utf-16-le", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _pdf_text(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unreadable("it is encrypted")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise Unreadable(f"it has more than {MAX_PDF_PAGES} pages")
            pages = []
            size = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                size += len(pages[-1])
                if size > MAX_TEXT_CHARS:
                    raise Unreadable("its text is larger than the generator reads")
            meta: dict[str, object] = dict(reader.metadata or {})
            info = [str(v) for v in meta.values() if isinstance(v, str)]
        except Unreadable:
            raise
        except (
            PyPdfError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
            OSError,
            NotImplementedError,
            RecursionError,
            ZeroDivisionError,
        ) as exc:
            raise Unreadable(f"not a readable PDF: {type(exc).__name__}") from None
    return "\n".join(pages), "\n".join(info)


_WORD_PARTS = re.compile(r"/word/(?:document|header\d*|footer\d*|footnotes|endnotes|comments|glossary/document)\.xml$")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_TEXT = (f"{_W}t", f"{_W}delText", f"{_W}instrText")  # text, deleted (tracked) text, field codes


def _docx_text(data: bytes) -> tuple[str, str]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for part in document.part.package.iter_parts():
            if not _WORD_PARTS.search(str(part.partname)):
                continue
            root = etree.fromstring(part.blob)
            for para in root.iter(f"{_W}p"):
                pieces = []
                for node in para.iter(*_W_TEXT, f"{_W}tab", f"{_W}br"):
                    if node.tag in _W_TEXT:
                        pieces.append(node.text or "")
                    else:
                        pieces.append("\t" if node.tag == f"{_W}tab" else "\n")
                lines.append("".join(pieces))
        props = document.core_properties
        info = [
            v
            for v in (
                props.title,
                props.subject,
                props.author,
                props.keywords,
                props.comments,
                props.last_modified_by,
                props.category,
            )
            if v
        ]
    except (PackageNotFoundError, ValueError, KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise Unreadable(f"not a readable DOCX: {type(exc).__name__}") from None
    return "\n".join(lines), "\n".join(info)


def extract_text(name: str, data: bytes) -> tuple[str, str] | None:
    """(content text, document properties text) of an attachment, or None when
    its type is not read.  Raises ``Unreadable`` for a damaged or encrypted PDF/DOCX.
    """
    ext = posixpath.splitext(name)[1].lower()
    if ext in TEXT_TYPES:
        return _decode(data), ""
    if ext == ".pdf":
        return _pdf_text(data)
    if ext == ".docx":
        return _docx_text(data)
    return None


def _key(value: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", value)).upper()


def _label(rule: str) -> str:
    return RULE_LABELS.get(rule, RULE_LABELS["private"])


class Extractor:
    """Text extraction in a worker process with a time limit per attachment, so no
    single file (a PDF whose pages share one huge content stream) stalls a build.
    Started on first use; ``with Extractor() as x: x(name, data)``."""

    def __init__(self, seconds: float = EXTRACT_SECONDS):
        self.seconds = seconds
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc is not None:
            if self._conn is not None:
                self._conn.close()
            self._proc.kill()
            self._proc.join()
            self._proc = self._conn = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_worker, args=(child,), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def __call__(self, name: str, data: bytes) -> tuple[str, str] | None:
        ext = posixpath.splitext(name)[1].lower()
        if ext in TEXT_TYPES:
            return extract_text(name, data)  # decoding is linear: no worker needed
        if self._proc is None:
            self._start()
        assert self._conn is not None
        self._conn.send((name, data))
        if not self._conn.poll(self.seconds):
            self.close()
            raise Unreadable(f"reading its text took longer than {self.seconds:.0f} s")
        try:
            kind, value = self._conn.recv()
        except EOFError:
            self.close()
            raise Unreadable("the text extraction failed") from None
        if kind == "unreadable":
            raise Unreadable(value)
        return value  # type: ignore[no-any-return]


def _worker(conn: Connection) -> None:
    while True:
        try:
            name, data = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", extract_text(name, data)))
        except Unreadable as exc:
            conn.send(("unreadable", str(exc)))
        except Exception as exc:  # a bug in a parser on hostile input: unreadable, never a pass
            conn.send(("unreadable", f"not readable: {type(exc).__name__}"))


def scan_attachment(
    name: str,
    data: bytes,
    *,
    allow: Sequence[str],
    block: Sequence[str],
    declared: DeclaredFinder,
    mask_name: Callable[[str], str],
    limit: int = 5,
    extractor: Callable[[str, bytes], tuple[str, str] | None] | None = None,
) -> AttachmentScan:
    """Scan one attachment's bytes; ``declared`` finds declared private values and
    anonymised names (site-wide), ``mask_name`` masks a found name."""
    ext = posixpath.splitext(name)[1].lower() or "(no extension)"
    if ext not in ALLOWED_TYPES:
        hint = _REFUSED_HINTS.get(ext, "attach a PDF, DOCX, plain text, CSV or a PNG/JPEG/GIF/WebP image")
        return AttachmentScan(
            f"refused: {ext} files are not published (allowed: PDF, DOCX, TXT, CSV, PNG, JPEG, GIF, WebP)", (), hint
        )
    try:
        extracted = (extractor or extract_text)(name, data)
    except Unreadable as exc:
        return AttachmentScan(f"unreadable: {exc}")
    if extracted is None:
        return AttachmentScan(f"not scanned: {ext} files are not read by the generator; check it yourself")
    content, info = extracted
    raw = content + "\n" + info if info else content
    text = normalise(raw).text
    found: list[str] = []

    def add(item: str) -> None:
        if item not in found:
            found.append(item)

    for _offset, what in find_markings(raw, block) + find_markings(text, block):
        add(f"'{what}' (listed in privacy.block)" if what in block else f"the state-secret marking '{what}'")
    seen: set[str] = set()  # a declared value is not reported again by a detector
    for rule, value in declared(raw):
        seen.add(_key(value))
        masked = mask_name(value) if rule == "party-name" else detectors.mask(value)
        add(
            f"{_label(rule)} '{masked}'"
            if rule == "party-name"
            else f"a party's declared private value ({rule}) '{masked}'"
        )
    for d in detectors.detect(text, allow=allow):
        if _key(d.text) not in seen:
            add(f"{_label(d.rule)} '{detectors.mask(d.text)}'")
    if len(found) > limit:
        found = found[:limit] + [f"{len(found) - limit} more"]
    if not content.strip():
        status = "not scanned: no extractable text (a scan or images only?); check it yourself"
    else:
        status = "scanned: personal data or markings found" if found else "scanned: nothing found"
    return AttachmentScan(status, tuple(found))
