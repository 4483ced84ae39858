"""One error boundary (issue 12, item 1): every failure kind gives one clean message and
the right exit code -- content 1, usage 2, internal 70 with its traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import NOW, REGULATION, run_cli, write_site


def _site(tmp_path: Path) -> Path:
    return write_site(tmp_path, {"content/regulations/cpl.md": REGULATION})


def test_content_error_exits_1(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION.replace("kind: law", "kind: lawx")})
    result = run_cli(["build", "--now", NOW], root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Build failed: 1 error in 1 file."
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["build", "--now", "yesterday"],
            "Error: --now: expected ISO 8601 like 2026-11-26T09:00:00+08:00, got 'yesterday'",
        ),
        (
            ["review", "content/nothing.md", "--now", NOW],
            "Error: content/nothing.md: not a record of this site (expected a .md file under content/)",
        ),
    ],
)
def test_usage_error_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(args, _site(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.rstrip().splitlines()[-1] == message
    assert "Traceback" not in result.stderr


def test_malformed_query_exits_2(tmp_path: Path) -> None:
    root = _site(tmp_path)
    assert run_cli(["build", "--now", NOW], root).exit_code == 0
    result = run_cli(["search", "--now", NOW, "issued:[2015 to"], root)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_locked_search_index_exits_1(tmp_path: Path) -> None:
    from generator.search import index_dir_for, writer_lock

    root = _site(tmp_path)
    with writer_lock(index_dir_for(root / "site")):
        result = run_cli(["build", "--now", NOW], root)
    assert result.exit_code == 1
    assert "is being rebuilt by another build" in result.stderr and "Traceback" not in result.stderr
    assert not (root / "site").exists()


def test_broken_theme_override_exits_1_with_what_mkdocs_said(tmp_path: Path) -> None:
    root = _site(tmp_path)
    (root / "theme").mkdir()
    (root / "theme/main.html").write_text("{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}", "utf-8")
    result = run_cli(["build", "--now", NOW], root)
    assert result.exit_code == 1 and "the site could not be rendered: TemplateSyntaxError" in result.stderr
    assert "Traceback" not in result.stderr


def test_internal_error_exits_70_with_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug (here: a stage that raises what no stage should) is not dressed up as a usage error."""
    from generator import pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(pipeline, "prepare", broken)
    result = run_cli(["check", "--now", NOW], _site(tmp_path))
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr and "KeyError: 'a bug'" in result.stderr
    assert "internal error in openaffairs" in result.stderr and "Please report it" in result.stderr
