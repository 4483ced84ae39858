"""``SHA256SUMS``: a checksum of every file of the built site, written last.

Stage: writer (the very last step of ``build``).  The format is the one of
GNU ``sha256sum`` (``<hex>  <path>``, sorted by path, paths relative to the
site root), so ``cd site && sha256sum -c SHA256SUMS`` checks a served copy.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["SUMS_FILE", "sha256sums", "write_sha256sums", "check_sha256sums"]

SUMS_FILE = "SHA256SUMS"


def sha256sums(root: Path, known: dict[str, str] | None = None) -> bytes:
    """The SHA256SUMS text of ``root``; ``known``: checksums already computed (path -> hex)."""
    known = known or {}
    lines = []
    for rel in sorted(_files(root)):
        if rel == SUMS_FILE:
            continue
        sha = known.get(rel) or hashlib.sha256((root / rel).read_bytes()).hexdigest()
        lines.append(f"{sha}  {rel}\n")
    return "".join(lines).encode("utf-8")


def _files(root: Path) -> list[str]:
    """Every regular file under ``root`` (not following links), posix paths relative to it."""
    out: list[str] = []
    pending = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file():
                    out.append(prefix + entry.name)
    return out


def write_sha256sums(root: Path, known: dict[str, str] | None = None) -> Path:
    target = root / SUMS_FILE
    data = sha256sums(root, known)
    target.unlink(missing_ok=True)
    target.write_bytes(data)
    return target


def check_sha256sums(root: Path) -> list[str]:
    """Paths whose checksum does not match (or that are missing); [] when all match."""
    bad = []
    for line in (root / SUMS_FILE).read_text(encoding="utf-8").splitlines():
        digest, rel = line.split("  ", 1)
        path = root / rel
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            bad.append(rel)
    return bad
