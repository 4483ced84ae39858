"""``openaffairs init DIR``: a new site repository an office can commit at once.

Stage: tooling (writes a new folder; refuses a non-empty one).  Everything is
read from the package (``generator/site_template/``, via importlib.resources),
so an installed OpenAffairs needs no checkout.  What it writes::

    site_config.yml              every key with a comment in Chinese
    content/<type>/README.md     what goes in the folder (README.md files are not records)
    content/<type>/...-example.md  a sample record of each type, status: draft
    .gitignore  .pre-commit-config.yaml  .gitlab-ci.yml  .github/workflows/openaffairs.yml
    deploy/nginx/openaffairs.conf  schemas/*.schema.json  .vscode/settings.json  README.md
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
from pathlib import Path

from . import __version__
from .errors import UsageError
from .scaffold import skeleton
from .schemas import schema_files

__all__ = ["init_site", "FolderNotEmpty", "TEMPLATE_FILES"]

# package file (generator/site_template/...) -> path in the new repository
TEMPLATE_FILES = {
    "site_config.yml": "site_config.yml",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
    "github-workflow.yml": ".github/workflows/openaffairs.yml",
    "nginx/openaffairs.conf": "deploy/nginx/openaffairs.conf",
    "vscode/settings.json": ".vscode/settings.json",
    "vscode/extensions.json": ".vscode/extensions.json",
    "README.md": "README.md",
}

_FOLDER_README = {
    "disclosures": (
        "公开信息",
        "案件程序性信息、重要案件信息、法律文书、工作报告、通知公告、新闻发布。"
        "按年份分子目录（如 `2026/`），附件放在记录旁边。当事人姓名在公开时自动匿名为“张某”；"
        "涉及未成年人犯罪的记录一律不公开。",
    ),
    "regulations": (
        "法律法规",
        "本院适用的法律、司法解释、规范性文件。`id` 供其他记录的 `legal_basis` 引用；"
        "修改、废止关系用 `amends` / `amended_by` / `repealed_by` 记录。",
    ),
    "open-days": ("检察开放日", "开放日活动：时间、地点、名额、报名方式、议程。活动结束后自动列入“往期活动”。"),
    "guides": ("办事指南", "面向群众的服务指引：申请条件、所需材料、办理流程、办理地点、时限、收费、表格下载。"),
    "pages": ("页面", "“关于本院”等固定页面，`nav_order` 决定在菜单中的顺序。"),
}

_EXAMPLES = {
    "disclosures": "示例：关于举办检察开放日活动的公告",
    "regulations": "示例：中华人民共和国刑事诉讼法",
    "open-days": "示例：检察开放日",
    "guides": "示例：行贿犯罪档案查询",
    "pages": "示例：本院简介",
}


class FolderNotEmpty(UsageError):
    """DIR exists and holds files: init never overwrites."""


def _template(name: str) -> str:
    return (importlib.resources.files("generator") / "site_template" / name).read_text("utf-8")


def init_site(
    target: Path, site_name: str, site_url: str, office_name: str, approvers: list[str], author: str, today: dt.date
) -> list[Path]:
    """Write the new repository into ``target`` (missing or empty); returns the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FolderNotEmpty(f"{target}: folder is not empty (init writes only into a new or empty folder)")
    if not site_url.endswith("/"):
        site_url += "/"
    values = {
        "@SITE_NAME@": site_name,
        "@SITE_URL@": site_url,
        "@OFFICE_NAME@": office_name,
        "@APPROVERS@": ", ".join(approvers),
        "@VERSION@": __version__,
    }
    files: dict[str, str] = {}
    for source, dest in TEMPLATE_FILES.items():
        text = _template(source)
        for key, value in values.items():
            text = text.replace(key, value)
        files[dest] = text
    for type_name, (label, what) in _FOLDER_README.items():
        files[f"content/{type_name}/README.md"] = (
            f"# {label}（{type_name}）\n\n{what}\n\n"
            f"新建记录：`openaffairs new {type_name} --title 标题`（生成草稿，注释说明每个字段）。\n"
            "记录经批准人批准（`status: approved`、`approved_by`、`approved_on`）后才会公开；"
            "本文件只是说明，不会发布。\n"
        )
        folder = f"content/{type_name}/{today.year}" if type_name == "disclosures" else f"content/{type_name}"
        record_id = f"example-{type_name}"
        files[f"{folder}/{record_id}.md"] = skeleton(type_name, "zh", record_id, _EXAMPLES[type_name], author, today)
    for name, text in schema_files().items():
        files[f"schemas/{name}"] = text
    written = []
    for rel, text in sorted(files.items()):
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
