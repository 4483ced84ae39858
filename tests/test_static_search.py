"""The public static search: generator/static_search.py writes the index, and the real
theme/assets/oasearch.js (run in Node, and once in headless Chromium) answers queries.

The recall test compares every answer with plain substring search over the pages' text
(tests/search_corpus_static.py); the figures it prints are in docs/search-static.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from search_corpus_static import build_docs, build_queries, contains, expected, parse_query

from generator.static_search import (
    OVERLAP,
    PREFIX_MAX,
    SPLIT_CHARS,
    StaticDoc,
    build_static_index,
    decode_ids,
    fnv1a32,
    normalize,
    read_docs,
    read_postings,
    read_shards,
    shard_count,
    tokens,
    update_static_index,
    windows,
)

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "theme" / "assets" / "oasearch.js"
PAGE_SCRIPT = HERE.parent / "theme" / "assets" / "oasearch-page.js"
RUNNER = HERE / "js" / "run_queries.mjs"
PARITY = HERE / "js" / "parity.mjs"
NODE = shutil.which("node") or "/usr/bin/node"
EVERYTHING = {"perPage": 100_000, "maxVerify": 1_000_000}


# -- helpers ---------------------------------------------------------------------------------


def write_index(files: dict[str, bytes], root: Path) -> Path:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def run_queries(root: Path, queries: list[tuple[str, dict]], *, cold: bool = False, full: bool = True) -> list[dict]:
    job = {
        "dir": str(root),
        "script": str(SCRIPT),
        "cold": cold,
        "full": full,
        "queries": [{"q": q, "options": o} for q, o in queries],
    }
    job_file = root / "job.json"
    job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([NODE, str(RUNNER), str(job_file)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    errors = [r["error"] for r in out if "error" in r]
    assert not errors, errors[0]
    return out


def js_parity(strings: list[str]) -> list[dict]:
    proc = subprocess.run(
        [NODE, str(PARITY), str(SCRIPT)], input=json.dumps(strings), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def doc(
    url: str,
    title: str,
    text: str,
    date: dt.date | None = dt.date(2026, 1, 1),
    type: str = "disclosures",
    **filters: tuple[str, ...],
) -> StaticDoc:
    return StaticDoc(
        url=url, title=title, type=type, date=date, text=f"{title}\n{text}", excerpt=text[:120], filters=dict(filters)
    )


def id_order(docs: list[StaticDoc]) -> list[str]:
    """URLs in index order: newest first, undated last, ties by url."""
    return [d.url for d in sorted(docs, key=lambda d: (d.date is None, -(d.date.toordinal() if d.date else 0), d.url))]


@pytest.fixture(scope="module")
def corpus() -> list[StaticDoc]:
    return build_docs()


@pytest.fixture(scope="module")
def index_dir(corpus: list[StaticDoc], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_index(build_static_index(corpus), tmp_path_factory.mktemp("static-search"))


# -- tokens ----------------------------------------------------------------------------------


def test_tokens_are_characters_pairs_triples_and_words() -> None:
    assert tokens("贪污贿赂") == {"贪", "污", "贿", "赂", "贪污", "污贿", "贿赂", "贪污贿", "污贿赂"}
    # 察院 is a term of 人民检察院 whatever a word segmenter would make of it
    assert {"察院", "检察院", "人民", "民检察"} <= tokens("人民检察院")
    # Latin and digits: whole words and their prefixes up to PREFIX_MAX characters
    assert tokens("Bribery") == {"bribery", "b", "br", "bri", "brib", "bribe", "briber"}
    long_word = "procuratorates"
    assert long_word in tokens(long_word) and long_word[:PREFIX_MAX] in tokens(long_word)
    assert long_word[: PREFIX_MAX + 1] not in tokens(long_word)
    # a pair across a letter/Han boundary, none inside a word, and around a single space
    t = tokens("第385条 ab")
    assert {"第3", "5条", "第", "条", "385", "38", "3", "条 a"} <= t
    assert not {"85", "85条", "38条", " "} & t  # nothing from inside a word, no space


def test_tokens_normalise_like_the_browser() -> None:
    # NFKC: full-width forms, roman numerals, ligatures; lower case; whitespace collapsed
    assert {"abc123", "１"} & tokens("ＡＢＣ１２３") == {"abc123"}
    assert {"xii", "i条"} <= tokens("Ⅻ条")
    assert "finance" in tokens("ﬁnance")
    assert normalize("A\u3000\t\nB\u00a0 c") == "a b c"
    assert tokens("检察\n\n院") == tokens("检察\n院")
    # (issue 8) horizontal white space inside Chinese text is ignored, line breaks are not
    assert tokens("第一章  总　则") == tokens("第一章总则") and normalize("总 \u3000则") == "总则"
    assert normalize("总则\n第一条") == "总则 第一条" and normalize("a 总") == "a 总"
    # characters outside the BMP and 〇 are characters like any other
    assert {"𠀋", "𠀋𠀌", "〇", "二〇二"} <= tokens("𠀋𠀌 二〇二六")


def test_tokens_fnv_normalise_and_query_parsing_match_javascript() -> None:
    strings = [
        "贪污贿赂罪，Bribery 2019年",
        "第一章  总　则\n第一条 总 则 法",
        "ＡＢＣ１２３ ｄｅｆ",
        "Ⅻ条①②",
        "ﬁnance ſ K",
        "İstanbul ΣΑΣ ß ǅ",
        "𠀋𠀌某",
        "二〇二六年",
        "  多个   空格\t\n\u3000尾 ",
        "e\u0301 x\u0303y",
        "检\u200b察",
        "café Café",
        "中文English混合123abc",
        "Procurator-General No.385",
        "１２３０９热线",
        "「引号」“双引号”",
        '-排除 "短语 查询" 受贿',
        "🙂检察院",
        "검찰청 けんさつ Прокуратура",
        "\u00a0nbsp\u2028x",
        "“贪污 贿赂” -“行贿” - 孤立",
        'a"b" "未闭合',
        "Ⅸ月２０２６年〔２０１９〕１２号",
        "x" * 30 + " 超长",
    ]
    js = js_parity(strings)
    for s, j in zip(strings, js, strict=True):
        assert j["normalized"] == normalize(s), s
        assert set(j["tokens"]) == tokens(s), (s, set(j["tokens"]) ^ tokens(s))
        for term, h in j["hashes"].items():
            assert h == fnv1a32(term.encode()), term
        include, exclude = parse_query(s)
        assert (j["query"]["include"], j["query"]["exclude"]) == (include, exclude), s


def test_phrase_terms_are_held_by_every_text_containing_the_phrase() -> None:
    """The property recall rests on: a text that contains a phrase holds all the terms the
    browser looks up for it; and where the browser calls a phrase exact, holding its terms
    is also enough."""
    rng = random.Random(7)
    alphabet = "检察院贿赂罪，。 ab1２Z〇𠀋\n"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 40))) for _ in range(300)]
    # a query is normalised once more (a space between two Chinese characters that came from
    # a line break is then dropped: issue 8), so the phrases are what the browser looks for
    phrases = sorted(
        {
            normalize(normalize(t)[i : i + n]).strip()
            for t in texts[:150]
            for n in (1, 2, 3, 4, 6)
            for i in range(0, len(t), 7)
        }
        - {""}
    )
    js = js_parity(phrases)
    norm_texts = [(normalize(t), tokens(t)) for t in texts]
    exact_seen = 0
    for phrase, j in zip(phrases, js, strict=True):
        terms = set(j["phrase"]["terms"])
        for norm_text, toks in norm_texts:
            if contains(norm_text, phrase):
                assert terms <= toks, (phrase, norm_text, terms - toks)
            elif j["phrase"]["exact"]:
                assert not terms <= toks, (phrase, norm_text)
        exact_seen += j["phrase"]["exact"]
    assert exact_seen > 50


# -- the files -------------------------------------------------------------------------------


def test_build_is_deterministic_whatever_the_input_order(corpus: list[StaticDoc]) -> None:
    first = build_static_index(corpus[:120])
    shuffled = corpus[:120]
    random.Random(3).shuffle(shuffled)
    second = build_static_index(shuffled)
    assert list(first) == sorted(first)
    assert first == second
    assert all(path.startswith("search/") for path in first)
    # the build hash that keeps browser caches apart changes with the content, and only then
    build = json.loads(first["search/meta.json"])["build"]
    assert re.fullmatch("[0-9a-f]{16}", build)
    changed = [dataclasses.replace(shuffled[0], text=shuffled[0].text + "。")] + shuffled[1:]
    assert json.loads(build_static_index(changed)["search/meta.json"])["build"] != build


def test_an_update_from_the_previous_index_is_byte_identical_to_a_cold_build(
    corpus: list[StaticDoc], long_corpus: list[StaticDoc]
) -> None:
    """Issue 13: a page changed re-indexes that page and re-encodes only its terms' entries;
    every file is what a build from nothing makes of the same pages (a page added or removed
    renumbers the pages after it: built afresh)."""
    import marshal

    from generator.static_search import StaticIndex, _update, row_of

    docs = corpus[:150] + long_corpus
    built = update_static_index(docs, None)
    assert built.files == build_static_index(docs)
    # the index as the build cache keeps it: marshalled plain values, loaded back whole
    previous = StaticIndex.from_flat(marshal.loads(marshal.dumps(built.flat())))
    assert previous is not None and previous == built
    assert StaticIndex.from_flat(("static-index-0", *built.flat()[1:])) is None  # another shape: built afresh
    long_page = next(d for d in long_corpus if d.articles)
    short_page = docs[3]
    cases = {
        "body": [dataclasses.replace(docs[0], text=docs[0].text + "\n本条信息于测试中补充一句：取保候审。")],
        "title and filter": [dataclasses.replace(docs[1], title="新的标题甲乙", filters={"category": ("other",)})],
        "short page made long": [dataclasses.replace(short_page, text=short_page.text + "。" + long_page.text)],
        "law in windows edited": [dataclasses.replace(long_page, text=long_page.text.replace("第", "第 ", 1) + "后记")],
        "two pages": [
            dataclasses.replace(docs[5], text="全新的正文：检察院"),
            dataclasses.replace(docs[6], excerpt="新摘要"),
        ],
    }
    ordered = sorted(docs, key=lambda d: (d.date is None, -(d.date.toordinal() if d.date else 0), d.url))
    for name, new in cases.items():
        by_url = {d.url: d for d in new}
        changed = [by_url.get(d.url, d) for d in docs]
        updated = update_static_index(changed, previous)
        assert updated.files == build_static_index(changed), name
        # the update itself, not the fallback to a build from nothing, made them
        ids = [i for i, d in enumerate(ordered) if d.url in by_url]
        new_order = [by_url.get(d.url, d) for d in ordered]
        direct = _update(previous, new_order, [row_of(d) for d in new_order], ids)
        assert direct is not None and direct.files == updated.files, name
        # and a further update from the updated index goes back
        assert update_static_index(docs, updated).files == previous.files, name
    assert update_static_index(docs, previous) is previous  # nothing changed
    assert update_static_index(docs, built) is built
    added = [*docs, doc("/disclosures/new/", "新增", "新增的记录", date=dt.date(2027, 1, 1))]
    assert update_static_index(added, previous).files == build_static_index(added)
    removed = docs[:10] + docs[11:]
    assert update_static_index(removed, previous).files == build_static_index(removed)


def test_layout_meta_shards_and_doc_files(corpus: list[StaticDoc]) -> None:
    docs = corpus[:150]
    files = build_static_index(docs)
    meta = json.loads(files["search/meta.json"])
    assert meta["version"] == 2 and meta["docs"] == len(docs) and meta["prefix_max"] == PREFIX_MAX
    n = meta["shards"]
    assert n & (n - 1) == 0 and 8 <= n <= 4096
    assert {p for p in files if p.startswith("search/shards/")} == {f"search/shards/{i}.bin" for i in range(n)}
    # page ids follow date (newest first), so "sort by date" needs no dates in the browser
    order = id_order(docs)
    for i, url in enumerate(order):
        record = json.loads(files[f"search/docs/{i // meta['doc_dir']}/{i}.json"])
        d = next(x for x in docs if x.url == url)
        assert len(normalize(d.text)) <= SPLIT_CHARS  # short pages: one file, text included
        assert record == {
            "u": d.url,
            "t": d.title,
            "y": d.type,
            "d": d.date.isoformat() if d.date else None,
            "e": d.excerpt,
            "x": d.text,
        }
    # postings read back equal the tokens of each page, and each term sits in its FNV shard
    postings = read_postings(files)
    by_url = {d.url: d for d in docs}
    expected_body: dict[str, list[int]] = {}
    expected_title: dict[str, list[int]] = {}
    for i, url in enumerate(order):
        for t in tokens(by_url[url].text):
            expected_body.setdefault(t, []).append(i)
        for t in tokens(by_url[url].title):
            expected_title.setdefault(t, []).append(i)
    assert {t: p[0] for t, p in postings.items() if p[0]} == expected_body
    assert {t: p[1] for t, p in postings.items() if p[1]} == expected_title
    for i in range(n):
        data = files[f"search/shards/{i}.bin"]
        for term in read_postings({f"search/shards/{i}.bin": data}):
            assert fnv1a32(term.encode()) % n == i
    # filters: per key a file, per value the ids; meta lists values, counts and the types
    filters = meta["filters"]
    assert set(filters) == {"type", "category", "year", "issuer", "kind", "validity"}
    assert filters["category"]["types"] == ["disclosures"]
    assert filters["validity"]["types"] == ["regulations"]
    for key, info in filters.items():
        data = files[f"search/filters/{info['file']}.bin"]
        pos, seen = 0, {}
        while pos < len(data):
            size = data[pos]
            value = data[pos + 1 : pos + 1 + size].decode()
            pos += 1 + size
            size = data[pos]
            pos += 1
            seen[value] = decode_ids(data[pos : pos + size])
            pos += size
        assert [[v, len(ids)] for v, ids in sorted(seen.items())] == info["values"]
        for value, ids in seen.items():
            want = [
                i
                for i, url in enumerate(order)
                if value in ({"type": (by_url[url].type,)} | by_url[url].filters).get(key, ())
            ]
            assert ids == want, (key, value)


def test_postings_round_trip_in_every_encoding() -> None:
    from generator.static_search import _encode_ids

    rng = random.Random(11)
    encodings = set()
    for _ in range(2000):
        shape = rng.randrange(3)
        if shape == 0:
            ids = sorted(rng.sample(range(50_000), rng.randint(0, 200)))
        elif shape == 1:
            start = rng.randrange(1000)
            ids = list(range(start, start + rng.randint(1, 500)))
        else:
            ids = sorted({rng.randrange(3000) for _ in range(rng.randint(1, 2500))})
        blob = _encode_ids(ids)
        assert decode_ids(blob) == ids
        if blob:
            encodings.add(blob[0])
    assert encodings == {0, 1, 2}


def test_shard_count_is_a_power_of_two_that_grows_with_the_index() -> None:
    counts = [shard_count(b) for b in (0, 10_000, 1_000_000, 10_000_000, 10**9)]
    assert counts == sorted(counts) and counts[0] == 8 and counts[-1] == 4096
    assert all(c & (c - 1) == 0 for c in counts)


def test_two_pages_with_one_url_are_refused() -> None:
    with pytest.raises(ValueError, match="/x/"):
        build_static_index([doc("/x/", "甲", "正文"), doc("/x/", "乙", "正文")])


# -- queries through the real JavaScript -----------------------------------------------------


def test_recall_and_precision_against_substring_search(corpus: list[StaticDoc], index_dir: Path) -> None:
    queries = build_queries(corpus)
    assert len(corpus) >= 300 and len(queries) >= 200
    runs = run_queries(index_dir, [(q, EVERYTHING) for q in queries], full=False)
    expected_hits = found_hits = true_hits = candidates = 0
    single = 0
    for q, r in zip(queries, runs, strict=True):
        want = expected(corpus, q)
        got = set(r["results"])
        assert len(got) == len(r["results"]), f"{q!r}: a page listed twice"
        assert want <= got, f"{q!r}: missed {sorted(want - got)[:5]} ({len(want - got)} of {len(want)})"
        assert got <= want, f"{q!r}: {len(got - want)} pages that do not contain it, e.g. {sorted(got - want)[:3]}"
        assert r["total"] == len(want) and not r["approximate"] and r["complete"], q
        expected_hits += len(want)
        found_hits += len(got)
        true_hits += len(got & want)
        candidates += r["candidates"]
        single += len(parse_query(q)[0]) == 1 and not parse_query(q)[1]
    recall = true_hits / expected_hits
    print(
        f"\nstatic search recall test: {len(corpus)} pages, {len(queries)} queries "
        f"({single} single-phrase), {expected_hits} expected hits; recall {recall:.3f}, "
        f"precision {true_hits / max(found_hits, 1):.3f}; n-gram candidates before the text check: "
        f"{candidates} ({expected_hits / candidates:.1%} of them contain the query)"
    )
    assert recall == 1.0


# -- long pages, published in windows (issue 13) -----------------------------------------------


@pytest.fixture(scope="module")
def long_corpus() -> list[StaticDoc]:
    """Pages of 2,000 to 9,000 characters (most are published in windows), some short, and a
    regulation whose articles fall in different windows."""
    docs = build_docs(90, seed=77, min_chars=2000, max_chars=9000) + build_docs(30, seed=78)[:30]
    docs = [dataclasses.replace(d, url=f"{d.url}{i}/") for i, d in enumerate(docs)]
    articles = tuple(
        (
            f"第{n}条",
            f"art-{i + 1}",
            f"第{n}条 " + "本法所称检察机关依法履行法律监督职责。" * 12 + ("取保候审。" if i % 3 == 0 else ""),
        )
        for i, n in enumerate("一二三四五六七八九十")
    )
    text = "中华人民共和国测试法\n" + "\n".join(a[2] for a in articles)
    docs.append(
        StaticDoc(
            url="/regulations/test-law/",
            title="中华人民共和国测试法",
            type="regulations",
            date=dt.date(2020, 1, 1),
            text=text,
            excerpt="测试法",
            articles=articles,
        )
    )
    return docs


@pytest.fixture(scope="module")
def long_index(long_corpus: list[StaticDoc], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_index(build_static_index(long_corpus), tmp_path_factory.mktemp("static-long"))


def test_long_pages_are_published_in_windows_that_the_shards_point_to(long_corpus: list[StaticDoc]) -> None:
    files = build_static_index(long_corpus)
    assert build_static_index(list(reversed(long_corpus))) == files  # deterministic
    by_url = {d.url: d for d in long_corpus}
    split = 0
    order = id_order(long_corpus)
    shards = read_shards(files)
    for i, page in enumerate(read_docs(files)):
        d = by_url[page["u"]]
        assert page["u"] == order[i] and page["x"] == d.text  # the windows give the text back
        cut = windows(d.text)
        if cut is None:
            assert len(normalize(d.text)) <= SPLIT_CHARS or "n" not in page
            continue
        split += 1
        assert page["n"] == len(cut) and "x" not in json.loads(files[f"search/docs/0/{i}.json"])
        norm = normalize(d.text)
        held = [tokens(d.text[a:e]) for a, _c, e in cut]
        assert set().union(*held) == tokens(d.text)  # no term is lost at a cut
        at = 0
        for a, c, e in cut:
            window = normalize(d.text[a:e])
            assert norm[at : at + len(window)] == window  # a slice of the page's normalised text
            own = len(normalize(d.text[a:c]))
            assert e == len(d.text) or len(window) - own >= OVERLAP  # overlaps the next window
            assert len(window) <= 3 * SPLIT_CHARS
            at += own
        for term in tokens(d.text):
            want = [k for k, h in enumerate(held) if term in h]
            assert shards[term][2][i] == want, (term, i)
    assert split >= 80


def test_recall_and_precision_on_pages_in_windows(long_corpus: list[StaticDoc], long_index: Path) -> None:
    rng = random.Random(5)
    queries = build_queries(long_corpus, seed=9, n=300)
    for _ in range(30):  # long phrases: more than the overlap, across windows
        d = rng.choice(long_corpus[:90])
        start = rng.randrange(len(d.text) - 200)
        piece = d.text[start : start + rng.randint(OVERLAP + 1, 150)].strip().replace('"', "")
        queries.append(f'"{piece}"')
    queries += ["取保候审", "法律监督 -取保候审", "检察 -贪污 -受贿", '"职责。本法"']
    runs = run_queries(long_index, [(q, EVERYTHING) for q in queries], full=False)
    hits = 0
    for q, r in zip(queries, runs, strict=True):
        want = expected(long_corpus, q)
        got = {re.sub("#.*", "", u) for u in r["results"]}
        assert want == got, f"{q!r}: missed {sorted(want - got)[:3]}, wrong {sorted(got - want)[:3]}"
        assert r["total"] == len(want) and not r["approximate"] and r["complete"], q
        hits += len(want)
    assert hits > 2000


def test_a_first_query_reads_windows_not_whole_pages(long_corpus: list[StaticDoc], long_index: Path) -> None:
    shown = {d.url: len(d.text.encode()) for d in long_corpus}
    for q in ["法律监督", "人民检察院", "受贿 检察", '"依法"']:
        [r] = run_queries(long_index, [(q, {"perPage": 10})], cold=True)
        assert len(r["results"]) == 10, q
        windows_read = [path for path, _ in r["fetched"] if re.fullmatch(r"docs/\d+/\d+-\d+\.json", path)]
        assert windows_read and len(windows_read) <= 2 * 10, (q, len(windows_read))
        for res in r["results"]:  # the snippet, cut from a window, marks the query
            assert any(part["mark"] for part in res["snippet"]) or q.split()[0] in res["title"], (q, res["url"])
        # far from the whole texts of the pages shown: a window or two of each, and its head
        page_bytes = sum(size for path, size in r["fetched"] if path.startswith("docs/"))
        whole = sum(shown[res["page"]] for res in r["results"])
        assert page_bytes < whole / 2, (q, page_bytes, whole)


def test_a_law_in_windows_links_to_the_article(long_corpus: list[StaticDoc], long_index: Path) -> None:
    [r] = run_queries(long_index, [("取保候审", {"filters": {"type": ["regulations"]}})], cold=True)
    [law] = r["results"]
    assert law["url"] == "/regulations/test-law/#art-1" and law["article"] == "第一条"
    assert [a["label"] for a in law["articles"]] == ["第一条", "第四条", "第七条", "第十条"]
    assert law["articleCount"] == 4 and law["articlesComplete"]
    assert any(part["mark"] and part["text"] == "取保候审" for part in law["snippet"])


def test_filters_restrict_to_the_chosen_values(corpus: list[StaticDoc], index_dir: Path) -> None:
    def keep(d: StaticDoc, filters: dict[str, list[str]]) -> bool:
        values = {"type": (d.type,), **d.filters}
        return all(set(values.get(k, ())) & set(v) for k, v in filters.items())

    cases = [
        ("受贿", {"type": ["regulations"]}),
        ("检察院", {"type": ["regulations"], "validity": ["in-force"]}),
        ("公益诉讼", {"category": ["case-decision", "press-release"]}),
        ("人民检察院", {"year": ["2019"]}),
        ("规定", {"issuer": ["公安部"]}),
        ("检察", {"type": ["disclosures", "guides"], "year": ["2020", "2021"]}),
        ("检察", {"kind": ["law"], "validity": ["repealed", "amended"]}),
        ("检察", {"type": ["no-such-type"]}),
        ("贿赂", {"unknown-key": ["x"]}),  # unknown keys are ignored
    ]
    runs = run_queries(index_dir, [(q, {**EVERYTHING, "filters": f}) for q, f in cases], full=False)
    nonempty = 0
    for (q, filters), r in zip(cases, runs, strict=True):
        real = {k: v for k, v in filters.items() if k != "unknown-key"}
        hits = expected(corpus, q)
        want = {d.url for d in corpus if d.url in hits and keep(d, real)}
        assert set(r["results"]) == want, (q, filters)
        nonempty += bool(want)
    assert nonempty >= 7


def test_sort_by_date_and_by_relevance(corpus: list[StaticDoc], index_dir: Path) -> None:
    order = {url: i for i, url in enumerate(id_order(corpus))}
    by_url = {d.url: d for d in corpus}
    queries = ["受贿", "人民检察院", "公益诉讼", "检察院 不起诉", "press"]
    runs = run_queries(
        index_dir, [(q, {**EVERYTHING, "sort": s}) for q in queries for s in ("date", "relevance")], full=False
    )
    for i, q in enumerate(queries):
        by_date, by_relevance = runs[2 * i]["results"], runs[2 * i + 1]["results"]
        assert by_date == sorted(by_date, key=order.__getitem__), q
        assert sorted(by_relevance) == sorted(by_date)
        # pages whose title holds every term of the query come first (this includes every
        # page whose title contains the query); each group newest first
        phrases = parse_query(q)[0]
        terms = [set(j["phrase"]["terms"]) for j in js_parity(phrases)]
        top = {u for u in by_date if all(t <= tokens(by_url[u].title) for t in terms)}
        assert {u for u in by_date if all(contains(normalize(by_url[u].title), p) for p in phrases)} <= top
        assert by_relevance == [u for u in by_date if u in top] + [u for u in by_date if u not in top], q
        assert top, q


def test_pages_totals_and_the_text_check(corpus: list[StaticDoc], index_dir: Path) -> None:
    full, page2, cold, exact = run_queries(
        index_dir,
        [
            ("受贿 -贪污贿赂", EVERYTHING),
            ("受贿 -贪污贿赂", {"perPage": 10, "page": 2}),
            ("受贿 -贪污贿赂", {"perPage": 10, "maxVerify": 5}),
            ("贿赂", {"perPage": 5}),
        ],
        cold=True,
        full=False,
    )
    assert full["results"][10:20] == page2["results"]
    want = expected(corpus, "受贿 -贪污贿赂")
    assert 20 <= len(want) == full["total"]
    # before every candidate is checked the total is an estimate, and says so
    assert cold["approximate"] and cold["more"] and cold["candidates"] >= len(want)
    assert len(cold["results"]) == 10 and set(cold["results"]) <= want
    assert 10 <= cold["total"] <= cold["candidates"]
    assert not full["approximate"] and not full["more"]
    # a two-character query is answered by one term: its total is exact from the start
    assert not exact["approximate"] and exact["total"] == len(expected(corpus, "贿赂"))
    assert len(exact["results"]) == 5


def test_concurrent_searches_share_the_checked_candidates(corpus: list[StaticDoc], index_dir: Path) -> None:
    q = "受贿 -贪污贿赂"
    (full,) = run_queries(index_dir, [(q, EVERYTHING)], full=False)
    job = [(q, {"perPage": 10 * k}) for k in (1, 2, 3, 4, 2)]
    root = index_dir
    out = json.loads(
        subprocess.run(
            [NODE, str(RUNNER), str(_job(root, job, parallel=True))], capture_output=True, text=True, check=True
        ).stdout
    )
    for (_, options), r in zip(job, out, strict=True):
        assert r["results"] == full["results"][: options["perPage"]]


def _job(root: Path, queries: list[tuple[str, dict]], **flags: object) -> Path:
    path = root / "job-parallel.json"
    path.write_text(
        json.dumps(
            {"dir": str(root), "script": str(SCRIPT), "queries": [{"q": q, "options": o} for q, o in queries], **flags},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def test_empty_exclusion_only_and_punctuation_queries(corpus: list[StaticDoc], index_dir: Path) -> None:
    runs = run_queries(
        index_dir,
        [("", {}), ("   ", {}), ("-贿赂", {}), ('""', {}), ("，", EVERYTHING), ("〔", EVERYTHING)],
        full=False,
    )
    assert [r["total"] for r in runs[:4]] == [0, 0, 0, 0]
    assert set(runs[4]["results"]) == expected(corpus, "，") and runs[4]["results"]
    assert set(runs[5]["results"]) == expected(corpus, "〔")


def test_snippets_mark_the_query_and_escape_the_text(tmp_path: Path) -> None:
    docs = [
        doc(
            "/a/",
            "<script>alert('标题')</script>",
            "正文 <b>粗体</b> & 贪污贿赂案件，" + "填充文字。" * 40 + "再次出现贿赂。",
            dt.date(2026, 1, 2),
        ),
        doc("/b/", "贿赂在标题里", "正文没有那个词。", dt.date(2026, 1, 1)),
        doc("/c/", "Press release", "The PRESS office released a pressing note. Ｐｒｅｓｓ！", None),
    ]
    root = write_index(build_static_index(docs), tmp_path)
    bribe, press = run_queries(root, [("贿赂", {"sort": "date"}), ("press", {})])
    a, b = bribe["results"]
    assert a["title"] == "<script>alert('标题')</script>"  # data; the UI sets it as text
    assert "<script" not in a["snippetHtml"] and "&lt;b&gt;" in a["snippetHtml"] and "&amp;" in a["snippetHtml"]
    assert a["snippetHtml"].count("<mark>贿赂</mark>") == 1 and a["snippetHtml"].endswith("…")
    assert [p["text"] for p in a["snippet"] if p["mark"]] == ["贿赂"]
    assert "贿赂" not in b["snippetHtml"] and "正文没有那个词" in b["snippetHtml"]  # title-only match: excerpt
    assert b["date"] == "2026-01-01" and a["url"] == "/a/" and a["type"] == "disclosures"
    # marks are cut from the original text (case and full-width forms kept); word starts only
    (c,) = press["results"]
    marked = [p["text"] for p in c["snippet"] if p["mark"]]
    assert marked == ["PRESS", "press", "Ｐｒｅｓｓ"], marked


@pytest.mark.parametrize("script", [SCRIPT, PAGE_SCRIPT], ids=["engine", "page"])
def test_the_scripts_are_es2019_and_load_in_node(script: Path) -> None:
    code = script.read_text(encoding="utf-8")
    without_comments = re.sub(r"/\*.*?\*/|//[^\n]*", "", code, flags=re.S)
    without_strings = re.sub(r"\"(\\.|[^\"\\])*\"|'(\\.|[^'\\])*'", '""', without_comments)
    for newer in (r"\?\.", r"\?\?", r"\.replaceAll\(", r"\.at\(", r"\bclass\s+\w", r"\bimport\b", r"\bexport\b"):
        assert not re.search(newer, without_strings), newer
    proc = subprocess.run([NODE, "--check", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_engine_has_no_page_code_and_the_page_no_engine_code() -> None:
    engine = SCRIPT.read_text(encoding="utf-8")
    page = PAGE_SCRIPT.read_text(encoding="utf-8")
    assert "document." not in engine and "window." not in engine  # runs in Node as it is
    for inner in ("function normalize(", "function decodeIds(", "function phraseTerms(", "function snippet("):
        assert inner in engine and inner not in page, inner
    assert "OASearch.create(" in page and "function mountPage(" in page


# -- the /search/ page in headless Chromium --------------------------------------------------

LABELS = {
    "type": {
        "disclosures": "案件信息公开",
        "regulations": "法律法规",
        "guides": "办事指南",
        "open-days": "检察开放日",
        "pages": "页面",
    },
    "category": {"case-decision": "案件处理决定"},
    "ui": {
        "placeholder": "搜索全站",
        "results": "共 {n} 条结果",
        "none": "未找到",
        "more": "更多",
        "sort_relevance": "按相关度",
        "sort_date": "按日期",
        "all": "全部",
    },
}


def test_search_page_in_chromium(tmp_path: Path) -> None:
    from browser import CHROMIUM, browser_page, served

    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    docs = build_docs(60)
    docs.append(
        doc(
            "/disclosures/evil/",
            "<img src=x onerror=alert(1)>贿赂标题",
            "贿赂正文",
            dt.date(2030, 1, 1),
            category=("case-decision",),
        )
    )
    site = tmp_path / "sub"  # the site lives under a sub-path
    write_index(build_static_index(docs), site)
    (site / "assets").mkdir()
    shutil.copy(SCRIPT, site / "assets" / "oasearch.js")
    shutil.copy(PAGE_SCRIPT, site / "assets" / "oasearch-page.js")
    labels = json.dumps(LABELS, ensure_ascii=False).replace("'", "&#39;")
    (site / "search" / "index.html").write_text(
        '<!doctype html><html lang="zh"><meta charset="utf-8"><title>搜索</title>'
        f'<div id="oa-search" data-base="../search/" data-labels=\'{labels}\'></div>'
        '<script src="../assets/oasearch.js"></script><script src="../assets/oasearch-page.js"></script></html>',
        encoding="utf-8",
    )
    want = expected(docs, "贿赂")
    assert len(want) > 10
    with served(tmp_path) as base, browser_page() as (page, requested):
        page.goto(base + "/sub/search/?q=%E8%B4%BF%E8%B5%82&category=case-decision")
        page.wait_for_selector(".oa-search__result")
        assert page.input_value("#oa-search-q") == "贿赂"
        assert page.input_value("select[name=category]") == "case-decision"
        titles = page.locator(".oa-search__title")
        assert titles.first.inner_text() == "<img src=x onerror=alert(1)>贿赂标题"  # text, not markup
        assert page.locator("#oa-search img").count() == 0
        assert titles.first.get_attribute("href") == base + "/sub/disclosures/evil/"
        assert page.locator(".oa-search__badge").first.inner_text() == "案件信息公开"
        # clearing the filter: all pages containing the query, ten at a time, "more" for the rest
        page.select_option("select[name=category]", "")
        page.wait_for_function("!location.search.includes('category')")
        page.wait_for_function(f"document.querySelector('.oa-search__status').textContent === '共 {len(want)} 条结果'")
        assert page.locator(".oa-search__result").count() == min(10, len(want))
        assert page.locator(".oa-search__result mark").first.inner_text() == "贿赂"
        page.click(".oa-search__more")
        page.wait_for_function(f"document.querySelectorAll('.oa-search__result').length === {min(20, len(want))}")
        hrefs = {
            h.replace(base + "/sub", "")
            for h in page.eval_on_selector_all(".oa-search__title", "els => els.map(e => e.href)")
        }
        assert hrefs <= want
        # typing a new query and sorting by date update the shareable URL
        page.fill("#oa-search-q", "公益诉讼")
        page.select_option("select[name=sort]", "date")
        page.wait_for_function("location.search.includes('sort=date')")
        page.wait_for_function(
            "document.querySelector('.oa-search__result mark') && "
            "document.querySelector('.oa-search__result mark').textContent === '公益诉讼'"
        )
        assert "q=%E5%85%AC%E7%9B%8A%E8%AF%89%E8%AE%BC" in page.evaluate("location.search")
        page.fill("#oa-search-q", "没有这个词组合")
        page.press("#oa-search-q", "Enter")
        page.wait_for_function("document.querySelector('.oa-search__status').textContent === '未找到'")
    assert all(url.startswith(base) for url in requested)


def test_static_doc_is_frozen() -> None:
    d = doc("/x/", "t", "body")
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.title = "u"  # type: ignore[misc]
