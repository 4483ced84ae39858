"""Approval that git proves: real repositories, real commits, SSH signing keys made here.

Every case builds its own repository: a record written by zhao.min, approved
(or not) in later commits by people whose e-mails and keys are listed in
site_config.yml under ``approval``.  The reasons are checked word for word.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import NOW, run_cli

RECORD = """\
---
id: notice
title: 关于举办检察开放日活动的公告
status: {status}
author: zhao.min
{approval}category: announcement
date: 2026-11-20
---
{body}
"""
BODY = "本院将于12月举办检察开放日活动。咨询电话12309。"


def keygen(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / f"{name}_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (folder / f"{name}_ed25519.pub").read_text().strip()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: keygen(folder, name) for name in ("li.wei", "chen.jing", "stranger")}


def config(keys: dict[str, tuple[Path, str]], li_keys: bool = True) -> str:
    li = f'ssh_keys: ["{keys["li.wei"][1]}"]' if li_keys else "ssh_keys: []"
    return f"""\
site_name: 测试检察院
site_url: https://test.example.org/
approvers: [li.wei, chen.jing]
approval:
  verify_git: true
  staff:
    li.wei: {{email: li.wei@example.org, {li}}}
    chen.jing: {{email: chen.jing@example.org, ssh_keys: ["{keys["chen.jing"][1]}"]}}
    zhao.min: {{email: zhao.min@example.org}}      # an author: named by staff id in the reasons
privacy:
  allow: ["12309"]
"""


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.path = root / "content" / "disclosures" / "2026" / "notice.md"

    def git(self, *args: str, who: str = "zhao.min", key: Path | None = None) -> str:
        env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": who,
            "GIT_AUTHOR_EMAIL": f"{who}@example.org",
            "GIT_COMMITTER_NAME": who,
            "GIT_COMMITTER_EMAIL": f"{who}@example.org",
        }
        signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"] if key else []
        out = subprocess.run(["git", *signing, "-C", str(self.root), *args], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def write(self, status: str = "review", approved_by: str | None = None, body: str = BODY) -> None:
        approval = f"approved_by: {approved_by}\napproved_on: 2026-11-21\n" if approved_by else ""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(RECORD.format(status=status, approval=approval, body=body), "utf-8")

    def commit(self, message: str, who: str = "zhao.min", key: Path | None = None) -> str:
        self.git("add", "-A", who=who)
        self.git("commit", "-q", *(["-S"] if key else []), "-m", message, who=who, key=key)
        return self.git("rev-parse", "--short=7", "HEAD").strip()

    def check(self, *extra: str) -> tuple[int, str]:
        result = run_cli(["check", "--now", NOW, *extra], self.root)
        return result.exit_code, result.stdout + result.stderr


@pytest.fixture()
def repo(tmp_path: Path, keys: dict[str, tuple[Path, str]]) -> Repo:
    root = tmp_path / "office"
    (root / "content").mkdir(parents=True)
    (root / "site_config.yml").write_text(config(keys), "utf-8")
    r = Repo(root)
    r.git("init", "-q", "-b", "main")
    r.write("review")
    r.commit("公告（待审核）")
    return r


HELD = "held back: content/disclosures/2026/notice.md: "


def test_approval_by_the_listed_approver_in_a_signed_commit_publishes(repo: Repo, keys: dict) -> None:
    repo.write("approved", "li.wei")
    repo.commit("批准", who="li.wei", key=keys["li.wei"][0])
    code, out = repo.check("--strict")
    assert code == 0, out
    assert "OK: 1 records to publish" in out and "held back:" not in out
    # the approver's own later change (signed) keeps it published
    repo.write("approved", "li.wei", body=BODY + "\n\n地点：检察服务中心。")
    repo.commit("补充地点", who="li.wei", key=keys["li.wei"][0])
    code, out = repo.check("--strict")
    assert code == 0 and "OK: 1 records to publish" in out, out
    build = run_cli(["build", "--now", NOW, "-q"], repo.root)
    assert (
        build.exit_code == 0 and "地点：检察服务中心" in (repo.root / "site/disclosures/notice/index.html").read_text()
    )


def test_approval_committed_by_someone_else_is_held_back(repo: Repo, keys: dict) -> None:
    repo.write("approved", "li.wei")
    sha = repo.commit("批准", who="chen.jing", key=keys["chen.jing"][0])
    code, out = repo.check()
    assert code == 0
    assert (
        HELD + f"approved in {sha} by chen.jing, not by li.wei (approved_by must be set by the approver's own commit)"
    ) in out
    code, out = repo.check("--strict")
    assert code == 1 and "error: " + HELD + f"approved in {sha} by chen.jing" in out


def test_a_forged_approved_by_from_the_author_is_held_back(repo: Repo) -> None:
    repo.write("approved", "li.wei")
    sha = repo.commit("自行填写批准人", who="zhao.min")
    assert HELD + f"approved in {sha} by zhao.min, not by li.wei" in repo.check()[1]


def test_approval_by_the_author_is_self_approval(tmp_path: Path, keys: dict) -> None:
    root = tmp_path / "office"
    (root / "content").mkdir(parents=True)
    (root / "site_config.yml").write_text(config(keys), "utf-8")
    r = Repo(root)
    r.git("init", "-q", "-b", "main")
    r.path.parent.mkdir(parents=True)
    r.path.write_text(
        RECORD.format(status="approved", approval="approved_by: li.wei\napproved_on: 2026-11-21\n", body=BODY).replace(
            "author: zhao.min", "author: li.wei"
        ),
        "utf-8",
    )
    r.commit("自己批准", who="li.wei", key=keys["li.wei"][0])
    assert HELD + "self-approved: approved_by 'li.wei' is also the author" in r.check()[1]


def test_unsigned_approval_where_a_key_is_listed_is_held_back(repo: Repo) -> None:
    repo.write("approved", "li.wei")
    sha = repo.commit("批准（未签名）", who="li.wei")
    assert HELD + f"commit {sha} is not signed (signing keys are listed for li.wei)" in repo.check()[1]


def test_approval_signed_with_another_key_is_held_back(repo: Repo, keys: dict) -> None:
    repo.write("approved", "li.wei")
    sha = repo.commit("批准（他人密钥）", who="li.wei", key=keys["chen.jing"][0])
    assert HELD + f"commit {sha} is signed with the key of chen.jing, not a key of li.wei" in repo.check()[1]
    repo.write("approved", "li.wei", body=BODY + "\n")
    repo.write("review")
    repo.commit("撤回批准")
    repo.write("approved", "li.wei")
    sha = repo.commit("批准（陌生密钥）", who="li.wei", key=keys["stranger"][0])
    out = repo.check()[1]
    assert HELD + f"commit {sha} is signed with an unknown key SHA256:" in out, out


def test_approval_without_listed_keys_needs_only_the_authorship(tmp_path: Path, keys: dict) -> None:
    root = tmp_path / "office"
    (root / "content").mkdir(parents=True)
    (root / "site_config.yml").write_text(config(keys, li_keys=False), "utf-8")
    r = Repo(root)
    r.git("init", "-q", "-b", "main")
    r.write("review")
    r.commit("待审核")
    r.write("approved", "li.wei")
    r.commit("批准", who="li.wei")
    code, out = r.check("--strict")
    assert code == 0 and "OK: 1 records to publish" in out, out


def test_content_changed_after_approval_needs_approval_again(repo: Repo, keys: dict) -> None:
    repo.write("approved", "li.wei")
    repo.commit("批准", who="li.wei", key=keys["li.wei"][0])
    repo.write("approved", "li.wei", body=BODY + "\n\n新增一段。")
    sha = repo.commit("批准后修改正文", who="zhao.min")
    code, out = repo.check("--strict")
    assert code == 1
    assert "error: " + HELD + f"changed in {sha} by zhao.min after approval by li.wei" in out
    build = run_cli(["build", "--now", NOW], repo.root)
    assert build.exit_code == 0 and not (repo.root / "site/disclosures/notice").exists()
    # a change of a published field is the same
    repo.write("approved", "li.wei", body=BODY)
    repo.commit("恢复正文", who="li.wei", key=keys["li.wei"][0])
    assert repo.check("--strict")[0] == 0
    repo.path.write_text(repo.path.read_text("utf-8").replace("date: 2026-11-20", "date: 2026-11-22"), "utf-8")
    sha = repo.commit("改日期", who="chen.jing", key=keys["chen.jing"][0])
    assert HELD + f"changed in {sha} by chen.jing after approval by li.wei" in repo.check()[1]


def test_uncommitted_changes_cannot_be_verified(repo: Repo, keys: dict) -> None:
    repo.write("approved", "li.wei")
    repo.commit("批准", who="li.wei", key=keys["li.wei"][0])
    repo.write("approved", "li.wei", body=BODY + "\n\n未提交的修改。")
    assert HELD + "has changes that are not committed: approval by li.wei cannot be verified" in repo.check()[1]
    (repo.root / "content/disclosures/2026/other.md").write_text(
        RECORD.format(status="approved", approval="approved_by: li.wei\napproved_on: 2026-11-21\n", body=BODY).replace(
            "id: notice", "id: other"
        ),
        "utf-8",
    )
    assert (
        "held back: content/disclosures/2026/other.md: not committed to git: approval by li.wei cannot be verified"
    ) in repo.check()[1]


def test_a_shallow_clone_is_refused_with_the_fix(repo: Repo, keys: dict, tmp_path: Path) -> None:
    repo.write("approved", "li.wei")
    repo.commit("批准", who="li.wei", key=keys["li.wei"][0])
    shallow = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(shallow))
    result = run_cli(["check", "--now", NOW], shallow)
    assert result.exit_code == 1
    assert (
        "site_config.yml: approval.verify_git is true but this is a shallow clone: the commits that approved "
        "records may be missing"
    ) in result.stderr
    assert "git fetch --unshallow" in result.stderr and "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_committer_is_named_by_e_mail(repo: Repo) -> None:
    repo.write("approved", "li.wei")
    sha = repo.commit("批准", who="outsider")
    assert HELD + f"approved in {sha} by outsider@example.org, not by li.wei" in repo.check()[1]


def test_no_git_repository_is_an_error(repo: Repo, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(repo.root, copy, ignore=shutil.ignore_patterns(".git"))
    result = run_cli(["build", "--now", NOW], copy)
    assert result.exit_code == 1
    assert "approval.verify_git is true but the site is not in a git repository (no .git found)" in result.stderr
    assert not (copy / "site").exists()


def test_every_approver_needs_an_identity(tmp_path: Path, keys: dict) -> None:
    root = tmp_path / "office"
    (root / "content").mkdir(parents=True)
    (root / "site_config.yml").write_text(
        config(keys).replace("approvers: [li.wei, chen.jing]", "approvers: [li.wei, chen.jing, sun.min]"), "utf-8"
    )
    result = run_cli(["check", "--now", NOW], root)
    assert result.exit_code == 1
    assert (
        "site_config.yml:6: approval.verify_git is true but approver 'sun.min' has no entry under approval.staff"
        in result.stderr
    )
