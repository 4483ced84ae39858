"""The loader's cache: each record file as read and validated, in the site's own folder.

Stage: infrastructure of the loader (``intake`` is its only user).

What validation made of a record file depends on nothing but the file's bytes, where
it lies (the path shown in messages and its type folder), the config and the code:
so the result of ``loading.read_document`` + ``validation.validate_one`` (the
document's line map and body, the typed record, the problems of each step) is kept
under the digest of those inputs, and a file whose bytes did not change is neither
parsed nor validated again.  The checks across records (unique ids, references,
translations, attachments) still run over every record on every build.

**It holds private data**: the records as staff wrote them, held-back ones and
parties' names included.  So it lies neither beside ``--out`` (whose
``.openaffairs/cache/`` holds only what the privacy filter let through, and may sit
next to a served folder) nor anywhere in the site's folder (which a build, a test or
an archive of the folder might publish or copy): it lies in the user's own cache
folder, ``$XDG_CACHE_HOME/openaffairs/sources/`` (``~/.cache/...`` by default;
``OPENAFFAIRS_PRIVATE_CACHE`` names another folder), one database per site folder,
created for its owner only (folder 0700, file 0600).  Where that folder cannot be
made, there is no loader's cache (every record file is read).

One SQLite database (the standard library's ``sqlite3``): one file instead of one per
record, read in one query.  Every entry carries the SHA-256 of its payload; an entry
that does not match, or does not load, is a miss (the file is read again), never used.
Any error of the database itself turns the cache off for that build (the records are
read as without it); a damaged database file is removed.  Deleting the folder only
makes the next build read every file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["SourceCache", "private_cache_path", "source_cache"]

_SCHEMA = 1  # the shape of the table (another: the database is started again)
ENV = "OPENAFFAIRS_PRIVATE_CACHE"


def private_cache_path(site_root: Path) -> Path:
    """The loader's cache of the site whose ``site_config.yml`` is in ``site_root``: in the
    user's cache folder, named by a digest of the site folder's absolute path."""
    base = os.environ.get(ENV)
    if base:
        folder = Path(base)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        folder = (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "openaffairs" / "sources"
    name = hashlib.sha256(str(site_root.resolve()).encode("utf-8")).hexdigest()[:32]
    return folder / f"{name}.sqlite"


class SourceCache:
    """Payloads (bytes) by key; ``get_many`` and ``put``, then ``commit`` once."""

    def __init__(self, db: sqlite3.Connection, fingerprint: str):
        self._db = db
        self.fingerprint = fingerprint
        self._new: list[tuple[str, bytes, bytes]] = []
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.failed = False
        self._reset = False  # the table could not be read: started again at the commit

    def key(self, shown: str, type_name: str, sha: str) -> str:
        h = hashlib.sha256()
        for part in (self.fingerprint, shown, type_name, sha):
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()

    def empty(self) -> bool:
        try:
            return self._db.execute("SELECT 1 FROM entries LIMIT 1").fetchone() is None
        except sqlite3.Error:
            self.failed = True
            return True

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The payload of every key found and intact."""
        wanted = list(keys)
        self.used.update(wanted)
        found: dict[str, bytes] = {}
        try:
            for start in range(0, len(wanted), 500):  # (SQLite's limit of bound parameters)
                batch = wanted[start : start + 500]
                marks = ",".join("?" * len(batch))
                for key, sha, payload in self._db.execute(
                    "SELECT key, CAST(sha AS BLOB), CAST(payload AS BLOB) FROM entries "  # noqa: S608 (marks only)
                    f"WHERE key IN ({marks})",
                    batch,
                ):
                    if isinstance(payload, bytes) and hashlib.sha256(payload).digest() == sha:
                        found[key] = payload
        except sqlite3.Error:  # a damaged table: no entry of it is used, and it is started again
            self._reset = True
            return {}
        return found

    def put(self, key: str, payload: bytes) -> None:
        self.used.add(key)
        self._new.append((key, hashlib.sha256(payload).digest(), payload))

    def commit(self) -> None:
        """Store the new entries and drop those this load did not use (every record file of
        the site was looked up: an entry not used is of a file that changed or is gone)."""
        if self.failed:
            return
        db = self._db
        try:
            with db:
                if self._reset:
                    db.execute("DELETE FROM entries")
                db.executemany("INSERT OR REPLACE INTO entries (key, sha, payload) VALUES (?, ?, ?)", self._new)
                (count,) = db.execute("SELECT count(*) FROM entries").fetchone()
                if count > len(self.used):
                    db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                    db.execute("DELETE FROM temp.used")
                    db.executemany("INSERT OR IGNORE INTO temp.used (key) VALUES (?)", ((k,) for k in self.used))
                    db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM temp.used)")
        except sqlite3.Error:
            self.failed = True
        self._new = []


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=60, isolation_level="DEFERRED")
    try:
        db.execute("PRAGMA journal_mode=WAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != _SCHEMA:
            with db:
                db.execute("DROP TABLE IF EXISTS entries")
                db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, sha BLOB NOT NULL, payload BLOB NOT NULL)")
                db.execute(f"PRAGMA user_version = {_SCHEMA}")
        db.execute("SELECT count(*) FROM entries LIMIT 1").fetchone()
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def source_cache(site_root: Path, fingerprint: str) -> Iterator[SourceCache | None]:
    """The loader's cache of the site at ``site_root`` (None when it cannot be opened:
    the records are then read as without it)."""
    db = None
    try:
        path = private_cache_path(site_root)
        folder = path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)  # (an existing folder; mkdir's mode is masked by the umask)
        try:
            db = _open(path)
        except sqlite3.DatabaseError:  # not a database, or damaged: start again
            for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                name.unlink(missing_ok=True)
            db = _open(path)
        for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                name.chmod(0o600)
    except (OSError, RuntimeError, sqlite3.Error):  # (RuntimeError: no home folder)
        if db is not None:
            db.close()
        yield None
        return
    try:
        yield SourceCache(db, fingerprint)
    finally:
        db.close()
