"""Peak memory of a build, stage by stage: the proportional set size (PSS) of the build's
process tree (the build, its filter workers, the shells' workers and the index writer),
sampled every 0.1 s, each sample credited to the stage the build's main thread is in
(read from its Python stack: no change to the pipeline is needed).

    python benchmarks/memory_stages.py --site /tmp/oa-scale-20000 [--change] [--no-cache]

Builds ``--site`` into a fresh folder (cold, with the build cache unless ``--no-cache``);
with ``--change``, then appends a sentence to one published disclosure and builds again
(the one-record rebuild), restoring the record afterwards.  Prints, for each build, every
stage's sampled seconds and peak PSS (MB), and the build's own stage timings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
from scale import published_record  # noqa: E402

NOW = "2026-11-26T10:00:00+08:00"

# function of the pipeline -> stage (the innermost one on the main thread's stack wins)
STAGES = {
    "load_content": "load",
    "validate": "validate",
    "_gate": "gate",
    "run_filter": "privacy filter",
    "record_dates": "dates",
    "export_all": "open data",
    "render_site": "pages (Markdown)",
    "site_sitemap": "sitemap",
    "static_search_files": "static search index",
    "search_docs": "journalists' index documents",
    "assemble_theme": "mkdocs-material",
    "_docs_files": "mkdocs-material: docs files",
    "_run_mkdocs": "mkdocs-material",
    "on_post_build": "mkdocs-material: pages from shells",
    "hash_fresh": "mkdocs-material: hashes",
    "write_files": "static index files",
    "write_sitemap_and_sums": "SHA256SUMS",
    "swap_into": "swap",
    "write_site": "mkdocs-material (other)",
    "flush": "cache",
    "commit_manifest": "cache",
    "prune_records": "cache",
}


def _stage_of(frame: Any) -> str:
    while frame is not None:
        name = STAGES.get(frame.f_code.co_name)
        if name is not None:
            return name
        frame = frame.f_back
    return "other"


def _sampled_build(site: Path, out: Path, use_cache: bool) -> tuple[dict[str, list[float]], dict[str, float]]:
    from scale import _tree_memory_kb

    from generator.pipeline import build, configure

    config, now = configure(Path("site_config.yml"), NOW)
    main = threading.main_thread().ident
    stages: dict[str, list[float]] = {}  # stage -> [seconds, peak PSS MB]
    stop = threading.Event()

    def sample() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            frame = sys._current_frames().get(main or 0)
            stage = _stage_of(frame)
            _rss, pss = _tree_memory_kb(os.getpid())
            now_t = time.perf_counter()
            entry = stages.setdefault(stage, [0.0, 0.0])
            entry[0] += now_t - last
            entry[1] = max(entry[1], pss / 1024)
            last = now_t
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        report = build(config, out, now, use_cache=use_cache)
    finally:
        stop.set()
        sampler.join()
    return stages, report.timings


def _print(label: str, stages: dict[str, list[float]], timings: dict[str, float]) -> None:
    peak = max(p for _, p in stages.values())
    print(f"\n{label}: peak PSS {peak:,.0f} MB", flush=True)
    print("| stage (sampled) | seconds | peak PSS (MB) |\n|---|---|---|")
    for stage, (seconds, pss) in sorted(stages.items(), key=lambda kv: -kv[1][1]):
        print(f"| {stage} | {seconds:.1f} | {pss:,.0f} |")
    print("build's timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--change", action="store_true", help="then change one record and build again")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    os.chdir(args.site)
    folder = Path(tempfile.mkdtemp(prefix="oa-memory-", dir=args.site))
    out = folder / "site"
    try:
        _print("cold", *_sampled_build(args.site, out, not args.no_cache))
        if args.change:
            record = published_record(args.site, out)
            original = record.read_bytes()
            record.write_bytes(original + "\n本条信息于基准测试中补充一句。\n".encode())
            try:
                _print("one record changed", *_sampled_build(args.site, out, not args.no_cache))
            finally:
                record.write_bytes(original)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
