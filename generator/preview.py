"""``openaffairs serve``: build into a temporary folder, serve it, rebuild on change.

A plain polling watcher (no extra dependency): every second it compares the
modification times of site_config.yml, content/ and theme/.  While serving:

* every HTML page gets one ``<script src="/__openaffairs/reload.js">`` (added
  on the fly, never written to the built site), which polls
  ``/__openaffairs/version`` and reloads the page when a rebuild finished;
* unknown paths get the site's own ``404.html`` (status 404);
* the temporary folder is removed when the server stops.

Only approved records are shown, exactly as ``build`` publishes them; with
``--drafts`` also the held-back ones (except minors' cases), each under a
"未公开 / not public: <reason>" banner, left out of search, feeds and exports.
"""

from __future__ import annotations

import functools
import html
import http.server
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import BuildError

__all__ = ["serve", "RELOAD_PATH", "mark_drafts"]

RELOAD_PATH = "/__openaffairs/"
_RELOAD_JS = b"""(function () {
  var seen = null;
  function poll() {
    fetch('/__openaffairs/version', {cache: 'no-store'}).then(function (r) { return r.text(); })
      .then(function (v) {
        if (seen !== null && v !== seen) { location.reload(); }
        seen = v; window.__openaffairsPreviewVersion = v;
      })
      .catch(function () {}).then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""
_TAG = b'<script src="/__openaffairs/reload.js"></script>'


def _snapshot(paths: list[Path]) -> tuple[tuple[str, float], ...]:
    out = []
    for root in paths:
        if root.is_file():
            out.append((str(root), root.stat().st_mtime))
        elif root.is_dir():
            out += [(str(p), p.stat().st_mtime) for p in sorted(root.rglob("*")) if p.is_file()]
    return tuple(out)


class _State:
    """The version the browser polls: bumped after every successful rebuild."""

    def __init__(self) -> None:
        self.version = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.version += 1


def mark_drafts(site_dir: Path, report: Any) -> None:
    """``serve --drafts``: a prominent banner at the top of every held-back record's page."""
    from .languages import is_multilingual, lang_of, prefix_of

    for public in report.public:
        reason = report.drafts.get((public.type, public.id))
        if reason is None:
            continue
        # (issue 10) a record of the other language has its page under /en/
        prefix = prefix_of(lang_of(public, report.config), report.config) if is_multilingual(report.config) else ""
        page = site_dir / (prefix + public.url).strip("/") / "index.html"
        if not page.is_file():
            continue
        html_text = page.read_text("utf-8")
        banner = (
            '<div class="oa-draft-banner" role="alert"><strong>未公开 / not public:</strong> '
            f"{html.escape(reason)}</div>"
        )
        marker = '<article class="md-content__inner md-typeset">'
        at = html_text.find(marker)
        if at == -1:
            continue
        at += len(marker)
        page.write_text(html_text[:at] + banner + html_text[at:], "utf-8")


def serve(
    config: Path,
    now: str | None,
    host: str,
    port: int,
    progress: Callable[[str], None],
    on_error: Callable[[BuildError], None],
    drafts: bool = False,
) -> None:
    from .config import load_config
    from .pipeline import build

    folder = Path(tempfile.mkdtemp(prefix="openaffairs-preview-"))
    out = folder / "site"
    state = _State()

    def rebuild() -> None:
        try:
            build(config, out, now, progress, drafts=drafts)
            state.bump()
            progress(f"Preview updated: http://{host}:{port}/")
        except BuildError as exc:
            on_error(exc)

    try:
        rebuild()
        try:
            cfg = load_config(config)
            watched = [config, cfg.content_path, cfg.theme_path]
        except BuildError:
            watched = [config]
        handler = functools.partial(_Handler, directory=str(out), state=state)
        server = http.server.ThreadingHTTPServer((host, port), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        progress(f"Serving http://{host}:{port}/ (Ctrl+C to stop; the browser reloads after each rebuild)")
        last = _snapshot(watched)
        try:
            while True:
                time.sleep(1.0)
                current = _snapshot(watched)
                if current != last:
                    last = current
                    progress("Change detected, rebuilding ...")
                    rebuild()
        except KeyboardInterrupt:
            server.shutdown()
        finally:
            server.server_close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        progress(f"Removed the preview folder {folder}")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, directory: str, state: _State, **kwargs):  # type: ignore[no-untyped-def]
        self._root = directory
        self._state = state
        super().__init__(*args, directory=directory, **kwargs)

    def translate_path(self, path: str) -> str:
        # the served folder is replaced on each rebuild: resolve it per request
        self.directory = self._root
        return super().translate_path(path)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == RELOAD_PATH + "version":
            self._send(200, "text/plain; charset=utf-8", str(self._state.version).encode())
            return
        if path == RELOAD_PATH + "reload.js":
            self._send(200, "text/javascript; charset=utf-8", _RELOAD_JS)
            return
        target = Path(self.translate_path(path))
        if target.is_dir():
            if not path.endswith("/"):
                super().do_GET()  # the standard redirect to path/
                return
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            body = target.read_bytes()
            self._send(200, "text/html; charset=utf-8", _with_reload(body))
            return
        if not target.exists():
            page = Path(self._root) / "404.html"
            body = _with_reload(page.read_bytes()) if page.is_file() else b"Not found"
            self._send(404, "text/html; charset=utf-8", body)
            return
        super().do_GET()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def _with_reload(html: bytes) -> bytes:
    at = html.rfind(b"</body>")
    return html[:at] + _TAG + html[at:] if at != -1 else html + _TAG
