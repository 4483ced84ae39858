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
- API: ``openaffairs api`` under 32 keep-alive clients for 30 s on loopback:
  requests/s, median, p99, errors.  The load (``api_sessions``): every request
  different from every other -- the set's queries and more drawn the same way,
  fielded ones built from them, 10 or 20 results, by relevance or date, some of
  one type, and the next pages for 30 % of them -- so the API's kept answers
  never answer one; run as deployed (one single-threaded process per core) and
  with one process running a thread per core; then, for comparison with the figures
  before, the old load (the 250 queries of the set drawn at random: repeats).

``--engine whoosh`` measures the whoosh 2.7.4 index this project used before
(its module is read from git history, commit WHOOSH_COMMIT, benchmark only):
as shipped (every match scored, UnlimitedCollector) and made as fast as whoosh
goes (top-N collection, the total counted without scoring).  The API is not
run for whoosh (the server now runs FTS5).  Results go to stdout as JSON and
to benchmarks/out/search-<engine>-<N>-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.util
import json
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from run import NOW, OUT, PY, generate, load_figures, pct, query_set, start_api  # noqa: E402

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

    site = Path(tempfile.gettempdir()) / f"oa-bench-{records}"
    generate(records, site)
    os.chdir(site)
    from generator.pipeline import configure, prepare

    start = time.perf_counter()
    report = prepare(*configure(Path("site_config.yml"), NOW))
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


TEMPLATES = [  # fielded queries around a drawn term t (u: a second term, p: a phrase)
    "type:disclosures {t}",
    "type:regulations {t}",
    "{t} date:2026",
    "title:{t}",
    "{t} NOT {u}",
    "({t} OR {u}) type:disclosures",
    "issuer:最高人民检察院 {t}",
    "body:{t} date:[2026-01-01 to 2026-06-30]",
    '"{p}" AND type:regulations',
    "category:case-decision {t}",
    "{t} {u}",
    "summary:{t} OR title:{u}",
]


def api_sessions(texts: list[str], kinds: dict[str, list[str]], n: int = 12000, seed: int = 5) -> list[list[str]]:
    """What journalists send: sessions of one query, then perhaps its next pages.

    Queries: the benchmark's whole set first (broad terms, phrases, fielded), then
    more of each kind drawn the same way and fielded queries built from the
    drawn terms (TEMPLATES); each session: page 1 (10 results, or 20 ordered by
    date, or of one type), then page 2 for 30 % and page 3 for 10 %.  Every
    request differs from every other (``n`` requests: more than a 30 s run sends),
    so the API's kept answers never answer one -- only the total of a query
    already asked is reused by its next pages.
    """
    rnd = random.Random(seed)
    broad = query_set(texts, n=3000, seed=seed)
    phrases = phrase_set(texts, n=600, seed=seed + 1)
    pool = [q for qs in kinds.values() for q in qs]
    terms = broad[:]
    while len(pool) < n:  # more than the sessions need: the set is cut at n requests
        kind = rnd.random()
        if kind < 0.45:
            q = rnd.choice(broad)
        elif kind < 0.6:
            q = rnd.choice(phrases)
        else:
            t, u = rnd.sample(terms, 2)
            q = rnd.choice(TEMPLATES).format(t=t, u=u, p=rnd.choice(phrases).strip('"'))
        pool.append(q)
    seen: set[str] = set()
    sessions: list[list[str]] = []
    count = 0
    for q in pool:
        shape = rnd.random()
        params: dict[str, str] = {"q": q, "limit": "10"}
        if shape < 0.15:
            params.update(sort="date", limit="20")
        elif shape < 0.25:
            params["type"] = rnd.choice(["disclosures", "regulations"])
        more = rnd.random()
        pages = 3 if more < 0.1 else 2 if more < 0.3 else 1
        session = []
        for page in range(1, pages + 1):
            target = "/api/search?" + urllib.parse.urlencode({**params, "page": str(page)})
            if target not in seen:
                seen.add(target)
                session.append(target)
        if session:
            sessions.append(session)
            count += len(session)
        if count >= n:
            break
    rnd.shuffle(sessions)
    return sessions


async def _load(port: int, sessions: list[list[str]], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` keep-alive HTTP/1.1 connections, each sending one request at a time,
    session after session (asyncio in one process: the load costs the 2 cores
    little and no client waits for a GIL between its response and its clock)."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    statuses: dict[str, int] = {}
    queue = iter(sessions)
    stop = time.perf_counter() + seconds

    def fail(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    async def client() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter() < stop:
            session = next(queue, None)
            if session is None:
                fail("request set exhausted")
                return
            for target in session:
                start = time.perf_counter()
                try:
                    if writer is None or reader is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("ascii"))
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                    status = head.split(b" ", 2)[1].decode("ascii")
                    fields = dict(
                        (k.strip().lower(), v.strip().lower())
                        for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:])
                    )
                    await asyncio.wait_for(reader.readexactly(int(fields.get(b"content-length", b"0"))), 10)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status != "200":
                        fail(status)
                    if fields.get(b"connection") == b"close":
                        writer.close()
                        reader = writer = None
                except (TimeoutError, OSError, EOFError, asyncio.LimitOverrunError, ValueError) as exc:
                    fail(type(exc).__name__)
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                latencies.append((time.perf_counter() - start) * 1000)
        if writer is not None:
            writer.close()

    begin = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - begin
    return {
        **load_figures(latencies, elapsed, clients),
        "ms_max": round(max(latencies), 1),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "statuses": statuses,
    }


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and its children (Linux /proc), else None."""
    try:
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(x) for x in (task / "children").read_text().split()]
        total = 0
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def api_load(
    site: Path,
    sessions: list[list[str]],
    *,
    clients: int = 32,
    seconds: float = 30.0,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``openaffairs api`` in a child process (as deployed: one worker per core) under the load."""
    server, port = start_api(site, "site", extra)
    try:
        before = _cpu_seconds(server.pid)
        results = asyncio.run(_load(port, sessions, clients, seconds))
        if before is not None:  # CPU the server spent per request: what the load costs it
            after = _cpu_seconds(server.pid)
            assert after is not None
            results["server_cpu_ms_per_request"] = round((after - before) * 1000 / max(1, results["requests"]), 2)
        results["load_average"] = [round(x, 1) for x in os.getloadavg()]
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def bench_fts(
    site: Path, docs: list[Any], texts: list[str], kinds: dict[str, list[str]], api: bool, seconds: float = 30.0
) -> dict[str, Any]:
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
        sessions = api_sessions(texts, kinds)
        results["api_requests_distinct"] = sum(len(s) for s in sessions)
        results["api"] = api_load(site, sessions, seconds=seconds)  # as deployed: one process per core
        cores = str(os.cpu_count() or 1)  # the other way: one process, a thread per core
        results["api_threads"] = api_load(site, sessions, seconds=seconds, extra=("--workers", "1", "--threads", cores))
        # the old load, for comparison: the 250 queries of the set drawn at random (repeats)
        rnd = random.Random(3)
        everything = [q for qs in kinds.values() for q in qs]
        repeats = [
            ["/api/search?" + urllib.parse.urlencode({"q": rnd.choice(everything), "limit": "10"})]
            for _ in range(40000)
        ]
        results["api_repeated_queries"] = api_load(site, repeats, seconds=seconds)
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
    parser.add_argument("--api-seconds", type=float, default=30.0, help="length of each API load run")
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
        results.update(bench_fts(site, docs, texts, kinds, api=not args.no_api, seconds=args.api_seconds))
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
