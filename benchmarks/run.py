"""OpenAffairs benchmarks: build times, search index sizes and query costs, API load.

    python benchmarks/run.py build  [--records 2000]      # sample site + N generated records
    python benchmarks/run.py check  [--records 2000]      # `openaffairs check` (pre-commit, CI) on the same
    python benchmarks/run.py search [--records 20000]     # static vs mkdocs search, fielded search, API
    python benchmarks/run.py scale  [--records 2000,20000] [--peers mkdocs,hugo] [--peer-timeout 1800]
                                    # issue 13: cold / no-change / one-record builds, peak RSS,
                                    # filter share, next to stock mkdocs-material and Hugo
    python benchmarks/run.py all

Figures go to stdout (a Markdown table) and to benchmarks/out/*.json; the ones
we publish are copied by hand into docs/performance.md with the date and machine.
Timings are wall-clock on whatever else the machine is doing: run on an idle box.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
NOW = "2026-11-26T10:00:00+08:00"
PY = sys.executable
sys.path.insert(0, str(REPO))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def timed_build(site: Path, out: Path) -> dict:
    """One `openaffairs build` in a child process: wall time, stage timings, peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "generator", "build", "--now", NOW, "--out", str(out)], cwd=site, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(proc.stderr)
    last = proc.stdout.strip().splitlines()[-1]
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": round(wall, 2), "summary": last, "peak_rss_mb": round(max(rss, before) / 1024)}


def generate(records: int, folder: Path) -> None:
    if not (folder / "site_config.yml").exists():
        subprocess.run(
            [PY, str(REPO / "benchmarks/generate.py"), "--records", str(records), "--out", str(folder)],
            check=True,
            capture_output=True,
        )
        # a build does not trust the signature of a file changed within the last second
        # (``cache.RACY_NS``): without this pause, the first build after the corpus is made
        # records no "unchanged" state and the next (the no-change figure) builds again
        time.sleep(1.2)


def bench_build(records: int) -> dict:
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        shutil.copytree(
            REPO,
            sample,
            ignore=shutil.ignore_patterns(
                ".venv", ".git", "site", "build", ".openaffairs", "tests", "benchmarks", "docs", "*.egg-info"
            ),
        )
        runs = [timed_build(sample, sample / "site") for _ in range(3)]
        results["sample"] = {"median_wall_s": statistics.median(r["wall_s"] for r in runs), "runs": runs}
    big = Path(tempfile.gettempdir()) / f"oa-bench-{records}"
    generate(records, big)
    runs = [timed_build(big, big / "site") for _ in range(2)]
    results[f"generated_{records}"] = {
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "runs": runs,
        "output_mb": round(sum(p.stat().st_size for p in (big / "site").rglob("*") if p.is_file()) / 1e6, 1),
    }
    return results


def timed_check(site: Path, *extra: str) -> float:
    """One whole `openaffairs check` (interpreter start included) in a child process: wall seconds."""
    start = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "generator", "check", "--now", NOW, *extra], cwd=site, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    return round(wall, 2)


def bench_check(records: int) -> dict:
    """`openaffairs check` as pre-commit and CI run it, on the sample site and on N generated records."""
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        shutil.copytree(
            REPO,
            sample,
            ignore=shutil.ignore_patterns(
                ".venv", ".git", "site", "build", ".openaffairs", "tests", "benchmarks", "docs", "*.egg-info"
            ),
        )
        big = Path(tempfile.gettempdir()) / f"oa-bench-{records}"
        generate(records, big)
        for name, site in (("sample", sample), (f"generated_{records}", big)):
            subprocess.run(["git", "init", "-q", "-b", "main"], cwd=site, check=True)
            subprocess.run(["git", "add", "-A"], cwd=site, check=True)
            subprocess.run(
                ["git", "-c", "user.name=b", "-c", "user.email=b@example.org", "commit", "-qm", "b"],
                cwd=site,
                check=True,
            )
            row = {}
            for label, extra in (
                ("text", ()),
                ("strict_github", ("--strict", "--format", "github")),
                ("changed_since", ("--strict", "--changed-since", "HEAD")),
            ):
                runs = [timed_check(site, *extra) for _ in range(3)]
                row[label] = {"median_wall_s": statistics.median(runs), "runs": runs}
            results[name] = row
            shutil.rmtree(site / ".git")
    return results


# --- search -------------------------------------------------------------------------------

LEGAL_TERMS = [
    "人民检察院",
    "检察院",
    "察院",
    "法律监督",
    "受贿",
    "行贿",
    "贿赂",
    "贪污",
    "不起诉",
    "认罪认罚",
    "未成年人",
    "公益诉讼",
    "检察建议",
    "刑事诉讼法",
    "提起公诉",
    "审查起诉",
    "逮捕",
    "诈骗",
    "危险驾驶",
    "盗窃",
    "检察开放日",
    "行贿犯罪档案查询",
    "12309",
    "2026",
    "人民法院",
    "有期徒刑",
    "罚金",
    "procuratorate",
    "open",
    "公开听证",
    "社区矫正",
    "司法解释",
    "最高人民检察院",
    "案件信息公开",
]


def query_set(texts: list[str], n: int = 200, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    queries = list(LEGAL_TERMS)
    while len(queries) < n:
        text = rnd.choice(texts)
        size = rnd.choice([2, 2, 3, 4, 4, 5, 6])
        if len(text) <= size:
            continue
        start = rnd.randrange(0, len(text) - size)
        q = text[start : start + size]
        if q.strip() == q and all(c.isalnum() for c in q):
            queries.append(q)
    return queries


def static_costs(site_out: Path, queries: list[str]) -> dict:
    files = [p for p in (site_out / "search").rglob("*") if p.is_file()]
    job = {
        "dir": str(site_out),
        "script": str(REPO / "theme/assets/oasearch.js"),
        "cold": True,
        "full": False,
        "queries": [{"q": q, "options": {"perPage": 10}} for q in queries],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(job, f)
    proc = subprocess.run(
        ["node", str(REPO / "tests/js/run_queries.mjs"), f.name], capture_output=True, text=True, check=True
    )
    runs = json.loads(proc.stdout)
    per_query = [r["bytes"] for r in runs]
    gz = {}
    for r in runs:
        for path, _ in r["fetched"]:
            if path not in gz:
                gz[path] = len(gzip.compress((site_out / "search" / path.split("?")[0]).read_bytes(), 6, mtime=0))
    per_query_gz = [sum(gz[p] for p, _ in r["fetched"]) for r in runs]
    return {
        "index_files": len(files),
        "index_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "query_kb_median": round(statistics.median(per_query) / 1024, 1),
        "query_kb_p95": round(pct(per_query, 95) / 1024, 1),
        "query_kb_gzip_median": round(statistics.median(per_query_gz) / 1024, 1),
        "query_kb_gzip_p95": round(pct(per_query_gz, 95) / 1024, 1),
        "query_ms_median_node": round(statistics.median(r["ms"] for r in runs), 1),
        "script_kb": round(
            sum((REPO / "theme/assets" / n).stat().st_size for n in ("oasearch.js", "oasearch-page.js")) / 1024, 1
        ),
    }


def mkdocs_builtin_search(site: Path) -> dict:
    """The same pages built by mkdocs-material with its built-in search plugin on."""
    os.chdir(site)
    from generator import site as site_module
    from generator.pipeline import configure, prepare, resolve_now
    from generator.rendering import render_site

    report = prepare(*configure(Path("site_config.yml"), NOW))
    rendered = render_site(report.public, report.config, resolve_now(NOW))
    original = site_module._mkdocs_config

    def with_search(*args, **kwargs):  # benchmark only: the product never turns it on
        cfg = original(*args, **kwargs)
        cfg["plugins"] = [{"search": {"lang": ["zh"] if report.config.language == "zh" else ["en"]}}]
        return cfg

    results = {}
    for name, factory in (("without", original), ("with", with_search)):
        site_module._mkdocs_config = factory
        staging = Path(tempfile.mkdtemp(prefix="oa-mk-"))
        start = time.perf_counter()
        site_module.stage_site(rendered, report.config, staging, resolve_now(NOW))
        results[name + "_s"] = round(time.perf_counter() - start, 1)
        index = staging / "site/search/search_index.json"
        if index.exists():
            data = index.read_bytes()
            results["index_mb"] = round(len(data) / 1e6, 1)
            results["index_mb_gzip"] = round(len(gzip.compress(data, 6, mtime=0)) / 1e6, 1)
        shutil.rmtree(staging)
    site_module._mkdocs_config = original
    results["search_plugin_s"] = round(results["with_s"] - results["without_s"], 1)
    return results


def fielded_latency(index_dir: Path, queries: list[str]) -> dict:
    from generator.search import search

    for q in queries[:20]:
        search(index_dir, q, limit=10)
    times = []
    for q in queries:
        start = time.perf_counter()
        search(index_dir, q, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    fielded = [
        "issuer:最高人民检察院 validity:in-force 受贿",
        "issued:[2015 to 2020]",
        "date:2026 category:case-decision",
        '"法律监督" AND type:regulations',
    ]
    ftimes = []
    for q in fielded:
        start = time.perf_counter()
        search(index_dir, q, limit=10)
        ftimes.append((time.perf_counter() - start) * 1000)
    return {
        "queries": len(queries),
        "ms_median": round(statistics.median(times), 1),
        "ms_p95": round(pct(times, 95), 1),
        "ms_max": round(max(times), 1),
        "fielded_ms": [round(t, 1) for t in ftimes],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_api(site: Path, out: Path | str, extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], int]:
    """``openaffairs api`` for ``out`` in a child process, once it accepts connections
    (at most 2 minutes): the process and its port."""
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "generator", "api", "--out", str(out), "--port", str(port), *extra],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    return server, port


def api_load(
    site: Path, out: Path, queries: list[str], clients: int = 32, seconds: float = 30.0, extra: tuple[str, ...] = ()
) -> dict:
    server, port = start_api(site, out, extra)
    try:
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def client(seed: int) -> None:
            rnd = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine, bad = [], []
            while time.perf_counter() < stop:
                q = urllib.parse.quote(rnd.choice(queries))
                start = time.perf_counter()
                try:
                    conn.request("GET", f"/api/search?q={q}&limit=10")
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 200:
                        bad.append(str(resp.status))
                except (OSError, http.client.HTTPException) as exc:
                    bad.append(type(exc).__name__)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                mine.append((time.perf_counter() - start) * 1000)
            with lock:
                latencies.extend(mine)
                errors.extend(bad)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        begin = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - begin
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {**load_figures(latencies, elapsed, clients), "errors": len(errors), "error_kinds": sorted(set(errors))[:5]}


def load_figures(latencies: list[float], elapsed: float, clients: int) -> dict:
    """What a load run reports: requests, requests/s, median and p99 latency (ms)."""
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "ms_median": round(statistics.median(latencies), 1),
        "ms_p99": round(pct(latencies, 99), 1),
    }


def bench_search(records: int) -> dict:
    site = Path(tempfile.gettempdir()) / f"oa-bench-{records}"
    generate(records, site)
    out = site / "site"
    results: dict = {"build": timed_build(site, out)}
    os.chdir(site)
    from generator.pipeline import configure, prepare
    from generator.search import static_docs

    report = prepare(*configure(Path("site_config.yml"), NOW))
    docs = static_docs(report.public, report.config)
    results["published_pages"] = len(docs)
    queries = query_set([d.text for d in docs])
    results["static"] = static_costs(out, queries)
    results["mkdocs_builtin_search"] = mkdocs_builtin_search(site)
    from generator.search import index_dir_for

    results["fielded"] = fielded_latency(index_dir_for(out), queries)
    os.chdir(REPO)
    results["api"] = api_load(site, out, queries)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["build", "check", "search", "scale", "all"])
    parser.add_argument("--records", default=None, help="a number; for scale a comma-separated list")
    parser.add_argument("--peers", default="mkdocs,hugo", help="scale: peers to run (mkdocs,hugo; '' for none)")
    parser.add_argument("--peer-timeout", type=float, default=1800.0, help="scale: seconds per peer build")
    parser.add_argument(
        "--no-search", action="store_true", help="scale: skip the search figures (static, warm, API; the laws)"
    )
    args = parser.parse_args()
    if args.what == "scale":
        from scale import bench_scale, table

        sizes = [int(n) for n in (args.records or "2000,20000").split(",")]
        OUT.mkdir(parents=True, exist_ok=True)
        scaled = bench_scale(sizes, args.peers, args.peer_timeout, search=not args.no_search)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (OUT / f"scale-{stamp}.json").write_text(json.dumps(scaled, ensure_ascii=False, indent=2), "utf-8")
        print(table(scaled))
        return 0
    args.records = int(args.records) if args.records else None
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    if args.what in ("build", "all"):
        results["build"] = bench_build(args.records or 2000)
    if args.what in ("check", "all"):
        results["check"] = bench_check(args.records or 2000)
    if args.what in ("search", "all"):
        results["search"] = bench_search(args.records or 20000)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT / f"{args.what}-{stamp}.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
