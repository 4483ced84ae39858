"""The journalists' search on N generated records, without building the site.

    python benchmarks/search_bench.py --records 100000            # SQLite FTS5 (the engine)
    python benchmarks/search_bench.py --records 20000 --engine whoosh   # the engine it replaced

Generates the records (benchmarks/generate.py, cached in /tmp/oa-bench-N), runs
the checks and the privacy filter in-process (``prepare``), writes the index
where ``build`` would (``.openaffairs/search-site`` beside ``site/``), then measures:

- index: write time, size on disk;
- warm: every query of the benchmark's set once after one warm-up pass, in this
  process: median, p95, max, per kind (broad terms and random substrings as
  typed, quoted phrases, fielded queries);
- one-shot: ``openaffairs search`` as a new process per query (median wall time);
- API: ``openaffairs api`` (one waitress process per core) under 32 clients for
  30 s on loopback, random queries of the set: requests/s, median, p99, errors;
  once with ``--no-cache`` (every request runs its query) and once as deployed
  (a repeated query is answered from the generation's kept answers).

``--engine whoosh`` measures the whoosh 2.7.4 index this project used before
(its module is read from git history, commit WHOOSH_COMMIT, benchmark only):
as shipped (every match scored, UnlimitedCollector) and made as fast as whoosh
goes (top-N collection, the total counted without scoring).  The API is not
run for whoosh (the server now runs FTS5).  Results go to stdout as JSON and
to benchmarks/out/search-<engine>-<N>-<time>.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from run import NOW, OUT, PY, api_load, generate, pct, query_set  # noqa: E402

WHOOSH_COMMIT = "37aa214"  # the last commit with generator/search_index.py (whoosh)

FIELDED = [
    "issuer:最高人民检察院 validity:in-force 受贿",
    "issued:[2015 to 2020]",
    "date:2026 category:case-decision",
    '"法律监督" AND type:regulations',
    "type:disclosures 诈骗 NOT 合同诈骗",
    "date:[2026-01-01 to 2026-06-30] 盗窃",
    "category:case-decision date:2026-03",
    "title:起诉书 date:2026",
    "tags:=职务犯罪",
    "(受贿 OR 行贿) type:disclosures",
    "case_number:刑诉",
    "kind:law validity:in-force",
    "body:认罪认罚 -危险驾驶",
    "effective:>=2020",
    "NOT type:disclosures",
    "type:guides 申请",
    "受贿 OR date:2026-02",
    "summary:(诈骗 OR 盗窃)",
    "id:d-000123",
    "危险驾驶 date:2026 category:case-decision",
]


def phrase_set(texts: list[str], n: int = 30, seed: int = 11) -> list[str]:
    """Quoted phrases of 5 to 10 characters cut from the records' text."""
    rnd = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        text = rnd.choice(texts)
        size = rnd.randint(5, 10)
        if len(text) <= size:
            continue
        start = rnd.randrange(0, len(text) - size)
        q = text[start : start + size]
        if q.strip() == q and all(c.isalnum() for c in q):
            out.append(f'"{q}"')
    return out


def load_records(records: int) -> tuple[Path, list[Any], Any, float]:
    """(site folder, published records listed in search, config, seconds for checks + filter)."""
    import os

    site = Path(tempfile.gettempdir()) / f"oa-bench-{records}"
    generate(records, site)
    os.chdir(site)
    from generator.pipeline import prepare

    start = time.perf_counter()
    report = prepare(Path("site_config.yml"), NOW)
    seconds = time.perf_counter() - start
    os.chdir(REPO)
    listed = [p for p in report.public if (p.type, p.id) not in report.drafts]
    return site, listed, report.config, seconds


def timed(fn: Callable[[str], Any], queries: list[str]) -> list[float]:
    times = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {
        "n": len(times),
        "ms_median": round(statistics.median(times), 1),
        "ms_p95": round(pct(times, 95), 1),
        "ms_max": round(max(times), 1),
        "under_50ms": sum(t <= 50 for t in times),
    }


def warm(fn: Callable[[str], Any], kinds: dict[str, list[str]]) -> dict[str, Any]:
    everything = [q for qs in kinds.values() for q in qs]
    for q in everything:  # warm-up pass: page cache, parser cache, imports
        fn(q)
    out: dict[str, Any] = {}
    all_times: list[float] = []
    for kind, qs in kinds.items():
        times = timed(fn, qs)
        all_times += times
        out[kind] = summary(times)
    out["all"] = summary(all_times)
    slow = sorted(zip(all_times, everything, strict=True), reverse=True)[:5]
    out["slowest"] = [[round(t, 1), q] for t, q in slow]
    return out


def one_shot(site: Path, queries: list[str]) -> dict[str, float]:
    times = []
    for q in queries:
        start = time.perf_counter()
        subprocess.run(
            [PY, "-m", "generator", "search", "--out", "site", "--limit", "10", q],
            cwd=site,
            check=True,
            capture_output=True,
        )
        times.append((time.perf_counter() - start) * 1000)
    return {"n": len(times), "ms_median": round(statistics.median(times), 1), "ms_max": round(max(times), 1)}


def dir_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


def bench_fts(site: Path, docs: list[Any], kinds: dict[str, list[str]], api: bool) -> dict[str, Any]:
    from generator.search import index_dir_for, write_index
    from generator.search import search as cached

    def search(root: Path, q: str, limit: int) -> Any:  # the engine's own speed: no kept answers
        return cached(root, q, limit=limit, cache=False)

    root = index_dir_for(site / "site")
    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    write_index(docs, root)
    results: dict[str, Any] = {"index_write_s": round(time.perf_counter() - start, 1), "index_mb": dir_mb(root)}
    results["warm"] = warm(lambda q: search(root, q, limit=10), kinds)
    totals = {q: search(root, q, limit=1).total for q in kinds["broad"][:5]}
    results["totals_of_some_broad_terms"] = totals
    results["one_shot_cli"] = one_shot(site, kinds["broad"][:5] + kinds["phrases"][:3] + kinds["fielded"][:2])
    if api:
        everything = [q for qs in kinds.values() for q in qs]
        results["api_no_cache"] = api_load(site, site / "site", everything, extra=("--no-cache",))
        results["api"] = api_load(site, site / "site", everything)
    return results


def _whoosh_module() -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{WHOOSH_COMMIT}:generator/search_index.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="oa-whoosh-")) / "search_index_whoosh.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("generator._whoosh_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def bench_whoosh(site: Path, docs: list[Any], kinds: dict[str, list[str]]) -> dict[str, Any]:
    wh = _whoosh_module()
    root = Path(tempfile.gettempdir()) / f"oa-whoosh-index-{site.name}"
    shutil.rmtree(root, ignore_errors=True)
    old = [wh.SearchDoc(**{f.name: getattr(d, f.name) for f in dataclasses.fields(d)}) for d in docs]
    start = time.perf_counter()
    wh.write_index(old, root)
    results: dict[str, Any] = {"index_write_s": round(time.perf_counter() - start, 1), "index_mb": dir_mb(root)}
    wh.warm_up()
    results["as_shipped"] = warm(lambda q: wh.search(root, q, limit=10), kinds)

    def top_n(q: str, limit: int = 10) -> tuple[int, list[Any]]:
        """whoosh as fast as it goes: score only the top N, count the rest unscored."""
        parsed = wh._parse(q)
        with wh._open_current(root) as ix, ix.searcher() as searcher:
            res = searcher.search(parsed.query, limit=limit)
            total = len(res)  # counts the matches without scoring them (docs_for_query)
            hits = [searcher.stored_fields(docnum) for docnum in res.docs()]
            rx = wh._highlight_re(tuple(parsed.literals))
            for stored in hits:
                wh._make_snippet(stored, rx)
            return total, hits

    results["top_n"] = warm(top_n, kinds)
    shutil.rmtree(root, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--engine", choices=["fts", "whoosh"], default="fts")
    parser.add_argument("--no-api", action="store_true", help="skip the API load test")
    parser.add_argument("--reuse", action="store_true", help="reuse the records of the last run (no checks)")
    args = parser.parse_args()
    from generator.search import record_text, search_docs

    cache = Path(tempfile.gettempdir()) / f"oa-bench-{args.records}" / ".search-bench.pickle"
    if args.reuse and cache.exists():  # the same records as the last run: skip the checks
        site, texts, docs, filter_s = pickle.loads(cache.read_bytes())
    else:
        site, listed, config, filter_s = load_records(args.records)
        texts = [record_text(p, config.language) for p in listed if not p.is_tombstone]
        docs = search_docs(listed, config)
        cache.write_bytes(pickle.dumps((site, texts, docs, filter_s)))
    kinds = {"broad": query_set(texts), "phrases": phrase_set(texts), "fielded": FIELDED}
    results: dict[str, Any] = {
        "records": args.records,
        "indexed": len(docs),
        "engine": args.engine,
        "checks_and_filter_s": round(filter_s, 1),
    }
    if args.engine == "fts":
        results.update(bench_fts(site, docs, kinds, api=not args.no_api))
    else:
        results.update(bench_whoosh(site, docs, kinds))
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = json.dumps(results, ensure_ascii=False, indent=2)
    (OUT / f"search-{args.engine}-{args.records}-{stamp}.json").write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
