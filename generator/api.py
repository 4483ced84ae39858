"""Read-only JSON search API for journalists (plain WSGI, served by waitress).

    GET /api/search?q=...&type=...&limit=...&sort=relevance|date&offset=...|page=...
    GET /api/openapi.json

Snippets are plain text; the matched parts are given separately as
``highlights``: a list of ``[start, end)`` offsets in Unicode code points into
``snippet`` (in JavaScript use ``Array.from(snippet)`` to index by code point).
See docs/search-fielded.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mmap
import os
import re
import struct
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from .search import (
    DOC_TYPES,
    FIELD_HELP,
    MARK_END,
    MARK_START,
    IndexMissingError,
    QueryError,
    SearchTimeout,
    search,
)

__all__ = ["make_app", "serve", "openapi_document", "split_snippet"]

log = logging.getLogger(__name__)

_JSON = "application/json; charset=utf-8"
_ALLOW = "GET, HEAD, OPTIONS"
_SEARCH_PATH = "/api/search"
_OPENAPI_PATH = "/api/openapi.json"
_STATUS = {
    200: "200 OK",
    204: "204 No Content",
    400: "400 Bad Request",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
_PARAMS = ("q", "type", "limit", "sort", "offset", "page")
MAX_OFFSET = 100_000
_MARKS = re.compile(f"([{re.escape(MARK_START)}{re.escape(MARK_END)}])")


def split_snippet(marked: str) -> tuple[str, list[list[int]]]:
    """Turn a snippet with \\x01...\\x02 markers into (plain text, highlights)."""
    if MARK_START not in marked and MARK_END not in marked:
        return marked, []
    out: list[str] = []
    spans: list[list[int]] = []
    length = 0
    start = None
    for piece in _MARKS.split(marked):
        if piece == MARK_START:
            start = length
        elif piece == MARK_END:
            if start is not None and length > start:
                spans.append([start, length])
            start = None
        elif piece:
            out.append(piece)
            length += len(piece)
    return "".join(out), spans


def openapi_document(*, max_query_len: int = 500, max_limit: int = 100) -> dict[str, Any]:
    """The API's OpenAPI 3.1 description: every status code the server returns
    (200, 204, 400, 404, 405, 500, 503) is listed where it can occur."""
    error = {"$ref": "#/components/schemas/Error"}
    internal = {"description": "Internal error (logged)", "content": {"application/json": {"schema": error}}}

    def others(name: str) -> dict[str, Any]:
        ops: dict[str, Any] = {
            "head": {
                "operationId": f"{name}Head",
                "summary": "As GET, without a body",
                "responses": {
                    "200": {"description": "Headers of the GET response"},
                    "400": {"description": "As GET"},
                    "500": {"description": "As GET"},
                    "503": {"description": "As GET"},
                },
            },
            "options": {
                "operationId": f"{name}Options",
                "summary": "CORS preflight",
                "responses": {"204": {"description": "Allowed methods in the Allow header"}},
            },
        }
        for method in ("post", "put", "patch", "delete"):
            ops[method] = {
                "operationId": f"{name}{method.title()}",
                "summary": "Not allowed: read-only API",
                "responses": {
                    "405": {
                        "description": "Method not allowed (see the Allow header)",
                        "content": {"application/json": {"schema": error}},
                    }
                },
            }
        return ops

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OpenAffairs fielded search",
            "version": "1.0.0",
            "description": (
                "Full-text and fielded search over the published records of the "
                "open-affairs site. Chinese queries match every record that "
                "contains the query string. Query syntax: docs/search-fielded.md. "
                "Fields: " + "; ".join(f"{k}: {v}" for k, v in FIELD_HELP.items())
            ),
        },
        "paths": {
            _SEARCH_PATH: {
                "get": {
                    "operationId": "search",
                    "summary": "Search the published records",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "description": (
                                "Query, e.g. `issuer:最高人民检察院 validity:in-force 受贿`, "
                                '`"法律监督" date:2026`, `受贿 NOT 行贿`, '
                                "`issued:[2015 to 2020]`"
                            ),
                            "schema": {"type": "string", "minLength": 1, "maxLength": max_query_len},
                        },
                        {
                            "name": "type",
                            "in": "query",
                            "required": False,
                            "description": "Only records of this type",
                            "schema": {"type": "string", "enum": list(DOC_TYPES)},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "description": "Number of results to return",
                            "schema": {"type": "integer", "minimum": 1, "maximum": max_limit, "default": 20},
                        },
                        {
                            "name": "sort",
                            "in": "query",
                            "required": False,
                            "description": "relevance (default) or date (newest first)",
                            "schema": {"type": "string", "enum": ["relevance", "date"], "default": "relevance"},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "required": False,
                            "description": "Skip this many results (paging; not with page)",
                            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "required": False,
                            "description": "Page number, 1-based: offset = (page - 1) × limit",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Matching records, best first",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/SearchResponse"}}
                            },
                        },
                        "400": {
                            "description": "Malformed query or parameter",
                            "content": {"application/json": {"schema": error}},
                        },
                        "500": internal,
                        "503": {
                            "description": "Time limit exceeded or no index yet",
                            "content": {"application/json": {"schema": error}},
                            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                        },
                    },
                },
                **others("search"),
            },
            _OPENAPI_PATH: {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "500": internal,
                    },
                },
                **others("openapi"),
            },
            "/{other}": {
                "parameters": [{"name": "other", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {
                    "operationId": "unknown",
                    "summary": "Any other address (any method)",
                    "responses": {
                        "404": {"description": "No such endpoint", "content": {"application/json": {"schema": error}}}
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "SearchResponse": {
                    "type": "object",
                    "required": ["query", "total", "limit", "offset", "next", "results"],
                    "properties": {
                        "query": {"type": "string"},
                        "total": {"type": "integer", "minimum": 0, "description": "exact number of matching records"},
                        "limit": {"type": "integer"},
                        "offset": {"type": "integer", "minimum": 0},
                        "page": {
                            "type": ["integer", "null"],
                            "minimum": 1,
                            "description": "page number when offset is a multiple of limit",
                        },
                        "next": {
                            "type": ["string", "null"],
                            "description": "relative URL of the next page, null on the last",
                        },
                        "previous": {"type": ["string", "null"]},
                        "sort": {"type": "string", "enum": ["relevance", "date"]},
                        "type": {"type": ["string", "null"]},
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
                    },
                },
                "Result": {
                    "type": "object",
                    "required": [
                        "type",
                        "id",
                        "title",
                        "url",
                        "path",
                        "score",
                        "date",
                        "published",
                        "updated",
                        "snippet",
                        "highlights",
                    ],
                    "properties": {
                        "type": {"type": "string", "enum": list(DOC_TYPES)},
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "url": {
                            "type": "string",
                            "description": "absolute URL of the page",
                            "examples": ["https://example.org/disclosures/x/"],
                        },
                        "path": {"type": "string", "examples": ["/disclosures/x/"]},
                        "published": {
                            "type": ["string", "null"],
                            "format": "date",
                            "description": "first published on the site",
                        },
                        "updated": {
                            "type": ["string", "null"],
                            "format": "date",
                            "description": "last change of what is published",
                        },
                        "article": {
                            "type": ["string", "null"],
                            "examples": ["第六十七条"],
                            "description": (
                                "a regulation: the first article holding the query; url and "
                                "path then end with its anchor (#art-67)"
                            ),
                        },
                        "articles": {
                            "type": "array",
                            "description": "a regulation: every article holding the query",
                            "items": {
                                "type": "object",
                                "required": ["label", "url"],
                                "properties": {"label": {"type": "string"}, "url": {"type": "string"}},
                            },
                        },
                        "score": {"type": "number"},
                        "date": {"type": ["string", "null"], "format": "date"},
                        "snippet": {"type": "string", "description": "plain text around the first match"},
                        "highlights": {
                            "type": "array",
                            "description": ("[start, end) of each match in snippet, in Unicode code points"),
                            "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {
                                    "type": "string",
                                    "enum": [
                                        "bad_query",
                                        "bad_parameter",
                                        "not_found",
                                        "method_not_allowed",
                                        "timeout",
                                        "no_index",
                                        "internal",
                                    ],
                                },
                                "message": {"type": "string"},
                            },
                        },
                        "query": {"type": "string"},
                    },
                },
            }
        },
    }


def _json(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _BadParameter(Exception):
    pass


def make_app(
    index_root: Path, *, max_query_len: int = 500, max_limit: int = 100, time_limit_s: float = 2.0, cache: bool = True
) -> WSGIApplication:
    """Return the WSGI application serving the index under ``index_root`` (``cache``: answer
    a repeated query from the engine's kept answers of the current generation)."""
    root = Path(index_root)
    openapi_body = _json(openapi_document(max_query_len=max_query_len, max_limit=max_limit))

    def respond(
        start_response: StartResponse,
        method: str,
        code: int,
        body: bytes = b"",
        *,
        cache: str = "no-store",
        extra: Iterable[tuple[str, str]] = (),
    ) -> list[bytes]:
        headers = [
            ("Content-Type", _JSON),
            ("Content-Length", str(len(body))),
            ("Cache-Control", cache),
            ("Access-Control-Allow-Origin", "*"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        headers.extend(extra)
        start_response(_STATUS[code], headers)
        return [b""] if method == "HEAD" else [body]

    def error(
        start_response: StartResponse,
        method: str,
        code: int,
        kind: str,
        message: str,
        *,
        query: str | None = None,
        extra: Iterable[tuple[str, str]] = (),
    ) -> list[bytes]:
        payload: dict[str, object] = {"error": {"code": kind, "message": message}}
        if query is not None:
            payload["query"] = query
        return respond(start_response, method, code, _json(payload), extra=extra)

    def params(environ: WSGIEnvironment) -> dict[str, str]:
        raw = environ.get("QUERY_STRING", "")
        try:
            text = raw.encode("latin-1").decode("utf-8")
            pairs = parse_qsl(
                text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict", max_num_fields=20
            )
        except (UnicodeError, ValueError):
            raise _BadParameter("the query string is not valid UTF-8 (or has too many parameters)") from None
        out: dict[str, str] = {}
        for key, value in pairs:
            if key not in _PARAMS:
                continue  # unknown parameters (cache busters ...) are ignored
            if key in out:
                raise _BadParameter(f"parameter “{key}” is given more than once")
            out[key] = value
        return out

    def handle_search(environ: WSGIEnvironment, start_response: StartResponse, method: str) -> list[bytes]:
        try:
            p = params(environ)
            q = p.get("q", "")
            if not q.strip():
                raise _BadParameter("parameter “q” (the query) is missing or empty")
            if len(q) > max_query_len:
                raise _BadParameter(f"the query is {len(q)} characters long; the limit is {max_query_len}")
            limit_text = p.get("limit", "20").strip()
            if not limit_text.isascii() or not limit_text.isdigit():
                raise _BadParameter(f"limit must be a whole number from 1 to {max_limit}")
            limit = int(limit_text)
            if not 1 <= limit <= max_limit:
                raise _BadParameter(f"limit must be a whole number from 1 to {max_limit}")
            sort = p.get("sort", "relevance") or "relevance"
            if sort not in ("relevance", "date"):
                raise _BadParameter("sort must be “relevance” or “date”")
            doc_type = p.get("type") or None
            offset = 0
            page = None
            if "offset" in p and "page" in p:
                raise _BadParameter("give either “offset” or “page”, not both")
            if "page" in p:
                text = p["page"].strip()
                if not text.isascii() or not text.isdigit() or int(text) < 1:
                    raise _BadParameter("page must be a whole number of at least 1")
                page = int(text)
                offset = (page - 1) * limit
            elif "offset" in p:
                text = p["offset"].strip()
                if not text.isascii() or not text.isdigit():
                    raise _BadParameter(f"offset must be a whole number from 0 to {MAX_OFFSET}")
                offset = int(text)
            if offset > MAX_OFFSET:
                raise _BadParameter(f"offset must be a whole number from 0 to {MAX_OFFSET}")
        except _BadParameter as exc:
            return error(start_response, method, 400, "bad_parameter", str(exc))
        try:
            res = search(
                root,
                q,
                limit=limit,
                sort=sort,
                doc_type=doc_type,
                time_limit_s=time_limit_s,
                offset=offset,
                cache=cache,
            )
        except QueryError as exc:
            return error(start_response, method, 400, "bad_query", str(exc), query=q)
        except SearchTimeout as exc:
            return error(start_response, method, 503, "timeout", str(exc), query=q, extra=[("Retry-After", "5")])
        except IndexMissingError:
            return error(
                start_response,
                method,
                503,
                "no_index",
                "the search index is not available yet; try again later",
                extra=[("Retry-After", "30")],
            )
        results = []
        for hit in res.hits:
            snippet, highlights = split_snippet(hit.snippet)
            results.append(
                {
                    "type": hit.type,
                    "id": hit.id,
                    "title": hit.title,
                    "url": hit.link or hit.url,
                    "path": hit.url,
                    "score": round(hit.score, 4),
                    "date": hit.date.isoformat() if hit.date else None,
                    "published": hit.published.isoformat() if hit.published else None,
                    "updated": hit.updated.isoformat() if hit.updated else None,
                    "snippet": snippet,
                    "highlights": highlights,
                    "article": hit.article or None,
                    "articles": [{"label": label, "url": url} for label, url in hit.articles],
                }
            )

        def link(at: int) -> str:
            query = {"q": q, "limit": str(limit), "sort": sort, "offset": str(at)}
            if doc_type:
                query["type"] = doc_type
            return _SEARCH_PATH + "?" + urlencode(query)

        nxt = link(offset + limit) if offset + limit < res.total else None
        prev = link(max(0, offset - limit)) if offset > 0 else None
        body = _json(
            {
                "query": q,
                "total": res.total,
                "limit": limit,
                "offset": offset,
                "page": offset // limit + 1 if offset % limit == 0 else None,
                "next": nxt,
                "previous": prev,
                "sort": sort,
                "type": doc_type,
                "results": results,
            }
        )
        links = [f'<{u}>; rel="{rel}"' for u, rel in ((nxt, "next"), (prev, "prev")) if u]
        return respond(
            start_response,
            method,
            200,
            body,
            cache="public, max-age=60",
            extra=[("Link", ", ".join(links))] if links else [],
        )

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        if len(path) > 1:
            path = path.rstrip("/")
        try:
            if path not in (_SEARCH_PATH, _OPENAPI_PATH):
                return error(
                    start_response,
                    method,
                    404,
                    "not_found",
                    f"no such endpoint; use {_SEARCH_PATH}?q=… or {_OPENAPI_PATH}",
                )
            if method == "OPTIONS":  # CORS preflight
                return respond(
                    start_response,
                    "HEAD",
                    204,
                    cache="public, max-age=86400",
                    extra=[
                        ("Allow", _ALLOW),
                        ("Access-Control-Allow-Methods", _ALLOW),
                        ("Access-Control-Allow-Headers", "Content-Type"),
                        ("Access-Control-Max-Age", "86400"),
                    ],
                )
            if method not in ("GET", "HEAD"):
                return error(
                    start_response,
                    method,
                    405,
                    "method_not_allowed",
                    f"{method} is not allowed; this API is read-only (GET)",
                    extra=[("Allow", _ALLOW)],
                )
            if path == _OPENAPI_PATH:
                return respond(start_response, method, 200, openapi_body, cache="public, max-age=3600")
            return handle_search(environ, start_response, method)
        except Exception:  # noqa: BLE001 - never leak a traceback to the client
            log.exception("search API failure for %s", path)
            return error(start_response, method, 500, "internal", "internal error; the problem has been logged")

    return app


MAX_HEADER_BYTES = 16 * 1024  # request line and headers: a 500-character query is < 5 KB encoded
MAX_BODY_BYTES = 1024  # a GET has none: POST and the like are answered 405 without reading more
CHANNEL_TIMEOUT_S = 30  # an idle (keep-alive) or stalled connection is closed after this


class _Board:
    """How many connections each worker process holds, in memory shared across ``fork``:
    a process leaves a new connection to a live one that holds at least two fewer, so
    keep-alive connections are spread evenly (the kernel wakes every process polling the
    shared socket and the first to call accept wins -- measured: 21 of a burst of 24
    connections in one of the 2 processes, and a 100,000-record load that ran on one
    core, 70 instead of 150 requests/s).  A process that starts leaving connections to
    the others wakes them (a byte on their socket pair), so one of them looks at the
    shared socket at once rather than at its loop's next timeout (1 s)."""

    SLOT = struct.Struct("dd")  # connections, time.monotonic() of the last look
    STALE_S = 3.0  # a process that has not looked for this long (its loop: every 1 s) is not waited for

    def __init__(self, workers: int) -> None:
        import socket

        self.workers = workers
        self.mem = mmap.mmap(-1, self.SLOT.size * workers)  # anonymous, MAP_SHARED
        start = time.monotonic()  # every process counts as live from the start (0 connections):
        for slot in range(workers):  # the first burst is not all taken by the first one to run
            self.SLOT.pack_into(self.mem, slot * self.SLOT.size, 0.0, start)
        self.bells = [socket.socketpair() for _ in range(workers)]  # [slot]: (its end, the others' end)
        for ours, theirs in self.bells:
            ours.setblocking(False)
            theirs.setblocking(False)
        self.leaving = False

    def may_accept(self, slot: int, connections: int) -> bool:
        now = time.monotonic()
        self.SLOT.pack_into(self.mem, slot * self.SLOT.size, float(connections), now)
        ok = True
        for other in range(self.workers):
            if other == slot:
                continue
            held, seen = self.SLOT.unpack_from(self.mem, other * self.SLOT.size)
            if seen and now - seen < self.STALE_S and held + 1 < connections:
                ok = False
                break
        if not ok and not self.leaving:  # from now on the others take the new connections
            for other in range(self.workers):
                if other != slot:
                    with contextlib.suppress(OSError):  # full: it is being woken already
                        self.bells[other][1].send(b"!")
        self.leaving = not ok
        return ok

    def listen_for_the_bell(self, slot: int, server: Any) -> None:
        """Wake this process's loop when another rings (the byte is only read away)."""
        from waitress import wasyncore

        class Bell(wasyncore.dispatcher):  # type: ignore[misc]  # waitress has no type hints
            def readable(self) -> bool:
                return True

            def writable(self) -> bool:
                return False

            def handle_read(self) -> None:
                with contextlib.suppress(OSError):
                    self.recv(4096)

        Bell(self.bells[slot][0], map=server._map)


def _waitress(sock: Any, app: WSGIApplication, threads: int, board: _Board | None = None, slot: int = 0) -> None:
    """One waitress server on the shared listening socket (returns on SIGINT/SIGTERM)."""
    from waitress.server import create_server

    server = create_server(
        app,
        sockets=[sock],
        threads=threads,
        connection_limit=1000,
        channel_timeout=CHANNEL_TIMEOUT_S,
        max_request_header_size=MAX_HEADER_BYTES,
        max_request_body_size=MAX_BODY_BYTES,
        asyncore_use_poll=True,
    )
    if board is not None:
        readable = server.readable  # waitress's own: maintenance, the connection limit
        board.listen_for_the_bell(slot, server)
        base = len(server._map)  # the listening socket, waitress's trigger, the bell: not connections

        def balanced() -> bool:
            return bool(readable()) and board.may_accept(slot, len(server._map) - base)

        server.readable = balanced
    server.run()


def serve(
    index_root: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 1,
    *,
    threads: int = 1,
    cache: bool = True,
    ready: Any = None,
) -> None:
    """Serve the API with waitress (blocking) until SIGINT (Ctrl-C) or SIGTERM.

    With ``workers > 1`` the listening socket is bound once and shared by that many
    forked waitress processes (POSIX only), and each keeps its own read-only
    connection to the index (per thread).  A keep-alive connection stays with the
    process that accepted it, so the processes share the count of their open
    connections (``_Board``) and one that holds two more than another leaves new
    connections to it.  ``threads``: queries each process runs at once; SQLite gives
    up Python's lock while it searches, so the threads of one process run on several
    cores, and they share one queue of requests.  ``ready``: called with the bound
    (host, port) once the socket listens (``port=0``: a free port).
    """
    import signal
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    children: list[int] = []

    def later(signum: int, frame: object) -> None:
        """A signal during the shutdown: nothing to do.  Not SIG_IGN: a signal that had
        arrived already (Ctrl-C to the group, then the parent's SIGTERM) would then raise
        "OSError: Signal 15 ignored due to race condition" wherever Python is."""

    def stop(signum: int, frame: object) -> None:
        for other in (signal.SIGTERM, signal.SIGINT):  # once: the shutdown is not interrupted
            signal.signal(other, later)
        raise SystemExit(0)  # waitress closes its connections and returns

    board = _Board(workers) if workers > 1 and hasattr(os, "fork") else None
    if board is not None:
        for slot in range(1, workers):
            pid = os.fork()
            if pid == 0:  # child: serve until told to stop (SIGTERM, or Ctrl-C to the group)
                code = 0
                try:
                    signal.signal(signal.SIGTERM, stop)
                    signal.signal(signal.SIGINT, stop)
                    _waitress(sock, make_app(index_root, cache=cache), threads, board, slot)
                except (SystemExit, KeyboardInterrupt):
                    pass
                except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
                    log.exception("search API worker failed")
                    code = 1
                finally:
                    os._exit(code)
            children.append(pid)

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if ready is not None:
            ready(sock.getsockname()[:2])
        _waitress(sock, make_app(index_root, cache=cache), threads, board, 0)
    finally:
        for other in (signal.SIGTERM, signal.SIGINT):
            signal.signal(other, later)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        sock.close()
        for sig, handler in before.items():
            signal.signal(sig, handler)
