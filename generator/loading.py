"""Walk ``content/`` and read every file: Markdown records and their attachments.

Stage: the loader (with ``config``, the only reader of files).  It makes no
decisions: it splits front matter from body, parses the YAML with a line for
every key, and reports files it cannot read.  Sorted order, so that every
later stage sees the same sequence on every machine.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem
from .records import RECORD_TYPES
from .yamlsource import FrontMatterError, LineMap, YamlError, load_yaml, split_front_matter

__all__ = [
    "SourceDocument",
    "ContentTree",
    "ContentScan",
    "ToRead",
    "load_content",
    "scan_content",
    "read_document",
    "read_attachment",
    "MAX_FILE_BYTES",
]

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SourceDocument:
    path: str  # as shown in messages: relative to the site folder, posix
    type: str  # content type (top-level folder)
    data: dict[str, Any]
    lines: LineMap
    body: str
    body_line: int
    digest: str = ""  # SHA-256 of the file's bytes (the build cache's key of this record)


@dataclass(frozen=True)
class ContentTree:
    documents: list[SourceDocument]
    files: dict[str, int]  # every non-Markdown file: posix path relative to content/ -> size
    problems: list[Problem]
    content_root: Path
    shown_root: str  # how content/ is shown in messages ("content")


README_NAMES = {"README.md", "README.txt", "说明.md"}


@dataclass(frozen=True)
class ToRead:
    """A record file found by ``scan_content``, to be read by ``read_document``."""

    path: Path
    shown: str
    type: str


@dataclass(frozen=True)
class ContentScan:
    """What walking ``content/`` found, in the loader's order: each entry a record file to
    read or a problem of a file that is not read (a symbolic link, a record outside the
    type folders)."""

    entries: list[ToRead | Problem]
    files: dict[str, int]  # every non-Markdown file: posix path relative to content/ -> size
    content_root: Path
    shown_root: str


def load_content(content_root: Path, shown_root: str) -> ContentTree:
    scan = scan_content(content_root, shown_root)
    documents: list[SourceDocument] = []
    problems: list[Problem] = []
    for entry in scan.entries:
        if isinstance(entry, Problem):
            problems.append(entry)
            continue
        doc = read_document(entry, problems)
        if doc is not None:
            documents.append(doc)
    return ContentTree(documents, scan.files, problems, content_root, shown_root)


def scan_content(content_root: Path, shown_root: str) -> ContentScan:
    """Walk ``content/`` (reading no record): the record files in sorted order, the
    attachments and their sizes."""
    entries: list[ToRead | Problem] = []
    files: dict[str, int] = {}
    for parts, entry in sorted(_entries(content_root), key=lambda pe: pe[0]):
        if parts[-1].startswith(".") or _is_dir(entry):  # (no hidden folder is entered)
            continue
        if entry.name in README_NAMES:  # notes for staff ('openaffairs init' writes one per folder)
            continue
        rel = "/".join(parts)
        shown = f"{shown_root}/{rel}"
        if entry.is_symlink():
            entries.append(Problem(shown, 0, "symbolic links are not published", "copy the file into content/ instead"))
            continue
        if _suffix(entry.name).lower() != ".md":
            files[rel] = entry.stat().st_size
            continue
        path = content_root.joinpath(*parts)
        type_name = parts[0] if len(parts) > 1 else ""
        if type_name not in RECORD_TYPES:
            entries.append(
                Problem(
                    shown,
                    0,
                    f"a record must be inside one of the folders {', '.join(RECORD_TYPES)}",
                    f"move it to {shown_root}/pages/ if it is a free page",
                )
            )
            continue
        entries.append(ToRead(path, shown, type_name))
    return ContentScan(entries, dict(sorted(files.items())), content_root, shown_root)


def _entries(root: Path) -> list[tuple[tuple[str, ...], os.DirEntry[str]]]:
    """(path parts relative to ``root``, entry) of everything below ``root`` that
    ``root.rglob("*")`` finds, but hidden folders (whatever is in them is skipped), each
    folder read once (``rglob`` reads each twice, and ``Path`` objects cost more than the
    entries): symbolic links to folders are not entered, unreadable folders are skipped."""
    out: list[tuple[tuple[str, ...], os.DirEntry[str]]] = []

    def visit(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as found:
                entries = list(found)
        except PermissionError:
            return
        for entry in entries:
            here = (*parts, entry.name)
            out.append((here, entry))
            try:
                folder_here = entry.is_dir(follow_symlinks=False)
            except OSError:
                folder_here = False
            if folder_here and not entry.name.startswith("."):
                visit(entry.path, here)

    if root.is_dir():
        visit(str(root), ())
    return out


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """``Path.is_dir``: a folder, or a link to one."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _suffix(name: str) -> str:
    """``PurePath.suffix`` of a file name."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def read_attachment(content_root: Path, rel: str) -> bytes:
    """The bytes of the attachment ``rel`` (posix, relative to content/, a key of
    ``ContentTree.files``).

    The privacy filter scans attachments but reads no file itself: the pipeline
    hands it ``functools.partial(read_attachment, content_root)`` (dependency
    injection), and the filter calls it only for attachments of records that
    will be published.  Raises OSError for a path outside ``content_root``.
    """
    root = content_root.resolve()
    path = (root / rel).resolve()
    if path != root and root not in path.parents:
        raise PermissionError(f"{rel} is outside the content folder")
    return path.read_bytes()


def read_document(entry: ToRead, problems: list[Problem]) -> SourceDocument | None:
    """The record file ``entry`` read and its front matter parsed; None (and its problems
    added to ``problems``) when it cannot be."""
    path, shown, type_name = entry.path, entry.shown, entry.type
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(shown, 0, f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB"))
        return None
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                shown,
                line,
                f"the file is not UTF-8 text (invalid byte 0x{raw[exc.start]:02x})",
                "save it as UTF-8 (in most editors: Save with Encoding > UTF-8)",
            )
        )
        return None
    text = text.replace("\r\n", "\n")
    try:
        yaml_text, yaml_line, body, body_line = split_front_matter(text)
        data, lines = load_yaml(yaml_text)
    except YamlError as exc:
        offset = 0 if isinstance(exc, FrontMatterError) else 1
        problems.append(Problem(shown, exc.line + offset, exc.message, exc.hint))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(shown, 2, "front matter must be a mapping of fields (key: value lines)"))
        return None
    return SourceDocument(shown, type_name, data, lines.shifted(yaml_line - 1), body, body_line, sha)
