"""The privacy filter in worker processes (``run_filter(jobs=N)``, ``build --jobs N``):
the same records, redactions, warnings and bytes as in one process, in the same
order; a worker that fails stops the build (exit 70, the record named), never a
record silently left out."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, REPO, SAMPLE, build_sample_on_two_workers, run_cli, tree_digest

sys.path.insert(0, str(REPO / "benchmarks"))

from generate import generate  # noqa: E402

from generator import pipeline  # noqa: E402
from generator.privacy import filter as privacy_filter  # noqa: E402
from generator.privacy import run_filter  # noqa: E402
from generator.workers import available_cpus  # noqa: E402


def _prepared(root: Path) -> Any:
    old = Path.cwd()
    os.chdir(root)
    try:
        config, now = pipeline.configure(Path("site_config.yml"), NOW)
        return pipeline._decided(config, now, lambda s: None)
    finally:
        os.chdir(old)


def _filtered(root: Path, jobs: int) -> tuple[privacy_filter.FilterResult, list[Any]]:
    p = _prepared(root)
    old = Path.cwd()
    os.chdir(root)
    try:
        result = run_filter(p.decided, p.config, p.origin, jobs=jobs)
    finally:
        os.chdir(old)
    shown = [
        (pub.outcome, pub.type, pub.id, repr(pub.record), pub.files, pub.body_html, pub.body_text)
        for pub in result.public
    ]
    return result, shown


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 generated records: parties, aliases, private values, planted identifiers, attachments."""
    root = tmp_path_factory.mktemp("parallel") / "generated"
    generate(300, root)
    return root


@pytest.mark.parametrize(("site", "at_least"), [("sample", 5), ("content", 40), ("generated", 200)])
def test_two_workers_filter_exactly_as_one(site: str, at_least: int, generated: Path, tmp_path: Path) -> None:
    root = tmp_path / site
    if site == "sample":  # tests/site: hostile inputs, attachments, every kind of record
        shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    elif site == "content":  # the repository's sample site
        root.mkdir()
        shutil.copy(REPO / "site_config.yml", root / "site_config.yml")
        shutil.copytree(REPO / "content", root / "content")
    else:
        root = generated
    one, shown_one = _filtered(root, jobs=1)
    two, shown_two = _filtered(root, jobs=2)
    assert one.workers == 1 and two.workers == 2  # the second really ran in two processes
    assert len(shown_one) >= at_least
    assert shown_two == shown_one  # same records, same order, same filtered texts
    assert two.redactions == one.redactions and len(one.redactions) >= at_least
    assert two.warnings == one.warnings
    assert two.problems == one.problems
    assert two.scanned == one.scanned and one.scanned  # every attachment read, with its digest


class _Entries:
    """A ``RecordCache`` that keeps what ``run_filter`` stores, pickled as the build cache
    stores it (``BuildCache.put``)."""

    fingerprint = "test"

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    def get_many(self, keys: Any) -> dict[str, Any]:
        return {}

    def put(self, key: str, value: Any) -> None:
        self.stored[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def test_the_cache_entries_a_worker_sends_are_those_made_in_one_process(generated: Path) -> None:
    """The parent stores the entry a worker sent as it came (``_filter_parallel``), not one
    made again from the record it rebuilt of it: the same bytes as in one process."""
    p = _prepared(generated)
    kept: dict[int, _Entries] = {}
    old = Path.cwd()
    os.chdir(generated)
    try:
        for jobs in (1, 2):
            kept[jobs] = _Entries()
            sources = {d.path: d.digest for d in p.tree.documents}
            result = run_filter(p.decided, p.config, p.origin, cache=kept[jobs], sources=sources, jobs=jobs)
            assert result.workers == jobs
    finally:
        os.chdir(old)
    assert len(kept[1].stored) >= 200
    assert kept[2].stored == kept[1].stored


def test_a_site_built_with_two_workers_is_byte_identical(built_sample: Path, tmp_path: Path) -> None:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    result = run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "2"], root)
    assert result.exit_code == 0, result.stderr
    assert tree_digest(root / "out") == tree_digest(built_sample)
    # the cache filled by the workers is used by the next build, which gives the same bytes
    again = run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "2"], root)
    assert again.exit_code == 0, again.stderr
    found = re.search(r"(\d+) of (\d+) records from the cache", again.stdout + again.stderr)
    assert found is not None and found.group(1) == found.group(2) and int(found.group(1)) >= 5
    assert tree_digest(root / "out") == tree_digest(built_sample)


def _failing_on(monkeypatch: pytest.MonkeyPatch, wanted: str, action: str) -> None:
    """Filtering the record whose path ends with ``wanted`` fails (in a worker: the
    workers are forked, so they inherit the patch)."""
    real = privacy_filter.undeclared_people
    parent = os.getpid()

    def failing(source_path: str, *args: Any, **kwargs: Any) -> Any:
        if source_path.endswith(wanted):
            if action == "exit" and os.getpid() != parent:
                os._exit(3)  # the worker process dies
            raise ValueError("a bug in the filter")
        return real(source_path, *args, **kwargs)

    monkeypatch.setattr(privacy_filter, "undeclared_people", failing)


@pytest.mark.parametrize("action", ["raise", "exit"])
def test_a_worker_that_fails_stops_the_build(action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_on(monkeypatch, "2026/bribery-case.md", action)
    root, result = build_sample_on_two_workers(tmp_path)
    assert result.exit_code == 70  # an internal error: traceback and a request to report it
    assert "internal error in openaffairs" in result.stderr
    if action == "raise":
        assert "privacy filter failed on content/disclosures/2026/bribery-case.md in a worker process" in result.stderr
        assert "ValueError: a bug in the filter" in result.stderr
    else:
        assert "privacy filter: a worker process ended unexpectedly" in result.stderr
    assert not (root / "out").exists()  # nothing published


def test_the_same_failure_in_one_process_also_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    _failing_on(monkeypatch, "2026/bribery-case.md", "raise")
    result = run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "1"], root)
    assert result.exit_code == 70 and "ValueError: a bug in the filter" in result.stderr
    assert not (root / "out").exists()


def test_jobs_default_and_bounds() -> None:
    assert privacy_filter._workers(None, privacy_filter.MIN_PARALLEL - 1) == 1  # small sites: no pool
    assert privacy_filter._workers(None, 10_000) == min(available_cpus(), 10_000)
    assert privacy_filter._workers(4, 3) == 3 and privacy_filter._workers(2, 1) == 1
    assert privacy_filter._workers(1, 10_000) == 1
