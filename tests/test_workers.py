"""A build killed while its worker processes are busy leaves no process behind.

Every pool of the build (the loading's and the privacy filter's forked workers, the
record pages' spawned shell workers, the journalists' index writer) ends with the build
process, however it ends: a worker left behind would block for ever on the pipes it
inherited and keep its memory (at 100,000 records, hundreds of MB each).  The build kills
itself with SIGKILL at a named point (``OPENAFFAIRS_KILL_AT``, ``generator.workers.kill_point``)
reached only while that pool's workers are alive; every process it started carries a
tag in its environment, and none may be left a few seconds later.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from generate import generate  # noqa: E402

NOW = "2026-11-26T10:00:00+08:00"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 generated records: enough record pages for the shell workers (400 or more)."""
    root = tmp_path_factory.mktemp("workers") / "site"
    generate(600, root)
    return root


def _tagged(tag: str) -> list[str]:
    """The live processes whose environment carries ``tag`` (zombies have none)."""
    found = []
    for proc in Path("/proc").iterdir():
        pid = proc.name
        if not pid.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if f"OPENAFFAIRS_TEST_TAG={tag}".encode() in environ.split(b"\0"):
            found.append(f"{pid}: {cmdline[:120].decode(errors='replace')}")
    return found


@pytest.mark.parametrize("point", ["loading-workers", "filter-workers", "shell-workers", "rendered"])
def test_a_build_killed_with_busy_workers_leaves_no_process(site: Path, point: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex
    env = {**os.environ, "OPENAFFAIRS_KILL_AT": point, "OPENAFFAIRS_TEST_TAG": tag}
    out = tmp_path / "out"
    log = tmp_path / "build.log"
    # --jobs 2: the loading and the filter in two workers each, whatever the machine.
    # Output to a file, not a pipe: a worker left behind would hold a pipe open.
    with log.open("wb") as sink:
        code = subprocess.run(
            [sys.executable, "-m", "generator", "build", "--now", NOW, "--out", str(out), "--jobs", "2", "-q"],
            cwd=site,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=600,
        ).returncode
    assert code == -9, f"the kill point {point} was not reached: {log.read_text('utf-8', 'replace')[-2000:]}"
    left = _tagged(tag)
    deadline = time.monotonic() + 10
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _tagged(tag)
    for line in left:  # never leave them to the next test
        os.kill(int(line.split(":")[0]), 9)
    assert not left, f"processes left behind by a build killed at {point}: {left}"
    assert not out.exists()  # killed before the swap: nothing published


def test_a_build_killed_while_the_spare_tree_is_cleared_leaves_no_process(site: Path, tmp_path: Path) -> None:
    """From the third build of an output on, another process removes the spare tree's files
    while the pages are made; killed right after it started, the build leaves none behind,
    and the next build is a whole one."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "generator", "build", "--now", NOW, "--out", str(out), "-q"]
    record = sorted((site / "content/disclosures").rglob("*.md"))[3]
    original = record.read_bytes()
    try:
        for n in range(2):
            record.write_bytes(original + f"\n补充{n}。\n".encode())
            assert subprocess.run(cmd, cwd=site, capture_output=True, timeout=600).returncode == 0
        assert (tmp_path / ".openaffairs/cache/spare/out").is_dir()  # the spare tree (cache_dir_for(out))
        tag = uuid.uuid4().hex
        record.write_bytes(original + "\n补充2。\n".encode())
        env = {**os.environ, "OPENAFFAIRS_KILL_AT": "filtered", "OPENAFFAIRS_TEST_TAG": tag}
        code = subprocess.run(cmd, cwd=site, env=env, capture_output=True, timeout=600).returncode
        assert code == -9
        left = _tagged(tag)
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = _tagged(tag)
        for line in left:
            os.kill(int(line.split(":")[0]), 9)
        assert not left, f"processes left behind: {left}"
        assert subprocess.run(cmd, cwd=site, capture_output=True, timeout=600).returncode == 0
    finally:
        record.write_bytes(original)


def test_the_kill_points_are_off_without_the_variable() -> None:
    from generator.workers import kill_point

    assert "OPENAFFAIRS_KILL_AT" not in os.environ
    for point in ("loading-workers", "filter-workers", "shell-workers"):
        kill_point(point)  # returns: no variable, no kill
