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

Scanned: text files (.txt .md .csv .html .htm; UTF-8, UTF-16 with BOM, else
GB 18030), PDF (pypdf: the text of every page and the document information)
and DOCX (python-docx: body, tables, headers, footers, footnotes, endnotes,
comments and the document properties).  A PDF or DOCX that cannot be read
(damaged, encrypted) stops the build too.  Other files (images, .doc, .xlsx)
and PDFs without extractable text (scans) cannot be read by the generator; they
are published as they are and ``openaffairs review`` says so.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

from . import detectors
from .secrets import find_markings

__all__ = ["TEXT_TYPES", "SCANNED_TYPES", "Unreadable", "AttachmentScan", "extract_text", "scan_attachment",
           "RULE_LABELS"]

TEXT_TYPES = frozenset({".txt", ".md", ".csv", ".html", ".htm"})
SCANNED_TYPES = TEXT_TYPES | {".pdf", ".docx"}

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

    status: str                                   # for review: "scanned", "not scanned: ...", "unreadable: ..."
    findings: tuple[str, ...] = field(default=())  # "a resident ID number '1101**********4518'"

    @property
    def blocked(self) -> bool:
        return bool(self.findings) or self.status.startswith("unreadable")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


_TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)


def _html_text(raw: str) -> str:
    """The raw markup (attributes: mailto:, titles) and the visible text."""
    return raw + "\n" + html.unescape(_TAG_RE.sub(" ", raw))


def _pdf_text(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unreadable("it is encrypted")
            pages = [page.extract_text() or "" for page in reader.pages]
            meta: dict[str, object] = dict(reader.metadata or {})
            info = [str(v) for v in meta.values() if isinstance(v, str)]
        except Unreadable:
            raise
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
                NotImplementedError, RecursionError, ZeroDivisionError) as exc:
            raise Unreadable(f"not a readable PDF: {type(exc).__name__}") from None
    return "\n".join(pages), "\n".join(info)


_WORD_PARTS = re.compile(r"/word/(?:document|header\d*|footer\d*|footnotes|endnotes|comments|glossary/document)\.xml$")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_TEXT = (f"{_W}t", f"{_W}delText", f"{_W}instrText")   # text, deleted (tracked) text, field codes


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
        info = [v for v in (props.title, props.subject, props.author, props.keywords, props.comments,
                            props.last_modified_by, props.category) if v]
    except (PackageNotFoundError, ValueError, KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise Unreadable(f"not a readable DOCX: {type(exc).__name__}") from None
    return "\n".join(lines), "\n".join(info)


def extract_text(name: str, data: bytes) -> tuple[str, str] | None:
    """(content text, document properties text) of an attachment, or None when
    its type is not read.  Raises ``Unreadable`` for a damaged or encrypted PDF/DOCX.
    """
    ext = posixpath.splitext(name)[1].lower()
    if ext in TEXT_TYPES:
        text = _decode(data)
        return (_html_text(text) if ext in (".html", ".htm") else text), ""
    if ext == ".pdf":
        return _pdf_text(data)
    if ext == ".docx":
        return _docx_text(data)
    return None


def _key(value: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", value)).upper()


def _label(rule: str) -> str:
    return RULE_LABELS.get(rule, RULE_LABELS["private"])


def scan_attachment(name: str, data: bytes, *, allow: Sequence[str], block: Sequence[str],
                    declared: DeclaredFinder, mask_name: Callable[[str], str], limit: int = 5) -> AttachmentScan:
    """Scan one attachment's bytes; ``declared`` finds declared private values and
    anonymised names (site-wide), ``mask_name`` masks a found name."""
    try:
        extracted = extract_text(name, data)
    except Unreadable as exc:
        return AttachmentScan(f"unreadable: {exc}")
    ext = posixpath.splitext(name)[1].lower() or "(no extension)"
    if extracted is None:
        return AttachmentScan(f"not scanned: {ext} files are not read by the generator; check it yourself")
    content, info = extracted
    text = content + "\n" + info if info else content
    found: list[str] = []

    def add(item: str) -> None:
        if item not in found:
            found.append(item)

    for _offset, what in find_markings(text, block):
        add(f"'{what}' (listed in privacy.block)" if what in block else f"the state-secret marking '{what}'")
    seen: set[str] = set()   # a declared value is not reported again by a detector
    for rule, value in declared(text):
        seen.add(_key(value))
        masked = mask_name(value) if rule == "party-name" else detectors.mask(value)
        add(f"{_label(rule)} '{masked}'" if rule == "party-name" else
            f"a party's declared private value ({rule}) '{masked}'")
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
