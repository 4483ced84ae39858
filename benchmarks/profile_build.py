"""Profile one build with cProfile (the build's own process; the search-index writer runs in a
second process and is not in the profile).

    python benchmarks/profile_build.py --site /tmp/oa-scale-20000 [--cache] [--change] [--top 40]

Prints the functions with the most cumulative and own time.  Without ``--cache`` the
build neither reads nor writes the build cache (a cold build).  With ``--change`` (implies
``--cache``) a first build is made unprofiled, then one published disclosure gets a
sentence more and the rebuild is profiled (the record is restored afterwards).  ``--save FILE``
also writes the raw profile (``pstats``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
NOW = "2026-11-26T10:00:00+08:00"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--cache", action="store_true")
    parser.add_argument("--change", action="store_true", help="profile a one-record rebuild")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--save", type=Path, help="also write the raw profile here (pstats; e.g. for snakeviz)")
    args = parser.parse_args()
    from generator.pipeline import build, configure

    os.chdir(args.site)
    config, now = configure(Path("site_config.yml"), NOW)
    out = Path(tempfile.mkdtemp(prefix="oa-profile-", dir=args.site)) / "site"
    record, original = None, b""
    if args.change:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from scale import published_record

        build(config, out, now, use_cache=True)
        record = published_record(args.site, out)
        original = record.read_bytes()
        record.write_bytes(original + "\n本条信息于基准测试中补充一句。\n".encode())
    profile = cProfile.Profile()
    try:
        profile.enable()
        report = build(config, out, now, use_cache=args.cache or args.change)
        profile.disable()
    finally:
        if record is not None:
            record.write_bytes(original)
        shutil.rmtree(out.parent, ignore_errors=True)
    print(f"{report.pages} pages; stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items()))
    if args.save:
        profile.dump_stats(str(args.save))
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(order).print_stats(args.top)
        print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
