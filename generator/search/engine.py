"""Running a query: the tree of ``query.py`` -> SQL over one generation -> ``Results``.

Text leaves become one FTS5 expression where the boolean structure allows
(phrases joined by AND, OR and ``a NOT b``), ranked by FTS5's BM25 with the
weights of ``fields.WEIGHTS``; the other leaves (type, id, exact values,
dates) and the shapes FTS5 cannot express (``NOT`` alone, ``a OR date:2026``)
become SQL conditions on the ``docs`` table.  Ties are broken by date
(newest first), then type and id, so the order never depends on how the
index was written.  Only the page of hits asked for is read back and given a
snippet; the total is counted without scoring.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path

from .errors import QueryError, SearchTimeout
from .fields import DATE_FIELDS
from .generations import reader
from .model import Hit, Results
from .query import And, DateIn, Every, Exact, IdIs, Node, Not, Or, Phrase, TypeIs, check_type, parse
from .snippets import articles, highlighter, snippet

__all__ = ["search"]

Params = list[str | int]


def _phrase(p: Phrase) -> str:
    parts = [f'"{t.text}"' + (" *" if t.prefix else "") for t in p.tokens]
    return "{" + " ".join(p.fields) + "} : (" + " + ".join(parts) + ")"


def _fts(node: Node) -> str | None:
    """The FTS5 expression matching exactly ``node``, or None when FTS5 cannot say it."""
    if isinstance(node, Phrase):
        return _phrase(node)
    if isinstance(node, Or):
        subs = [_fts(x) for x in node.items]
        if any(s is None or isinstance(x, Not) for s, x in zip(subs, node.items, strict=True)):
            return None
        return "(" + " OR ".join(f"({s})" for s in subs) + ")"
    if isinstance(node, And):
        pos: list[str] = []
        neg: list[str] = []
        for x in node.items:
            s = _fts(x.item if isinstance(x, Not) else x)
            if s is None:
                return None
            (neg if isinstance(x, Not) else pos).append(s)
        if not pos:
            return None
        expr = "(" + " AND ".join(f"({s})" for s in pos) + ")"
        return f"({expr} NOT ({' OR '.join(f'({s})' for s in neg)}))" if neg else expr
    return None


def _sql(node: Node, params: Params) -> str:
    """A condition on ``d`` (a docs row) matching exactly ``node``."""
    expr = _fts(node)
    if expr is not None:
        params.append(expr)
        return "d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, TypeIs):
        params.append(node.value)
        return "d.type = ?"
    if isinstance(node, IdIs):
        params.append(node.value)
        return "d.id = ?"
    if isinstance(node, Exact):
        params += [node.field, node.key]
        return "d.rowid IN (SELECT doc FROM exact WHERE field = ? AND key = ?)"
    if isinstance(node, DateIn):
        assert node.field in DATE_FIELDS  # a column name: never the user's text
        conds = []
        if node.first is not None:
            conds.append(f"d.{node.field} >= ?")
            params.append(node.first)
        if node.last is not None:
            conds.append(f"d.{node.field} <= ?")
            params.append(node.last)
        return "(" + " AND ".join(conds) + ")" if conds else f"d.{node.field} IS NOT NULL"
    if isinstance(node, And):
        return "(" + " AND ".join(_sql(x, params) for x in node.items) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(_sql(x, params) for x in node.items) + ")"
    if isinstance(node, Not):
        return f"NOT {_sql(node.item, params)}"
    assert isinstance(node, Every)
    return "1"


def _positive_phrases(node: Node) -> list[Phrase]:
    """The phrases a record can match to be found (not those under NOT): they rank it."""
    if isinstance(node, Phrase):
        return [node]
    if isinstance(node, And | Or):
        return [p for x in node.items for p in _positive_phrases(x)]
    return []


def _plan(node: Node) -> tuple[str, Params, str]:
    """(FROM ... WHERE ..., its parameters, the score column: lower is better)."""
    expr = _fts(node)
    if expr is not None:
        return "FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?", [expr], "fts.rank"
    if isinstance(node, And):  # text ANDed with fields: FTS5 finds, SQL filters
        text = [x for x in node.items if _fts(x.item if isinstance(x, Not) else x) is not None]
        expr = _fts(And(tuple(text))) if text else None
        if expr is not None:
            params: Params = [expr]
            rest = [_sql(x, params) for x in node.items if x not in text]
            where = " AND ".join(["fts MATCH ?", *rest])
            return f"FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE {where}", params, "fts.rank"
    ranked = _positive_phrases(node)
    if ranked:
        score_expr = _fts(Or(tuple(ranked))) if len(ranked) > 1 else _phrase(ranked[0])
        params = [str(score_expr)]
        where = _sql(node, params)
        return (
            "FROM docs d LEFT JOIN (SELECT rowid, rank FROM fts WHERE fts MATCH ?) r ON r.rowid = d.rowid "
            f"WHERE {where}",
            params,
            "coalesce(r.rank, 0.0)",
        )
    params = []
    return f"FROM docs d WHERE {_sql(node, params)}", params, "0.0"


def _timeout_error(limit: float | None) -> SearchTimeout:
    return SearchTimeout(
        f"the search took longer than {limit:g} s: make the query more specific "
        "(add a field such as type:regulations or a date)"
    )


def _date(value: object) -> dt.date | None:
    return dt.date.fromordinal(value) if isinstance(value, int) and value > 0 else None


def _iso_date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def search(
    index_root: Path,
    query: str,
    *,
    limit: int = 20,
    sort: str = "relevance",
    doc_type: str | None = None,
    time_limit_s: float | None = None,
    offset: int = 0,
) -> Results:
    """Run a fielded query; see docs/search-fielded.md for the syntax.

    Returns the hits ``offset`` to ``offset + limit`` and the exact total.
    Raises QueryError for a bad query or parameter, IndexMissingError when
    there is no index, SearchTimeout when ``time_limit_s`` is exceeded.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise QueryError("limit must be a whole number of at least 1")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise QueryError("offset must be a whole number of at least 0")
    if sort not in ("relevance", "date"):
        raise QueryError(f"sort must be “relevance” or “date”, not “{sort}”")
    if doc_type is not None:
        check_type(doc_type)
    deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
    parsed = parse(query)
    node = parsed.query if doc_type is None else And((parsed.query, TypeIs(doc_type)))
    source, params, score = _plan(node)
    order = (
        f"round({score}, 9), d.sortdate DESC, d.type, d.id"
        if sort == "relevance"
        else f"d.sortdate DESC, round({score}, 9), d.type, d.id"
    )
    with reader(Path(index_root)) as db:
        if deadline is not None:
            db.set_progress_handler(lambda: int(time.monotonic() >= deadline), 2000)
        try:
            total = db.execute(f"SELECT count(*) {source}", params).fetchone()[0]
            page = db.execute(
                "SELECT d.type, d.id, d.title, d.summary, d.body, d.url, d.link, d.date, d.published, d.updated, "
                f"{score} {source} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if deadline is not None and str(exc) == "interrupted":
                raise _timeout_error(time_limit_s) from None
            raise
        finally:
            if deadline is not None:
                db.set_progress_handler(None, 0)
    if deadline is not None and time.monotonic() >= deadline:
        raise _timeout_error(time_limit_s)
    rx = highlighter(parsed.literals)
    hits = []
    for kind, rid, title, summary, body, url, link, date, published, updated, rank in page:
        found = articles(body, rx, url) if kind == "regulations" else ()
        hits.append(
            Hit(
                type=kind,
                id=rid,
                title=title,
                url=found[0][1] if found else url,
                score=-float(rank) if rank else 0.0,
                date=_date(date),
                snippet=snippet(body, summary, rx),
                article=found[0][0] if found else "",
                articles=found,
                link=link + "#" + found[0][1].split("#", 1)[1] if found and link else link,
                published=_iso_date(published),
                updated=_iso_date(updated),
            )
        )
    return Results(total=total, hits=hits)
