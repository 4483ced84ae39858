"""A table of bad inputs and the exact message each gets: exit 1, `path:line:`,
no traceback, and the previous output left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONFIG, NOW, REGULATION, run_cli, tree_digest, write_site

D = "content/disclosures/x.md"

GOOD_HEAD = """\
---
id: x
title: 通告
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-01-05
category: announcement
date: 2026-01-05
"""


def disclosure(extra: str = "", body: str = "正文。\n", head: str = GOOD_HEAD) -> str:
    return head + extra + "---\n" + body


CASES: list[tuple[str, dict[str, str | bytes], str, str]] = [
    (
        "unknown field",
        {D: disclosure("titel: 通告2\n")},
        "",
        "content/disclosures/x.md:10: unknown field 'titel'\n    hint: did you mean 'title'?\n",
    ),
    (
        "internal field in front matter",
        {D: disclosure("source_path: content/disclosures/other.md\nbody_line: 3\n")},
        "",
        "content/disclosures/x.md:10: unknown field 'source_path'\n"
        "    hint: it is set by OpenAffairs from the file itself; remove it from the front matter\n"
        "content/disclosures/x.md:11: unknown field 'body_line'\n"
        "    hint: it is set by OpenAffairs from the file itself; remove it from the front matter\n",
    ),
    (
        "bad date format",
        {D: disclosure(head=GOOD_HEAD.replace("date: 2026-01-05", "date: 31.01.2024"))},
        "",
        "content/disclosures/x.md:9: field 'date': expected a date like 2026-03-01, got '31.01.2024'\n",
    ),
    (
        "impossible date",
        {D: disclosure(head=GOOD_HEAD.replace("date: 2026-01-05", "date: 2026-13-45"))},
        "",
        "content/disclosures/x.md:9: field 'date': expected a real calendar date, got '2026-13-45'\n",
    ),
    (
        "closed value set",
        {D: disclosure(head=GOOD_HEAD.replace("announcement", "anouncement"))},
        "",
        "content/disclosures/x.md:8: field 'category': expected one of 'case-procedure', 'case-decision', "
        "'legal-document', 'work-report', 'announcement' or 'press-release', got 'anouncement'\n"
        "    hint: did you mean 'announcement'?\n",
    ),
    (
        "number where text is expected",
        {D: disclosure(head=GOOD_HEAD.replace("title: 通告", "title: 2024"))},
        "",
        "content/disclosures/x.md:3: field 'title': expected text, got the number 2024\n"
        "    hint: put the value in quotes\n",
    ),
    (
        "yaml syntax",
        {D: disclosure("summary: 关于: 通告\n")},
        "",
        "content/disclosures/x.md:10: invalid YAML: mapping values are not allowed in this context\n"
        "    hint: a value containing ': ' must be quoted, e.g. title: \"A: B\"\n",
    ),
    (
        "duplicate key",
        {D: disclosure("title: 另一个标题\n")},
        "",
        "content/disclosures/x.md:10: key 'title' appears twice\n",
    ),
    (
        "not utf-8",
        {D: disclosure(body="正文\n").encode("utf-8") + "第二行".encode("gbk")},
        "",
        "content/disclosures/x.md:12: the file is not UTF-8 text (invalid byte 0xb5)\n"
        "    hint: save it as UTF-8 (in most editors: Save with Encoding > UTF-8)\n",
    ),
    (
        "no front matter",
        {D: "# 标题\n正文\n"},
        "",
        "content/disclosures/x.md:1: missing front matter: the file must start with a line '---'\n"
        "    hint: put the record's fields between two '---' lines at the top\n",
    ),
    (
        "unclosed front matter",
        {D: GOOD_HEAD + "正文\n"},
        "",
        "content/disclosures/x.md:1: front matter is not closed: no second '---' line\n",
    ),
    (
        "python tag",
        {D: disclosure("summary: !!python/object/apply:os.system [ls]\n")},
        "",
        "content/disclosures/x.md:10: invalid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'\n    hint: tags such as !!python/object are not allowed\n",
    ),
    (
        "alias bomb",
        {
            D: disclosure(
                "x0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
                + "".join(
                    f"x{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n"
                    for i in range(1, 7)
                )
            )
        },
        "",
        "content/disclosures/x.md:10: document too large: more than 20000 values after expanding aliases\n"
        "    hint: remove YAML anchors/aliases (&name, *name); front matter does not need them\n",
    ),
    (
        "bad id",
        {D: disclosure(head=GOOD_HEAD.replace("id: x", "id: Case_1"))},
        "",
        "content/disclosures/x.md:2: field 'id': expected an id of lowercase letters, digits and hyphens "
        "(like 'case-2026-015'), got 'Case_1'\n",
    ),
    (
        "approved without date",
        {D: disclosure(head=GOOD_HEAD.replace("approved_on: 2026-01-05\n", ""))},
        "",
        "content/disclosures/x.md:4: field 'status' is 'approved' but 'approved_on' is missing\n",
    ),
    (
        "missing required field",
        {D: disclosure(head=GOOD_HEAD.replace("date: 2026-01-05\n", ""))},
        "",
        "content/disclosures/x.md:2: missing required field 'date'\n",
    ),
    (
        "duplicate id",
        {D: disclosure(), "content/disclosures/y.md": disclosure()},
        "",
        "content/disclosures/y.md:2: id 'x' is already used by content/disclosures/x.md\n"
        "    hint: ids must be unique within disclosures/; the URL is /disclosures/<id>/\n",
    ),
    (
        "unknown legal basis",
        {D: disclosure("legal_basis: [cpl, cpll]\n")},
        "",
        "content/disclosures/x.md:10: field 'legal_basis': no regulation with id 'cpll'\n"
        "    hint: did you mean 'cpl'?\n",
    ),
    (
        "missing attachment",
        {D: disclosure("attachments:\n  - file: notice.pdf\n    title: 通知\n")},
        "",
        "content/disclosures/x.md:11: field 'attachments': file 'notice.pdf' not found next to the record\n"
        "    hint: expected content/disclosures/notice.pdf\n",
    ),
    (
        "attachment outside content",
        {D: disclosure("attachments:\n  - {file: ../../site_config.yml, title: 配置}\n")},
        "",
        "content/disclosures/x.md:11: field 'attachments': '../../site_config.yml' is outside content/\n"
        "    hint: put the file next to the record and give its name only\n",
    ),
    (
        "open day ends before it starts",
        {
            "content/open-days/e.md": """\
        ---
        id: e
        title: 开放日
        status: approved
        author: wang.fang
        approved_by: li.wei
        approved_on: 2026-01-05
        start: 2026-12-15T11:00:00+08:00
        end: 2026-12-15T09:00:00+08:00
        location: {name: 服务中心, address: 人民路100号}
        ---
        """
        },
        "",
        "content/open-days/e.md:9: field 'end' must be after 'start'\n",
    ),
    (
        "state-secret marking",
        {D: disclosure(body="第一段。\n\n机密★5年 的材料\n")},
        "",
        "content/disclosures/x.md:13: state-secret marking '机密★5年' in body: marked material is never published\n"
        "    hint: a marked record must not be in the public repository; remove it and report it to the security officer\n",
    ),
    (
        "secret marking with term",
        {D: disclosure("summary: 本文件 秘密★10年\n")},
        "",
        "content/disclosures/x.md:10: state-secret marking '秘密★10年' in summary: marked material is never published\n"
        "    hint: a marked record must not be in the public repository; remove it and report it to the security officer\n",
    ),
    (
        "privacy.block string",
        {D: disclosure(body="本件为内部资料，请勿外传。\n")},
        "",
        "content/disclosures/x.md:11: '内部资料' in body is listed in privacy.block: this record may not be published\n"
        "    hint: remove the text, or set status: draft until it has been cleared\n",
    ),
    (
        "reserved id",
        {D: disclosure(head=GOOD_HEAD.replace("id: x", "id: category"))},
        "",
        "content/disclosures/x.md:2: id 'category' is reserved in disclosures/ (the site uses /disclosures/category/)\n"
        "    hint: choose another id\n",
    ),
    (
        "record outside a type folder",
        {"content/x.md": disclosure()},
        "",
        "content/x.md: a record must be inside one of the folders disclosures, regulations, open-days, guides, pages\n"
        "    hint: move it to content/pages/ if it is a free page\n",
    ),
    (
        "config: unknown key",
        {"site_config.yml": CONFIG.replace("approvers:", "aprovers:")},
        "",
        "site_config.yml:1: missing required field 'approvers'\n"
        "site_config.yml:6: unknown field 'aprovers'\n    hint: did you mean 'approvers'?\n",
    ),
    (
        "config: unknown time zone",
        {"site_config.yml": CONFIG.replace("Asia/Shanghai", "Asia/Beijing")},
        "",
        "site_config.yml:4: field 'timezone': unknown time zone 'Asia/Beijing'; expected a name like 'Asia/Shanghai'\n",
    ),
    # (issue 10) translations
    (
        "translation_of: no such record",
        {D: disclosure("lang: en\ntranslation_of: xx\n")},
        "",
        "content/disclosures/x.md:11: field 'translation_of': no record with id 'xx' in disclosures/\n"
        "    hint: a translation is a record of the same type (disclosures/) in the other language\n",
    ),
    (
        "translation_of: another type",
        {D: disclosure("lang: en\ntranslation_of: cpl\n")},
        "",
        "content/disclosures/x.md:11: field 'translation_of': no record with id 'cpl' in disclosures/\n"
        "    hint: a translation is a record of the same type (disclosures/) in the other language\n",
    ),
    (
        "translation_of: same language",
        {
            D: disclosure(),
            "content/disclosures/y.md": disclosure("translation_of: x\n", head=GOOD_HEAD.replace("id: x", "id: y")),
        },
        "",
        "content/disclosures/y.md:10: field 'translation_of': 'x' (content/disclosures/x.md) is in 'zh' like this "
        "record; a translation is in the other language\n"
        "    hint: set 'lang:' on the translation (e.g. lang: en), or name the record in the other language\n",
    ),
    (
        "translation_of: two translations of one record",
        {
            D: disclosure(),
            "content/disclosures/y.md": disclosure(
                "lang: en\ntranslation_of: x\n", head=GOOD_HEAD.replace("id: x", "id: y")
            ),
            "content/disclosures/z.md": disclosure(
                "lang: en\ntranslation_of: x\n", head=GOOD_HEAD.replace("id: x", "id: z")
            ),
        },
        "",
        "content/disclosures/z.md:11: field 'translation_of': 'x' already has a translation (content/disclosures/y.md); "
        "a record has at most one\n"
        "    hint: remove translation_of from one of the two records\n",
    ),
    (
        "translation_of: other parties",
        {
            D: disclosure("parties:\n  - {name: 张建国, role: defendant}\n  - {name: 张丽, role: defendant}\n"),
            "content/disclosures/y.md": disclosure(
                "lang: en\ntranslation_of: x\nparties:\n  - {name: 张丽, role: defendant}\n"
                "  - {name: 张建国, role: defendant, aliases: [Zhang Jianguo]}\n",
                head=GOOD_HEAD.replace("id: x", "id: y"),
            ),
        },
        "",
        "content/disclosures/y.md:12: parties: a translation lists the anonymised parties of 'x' (content/disclosures/x.md) "
        "by the same names in the same order, so that both pages use the same pseudonyms; expected ['张建国', '张丽'], "
        "found ['张丽', '张建国']\n"
        "    hint: copy the parties of the original (an English spelling of a name goes under aliases:)\n",
    ),
    (
        "config: languages without the default language",
        {"site_config.yml": CONFIG.replace("language: zh\n", "language: zh\nlanguages: [en, en]\n")},
        "",
        "site_config.yml:4: languages ['en', 'en'] must name each language once and include language 'zh' "
        "(the default, built at /)\n"
        "    hint: e.g. languages: [zh, en]\n",
    ),
]


@pytest.mark.parametrize("name,files,stdout,stderr", CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path: Path, name: str, files: dict[str, str | bytes], stdout: str, stderr: str) -> None:
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION, **files})
    out = root / "site"
    out.mkdir()
    (out / "index.html").write_text("previous site", encoding="utf-8")
    before = tree_digest(out)
    result = run_cli(["build", "--now", NOW], root)
    n = stderr.count("\n") - stderr.count("    hint:")
    files_n = len({line.split(":")[0] for line in stderr.splitlines() if not line.startswith("    ")})
    total = f"Build failed: {n} error{'s' if n != 1 else ''} in {files_n} file{'s' if files_n != 1 else ''}.\n"
    assert (result.exit_code, result.stderr) == (1, stderr + total)
    assert "Traceback" not in result.stdout + result.stderr
    assert tree_digest(out) == before
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


def test_check_reports_the_same_errors_and_writes_nothing(tmp_path: Path) -> None:
    root = write_site(tmp_path, {D: disclosure("titel: x\n")})
    result = run_cli(["check", "--now", NOW], root)
    assert result.exit_code == 1
    assert result.stderr.startswith("content/disclosures/x.md:10: unknown field 'titel'")
    assert sorted(p.name for p in root.iterdir()) == ["content", "site_config.yml"]


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(["build"], tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        "site_config.yml: configuration file not found\n"
        "    hint: run the command in the site's folder (or a folder below it) or pass --config PATH\n"
        "Build failed: 1 error in 1 file.\n"
    )


def test_the_config_search_stays_in_its_work_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``site_config.yml`` above the git work tree, or in a ceiling folder, is not the site's."""
    from generator.config import find_config

    (tmp_path / "site_config.yml").write_text(CONFIG, encoding="utf-8")
    inside = tmp_path / "office" / "content" / "disclosures"
    inside.mkdir(parents=True)
    monkeypatch.delenv("OPENAFFAIRS_CEILING_DIRECTORIES")
    assert find_config(inside) == tmp_path / "site_config.yml"  # no work tree, no ceiling: found
    (tmp_path / "office" / ".git").mkdir()
    assert find_config(inside) is None
    result = run_cli(["build"], inside)
    assert result.exit_code == 1
    assert result.stderr.startswith("site_config.yml: configuration file not found\n")
    (tmp_path / "office" / "site_config.yml").write_text(CONFIG, encoding="utf-8")
    assert find_config(inside) == tmp_path / "office" / "site_config.yml"
    (tmp_path / "office" / ".git").rmdir()
    (tmp_path / "office" / "site_config.yml").unlink()
    monkeypatch.setenv("OPENAFFAIRS_CEILING_DIRECTORIES", f"/nonexistent:{tmp_path}")
    assert find_config(inside) is None


def test_bad_now_is_a_usage_error(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION})
    result = run_cli(["build", "--now", "yesterday"], root)
    assert result.exit_code == 2
    assert "--now: expected ISO 8601" in result.stderr
