"""Fixtures: the tiny sample site under tests/site, throwaway sites from strings,
and a CLI runner that fails the test on any traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "site"
REPO = HERE.parent
NOW = "2026-11-26T10:00:00+08:00"

CONFIG = """\
site_name: 测试检察院
site_url: https://test.example.org/
language: zh
timezone: Asia/Shanghai
content_dir: content
approvers: [li.wei, chen.jing]
privacy:
  allow: ["12309"]
  block: ["内部资料"]
"""

REGULATION = """\
---
id: cpl
title: 中华人民共和国刑事诉讼法
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-01-05
kind: law
issuer: 全国人民代表大会
issued: 2018-10-26
validity: in-force
---
正文。
"""


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The loader's cache (private data: the user's cache folder) of every test's builds in
    a folder of this session, not the home folder of whoever runs the tests; and the search
    for ``site_config.yml`` never climbs above the session's temp folder (a stray file in
    ``/tmp`` must not decide a test, as ``GIT_CEILING_DIRECTORIES`` in git's own tests)."""
    settings = {
        "OPENAFFAIRS_PRIVATE_CACHE": str(tmp_path_factory.mktemp("private-cache")),
        "OPENAFFAIRS_CEILING_DIRECTORIES": str(tmp_path_factory.getbasetemp()),
    }
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], cwd: Path) -> Result:
    """Run the real CLI in-process; an uncaught exception (a traceback) fails the test."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return Result(result.exit_code, result.stdout, result.stderr)


def build_sample_on_two_workers(tmp_path: Path) -> tuple[Path, Result]:
    """A copy of the sample site built with ``--jobs 2`` (the worker-failure tests of the
    loading and of the privacy filter patch a stage first)."""
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    return root, run_cli(["build", "--now", NOW, "--out", "out", "--jobs", "2"], root)


def write_site(root: Path, files: dict[str, str | bytes], config: str = CONFIG) -> Path:
    """A throwaway site: site_config.yml plus the given content files (dedented)."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "site_config.yml").write_text(config, encoding="utf-8")
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data), encoding="utf-8")
    return root


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A private copy of tests/site (builds write next to it)."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("site"))
    return target


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/site built once with --now NOW; returns the output folder."""
    root = tmp_path_factory.mktemp("built") / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    return root / "out"


@pytest.fixture(scope="session")
def built_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample site (content/ + site_config.yml), built once with --now NOW."""
    root = tmp_path_factory.mktemp("content") / "sample"
    root.mkdir()
    shutil.copy(REPO / "site_config.yml", root / "site_config.yml")
    shutil.copytree(REPO / "content", root / "content")
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    return root / "out"
