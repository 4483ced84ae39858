"""Benchmark of the public static search (generator/static_search.py + theme/assets/oasearch.js).

Builds the index of a corpus and reports the build time, the total index size, and the
bytes a visitor's first query downloads: every query of the query set runs with an empty
cache (a new visitor: meta.json included, the scripts themselves not), through the real
JavaScript in Node, asking for the first page of 10 results. Sizes are as stored; "gzip"
columns are what a server compressing on the fly would send. Three corpora:

    python benchmarks/static_search_bench.py --pages 20000     # synthetic pages (tests/search_corpus_static.py)
    python benchmarks/static_search_bench.py --records 20000   # benchmarks/generate.py records, privacy-filtered
    python benchmarks/static_search_bench.py --laws [DIR]      # real law texts (benchmarks/laws_to_records.py)

``--records`` and ``--laws`` run the real pipeline up to the static index (load, validate,
gate, privacy filter, ``static_docs``), without MkDocs. ``--json`` prints the figures.
``measure(docs, queries)`` returns them as a dict for other reports.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from search_corpus_static import build_docs, build_queries  # noqa: E402

from generator.static_search import StaticDoc, build_static_index  # noqa: E402

NOW = "2026-11-26T10:00:00+08:00"

SCRIPT = REPO / "theme" / "assets" / "oasearch.js"
RUNNER = REPO / "tests" / "js" / "run_queries.mjs"
PAGE_SCRIPT = REPO / "theme" / "assets" / "oasearch-page.js"  # the page: loaded, not needed in Node


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def synthetic_corpus(pages: int, seed: int = 20260427, queries: int = 260) -> tuple[list[StaticDoc], list[str]]:
    """`pages` synthetic pages of 600-1,500 characters and the recall test's kind of queries."""
    docs = build_docs(pages, seed=seed, min_chars=600, max_chars=1500)
    return docs, build_queries(docs, seed=seed, n=queries)


def _pipeline_docs(site: Path) -> list[StaticDoc]:
    """The static search's pages of a site folder, as ``openaffairs build`` makes them."""
    from generator.pipeline import configure, prepare
    from generator.search import static_docs

    cwd = Path.cwd()
    os.chdir(site)
    try:
        report = prepare(*configure(Path("site_config.yml"), NOW))
    finally:
        os.chdir(cwd)
    listed = [p for p in report.public if (p.type, p.id) not in report.drafts]
    return static_docs(listed, report.config)


def records_corpus(records: int, seed: int = 2026, queries: int = 260) -> tuple[list[StaticDoc], list[str]]:
    """benchmarks/generate.py's records, through the privacy filter, and queries cut from them."""
    from generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(records, Path(tmp) / "site", seed)
        docs = _pipeline_docs(Path(tmp) / "site")
    return docs, build_queries(docs, seed=seed, n=queries)


def law_queries(docs: Sequence[StaticDoc], n: int = 260, seed: int = 8) -> list[str]:
    """Legal terms from the recall test's set, then phrases of 2 to 8 Chinese characters cut
    from the laws' text (as benchmarks/laws_search_recall.py does), some as two-phrase ANDs."""
    fixed = [q for q in build_queries([], n=0) if re.fullmatch(r"[\u4e00-\u9fff]{2,}", q)]
    rng = random.Random(seed)
    out = fixed[: n // 2]
    while len(out) < n:
        text = rng.choice(docs).text
        i = rng.randrange(0, max(1, len(text) - 12))
        m = re.search(r"[\u4e00-\u9fff]{2,8}", text[i : i + 40])
        if not m:
            continue
        out.append(m.group() if rng.random() < 0.8 else m.group() + " " + rng.choice(fixed))
    return list(dict.fromkeys(out))


def laws_corpus(laws_dir: Path | None = None, queries: int = 260) -> tuple[list[StaticDoc], list[str]]:
    """Real law texts (benchmarks/laws_to_records.py), through the privacy filter."""
    from laws_to_records import convert, default_laws_dir

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "laws"
        written, problems = convert(laws_dir or default_laws_dir(), site, REPO / "site_config.yml")
        if problems:
            raise RuntimeError(problems[0])
        docs = _pipeline_docs(site)
    return docs, law_queries(docs, queries)


def measure(docs: Sequence[StaticDoc], query_set: Sequence[str], corpus: str = "") -> dict[str, Any]:
    """Build the index of `docs` and measure a first query of each of `query_set` (bytes)."""
    t0 = time.perf_counter()
    files = build_static_index(docs)
    build_s = time.perf_counter() - t0

    gz = {path: len(gzip.compress(data, 6, mtime=0)) for path, data in files.items()}
    kinds: dict[str, list[int]] = {}
    for path, data in files.items():
        kinds.setdefault(path.split("/")[1].split(".")[0], []).append(len(data))

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, data in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        job = {
            "dir": str(root),
            "script": str(SCRIPT),
            "cold": True,
            "full": False,
            "queries": [{"q": q, "options": {"perPage": 10}} for q in query_set],
        }
        (root / "job.json").write_text(json.dumps(job), encoding="utf-8")
        t0 = time.perf_counter()
        proc = subprocess.run(["node", str(RUNNER), str(root / "job.json")], capture_output=True, text=True, check=True)
        node_s = time.perf_counter() - t0
    runs = json.loads(proc.stdout)
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        raise RuntimeError(errors[0])
    per_query = [r["bytes"] for r in runs]
    per_query_gz = [sum(gz["search/" + p] for p, _ in r["fetched"]) for r in runs]
    per_query_files = [len(r["fetched"]) for r in runs]
    latency = [r["ms"] for r in runs]
    scripts = [SCRIPT, PAGE_SCRIPT]
    return {
        "corpus": corpus,
        "pages": len(docs),
        "text_chars_median": statistics.median(len(d.text) for d in docs),
        "text_chars_max": max(len(d.text) for d in docs),
        "queries": len(query_set),
        "build_s": round(build_s, 2),
        "shards": json.loads(files["search/meta.json"])["shards"],
        "index_files": len(files),
        "index_bytes": sum(len(v) for v in files.values()),
        "index_bytes_gzip": sum(gz.values()),
        "by_kind": {k: {"files": len(v), "bytes": sum(v), "max": max(v)} for k, v in sorted(kinds.items())},
        "meta_bytes": len(files["search/meta.json"]),
        "script_bytes": sum(p.stat().st_size for p in scripts),
        "script_bytes_gzip": sum(len(gzip.compress(p.read_bytes(), 6, mtime=0)) for p in scripts),
        "query_bytes_median": statistics.median(per_query),
        "query_bytes_p95": _pct(per_query, 95),
        "query_bytes_max": max(per_query),
        "query_bytes_gzip_median": statistics.median(per_query_gz),
        "query_bytes_gzip_p95": _pct(per_query_gz, 95),
        "query_files_median": statistics.median(per_query_files),
        "query_files_p95": _pct(per_query_files, 95),
        "query_ms_median_node": round(statistics.median(latency), 2),
        "query_ms_p95_node": round(_pct(latency, 95), 2),
        "approximate_share": round(sum(1 for r in runs if r["approximate"]) / len(runs), 3),
        "node_total_s": round(node_s, 2),
        "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pages", type=int, help="synthetic pages (default: 20,000 when no corpus is named)")
    which.add_argument("--records", type=int, help="records of benchmarks/generate.py, privacy-filtered")
    which.add_argument(
        "--laws", nargs="?", type=Path, const=Path(), help="real law texts (default folder ../shared/corpus/laws)"
    )
    parser.add_argument("--queries", type=int, default=260)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.records:
        docs, queries = records_corpus(args.records, queries=args.queries)
        corpus = f"{args.records:,} generated records"
    elif args.laws is not None:
        docs, queries = laws_corpus(args.laws if str(args.laws) not in ("", ".") else None, queries=args.queries)
        corpus = "real law texts"
    else:
        docs, queries = synthetic_corpus(args.pages or 20_000, queries=args.queries)
        corpus = f"{len(docs):,} synthetic pages"
    generate_s = time.perf_counter() - t0
    m = measure(docs, queries, corpus)
    m["generate_s"] = round(generate_s, 2)
    if args.json:
        print(json.dumps(m, indent=2, ensure_ascii=False))
        return
    print(f"corpus                {m['corpus']}")
    print(
        f"pages                 {m['pages']:,} ({m['queries']} queries), text median {m['text_chars_median']:,.0f} chars, max {m['text_chars_max']:,}"
    )
    print(
        f"index build           {m['build_s']:.1f} s (generating the pages: {m['generate_s']:.1f} s; "
        f"peak memory of the process {m['python_peak_rss_mb']:,} MB)"
    )
    print(
        f"index size            {m['index_files']:,} files, {m['index_bytes'] / 2**20:,.1f} MB "
        f"({m['index_bytes_gzip'] / 2**20:,.1f} MB gzipped), {m['shards']} shards"
    )
    for kind, v in m["by_kind"].items():
        print(f"  {kind:<19} {v['files']:>6,} files {v['bytes'] / 2**20:8.1f} MB   largest {_kb(v['max'])}")
    print(f"scripts               {_kb(m['script_bytes'])} ({_kb(m['script_bytes_gzip'])} gzipped), loaded once")
    print(
        f"bytes per query       median {_kb(m['query_bytes_median'])}, p95 {_kb(m['query_bytes_p95'])}, "
        f"max {_kb(m['query_bytes_max'])} (cold cache, first page of 10)"
    )
    print(f"  gzipped             median {_kb(m['query_bytes_gzip_median'])}, p95 {_kb(m['query_bytes_gzip_p95'])}")
    print(f"files per query       median {m['query_files_median']}, p95 {m['query_files_p95']}")
    print(
        f"query time in Node    median {m['query_ms_median_node']} ms, p95 {m['query_ms_p95_node']} ms "
        "(local files, no network)"
    )
    print(f"totals shown as 'about N' for {m['approximate_share']:.0%} of the queries")


if __name__ == "__main__":
    main()
