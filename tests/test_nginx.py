"""The shipped nginx server block, in a real nginx, over a built site.

Debian's nginx (``make test`` installs nginx-light when missing) is started on a
free localhost port with a config written here around
``generator/site_template/nginx/openaffairs.conf``; the site's 404 page, the
security and caching headers, gzip, attachment downloads and the search API
proxy are checked over HTTP, and every page is opened in headless Chromium
under the block's Content-Security-Policy: no violation, no script error.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import browser_page
from conftest import REPO

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BLOCK = REPO / "generator" / "site_template" / "nginx" / "openaffairs.conf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen[bytes], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


def server_block(site: Path, port: int, api_port: int) -> str:
    """The shipped block with only listen, root and the API port changed (each exactly once)."""
    text = BLOCK.read_text("utf-8")
    for old, new in (
        (r"^    listen 80;$", f"    listen 127.0.0.1:{port};"),
        (r"^    root /srv/openaffairs/site;$", f"    root {site};"),
        (r"proxy_pass http://127\.0\.0\.1:8080;", f"proxy_pass http://127.0.0.1:{api_port};"),
    ):
        text, n = re.subn(old, new, text, flags=re.M)
        assert n == 1, old
    return text


@pytest.fixture(scope="module")
def nginx(built_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    yield from _serve(built_sample, tmp_path_factory)


@pytest.fixture(scope="module")
def nginx_two_languages(built_content: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(issue 10) the repository's sample site, built in Chinese and English."""
    yield from _serve(built_content, tmp_path_factory)


def _serve(built_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    assert Path(NGINX).exists(), "nginx is missing: run 'make browser' (installs nginx-light)"
    tmp = tmp_path_factory.mktemp("nginx")
    port, api_port = _free_port(), _free_port()
    (tmp / "server.conf").write_text(server_block(built_sample.resolve(), port, api_port), "utf-8")
    temp = "\n".join(f"    {k}_temp_path {tmp}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # as root, nginx's workers would run as nobody, who cannot read pytest's private temp folders
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(
        f"""\
{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    include {tmp}/server.conf;
}}
""",
        "utf-8",
    )
    test = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
        capture_output=True,
        text=True,
    )
    assert test.returncode == 0, test.stderr
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")])
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "api",
            "--out",
            str(built_sample),
            "--port",
            str(api_port),
            "--workers",
            "1",
            "--now",
            "2026-11-26T10:00:00+08:00",
        ],
        cwd=built_sample.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, proc, "nginx")
        _wait(api_port, api, "openaffairs api", 60)
        yield f"http://127.0.0.1:{port}", built_sample
    finally:
        for p in (proc, api):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy")


def _secure(headers: dict[str, str]) -> None:
    for name in SECURITY:
        assert name in headers, name
    assert headers["x-content-type-options"] == "nosniff"
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "unsafe-eval" not in headers["content-security-policy"]


def test_pages_carry_the_security_headers(nginx: tuple[str, Path]) -> None:
    base, _ = nginx
    status, headers, body = get(base, "/")
    assert status == 200 and "测试市人民检察院".encode() in body
    _secure(headers)
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["cache-control"] == "no-cache"
    status, headers, _ = get(base, "/regulations/cpl-2018/")
    assert status == 200
    _secure(headers)


def test_each_language_has_its_own_404_page(nginx_two_languages: tuple[str, Path]) -> None:
    base, site = nginx_two_languages
    status, headers, body = get(base, "/en/no/such/page/")
    assert status == 404 and body == (site / "en/404.html").read_bytes()
    _secure(headers)
    status, _, body = get(base, "/no/such/page/")
    assert status == 404 and body == (site / "404.html").read_bytes()
    status, headers, _ = get(base, "/en/disclosures/")
    assert status == 200 and headers.get("cache-control") == "no-cache"
    _secure(headers)


def test_the_sites_own_404_page(nginx: tuple[str, Path]) -> None:
    base, site = nginx
    status, headers, body = get(base, "/no/such/page/")
    assert status == 404
    assert body == (site / "404.html").read_bytes()
    _secure(headers)
    assert get(base, "/.git/config")[0] == 404


def test_hashed_assets_are_cached_long_and_gzipped(nginx: tuple[str, Path]) -> None:
    base, site = nginx
    bundle = next((site / "assets" / "javascripts").glob("bundle.*.min.js")).relative_to(site).as_posix()
    css = next((site / "assets" / "stylesheets").glob("main.*.min.css")).relative_to(site).as_posix()
    for path in (bundle, css):
        status, headers, body = get(base, "/" + path, {"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["cache-control"] == "public, max-age=31536000, immutable", path
        assert headers.get("content-encoding") == "gzip", path
        assert gzip.decompress(body) == (site / path).read_bytes()
        _secure(headers)
    # our own, unhashed assets revalidate
    status, headers, _ = get(base, "/assets/openaffairs.css")
    assert status == 200 and headers["cache-control"] == "no-cache"


def test_attachments_are_downloads(nginx: tuple[str, Path]) -> None:
    base, site = nginx
    files = [
        p
        for p in site.rglob("*")
        if p.is_file() and ("files" in p.relative_to(site).parts or p.suffix in (".pdf", ".docx", ".csv", ".txt"))
    ]
    assert any(p.suffix == ".txt" for p in files) and any(p.suffix == ".csv" for p in files), files
    for path in files:
        status, headers, body = get(base, "/" + path.relative_to(site).as_posix())
        assert status == 200, path
        assert headers["content-disposition"] == "attachment", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert body == path.read_bytes()


def test_search_api_behind_nginx(nginx: tuple[str, Path]) -> None:
    base, _ = nginx
    status, headers, body = get(base, "/api/search?q=%E5%88%91%E4%BA%8B%E8%AF%89%E8%AE%BC%E6%B3%95")
    assert status == 200, body[:300]
    assert headers["x-content-type-options"] == "nosniff"
    assert "刑事诉讼法".encode() in body


_LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber);
});
"""


def test_every_page_works_under_the_csp(nginx: tuple[str, Path]) -> None:
    base, site = nginx
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 10
    with browser_page(1280, 900) as (page, requested):
        errors: list[str] = []
        console: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))  # type: ignore[attr-defined]
        page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)  # type: ignore[attr-defined]
        page.add_init_script(_LISTEN)  # type: ignore[attr-defined]
        for rel in pages:
            url = base + "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
            page.goto(url, wait_until="load")  # type: ignore[attr-defined]
            page.wait_for_timeout(50)  # type: ignore[attr-defined]
            violations = page.evaluate("window.__cspViolations")  # type: ignore[attr-defined]
            assert violations == [], (rel, violations)
            # mkdocs-material's helpers and bundle ran (from files, not inline)
            assert page.evaluate("typeof __md_get === 'function' && typeof document$ === 'object'"), rel  # type: ignore[attr-defined]
        assert errors == [], errors
        assert not [c for c in console if "Content Security Policy" in c and "404" not in c], console
    # the search page under CSP: the static search runs
    with browser_page(1280, 900) as (page, _):
        page.add_init_script(_LISTEN)  # type: ignore[attr-defined]
        page.goto(base + "/search/?q=%E5%8F%97%E8%B4%BF", wait_until="load")  # type: ignore[attr-defined]
        page.wait_for_selector(".oa-search__result", timeout=10000)  # type: ignore[attr-defined]
        titles = page.locator(".oa-search__result .oa-search__title").all_inner_texts()  # type: ignore[attr-defined]
        assert titles == ["张某1受贿案提起公诉"]
        assert page.evaluate("window.__cspViolations") == []  # type: ignore[attr-defined]
