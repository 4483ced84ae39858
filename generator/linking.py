"""Putting files into a new site: link them from the published one, or write them new.

Stage: the writers' primitives (``site.py`` links reused pages with them, ``pipeline.py``
writes the static search index, the sitemap and SHA256SUMS with them: ``write_files``,
``write_sitemap_and_sums``).

Every primitive makes a **new** name: a name already at the target -- perhaps a hard
link into the published site -- is removed and replaced, never written through (a
build writes new files and never changes the site being served).  Paths are strings:
at tens of thousands of files a ``Path`` per file costs more than the link.

* ``link_new``: ``target`` becomes a new name of ``source`` (False when the file system
  refuses the link: across file systems, too many links);
* ``write_new``: a new file (``O_EXCL``) with the given bytes;
* ``link_or_copy``: ``link_new``, else a copy into a new file (the one copy fallback);
* ``make_folders``: the missing folders of a path, each created once (``made``).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
from pathlib import Path

from .verify import write_sha256sums

__all__ = [
    "link_into",
    "link_new",
    "link_or_copy",
    "make_folders",
    "write_files",
    "write_new",
    "write_sitemap_and_sums",
]

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def make_folders(root: str, folder: str, made: set[str]) -> None:
    """``os.makedirs(root + folder, exist_ok=True)``, one ``mkdir`` per folder not made yet
    (``root`` ends with "/"; ``made``: the folders made or found so far, updated)."""
    missing = []
    while folder and folder not in made:
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    for name in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(root + name)  # noqa: PTH102 (strings: no Path per folder)
        made.add(name)


def link_new(source: str, target: str) -> bool:
    """``target`` becomes a new name of ``source`` (a name already there is replaced, never
    written through); False when the file system refuses the link."""
    try:
        os.link(source, target)
    except FileExistsError:
        os.unlink(target)  # noqa: PTH108
        try:
            os.link(source, target)
        except OSError:
            return False
    except OSError:
        return False
    return True


def _open_new(target: str) -> int:
    """A new file at ``target`` opened for writing (``O_EXCL``: a name already there is
    removed first, never written through)."""
    try:
        return os.open(target, _NEW, 0o666)
    except FileExistsError:
        os.unlink(target)  # noqa: PTH108
        return os.open(target, _NEW, 0o666)


def write_new(target: str, data: bytes) -> None:
    """A new file at ``target`` with ``data``."""
    with os.fdopen(_open_new(target), "wb") as f:
        f.write(data)


def link_or_copy(source: str, target: str) -> None:
    """``target`` becomes a new name of ``source``, or a new file with its bytes when the
    file system refuses the link (across file systems)."""
    if link_new(source, target):
        return
    with open(source, "rb") as src, os.fdopen(_open_new(target), "wb") as dst:  # noqa: PTH123
        shutil.copyfileobj(src, dst)


def link_into(source: str, root: str, dest: str, made: set[str]) -> None:
    """``link_or_copy(source, root + dest)`` without a folder check per file: a recycled
    tree has the folders; a missing one (no spare tree, e.g. the first build after a cold
    one) is created when the link fails, once (``made``: the folders created so far)."""
    target = root + dest
    try:
        os.link(source, target)
        return
    except FileNotFoundError:
        folder = dest.rpartition("/")[0]
        if folder and folder not in made and os.path.exists(source):  # noqa: PTH110
            make_folders(root, folder, made)
    except OSError:
        pass
    link_or_copy(source, target)


def write_files(
    files: dict[str, bytes], root: Path, published: Path | None = None, reusable: dict[str, str] | None = None
) -> dict[str, str]:
    """Write each file afresh into the site at ``root``, or link it from the ``published``
    site when ``reusable`` (``BuildCache.intact_written``) says the file there has these
    very bytes; returns their SHA-256 (site path -> hex)."""
    sums = {}
    made: set[str] = set()
    base = f"{root}/"  # strings: a Path per file costs more than writing a small one
    source = f"{published}/" if published is not None and reusable is not None else None
    for rel, data in sorted(files.items()):
        target = base + rel
        folder = rel.rpartition("/")[0]
        if folder and folder not in made:
            make_folders(base, folder, made)
        sha = hashlib.sha256(data).hexdigest()
        linked = source is not None and reusable is not None and reusable.get(rel) == sha
        if not (linked and link_new(f"{source}{rel}", target)):
            write_new(target, data)
        sums[rel] = sha
    return sums


def write_sitemap_and_sums(
    sitemap: bytes,
    root: Path,
    known: dict[str, str],
    published: Path | None = None,
    reusable: dict[str, str] | None = None,
) -> dict[str, str]:
    """After MkDocs: our sitemap (lastmod = last change, not the build date), then
    SHA256SUMS over every other file of the site (``known``: checksums of the files of
    the page store, computed when they were stored or verified, and of the files written
    from bytes in memory)."""
    files = {"sitemap.xml": sitemap, "sitemap.xml.gz": gzip.compress(sitemap, mtime=0)}
    written = write_files(files, root, published, reusable)
    write_sha256sums(root, {**known, **written})
    return written
