"""``openaffairs serve``: build into a temporary folder, serve it, rebuild on change.

A plain polling watcher (no extra dependency): every second it compares the
modification times of site_config.yml, content/ and theme/.
"""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from .errors import BuildError

__all__ = ["serve"]


def _snapshot(paths: list[Path]) -> tuple[tuple[str, float], ...]:
    out = []
    for root in paths:
        if root.is_file():
            out.append((str(root), root.stat().st_mtime))
        elif root.is_dir():
            out += [(str(p), p.stat().st_mtime) for p in sorted(root.rglob("*")) if p.is_file()]
    return tuple(out)


def serve(config: Path, now: str | None, host: str, port: int,
          progress: Callable[[str], None], on_error: Callable[[BuildError], None]) -> None:
    from .config import load_config
    from .pipeline import build

    out = Path(tempfile.mkdtemp(prefix="openaffairs-preview-")) / "site"

    def rebuild() -> None:
        try:
            build(config, out, now, progress)
            progress(f"Preview updated: http://{host}:{port}/")
        except BuildError as exc:
            on_error(exc)

    rebuild()
    try:
        cfg = load_config(config)
        watched = [config, cfg.content_path, cfg.theme_path]
    except BuildError:
        watched = [config]
    handler = functools.partial(_Handler, directory=str(out))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    progress(f"Serving http://{host}:{port}/ (Ctrl+C to stop)")
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


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, directory: str, **kwargs):  # type: ignore[no-untyped-def]
        self._root = directory
        super().__init__(*args, directory=directory, **kwargs)

    def translate_path(self, path: str) -> str:
        # the served folder is replaced on each rebuild: resolve it per request
        self.directory = self._root
        return super().translate_path(path)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass
