"""Starting a site repository: ``init``, ``schema``, ``new``, and the CI templates
that ``init`` writes, run locally against a real git repository."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import yaml
from conftest import CONFIG, REPO, SAMPLE, run_cli, write_site

from generator.config import SiteConfig
from generator.records import RECORD_TYPES

CJK = re.compile(r"[\u4e00-\u9fff]")
BIN = str(Path(sys.executable).parent)


def _init(tmp_path: Path, *extra: str) -> Path:
    result = run_cli(
        [
            "init",
            "office",
            "--approver",
            "li.wei",
            "--approver",
            "chen.jing",
            "--author",
            "wang.fang",
            "--site-name",
            "测试市人民检察院检务公开",
            *extra,
        ],
        tmp_path,
    )
    assert result.exit_code == 0, result.stderr
    return tmp_path / "office"


def test_init_writes_a_repository_that_checks_clean(tmp_path: Path) -> None:
    root = _init(tmp_path)
    for rel in (
        "site_config.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".gitlab-ci.yml",
        ".github/workflows/openaffairs.yml",
        "deploy/nginx/openaffairs.conf",
        ".vscode/settings.json",
        "README.md",
    ):
        assert (root / rel).is_file(), rel
    for type_name in RECORD_TYPES:
        readme = root / "content" / type_name / "README.md"
        assert CJK.search(readme.read_text("utf-8")), type_name
        examples = [p for p in (root / "content" / type_name).rglob("*.md") if p.name != "README.md"]
        assert len(examples) == 1 and "status: draft" in examples[0].read_text("utf-8"), type_name
    result = run_cli(["check", "--strict"], root)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.count("status is draft") == 5
    assert "README" not in result.stdout + result.stderr
    build = run_cli(["build", "-q"], root / "content")
    assert build.exit_code == 0, build.stderr
    assert (root / "site" / "index.html").is_file() and not list((root / "site").rglob("README*"))


def test_init_site_config_explains_every_key_in_chinese(tmp_path: Path) -> None:
    text = (_init(tmp_path) / "site_config.yml").read_text("utf-8")
    keys = {k for k, f in SiteConfig.model_fields.items() if not f.exclude}
    for key in keys:
        line = next((ln for ln in text.splitlines() if re.match(rf"^#?\s*{key}:", ln)), None)
        assert line is not None, key
        assert "#" in line.split(":", 1)[1] and CJK.search(line.split("#")[-1]), line
    for sub in ("allow", "block"):
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"{sub}:"))
        assert CJK.search(line.split("#")[-1]), line
    config = yaml.safe_load(text)
    assert config["approvers"] == ["li.wei", "chen.jing"] and config["site_name"] == "测试市人民检察院检务公开"


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "office").mkdir()
    (tmp_path / "office" / "notes.txt").write_text("keep me")
    result = run_cli(["init", "office"], tmp_path)
    assert result.exit_code == 2
    assert "folder is not empty" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "office").iterdir()) == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert run_cli(["init", "empty"], tmp_path).exit_code == 0
    bad = run_cli(["init", "other", "--approver", "Li Wei"], tmp_path)
    assert bad.exit_code == 2 and "staff id" in bad.stderr and not (tmp_path / "other").exists()


# --- schemas ----------------------------------------------------------------------------------------


def _as_editor_sees(value: Any) -> Any:
    """YAML dates as the strings an editor's YAML 1.2 parser sees."""
    if isinstance(value, dict):
        return {k: _as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_editor_sees(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _front_matter(path: Path) -> Any:
    text = path.read_text("utf-8")
    return _as_editor_sees(yaml.safe_load(text.split("---\n", 2)[1]))


def _schemas(tmp_path: Path) -> dict[str, Any]:
    result = run_cli(["schema", "--out", "schemas"], tmp_path)
    assert result.exit_code == 0, result.stderr
    files = {p.name: json.loads(p.read_text("utf-8")) for p in (tmp_path / "schemas").glob("*.json")}
    assert set(files) == {f"{t}.schema.json" for t in RECORD_TYPES} | {"site_config.schema.json"}
    return files


def test_schemas_are_valid_and_accept_every_sample_record(tmp_path: Path) -> None:
    schemas = _schemas(tmp_path)
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    checked = 0
    for root in (REPO / "content", SAMPLE / "content"):
        for path in root.rglob("*.md"):
            type_name = path.relative_to(root).parts[0]
            jsonschema.validate(_front_matter(path), schemas[f"{type_name}.schema.json"])
            checked += 1
    assert checked > 60
    for config in (REPO / "site_config.yml", SAMPLE / "site_config.yml"):
        jsonschema.validate(
            _as_editor_sees(yaml.safe_load(config.read_text("utf-8"))), schemas["site_config.schema.json"]
        )


@pytest.mark.parametrize(
    "change,word",
    [
        (("title:", "titel: x\ntitle:"), "titel"),
        (("validity: in-force", "validity: forever"), "forever"),
        (("issued: 2018-10-26", "issued: 26.10.2018"), "26.10.2018"),
        (("id: cpl-2018", "id: CPL_2018"), "CPL_2018"),
    ],
)
def test_schemas_reject_what_the_build_rejects(tmp_path: Path, change: tuple[str, str], word: str) -> None:
    schemas = _schemas(tmp_path)
    record = SAMPLE / "content" / "regulations" / "cpl-2018.md"
    text = record.read_text("utf-8")
    assert change[0] in text
    bad = tmp_path / "bad.md"
    bad.write_text(text.replace(change[0], change[1], 1), "utf-8")
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.validate(_front_matter(bad), schemas["regulations.schema.json"])
    assert word in str(info.value)
    site = write_site(tmp_path / "site", {"content/regulations/cpl-2018.md": bad.read_text("utf-8")})
    assert run_cli(["check"], site).exit_code == 1  # the build says the same


def test_init_wires_the_schemas_for_the_editor(tmp_path: Path) -> None:
    root = _init(tmp_path)
    schemas = _schemas(tmp_path)
    assert {p.name: json.loads(p.read_text("utf-8")) for p in (root / "schemas").glob("*.json")} == schemas
    settings = json.loads((root / ".vscode" / "settings.json").read_text("utf-8"))
    mapping = settings["yaml.schemas"]
    assert mapping["./schemas/site_config.schema.json"] == ["site_config.yml"]
    for type_name in RECORD_TYPES:
        assert (root / mapping[f"./schemas/{type_name}.schema.json"][0].split("/**")[0]).is_dir()
    assert "redhat.vscode-yaml" in (root / ".vscode" / "extensions.json").read_text("utf-8")


# --- new --------------------------------------------------------------------------------------------


def test_new_makes_a_pinyin_id_and_a_date_suffix_when_taken(tmp_path: Path) -> None:
    root = write_site(tmp_path, {})
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the site's day (CONFIG's timezone), as `new` dates it
    title = "关于举办检察开放日活动的公告"
    first = run_cli(["new", "disclosures", "--title", title, "--author", "wang.fang"], root)
    assert first.exit_code == 0, first.stderr
    path = Path(first.stdout.strip())
    assert path.name == "guan-yu-ju-ban-jian-cha-kai-fang-ri-huo-dong-de-gong-gao.md"
    assert path.parent.name == str(today.year)
    text = path.read_text("utf-8")
    assert f"date: {today.isoformat()}" in text and f'title: "{title}"' in text
    assert "# 类别" in text and "草稿" in text  # comments in the site's language
    second = Path(run_cli(["new", "disclosures", "--title", title, "--author", "wang.fang"], root).stdout.strip())
    assert second.stem == f"guan-yu-ju-ban-jian-cha-kai-fang-ri-huo-dong-de-gong-gao-{today:%Y%m%d}"
    third = Path(run_cli(["new", "disclosures", "--title", title, "--author", "wang.fang"], root).stdout.strip())
    assert third.stem.endswith(f"-{today:%Y%m%d}-2")
    check = run_cli(["check"], root)
    assert check.exit_code == 0 and check.stdout.count("status is draft") == 3, check.stderr


def test_new_comments_follow_the_site_language(tmp_path: Path) -> None:
    root = write_site(tmp_path, {}, config=CONFIG.replace("language: zh", "language: en"))
    result = run_cli(["new", "guides", "--title", "Lawyer access 2026", "--author", "wang.fang"], root)
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.name == "lawyer-access-2026.md"
    text = path.read_text("utf-8")
    assert "# staff id of an approver" in text and "Body text (Markdown)." in text
    assert "草稿" not in text and "批准人" not in text and "办理时限" not in text
    assert run_cli(["check"], root).exit_code == 0


def test_new_long_titles_make_bounded_ids() -> None:
    from generator.scaffold import make_id

    taken: set[str] = set()
    long = make_id(
        "江城市人民检察院关于二〇二六年度检察开放日活动安排及公众报名方式的公告（第一期）", dt.date(2026, 3, 1), taken
    )
    assert len(long) <= 60 and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", long), long
    assert make_id("！？", dt.date(2026, 3, 1), taken) == "record-20260301"
    assert make_id("2026年工作报告", dt.date(2026, 3, 1), taken) == "2026-nian-gong-zuo-bao-gao"


# --- CI templates, run locally ----------------------------------------------------------------------

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str, who: str = "wang.fang") -> str:
    env = {
        **os.environ,
        **GIT_ENV,
        "GIT_AUTHOR_NAME": who,
        "GIT_AUTHOR_EMAIL": f"{who}@example.org",
        "GIT_COMMITTER_NAME": who,
        "GIT_COMMITTER_EMAIL": f"{who}@example.org",
    }
    out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout


APPROVED = """\
---
id: kai-fang-ri-gong-gao
title: 关于举办检察开放日活动的公告
status: {status}
author: wang.fang
{approval}category: announcement
date: 2026-11-20
---
本院将于12月举办检察开放日活动，欢迎社会各界报名参加。咨询电话12309。
"""


@pytest.fixture()
def office_repo(tmp_path: Path) -> Path:
    """init + one disclosure, approved by li.wei in a second commit; a bare 'origin' holds main."""
    root = _init(tmp_path)
    record = root / "content" / "disclosures" / "2026" / "kai-fang-ri-gong-gao.md"
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "OpenAffairs site")
    git(root, "clone", "-q", "--bare", str(root), str(tmp_path / "origin.git"))
    git(root, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(root, "fetch", "-q", "origin")
    git(root, "checkout", "-q", "-b", "new-notice")
    record.write_text(APPROVED.format(status="review", approval=""), "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "公告：检察开放日")
    record.write_text(
        APPROVED.format(status="approved", approval="approved_by: li.wei\napproved_on: 2026-11-21\n"), "utf-8"
    )
    git(root, "commit", "-qam", "批准", who="li.wei")
    return root


def _run_steps(root: Path, lines: list[str], env: dict[str, str]) -> None:
    for line in lines:
        if re.match(r"^(apt-get|python -m venv|pip install|install -m|echo \"\$DEPLOY|rsync)", line.strip()):
            continue  # installing and deploying: done by the test's own venv / not here
        out = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", line], cwd=root, capture_output=True, text=True, env=env, timeout=300
        )
        assert out.returncode == 0, f"{line}\n{out.stdout}\n{out.stderr}"


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **GIT_ENV, "PATH": BIN + os.pathsep + os.environ["PATH"], "CI": "true", **extra}


def test_gitlab_ci_commands_run_green(office_repo: Path) -> None:
    ci = yaml.safe_load((office_repo / ".gitlab-ci.yml").read_text("utf-8"))
    assert ci["variables"]["GIT_DEPTH"] == "0"
    env = _env(CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", CI_PROJECT_DIR=str(office_repo))
    before = ci["default"]["before_script"]
    assert any("SOURCE_DATE_EPOCH" in line and "git log -1" in line for line in before)
    for job in ("check", "pages"):
        _run_steps(office_repo, before + ci[job]["script"], env)
    report = json.loads((office_repo / "gl-code-quality-report.json").read_text("utf-8"))
    assert report == []  # the change is clean: nothing to annotate
    assert (office_repo / "privacy-report.txt").is_file()
    assert ci["check"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    home = (office_repo / "public" / "index.html").read_text("utf-8")
    assert "关于举办检察开放日活动的公告" in home
    assert "rsync" in " ".join(ci["deploy-rsync"]["script"]) and ci["pages"]["artifacts"]["paths"] == ["public"]


def test_github_workflow_commands_run_green(office_repo: Path, tmp_path: Path) -> None:
    flow = yaml.safe_load((office_repo / ".github" / "workflows" / "openaffairs.yml").read_text("utf-8"))
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    env = _env(GITHUB_BASE_REF="main", GITHUB_ENV=str(github_env))
    for job in ("check", "build"):
        steps = flow["jobs"][job]["steps"]
        assert steps[0]["uses"].startswith("actions/checkout") and steps[0]["with"]["fetch-depth"] == 0
        runs = [s["run"] for s in steps if "run" in s and "rsync" not in s["run"]]
        _run_steps(office_repo, runs, env)
    assert "SOURCE_DATE_EPOCH=" in github_env.read_text()
    assert "关于举办检察开放日活动的公告" in (office_repo / "site" / "index.html").read_text("utf-8")
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact") for s in flow["jobs"]["build"]["steps"])


def test_ci_check_fails_on_a_self_approved_record(office_repo: Path) -> None:
    record = office_repo / "content" / "disclosures" / "2026" / "kai-fang-ri-gong-gao.md"
    record.write_text(record.read_text("utf-8").replace("approved_by: li.wei", "approved_by: wang.fang"), "utf-8")
    git(office_repo, "commit", "-qam", "self-approved")
    out = subprocess.run(
        ["openaffairs", "check", "--strict", "--format", "github", "--changed-since", "origin/main"],
        cwd=office_repo,
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert out.returncode == 1
    assert out.stdout.startswith("::error file=content/disclosures/2026/kai-fang-ri-gong-gao.md,line=6,"), out.stdout
