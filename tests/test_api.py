"""The read-only search API, through a real waitress server and real HTTP."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from waitress.server import create_server

from generator.api import make_app, split_snippet
from generator.search_index import write_index
from search_corpus import build_corpus, expected

DOCS = build_corpus()[:120] + build_corpus()[-4:]


@contextmanager
def running(app):
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown()
        server.close()
        thread.join(10)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("api") / "index"
    write_index(DOCS, root)
    return root


@pytest.fixture(scope="module")
def base(index):
    with running(make_app(index, max_limit=50)) as url:
        yield url


def request(url: str, method: str = "GET", headers: dict | None = None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def get_search(base: str, **params):
    status, headers, body = request(f"{base}/api/search?{urlencode(params)}")
    return status, headers, json.loads(body)


def test_search_returns_json_results(base):
    status, headers, data = get_search(base, q="受贿", limit=5)
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in headers["Cache-Control"]
    assert data["query"] == "受贿"
    assert data["total"] == len(expected(DOCS, "受贿"))
    assert len(data["results"]) == 5
    for r in data["results"]:
        assert set(r) == {"type", "id", "title", "url", "score", "date", "snippet", "highlights",
                          "article", "articles"}  # (issue 8) article of a regulation hit
        assert r["url"] == f"/{r['type']}/{r['id']}/"
        assert "\x01" not in r["snippet"] and "\x02" not in r["snippet"]
        for start, end in r["highlights"]:
            assert r["snippet"][start:end] == "受贿"


def test_type_sort_and_limit_parameters(base):
    status, _, data = get_search(base, q="检察院", type="disclosures", sort="date", limit=50)
    assert status == 200 and data["sort"] == "date" and data["type"] == "disclosures"
    assert {r["type"] for r in data["results"]} == {"disclosures"}
    dates = [r["date"] for r in data["results"]]
    assert dates == sorted(dates, reverse=True)


def test_fielded_query_over_http(base):
    status, _, data = get_search(base, q="issuer:最高人民检察院 issued:[2015 to 2020]", limit=50)
    assert status == 200
    want = {d.id for d in DOCS if "最高人民检察院" in d.issuer and d.issued
            and 2015 <= d.issued.year <= 2020}
    assert data["total"] == len(want) and {r["id"] for r in data["results"]} == want


@pytest.mark.parametrize("params,code,text", [
    ({"q": "issur:最高人民检察院"}, "bad_query", "Did you mean"),
    ({"q": '"法律监督'}, "bad_query", "quotation mark"),
    ({"q": "date:[2026 to 2025]"}, "bad_query", "starts after it ends"),
    ({}, "bad_parameter", "missing"),
    ({"q": "  "}, "bad_parameter", "missing"),
    ({"q": "受贿", "limit": "51"}, "bad_parameter", "from 1 to 50"),
    ({"q": "受贿", "limit": "ten"}, "bad_parameter", "whole number"),
    ({"q": "受贿", "sort": "newest"}, "bad_parameter", "sort"),
    ({"q": "受贿", "type": "law"}, "bad_query", "unknown record type"),
    ({"q": "受" * 501}, "bad_parameter", "limit is 500"),
])
def test_bad_requests_get_400_json(base, params, code, text):
    status, headers, data = get_search(base, **params)
    assert status == 400
    assert data["error"]["code"] == code and text in data["error"]["message"]
    assert headers["Cache-Control"] == "no-store"
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_invalid_utf8_and_repeated_parameters(base):
    status, _, body = request(f"{base}/api/search?q=%FF%FE")
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_parameter"
    status, _, body = request(f"{base}/api/search?q=a&q=b")
    assert status == 400 and "more than once" in json.loads(body)["error"]["message"]


def test_unknown_path_404_and_other_methods_405(base):
    status, _, body = request(f"{base}/api/nothing")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"
    status, _, body = request(f"{base}/")
    assert status == 404
    for method in ("POST", "PUT", "DELETE"):
        status, headers, body = request(f"{base}/api/search?q=x", method=method)
        assert status == 405 and headers["Allow"] == "GET, HEAD, OPTIONS"
        assert json.loads(body)["error"]["code"] == "method_not_allowed"


def test_head_and_cors_preflight(base):
    status, headers, body = request(f"{base}/api/search?q=受贿".replace("受贿", "%E5%8F%97%E8%B4%BF"),
                                    method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    status, headers, body = request(
        f"{base}/api/search", method="OPTIONS",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in headers["Access-Control-Allow-Methods"]


def test_openapi_document(base):
    status, headers, body = request(f"{base}/api/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.1")
    op = doc["paths"]["/api/search"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"q", "type", "limit", "sort"}
    assert {"200", "400", "503"} <= set(op["responses"])
    limit = next(p for p in op["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 50

    def refs(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    yield v
                else:
                    yield from refs(v)
        elif isinstance(node, list):
            for v in node:
                yield from refs(v)

    for ref in refs(doc):  # every reference resolves
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]


def test_time_limit_gives_503(index):
    with running(make_app(index, time_limit_s=1e-9)) as url:
        status, headers, data = get_search(url, q="人民检察院")
    assert status == 503 and data["error"]["code"] == "timeout"
    assert headers["Retry-After"] and headers["Cache-Control"] == "no-store"


def test_missing_index_gives_503(tmp_path):
    with running(make_app(tmp_path / "none")) as url:
        status, _, data = get_search(url, q="受贿")
    assert status == 503 and data["error"]["code"] == "no_index"


def test_split_snippet():
    assert split_snippet("a\x01受贿\x02b\x01x\x02") == ("a受贿bx", [[1, 3], [4, 5]])
