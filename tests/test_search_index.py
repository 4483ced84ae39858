"""Fielded search (generator.search): recall against a substring oracle,
fielded syntax, errors (every message pinned), ordering, paging, and index
generations under concurrency (whole and incremental)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_corpus import build_corpus, build_queries, expected, searched_texts

from generator.search import (
    SNIPPET_CHARS,
    Hit,
    IndexLockedError,
    IndexMissingError,
    QueryError,
    Results,
    SearchDoc,
    SearchTimeout,
    index_exists,
    search,
    switch_to,
    update_generation,
    write_index,
    writer_lock,
)
from generator.search.generations import reader

DOCS = build_corpus()
QUERIES = build_queries(DOCS)
KEYS = {(d.type, d.id): d for d in DOCS}
ALL = len(DOCS)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("search") / "index"
    write_index(DOCS, root)
    return root


def ids(results: Results) -> set[tuple[str, str]]:
    return {(h.type, h.id) for h in results.hits}


def find(index: Path, query: str, **kw) -> set[tuple[str, str]]:
    res = search(index, query, limit=ALL, **kw)
    assert res.total == len(res.hits)
    return ids(res)


def where(pred) -> set[tuple[str, str]]:
    return {k for k, d in KEYS.items() if pred(d)}


def contains(doc: SearchDoc, text: str) -> bool:
    return bool(expected([doc], text))


# --------------------------------------------------------------------------
# Recall
# --------------------------------------------------------------------------


def test_corpus_is_big_enough():
    assert len(DOCS) >= 300 and len(QUERIES) >= 200
    assert {"disclosures", "regulations"} <= {d.type for d in DOCS}
    assert build_corpus() == DOCS and build_queries(DOCS) == QUERIES  # seeded


def _jieba_words(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(60)
    return [w for w in jieba.cut_for_search(text.lower()) if any(c.isalnum() for c in w)]


def _jieba_and_baseline(queries) -> tuple[int, int]:
    """What ANDed jieba search-mode tokens (the ChineseAnalyzer way) would find."""
    doc_tokens = {k: set(_jieba_words(" ".join(searched_texts(d)))) for k, d in KEYS.items()}
    found = wanted = 0
    for q in queries:
        exp = expected(DOCS, q)
        toks = set(_jieba_words(q))
        got = {k for k, t in doc_tokens.items() if toks and toks <= t}
        wanted += len(exp)
        found += len(exp & got)
    return found, wanted


def test_recall_of_every_query_is_complete(index):
    """Every record containing the query string is found, quoted or not."""
    stats = {"plain": [0, 0, 0], "quoted": [0, 0, 0]}  # expected, returned, correct
    misses = []
    imprecise_quoted = []
    for q in QUERIES:
        exp = expected(DOCS, q)
        assert exp, f"query {q!r} has no expected document: fix the corpus"
        for form, text in (("plain", q), ("quoted", f'"{q}"')):
            got = find(index, text)
            if exp - got:
                misses.append((text, sorted(exp - got)[:3]))
            s = stats[form]
            s[0] += len(exp)
            s[1] += len(got)
            s[2] += len(exp & got)
            if form == "quoted" and got != exp and not any(c.isspace() for c in q):
                imprecise_quoted.append((q, sorted(got - exp)[:3]))
    assert not misses, f"recall < 1: {misses[:10]}"
    # a quoted string without spaces matches exactly the records containing it
    assert not imprecise_quoted, imprecise_quoted[:10]
    found, wanted = _jieba_and_baseline(QUERIES)
    lines = [f"search recall over {len(QUERIES)} queries, {len(DOCS)} records:"]
    for form, (e, r, c) in stats.items():
        lines.append(f"  {form:6}: recall {c / e:.4f} ({c}/{e}), precision {c / r:.4f} ({c}/{r})")
    lines.append(f"  ANDed jieba tokens (baseline): recall {found / wanted:.4f} ({found}/{wanted})")
    print("\n".join(lines))


def test_jieba_sensitive_words(index):
    """Words that jieba cuts differently depending on the context."""
    for q in (
        "人民检察院",
        "察院",
        "人民检察",
        "贿赂",
        "贪污贿赂",
        "受贿",
        "贿",
        "监察院",
        "罚从宽",
        "利用影响力受贿罪",
        "行贿犯罪档案查询",
    ):
        exp = expected(DOCS, q)
        assert exp and find(index, q) == exp, q


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_substring_is_found(index, data):
    doc = data.draw(st.sampled_from(DOCS))
    text = data.draw(st.sampled_from([t for t in searched_texts(doc) if len(t) >= 2]))
    start = data.draw(st.integers(0, len(text) - 2))
    size = data.draw(st.integers(2, min(12, len(text) - start)))
    piece = text[start : start + size]
    if not any(ch.isalnum() for ch in piece) or piece != piece.strip() or any(ch in piece for ch in '"“”＂'):
        return
    if expected([doc], piece):  # not cut in the middle of a Latin word
        assert (doc.type, doc.id) in find(index, f'"{piece}"')


def test_english_words_are_case_insensitive_whole_words(index):
    assert find(index, "procuratorate") == find(index, "PROCURATORATE") == expected(DOCS, "procuratorate")
    assert find(index, "procurator") == set()  # whole words, not prefixes
    assert find(index, '"public interest litigation"') == expected(DOCS, "public interest litigation")


def test_numbers_and_document_numbers(index):
    reg = next(d for d in DOCS if d.doc_number.startswith("高检发释字"))
    assert (reg.type, reg.id) in find(index, reg.doc_number)
    assert find(index, f"doc_number:{reg.doc_number}") == where(lambda d: reg.doc_number in d.doc_number)
    assert find(index, "12309") == expected(DOCS, "12309")


# --------------------------------------------------------------------------
# Fielded queries
# --------------------------------------------------------------------------


def test_contract_example(index):
    got = find(index, "issuer:最高人民检察院 validity:in-force 受贿")
    want = where(lambda d: "最高人民检察院" in d.issuer and d.validity == "in-force" and contains(d, "受贿"))
    assert want and got == want


@pytest.mark.parametrize(
    "query,pred",
    [
        ("issued:[2015 to 2020]", lambda d: d.issued and 2015 <= d.issued.year <= 2020),
        ("issued:[2015 TO 2020]", lambda d: d.issued and 2015 <= d.issued.year <= 2020),
        ("date:2026", lambda d: d.date and d.date.year == 2026),
        ("date:2026-03", lambda d: d.date and (d.date.year, d.date.month) == (2026, 3)),
        ("date:[2026-01-01 to 2026-06-30]", lambda d: d.date and dt.date(2026, 1, 1) <= d.date <= dt.date(2026, 6, 30)),
        ("date:[2026-07 to]", lambda d: d.date and d.date >= dt.date(2026, 7, 1)),
        ("effective:>=2026-01", lambda d: d.effective and d.effective >= dt.date(2026, 1, 1)),
        ("issued:<2005", lambda d: d.issued and d.issued.year < 2005),
        ("受贿 NOT 行贿", lambda d: contains(d, "受贿") and not contains(d, "行贿")),
        ("受贿 -行贿", lambda d: contains(d, "受贿") and not contains(d, "行贿")),
        ("NOT type:regulations", lambda d: d.type != "regulations"),
        (
            "(洗钱 OR 挪用公款) type:disclosures",
            lambda d: d.type == "disclosures" and (contains(d, "洗钱") or contains(d, "挪用公款")),
        ),
        (
            "洗钱 OR 挪用公款 AND 检察建议",
            lambda d: contains(d, "洗钱") or (contains(d, "挪用公款") and contains(d, "检察建议")),
        ),
        ("issuer:=最高人民检察院", lambda d: "最高人民检察院" in d.issuer.split("；")),
        ("issuer:最高人民检察院", lambda d: "最高人民检察院" in d.issuer),
        ("tags:=受贿", lambda d: "受贿" in d.tags),
        ("tags:受贿", lambda d: any("受贿" in t for t in d.tags)),
        ("kind:judicial-interpretation", lambda d: d.kind == "judicial-interpretation"),
        ("category:case-decision", lambda d: d.category == "case-decision"),
        ("制定机关:公安部", lambda d: "公安部" in d.issuer),
        ("title:检察建议", lambda d: "检察建议" in d.title),
        ("case_number:京朝检刑诉", lambda d: "京朝检刑诉" in d.case_number),
        ("summary:(受贿 OR 行贿)", lambda d: "受贿" in d.summary or "行贿" in d.summary),
        ('body:"认罪认罚具结书" date:2025', lambda d: "认罪认罚具结书" in d.body and d.date.year == 2025),
        ("id:r-0007", lambda d: d.id == "r-0007"),
    ],
)
def test_fielded_queries(index, query, pred):
    want = where(pred)
    assert want, f"{query}: nothing expected, pick another example"
    assert find(index, query) == want


def test_type_filter_parameter(index):
    got = find(index, "受贿", doc_type="regulations")
    assert got == {k for k in expected(DOCS, "受贿") if k[0] == "regulations"}


def test_limit_and_exact_total(index):
    res = search(index, "人民检察院", limit=7)
    assert len(res.hits) == 7
    assert res.total == len(expected(DOCS, "人民检察院")) > 7


def test_sort_by_date_newest_first_undated_last(index):
    res = search(index, "检察院", limit=ALL, sort="date")
    dates = [h.date for h in res.hits]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True)
    assert dates[: len(dated)] == dated  # records without a date come last
    assert None in dates


def test_ties_are_broken_by_date_then_a_fixed_hash_of_type_and_id(index):
    res = search(index, "date:2026", limit=ALL)  # every hit scores the same
    assert len({h.score for h in res.hits}) == 1
    keys = [(-h.date.toordinal(), hashlib.sha1(f"{h.type}/{h.id}".encode()).digest()[:5]) for h in res.hits]
    assert keys == sorted(keys)


def test_relevance_prefers_title_matches(index):
    res = search(index, "检察建议", limit=5)
    assert all("检察建议" in h.title for h in res.hits[:3])


def test_snippet_highlights_first_match(index):
    res = search(index, "利用影响力受贿罪", limit=3)
    assert res.hits
    for hit in res.hits:
        assert isinstance(hit, Hit)
        body_hit = "利用影响力受贿罪" in KEYS[(hit.type, hit.id)].body
        if body_hit:
            assert "\x01利用影响力受贿罪\x02" in hit.snippet
        plain = hit.snippet.replace("\x01", "").replace("\x02", "")
        assert len(plain) <= SNIPPET_CHARS + 2


def test_snippet_highlights_english_case_insensitively(index):
    res = search(index, "bribery", limit=3)
    assert res.hits and all("\x01bribery\x02" in h.snippet.lower() for h in res.hits)


# Every message a journalist can get, exactly (like tests/test_bad_inputs.py).
BAD_QUERIES = [
    ("", "the query is empty: type a word, e.g. 受贿"),
    ("   ", "the query is empty: type a word, e.g. 受贿"),
    (
        '"法律监督',
        'the quotation mark at character 1 ("法律监督…) is not closed: add the closing quotation mark or remove the opening one',
    ),
    (
        "“法律监督",
        "the quotation mark at character 1 (“法律监督…) is not closed: add the closing quotation mark or remove the opening one",
    ),
    ("(受贿 OR 行贿", "the bracket “(” at character 1 is not closed: add “)”"),
    ("受贿)", "unexpected “)” at character 3: it has no matching “(”"),
    (
        "issur:最高人民检察院",
        "unknown field “issur”. Did you mean “issuer”? Fields you can use: title, summary, body, tags, doc_number, issuer, kind, validity, category, case_number, type, id, date, issued, effective. To search for a text containing “:”, put it in quotation marks.",
    ),
    (
        "titel:受贿",
        "unknown field “titel”. Did you mean “title”? Fields you can use: title, summary, body, tags, doc_number, issuer, kind, validity, category, case_number, type, id, date, issued, effective. To search for a text containing “:”, put it in quotation marks.",
    ),
    (
        "foo:bar",
        "unknown field “foo”. Fields you can use: title, summary, body, tags, doc_number, issuer, kind, validity, category, case_number, type, id, date, issued, effective. To search for a text containing “:”, put it in quotation marks.",
    ),
    ("date:2026-13", "“2026-13” in date: is not a valid date (the month or day is out of range)"),
    ("date:2026年13月", "“2026年13月” in date: is not a valid date (the month or day is out of range)"),
    ("date:[2026-01-01 to 2026-13-01]", "“2026-13-01” in date: is not a valid date (the month or day is out of range)"),
    ("issued:[2020 to 2015]", "the range “[2020 to 2015]” starts after it ends: put the earlier date first"),
    ("issued:[2020 至 2015]", "the range “[2020 至 2015]” starts after it ends: put the earlier date first"),
    (
        "issued:[2015 2020]",
        "“[2015 2020]” is not a date range: write issued:[2015 to 2020] or issued:[2026-01-01 to 2026-06-30] (either end may be left out)",
    ),
    ("issued:[2015 to 2020", "the range “[” at character 8 is not closed: add “]”, e.g. issued:[2015 to 2020]"),
    ("date:[to]", "the range “[to]” has neither a start nor an end"),
    ("title:[2015 to 2020]", "ranges [… to …] only work on the date fields (date, issued, effective), not on “title”"),
    ("title:>2020", "“>” only works on the date fields (date, issued, effective)"),
    (
        "date:soon",
        "“soon” in date: is not a date: write 2026, 2026-03 or 2026-03-05, or a range such as date:[2026-01-01 to 2026-06-30]",
    ),
    (
        "date:>=",
        "“(nothing)” in date: is not a date: write 2026, 2026-03 or 2026-03-05, or a range such as date:[2026-01-01 to 2026-06-30]",
    ),
    (
        "type:regulation",
        "unknown record type “regulation”. Did you mean “regulations”? Types: disclosures, regulations, open-days, guides, pages",
    ),
    (
        "title:=受贿",
        "“title:=” (exact value) works only for tags, doc_number, issuer, kind, validity, category, case_number; use title:受贿 instead",
    ),
    ("tags:=", "“tags:=” has no value, e.g. tags:=受贿"),
    ("issuer:", "“issuer:” has no value: write it without spaces, e.g. issuer:最高人民检察院"),
    ("date:", "“date:” has no value: write it without spaces, e.g. date:2026-03 or date:[2015 to 2020]"),
    ('id:""', "“id:” has no value"),
    ("AND 受贿", "“AND” needs a search term on both sides"),
    ("OR", "“OR” needs a search term on both sides"),
    ("受贿 OR", "“OR” needs a search term on both sides"),
    ("受贿 NOT", "“NOT” must be followed by a search term, e.g. 受贿 NOT 行贿"),
    ("()", "empty brackets “()” at character 1"),
    (
        "[2019]",
        "square brackets are only used for date ranges after a field, e.g. date:[2026-01-01 to 2026-06-30]; to search for a text with brackets put it in quotation marks",
    ),
    ("，。", "the query contains nothing to search for (no letters, digits or Chinese characters)"),
    ('"，"', "“，” contains no letters, digits or Chinese characters to search for"),
    ("title:，", "“，” contains no letters, digits or Chinese characters to search for"),
    ("受贿\x00", "the query contains a NUL character"),
    ("受" * 501, "the query is 501 characters long; the limit is 500: shorten it or split it into several searches"),
    (
        "((((((((((((((((((((受贿))))))))))))))))))))",
        "too many brackets inside each other (more than 16): simplify the query",
    ),
]


@pytest.mark.parametrize("query,message", BAD_QUERIES)
def test_bad_queries_raise_query_error(index, query, message):
    with pytest.raises(QueryError) as info:
        search(index, query)
    assert str(info.value) == message


_PIECES = [
    "受贿",
    "行贿",
    "察院",
    "(",
    ")",
    '"',
    "“",
    "”",
    "AND",
    "OR",
    "NOT",
    "-",
    "+",
    "title:",
    "issuer:=",
    "date:",
    "[2015 to 2020]",
    "[2020 to]",
    "2026-03",
    "in-force",
    "：",
    "type:regulations",
    "foo:",
    "]",
    "[",
    "abc",
    "，",
    "validity:",
    ">=2026",
    "=",
    "标题:",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=10), st.sampled_from(["", " "]))
def test_any_query_gives_results_or_query_error(index, pieces, sep):
    """Random syntax never crashes the parser or whoosh: results or a QueryError."""
    try:
        res = search(index, sep.join(pieces), limit=3)
    except QueryError as exc:
        assert str(exc)
    else:
        assert res.total >= len(res.hits)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"limit": 0}, "limit must be a whole number of at least 1"),
        ({"limit": True}, "limit must be a whole number of at least 1"),
        ({"offset": -1}, "offset must be a whole number of at least 0"),
        ({"sort": "newest"}, "sort must be “relevance” or “date”, not “newest”"),
        ({"doc_type": "law"}, "unknown record type “law”. Types: disclosures, regulations, open-days, guides, pages"),
        ({"query": 5}, "the query must be text"),
    ],
)
def test_bad_parameters_raise_query_error(index, kwargs, message):
    kwargs = {"query": "受贿", **kwargs}
    with pytest.raises(QueryError) as info:
        search(index, **kwargs)
    assert str(info.value) == message
    assert issubclass(QueryError, ValueError)


def test_time_limit(index):
    with pytest.raises(SearchTimeout):
        search(index, "人民检察院", time_limit_s=1e-9, cache=False)
    assert search(index, "人民检察院", time_limit_s=30).total > 0


# --------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------


def test_result_order_is_deterministic(index, tmp_path):
    other = tmp_path / "reversed"
    write_index(list(reversed(DOCS)), other)
    for q, kw in (
        ("受贿", {}),
        ("date:2026", {}),
        ("检察院", {"sort": "date"}),
        ("type:regulations", {}),
        ("法律监督 OR 检察建议", {}),
    ):
        a = search(index, q, limit=ALL, **kw)
        b = search(other, q, limit=ALL, **kw)
        assert [(h.type, h.id) for h in a.hits] == [(h.type, h.id) for h in b.hits], q
        assert a == search(index, q, limit=ALL, **kw)


# --------------------------------------------------------------------------
# Generations, locking, concurrency
# --------------------------------------------------------------------------

SMALL = DOCS[:40] + DOCS[-4:]
LARGE = DOCS[:80] + DOCS[-4:]


def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("gen-"))


def test_index_exists_and_missing_index(tmp_path):
    root = tmp_path / "idx"
    assert not index_exists(root)
    with pytest.raises(IndexMissingError):
        search(root, "受贿")
    write_index(SMALL, root)
    assert index_exists(root)
    assert (root / "CURRENT").read_text().strip() == _generations(root)[-1]


def test_rebuild_keeps_only_the_current_generation(tmp_path):
    """An older generation may hold a record that is no longer published: only the
    current one stays on disk (unless a reader still holds it)."""
    root = tmp_path / "idx"
    for _ in range(4):
        write_index(SMALL, root)
    assert _generations(root) == ["gen-000004"]
    assert not list(root.glob(".trash-*")) and not (root / "CURRENT.tmp").exists()


def test_reader_keeps_its_generation_during_rebuilds(tmp_path):
    root = tmp_path / "idx"
    write_index(SMALL, root)
    with reader(root) as gen:  # a long-running reader on gen-000001
        write_index(LARGE, root)
        write_index(LARGE, root)
        assert "gen-000001" in _generations(root)  # still in use: not deleted
        assert gen.db.execute("SELECT count(*) FROM docs").fetchone()[0] == len(SMALL)
    # the reader's next query moves to the current generation and lets the old one go
    assert search(root, "人民检察院").total == len(expected(LARGE, "人民检察院"))
    write_index(SMALL, root)
    assert _generations(root) == ["gen-000004"]


def test_search_while_rebuilding_in_threads(tmp_path):
    root = tmp_path / "idx"
    write_index(SMALL, root)
    allowed = {len(expected(SMALL, "人民检察院")), len(expected(LARGE, "人民检察院"))}
    stop = threading.Event()
    seen: set[int] = set()
    errors: list[BaseException] = []
    counts = [0, 0]

    def reader(n):
        while not stop.is_set():
            try:
                seen.add(search(root, "人民检察院", limit=3).total)
                counts[n] += 1
                time.sleep(0.005)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(3):
            write_index(LARGE if i % 2 == 0 else SMALL, root)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors
    assert min(counts) > 0 and seen <= allowed


def test_search_from_another_process_while_rebuilding(tmp_path):
    root = tmp_path / "idx"
    write_index(SMALL, root)
    stop_file = tmp_path / "stop"
    allowed = {len(expected(SMALL, "受贿")), len(expected(LARGE, "受贿"))}
    script = textwrap.dedent(f"""
        import json
        from pathlib import Path
        from generator.search import search
        root, stop = Path({str(root)!r}), Path({str(stop_file)!r})
        totals, n = set(), 0
        print("ready", flush=True)
        while not stop.exists():
            totals.add(search(root, "受贿", limit=3).total)
            n += 1
        print(json.dumps([n, sorted(totals)]))
    """)
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        for i in range(4):
            write_index(LARGE if i % 2 == 0 else SMALL, root)
            time.sleep(0.05)
    finally:
        stop_file.touch()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err == ""  # the engine stays quiet
    n, totals = json.loads(out)
    assert n > 0 and set(totals) <= allowed


def test_one_writer_at_a_time(tmp_path):
    root = tmp_path / "idx"
    write_index(SMALL, root)
    entered, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def slow_docs():
        yield SMALL[0]
        entered.set()
        release.wait(30)
        yield from SMALL[1:]

    def build():
        try:
            write_index(slow_docs(), root)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    t = threading.Thread(target=build)
    t.start()
    try:
        assert entered.wait(30)
        with pytest.raises(IndexLockedError, match="being rebuilt by another build"):
            write_index(SMALL, root)
        assert search(root, "受贿").total == len(expected(SMALL, "受贿"))  # readers unaffected
    finally:
        release.set()
        t.join(30)
    assert not failures
    write_index(LARGE, root)  # the lock is free again


def test_failed_build_leaves_current_index_untouched(tmp_path):
    root = tmp_path / "idx"
    write_index(SMALL, root)
    before = (root / "CURRENT").read_text()

    def broken():
        yield from SMALL[:5]
        raise RuntimeError("content error")

    with pytest.raises(RuntimeError):
        write_index(broken(), root)
    with pytest.raises(ValueError, match="duplicate"):
        write_index(SMALL + SMALL[:1], root)
    with pytest.raises(ValueError, match="unknown record type"):
        write_index([dataclasses.replace(SMALL[0], type="news")], root)
    assert (root / "CURRENT").read_text() == before
    assert _generations(root) == [before.strip()]
    assert search(root, "受贿").total == len(expected(SMALL, "受贿"))


# --------------------------------------------------------------------------
# Paging and incremental updates
# --------------------------------------------------------------------------


def test_pages_cover_every_hit_once(index):
    whole = search(index, "人民检察院", limit=ALL)
    pages = [search(index, "人民检察院", limit=25, offset=at) for at in range(0, whole.total + 25, 25)]
    assert all(p.total == whole.total for p in pages)
    assert [h for p in pages for h in p.hits] == whole.hits
    assert pages[-1].hits == []  # past the end: nothing, and still the total


def _answers(root: Path) -> list[list[tuple[str, str, float]]]:
    return [
        [(h.type, h.id, round(h.score, 6)) for h in search(root, q, limit=ALL, sort=s).hits]
        for q in ("受贿", "人民检察院", "date:2026", "type:regulations 法律监督", "NOT 受贿", "tags:=受贿")
        for s in ("relevance", "date")
    ]


def test_an_update_gives_what_a_whole_build_gives(tmp_path):
    """update_generation (records added, changed, removed) answers every query as a
    fresh build of the same records does, and a removed record is found nowhere."""
    changed = dataclasses.replace(DOCS[3], title="受贿案件 changed", body="受贿 " + DOCS[3].body)
    removed = [(d.type, d.id) for d in DOCS[10:20]]
    final = [changed if d is DOCS[3] else d for d in DOCS if (d.type, d.id) not in removed]
    inc = tmp_path / "inc"
    write_index(DOCS[:-30], inc)
    with writer_lock(inc):
        name = update_generation(inc, [changed, *DOCS[-30:]], removed)
        switch_to(inc, name)
    full = tmp_path / "full"
    write_index(final, full)
    assert _answers(inc) == _answers(full)
    assert _generations(inc) == [name]
    for key in removed:
        assert find(inc, f"id:{key[1]}") == set()


@pytest.mark.parametrize("query", ["检察院", "受贿", "法律监督 OR 检察建议", "受贿 type:disclosures", "date:2026 检察"])
def test_broad_queries_rank_in_tiers(index, monkeypatch, query):
    """Past RANK_ALL hits: title matches first, then summary matches, then the rest
    (the same records as below the threshold, every hit once across the pages)."""
    from generator.search import engine

    ranked = search(index, query, limit=ALL)
    monkeypatch.setattr(engine, "RANK_ALL", 5)
    tiered = search(index, query, limit=ALL, cache=False)
    assert tiered.total == ranked.total == len(tiered.hits) > 5
    assert {(h.type, h.id) for h in tiered.hits} == {(h.type, h.id) for h in ranked.hits}
    words = [w for w in query.split() if ":" not in w and w != "OR"]

    def tier(h: Hit) -> int:
        doc = KEYS[(h.type, h.id)]
        if any(w in doc.title for w in words):
            return 0
        return 1 if any(w in doc.summary for w in words) else 2

    tiers = [tier(h) for h in tiered.hits]
    assert tiers == sorted(tiers)
    pages = [h for at in range(0, tiered.total, 7) for h in search(index, query, limit=7, offset=at, cache=False).hits]
    assert pages == tiered.hits


def test_kept_answers_follow_the_generation(tmp_path):
    """A kept answer is one of the generation it came from: after a rebuild, or after the
    folder was deleted and written anew, the query runs again."""
    root = tmp_path / "idx"
    write_index(SMALL, root)
    small = search(root, "人民检察院", limit=ALL)
    assert search(root, "人民检察院", limit=ALL) == small == search(root, "人民检察院", limit=ALL, cache=False)
    write_index(LARGE, root)
    assert search(root, "人民检察院", limit=ALL).total == len(expected(LARGE, "人民检察院")) != small.total
    shutil.rmtree(root)
    write_index(SMALL, root)  # gen-000001 again, other contents than the last one read
    write_index(SMALL, root)
    shutil.rmtree(root)
    write_index(LARGE, root)
    assert search(root, "人民检察院", limit=ALL).total == len(expected(LARGE, "人民检察院"))


def test_an_index_of_the_whoosh_engine_is_no_index(tmp_path):
    """A generation written by an older version (whoosh files, no index.sqlite) is not
    read: index_exists says so (the CLI rebuilds) and search raises IndexMissingError."""
    root = tmp_path / "idx"
    (root / "gen-000001").mkdir(parents=True)
    for name in ("READY", "READERS.lock", "MAIN_abc.toc", "_MAIN_1.toc"):
        (root / "gen-000001" / name).write_text("schema 1\n")
    (root / "CURRENT").write_text("gen-000001\n")
    assert not index_exists(root)
    with pytest.raises(IndexMissingError) as info:
        search(root, "受贿")
    assert str(info.value) == (
        f"the search index in {root} was written by an older version of openaffairs: run openaffairs build"
    )
    write_index(SMALL, root)  # the next build replaces it
    assert _generations(root) == ["gen-000002"] and search(root, "受贿").total == len(expected(SMALL, "受贿"))
