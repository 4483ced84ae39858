"""(issue 13) The relevance order of a broad query -- more than ``RANK_ALL`` hits: records
with the query in the title, then in the summary, then the others -- for every kind of
query (a phrase, an AND, a NOT, a type, a date), page by page, with and without the
kept counts.  ``RANK_ALL`` is lowered so that the test corpus is "broad"."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_corpus import build_corpus, expected

from generator.search import SearchDoc, engine, search, write_index

DOCS = build_corpus()
KEYS = {(d.type, d.id): d for d in DOCS}
QUERIES = [
    ("检察院", None),  # a phrase (the simple path: tiers counted on the title table)
    ("检察院", "disclosures"),  # the type parameter: an AND
    ("检察院 type:disclosures", None),
    ("人民 检察", None),  # two words
    ("检察院 NOT 受贿", None),
    ("(检察院 OR 法院) date:[2020 to 2030]", None),
    ("检察院 date:2026", None),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiers") / "index"
    write_index(DOCS, root)
    return root


@pytest.fixture()
def broad(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "RANK_ALL", 5)
    engine._counts.clear()
    engine._cache.clear()


def text_terms(query: str) -> list[str]:
    return [t for t in query.replace("(", " ").replace(")", " ").split() if ":" not in t and t not in ("NOT", "OR")]


def tier(doc: SearchDoc, terms: list[str]) -> int:
    """0: a term in the title, 1: in the summary, 2: elsewhere."""
    title = SearchDoc(type=doc.type, id=doc.id, title=doc.title, url=doc.url, body="")
    summary = SearchDoc(type=doc.type, id=doc.id, title="", url=doc.url, body="", summary=doc.summary)
    if any(expected([title], t) for t in terms):
        return 0
    if any(expected([summary], t) for t in terms):
        return 1
    return 2


def pages(index: Path, query: str, doc_type: str | None, size: int, cache: bool) -> tuple[int, list]:
    hits: list = []
    total = None
    while True:
        res = search(index, query, doc_type=doc_type, limit=size, offset=len(hits), cache=cache)
        assert total is None or res.total == total  # the same total on every page
        total = res.total
        hits += res.hits
        if not res.hits:
            break
    assert total is not None
    return total, hits


@pytest.mark.parametrize("query,doc_type", QUERIES)
def test_broad_queries_rank_in_tiers_and_page_completely(index: Path, broad: None, query: str, doc_type: str | None):
    whole = search(index, query, doc_type=doc_type, limit=len(DOCS), cache=False)
    assert whole.total > 5  # broad: the tiers are used
    keys = [(h.type, h.id) for h in whole.hits]
    assert len(keys) == len(set(keys)) == whole.total
    if doc_type:
        assert {k[0] for k in keys} == {doc_type}
    terms = text_terms(query)
    if "NOT" not in query:
        want = set.intersection(*(expected(DOCS, t) for t in terms)) if " " in query and "OR" not in query else None
        if want is not None and doc_type is None and ":" not in query:
            assert set(keys) == want
    ranks = [tier(KEYS[k], [t for t in terms if t != "受贿"]) for k in keys]
    assert ranks == sorted(ranks), "title hits first, then summary hits, then the others"
    assert [h.score for h in whole.hits] == sorted((h.score for h in whole.hits), reverse=True)
    for size in (3, 7):  # paging gives the same list, with and without the kept counts
        for cache in (False, True, True):
            total, hits = pages(index, query, doc_type, size, cache)
            assert total == whole.total
            assert [(h.type, h.id) for h in hits] == keys


def test_a_broad_and_is_the_same_set_as_a_small_one(index: Path, broad: None, monkeypatch: pytest.MonkeyPatch):
    """The tiered path (RANK_ALL 5) finds exactly what ranking everything (the default) finds."""
    for query, doc_type in QUERIES:
        tiered = search(index, query, doc_type=doc_type, limit=len(DOCS), cache=False)
        monkeypatch.setattr(engine, "RANK_ALL", 100_000)
        whole = search(index, query, doc_type=doc_type, limit=len(DOCS), cache=False)
        monkeypatch.setattr(engine, "RANK_ALL", 5)
        assert tiered.total == whole.total
        assert {(h.type, h.id) for h in tiered.hits} == {(h.type, h.id) for h in whole.hits}
