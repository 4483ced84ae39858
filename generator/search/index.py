"""The index writer: SearchDocs -> one generation (an SQLite database with an FTS5 table).

    docs    one row per record: type, id and the dates (small: the join for date conditions)
    stored  what a hit shows and every text field as written (for snippets and updates)
    fts     FTS5, contentless: the token streams of ``text.index_tokens`` per text field,
            and ``keys``: one token per whole value (type, id, ``field:=value``)
    head    FTS5 over title and summary alone: the relevance tiers of a broad query
            are counted here, at a fraction of the cost

A record's rowid is its place in the order of ties: newest first (undated
last), then a hash of type and id -- so the same records give the same order
whichever way the index was written, and FTS5 returns rows newest first at
no cost.  ``build_generation`` writes a whole new generation;
``update_generation`` copies the current one and applies the records added,
changed and removed (for a build cache that knows which records changed).
Neither switches: the caller holds ``writer_lock`` and calls ``switch_to``
(or ``discard``).  Before a generation is marked READY, ``_finish`` writes in its
``meta`` what the engine may rely on, checked rather than assumed: the number of
records (``docs``) and of each type (``types``), and ``day_in_rowid`` when every
record's day is in its rowid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .fields import ASCII_FIELDS, EXACT_FIELDS, TEXT_FIELDS, WEIGHTS
from .generations import DB_NAME, current, mark_ready, new_generation, switch_to, writer_lock
from .model import DOC_TYPES, SearchDoc
from .text import VALUE_SEP, clean, exact_key, index_tokens

__all__ = [
    "SCHEMA_VERSION",
    "FTS_COLUMNS",
    "key_token",
    "rowid_range",
    "day_of_rowid",
    "write_index",
    "build_generation",
    "update_generation",
]

SCHEMA_VERSION = "2"  # 1: whoosh; 2: SQLite FTS5
FTS_COLUMNS = (*TEXT_FIELDS, "keys")
_MAX_DAY = dt.date.max.toordinal()
DAY_SHIFT = 40  # a rowid is (_MAX_DAY - date) << DAY_SHIFT | 40 bits of a hash of type and id
DAY_MASK = (1 << DAY_SHIFT) - 1
_STORED = ("url", "link", "published", "updated", *TEXT_FIELDS)

_SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(rowid INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL,
                  date INTEGER, issued INTEGER, effective INTEGER, UNIQUE(type, id));
CREATE INDEX docs_date ON docs(date);
CREATE INDEX docs_issued ON docs(issued);
CREATE INDEX docs_effective ON docs(effective);
CREATE TABLE stored(rowid INTEGER PRIMARY KEY, url TEXT NOT NULL, link TEXT NOT NULL, published TEXT,
                    updated TEXT, {", ".join(f"{f} TEXT NOT NULL" for f in TEXT_FIELDS)});
CREATE VIRTUAL TABLE fts USING fts5({", ".join(FTS_COLUMNS)},
    content='', tokenize="ascii tokenchars '_'", prefix='1', detail=full);
CREATE VIRTUAL TABLE head USING fts5(title, summary,
    content='', tokenize="ascii tokenchars '_'", prefix='1', detail=full);
INSERT INTO head(head, rank) VALUES('rank', 'bm25({WEIGHTS["title"]}, {WEIGHTS["summary"]})');
INSERT INTO fts(fts, rank) VALUES('rank', 'bm25({", ".join(str(WEIGHTS.get(f, 1.0)) for f in TEXT_FIELDS)}, 0.0)');
"""
_INSERT_DOC = "INSERT INTO docs(rowid, type, id, date, issued, effective) VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_STORED = f"INSERT INTO stored(rowid, {', '.join(_STORED)}) VALUES (?{', ?' * len(_STORED)})"
_INSERT_FTS = f"INSERT INTO fts(rowid, {', '.join(FTS_COLUMNS)}) VALUES (?{', ?' * len(FTS_COLUMNS)})"
_DELETE_FTS = f"INSERT INTO fts(fts, rowid, {', '.join(FTS_COLUMNS)}) VALUES ('delete', ?{', ?' * len(FTS_COLUMNS)})"
_INSERT_HEAD = "INSERT INTO head(rowid, title, summary) VALUES (?, ?, ?)"
_DELETE_HEAD = "INSERT INTO head(head, rowid, title, summary) VALUES ('delete', ?, ?, ?)"


def key_token(field: str, value: str) -> str:
    """The one token standing for a whole value of a field ("*" for every record)."""
    return "k" + hashlib.sha1(f"{field}\x00{value}".encode()).hexdigest()[:20]


def _ordinal(value: dt.date | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date, got {value!r}")
    return value.toordinal()


class _Row:
    """One record as the tables hold it."""

    def __init__(self, doc: SearchDoc) -> None:
        if doc.type not in DOC_TYPES:
            raise ValueError(f"{doc.type}/{doc.id}: unknown record type {doc.type!r}")
        if not doc.id:
            raise ValueError(f"{doc.type}: a record without id")
        self.type, self.id = doc.type, doc.id
        text: dict[str, str] = {}
        for f in ("title", "summary", "body", "doc_number", "kind", "validity", "category", "case_number"):
            v = clean(getattr(doc, f))
            text[f] = v if v.strip() else ""
        for f in ASCII_FIELDS:  # the engine relies on it (fields.ASCII_FIELDS)
            if not text[f].isascii():
                raise ValueError(f"{doc.type}/{doc.id}: {f} must be an ASCII value, not {text[f]!r}")
        text["issuer"] = VALUE_SEP.join(p.strip() for p in re.split(r"[；;]", clean(doc.issuer)) if p.strip())
        text["tags"] = VALUE_SEP.join(t for t in (clean(t).strip() for t in doc.tags) if t)
        self.stored: tuple[str | None, ...] = (
            doc.url,
            doc.link,
            doc.published.isoformat() if doc.published else None,
            doc.updated.isoformat() if doc.updated else None,
            *(text[f] for f in TEXT_FIELDS),
        )
        self.dates = (_ordinal(doc.date), _ordinal(doc.issued), _ordinal(doc.effective))
        digest = hashlib.sha1(f"{doc.type}/{doc.id}".encode()).digest()
        self.rowid = ((_MAX_DAY - (self.dates[0] or 0)) << DAY_SHIFT) | int.from_bytes(digest[:5], "big")

    @classmethod
    def tokens(cls, type_: str, id_: str, stored: Sequence[str | None]) -> list[str]:
        """The FTS columns of a record, from its stored texts."""
        texts = [index_tokens(str(v or "")) for v in stored[4:]]
        keys = [key_token("*", ""), key_token("type", type_), key_token("id", id_.lower())]
        for f, v in zip(TEXT_FIELDS, stored[4:], strict=True):
            if f in EXACT_FIELDS:
                keys += [key_token(f, k) for k in (exact_key(p) for p in str(v or "").split(VALUE_SEP)) if k]
        return [*texts, " ".join(dict.fromkeys(keys))]


def _insert(db: sqlite3.Connection, row: _Row, used: set[int]) -> None:
    rowid = row.rowid
    while rowid in used:  # a hash collision on the same day (about 1 in 10^9): the next free
        rowid = next_rowid(rowid)  # rowid of that day (the day stays in the high bits)
    used.add(rowid)
    db.execute(_INSERT_DOC, (rowid, row.type, row.id, *row.dates))
    db.execute(_INSERT_STORED, (rowid, *row.stored))
    tokens = _Row.tokens(row.type, row.id, row.stored)
    db.execute(_INSERT_FTS, (rowid, *tokens))
    db.execute(_INSERT_HEAD, (rowid, tokens[0], tokens[1]))


def next_rowid(rowid: int) -> int:
    """The rowid after ``rowid`` on the same day: the low 40 bits wrap around."""
    return (rowid & ~DAY_MASK) | ((rowid + 1) & DAY_MASK)


def day_of_rowid(rowid: int) -> int:
    """The ``date`` (an ordinal, 0 when undated) of the record with this rowid."""
    return _MAX_DAY - (rowid >> DAY_SHIFT)


def rowid_range(first: int | None, last: int | None) -> tuple[int, int]:
    """The rowids of the records dated ``first`` to ``last`` (ordinals, None: open end;
    an undated record is in no range) -- exact in a generation whose meta says
    ``day_in_rowid``."""
    first = 1 if first is None else max(1, first)
    last = _MAX_DAY if last is None else min(_MAX_DAY, last)
    return (_MAX_DAY - last) << DAY_SHIFT, ((_MAX_DAY - first) << DAY_SHIFT) | DAY_MASK


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")  # a generation is thrown away whole on failure
    db.execute("PRAGMA synchronous=OFF")  # synced once, before READY
    db.execute("PRAGMA cache_size=-65536")
    return db


def _finish(db: sqlite3.Connection, gdir: Path) -> None:
    count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO meta VALUES ('docs', ?)", (str(count),))
    # what the engine may rely on, checked here rather than assumed: every record's day in
    # its rowid (a date condition becomes a rowid range), and how many records of each type
    misplaced = db.execute(
        f"SELECT count(*) FROM docs WHERE coalesce(date, 0) != {_MAX_DAY} - (rowid >> {DAY_SHIFT})"
    ).fetchone()[0]
    db.execute("DELETE FROM meta WHERE key = 'day_in_rowid'")
    if misplaced == 0:
        db.execute("INSERT INTO meta VALUES ('day_in_rowid', '1')")
    types = dict(db.execute("SELECT type, count(*) FROM docs GROUP BY type ORDER BY type").fetchall())
    db.execute("INSERT OR REPLACE INTO meta VALUES ('types', ?)", (json.dumps(types, sort_keys=True),))
    db.execute("COMMIT")
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.execute("INSERT INTO head(head) VALUES ('optimize')")
    db.close()
    with (gdir / DB_NAME).open("rb+") as fh:
        os.fsync(fh.fileno())
    mark_ready(gdir, f"schema {SCHEMA_VERSION}\ndocs {count}\n")


def build_generation(docs: Iterable[SearchDoc], index_root: Path) -> str:
    """Write a complete generation beside CURRENT without switching to it; returns its
    name.  The caller holds ``writer_lock`` (it may run in another process)."""
    with _generation(Path(index_root)) as (name, gdir):
        rows: dict[tuple[str, str], _Row] = {}
        for doc in docs:
            key = (doc.type, doc.id)
            if key in rows:
                raise ValueError(f"duplicate record {doc.type}/{doc.id}")
            rows[key] = _Row(doc)
        db = _connect(gdir / DB_NAME)
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        db.execute("BEGIN")
        _insert_all(db, rows.values(), set())
        _finish(db, gdir)
    return name


@contextmanager
def _generation(root: Path) -> Iterator[tuple[str, Path]]:
    """A new generation's name and folder; the folder is removed if writing it fails."""
    name, gdir = new_generation(root)
    try:
        yield name, gdir
    except BaseException:
        shutil.rmtree(gdir, ignore_errors=True)
        raise


def _insert_all(db: sqlite3.Connection, rows: Iterable[_Row], used: set[int]) -> None:
    # in rowid order (collisions resolved the same way whatever order the records came in)
    for row in sorted(rows, key=lambda r: (r.rowid, r.type, r.id)):
        _insert(db, row, used)


def update_generation(index_root: Path, added: Iterable[SearchDoc], removed: Sequence[tuple[str, str]] = ()) -> str:
    """A new generation: the current one with ``removed`` (type, id) records deleted and
    ``added`` ones inserted (a record in ``added`` that is already there replaces it).
    Not switched to; the caller holds ``writer_lock``.  Without a current generation,
    the new one holds ``added`` only."""
    root = Path(index_root)
    base = current(root)
    if base is None:
        return build_generation(added, root)
    with _generation(root) as (name, gdir):
        new = [_Row(doc) for doc in added]
        keys = [(r.type, r.id) for r in new]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"duplicate record {dup[0]}/{dup[1]}")
        shutil.copyfile(root / base / DB_NAME, gdir / DB_NAME)
        db = _connect(gdir / DB_NAME)
        schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if schema is None or schema[0] != SCHEMA_VERSION:
            raise ValueError(f"the search index in {root} was written by another version: build it whole")
        db.execute("BEGIN")
        for key in [*removed, *keys]:
            found = db.execute("SELECT rowid FROM docs WHERE type = ? AND id = ?", key).fetchone()
            if found is None:
                continue
            rowid = found[0]
            stored = db.execute(f"SELECT {', '.join(_STORED)} FROM stored WHERE rowid = ?", (rowid,)).fetchone()
            tokens = _Row.tokens(key[0], key[1], stored)
            db.execute(_DELETE_FTS, (rowid, *tokens))
            db.execute(_DELETE_HEAD, (rowid, tokens[0], tokens[1]))
            db.execute("DELETE FROM stored WHERE rowid = ?", (rowid,))
            db.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))
        _insert_all(db, new, {r[0] for r in db.execute("SELECT rowid FROM docs")})
        _finish(db, gdir)
    return name


def write_index(docs: Iterable[SearchDoc], index_root: Path) -> None:
    """Build a complete new index generation, then switch CURRENT to it.

    Readers that opened the previous generation keep working until they close
    it; every other generation is deleted (only the current one is kept).
    Raises IndexLockedError when another build holds the writer lock.
    """
    root = Path(index_root)
    with writer_lock(root):
        switch_to(root, build_generation(docs, root))
