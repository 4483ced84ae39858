"""Index generations on disk: one writer at a time, readers never see a half-built index.

    <root>/CURRENT          the name of the current generation ("gen-000007")
    <root>/.write.lock      flock held by the one writer (its pid inside)
    <root>/gen-000007/      one complete index: index.sqlite, READY, READERS.lock

A generation is written beside CURRENT, marked READY, and only then made
current (an atomic rename of CURRENT); every other generation is deleted
unless a reader holds a shared lock on its READERS.lock (an old generation may
hold a record that is no longer published, so none is kept longer than a
reader needs it).  A reader keeps its generation open between queries (the
API) and moves to the new one on its next query.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import IndexLockedError, IndexMissingError

try:  # POSIX advisory locks; on other systems old generations are kept longer
    import fcntl as _fcntl
except ImportError:  # pragma: no cover - Windows
    _fcntl = None  # type: ignore[assignment]

__all__ = [
    "DB_NAME",
    "index_dir_for",
    "writer_lock",
    "new_generation",
    "mark_ready",
    "switch_to",
    "discard",
    "current",
    "index_exists",
    "reader",
    "Generation",
]

DB_NAME = "index.sqlite"
_CURRENT = "CURRENT"
_WRITE_LOCK = ".write.lock"
_READERS_LOCK = "READERS.lock"
_READY = "READY"
_GEN_RE = re.compile(r"^gen-(\d{6,})$")


def index_dir_for(out: Path) -> Path:
    """Where ``build`` keeps the journalists' index for ``--out``: outside the published
    site (it is not for the public, and the site must stay byte-reproducible)."""
    out = out.resolve()
    return out.parent / ".openaffairs" / f"search-{out.name}"


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _generations(root: Path) -> list[tuple[int, str]]:
    out = []
    with contextlib.suppress(FileNotFoundError):
        for entry in root.iterdir():
            m = _GEN_RE.match(entry.name)
            if m and entry.is_dir():
                out.append((int(m.group(1)), entry.name))
    return sorted(out)


def current(root: Path) -> str | None:
    """The name of the current generation, or None."""
    try:
        name = (root / _CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name if _GEN_RE.match(name) else None


def index_exists(index_root: Path) -> bool:
    """True when ``index_root`` holds a complete index that search() can read."""
    root = Path(index_root)
    gen = current(root)
    if gen is None:
        return False
    gdir = root / gen
    return (gdir / _READY).is_file() and (gdir / DB_NAME).is_file()


@contextlib.contextmanager
def _writer_lock(root: Path) -> Iterator[None]:
    path = root / _WRITE_LOCK
    fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if _fcntl is not None:
            try:
                _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                raise IndexLockedError(
                    f"the search index in {root} is being rebuilt by another "
                    f"build (pid {holder or 'unknown'}); wait for it to finish "
                    "and run the command again"
                ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the flock


def writer_lock(index_root: Path) -> contextlib.AbstractContextManager[None]:
    """The lock a build holds from the start of indexing until the switch (IndexLockedError)."""
    root = Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    return _writer_lock(root)


def new_generation(root: Path) -> tuple[str, Path]:
    """A new, empty generation folder beside CURRENT (not READY): (name, folder)."""
    root.mkdir(parents=True, exist_ok=True)
    gens = _generations(root)
    number = (gens[-1][0] + 1) if gens else 1
    name = f"gen-{number:06d}"
    gdir = root / name
    gdir.mkdir()
    (gdir / _READERS_LOCK).touch()
    return name, gdir


def mark_ready(gdir: Path, summary: str) -> None:
    """The generation is complete (its files synced): readers may open it."""
    _write_file(gdir / _READY, summary)
    _fsync_dir(gdir)


def _try_remove_generation(root: Path, name: str) -> bool:
    """Delete an old generation unless a reader holds it (shared flock)."""
    gdir = root / name
    lock_path = gdir / _READERS_LOCK
    fd = None
    try:
        if _fcntl is not None and lock_path.exists():
            fd = os.open(str(lock_path), os.O_RDONLY)
            try:
                _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # in use: a later build (or the reader itself) removes it
        elif _fcntl is None:  # pragma: no cover - no way to know: keep it
            return False
        with contextlib.suppress(FileNotFoundError):
            (gdir / _READY).unlink()
        trash = root / f".trash-{name}-{os.getpid()}-{time.monotonic_ns()}"
        gdir.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)
        return True
    except OSError:
        return False
    finally:
        if fd is not None:
            os.close(fd)


def _cleanup(root: Path, keep: set[str]) -> None:
    for _, name in _generations(root):
        if name not in keep:
            _try_remove_generation(root, name)
    for entry in root.iterdir():
        if entry.name.startswith(".trash-"):
            shutil.rmtree(entry, ignore_errors=True)


def switch_to(index_root: Path, name: str) -> None:
    """Make generation ``name`` current and delete every other one not held by a reader."""
    root = Path(index_root)
    tmp = root / (_CURRENT + ".tmp")
    _write_file(tmp, name + "\n")
    tmp.replace(root / _CURRENT)
    _fsync_dir(root)
    _cleanup(root, {name})


def discard(index_root: Path, name: str) -> None:
    """Delete a generation that was built but never made current."""
    if _GEN_RE.match(name) and current(Path(index_root)) != name:
        shutil.rmtree(Path(index_root) / name, ignore_errors=True)


class _Open:
    """One generation opened for reading: its READERS.lock and its connection, kept
    between queries; the shared lock is held only while a query runs."""

    def __init__(self, root: Path, name: str, fd: int, conn: sqlite3.Connection) -> None:
        self.root, self.name, self.fd, self.conn = root, name, fd, conn
        st = os.fstat(fd)  # a folder deleted and written anew under the same name differs here
        self.identity = f"{root}/{name}/{st.st_ino}-{st.st_ctime_ns}"
        self.closed = False

    def lock(self) -> bool:
        """Hold the shared lock; False when the generation is no longer the current one."""
        if _fcntl is not None:
            _fcntl.flock(self.fd, _fcntl.LOCK_SH)
        if current(self.root) == self.name and (self.root / self.name / _READY).is_file():
            return True
        self.unlock()
        return False

    def unlock(self) -> None:
        if _fcntl is not None:
            _fcntl.flock(self.fd, _fcntl.LOCK_UN)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.conn.close()
            os.close(self.fd)

    def __del__(self) -> None:  # the thread that held it ended
        with contextlib.suppress(Exception):
            self.close()


class _Readers(threading.local):
    def __init__(self) -> None:
        self.open: dict[Path, _Open] = {}


_readers = _Readers()


def _open(root: Path) -> _Open:
    for _attempt in range(20):
        name = current(root)
        if name is None:
            break
        gdir = root / name
        try:
            fd = os.open(str(gdir / _READERS_LOCK), os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            time.sleep(0.005)
            continue
        try:
            if _fcntl is not None:
                _fcntl.flock(fd, _fcntl.LOCK_SH)
            if not (gdir / _READY).is_file():
                os.close(fd)
                time.sleep(0.005)
                continue
            if not (gdir / DB_NAME).is_file():  # a whoosh generation of an older version
                raise IndexMissingError(
                    f"the search index in {root} was written by an older version of openaffairs: run openaffairs build"
                )
            # a READY generation never changes: immutable (no locking, no journal)
            conn = sqlite3.connect(f"file:{gdir / DB_NAME}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            # memory-mapped: pages are read from the OS page cache without copies, and
            # the processes of the API share them
            conn.execute("PRAGMA mmap_size=17179869184")
            conn.execute("PRAGMA cache_size=-32768")
        except BaseException:
            os.close(fd)
            raise
        return _Open(root, name, fd, conn)  # returned locked
    raise IndexMissingError(f"no search index in {root}: build the site first (openaffairs build)")


@dataclass(frozen=True)
class Generation:
    """The generation a query runs on: what identifies its contents (path, name, and the
    inode and creation time of its lock file) and its read-only connection."""

    name: str
    db: sqlite3.Connection


@contextlib.contextmanager
def reader(index_root: Path) -> Iterator[Generation]:
    """The current generation, under a shared lock while the block runs (it cannot be
    deleted meanwhile).  The connection is kept by this thread for its next query,
    which moves to a newer generation if there is one."""
    root = Path(index_root).absolute()
    held = _readers.open.pop(root, None)
    if held is not None and not held.lock():
        held.close()
        held = None
    if held is None:
        held = _open(root)
    try:
        yield Generation(held.identity, held.conn)
    except sqlite3.DatabaseError:
        held.close()  # a damaged file: open afresh on the next query
        raise
    finally:
        if not held.closed:
            held.unlock()
            _readers.open[root] = held
