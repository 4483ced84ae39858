"""The open data and the static search index made in a second process while the pages are
made (``pipeline._beside_pages``, ``workers.Alongside``): the same bytes as in one process;
a failure there, or that process killed, stops the build with a clear message (exit 70)
and leaves the published site, its index and the cache as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, SAMPLE, run_cli, tree_digest

from generator import pipeline
from generator.cache import read_entry
from generator.errors import BuildError, Problem, WorkerError
from generator.workers import Alongside, InProcess


@pytest.fixture(autouse=True)
def _room(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever memory the test machine has left: the second process is asked for (its
    memory rule has a test of its own)."""
    monkeypatch.setattr(pipeline, "memory_room", lambda: None)


def _sample(tmp_path: Path, name: str = "sample") -> Path:
    root = tmp_path / name
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    return root


def _build(root: Path, jobs: int) -> pipeline.BuildReport:
    old = Path.cwd()
    os.chdir(root)
    try:
        config, now = pipeline.configure(Path("site_config.yml"), NOW)
        return pipeline.build(config, Path("out"), now, jobs=jobs)
    finally:
        os.chdir(old)


def test_two_processes_make_the_same_site_as_one(tmp_path: Path) -> None:
    one, two = _sample(tmp_path, "one"), _sample(tmp_path, "two")
    report_one, report_two = _build(one, 1), _build(two, 2)
    assert "open data, static search index (in parallel)" in report_two.timings  # really beside the pages
    assert "open data, static search index (in parallel)" not in report_one.timings
    assert (two / "out/search").is_dir() and (two / "out/data").is_dir()
    assert tree_digest(two / "out") == tree_digest(one / "out")
    # the cache entries made in the second process are kept (the build prunes what it did
    # not use) and are the same as those made in one process
    assert _outputs(two) == _outputs(one) and len(_outputs(one)) >= 2
    # a rebuild after a change of one record, from those entries
    for root in (one, two):
        record = root / "content/disclosures/2026/bribery-case.md"
        record.write_bytes(record.read_bytes() + "\n补充一句。\n".encode())
    _build(one, 1)
    _build(two, 2)
    assert tree_digest(two / "out") == tree_digest(one / "out")
    # a change of config: every record again, beside the pages
    for root in (one, two):
        _retitle(root)
    _build(one, 1)
    assert "open data, static search index (in parallel)" in _build(two, 2).timings
    assert tree_digest(two / "out") == tree_digest(one / "out")


def _outputs(root: Path) -> dict[str, Any]:
    """The build cache's output entries (the static search index, the open data's shards),
    as values (pickles of equal values may differ in their bytes)."""
    folder = root / ".openaffairs/cache/outputs"
    return {p.name: read_entry(p) for p in sorted(folder.iterdir())}


def _retitle(root: Path) -> None:
    config = root / "site_config.yml"
    text = config.read_text(encoding="utf-8")
    assert "\nsite_name: " in text
    config.write_text(text.replace("\nsite_name: ", "\nsite_name: 新", 1), encoding="utf-8")


def _fail_in_child(monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    real = pipeline.static_search_files
    parent = os.getpid()

    def failing(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            if action == "exit":
                os._exit(3)
            if action == "build-error":
                raise BuildError([Problem("content/x.md", 4, "a problem found beside the pages")])
            raise ValueError("a bug in the static index")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "static_search_files", failing)


@pytest.mark.parametrize("action", ["raise", "exit", "build-error"])
def test_a_failure_beside_the_pages_stops_the_build_and_keeps_the_site(
    action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _sample(tmp_path)
    first = run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "2"], root)
    assert first.exit_code == 0, first.stderr
    before = tree_digest(root / "out")
    _retitle(root)  # a config change: every record filtered and indexed again, beside the pages
    _fail_in_child(monkeypatch, action)
    result = run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "2"], root)
    if action == "build-error":  # a problem of the content: file:line, exit 1, no traceback
        assert result.exit_code == 1, result.stderr
        assert "content/x.md:4" in result.stderr and "a problem found beside the pages" in result.stderr
        assert "Traceback" not in result.stderr
    else:
        assert result.exit_code == 70, result.stderr  # internal error: what failed, where
        assert "internal error in openaffairs" in result.stderr
        if action == "raise":
            assert "ValueError: a bug in the static index" in result.stderr
            assert "in the process beside the build" in result.stderr  # the child's own traceback
        else:
            assert "open data and static search index: a worker process ended unexpectedly" in result.stderr
    assert tree_digest(root / "out") == before  # the published site untouched
    monkeypatch.undo()
    again = run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "2"], root)  # the cache still usable
    assert again.exit_code == 0, again.stderr
    fresh = _sample(tmp_path, "fresh")
    _retitle(fresh)
    assert run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "1", "--no-cache"], fresh).exit_code == 0
    assert tree_digest(root / "out") == tree_digest(fresh / "out")


def test_the_process_beside_the_pages_killed(tmp_path: Path) -> None:
    """Killed (SIGKILL, as the kernel's OOM killer would) while the build goes on: exit 70
    with the stage named, no traceback of ours, nothing published, no process left."""
    root = _sample(tmp_path)
    env = {**os.environ, "OPENAFFAIRS_KILL_AT": "alongside"}
    cmd = [sys.executable, "-m", "generator", "build", "--now", NOW, "--out", "out", "--jobs", "2", "-q"]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 70, proc.stderr
    assert "open data and static search index: a worker process ended unexpectedly (exit code -9)" in proc.stderr
    assert not (root / "out").exists()
    env.pop("OPENAFFAIRS_KILL_AT")
    assert subprocess.run(cmd, cwd=root, env=env, capture_output=True, timeout=600).returncode == 0


def test_alongside_gives_the_value_the_exception_or_the_death() -> None:
    pieces = [{"a": b"x" * 3_000_000}, {"b": b"y"}, 3.5]
    assert Alongside(lambda: list(pieces), RuntimeError).result() == pieces  # one by one, in order

    def fails() -> None:
        raise BuildError([Problem("a.md", 2, "bad")])

    with pytest.raises(BuildError) as caught:
        Alongside(fails, RuntimeError).result()
    assert caught.value.problems == [Problem("a.md", 2, "bad")]  # whole, not rebuilt from its text
    with pytest.raises(WorkerError, match=r"ended unexpectedly \(exit code 5\)"):
        Alongside(lambda: os._exit(5), WorkerError).result()
    slow = Alongside(lambda: __import__("time").sleep(60), RuntimeError)
    slow.cancel()  # killed, not waited for
    assert slow._child.exitcode == -9


def test_what_runs_beside_the_pages() -> None:
    """A second process only when there is much to index again: its memory is the pages of
    the build's heap it touches, and it reads every record."""

    def where(jobs: int | None, count: int, made: int) -> str:
        side = pipeline._beside_pages(lambda: ["done"], jobs, count, made)
        assert side.result() == ["done"]
        return "beside" if isinstance(side, Alongside) else "here"

    assert where(2, 20_000, 20_000) == "beside"  # a cold build, a change of config or template
    assert where(2, 20_000, 2_000) == "beside"  # a tenth of the records filtered anew
    assert where(2, 20_000, 1) == "here"  # a one-record rebuild
    assert where(1, 20_000, 20_000) == "here"  # --jobs 1
    assert where(None, 100, 100) == "here"  # a small site
    assert where(2, 15, 15) == "beside"  # --jobs 2 asks for it (the tests' small sites)


def test_no_second_process_to_be_had(monkeypatch: pytest.MonkeyPatch) -> None:
    """fork refused (memory, a process limit): the work is done in the build's process."""

    def refused(*args: Any, **kwargs: Any) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(pipeline, "Alongside", refused)
    side = pipeline._beside_pages(lambda: ["done"], 2, 20_000, 20_000)
    assert isinstance(side, InProcess) and side.result() == ["done"]


def test_the_pieces_make_the_files_again() -> None:
    files = {f"search/{i}.bin": bytes([i % 251]) * (i * 40_000) for i in range(300)}
    parts = list(pipeline._parts(files))
    assert len(parts) > 3 and all(sum(map(len, p.values())) < pipeline._PIECE_BYTES + 12_000_000 for p in parts)
    pieces = [("extra", {"robots.txt": b"x"}), *[("search", p) for p in parts], ("used", ["k"]), ("seconds", 1.5)]
    assert pipeline._assembled(pieces) == ({"robots.txt": b"x"}, files, ["k"], 1.5)
    assert list(pipeline._assembled(pieces)[1]) == list(files)  # in their order


def test_no_room_for_a_second_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child may copy most of the build's heap: it is made only when the machine has
    memory for twice what the build holds (a CI runner with 7 GB builds in one process)."""
    monkeypatch.setattr(pipeline, "memory_room", lambda: (3 << 30, 2 << 30))
    assert isinstance(pipeline._beside_pages(lambda: ["done"], 2, 20_000, 20_000), InProcess)
    monkeypatch.setattr(pipeline, "memory_room", lambda: (5 << 30, 2 << 30))
    side = pipeline._beside_pages(lambda: ["done"], 2, 20_000, 20_000)
    assert isinstance(side, Alongside) and side.result() == ["done"]
    monkeypatch.setattr(pipeline, "memory_room", lambda: None)  # /proc does not tell: as before
    side = pipeline._beside_pages(lambda: ["done"], 2, 20_000, 20_000)
    assert isinstance(side, Alongside) and side.result() == ["done"]


def test_memory_room_reads_this_machine() -> None:
    from generator.workers import memory_room

    room = memory_room()
    assert room is not None  # (Linux: the project's platform for builds)
    available, resident = room
    assert available > 0 and 10 << 20 < resident < available * 4
