"""The largest HTML pages of a built site and their download size (issue 10).

    python benchmarks/generate.py --records 20000 --out /tmp/bench-20k
    (cd /tmp/bench-20k && openaffairs build --now 2026-11-26T10:00:00+08:00 --out out -q)
    python benchmarks/page_sizes.py /tmp/bench-20k/out [--top 10]

Prints the home page, every listing's first page, the largest listing page and
the largest pages overall, each in bytes and gzip -9 bytes (what a browser
downloads from a server that compresses).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

LISTINGS = (
    "index.html",
    "disclosures/index.html",
    "regulations/index.html",
    "open-days/index.html",
    "guides/index.html",
    "sitemap/index.html",
)


def sizes(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, 9))


def is_listing(rel: str) -> bool:
    parts = rel.split("/")
    return rel in LISTINGS or "page" in parts or parts[:2] in (["disclosures", "category"], ["disclosures", "year"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()
    pages = {p.relative_to(args.site).as_posix(): p for p in args.site.rglob("*.html")}
    if not pages:
        print(f"no HTML pages under {args.site}", file=sys.stderr)
        return 1
    print(f"{len(pages)} HTML pages")
    print(f"{'page':60} {'bytes':>9} {'gzip':>8}")
    for rel in LISTINGS:
        if rel in pages:
            raw, gz = sizes(pages[rel])
            print(f"{rel:60} {raw:9,} {gz:8,}")
    listing = [r for r in pages if is_listing(r)]
    worst = max(listing, key=lambda r: pages[r].stat().st_size)
    raw, gz = sizes(pages[worst])
    print(f"largest listing page: {worst} {raw:,} bytes ({gz:,} gzipped), {len(listing)} listing pages")
    print("largest pages overall:")
    for rel in sorted(pages, key=lambda r: pages[r].stat().st_size, reverse=True)[: args.top]:
        raw, gz = sizes(pages[rel])
        print(f"  {rel:58} {raw:9,} {gz:8,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
