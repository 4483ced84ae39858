"""The index writer: SearchDocs -> one generation (an SQLite database with an FTS5 table).

    docs    one row per record: what a hit shows, the dates, every text field
    exact   (field, whole value) of the multi-valued fields, for ``field:=value``
    fts     FTS5, contentless: the token streams of ``text.index_tokens`` per text field

``build_generation`` writes a whole new generation; ``update_generation``
copies the current one and applies the records added, changed and removed
(for a build cache that knows which records changed).  Neither switches:
the caller holds ``writer_lock`` and calls ``switch_to`` (or ``discard``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from .fields import EXACT_FIELDS, TEXT_FIELDS, WEIGHTS
from .generations import DB_NAME, current, mark_ready, new_generation, switch_to, writer_lock
from .model import DOC_TYPES, SearchDoc
from .text import VALUE_SEP, clean, exact_key, index_tokens

__all__ = ["SCHEMA_VERSION", "write_index", "build_generation", "update_generation"]

SCHEMA_VERSION = "2"  # 1: whoosh; 2: SQLite FTS5

_DOC_COLUMNS = (
    "type",
    "id",
    "url",
    "link",
    "published",
    "updated",
    *TEXT_FIELDS,
    "date",
    "issued",
    "effective",
    "sortdate",
)
_SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(
    rowid INTEGER PRIMARY KEY,
    type TEXT NOT NULL, id TEXT NOT NULL, url TEXT NOT NULL, link TEXT NOT NULL,
    published TEXT, updated TEXT,
    {", ".join(f"{f} TEXT NOT NULL" for f in TEXT_FIELDS)},
    date INTEGER, issued INTEGER, effective INTEGER, sortdate INTEGER NOT NULL,
    UNIQUE(type, id)
);
CREATE INDEX docs_date ON docs(date);
CREATE INDEX docs_issued ON docs(issued);
CREATE INDEX docs_effective ON docs(effective);
CREATE INDEX docs_order ON docs(sortdate DESC, type, id);
CREATE TABLE exact(field TEXT NOT NULL, key TEXT NOT NULL, doc INTEGER NOT NULL,
                   PRIMARY KEY(field, key, doc)) WITHOUT ROWID;
CREATE INDEX exact_doc ON exact(doc);
CREATE VIRTUAL TABLE fts USING fts5({", ".join(TEXT_FIELDS)},
    content='', tokenize="ascii tokenchars '_'", prefix='1', detail=full);
INSERT INTO fts(fts, rank) VALUES('rank', 'bm25({", ".join(str(WEIGHTS.get(f, 1.0)) for f in TEXT_FIELDS)})');
"""
_INSERT_DOC = f"INSERT INTO docs(rowid, {', '.join(_DOC_COLUMNS)}) VALUES (?{', ?' * len(_DOC_COLUMNS)})"
_INSERT_FTS = f"INSERT INTO fts(rowid, {', '.join(TEXT_FIELDS)}) VALUES (?{', ?' * len(TEXT_FIELDS)})"
_DELETE_FTS = f"INSERT INTO fts(fts, rowid, {', '.join(TEXT_FIELDS)}) VALUES ('delete', ?{', ?' * len(TEXT_FIELDS)})"

Row = tuple[str | int | None, ...]


def _ordinal(value: dt.date | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a date, got {value!r}")
    return value.toordinal()


def _row(doc: SearchDoc) -> tuple[Row, list[tuple[str, str]]]:
    """The docs row of a record (without rowid) and its exact values."""
    if doc.type not in DOC_TYPES:
        raise ValueError(f"{doc.type}/{doc.id}: unknown record type {doc.type!r}")
    if not doc.id:
        raise ValueError(f"{doc.type}: a record without id")
    text: dict[str, str] = {}
    for f in ("title", "summary", "body", "doc_number", "kind", "validity", "category", "case_number"):
        v = clean(getattr(doc, f))
        text[f] = v if v.strip() else ""
    text["issuer"] = VALUE_SEP.join(p.strip() for p in re.split(r"[；;]", clean(doc.issuer)) if p.strip())
    text["tags"] = VALUE_SEP.join(t for t in (clean(t).strip() for t in doc.tags) if t)
    exact: list[tuple[str, str]] = []
    for f in EXACT_FIELDS:
        for part in text[f].split(VALUE_SEP):
            key = exact_key(part)
            if key and (f, key) not in exact:
                exact.append((f, key))
    date = _ordinal(doc.date)
    row: Row = (
        doc.type,
        doc.id,
        doc.url,
        doc.link,
        doc.published.isoformat() if doc.published else None,
        doc.updated.isoformat() if doc.updated else None,
        *(text[f] for f in TEXT_FIELDS),
        date,
        _ordinal(doc.issued),
        _ordinal(doc.effective),
        date or 0,
    )
    return row, exact


def _tokens(row: Row) -> list[str]:
    start = _DOC_COLUMNS.index(TEXT_FIELDS[0])
    return [index_tokens(str(v)) for v in row[start : start + len(TEXT_FIELDS)]]


def _insert(db: sqlite3.Connection, rowid: int, row: Row, exact: list[tuple[str, str]]) -> None:
    db.execute(_INSERT_DOC, (rowid, *row))
    db.execute(_INSERT_FTS, (rowid, *_tokens(row)))
    db.executemany("INSERT INTO exact(field, key, doc) VALUES (?, ?, ?)", [(f, k, rowid) for f, k in exact])


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")  # a generation is thrown away whole on failure
    db.execute("PRAGMA synchronous=OFF")  # synced once, before READY
    db.execute("PRAGMA cache_size=-65536")
    return db


def _finish(db: sqlite3.Connection, gdir: Path) -> None:
    count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO meta VALUES ('docs', ?)", (str(count),))
    db.execute("COMMIT")
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.close()
    with (gdir / DB_NAME).open("rb+") as fh:
        os.fsync(fh.fileno())
    mark_ready(gdir, f"schema {SCHEMA_VERSION}\ndocs {count}\n")


def build_generation(docs: Iterable[SearchDoc], index_root: Path) -> str:
    """Write a complete generation beside CURRENT without switching to it; returns its
    name.  The caller holds ``writer_lock`` (it may run in another process)."""
    root = Path(index_root)
    name, gdir = new_generation(root)
    try:
        rows: dict[tuple[str, str], tuple[Row, list[tuple[str, str]]]] = {}
        for doc in docs:
            key = (doc.type, doc.id)
            if key in rows:
                raise ValueError(f"duplicate record {doc.type}/{doc.id}")
            rows[key] = _row(doc)
        db = _connect(gdir / DB_NAME)
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        db.execute("BEGIN")
        # rows in result order for ties (newest first, then type and id): the same
        # records give the same database whatever order they came in
        ordered = sorted(rows.values(), key=lambda r: (-int(r[0][-1] or 0), str(r[0][0]), str(r[0][1])))
        for rowid, (row, exact) in enumerate(ordered, 1):
            _insert(db, rowid, row, exact)
        _finish(db, gdir)
    except BaseException:
        shutil.rmtree(gdir, ignore_errors=True)
        raise
    return name


def update_generation(index_root: Path, added: Iterable[SearchDoc], removed: Sequence[tuple[str, str]] = ()) -> str:
    """A new generation: the current one with ``removed`` (type, id) records deleted and
    ``added`` ones inserted (a record in ``added`` that is already there replaces it).
    Not switched to; the caller holds ``writer_lock``.  Without a current generation,
    the new one holds ``added`` only."""
    root = Path(index_root)
    base = current(root)
    if base is None:
        return build_generation(added, root)
    name, gdir = new_generation(root)
    try:
        shutil.copyfile(root / base / DB_NAME, gdir / DB_NAME)
        db = _connect(gdir / DB_NAME)
        db.execute("BEGIN")
        new = [_row(doc) for doc in added]
        keys = [(str(r[0]), str(r[1])) for r, _ in new]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"duplicate record {dup[0]}/{dup[1]}")
        for key in [*removed, *keys]:
            found = db.execute("SELECT * FROM docs WHERE type = ? AND id = ?", key).fetchone()
            if found is None:
                continue
            rowid, row = found[0], tuple(found[1:])
            db.execute(_DELETE_FTS, (rowid, *_tokens(row)))
            db.execute("DELETE FROM exact WHERE doc = ?", (rowid,))
            db.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))
        top = db.execute("SELECT coalesce(max(rowid), 0) FROM docs").fetchone()[0]
        for offset, (row, exact) in enumerate(new, 1):
            _insert(db, top + offset, row, exact)
        _finish(db, gdir)
    except BaseException:
        shutil.rmtree(gdir, ignore_errors=True)
        raise
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
