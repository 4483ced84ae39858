"""The loader's cache: each record file as read and validated, in the user's cache folder.

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

One SQLite database (``cache.BlobStore``, the standard library's ``sqlite3``): one
file instead of one per record, read in a few queries.  Every entry carries the SHA-256 of its payload; an entry
that does not match, or does not load, is a miss (the file is read again), never used.
Any error of the database itself turns the cache off for that build (the records are
read as without it); a damaged database file is removed.  Deleting the folder only
makes the next build read every file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .cache import BlobStore, digest

__all__ = ["SourceCache", "private_cache_path", "source_cache"]

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
    """Payloads by key (``key``): ``get_many`` and ``put``, then ``commit`` once."""

    def __init__(self, store: BlobStore, fingerprint: str):
        self._store = store
        self.fingerprint = fingerprint
        self._new: list[tuple[str, bytes]] = []
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def key(self, shown: str, type_name: str, sha: str) -> str:
        return digest(self.fingerprint, shown, type_name, sha)

    def empty(self) -> bool:
        return self._store.empty()

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The payload of every key found and intact."""
        wanted = list(keys)
        self.used.update(wanted)
        return self._store.get_many(wanted)

    def put(self, key: str, payload: bytes) -> None:
        """Kept for ``commit``; stored in batches meanwhile (the loading waits for its workers
        most of the time, and the payloads of 100,000 records are 300 MB)."""
        self.used.add(key)
        self._new.append((key, payload))
        if len(self._new) >= 2048:
            new, self._new = self._new, []
            self._store.put_many(new)

    def commit(self) -> None:
        """Store the new entries and drop those this load did not use (every record file of
        the site was looked up: an entry not used is of a file that changed or is gone)."""
        new, self._new = self._new, []
        self._store.put_many(new)
        self._store.keep_only(self.used)


@contextlib.contextmanager
def source_cache(site_root: Path, fingerprint: str) -> Iterator[SourceCache | None]:
    """The loader's cache of the site at ``site_root`` (None when it cannot be opened:
    the records are then read as without it)."""
    try:
        path = private_cache_path(site_root)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # (an existing folder; mkdir's mode is masked by the umask)
    except (OSError, RuntimeError):  # (RuntimeError: no home folder)
        yield None
        return
    store = BlobStore(path)
    try:
        if not store.usable:
            yield None
            return
        for name in store.files():
            with contextlib.suppress(FileNotFoundError):
                name.chmod(0o600)
        yield SourceCache(store, fingerprint)
    finally:
        store.close()
