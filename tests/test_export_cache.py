"""The open data of a cached rebuild (issue 13): each record's encoded JSON twin and table
rows are reused from the build cache when its public copy is unchanged; the files are
byte-identical to a --no-cache build, and the changed record's data really changed.
Real builds throughout."""

from __future__ import annotations

import json
from pathlib import Path

from test_cache import REPORT, _build, _cold, _copy, _edit

from generator import exports

TWIN = "disclosures/work-report-2025/index.json"
TABLE = "data/disclosures.json"


def _export_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and (p.suffix in {".json", ".csv", ".zip", ".atom", ".xml", ".ics"})
    }


def test_one_record_changed_gives_the_export_files_of_a_no_cache_build(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _build(root)
    before = _export_files(root / "out")
    _edit(root / REPORT, "summary: 本院2025年度工作情况。", "summary: 本院2025年度工作情况（修订）。")
    _edit(root / REPORT, "全年共受理审查逮捕案件", "全年共受理审查批准逮捕案件")
    _build(root)
    after = _export_files(root / "out")
    cold = _cold(root, tmp_path)
    import hashlib

    assert {k: hashlib.sha256(v).hexdigest() for k, v in after.items()} == {k: v for k, v in cold.items() if k in after}
    assert set(after) == {k for k in cold if Path(k).suffix in {".json", ".csv", ".zip", ".atom", ".xml", ".ics"}}
    # the changed record's data changed; another record's twin is the same bytes
    assert before[TWIN] != after[TWIN] and "审查批准逮捕" in after[TWIN].decode()
    assert before[TABLE] != after[TABLE] and "（修订）" in after[TABLE].decode()
    assert "（修订）" in after["data/disclosures.csv"].decode("utf-8-sig")
    unchanged = [k for k in before if k.endswith("/index.json") and k != TWIN and before[k] == after[k]]
    assert unchanged
    # the tables are exactly what json.dumps(indent=1) writes of them
    for name in after:
        if name.startswith("data/") and name.endswith(".json"):
            assert after[name] == exports._dumps(json.loads(after[name])), name
