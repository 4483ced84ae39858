"""(issue 13) The engine's shortcuts give the answers the plain SQL gives.

A generation's meta table records what index._finish checked when it wrote it: every
record's day is in the high bits of its rowid (so a condition on ``date`` is a rowid
range, not a join with the docs table) and how many records each type holds (so
``type:X`` may be asked as "none of the other types" when those are fewer), and with
the number of records a relevance tier may be counted by FTS5 alone.  Every
query here runs twice, with the shortcuts and without them (as on a generation without
those facts), page by page, both sorts, with broad tiers and without: the totals, the
hits and their order must be the same."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from search_corpus import build_corpus

from generator.search import SearchDoc, engine, search, write_index
from generator.search import index as index_module
from generator.search.generations import DB_NAME, current
from generator.search.index import day_of_rowid, key_token, next_rowid, rowid_range
from generator.search.snippets import _norm_map, highlighter
from generator.search.text import HSPACE, HSPACE_RE, WORDCHAR, norm, segments

DOCS = build_corpus()
QUERIES = [
    "date:2026",
    "date:2024-03",
    "date:[2024-02-10 to 2025-07-01]",
    "date:>=2025-06-01",
    "date:<=2023-12-31",
    "date:2026 date:2023",  # two ranges that do not meet: nothing
    "检察院 date:2026",
    "检察 date:2025 date:[2025-03 to 2026-02]",  # two date conditions: the range they share
    "(检察院 OR 法院) date:[2020 to 2030]",
    "检察 NOT date:2026",  # under NOT: SQL, as before
    "受贿 OR date:2026-02",  # under OR: SQL, as before
    "date:2025 issued:[2000 to 2020]",
    "type:disclosures 检察",
    "type:disclosures",
    "检察 NOT type:disclosures",
    "type:regulations 人民",
    "type:guides",
    "(检察 OR 受贿) type:disclosures date:2026",
    "type:disclosures date:[2024 to 2025]",
    # a tier whose head set is large but which the query's records seldom or never meet
    "检察院 NOT title:检察院",
    "人民 NOT summary:人民",
    "检察 人民 NOT title:人民",
]
# single days and ranges that start and end on days records have: an error of one day shows
_DAYS = sorted({d.date for d in DOCS if d.date})
QUERIES += [f"date:{d.isoformat()}" for d in _DAYS[::40]]
QUERIES += [f"date:[{a.isoformat()} to {b.isoformat()}]" for a, b in zip(_DAYS[5::50], _DAYS[30::50], strict=False)]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shortcuts") / "index"
    write_index(DOCS, root)
    return root


def every_page(index: Path, query: str, doc_type: str | None, sort: str, size: int) -> tuple[int, list]:
    hits: list = []
    total = None
    while True:
        res = search(index, query, doc_type=doc_type, sort=sort, limit=size, offset=len(hits), cache=False)
        assert total is None or res.total == total
        total = res.total
        hits += [(h.type, h.id, round(h.score, 6)) for h in res.hits]
        if not res.hits:
            break
    assert total is not None
    return total, hits


@pytest.mark.parametrize("rank_all", [2000, 5])
@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("doc_type", [None, "disclosures", "regulations"])
@pytest.mark.parametrize("query", QUERIES)
def test_shortcuts_answer_as_the_plain_sql(
    index: Path, monkeypatch: pytest.MonkeyPatch, query: str, doc_type: str | None, sort: str, rank_all: int
):
    monkeypatch.setattr(engine, "RANK_ALL", rank_all)
    fast = every_page(index, query, doc_type, sort, 7)
    monkeypatch.setattr(engine, "_facts", lambda name, db: engine._NO_FACTS)
    plain = every_page(index, query, doc_type, sort, 7)
    assert fast == plain
    assert len({h[:2] for h in fast[1]}) == fast[0]  # every hit once


def test_the_shortcuts_are_used(index: Path):
    """The queries above really take the shortcuts (else the test compares SQL with itself)."""
    db = sqlite3.connect(index / current(index) / DB_NAME)
    facts = engine._facts("test", db)
    assert facts.day_in_rowid
    assert dict(facts.types) == json.loads(db.execute("SELECT value FROM meta WHERE key = 'types'").fetchone()[0])
    assert dict(facts.types)["disclosures"] > sum(n for t, n in facts.types if t != "disclosures")
    query = engine._Query.of(engine.parse("检察院 date:2026 type:disclosures").query, facts)
    assert query.rowids is not None and not query.where  # no join with docs
    assert key_token("type", "disclosures") not in (query.fts or "")  # type:disclosures as NOT the others
    assert query.fts is not None and "NOT" in query.fts
    dated = [d for d in DOCS if d.date]
    assert dated and len(dated) < len(DOCS)  # the corpus has undated records too
    for (rowid,) in db.execute("SELECT rowid FROM docs"):
        assert 0 <= day_of_rowid(rowid) <= dt.date.max.toordinal()
    db.close()


def test_rowid_ranges_and_collisions():
    day = dt.date(2026, 3, 1).toordinal()
    lo, hi = rowid_range(day, day)
    assert day_of_rowid(lo) == day_of_rowid(hi) == day
    assert day_of_rowid(lo - 1) == day + 1 and day_of_rowid(hi + 1) == day - 1
    assert next_rowid(hi) == lo  # a collision at the end of a day stays on that day
    assert next_rowid(lo) == lo + 1
    first, last = rowid_range(None, None)  # any date, but not undated
    assert day_of_rowid(first) == dt.date.max.toordinal() and day_of_rowid(last) == 1
    assert day_of_rowid(last + 1) == 0  # undated records come after
    empty = rowid_range(day + 1, day)
    assert empty[0] > empty[1]


def test_a_generation_without_the_facts_is_searched_without_them(tmp_path: Path):
    """An index whose rowids do not hold the days (written otherwise, or by hand) has no
    day_in_rowid in its meta, and its date conditions stay SQL."""
    docs = [
        SearchDoc(
            type="disclosures", id=f"d{i}", title=f"检察 {i}", url=f"/d{i}/", body="", date=dt.date(2026, 1, 1 + i)
        )
        for i in range(5)
    ]
    root = tmp_path / "index"
    write_index(docs, root)
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / DB_NAME).write_bytes((root / current(root) / DB_NAME).read_bytes())
    db = sqlite3.connect(copy / DB_NAME, isolation_level=None)
    assert db.execute("SELECT value FROM meta WHERE key = 'day_in_rowid'").fetchone() == ("1",)
    db.execute("BEGIN")
    db.execute("UPDATE docs SET date = date + 1 WHERE id = 'd0'")  # no longer the day of its rowid
    index_module._finish(db, copy)  # what a writer checks before READY
    db = sqlite3.connect(copy / DB_NAME)
    assert db.execute("SELECT value FROM meta WHERE key = 'day_in_rowid'").fetchone() is None
    facts = engine._facts("changed", db)
    assert not facts.day_in_rowid
    assert engine._Query.of(engine.parse("检察 date:2026").query, facts).rowids is None
    db.close()


def _reference(literals: tuple[str, ...]) -> re.Pattern[str] | None:
    """The highlighter as it was: one expression, the word boundaries as lookarounds and
    every horizontal space of text.HSPACE allowed between two Chinese characters."""
    pats = []
    for literal in literals:
        segs = [(k, s) for k, s, _, _ in segments(norm(literal)) if k != "gap"]
        if not segs:
            continue
        parts = []
        for i, (kind, s) in enumerate(segs):
            if i:
                parts.append(r"\s+" if kind == "word" and segs[i - 1][0] == "word" else r"\s*")
            if kind == "cjk":
                parts.append(f"[{HSPACE}]*".join(re.escape(c) for c in HSPACE_RE.sub("", s)))
            else:
                parts.append(re.escape(s))
        pat = "".join(parts)
        if segs[0][0] == "word":
            pat = rf"(?<!{WORDCHAR})" + pat
        if segs[-1][0] == "word":
            pat += rf"(?!{WORDCHAR})"
        pats.append(pat)
    if not pats:
        return None
    pats.sort(key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in pats))


_PIECES = [
    "检察",
    "院",
    "人民",
    "2026",
    "年",
    "ab",
    "AB",
    "x1",
    "_",
    " ",
    "\u3000",
    "\u1680",
    "\t",
    "\n",
    "，",
    "Ａ",
    "é",
    "ab2026",
    "１２",
    "受贿",
    "a_b",
    "〔",
    "〕",
]


@settings(max_examples=400, deadline=None)
@example(["x1", "ab"], [["ab"]])  # a word character before: no match
@example(["ab2026", "年"], [["2026"]])  # ... and after one: none either
@example(["检察", "2026", "年"], [["2026"]])  # Chinese around a number: a match
@example(["Ａ", "B", " ", "x1"], [["ab"], ["ab", " ", "x1"]])  # the longer text first
@example(["检察", "\u1680", "院", "\u3000", "人民"], [["检察院人民"]])
@given(
    st.lists(st.sampled_from(_PIECES), max_size=30),
    st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4), min_size=1, max_size=3),
)
def test_the_highlighter_finds_what_the_lookaround_expression_found(text: list[str], literals: list[list[str]]):
    """The matcher compiled without lookarounds (fast to compile) gives the same spans."""
    lits = tuple("".join(x) for x in literals)
    body = "".join(text)
    old = _reference(lits)
    new = highlighter(lits)
    assert (old is None) == (new is None)
    if old is None:
        return
    normalized, _idx = _norm_map(body)
    # the reference ran on the text before U+1680 became " " (its class allowed both)
    before = norm(body) if len(norm(body)) == len(body) else normalized
    want = [(m.start(), m.end()) for m in old.finditer(before) if m.end() > m.start()]
    assert [(a, b) for a, b in new.finditer(normalized) if b > a] == want
