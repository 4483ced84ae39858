"""``openaffairs serve`` as an approver uses it: the site's own 404 page, the browser
reloading by itself when a rebuild finished, and no temporary folder left behind."""

from __future__ import annotations

import http.client
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from browser import browser_page
from conftest import NOW, SAMPLE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_serve_reloads_the_browser_serves_its_404_and_cleans_up(tmp_path: Path) -> None:
    root = tmp_path / "office"
    shutil.copytree(SAMPLE, root)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--port", str(port), "--now", NOW],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        status, body = _get(port, "/")
        assert status == 200 and b'<script src="/__openaffairs/reload.js"></script></body>' in body
        status, body = _get(port, "/no/such/page/")
        assert status == 404 and b"404" in body and "测试市人民检察院".encode() in body
        assert _get(port, "/__openaffairs/version") == (200, b"1")
        about = root / "content" / "pages" / "about.md"
        with browser_page(1280, 900) as (page, _):
            page.goto(f"http://127.0.0.1:{port}/pages/about/", wait_until="load")  # type: ignore[attr-defined]
            page.evaluate("window.__before_reload = true")  # type: ignore[attr-defined]
            page.wait_for_function("window.__openaffairsPreviewVersion === '1'")  # type: ignore[attr-defined]
            about.write_text(about.read_text("utf-8") + "\n本段为预览时新增。\n", "utf-8")
            page.wait_for_function(  # type: ignore[attr-defined]
                "!window.__before_reload && document.body.innerText.includes('本段为预览时新增')", timeout=60000
            )
        status, version = _get(port, "/__openaffairs/version")
        assert status == 200 and int(version) >= 2
        # the built site on disk never carries the reload script
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    match = re.search(r"Removed the preview folder (\S+)", output)
    assert match, output
    assert not Path(match.group(1)).exists()
    assert "Traceback" not in output


def _start(root: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--port", str(port), "--now", NOW, *extra],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


def test_serve_drafts_shows_held_back_records_under_a_banner_only(tmp_path: Path) -> None:
    root = tmp_path / "office"
    shutil.copytree(SAMPLE, root)
    proc, port = _start(root, "--drafts")
    try:
        status, body = _get(port, "/disclosures/held-draft/")
        assert status == 200
        text = body.decode("utf-8")
        assert (
            '<div class="oa-draft-banner" role="alert"><strong>未公开 / not public:</strong> status is draft</div>'
            in text
        )
        assert "不应公开的记录draft" in text
        status, body = _get(port, "/disclosures/held-embargo/")
        assert status == 200 and "embargoed until 2027-06-01 09:00" in body.decode("utf-8")
        # minors' cases never, not even in a preview
        assert _get(port, "/disclosures/held-juvenile/")[0] == 404
        # published records carry no banner; feeds and exports leave the drafts out
        status, body = _get(port, "/regulations/cpl-2018/")
        assert status == 200 and b"oa-draft-banner" not in body
        feed = _get(port, "/feed.xml")[1].decode("utf-8")
        assert "不应公开的记录draft" not in feed and "禁发期内的通告" not in feed
        with browser_page(1280, 900) as (page, _):
            page.goto(f"http://127.0.0.1:{port}/search/?q=%E7%A6%81%E5%8F%91%E6%9C%9F", wait_until="load")  # type: ignore[attr-defined]
            page.wait_for_function("document.querySelector('.oa-search__status').textContent.trim() !== ''")  # type: ignore[attr-defined]
            assert page.locator(".oa-search__result").count() == 0  # type: ignore[attr-defined]
    finally:
        output = _stop(proc)
    assert "Traceback" not in output


def test_build_has_no_drafts_option(tmp_path: Path) -> None:
    from conftest import run_cli

    root = tmp_path / "office"
    shutil.copytree(SAMPLE, root)
    result = run_cli(["build", "--drafts", "--now", NOW], root)
    assert result.exit_code == 2 and "No such option '--drafts'" in result.stderr
    assert not (root / "site").exists()
