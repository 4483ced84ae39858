"""Benchmark of the public static search (generator/static_search.py + theme/assets/oasearch.js).

Generates N pages of Chinese legal text (tests/search_corpus_static.py, 600-1,500 characters
of body each), builds the index, and reports the build time, the total index size, and the
bytes one query downloads: every query of the query set runs with an empty cache (a new
visitor: meta.json included, the script itself not), through the real JavaScript in Node,
asking for the first page of 10 results. Sizes are as stored; "gzip" columns are what a
server compressing on the fly would send.

    python benchmarks/static_search_bench.py [--pages 20000] [--json]

``measure(pages)`` returns the figures as a dict for other reports.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from search_corpus_static import build_docs, build_queries  # noqa: E402

from generator.static_search import build_static_index  # noqa: E402

SCRIPT = REPO / "theme" / "assets" / "oasearch.js"
RUNNER = REPO / "tests" / "js" / "run_queries.mjs"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(pages: int = 20_000, seed: int = 20260427, queries: int = 260) -> dict:
    """Build an index of `pages` generated pages and measure it (sizes in bytes)."""
    t0 = time.perf_counter()
    docs = build_docs(pages, seed=seed, min_chars=600, max_chars=1500)
    generate_s = time.perf_counter() - t0
    query_set = build_queries(docs, seed=seed, n=queries)

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
    return {
        "pages": pages,
        "queries": len(query_set),
        "generate_s": round(generate_s, 2),
        "build_s": round(build_s, 2),
        "shards": json.loads(files["search/meta.json"])["shards"],
        "index_files": len(files),
        "index_bytes": sum(len(v) for v in files.values()),
        "index_bytes_gzip": sum(gz.values()),
        "by_kind": {k: {"files": len(v), "bytes": sum(v), "max": max(v)} for k, v in sorted(kinds.items())},
        "meta_bytes": len(files["search/meta.json"]),
        "script_bytes": SCRIPT.stat().st_size,
        "script_bytes_gzip": len(gzip.compress(SCRIPT.read_bytes(), 6, mtime=0)),
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=260)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    m = measure(args.pages, queries=args.queries)
    if args.json:
        print(json.dumps(m, indent=2, ensure_ascii=False))
        return
    print(f"pages                 {m['pages']:,} ({m['queries']} queries)")
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
    print(f"oasearch.js           {_kb(m['script_bytes'])} ({_kb(m['script_bytes_gzip'])} gzipped), loaded once")
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
