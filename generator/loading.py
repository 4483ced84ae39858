"""Walk ``content/`` and read every file: Markdown records and their attachments.

Stage: the loader (with ``config``, the only reader of files).  It makes no
decisions: it splits front matter from body, parses the YAML with a line for
every key, and reports files it cannot read.  Sorted order, so that every
later stage sees the same sequence on every machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem
from .records import RECORD_TYPES
from .yamlsource import FrontMatterError, LineMap, YamlError, load_yaml, split_front_matter

__all__ = ["SourceDocument", "ContentTree", "load_content", "read_attachment", "MAX_FILE_BYTES"]

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


def load_content(content_root: Path, shown_root: str) -> ContentTree:
    documents: list[SourceDocument] = []
    files: dict[str, int] = {}
    problems: list[Problem] = []
    for path in sorted(content_root.rglob("*"), key=lambda p: p.parts):  # = Path order, faster
        rel = path.relative_to(content_root)
        if any(part.startswith(".") for part in rel.parts) or path.is_dir():
            continue
        if path.name in README_NAMES:  # notes for staff ('openaffairs init' writes one per folder)
            continue
        shown = f"{shown_root}/{rel.as_posix()}"
        if path.is_symlink():
            problems.append(
                Problem(shown, 0, "symbolic links are not published", "copy the file into content/ instead")
            )
            continue
        if path.suffix.lower() != ".md":
            files[rel.as_posix()] = path.stat().st_size
            continue
        type_name = rel.parts[0] if len(rel.parts) > 1 else ""
        if type_name not in RECORD_TYPES:
            problems.append(
                Problem(
                    shown,
                    0,
                    f"a record must be inside one of the folders {', '.join(RECORD_TYPES)}",
                    f"move it to {shown_root}/pages/ if it is a free page",
                )
            )
            continue
        doc = _read_document(path, shown, type_name, problems)
        if doc is not None:
            documents.append(doc)
    return ContentTree(documents, dict(sorted(files.items())), problems, content_root, shown_root)


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


def _read_document(path: Path, shown: str, type_name: str, problems: list[Problem]) -> SourceDocument | None:
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
