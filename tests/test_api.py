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
from search_corpus import build_corpus, expected
from waitress import wasyncore
from waitress.server import create_server

from generator.api import make_app, split_snippet
from generator.search import write_index

DOCS = build_corpus()[:120] + build_corpus()[-4:]


@contextmanager
def running(app):
    channels: dict = {}  # the server's sockets: the listening one and every connection
    server = create_server(app, map=channels, host="127.0.0.1", port=0, threads=4)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:  # the socket closed under the poll loop while stopping (EBADF)
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.task_dispatcher.shutdown()
        server.close()
        thread.join(10)
        # a connection the loop had not closed yet when it stopped (the last request's, closed
        # by the client) would be left to the garbage collector: a ResourceWarning, raised as an
        # error in whichever later test the collection happens
        wasyncore.close_all(channels, ignore_all=True)


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
        assert set(r) == {
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
            "article",
            "articles",
        }  # (issue 8) article of a regulation hit
        assert r["path"] == f"/{r['type']}/{r['id']}/"
        assert r["url"] == r["path"]  # an index written without the site's address
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
    want = {d.id for d in DOCS if "最高人民检察院" in d.issuer and d.issued and 2015 <= d.issued.year <= 2020}
    assert data["total"] == len(want) and {r["id"] for r in data["results"]} == want


@pytest.mark.parametrize(
    "params,code,message",
    [
        (
            {"q": "issur:最高人民检察院"},
            "bad_query",
            "unknown field “issur”. Did you mean “issuer”? Fields you can use: title, summary, body, tags, doc_number, issuer, kind, validity, category, case_number, type, id, date, issued, effective. "
            "To search for a text containing “:”, put it in quotation marks.",
        ),
        (
            {"q": '"法律监督'},
            "bad_query",
            'the quotation mark at character 1 ("法律监督…) is not closed: add the closing quotation mark or remove '
            "the opening one",
        ),
        (
            {"q": "date:[2026 to 2025]"},
            "bad_query",
            "the range “[2026 to 2025]” starts after it ends: put the earlier date first",
        ),
        ({}, "bad_parameter", "parameter “q” (the query) is missing or empty"),
        ({"q": "  "}, "bad_parameter", "parameter “q” (the query) is missing or empty"),
        ({"q": "受贿", "limit": "51"}, "bad_parameter", "limit must be a whole number from 1 to 50"),
        ({"q": "受贿", "limit": "ten"}, "bad_parameter", "limit must be a whole number from 1 to 50"),
        ({"q": "受贿", "sort": "newest"}, "bad_parameter", "sort must be “relevance” or “date”"),
        (
            {"q": "受贿", "type": "law"},
            "bad_query",
            "unknown record type “law”. Types: disclosures, regulations, open-days, guides, pages",
        ),
        ({"q": "受" * 501}, "bad_parameter", "the query is 501 characters long; the limit is 500"),
        ({"q": "受贿", "offset": "-1"}, "bad_parameter", "offset must be a whole number from 0 to 100000"),
        ({"q": "受贿", "page": "0"}, "bad_parameter", "page must be a whole number of at least 1"),
        ({"q": "受贿", "page": "1", "offset": "0"}, "bad_parameter", "give either “offset” or “page”, not both"),
    ],
)
def test_bad_requests_get_400_json(base, params, code, message):
    status, headers, data = get_search(base, **params)
    assert status == 400
    assert data["error"] == {"code": code, "message": message}
    assert headers["Cache-Control"] == "no-store"
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_invalid_utf8_and_repeated_parameters(base):
    status, _, body = request(f"{base}/api/search?q=%FF%FE")
    assert status == 400 and json.loads(body)["error"] == {
        "code": "bad_parameter",
        "message": "the query string is not valid UTF-8 (or has too many parameters)",
    }
    status, _, body = request(f"{base}/api/search?q=a&q=b")
    assert status == 400 and json.loads(body)["error"] == {
        "code": "bad_parameter",
        "message": "parameter “q” is given more than once",
    }


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
    status, headers, body = request(f"{base}/api/search?q=受贿".replace("受贿", "%E5%8F%97%E8%B4%BF"), method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    status, headers, body = request(
        f"{base}/api/search",
        method="OPTIONS",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in headers["Access-Control-Allow-Methods"]


def test_openapi_document(base):
    status, headers, body = request(f"{base}/api/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.1")
    op = doc["paths"]["/api/search"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"q", "type", "limit", "sort", "offset", "page"}
    assert {"200", "400", "500", "503"} <= set(op["responses"])
    codes = {
        code
        for path in doc["paths"].values()
        for op in path.values()
        if isinstance(op, dict)
        for code in op.get("responses", {})
    }
    assert codes == {"200", "204", "400", "404", "405", "500", "503"}
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


# --- paging (issue 11) and responses validated against the OpenAPI document -----------


def _validator(doc: dict, schema: dict):
    import jsonschema

    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


def _check_against_openapi(doc: dict, path: str, method: str, status: int, body: bytes) -> None:
    """The response must be one the document lists, with a body valid against its schema."""
    entry = doc["paths"].get(path) or doc["paths"]["/{other}"]
    op = entry[method.lower()]
    assert str(status) in op["responses"], (path, method, status)
    content = op["responses"][str(status)].get("content")
    if method == "HEAD" or status == 204:
        assert body == b""
        return
    assert content is not None, (path, method, status)
    _validator(doc, content["application/json"]["schema"]).validate(json.loads(body))


def test_real_responses_validate_against_the_openapi_document(base, index):
    doc = json.loads(request(f"{base}/api/openapi.json")[2])
    cases = [
        ("/api/search?" + urlencode({"q": "受贿", "limit": 5}), "GET"),
        ("/api/search?" + urlencode({"q": "受贿", "limit": 5, "page": 2}), "GET"),
        ("/api/search?" + urlencode({"q": "检察院", "type": "regulations", "sort": "date"}), "GET"),
        ("/api/search?" + urlencode({"q": "不存在的词语组合"}), "GET"),
        ("/api/search?" + urlencode({"q": "issur:x"}), "GET"),
        ("/api/search?" + urlencode({"q": "受贿", "offset": "-1"}), "GET"),
        ("/api/search?q=%E5%8F%97", "HEAD"),
        ("/api/search", "OPTIONS"),
        ("/api/search?q=x", "POST"),
        ("/api/openapi.json", "DELETE"),
        ("/api/openapi.json", "GET"),
        ("/api/nothing", "GET"),
    ]
    seen = set()
    for target, method in cases:
        status, _, body = request(base + target, method=method)
        _check_against_openapi(doc, target.split("?")[0], method, status, body)
        seen.add(status)
    with running(make_app(index, time_limit_s=1e-9)) as url:
        status, _, body = request(f"{url}/api/search?q=%E4%BA%BA%E6%B0%91")
        _check_against_openapi(doc, "/api/search", "GET", status, body)
        seen.add(status)
    assert seen == {200, 204, 400, 404, 405, 503}


def test_paging_with_offset_page_total_and_next(base):
    total = len(expected(DOCS, "检察院"))
    assert total > 25
    status, headers, first = get_search(base, q="检察院", limit=10, sort="date")
    assert status == 200 and first["offset"] == 0 and first["page"] == 1 and first["total"] == total
    assert first["previous"] is None and first["next"].startswith("/api/search?")
    assert 'rel="next"' in headers["Link"]
    seen = [r["id"] for r in first["results"]]
    page = first
    while page["next"]:
        status, _, body = request(base + page["next"])
        assert status == 200
        page = json.loads(body)
        seen += [r["id"] for r in page["results"]]
    assert len(seen) == len(set(seen)) == total  # every result once, none skipped
    _, _, by_page = get_search(base, q="检察院", limit=10, sort="date", page=2)
    _, _, by_offset = get_search(base, q="检察院", limit=10, sort="date", offset=10)
    assert by_page["results"] == by_offset["results"] and by_page["offset"] == 10
    assert [r["id"] for r in by_page["results"]] == seen[10:20]
    _, _, beyond = get_search(base, q="检察院", offset=total + 5)
    assert beyond["results"] == [] and beyond["next"] is None and beyond["total"] == total
    for bad in ({"offset": "x"}, {"page": "0"}, {"offset": "1", "page": "1"}, {"offset": "100001"}):
        status, _, data = get_search(base, q="检察院", **bad)
        assert status == 400 and data["error"]["code"] == "bad_parameter"


def test_api_over_a_built_site_gives_absolute_urls_and_dates(built_sample):
    from generator.search import index_dir_for

    with running(make_app(index_dir_for(built_sample))) as url:
        status, _, data = get_search(url, q="受贿")
    assert status == 200
    hit = next(r for r in data["results"] if r["id"] == "bribery-case")
    assert hit["url"] == "https://test.example.org/disclosures/bribery-case/"
    assert (hit["published"], hit["updated"]) == ("2026-03-02", "2026-03-05")
