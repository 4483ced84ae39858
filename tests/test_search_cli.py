"""`openaffairs search` on the index that `build` wrote: the contract's output,
exit codes, and the privacy invariant for the journalists' index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import NOW, run_cli
from test_privacy_invariant import NON_PUBLIC_NAMES, PRIVATE_VALUES, UNPUBLISHED_TEXT


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import SAMPLE

    root = tmp_path_factory.mktemp("search") / "sample"
    shutil.copytree(SAMPLE, root)
    assert run_cli(["build", "--now", NOW], root).exit_code == 0
    return root


def test_build_writes_the_index_outside_the_site(indexed: Path) -> None:
    assert (indexed / ".openaffairs" / "search-site" / "CURRENT").exists()
    assert not list((indexed / "site").rglob("*.seg")) and not list((indexed / "site").rglob("*.toc"))


def test_json_output_is_the_contract(indexed: Path) -> None:
    result = run_cli(["search", "--json", "受贿"], indexed)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["bribery-case"]
    assert set(rows[0]) == {"type", "id", "title", "url", "path", "date", "published", "updated", "score"}
    assert rows[0]["url"] == "https://test.example.org/disclosures/bribery-case/"  # absolute
    assert rows[0]["path"] == "/disclosures/bribery-case/" and rows[0]["title"] == "张某1受贿案提起公诉"
    assert (rows[0]["date"], rows[0]["published"], rows[0]["updated"]) == ("2026-03-01", "2026-03-02", "2026-03-05")


def test_json_reports_the_total_and_the_limit_is_not_capped(indexed: Path) -> None:
    whole = run_cli(["search", "--json", "--limit", "5000", "检"], indexed)
    assert whole.exit_code == 0, whole.stderr
    rows = json.loads(whole.stdout)
    assert len(rows) > 3
    assert json.loads(whole.stderr.splitlines()[-1]) == {
        "query": "检",
        "total": len(rows),
        "offset": 0,
        "shown": len(rows),
    }
    page = run_cli(["search", "--json", "--limit", "2", "--offset", "1", "检"], indexed)
    assert [r["id"] for r in json.loads(page.stdout)] == [r["id"] for r in rows[1:3]]
    assert json.loads(page.stderr.splitlines()[-1]) == {"query": "检", "total": len(rows), "offset": 1, "shown": 2}
    text = run_cli(["search", "--limit", "2", "--offset", "1", "检"], indexed)
    assert text.stdout.startswith(" 2. ") and f"2 of {len(rows)} results (from 2) for '检'." in text.stderr


@pytest.mark.parametrize(
    "query,ids",
    [
        ("检察院", None),
        ('"刑事诉讼法"', ["cpl-2012", "cpl-2018"]),
        ("type:regulations validity:in-force", ["cpl-2018"]),
        ("issued:[2010 to 2015]", ["cpl-2012"]),
        ("date:2026 category:work-report", ["work-report-2025"]),
        ("forty", ["open-day-press"]),
        ("察院 NOT type:disclosures", None),
    ],
)
def test_fielded_queries(indexed: Path, query: str, ids: list[str] | None) -> None:
    result = run_cli(["search", "--json", "--limit", "50", query], indexed)
    assert result.exit_code == 0, result.stderr
    found = sorted(r["id"] for r in json.loads(result.stdout))
    if ids is not None:
        assert found == ids
    else:
        assert found


def test_terminal_output_highlights(indexed: Path) -> None:
    result = run_cli(["search", "受贿"], indexed)
    assert result.exit_code == 0
    assert (
        " 1. [disclosures] 张某1受贿案提起公诉  2026-03-01\n    https://test.example.org/disclosures/bribery-case/\n"
        in result.stdout
    )
    assert result.stderr == "1 of 1 result for '受贿'.\n"
    body = run_cli(["search", "职务便利"], indexed)
    assert "利用[职务便利]" in body.stdout


def test_no_hits_is_exit_0_and_bad_query_exit_2(indexed: Path) -> None:
    none = run_cli(["search", "--json", "不存在的词语组合"], indexed)
    assert (none.exit_code, json.loads(none.stdout)) == (0, [])
    for bad in ['"unclosed', "titel:x", "issued:[2020 to", "(a OR b"]:
        result = run_cli(["search", bad], indexed)
        assert result.exit_code == 2, bad
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_search_builds_the_index_when_there_is_none(sample_site: Path) -> None:
    result = run_cli(["search", "--json", "--now", NOW, "行贿犯罪档案查询"], sample_site)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == ["bribery-record-inquiry"]
    assert not (sample_site / "site").exists()


@pytest.mark.parametrize("value", PRIVATE_VALUES + NON_PUBLIC_NAMES + UNPUBLISHED_TEXT)
def test_index_holds_nothing_unpublished(indexed: Path, value: str) -> None:
    result = run_cli(["search", "--json", f'"{value}"'], indexed)
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    raw = b"".join(p.read_bytes() for p in (indexed / ".openaffairs").rglob("*") if p.is_file())
    assert value.encode("utf-8") not in raw


def test_api_command_serves_with_several_workers(indexed: Path) -> None:
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = indexed / "api.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "api", "--port", str(port), "--workers", "2"],
            cwd=indexed,
            stdout=sink,
            stderr=sink,
        )
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=%E5%8F%97%E8%B4%BF", timeout=5) as r:
                    body = json.loads(r.read())
                    assert r.headers["Access-Control-Allow-Origin"] == "*"
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, log.read_text()
                time.sleep(0.3)
        assert body["total"] == 1 and body["results"][0]["id"] == "bribery-case"
        for _ in range(6):  # connections spread over both workers; all answer
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5) as r:
                assert json.loads(r.read())["openapi"].startswith("3.1")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    time.sleep(0.5)
    with socket.socket() as s:  # every worker has let the port go
        assert s.connect_ex(("127.0.0.1", port)) != 0
