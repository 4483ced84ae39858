"""``SHA256SUMS``: a checksum of every file of the built site, written last.

Stage: writer (the very last step of ``build``).  The format is the one of
GNU ``sha256sum`` (``<hex>  <path>``, sorted by path, paths relative to the
site root), so ``cd site && sha256sum -c SHA256SUMS`` checks a served copy.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["SUMS_FILE", "sha256sums", "write_sha256sums", "check_sha256sums"]

SUMS_FILE = "SHA256SUMS"


def sha256sums(root: Path) -> bytes:
    lines = []
    for rel in sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()):
        if rel == SUMS_FILE:
            continue
        lines.append(f"{hashlib.sha256((root / rel).read_bytes()).hexdigest()}  {rel}\n")
    return "".join(lines).encode("utf-8")


def write_sha256sums(root: Path) -> Path:
    target = root / SUMS_FILE
    data = sha256sums(root)
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
