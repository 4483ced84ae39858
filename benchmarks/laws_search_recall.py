"""Recall of both searches on a built site of real laws (issue 8).

    python benchmarks/laws_to_records.py --out /tmp/laws
    (cd /tmp/laws && openaffairs build --out site)
    python benchmarks/laws_search_recall.py /tmp/laws/site [--queries 300]

Queries are phrases of 2 to 8 Chinese characters cut from the laws' text, each also asked
with a full-width and a half-width space inside it.  The expected pages are those whose
normalised text contains the phrase (white space inside Chinese text ignored); the public
search runs in Node with theme/assets/oasearch.js, the fielded one in-process (SQLite FTS5).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.search import index_dir_for  # noqa: E402
from generator.search import search as fielded_search  # noqa: E402
from generator.static_search import normalize, read_docs  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("site", type=Path, help="the built site (openaffairs build --out SITE)")
    ap.add_argument("--queries", type=int, default=300, help="phrases (each asked 3 ways)")
    args = ap.parse_args()
    search = args.site / "search"
    docs = read_docs({str(p.relative_to(args.site)): p.read_bytes() for p in search.rglob("*.json")})
    norm = {d["u"]: normalize(d["x"]) for d in docs}
    rng = random.Random(8)
    phrases: list[str] = []
    while len(phrases) < args.queries:
        text = rng.choice(docs)["x"]
        i = rng.randrange(0, max(1, len(text) - 12))
        m = re.search(r"[\u4e00-\u9fff]{2,8}", text[i : i + 40])
        if m:
            phrases.append(m.group())
    asked = []
    for q in phrases:
        k = rng.randrange(1, len(q))
        asked += [("plain", q), ("full-width space", q[:k] + "\u3000" + q[k:]), ("space", q[:k] + " " + q[k:])]
    job = {
        "dir": str(args.site),
        "script": str(REPO / "theme" / "assets" / "oasearch.js"),
        "cold": False,
        "full": False,
        "queries": [{"q": f'"{q}"', "options": {"perPage": 100000, "maxVerify": 1000000}} for _, q in asked],
    }
    job_file = Path("/tmp") / f"laws-recall-{time.time_ns()}.json"
    job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    node = shutil.which("node") or "/usr/bin/node"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [node, str(REPO / "tests" / "js" / "run_queries.mjs"), str(job_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    t_static = time.perf_counter() - t0
    runs = json.loads(proc.stdout)
    index = index_dir_for(args.site)
    stats: dict[str, list[int]] = {}
    t_fielded = 0.0
    for (kind, q), r in zip(asked, runs, strict=True):
        nq = normalize(q).replace(" ", "")
        want = {u for u, t in norm.items() if nq in t}
        got_static = {re.sub("#.*", "", u) for u in r["results"]}
        t1 = time.perf_counter()
        hits = fielded_search(index, f'"{q}"', limit=100000).hits
        t_fielded += time.perf_counter() - t1
        got_fielded = {h.url.split("#")[0] for h in hits}
        s = stats.setdefault(kind, [0, 0, 0, 0, 0])
        s[0] += 1
        s[1] += len(want)
        s[2] += len(want & got_static)
        s[3] += len(want & got_fielded)
        s[4] += len(got_static - want)
    print(f"{len(docs)} pages; {len(asked)} queries; static {t_static:.1f} s in Node, fielded {t_fielded:.1f} s")
    print("| queries | n | expected hits | static recall | fielded recall | static false hits |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, (n, want, st, wh, false) in stats.items():
        print(f"| {kind} | {n} | {want} | {st / max(want, 1):.3f} | {wh / max(want, 1):.3f} | {false} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
