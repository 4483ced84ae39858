"""The command line as a staff member meets it: help, scaffolding, python -m."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NOW, REGULATION, run_cli, write_site


@pytest.mark.parametrize(
    "command,words",
    [
        ([], ["check", "build", "serve", "new", "site_config.yml"]),
        (["build"], ["--out", "--now", "SOURCE_DATE_EPOCH", "previous site"]),
        (["check"], ["held back", "--privacy-report"]),
        (["new"], ["disclosures, regulations, open-days, guides, pages", "--title"]),
        (["serve"], ["--port", "rebuilds"]),
    ],
)
def test_help_explains_each_command(tmp_path: Path, command: list[str], words: list[str]) -> None:
    result = run_cli([*command, "--help"], tmp_path)
    assert result.exit_code == 0
    for word in words:
        assert word in " ".join(result.stdout.split()), word


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["publish"], tmp_path)
    assert result.exit_code == 2 and "No such command 'publish'" in result.stderr


@pytest.mark.parametrize("type_", ["disclosures", "regulations", "open-days", "guides", "pages"])
def test_new_scaffolds_a_valid_draft(tmp_path: Path, type_: str) -> None:
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION})
    result = run_cli(["new", type_, "--id", "my-record", "--title", "新的记录", "--author", "wang.fang"], root)
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.exists() and "status: draft" in path.read_text("utf-8")
    check = run_cli(["check", "--now", NOW], root)
    assert check.exit_code == 0, check.stderr
    assert "status is draft" in check.stdout
    again = run_cli(["new", type_, "--id", "my-record", "--author", "wang.fang"], root)
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_python_m_generator_runs_the_same_cli(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION})
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--now", NOW],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("OK: 1 records to publish")


def test_the_quick_exit_keeps_every_line_and_exit_code(tmp_path: Path) -> None:
    """``cli.run`` leaves without tearing the heap down (``os._exit``): everything printed
    must still arrive through a pipe, more than a pipe buffer of it, and each exit code
    must be the command's."""
    drafts = {
        f"content/regulations/draft-{i:03d}.md": REGULATION.replace("id: cpl", f"id: draft-{i:03d}").replace(
            "status: approved", "status: draft"
        )
        for i in range(300)
    }
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION, **drafts})

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "generator", *args], cwd=root, capture_output=True, text=True, timeout=300
        )

    built = cli("build", "--now", NOW)
    assert built.returncode == 0, built.stderr
    lines = built.stdout.splitlines()
    assert sum(line.startswith("held back: content/regulations/draft-") for line in lines) == 300
    assert lines[-1].startswith("Built ") and len(built.stdout.encode()) > io.DEFAULT_BUFFER_SIZE
    (root / "content/regulations/bad.md").write_text("---\nid: bad\ntitle: [unclosed\n---\n", "utf-8")
    failed = cli("build", "--now", NOW)
    assert failed.returncode == 1 and "content/regulations/bad.md:" in failed.stderr, failed.stderr
    assert cli("build", "--now", "not a date").returncode == 2


def test_privacy_report_masks_values(sample_site: Path) -> None:
    result = run_cli(["check", "--now", NOW, "--privacy-report"], sample_site)
    assert result.exit_code == 0
    assert "110101199003074518" not in result.stdout and "13912345678" not in result.stdout
    assert "content/disclosures/2026/bribery-case.md:" in result.stdout and "张某1" in result.stdout
