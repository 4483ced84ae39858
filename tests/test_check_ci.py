"""``openaffairs check`` as CI and pre-commit run it: config discovery, --strict,
--changed-since against a real git repository, and the github/gitlab/json formats."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from conftest import NOW, REPO, SAMPLE, run_cli

GITHUB_LINE = re.compile(r"^::(error|warning|notice) file=[^,:%\s][^,:]*(,line=\d+)?(,title=[^:,]*)?::\S.*$")


def _site(tmp_path: Path) -> Path:
    root = tmp_path / "office"
    shutil.copytree(SAMPLE, root)
    return root


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Wang Fang",
        "GIT_AUTHOR_EMAIL": "wang.fang@example.org",
        "GIT_COMMITTER_NAME": "Wang Fang",
        "GIT_COMMITTER_EMAIL": "wang.fang@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _repo(tmp_path: Path) -> Path:
    root = _site(tmp_path)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "site")
    git(root, "checkout", "-q", "-b", "change")
    return root


def test_config_is_found_in_a_parent_folder(tmp_path: Path) -> None:
    root = _site(tmp_path)
    result = run_cli(["check", "--now", NOW], root / "content" / "disclosures" / "2026")
    assert result.exit_code == 0, result.stderr
    assert "OK: 8 records to publish" in result.stderr


def test_config_option_still_wins(tmp_path: Path) -> None:
    root = _site(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run_cli(["check", "--now", NOW, "--config", str(root / "site_config.yml")], elsewhere).exit_code == 0
    missing = run_cli(["check", "--now", NOW], elsewhere)
    assert missing.exit_code == 1
    assert "site_config.yml: configuration file not found" in missing.stderr
    assert "or a folder below it" in missing.stderr and "Traceback" not in missing.stderr


def test_build_finds_the_config_and_writes_next_to_it(tmp_path: Path) -> None:
    root = _site(tmp_path)
    result = run_cli(["build", "--now", NOW, "-q"], root / "content")
    assert result.exit_code == 0, result.stderr
    assert (root / "site" / "index.html").is_file() and not (root / "content" / "site").exists()


def test_strict_fails_on_mistaken_approvals_only(tmp_path: Path) -> None:
    root = _site(tmp_path)
    plain = run_cli(["check", "--now", NOW], root)
    assert plain.exit_code == 0
    strict = run_cli(["check", "--now", NOW, "--strict"], root)
    assert strict.exit_code == 1
    errors = [line for line in strict.stdout.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: held back: content/disclosures/2026/self-approved.md: self-approved: "
        "approved_by 'li.wei' is also the author",
        "error: held back: content/disclosures/2026/unlisted.md: approved_by 'zhou.tao' is not listed in "
        "site_config.yml approvers",
    ]
    # drafts, reviews, embargoes, minors and withdrawals are deliberate: notices, not errors
    assert "held back: content/disclosures/2026/draft.md: status is draft" in strict.stdout
    assert "Build failed: 2 errors in 2 files." in strict.stderr


def test_github_format_is_workflow_command_syntax(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    result = run_cli(["check", "--now", NOW, "--strict", "--format", "github"], root / "content")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(GITHUB_LINE.match(line) for line in lines), lines
    assert (
        "::error file=content/disclosures/2026/self-approved.md,line=6,title=held back::self-approved: "
        "approved_by 'li.wei' is also the author%0Ahint: fix the approval, or set status: review until it is "
        "approved"
    ) in lines
    assert "::notice file=content/disclosures/2026/draft.md,line=4,title=held back::status is draft" in lines


def test_github_format_for_build_errors(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    record = root / "content" / "pages" / "about.md"
    record.write_text(record.read_text("utf-8").replace("title:", "colour: red\ntitle:", 1), "utf-8")
    result = run_cli(["check", "--now", NOW, "--format", "github"], root / "content")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and GITHUB_LINE.match(lines[0]), lines
    assert lines[0].startswith("::error file=content/pages/about.md,line=3,title=openaffairs::"), lines
    assert "Build failed: 1 error in 1 file." in result.stderr


def test_gitlab_format_is_code_quality_json(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    result = run_cli(["check", "--now", NOW, "--strict", "--format", "gitlab"], root)
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert isinstance(issues, list) and len(issues) == 8
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["description"], str) and issue["description"]
        assert (root / issue["location"]["path"]).is_file()
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert sum(i["severity"] == "major" for i in issues) == 2
    clean = run_cli(["check", "--now", NOW, "--format", "gitlab", "--changed-since", "main"], root)
    assert clean.exit_code == 0 and json.loads(clean.stdout) == []


def test_json_format(tmp_path: Path) -> None:
    root = _site(tmp_path)
    result = run_cli(["check", "--now", NOW, "--format", "json"], root)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["ok"] is True
    assert data["counts"]["publish"] == 8 and data["counts"]["held_back"] == 7
    assert {f["kind"] for f in data["findings"]} == {"held-back", "tombstone"}


def test_changed_since_reports_only_what_the_change_touched(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    # committed change: a new draft; working-tree change: an approval by its own author
    (root / "content" / "disclosures" / "2026" / "new.md").write_text(
        (root / "content" / "disclosures" / "2026" / "draft.md").read_text("utf-8").replace("id: ", "id: new-", 1),
        "utf-8",
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "new draft")
    review = root / "content" / "disclosures" / "2026" / "review.md"
    text = review.read_text("utf-8")
    author = re.search(r"^author: (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
    review.write_text(
        text.replace("status: review", f"status: approved\napproved_by: {author}\napproved_on: 2026-11-20"), "utf-8"
    )
    result = run_cli(["check", "--now", NOW, "--strict", "--changed-since", "main"], root)
    assert result.exit_code == 1
    reported = sorted(
        line.split(": ")[1 if line.startswith("held") else 2]
        for line in result.stdout.splitlines()
        if "held back" in line
    )
    assert reported == ["content/disclosures/2026/new.md", "content/disclosures/2026/review.md"], result.stdout
    assert "self-approved" in result.stdout
    assert "self-approved.md" not in result.stdout  # an old mistake, not this change's
    assert "unlisted.md" not in result.stdout


def test_changed_since_still_fails_on_errors_it_does_not_show(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    other = root / "content" / "guides" / "bribery-record-inquiry.md"
    other.write_text(other.read_text("utf-8").replace("title:", "colour: red\ntitle:", 1), "utf-8")
    git(root, "commit", "-qam", "broken before this change")
    record = root / "content" / "pages" / "about.md"
    record.write_text(record.read_text("utf-8") + "\n更新。\n", "utf-8")
    git(root, "commit", "-qam", "edit about")
    result = run_cli(["check", "--now", NOW, "--changed-since", "HEAD~1"], root)
    assert result.exit_code == 1
    assert "bribery-record-inquiry" not in result.stdout + result.stderr
    assert "1 error in files this change did not touch" in result.stderr


def test_changed_since_needs_a_known_ref(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    result = run_cli(["check", "--now", NOW, "--changed-since", "no-such-branch"], root)
    assert result.exit_code == 2 and "--changed-since no-such-branch" in result.stderr
    plain = _site(tmp_path / "plain")
    result = run_cli(["check", "--now", NOW, "--changed-since", "main"], plain)
    assert result.exit_code == 2 and "not a git repository" in result.stderr.lower()


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    (hook,) = hooks
    assert hook["id"] == "openaffairs-check" and hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["openaffairs", "check"] and "--strict" in hook["entry"]
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "content/disclosures/2026/x.md") and re.search(hook["files"], "site_config.yml")
    assert not re.search(hook["files"], "README.md")
