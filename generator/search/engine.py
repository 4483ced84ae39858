"""Running a query: the tree of ``query.py`` -> SQL over one generation -> ``Results``.

Every leaf but a date condition is an FTS5 expression (phrases over the text
columns; type, id and ``field:=value`` as tokens of the ``keys`` column; NOT
as "every record NOT ..."), so most queries are one FTS5 MATCH; date
conditions are SQL on the small ``docs`` table, or, for ``date`` in a generation
whose meta says so (``_Facts``), a range of rowids (the day is in the rowid).

Relevance: a query with at most ``RANK_ALL`` hits is ranked by BM25
(FTS5's, with the weights of ``fields.WEIGHTS``).  A broader one ranks in
tiers: records with a searched text in the title first, then in the summary,
then the others; BM25 within a tier of at most ``RANK_ALL`` records, newest
first in a larger one -- scoring tens of thousands of matches is what made
the whoosh engine slow (see docs/search.md).  Ties, and ``sort=date``, follow the rowid: newest first,
undated last, then a fixed hash of type and id.  The total is counted
without scoring; only the page asked for is read back and given snippets.
A broad query that is not a lone phrase is counted and split into its tiers
by one statement (``_tiered``), and the counts of a query are kept per
generation, so its next pages count nothing again (docs/search.md).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from .errors import QueryError, SearchTimeout
from .fields import ASCII_FIELDS, DATE_FIELDS, TEXT_FIELDS
from .generations import reader
from .index import key_token, rowid_range
from .model import Hit, Results
from .query import And, DateIn, Every, Exact, Node, Not, Or, Phrase, check_type, parse
from .snippets import articles, highlighter, snippet

__all__ = ["RANK_ALL", "CACHE_SIZE", "COUNTS_SIZE", "search"]

RANK_ALL = 2000
CACHE_SIZE = 1024
_cache: OrderedDict[tuple[str, str, int, str, str | None, int], Results] = OrderedDict()
_cache_lock = threading.Lock()
# the counts of a query (its total; with the tiers of its relevance order, their sizes)
# per generation: the next pages of a query, or the same query with another limit or
# sort, count nothing again
COUNTS_SIZE = 4096
_CountKey = tuple[str, str, str | None, bool]
_counts: OrderedDict[_CountKey, tuple[int, ...]] = OrderedDict()
Params = list[str | int]
_EVERY = '{keys} : "' + key_token("*", "") + '"'


_UNFILTERED = frozenset(TEXT_FIELDS) - frozenset(ASCII_FIELDS)


@dataclass(frozen=True)
class _Facts:
    """What a generation's meta table says the engine may rely on (index._finish checks
    it when it writes the generation): every record's day in its rowid, the number of
    records of each type.  A generation without them is searched without these shortcuts."""

    day_in_rowid: bool = False
    types: tuple[tuple[str, int], ...] = ()
    records: int = 0  # meta 'docs' (0: not known)


_NO_FACTS = _Facts()
_facts_cache: OrderedDict[str, _Facts] = OrderedDict()


def _facts(name: str, db: sqlite3.Connection) -> _Facts:
    with _cache_lock:
        found = _facts_cache.get(name)
    if found is not None:
        return found
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('day_in_rowid', 'types', 'docs')").fetchall())
    try:
        counts = json.loads(meta.get("types", "{}"))
        types = tuple(sorted((str(k), int(v)) for k, v in counts.items()))
        records = int(meta.get("docs", "0"))
    except (ValueError, TypeError, AttributeError):
        types, records = (), 0
    found = _Facts(meta.get("day_in_rowid") == "1", types, records)
    with _cache_lock:
        _facts_cache[name] = found
        while len(_facts_cache) > 16:
            _facts_cache.popitem(last=False)
    return found


def _type_complement(node: Exact, facts: _Facts) -> list[str] | None:
    """``type:X`` as the other types present, when they hold fewer records than X: the
    same records (each has exactly one type), and FTS5 tests a record against a short
    list of keys faster than against a long one (docs/search.md)."""
    here = dict(facts.types).get(node.key) if node.field == "type" else None
    if here is None:
        return None
    others = [(t, n) for t, n in facts.types if t != node.key]  # the types present: n > 0
    if sum(n for _t, n in others) >= here:
        return None
    return [_key("type", t) for t, _n in others]


def _phrase(p: Phrase, fields: tuple[str, ...] | None = None) -> str:
    parts = [f'"{t.text}"' + (" *" if t.prefix else "") for t in p.tokens]
    fields = fields or p.fields
    if set(fields) >= _UNFILTERED and not all(t.text.isascii() for t in p.tokens):
        return "(" + " + ".join(parts) + ")"  # only in the fields searched anyway (fields.ASCII_FIELDS)
    return "{" + " ".join(fields) + "} : (" + " + ".join(parts) + ")"


def _key(field: str, value: str) -> str:
    return '{keys} : "' + key_token(field, value) + '"'


def _fts(node: Node, facts: _Facts = _NO_FACTS) -> str | None:
    """The FTS5 expression matching exactly ``node``, or None (a date condition inside)."""
    if isinstance(node, Phrase):
        return _phrase(node)
    if isinstance(node, Exact):
        return _key(node.field, node.key)
    if isinstance(node, Every):
        return _EVERY
    if isinstance(node, Not):
        inner = _fts(node.item, facts)
        return None if inner is None else f"({_EVERY} NOT ({inner}))"
    if isinstance(node, Or):
        subs = [_fts(x, facts) for x in node.items]
        if any(x is None for x in subs):
            return None
        return "(" + " OR ".join(f"({x})" for x in subs) + ")"
    if isinstance(node, And):
        pos: list[str] = []
        neg: list[str] = []
        for item in node.items:
            sub = _fts(item.item if isinstance(item, Not) else item, facts)
            if sub is None:
                return None
            others = _type_complement(item, facts) if isinstance(item, Exact) and len(node.items) > 1 else None
            if others:
                neg.extend(others)
                continue
            if others is not None:  # X is every type present: the condition holds for every record
                continue
            (neg if isinstance(item, Not) else pos).append(sub)
        expr = "(" + " AND ".join(f"({x})" for x in pos or [_EVERY]) + ")"
        return f"({expr} NOT ({' OR '.join(f'({x})' for x in neg)}))" if neg else expr
    return None


def _sql(node: Node, params: Params, facts: _Facts = _NO_FACTS) -> str:
    """A condition on ``d`` (a docs row) matching exactly ``node``."""
    expr = _fts(node, facts)
    if expr is not None:
        params.append(expr)
        return "d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, DateIn):
        assert node.field in DATE_FIELDS  # a column name, never the user's text
        conds = []
        if node.first is not None:
            conds.append(f"d.{node.field} >= ?")
            params.append(node.first)
        if node.last is not None:
            conds.append(f"d.{node.field} <= ?")
            params.append(node.last)
        return "(" + " AND ".join(conds) + ")" if conds else f"d.{node.field} IS NOT NULL"
    if isinstance(node, And):
        return "(" + " AND ".join(_sql(x, params, facts) for x in node.items) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(_sql(x, params, facts) for x in node.items) + ")"
    assert isinstance(node, Not)
    return f"NOT {_sql(node.item, params, facts)}"


def _positive_phrases(node: Node) -> list[Phrase]:
    """The phrases a record can match to be found (not those under NOT): they rank it."""
    if isinstance(node, Phrase):
        return [node]
    if isinstance(node, And | Or):
        return [p for x in node.items for p in _positive_phrases(x)]
    return []


@dataclass(frozen=True)
class _Query:
    """The records matching ``fts`` (an FTS5 expression, or None), ``where`` (SQL on d) and
    ``rowids`` (an inclusive range of rowids: a condition on ``date``, see index.rowid_range)."""

    fts: str | None
    where: str
    params: tuple[str | int, ...]
    rowids: tuple[int, int] | None = None

    @classmethod
    def of(cls, node: Node, facts: _Facts = _NO_FACTS) -> _Query:
        expr = _fts(node, facts)
        if expr is not None:
            return cls(expr, "", ())
        params: Params = []
        items = node.items if isinstance(node, And) else (node,)
        rowids: tuple[int, int] | None = None
        rest: list[Node] = []
        for x in items:  # a date condition on ``date`` that every hit must meet: a rowid range
            if facts.day_in_rowid and isinstance(x, DateIn) and x.field == "date":
                lo, hi = rowid_range(x.first, x.last)
                rowids = (lo, hi) if rowids is None else (max(lo, rowids[0]), min(hi, rowids[1]))
            else:
                rest.append(x)
        found = [(x, _fts(x, facts)) for x in rest]
        text = [(x, expr) for x, expr in found if expr is not None]
        if text:  # FTS5 finds, SQL filters by date
            others = [_sql(x, params, facts) for x, expr in found if expr is None]
            fts = text[0][1] if len(text) == 1 else _fts(And(tuple(x for x, _e in text)), facts)
            return cls(fts, " AND ".join(others), tuple(params), rowids)
        if not rest:  # date conditions alone
            return cls(None, "", (), rowids)
        where = " AND ".join(_sql(x, params, facts) for x in rest)
        return cls(None, where, tuple(params), rowids)

    def tier(self, include: str | None, exclude: list[str]) -> _Query:
        """Only the records also matching ``include`` and none of ``exclude``."""
        if self.fts is not None:
            expr = self.fts if include is None else f"({self.fts}) AND ({include})"
            if exclude:
                expr = f"({expr}) NOT ({' OR '.join(f'({x})' for x in exclude)})"
            return _Query(expr, self.where, self.params, self.rowids)
        conds, params = [self.where] if self.where else [], list(self.params)
        if include is not None:
            conds.append("d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(include)
        for x in exclude:
            conds.append("d.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(x)
        return _Query(None, " AND ".join(conds), tuple(params), self.rowids)

    def bounds(self, col: str) -> tuple[str, Params]:
        """`` AND col BETWEEN ...`` for the rowid range, or nothing."""
        if self.rowids is None:
            return "", []
        return f" AND {col} BETWEEN ? AND ?", [*self.rowids]

    def source(self) -> tuple[str, str, Params]:
        """(FROM ... WHERE ..., the rowid column, parameters)."""
        if self.fts is None:
            between, extra = self.bounds("d.rowid")
            return f"FROM docs d WHERE {self.where or '1'}{between}", "d.rowid", [*self.params, *extra]
        between, extra = self.bounds("fts.rowid")
        if not self.where:
            return f"FROM fts WHERE fts MATCH ?{between}", "fts.rowid", [self.fts, *extra]
        return (
            f"FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?{between} AND {self.where}",
            "fts.rowid",
            [self.fts, *extra, *self.params],
        )

    def count(self, db: sqlite3.Connection) -> int:
        source, _col, params = self.source()
        return int(db.execute(f"SELECT count(*) {source}", params).fetchone()[0])

    def rows(self, db: sqlite3.Connection, limit: int, skip: int, ranked: bool) -> list[tuple[int, float]]:
        source, col, params = self.source()
        if ranked and self.fts is not None:
            order, score = f"round(fts.rank, 9), {col}", "fts.rank"
        else:
            order, score = col, "0.0"
        sql = f"SELECT {col}, {score} {source} ORDER BY {order} LIMIT ? OFFSET ?"
        return [(int(r), float(s)) for r, s in db.execute(sql, [*params, limit, skip])]


def _tiers(node: Node, sort: str) -> list[tuple[str | None, list[str]]]:
    """(include, exclude) of each tier, best first."""
    phrases = _positive_phrases(node)
    if sort == "date" or not phrases:
        return [(None, [])]
    tiers: list[tuple[str | None, list[str]]] = []
    above: list[str] = []
    for field in ("title", "summary"):
        here = [_phrase(p, (field,)) for p in phrases if field in p.fields]
        if here:
            expr = " OR ".join(f"({x})" for x in here)
            tiers.append((expr, list(above)))
            above.append(expr)
    tiers.append((None, above))
    return tiers


def _simple(node: Node) -> bool:
    """A phrase, or phrases joined by OR: a record holding one in its title or summary
    is a hit, so the tiers can be counted on the small ``head`` table alone."""
    if isinstance(node, Or):
        return all(isinstance(x, Phrase) for x in node.items)
    return isinstance(node, Phrase)


def _head_tier(include: str, exclude: list[str]) -> tuple[str, list[str]]:
    expr = include if not exclude else f"({include}) NOT ({' OR '.join(f'({x})' for x in exclude)})"
    return "FROM head WHERE head MATCH ?", [expr]


def _page(
    db: sqlite3.Connection, node: Node, matching: _Query, total: int, sort: str, offset: int, limit: int
) -> list[tuple[int, float]]:
    """(rowid, score) of the hits offset .. offset + limit, in order."""
    need = min(limit, max(0, total - offset))
    if need == 0:
        return []
    tiers = _tiers(node, sort)
    if len(tiers) == 1 or total <= RANK_ALL:  # one list: BM25 (relevance) or newest first
        ranked = sort == "relevance" and len(tiers) > 1
        return [
            (r, 1.0 + (-rank / (1.0 - rank) if rank < 0 else 0.0))
            for r, rank in matching.rows(db, need, offset, ranked)
        ]
    page: list[tuple[int, float]] = []
    skip, seen = offset, 0
    for number, (include, exclude) in enumerate(tiers):
        if need <= 0:
            break
        last = number == len(tiers) - 1
        weight = float(len(tiers) - number)
        if not last and include is not None:
            source, params = _head_tier(include, exclude)
            size = int(db.execute(f"SELECT count(*) {source}", params).fetchone()[0])
        else:
            tier = matching.tier(include, exclude)
            size = total - seen if last else tier.count(db)
        seen += size
        if skip >= size:
            skip -= size
            continue
        ranked = size <= RANK_ALL
        if not last and include is not None:
            order = "round(rank, 9), rowid" if ranked else "rowid"
            rows = [
                (int(r), float(k))
                for r, k in db.execute(
                    f"SELECT rowid, {'rank' if ranked else '0.0'} {source} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, need, skip],
                )
            ]
        else:
            rows = tier.rows(db, need, skip, ranked)
        page += [(r, weight + (-rank / (1.0 - rank) if rank < 0 else 0.0)) for r, rank in rows]
        need -= len(rows)
        skip = 0
    return page


JOIN_HEAD = 100  # a tier whose head set is no larger is counted by looking each record up in fts


def _tier_size(db: sqlite3.Connection, matching: _Query, head: str, bound: int, total: int, records: int) -> int:
    """How many records of ``matching`` (``total`` of the ``records`` indexed; 0: not
    known) the head set ``head`` holds, or ``-bound`` when at least ``bound``.  The head
    set alone first (small, fast): none, or a few looked up one by one in fts.  A large
    head set that the query's records likely meet often (``bound`` of them within half
    of the query's records, were the two independent): FTS5 walks the query's records
    with the tier's condition on the title (summary) columns, stopping at ``bound`` --
    2 to 5 times faster than building the head set (docs/search.md).  Else the query's
    records are tested against the head set, stopping at ``bound``."""
    upper = int(db.execute("SELECT count(*) FROM head WHERE head MATCH ?", [head]).fetchone()[0])
    if upper == 0:
        return 0
    if matching.fts is not None and upper >= bound and records and 2 * bound * records <= upper * total:
        source, _col, params = matching.tier(head, []).source()
        found = int(db.execute(f"SELECT count(*) FROM (SELECT 1 {source} LIMIT ?)", [*params, bound]).fetchone()[0])
        return found if found < bound else -bound
    if upper <= JOIN_HEAD and matching.fts is not None and not matching.where:
        between, extra = matching.bounds("head.rowid")
        return int(
            db.execute(
                "SELECT count(*) FROM head CROSS JOIN fts ON fts.rowid = head.rowid "
                f"WHERE head MATCH ?{between} AND fts MATCH ?",
                [head, *extra, matching.fts],
            ).fetchone()[0]
        )
    source, col, params = matching.source()
    found = int(
        db.execute(
            f"SELECT count(*) FROM (SELECT 1 {source} AND +{col} IN (SELECT rowid FROM head WHERE head MATCH ?) "
            "LIMIT ?)",
            [*params, head, bound],
        ).fetchone()[0]
    )
    return found if found < bound else -bound


def _tiered(
    db: sqlite3.Connection,
    node: Node,
    matching: _Query,
    offset: int,
    limit: int,
    known: tuple[int, ...] | None,
    records: int = 0,
) -> tuple[tuple[int, ...], list[tuple[int, float]]]:
    """((total, size of each tier: -n when at least n, -1 when not counted), page) of a query that is not
    ``_simple`` (an AND, a NOT, a field, a type ...); no page when it has at most RANK_ALL
    hits (the caller ranks it whole).  ``known``: the counts, from an earlier page of the
    same query; ``records``: how many records the generation holds (0: not known).

    A tier's records are those of the query that the small ``head`` table has in the
    tier (title, then summary), tested as the query runs (``+rowid IN (SELECT ... FROM
    head ...)``: SQLite builds each tier's set once).  The total is counted alone; a
    tier is counted only when the page reaches it, and only up to what the page needs
    to know (whether it is skipped whole, whether it has at most RANK_ALL records and is
    ranked by BM25): ``LIMIT max(offset, RANK_ALL) + 1``, which stops early in a large
    tier; that lower bound is kept with the counts, so the next pages of the query do
    not count the tier again.  A tier read to its end is then counted exactly.  Asking FTS5 for ``(query)
    AND {title}: ...`` instead walks the whole postings of the title's tokens in every
    column: 5-8 times the query itself."""
    tiers = _tiers(node, "relevance")
    source, col, params = matching.source()
    heads = [_head_tier(include, exclude)[1][0] for include, exclude in tiers[:-1] if include is not None]
    member = f"+{col} IN (SELECT rowid FROM head WHERE head MATCH ?)"
    if known is None:
        known = (int(db.execute(f"SELECT count(*) {source}", params).fetchone()[0]), *([-1] * len(heads)))
    total = known[0]
    if total <= RANK_ALL:
        return known, []
    sizes = list(known[1:])
    need = min(limit, max(0, total - offset))
    page: list[tuple[int, float]] = []
    skip = offset
    for number in range(len(heads) + 1):
        if need <= 0:
            break
        weight = float(len(heads) + 1 - number)
        if number < len(heads):
            size = sizes[number]
            if size < 0 and -size <= max(skip, RANK_ALL):  # not known well enough for this page
                bound = max(skip, RANK_ALL) + 1
                size = sizes[number] = _tier_size(db, matching, heads[number], bound, total, records)
            # size < 0: more than max(skip, RANK_ALL) records (an earlier page may have found
            # that already: its next pages count nothing again)
        else:
            assert all(x >= 0 for x in sizes)  # every tier above was skipped or read to its end
            size = total - sum(sizes)
        if size >= 0 and skip >= size:
            skip -= size
            continue
        ranked = 0 <= size <= RANK_ALL
        rows: list[tuple[int, float]]
        if number < len(heads) and ranked:  # BM25 on the title (summary) within the tier
            rows = [
                (int(r), float(k))
                for r, k in db.execute(
                    f"SELECT rowid, rank FROM head WHERE head MATCH ? AND +rowid IN (SELECT {col} {source}) "
                    "ORDER BY round(rank, 9), rowid LIMIT ? OFFSET ?",
                    [heads[number], *params, need, skip],
                )
            ]
        elif number < len(heads):
            rows = [
                (int(r), 0.0)
                for (r,) in db.execute(
                    f"SELECT {col} {source} AND {member} ORDER BY {col} LIMIT ? OFFSET ?",
                    [*params, heads[number], need, skip],
                )
            ]
            if size < 0 and len(rows) < need:  # read to its end: now counted
                sizes[number] = skip + len(rows)
        elif ranked:  # a small rest: BM25 of the whole query, as for a small query
            include, exclude = tiers[-1]
            rows = matching.tier(include, exclude).rows(db, need, skip, True)
        else:
            above = " OR ".join(f"({x})" for x in (include for include, _ in tiers[:-1]) if x is not None)
            rows = [
                (int(r), 0.0)
                for (r,) in db.execute(
                    f"SELECT {col} {source} AND +{col} NOT IN (SELECT rowid FROM head WHERE head MATCH ?) "
                    f"ORDER BY {col} LIMIT ? OFFSET ?",
                    [*params, above, need, skip],
                )
            ]
        page += [(r, weight + (-rank / (1.0 - rank) if rank < 0 else 0.0)) for r, rank in rows]
        need -= len(rows)
        skip = 0
    return (total, *sizes), page


def _known(key: _CountKey) -> tuple[int, ...] | None:
    with _cache_lock:
        found = _counts.get(key)
        if found is not None:
            _counts.move_to_end(key)
        return found


def _keep(key: _CountKey, counts: tuple[int, ...]) -> None:
    with _cache_lock:
        _counts[key] = counts
        while len(_counts) > COUNTS_SIZE:
            _counts.popitem(last=False)


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
    cache: bool = True,
) -> Results:
    """Run a fielded query; see docs/search-fielded.md for the syntax.

    Returns the hits ``offset`` to ``offset + limit`` and the exact total.  The
    last CACHE_SIZE answers and COUNTS_SIZE counts are kept per generation
    (``cache=False``: neither is used): a generation never changes, so neither
    is ever stale.
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
    node = parsed.query if doc_type is None else And((parsed.query, Exact("type", doc_type)))
    with reader(Path(index_root)) as gen:
        key = (gen.name, query, limit, sort, doc_type, offset)
        if cache:
            with _cache_lock:
                done = _cache.get(key)
                if done is not None:
                    _cache.move_to_end(key)
                    return Results(done.total, list(done.hits))
        db = gen.db
        facts = _facts(gen.name, db)
        matching = _Query.of(node, facts)
        if deadline is not None:
            db.set_progress_handler(lambda: int(time.monotonic() >= deadline), 2000)
        try:
            tiered = sort == "relevance" and not _simple(node) and len(_tiers(node, sort)) > 1
            counts_key = (gen.name, query, doc_type, tiered)
            known = _known(counts_key) if cache else None
            if tiered:
                known, page = _tiered(db, node, matching, offset, limit, known, facts.records)
                total = known[0]
                if total <= RANK_ALL:
                    page = _page(db, node, matching, total, sort, offset, limit)
            else:
                total = known[0] if known else matching.count(db)
                known = (total,)
                page = _page(db, node, matching, total, sort, offset, limit)
            if cache:
                _keep(counts_key, known)
            stored = {
                r[0]: r[1:]
                for r in db.execute(
                    "SELECT d.rowid, d.type, d.id, d.date, s.title, s.summary, s.body, s.url, s.link, s.published, "
                    "s.updated FROM docs d JOIN stored s ON s.rowid = d.rowid "
                    f"WHERE d.rowid IN ({', '.join('?' * len(page))})",
                    [rowid for rowid, _ in page],
                )
            }
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
    for rowid, score in page:
        kind, rid, date, title, summary, body, url, link, published, updated = stored[rowid]
        found = articles(body, rx, url) if kind == "regulations" else ()
        hits.append(
            Hit(
                type=kind,
                id=rid,
                title=title,
                url=found[0][1] if found else url,
                score=score,
                date=_date(date),
                snippet=snippet(body, summary, rx),
                article=found[0][0] if found else "",
                articles=found,
                link=link + "#" + found[0][1].split("#", 1)[1] if found and link else link,
                published=_iso_date(published),
                updated=_iso_date(updated),
            )
        )
    results = Results(total=total, hits=hits)
    if cache:
        with _cache_lock:
            _cache[key] = Results(total, list(hits))
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return results
