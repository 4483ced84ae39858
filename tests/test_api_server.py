"""(issue 13) ``generator.api.serve`` as deployed: forked worker processes sharing one
listening socket, several threads each, over real sockets -- answers, limits, the
switch to a new index generation under a running server, and shutdown."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from search_corpus import build_corpus, expected

from generator.search import SearchDoc, write_index

REPO = Path(__file__).resolve().parent.parent
DOCS = build_corpus()[:80]
NEW = SearchDoc(
    type="disclosures",
    id="new-generation",
    title="第二代索引里的独有记录",
    url="/disclosures/new-generation/",
    body="只有新一代索引才有这条记录：独有词语鹦鹉螺。",
)
SERVER = """
import sys
from pathlib import Path
from generator.api import serve
serve(Path(sys.argv[1]), port=0, workers=int(sys.argv[2]), threads=int(sys.argv[3]),
      ready=lambda address: print(address[1], flush=True))
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers, /proc (Linux)")


@contextmanager
def server(index: Path, workers: int = 2, threads: int = 2) -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(index), str(workers), str(threads)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: Ctrl-C is sent to the group
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip().isdigit(), proc.stderr.read() if proc.stderr else line
        yield proc, int(line)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(x) for x in (task / "children").read_text().split()]
    return found


def owner(conn: http.client.HTTPConnection, port: int, pids: list[int]) -> int:
    """The worker process holding the server side of ``conn`` (from /proc/net/tcp)."""
    assert conn.sock is not None
    here = conn.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if int(local, 16) == port and int(remote, 16) == here:
            inode = fields[9]
    assert inode is not None
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if str(fd.readlink()) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


def get(conn: http.client.HTTPConnection, target: str) -> tuple[int, dict[str, str], bytes]:
    conn.request("GET", target)
    resp = conn.getresponse()
    return resp.status, dict(resp.getheaders()), resp.read()


def search(conn: http.client.HTTPConnection, q: str, extra: str = "") -> dict:
    status, _, body = get(conn, f"/api/search?q={quote(q)}&limit=50{extra}")
    assert status == 200, body
    return json.loads(body)


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    root = tmp_path / "index"
    write_index(DOCS, root)
    return root


def connections_on_each_worker(port: int, pids: list[int]) -> dict[int, http.client.HTTPConnection]:
    """One kept-alive connection served by each worker (new connections until both are seen)."""
    mine: dict[int, http.client.HTTPConnection] = {}
    spare = []
    for _ in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        assert get(conn, "/api/openapi.json")[0] == 200
        pid = owner(conn, port, pids)
        if pid in mine:
            spare.append(conn)
        else:
            mine[pid] = conn
        if len(mine) == len(pids):
            break
    for conn in spare:
        conn.close()
    assert set(mine) == set(pids), "the kernel never gave a connection to one of the workers"
    return mine


def test_keep_alive_connections_are_spread_over_the_workers(index: Path) -> None:
    """24 connections opened in bursts and kept open: the workers hold about as
    many each (a process holding two more than another leaves new ones to it) -- the
    kernel alone gave most or all of them to the process that won the race to accept."""
    with server(index, workers=2, threads=1) as (proc, port):
        pids = [proc.pid, *children(proc.pid)]
        conns = []
        for round_ in range(3):  # a burst of 8 at once (as clients start), three times
            burst = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(8)]
            for conn in burst:
                conn.connect()
            for conn in burst:
                conn.request("GET", "/api/search?q=" + quote("检察") + f"&limit={round_ + 1}")
            for conn in burst:
                assert conn.getresponse().read()
            conns += burst
        held = {pid: 0 for pid in pids}
        for conn in conns:
            held[owner(conn, port, pids)] += 1
        for conn in conns:
            conn.close()
        assert all(9 <= n <= 15 for n in held.values()), held


def test_every_worker_answers_and_moves_to_a_new_generation(index: Path) -> None:
    with server(index) as (proc, port):
        kids = children(proc.pid)
        assert len(kids) == 1  # two workers: the parent and one forked child
        conns = connections_on_each_worker(port, [proc.pid, *kids])
        want = {i for t, i in expected(DOCS, "受贿")}
        for conn in conns.values():  # the same answers from each process, threads and all
            data = search(conn, "受贿")
            assert data["total"] == len(want) and {r["id"] for r in data["results"]} <= want
            assert search(conn, "鹦鹉螺")["total"] == 0
        old = sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))
        write_index([*DOCS, NEW], index)  # a new build switches the index under the server
        for conn in conns.values():  # each process, on its kept connection, sees the new records
            data = search(conn, "鹦鹉螺")
            assert data["total"] == 1 and data["results"][0]["id"] == "new-generation"
            assert search(conn, "受贿")["total"] == len(want)
        # both moved: the old generation is no longer held, so the next build deletes it
        write_index([*DOCS, replace(NEW, title="第三代")], index)
        gens = sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))
        assert not set(old) & set(gens)
        for conn in conns.values():
            assert search(conn, "鹦鹉螺")["results"][0]["title"] == "第三代"
            conn.close()


def test_bounded_requests_and_no_traceback(index: Path) -> None:
    with server(index) as (proc, port):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:  # 64 KB of headers
            raw.sendall(b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n")
            answer = raw.recv(65536)
        assert answer.split(b" ")[1] == b"431" and b"Traceback" not in answer
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:  # a body on a read-only API
            raw.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 4096)
            answer = raw.recv(65536)
        assert answer.split(b" ")[1] == b"413" and b"Traceback" not in answer
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:  # not HTTP at all
            raw.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
            answer = raw.recv(65536)
        assert answer.split(b" ")[1] == b"400" and b"Traceback" not in answer
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, headers, body = get(conn, "/api/search?q=" + quote("受" * 501))
        assert status == 400 and json.loads(body)["error"]["code"] == "bad_parameter"
        assert search(conn, "受贿")["total"] > 0  # still serving
        conn.close()
        assert proc.poll() is None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, "both"])
def test_shutdown_on_sigterm_and_ctrl_c(index: Path, sig: signal.Signals | str) -> None:
    with server(index) as (proc, port):
        kids = children(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        assert search(conn, "受贿")["total"] > 0  # a kept-alive connection is open
        if sig == "both":  # Ctrl-C and SIGTERM at once: a second signal during the shutdown
            os.killpg(proc.pid, signal.SIGINT)
            os.killpg(proc.pid, signal.SIGTERM)
        elif sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # Ctrl-C in a terminal: the whole process group
        else:
            proc.send_signal(sig)  # a service manager: the main process
        assert proc.wait(30) == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert "Traceback" not in err, err
        for pid in kids:  # the workers are gone (reaped), not left serving
            assert not Path(f"/proc/{pid}").exists()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        conn.close()
