"""Loading and validation in worker processes (``intake.load_and_validate``, ``build
--jobs N``): the same documents, records and problems, in the same order, as
``load_content`` + ``validate`` in one process; a worker that fails stops the build
(exit 70, the file named, no traceback); and the one-pass YAML reader gives the data,
line map and errors of the general one."""

from __future__ import annotations

import dataclasses
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, REPO, build_sample_on_two_workers, run_cli, write_site
from test_bad_inputs import CASES

from generator import intake, pipeline, yamlsource
from generator.loading import load_content
from generator.sourcecache import source_cache
from generator.validation import validate
from generator.workers import available_cpus

sys.path.insert(0, str(REPO / "benchmarks"))

from generate import generate  # noqa: E402


@pytest.fixture(scope="module")
def bad_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 generated records and, beside them, every bad input of test_bad_inputs.py
    (each case in a folder of its own: their ids clash, which is more problems)."""
    root = tmp_path_factory.mktemp("intake") / "site"
    generate(300, root)
    for n, (_, files, _, _) in enumerate(CASES):
        for rel, data in files.items():
            parts = rel.split("/")
            if parts[0] != "content" or len(parts) < 3:
                continue
            target = root.joinpath(parts[0], parts[1], f"case-{n:02d}", *parts[2:])
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(textwrap.dedent(data), encoding="utf-8")
    (root / "content" / "stray.md").write_text("---\nid: stray\n---\n", encoding="utf-8")
    (root / "content" / "disclosures" / "linked.md").symlink_to(root / "content" / "stray.md")
    return root


def _config(root: Path) -> Any:
    old = Path.cwd()
    os.chdir(root)
    try:
        return pipeline.configure(Path("site_config.yml"), NOW)[0]
    finally:
        os.chdir(old)


def test_workers_load_and_validate_exactly_as_one_process(bad_site: Path) -> None:
    config = _config(bad_site)
    tree = load_content(config.content_path, "content")
    site = validate(tree, config)
    assert len({p.path for p in site.problems}) >= 30 and len(site.records) >= 250  # a real mix
    expected = (
        [dataclasses.replace(d, data={}) for d in tree.documents],  # the values are in the records
        tree.files,
        tree.problems,
        [repr(r) for r in site.records],
        site.problems,  # in their order, not only as a set
    )
    for jobs, workers in ((1, 1), (2, 2)):
        got_tree, got_site, used = intake.load_and_validate(config, "content", jobs)
        assert used == workers
        assert _seen(got_tree, got_site) == expected
    # ... and from the loader's cache: filled by one or two workers, then every file a hit
    fp = f"test-{os.getpid()}"
    for jobs in (2, 1):
        for expect_hits in (False, True):
            with source_cache(bad_site, f"{fp}-{jobs}") as sources:
                assert sources is not None
                got_tree, got_site, _ = intake.load_and_validate(config, "content", jobs, sources)
                assert (sources.hits == len(got_tree.documents) > 250) is expect_hits
            assert _seen(got_tree, got_site) == expected


def _seen(tree: Any, site: Any) -> tuple[Any, ...]:
    """What loading and validating gave, as the tests compare it."""
    return (tree.documents, tree.files, tree.problems, [repr(r) for r in site.records], site.problems)


def test_build_messages_are_the_same_with_one_and_two_workers(bad_site: Path) -> None:
    one = run_cli(["check", "--now", NOW, "--jobs", "1"], bad_site)
    two = run_cli(["check", "--now", NOW, "--jobs", "2"], bad_site)
    assert one.exit_code == two.exit_code == 1
    assert "content/stray.md: a record must be inside one of the folders" in one.stderr + one.stdout
    assert (one.stdout, one.stderr) == (two.stdout, two.stderr)


def _failing_on(monkeypatch: pytest.MonkeyPatch, wanted: str, action: str) -> None:
    """Validating the file whose path ends with ``wanted`` fails (the workers are forked:
    they inherit the patch)."""
    real = intake.validate_one
    parent = os.getpid()

    def failing(doc: Any, config: Any) -> Any:
        if doc.path.endswith(wanted) and os.getpid() != parent:
            if action == "exit":
                os._exit(3)  # the worker process dies
            raise KeyError("a bug in validation")
        return real(doc, config)

    monkeypatch.setattr(intake, "validate_one", failing)


@pytest.mark.parametrize("action", ["raise", "exit"])
def test_a_worker_that_fails_stops_the_build(action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_on(monkeypatch, "2026/bribery-case.md", action)
    root, result = build_sample_on_two_workers(tmp_path)
    assert result.exit_code == 70
    assert "internal error in openaffairs" in result.stderr and "Traceback" not in result.stderr
    if action == "raise":
        assert (
            "loading content/disclosures/2026/bribery-case.md failed in a worker process: "
            "KeyError: 'a bug in validation'" in result.stderr
        )
    else:
        assert "loading the records: a worker process ended unexpectedly" in result.stderr
    assert not (root / "out").exists()  # nothing published


def test_jobs_default_and_bounds() -> None:
    assert intake.workers_for(None, intake.MIN_PARALLEL - 1) == 1  # small sites: no pool
    assert intake.workers_for(None, 10_000) == min(available_cpus(), 10_000)
    assert intake.workers_for(4, 3) == 3 and intake.workers_for(2, 1) == 1
    assert intake.workers_for(1, 10_000) == 1


def _general(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[Any, int]] | str:
    """The general reader (``_walk`` + PyYAML's constructor, as for a document with
    anything the one pass does not read): data and lines, or the error."""

    def slow(*args: Any) -> Any:
        raise yamlsource._Slow

    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_build", slow)
        return _fast(text)


def _fast(text: str) -> tuple[Any, dict[Any, int]] | str:
    try:
        data, lines = yamlsource.load_yaml(text)
    except yamlsource.YamlError as exc:
        return f"{exc.line}: {exc.message}"
    return data, lines.lines


DOCUMENTS = [
    "id: a\ntitle: 标题\ncount: 3\nneg: -0\nflag: true\nFlag2: FALSE\nempty:\ntilde: ~\nno: no\ntime: 09:30\n",
    "list:\n  - a\n  - {x: 1, y: [1, 2, {z: null}]}\n  -\n    - deep\nquoted: '012'\nplain: 012\n",
    "f: 1.5\ng: .5e3\nh: 1e3\ni: +7\n",  # floats take the general path
    "a: !!str 12\nb: !!int '12'\n",  # explicit tags
    "a: &x {k: v}\nb: *x\nc: &y text\nd: *y\n",  # aliases of a mapping and of a text
    "1: one\nnull: two\ntrue: three\n",  # keys that are not text
    "a: 1\nb: 2\na: 3\n",  # a key twice
    "a:\n  b: 1\n  b: 2\nc: [x, x]\n",
    "a: {b: {c: {d: [1, 2, [3, [4]]]}}}\n",
    "? [complex, key]\n: value\n",
    "set: !!set {a, b}\n",
    "x: " + "[" * 60 + "]" * 60 + "\n",  # too deep
    "a: &a [*a]\n",  # a recursive alias
    "list: [" + ", ".join(["v"] * (yamlsource.MAX_NODES + 5)) + "]\n",  # too many values
    "bomb: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    "- a\n- b\n",
    "just text\n",
    "",
    "<<: {a: 1}\nb: 2\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_one_pass_yaml_reads_as_the_general_reader(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _fast(text) == _general(text, monkeypatch)


def test_the_general_reader_is_what_is_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = yamlsource._walk
    monkeypatch.setattr(yamlsource, "_walk", lambda *args: calls.append(1) or real(*args))
    assert _fast("a: [1, {b: c}]\n") == (
        {"a": [1, {"b": "c"}]},
        {("a",): 1, ("a", 0): 1, ("a", 1): 1, ("a", 1, "b"): 1},
    )
    assert not calls  # plain front matter: one pass
    assert _general("a: [1, {b: c}]\n", monkeypatch) == _fast("a: [1, {b: c}]\n") and calls


def test_a_small_site_is_loaded_in_process(tmp_path: Path) -> None:
    root = write_site(tmp_path, {})
    config = _config(root)
    assert intake.load_and_validate(config, "content")[2] == 1
