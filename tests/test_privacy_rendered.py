"""The privacy filter judges what readers will see (issue 7): for every way a name, an
identifier or a marking can hide in the Markdown source yet show in the rendered page,
a real build, then a scan of EVERY output file with a scanner that normalises as the
filter does (tags stripped and kept, entities and percent-escapes decoded, NFKC, case
folded, format characters, white space and middle dots removed).

One site holds one published page per case (each with its own secret), and one
disclosure that declares every party; the scan must find none of the secrets, and the
filter must visibly have worked (markers and pseudonyms where the secrets were).
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import CONFIG as BASE_CONFIG
from conftest import NOW, REGULATION, run_cli, tree_digest, write_site

ID18 = "11010519491231002X"  # a valid resident ID number (GB 11643 check digit)
MOBILE = "13912345678"

# ---------------------------------------------------------------------------
# The scanner
# ---------------------------------------------------------------------------

_FORMAT = re.compile(r"[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]")
_DOTS = re.compile(r"[·•‧・･⋅∙●\u0387\u2027\u30fb\uff65]")


def normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _FORMAT.sub("", text)
    text = _DOTS.sub("", text)
    return re.sub(r"[\s\-_/.]", "", text).casefold()


def views(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    for encoding in ("utf-8", "utf-16"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    out = [text]
    if path.suffix == ".json":
        out.append(json.dumps(json.loads(text), ensure_ascii=False))
    unescaped = html.unescape(html.unescape(text))
    out += [unescaped, re.sub(r"<[^>]*>", "", unescaped), unquote(unescaped)]
    return [normal(v) for v in out]


def output(root: Path) -> dict[str, list[str]]:
    files = {p.relative_to(root).as_posix(): views(p) for p in sorted(root.rglob("*")) if p.is_file()}
    for p in sorted(root.rglob("*")):  # file names are an output too
        files["name:" + p.relative_to(root).as_posix()] = [normal(unquote(p.name))]
    return files


def found(files: dict[str, list[str]], secret: str) -> list[str]:
    key = normal(secret)
    return [name for name, texts in files.items() if any(key in t for t in texts)]


def test_the_scanner_sees_through_markup(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<p>张<strong>建</strong>&#22269;</p>", "utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"x": "１３９ 1234\u200b5678"}), "utf-8")
    (tmp_path / "c.xml").write_text('<a href="https://x.org/%E6%9D%8E%E7%BB%A7%E7%BB%AD"/>', "utf-8")
    files = output(tmp_path)
    assert found(files, "张建国") == ["a.html"] and found(files, MOBILE) == ["b.json"]
    assert found(files, "李继续") == ["c.xml"]


# ---------------------------------------------------------------------------
# The site: one party list, one page per case
# ---------------------------------------------------------------------------

NAMES = [
    "张建国",
    "王建军",
    "刘海涛",
    "陈志强",
    "杨国华",
    "赵德明",
    "黄晓东",
    "周立新",
    "吴振华",
    "徐建平",
    "孙志刚",
    "马文斌",
    "朱永胜",
    "胡建新",
    "郭庆丰",
    "何立峰",
    "高建忠",
    "林国栋",
    "罗家伟",
    "郑远航",
]
LATIN = "David Miller"
ACCENTED = "José Núñez"
UYGHUR = "阿卜杜·热合曼"
COMPAT = "金明哲"  # written with the CJK compatibility ideograph U+F90A for 金 in one case

CASES: dict[str, tuple[str, str]] = {
    # name -> (body Markdown, secret that must not appear)
    "emphasis": (f"被告人{NAMES[0][0]}**{NAMES[0][1:]}**到案。", NAMES[0]),
    "span": (f"证人{NAMES[1][0]}<span>{NAMES[1][1]}</span>{NAMES[1][2]}作证。", NAMES[1]),
    "wbr": (f"被害人{NAMES[2][:2]}<wbr>{NAMES[2][2]}陈述。", NAMES[2]),
    "comment": (f"嫌疑人{NAMES[3][0]}<!-- x -->{NAMES[3][1:]}供述。", NAMES[3]),
    "entities": ("当事人" + "".join(f"&#{ord(c)};" for c in NAMES[4]) + "到庭。", NAMES[4]),
    "hex-entity": (f"当事人{NAMES[5][0]}&#x{ord(NAMES[5][1]):X};{NAMES[5][2]}到庭。", NAMES[5]),
    "soft-break": (f"本案被告人{NAMES[6][:2]}\n{NAMES[6][2]}已到案。", NAMES[6]),
    "zero-width": (f"本案被告人{NAMES[7][0]}\u200b{NAMES[7][1]}\u2060{NAMES[7][2]}已到案。", NAMES[7]),
    "soft-hyphen": (f"本案被告人{NAMES[8][0]}\u00ad{NAMES[8][1:]}已到案。", NAMES[8]),
    "escape": (f"本案被告人{NAMES[9][0]}\\{NAMES[9][1:]}已到案。", NAMES[9]),
    "fullwidth-latin": ("证人 Ｄａｖｉｄ　Ｍｉｌｌｅｒ 作证。", LATIN),
    "upper-latin": ("Witness DAVID  MILLER testified.", LATIN),
    "nbsp-latin": ("Witness david\u00a0miller testified.", LATIN),
    "decomposed": ("证人 " + unicodedata.normalize("NFD", ACCENTED) + " 作证。", ACCENTED),
    "compat-ideograph": ("嫌疑人\uf90a明哲到案。", COMPAT),
    "middle-dot": ("嫌疑人阿卜杜•热合曼、阿卜杜・热合曼到案。", UYGHUR),
    "percent-url": (f"[报道](https://news.example.org/{''.join(f'%{b:02X}' for b in NAMES[10].encode())}/)", NAMES[10]),
    "autolink": (f"<https://news.example.org/{NAMES[11]}/>", NAMES[11]),
    "image-alt": (f"![{NAMES[12]}的照片](photo.png)", NAMES[12]),
    "link-title": (f'[案情](https://example.org/ "{NAMES[13]}")', NAMES[13]),
    "heading-anchor": (f"## {NAMES[14]}案的办理情况\n\n正文。", NAMES[14]),
    "table": (f"| 姓名 | 角色 |\n|---|---|\n| {NAMES[15][0]}**{NAMES[15][1:]}** | 证人 |", NAMES[15]),
    "phone-escaped": ("联系电话 139\\-1234\\-5678。", MOBILE),
    "phone-markup": ("联系电话 139<b>1234</b>5678。", MOBILE),
    "phone-entities": ("联系电话 " + "".join(f"&#{ord(c)};" for c in MOBILE) + "。", MOBILE),
    "id-soft-break": (f"身份证号码{ID18[:10]}\n{ID18[10:]}。", ID18),
    "id-fullwidth": ("身份证号码" + ID18.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}) + "。", ID18),
    "email-entity": ("来信请寄 zhang.jianguo&#64;example.com 。", "zhang.jianguo@example.com"),
    "email-zero-width": ("来信请寄 li.ming\u200b@example.com 。", "li.ming@example.com"),
}

# Fields are printed as text, not rendered: markup typed into them shows literally,
# and a reader still reads the name.
FIELD_CASES: dict[str, tuple[str, str]] = {
    "title-emphasis": (f"{NAMES[16][0]}**{NAMES[16][1:]}**案", NAMES[16]),
    "title-tag": (f"{NAMES[17][0]}<b>{NAMES[17][1]}</b>{NAMES[17][2]}案", NAMES[17]),
    "title-entity": (f"&#{ord(NAMES[18][0])};{NAMES[18][1:]}案", NAMES[18]),
    "title-zero-width": (f"{NAMES[19][0]}\u200b{NAMES[19][1:]}案", NAMES[19]),
}

PARTIES = [f"  - {{name: {n}, role: witness}}" for n in NAMES] + [
    f"  - {{name: {LATIN}, role: witness}}",
    f"  - {{name: {ACCENTED}, role: witness}}",
    f"  - {{name: {UYGHUR}, role: suspect}}",
    f"  - {{name: {COMPAT}, role: suspect}}",
    "  - {name: 李明, role: victim}",
    "  - {name: 李明华, role: official}",
    "  - {name: 黄河, role: witness}",
]


def page(id_: str, body: str, title: str = "公开页面") -> str:
    return (
        f"---\nid: {id_}\ntitle: {title}\nstatus: approved\nauthor: wang.fang\napproved_by: li.wei\n"
        f"approved_on: 2026-01-05\n---\n{body}\n"
    )


def declaring(extra_body: str = "") -> str:
    return (
        "---\nid: declared-parties\ntitle: 案件程序性信息\nstatus: approved\nauthor: wang.fang\n"
        "approved_by: li.wei\napproved_on: 2026-01-05\ncategory: case-procedure\ndate: 2026-01-05\n"
        "parties:\n" + "\n".join(PARTIES) + f"\n---\n案件正在办理。{extra_body}\n"
    )


CONFIG = BASE_CONFIG + '  not_names: ["黄河路"]\n'  # a road, not the party 黄河


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("rendered")
    files: dict[str, str | bytes] = {
        "content/regulations/cpl.md": REGULATION,
        "content/disclosures/parties.md": declaring(),
        "content/pages/photo.png": b"\x89PNG\r\n\x1a\n",
    }
    for name, (body, _secret) in CASES.items():
        files[f"content/pages/{name}.md"] = page(f"case-{name}", body)
    for name, (title, _secret) in FIELD_CASES.items():
        files[f"content/pages/{name}.md"] = page(f"case-{name}", "正文。", title=json.dumps(title, ensure_ascii=False))
    files["content/pages/kept.md"] = page(
        "kept", "检察官李明华出庭支持公诉。案发地点为黄河路。涉案金额人民币13800138000元。"
    )
    write_site(root, files, CONFIG)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    return root / "out", output(root / "out")


@pytest.mark.parametrize("case", sorted(CASES))
def test_secret_appears_in_no_output(built: tuple[Path, dict[str, list[str]]], case: str) -> None:
    out, files = built
    _body, secret = CASES[case]
    assert found(files, secret) == []
    text = (out / f"pages/case-{case}/index.html").read_text("utf-8")
    assert "某" in text or "已隐去" in text or case in ("percent-url", "link-title", "autolink"), text[-2000:]


@pytest.mark.parametrize("case", sorted(FIELD_CASES))
def test_secret_in_a_field_appears_in_no_output(built: tuple[Path, dict[str, list[str]]], case: str) -> None:
    out, files = built
    assert found(files, FIELD_CASES[case][1]) == []
    assert "某" in (out / f"pages/case-{case}/index.html").read_text("utf-8")


def test_over_redaction_is_a_defect_too(built: tuple[Path, dict[str, list[str]]]) -> None:
    out, _files = built
    text = html.unescape((out / "pages/kept/index.html").read_text("utf-8"))
    assert "检察官李明华出庭" in text  # not 李某华: 李明华 is another (declared) person
    assert "黄河路" in text  # privacy.not_names: a road, not the party 黄河
    assert "人民币13800138000元" in text  # an amount, not a phone number


def test_heading_ids_are_readable_and_filtered(built: tuple[Path, dict[str, list[str]]]) -> None:
    out, _files = built
    text = (out / "pages/case-heading-anchor/index.html").read_text("utf-8")
    assert 'id="郭某案的办理情况"' in text


# ---------------------------------------------------------------------------
# Markings hidden by markup stop the build
# ---------------------------------------------------------------------------

MARKINGS = {
    "markup": "本件机<b>密</b>★1年。",
    "zero-width": "绝\u200b密★启用前",
    "fullwidth-space": "秘\u3000密★5年",
    # (issue 8) 绝密★启用前 in character references (绝密文件 in a sentence is no marking)
    "entities": "&#32477;&#23494;&#9733;&#21551;&#29992;&#21069;",
    "comment": "机<!-- -->密★10年",
    "block-with-markup": "本件为内部<em>资料</em>。",
}


@pytest.mark.parametrize("case", sorted(MARKINGS))
def test_hidden_marking_stops_the_build(tmp_path: Path, case: str) -> None:
    root = write_site(
        tmp_path,
        {"content/regulations/cpl.md": REGULATION, "content/pages/x.md": page("x", "第一段。\n\n" + MARKINGS[case])},
    )
    out = root / "out"
    out.mkdir()
    (out / "index.html").write_text("previous", "utf-8")
    before = tree_digest(out)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 1
    assert re.match(r"content/pages/x\.md:1[01]: ", result.stderr), result.stderr
    assert "marking" in result.stderr or "privacy.block" in result.stderr
    assert tree_digest(out) == before


# ---------------------------------------------------------------------------
# Surfaces that used to bypass the filter
# ---------------------------------------------------------------------------


def _build(tmp_path: Path, files: dict[str, str | bytes], config: str = CONFIG) -> tuple[Path, object]:
    root = write_site(
        tmp_path,
        {"content/regulations/cpl.md": REGULATION, "content/disclosures/parties.md": declaring(), **files},
        config,
    )
    return root, run_cli(["build", "--now", NOW, "--out", "out"], root)


def test_an_id_holding_a_name_is_refused(tmp_path: Path) -> None:
    _root, result = _build(tmp_path, {"content/pages/x.md": page("david-miller-statement", "正文。")})
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "content/pages/x.md:2: field 'id' contains the name of a party who stays "
        "anonymous 'd***********': it becomes part of a URL and cannot be redacted\n"
    )


def test_a_source_url_with_personal_data_is_refused(tmp_path: Path) -> None:
    reg = REGULATION.replace("validity: in-force", f"validity: in-force\nsource: https://example.org/?tel={MOBILE}")
    root = write_site(tmp_path, {"content/regulations/cpl.md": reg})
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 1 and "field 'source' contains personal data (mobile)" in result.stderr
    assert not (root / "out").exists()


def test_attachment_names_in_latin_letters_are_filtered(tmp_path: Path) -> None:
    files = {
        "content/disclosures/d.md": declaring()
        .replace("id: declared-parties", "id: d")
        .replace("parties:\n", "attachments:\n  - {file: David_Miller-statement.txt, title: 陈述}\nparties:\n"),
        "content/disclosures/David_Miller-statement.txt": "陈述。",
    }
    root, result = _build(tmp_path, files)
    assert result.exit_code == 0, result.stderr
    names = [p.name for p in (root / "out/disclosures/d/files").iterdir()]
    assert names == ["attachment-1.txt"]


def test_unpublished_references_leave_no_trace(tmp_path: Path) -> None:
    secret_reg = (
        REGULATION.replace("id: cpl", "id: secret-internal-rule")
        .replace("中华人民共和国刑事诉讼法", "内部工作规则甲")
        .replace("status: approved", "status: draft")
    )
    body = "依据[内部规则](/regulations/secret-internal-rule/)办理。"
    rec = declaring(body).replace("date: 2026-01-05\n", "date: 2026-01-05\nlegal_basis: [cpl, secret-internal-rule]\n")
    root, result = _build(
        tmp_path, {"content/regulations/secret.md": secret_reg, "content/disclosures/parties.md": rec}
    )
    assert result.exit_code == 0, result.stderr
    files = output(root / "out")
    assert found(files, "secret-internal-rule") == [] and found(files, "内部工作规则甲") == []
    assert "中华人民共和国刑事诉讼法" in (root / "out/disclosures/declared-parties/index.html").read_text("utf-8")


def test_attachment_from_another_records_folder_is_refused(tmp_path: Path) -> None:
    rec = declaring().replace("parties:\n", "attachments:\n  - {file: ../other/report.txt, title: 报告}\nparties:\n")
    root, result = _build(
        tmp_path,
        {
            "content/disclosures/a/parties.md": rec.replace("id: declared-parties", "id: a"),
            "content/disclosures/other/report.txt": "报告。",
        },
    )
    assert result.exit_code == 1
    assert "attachment '../other/report.txt' is outside this record's folder" in result.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_text_attachments_in_utf16_are_scanned(tmp_path: Path, encoding: str) -> None:
    rec = declaring().replace("parties:\n", "attachments:\n  - {file: notice.txt, title: 告知书}\nparties:\n")
    _root, result = _build(
        tmp_path,
        {
            "content/disclosures/parties.md": rec,
            "content/disclosures/notice.txt": f"身份证号码 {ID18}".encode(encoding),
        },
    )
    assert result.exit_code == 1 and "a resident ID number" in result.stderr


def test_a_value_split_across_lines_in_an_attachment_is_found(tmp_path: Path) -> None:
    rec = declaring().replace("parties:\n", "attachments:\n  - {file: notice.txt, title: 告知书}\nparties:\n")
    _root, result = _build(
        tmp_path,
        {
            "content/disclosures/parties.md": rec,
            "content/disclosures/notice.txt": f"证人{NAMES[0][:2]}\n{NAMES[0][2]}作证",
        },
    )
    assert result.exit_code == 1 and "the name of a party who must stay anonymous" in result.stderr


@pytest.mark.parametrize(
    "name,data",
    [
        ("diagram.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
        ("page.html", b"<script>alert(1)</script>"),
        ("table.xlsx", b"PK\x03\x04"),
    ],
)
def test_attachment_types_outside_the_allow_list_are_refused(tmp_path: Path, name: str, data: bytes) -> None:
    rec = declaring().replace("parties:\n", f"attachments:\n  - {{file: {name}, title: 附件}}\nparties:\n")
    root, result = _build(tmp_path, {"content/disclosures/parties.md": rec, f"content/disclosures/{name}": data})
    assert result.exit_code == 1
    assert f"attachment '{name}': .{name.rsplit('.', 1)[1]} files are not published" in result.stderr
    assert "    hint: " in result.stderr and not (root / "out").exists()


@pytest.mark.parametrize("value", ["0", "9", "12"])
def test_short_public_contacts_are_rejected(tmp_path: Path, value: str) -> None:
    guide = (
        f"---\nid: g\ntitle: 指南\nstatus: approved\nauthor: wang.fang\napproved_by: li.wei\n"
        f'approved_on: 2026-01-05\nservice: complaint\noffices:\n  - {{name: 大厅, phone: "{value}"}}\n---\n正文。\n'
    )
    _root, result = _build(tmp_path, {"content/guides/g.md": guide})
    assert result.exit_code == 1
    assert "is too short to be a public contact" in result.stderr and "content/guides/g.md:" in result.stderr
    config = CONFIG.replace('allow: ["12309"]', f'allow: ["12309", "{value}"]')
    root2 = write_site(tmp_path / "second", {"content/regulations/cpl.md": REGULATION}, config)
    result2 = run_cli(["check", "--now", NOW], root2)
    assert result2.exit_code == 1 and "site_config.yml:" in result2.stderr and "too short" in result2.stderr


# ---------------------------------------------------------------------------
# Bounded work
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,what",
    [
        ("[" * 24000, "unclosed '['"),
        ("> " * 100 + "深", "block quotes nested"),
    ],
)
def test_inputs_quadratic_in_markdown_are_refused(tmp_path: Path, body: str, what: str) -> None:
    _root, result = _build(tmp_path, {"content/pages/x.md": page("x", "第一段。\n\n" + body)})
    assert result.exit_code == 1
    assert result.stderr.startswith("content/pages/x.md:11: body: ") and what in result.stderr


def test_pdf_extraction_has_a_time_limit() -> None:
    """A PDF whose pages all share one huge content stream: extraction is stopped
    after the limit instead of stalling the build."""
    import time

    from generator.privacy.attachments import Extractor, Unreadable

    stream = ("BT /F1 12 Tf " + "(x) Tj 1 0 Td " * 20000 + "ET").encode()
    pages = 400
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{4 + i} 0 R".encode() for i in range(pages))
        + f"] /Count {pages} >>".encode(),
        b"<< /Length " + str(len(stream)).encode() + b" >>stream\n" + stream + b"\nendstream",
    ]
    font = "<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    objects += [f"<< /Type /Page /Parent 2 0 R /Resources {font} /Contents 3 0 R >>".encode()] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    start = time.monotonic()
    with Extractor(seconds=2) as extract, pytest.raises(Unreadable, match="longer than 2 s"):
        extract("slow.pdf", bytes(out))
    assert time.monotonic() - start < 15


# ---------------------------------------------------------------------------
# People nobody declared
# ---------------------------------------------------------------------------


def test_undeclared_people_are_warned_about_and_strict_fails(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        {
            "content/regulations/cpl.md": REGULATION,
            "content/pages/x.md": page("x", "犯罪嫌疑人钱国栋涉嫌盗窃。被害人陈述属实。"),
        },
    )
    result = run_cli(["check", "--now", NOW], root)
    assert result.exit_code == 0
    assert (
        "warning: content/pages/x.md:9: '钱**' looks like the name of a person that no party declares" in result.stderr
    )
    assert "陈述" not in result.stderr
    strict = run_cli(["check", "--now", NOW, "--strict"], root)
    assert strict.exit_code == 1 and "Build failed: 1 error in 1 file." in strict.stderr


# ---------------------------------------------------------------------------
# One transaction: a build that fails late changes neither the site nor the index
# ---------------------------------------------------------------------------


def test_a_late_failure_changes_neither_site_nor_search_index(tmp_path: Path) -> None:
    import shutil

    from generator.search import index_dir_for

    root = write_site(
        tmp_path, {"content/regulations/cpl.md": REGULATION, "content/pages/a.md": page("a", "第一页正文。")}
    )
    assert run_cli(["build", "--now", NOW, "--out", "out"], root).exit_code == 0
    index = index_dir_for(root / "out")
    site_before, index_before = tree_digest(root / "out"), sorted(p.name for p in index.iterdir())
    # a new record, and a theme override whose template MkDocs cannot compile
    (root / "content/pages/b.md").write_text(page("b", "第二页独有的短语。"), "utf-8")
    shutil.copytree(Path(__file__).resolve().parents[1] / "theme", root / "theme")
    (root / "theme/main.html").write_text("{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}", "utf-8")
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 1 and "the site could not be rendered" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(root / "out") == site_before
    assert sorted(p.name for p in index.iterdir()) == index_before
    search = run_cli(["search", "--now", NOW, "--out", "out", "--json", "第二页独有的短语"], root)
    assert search.exit_code == 0 and json.loads(search.stdout) == []
