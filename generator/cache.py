"""The build cache: ``.openaffairs/cache/`` beside ``--out`` (safe to delete).

Stage: infrastructure of the pipeline (no stage reads it but through here).

Two stores, both keyed by content, never by time stamps:

* ``records.sqlite``: the privacy filter's result for one record (its public copy,
  body HTML and text, redactions, warnings), one row per record in one SQLite table
  (``BlobStore``; read in a few queries, not a file per record).  The key is
  the **fingerprint** of the build (package version and the digest of its code
  and templates, the loaded config, the theme, the versions of MkDocs and the
  other renderers) + the **site digest** (everything the filter of one record
  knows about the others: the declared names, aliases and private values of
  every record, the names kept visible, the public contacts, the set of
  visible records, the attachments' sizes) + the record's source bytes and
  outcome.  A changed declaration anywhere changes the site digest, so every
  record is filtered again (a simple rule, sound by construction).  An entry
  also holds the digest of every attachment the filter read; a hit whose
  attachments changed is a miss.
* ``pages/<out>.manifest``: what the site published at ``--out`` was made
  of: the digest of every page's Markdown and static file, the fingerprint of
  what every page depends on besides its own Markdown (mkdocs.yml with the
  navigation, the theme, the set of files), and for every file MkDocs made its
  SHA-256 and (inode, size, modification and change time).  A page whose
  Markdown and that fingerprint are unchanged, and whose published file is
  still the one recorded, is hard-linked into the new site instead of being
  rendered again (no file is ever written in place: a build writes new files).
* ``state/<out>``: the **inputs' signature** of the last completed build of
  ``--out`` (like git's index): the stat signature (inode, size, modification and
  change time) of every file under ``content/``, taken before anything is read,
  the build fingerprint, the build time, the git HEAD the dates were read from,
  and the signature of every file of the published site and of the search
  index's current generation.  A build whose inputs and outputs all still have
  those signatures would make the same bytes: it reads nothing and keeps the
  site (``pipeline.build``; the signatures: ``generator/buildstate.py``).  A file
  changed within a second before the scan is "racy" (its time stamp may not show a
  second change): no state is recorded.
* ``written/<out>``: the files the pipeline writes itself (the static search
  index, the sitemap): path -> (SHA-256, signature) as published.  A file whose
  new bytes have that SHA-256 and whose published copy still has that signature
  is hard-linked into the new site instead of being written (at 20,000 records
  some 40,000 files; creating a file costs far more than linking one).
  This store and the pages' manifest hold plain values only and are written with
  marshal (``write_entry(..., flat=True)``: several times faster than pickle for
  tables of tens of thousands of rows); their files are checked with string paths
  and one ``lstat`` each (a ``Path`` per file costs more than the check).
* ``spare/<out>``: the previous site, kept so that the next build recycles its
  folders (on file systems that discard freed blocks, removing a folder costs
  milliseconds: at 100,000 pages more than rendering them).

Every entry carries a SHA-256 of its payload: a truncated or corrupted entry is
ignored (the record is filtered again, the page rendered again), never
published.  Entries are written to a temporary name and renamed; the page
store switches by rewriting ``pages/CURRENT`` last, so a build killed at any
point leaves the previous cache usable.  Deleting the folder only makes the next
build a cold one.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import marshal
import os
import pickle
import shutil
import sqlite3
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .config import SiteConfig

__all__ = [
    "BlobStore",
    "BuildCache",
    "PageManifest",
    "cache_dir_for",
    "fingerprint",
    "digest",
    "read_entry",
    "write_entry",
    "tree_signature",
]

_MAGIC = b"OACACHE1"  # a pickled payload
_MAGIC_FLAT = b"OACACHM1"  # a marshalled payload of plain values (tuples, lists, dicts, str, int)
PACKAGE_DIR = Path(__file__).parent  # the code and templates of this package (all in the fingerprint)
_PACKAGES = (
    "mkdocs",
    "mkdocs-material",
    "markdown",
    "pymdown-extensions",
    "nh3",
    "jinja2",
    "pydantic",
    "pyahocorasick",
)


def cache_dir_for(out: Path) -> Path:
    """``.openaffairs/cache/`` in the folder that holds ``--out`` (beside the search index)."""
    return out.resolve().parent / ".openaffairs" / "cache"


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _tree_digest(h: Any, root: Path, label: str) -> None:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or path.suffix == ".pyc" or not path.is_file():
            continue
        data = path.read_bytes()
        h.update(f"{label}/{rel.as_posix()}\0{len(data)}\0".encode())
        h.update(data)


def _versions() -> str:
    out = [f"python {sys.version}", f"openaffairs {__version__}"]
    for name in _PACKAGES:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} -")
    return "\n".join(out)


def fingerprint(config: SiteConfig) -> str:
    """Everything every output depends on besides the content: the package version and
    the bytes of its code and templates, the renderers' versions, the loaded config and
    the theme (shipped and the site's own)."""
    from .site import default_theme_dir

    h = hashlib.sha256()
    h.update(_versions().encode("utf-8"))
    _tree_digest(h, PACKAGE_DIR, "generator")
    _tree_digest(h, default_theme_dir(), "shipped-theme")
    _tree_digest(h, config.theme_path, "theme")
    h.update(config.model_dump_json().encode("utf-8"))
    return h.hexdigest()


# -- one entry: magic, sha256 of the payload, payload -----------------------------------


def write_entry(path: Path, value: Any, *, flat: bool = False) -> None:
    """Store ``value`` at ``path``; ``flat``: with marshal (plain values only: several times
    faster than pickle for the large tables of the pages' manifest and the written files)."""
    if flat:
        _write_payload(path, marshal.dumps(value), _MAGIC_FLAT)
    else:
        _write_payload(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _write_payload(path: Path, payload: bytes, magic: bytes = _MAGIC) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(magic + hashlib.sha256(payload).digest() + payload)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


def read_entry(path: Path) -> Any | None:
    """The value stored at ``path``, or None when missing, truncated or corrupted (fail closed)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    magic = data[: len(_MAGIC)]
    if len(data) < head or magic not in (_MAGIC, _MAGIC_FLAT):
        return None
    payload = data[head:]
    if hashlib.sha256(payload).digest() != data[len(_MAGIC) : head]:
        return None
    try:
        return marshal.loads(payload) if magic == _MAGIC_FLAT else pickle.loads(payload)
    except Exception:  # a payload that passed its checksum but does not load: ignore it too
        return None


# -- many small entries in one file: a SQLite table of checksummed payloads -----------------

_BLOB_SCHEMA = 1  # the shape of the table (another: the store is started again)


class BlobStore:
    """Payloads (bytes) by key in one SQLite database (the standard library's ``sqlite3``):
    one file instead of one per entry, read in a few queries.  Every payload carries its
    SHA-256: one that does not match is a miss, never returned.  Any error of the database
    turns the store off for the build (nothing read, nothing written: the work is done
    again); a file that is no database, or a damaged table, is started again."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._reset = False
        self._present: set[str] = set()  # keys known to be in the table (found or stored)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = _open_blobs(path)
            except sqlite3.DatabaseError:  # not a database, or damaged: start again
                for name in self.files():
                    name.unlink(missing_ok=True)
                self._db = _open_blobs(path)
        except (OSError, sqlite3.Error):
            self._db = None

    def files(self) -> list[Path]:
        """The database's files (the table, and SQLite's write-ahead log and its index)."""
        return [self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")]

    @property
    def usable(self) -> bool:
        return self._db is not None

    def empty(self) -> bool:
        if self._db is None:
            return True
        try:
            return self._db.execute("SELECT 1 FROM entries LIMIT 1").fetchone() is None
        except sqlite3.Error:
            self._reset = True
            return True

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The intact payload of every key found."""
        found: dict[str, bytes] = {}
        if self._db is None or self._reset:
            return found
        wanted = list(keys)
        sha256 = hashlib.sha256
        try:
            for start in range(0, len(wanted), 500):  # (SQLite's limit of bound parameters)
                batch = wanted[start : start + 500]
                rows = self._db.execute(
                    "SELECT key, CAST(sha AS BLOB), CAST(payload AS BLOB) FROM entries "  # noqa: S608 (marks only)
                    f"WHERE key IN ({','.join('?' * len(batch))})",
                    batch,
                )
                for key, sha, payload in rows:
                    self._present.add(key)
                    if isinstance(payload, bytes) and sha256(payload).digest() == sha:
                        found[key] = payload
        except sqlite3.Error:  # a damaged table: nothing of it is used, and it is started again
            self._reset = True
            return {}
        return found

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Store the payloads (one transaction)."""
        if self._db is None:
            return
        sha256 = hashlib.sha256
        rows = [(key, sha256(payload).digest(), payload) for key, payload in items]
        try:
            with self._db:
                self._start_again_if_damaged(self._db)
                self._db.executemany("INSERT OR REPLACE INTO entries (key, sha, payload) VALUES (?, ?, ?)", rows)
            self._present.update(row[0] for row in rows)
        except sqlite3.Error:
            self.close()

    def keep_only(self, used: set[str]) -> None:
        """Drop every entry whose key is not in ``used``."""
        if self._db is None:
            return
        db = self._db
        try:
            with db:
                self._start_again_if_damaged(db)
                (count,) = db.execute("SELECT count(*) FROM entries").fetchone()
                if count == len(self._present) and self._present <= used:
                    return  # every entry in the table is one of ``used``: nothing to drop
                if count:
                    db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                    db.execute("DELETE FROM temp.used")
                    db.executemany("INSERT OR IGNORE INTO temp.used (key) VALUES (?)", ((k,) for k in used))
                    db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM temp.used)")
        except sqlite3.Error:
            self.close()

    def _start_again_if_damaged(self, db: sqlite3.Connection) -> None:
        """In a write's transaction: empty a table that could not be read (``get_many``)."""
        if self._reset:
            db.execute("DELETE FROM entries")
            self._reset = False
            self._present.clear()

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _open_blobs(path: Path) -> sqlite3.Connection:
    # one connection, used by the build's thread and by the cache's writer thread in turn
    db = sqlite3.connect(path, timeout=60, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # (a cache: a torn write is a checksum miss)
        if db.execute("PRAGMA user_version").fetchone()[0] != _BLOB_SCHEMA:
            with db:
                db.execute("DROP TABLE IF EXISTS entries")
                db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, sha BLOB NOT NULL, payload BLOB NOT NULL)")
                db.execute(f"PRAGMA user_version = {_BLOB_SCHEMA}")
        db.execute("SELECT count(*) FROM entries").fetchone()
    except BaseException:
        db.close()
        raise
    return db


# -- the pages' manifest -------------------------------------------------------------------


@dataclass
class PageManifest:
    """What the site published at ``--out`` was made from, file by file."""

    key: str = ""  # the fingerprint of everything a page depends on besides its Markdown
    sources: dict[str, str] = field(default_factory=dict)  # docs path -> SHA-256 of its bytes
    # docs path -> (site path, SHA-256, (inode, size, mtime_ns, ctime_ns)) of every file MkDocs made of it
    outputs: dict[str, list[tuple[str, str, tuple[int, int, int, int]]]] = field(default_factory=dict)
    theme: list[tuple[str, str, tuple[int, int, int, int]]] = field(default_factory=list)  # copied from the theme
    warnings: list[str] = field(default_factory=list)  # MkDocs' warnings of that build


_MANIFEST_TAG = "page-manifest-2"  # the shape of a stored manifest (another shape: nothing is reused)


class BuildCache:
    """The cache of one folder of outputs; hold ``lock()`` for the whole build."""

    def __init__(self, root: Path, fingerprint: str):
        self.root = root
        self.fingerprint = fingerprint
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        # entries are written by a thread while the filter goes on (SQLite releases the GIL)
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="openaffairs-cache")
        self._pending: list[concurrent.futures.Future[None]] = []
        self._records: BlobStore | None = None
        self._batch: list[tuple[str, bytes]] = []
        self._at_close: list[Callable[[], object]] = []

    def at_close(self, fn: Callable[[], object]) -> None:
        """Call ``fn`` when the cache is closed (the end of the build, whatever its outcome)."""
        self._at_close.append(fn)

    def close(self) -> None:
        """End the writer thread and the records' store (after the build, whatever its outcome)."""
        for fn in self._at_close:
            with contextlib.suppress(Exception):
                fn()
        self._at_close = []
        with contextlib.suppress(Exception):
            self.flush()
        self._writer.shutdown(wait=True)
        if self._records is not None:
            self._records.close()

    def flush(self) -> None:
        """Wait until every entry is written (raises what a write raised)."""
        self._write_batch()
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    # records: the privacy filter's result of each record, in one table (``records.sqlite``)
    @property
    def records(self) -> BlobStore:
        if self._records is None:
            self._records = BlobStore(self.root / "records.sqlite")
        return self._records

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The value of every key found intact (the others are misses)."""
        wanted = list(keys)
        self.used.update(wanted)
        found: dict[str, Any] = {}
        for key, payload in self.records.get_many(wanted).items():
            with contextlib.suppress(Exception):  # a payload that passed its checksum but does not load: a miss
                found[key] = pickle.loads(payload)
        self.hits += len(found)
        self.misses += len(set(wanted)) - len(found)
        return found

    def put(self, key: str, value: Any) -> None:
        self.used.add(key)
        self._batch.append((key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))  # now: it may change later
        if len(self._batch) >= 256:
            self._write_batch()

    def _write_batch(self) -> None:
        """The entries put since the last batch, to the writer thread."""
        if self._batch:
            batch, self._batch = self._batch, []
            self._pending.append(self._writer.submit(self.records.put_many, batch))

    # outputs made from many records (the static search index): keyed by their inputs
    def key(self, kind: str, inputs: Any) -> str:
        return digest(self.fingerprint, kind, pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL))

    def get_output(self, key: str) -> Any | None:
        self.used.add(key)
        return read_entry(self.root / "outputs" / key)

    def put_output(self, key: str, value: Any, *, flat: bool = False) -> None:
        """``flat``: with marshal when ``value`` holds plain values only (it loads several
        times faster than pickle); pickled when it does not."""
        self.used.add(key)
        try:
            write_entry(self.root / "outputs" / key, value, flat=flat)
        except ValueError:  # a value marshal does not know (a subclass of str ...): nothing written yet
            write_entry(self.root / "outputs" / key, value)

    # the journalists' search index: what its current generation was made of
    def index_state(self, index_root: Path) -> dict[str, Any] | None:
        """{"key", "generation", "file" (inode, size, mtime of its database), "docs": (type, id) ->
        digest}, or None."""
        value = read_entry(self.root / "search" / index_root.name)
        return value if isinstance(value, dict) else None

    def set_index_state(self, index_root: Path, state: dict[str, Any] | None) -> None:
        path = self.root / "search" / index_root.name
        if state is None:
            path.unlink(missing_ok=True)
        else:
            write_entry(path, state)

    def prune_records(self) -> None:
        """Drop the entries this build did not use (a completed build only)."""
        self.flush()
        self.records.keep_only(self.used)
        shutil.rmtree(self.root / "records", ignore_errors=True)  # (earlier builds' store: one file per record)
        folder = str(self.root / "outputs")
        try:
            names = os.listdir(folder)  # noqa: PTH208 (strings: no Path per entry)
        except OSError:
            return
        used = self.used
        for name in names:
            if name not in used:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{folder}/{name}")  # noqa: PTH108

    # the inputs' and outputs' signatures of the last completed build of an output folder
    def _state_path(self, out: Path) -> Path:
        return self.root / "state" / f"{out.resolve().name}.state"

    def state(self, out: Path) -> dict[str, Any] | None:
        value = read_entry(self._state_path(out))
        return value if isinstance(value, dict) else None

    def commit_state(self, out: Path, state: dict[str, Any]) -> None:
        write_entry(self._state_path(out), state)

    def forget_state(self, out: Path) -> None:
        """At the start of every build that may change ``out`` (kept only by a completed build)."""
        self._state_path(out).unlink(missing_ok=True)

    # the files the pipeline writes itself, as published
    def _written_path(self, out: Path) -> Path:
        return self.root / "written" / f"{out.resolve().name}.files"

    def intact_written(self, out: Path) -> dict[str, str]:
        """Site path -> SHA-256 of each such file of the site at ``out`` still as recorded
        (call before the build touches ``out``'s folders: removing a name moves a change time)."""
        value = read_entry(self._written_path(out))
        if not isinstance(value, dict):
            return {}
        root = f"{out.resolve()}/"  # strings: a Path per file costs more than its lstat
        lstat = os.lstat
        intact = {}
        try:
            for rel, (sha, sig) in value.items():
                try:
                    st = lstat(root + rel)
                except OSError:
                    continue
                if (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) == sig:
                    intact[rel] = sha
        except (TypeError, ValueError):  # not the shape this version writes: nothing is reused
            return {}
        return intact

    def commit_written(self, out: Path, sums: dict[str, str]) -> None:
        root = f"{out.resolve()}/"
        value = {}
        for rel, sha in sums.items():
            sig = file_signature(root + rel)
            if sig is not None:  # a file that is gone is not recorded (it would never match)
                value[rel] = (sha, sig)
        write_entry(self._written_path(out), value, flat=True)

    # pages
    def _manifest_path(self, out: Path) -> Path:
        return self.root / "pages" / f"{out.resolve().name}.manifest"

    def manifest(self, out: Path) -> PageManifest | None:
        """The manifest of the site at ``out``, or None (missing or damaged: nothing is reused)."""
        value = read_entry(self._manifest_path(out))
        if not (isinstance(value, tuple) and len(value) == 6 and value[0] == _MANIFEST_TAG):
            return None
        _, key, sources, outputs, theme, warnings = value
        if not (
            isinstance(key, str)
            and isinstance(sources, dict)
            and isinstance(outputs, dict)
            and isinstance(theme, list)
            and isinstance(warnings, list)
        ):
            return None
        return PageManifest(key, sources, outputs, theme, warnings)

    def commit_manifest(self, out: Path, manifest: PageManifest) -> None:
        """Written with marshal (plain tuples, lists and dicts: several times faster than pickle)."""
        m = manifest
        write_entry(
            self._manifest_path(out), (_MANIFEST_TAG, m.key, m.sources, m.outputs, m.theme, m.warnings), flat=True
        )

    def forget_manifest(self, out: Path) -> None:
        """Before the site at ``out`` is replaced (a build killed after the swap leaves no
        manifest that describes another site; the file checks would catch it anyway)."""
        self._manifest_path(out).unlink(missing_ok=True)

    def spare(self, out: Path) -> Path:
        """Where the previous site of ``out`` is kept for the next build to recycle its folders."""
        return self.root / "spare" / out.resolve().name

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One build at a time per cache (a second build waits)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "lock").open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


RACY_NS = 1_000_000_000  # a file changed less than this before the scan: its signature is not trusted


def tree_signature(root: Path, *, racy_before: int | None = None) -> str | None:
    """A digest of the name, mode and (inode, size, modification time, change time) of every
    entry under ``root`` (not following links), in the order the folders list them (an
    equal tree listed in another order only looks changed); "" when ``root`` does not
    exist.  With ``racy_before`` (``now_ns()`` of the scan), None when an entry was changed
    less than ``RACY_NS`` before it (a change in the same clock tick would not show)."""
    limit = None if racy_before is None else racy_before - RACY_NS
    rows: list[tuple[str, int, int, int, int, int]] = []
    pending = [(str(root), "")]
    try:
        while pending:
            folder, prefix = pending.pop()
            with os.scandir(folder) as listing:
                for entry in listing:
                    name = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):  # its entries are listed: no stat needed
                        rows.append((name, stat.S_IFDIR, entry.inode(), 0, 0, 0))
                        pending.append((entry.path, name + "/"))
                        continue
                    st = entry.stat(follow_symlinks=False)
                    if limit is not None and (st.st_mtime_ns >= limit or st.st_ctime_ns >= limit):
                        return None
                    rows.append((name, st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    except OSError:  # gone or unreadable: not a signature to trust (the build reports what it finds)
        if not rows and not root.exists():
            return ""
        return None
    return hashlib.sha256(marshal.dumps(rows)).hexdigest()


def file_signature(path: Path | str) -> tuple[int, int, int, int] | None:
    """(inode, size, modification time, change time), or None when there is no such file."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def now_ns() -> int:
    return time.time_ns()


def files_under(root: Path) -> Iterable[str]:
    for dirpath, _dirs, names in os.walk(root):
        base = Path(dirpath).relative_to(root).as_posix()
        for name in names:
            yield name if base == "." else f"{base}/{name}"


def dumps_sorted(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
