"""The privacy filter as a reviewer and an approver meet it, through real builds:
attachments that stop the build, ``openaffairs review``, the privacy report,
English pseudonyms, minors, idempotence and "nothing to remove, nothing
changed" (hypothesis), and an end-to-end build with identifiers planted in
every field, searched for in every output file."""

from __future__ import annotations

import html
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import NOW, REGULATION, run_cli, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from privacy_corpus import fullwidth, id_check_char, luhn_complete
from test_privacy_invariant import readable_text

from generator.privacy.filter import filter_text
from generator.privacy.names import pseudonym_base, pseudonyms
from generator.records import Disclosure, Party

# ---------------------------------------------------------------------------
# Helpers: records, attachments in three formats
# ---------------------------------------------------------------------------

ID18 = "33010619851212001" + id_check_char("33010619851212001")  # valid GB 11643 check digits
ID18_B = "44030419900101002" + id_check_char("44030419900101002")

PARTIES = """\
parties:
  - name: 张建国
    role: suspect
    aliases: [老张]
    private:
      phone: "13912345678"
  - name: 张丽
    role: witness
  - name: 李明
    role: official
"""


def disclosure(
    id_: str,
    *,
    title: str = "案件程序性信息",
    body: str = "正文。",
    attachments: str = "",
    parties: str = PARTIES,
    status: str = "approved",
    extra: str = "",
) -> str:
    """A disclosure record; ``attachments`` is the YAML list under 'attachments:'."""
    approval = "approved_by: li.wei\napproved_on: 2026-03-02\n" if status == "approved" else ""
    return (
        f"---\nid: {id_}\ntitle: {title}\nstatus: {status}\nauthor: wang.fang\n{approval}"
        f"category: case-procedure\ndate: 2026-03-01\n{extra}{parties}"
        + (f"attachments:\n{attachments}" if attachments else "")
        + f"---\n{body}\n"
    )


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def bfchars(text: str) -> str:
    """ToUnicode entries for the characters used (as a real subset font has)."""
    chars = sorted(set(text))
    out = []
    for i in range(0, len(chars), 100):
        chunk = chars[i : i + 100]
        out.append(
            f"{len(chunk)} beginbfchar " + " ".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chunk) + " endbfchar"
        )
    return " ".join(out)


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF whose text is extractable (any BMP character): a Type0 font,
    Identity-H encoding with character codes = code points, and a ToUnicode CMap."""

    def hex_text(s: str) -> str:
        return "<" + "".join(f"{ord(c):04X}" for c in s) + ">"

    content = "BT /F1 12 Tf 14 TL 50 800 Td " + " ".join(f"{hex_text(l)} Tj T*" for l in lines) + " ET"
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def "
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange "
        + bfchars("".join(lines) + (title or ""))
        + " endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    info = f"<< /Title {hex_text(chr(0xFEFF) + title)} >>" if title else "<< /Producer (test) >>"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def make_docx(paragraphs: list[str], table: list[list[str]] = (), header: str = "") -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    if header:
        document.sections[0].header.paragraphs[0].text = header
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def site_with_attachment(tmp_path: Path, name: str, data: bytes | str, status: str = "approved") -> tuple[Path, str]:
    record = disclosure("with-file", status=status, attachments=f"  - {{file: {name}, title: 附件}}\n")
    files: dict[str, str | bytes] = {
        "content/disclosures/with-file.md": record,
        f"content/disclosures/{name}": data,
        "content/regulations/cpl.md": REGULATION,
    }
    return write_site(tmp_path, files), record


ATTACHMENT_MESSAGE = (
    "content/disclosures/with-file.md:{line}: attachment '{name}' contains {what}: "
    "an attachment is published as it is and cannot be redacted by the generator"
)

# ---------------------------------------------------------------------------
# 1. Attachments
# ---------------------------------------------------------------------------

ATTACHMENT_CASES = {
    "txt": (
        "notice.txt",
        f"起诉书摘要\n身份证号码 {ID18}\n".encode(),
        f"a resident ID number '3301**********{ID18[-4:]}'",
    ),
    "txt-gb18030": ("notice.txt", "联系人手机：13800138000。".encode("gb18030"), "a mobile phone number '1380***8000'"),
    "csv": (
        "list.csv",
        "姓名,卡号\n某某,卡号 6222 0212 3456 7890 128\n".encode(),
        "a bank card number '6222**************0*128'",
    ),
    "pdf": (
        "notice.pdf",
        make_pdf(["起诉书摘要", "证人张丽作证。"]),
        "the name of a party who must stay anonymous '张*'",
    ),
    "pdf-declared": (
        "notice.pdf",
        make_pdf(["联系电话 139-1234-5678"]),
        "a party's declared private value (phone) '139*1****5678'",
    ),
    "pdf-metadata": (
        "notice.pdf",
        make_pdf(["起诉书摘要"], title="张建国案"),
        "the name of a party who must stay anonymous '张**'",
    ),
    "docx": ("notice.docx", make_docx(["不起诉决定书"], table=[["车辆", "浙A·12345"]]), "a vehicle plate '浙******5'"),
    "docx-header": ("notice.docx", make_docx(["正文"], header="护照号码 E12345678"), "a passport number 'E123*5678'"),
    "marking": ("notice.txt", "机密★10年\n内容".encode(), "the state-secret marking '机密★10年'"),
    "block": ("notice.txt", "本件为内部资料。".encode(), "'内部资料' (listed in privacy.block)"),
}


def _fix_masks() -> None:
    """The masks above are written by hand; check them against detectors.mask once."""
    from generator.privacy.detectors import mask

    assert mask(ID18) == f"3301**********{ID18[-4:]}" and mask("13800138000") == "1380***8000"
    assert mask("浙A·12345") == "浙******5" and mask("E12345678") == "E123*5678"


@pytest.mark.parametrize("case", sorted(ATTACHMENT_CASES))
def test_attachment_with_personal_data_stops_the_build(tmp_path: Path, case: str) -> None:
    name, data, what = ATTACHMENT_CASES[case]
    root, record = site_with_attachment(tmp_path, name, data)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    expected_start = ATTACHMENT_MESSAGE.format(line=line_of(record, f"file: {name}"), name=name, what="")
    found = [l for l in lines if l.startswith(expected_start[: expected_start.index(" contains ")])]
    assert len(found) == 1, result.stderr
    assert what in found[0], found[0]
    assert found[0].endswith("cannot be redacted by the generator"), found[0]
    assert lines[-1] == "Build failed: 1 error in 1 file."
    assert not (root / "out").exists()


def test_attachment_message_is_exact(tmp_path: Path) -> None:
    root, record = site_with_attachment(
        tmp_path, "notice.txt", f"身份证号码 {ID18}，联系电话 139 1234 5678，证人张丽。"
    )
    result = run_cli(["check", "--now", NOW], root)
    assert result.exit_code == 1
    line = line_of(record, "file: notice.txt")
    assert result.stderr.splitlines()[:2] == [
        f"content/disclosures/with-file.md:{line}: attachment 'notice.txt' contains "
        "the name of a party who must stay anonymous '张*', "
        "a party's declared private value (phone) '139*1****5678' and "
        f"a resident ID number '3301**********{ID18[-4:]}': "
        "an attachment is published as it is and cannot be redacted by the generator",
        "    hint: remove these from the file (or attach a redacted copy), or remove the attachment from the record",
    ]
    for value in (ID18, "139 1234 5678", "张丽"):
        assert value not in result.stderr and value not in result.stdout


def test_the_masks_in_the_table_are_the_detectors_masks() -> None:
    _fix_masks()


@pytest.mark.parametrize(
    "name,data",
    [
        ("notice.txt", "起诉书摘要：本案依法提起公诉。举报电话 12309。".encode()),
        ("notice.pdf", make_pdf(["检察听证旁听须知", "通过12309中国检察网提出申请。", "案号：测检刑诉〔2026〕15号"])),
        ("notice.docx", make_docx(["不起诉决定书", "检察官李明。"], table=[["日期", "2026年3月1日"]])),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"13912345678"),  # not read: published as it is
    ],
    ids=["txt", "pdf", "docx", "png"],
)
def test_clean_attachments_are_published(tmp_path: Path, name: str, data: bytes) -> None:
    root, _ = site_with_attachment(tmp_path, name, data)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    assert (root / "out/disclosures/with-file/files" / name).read_bytes() == data


def test_unreadable_pdf_stops_the_build(tmp_path: Path) -> None:
    root, record = site_with_attachment(tmp_path, "broken.pdf", b"%PDF-1.4\nthis is not a PDF at all")
    result = run_cli(["check", "--now", NOW], root)
    assert result.exit_code == 1
    line = line_of(record, "file: broken.pdf")
    assert result.stderr.startswith(
        f"content/disclosures/with-file.md:{line}: attachment 'broken.pdf' could not be read to check it "
        "for personal data (not a readable PDF"
    )


def test_attachment_of_a_held_back_record_does_not_stop_the_build(tmp_path: Path) -> None:
    """It is not published, so it is not scanned by build; review shows it."""
    root, record = site_with_attachment(tmp_path, "notice.txt", f"身份证号码 {ID18}", status="review")
    assert run_cli(["check", "--now", NOW], root).exit_code == 0
    result = run_cli(["review", "content/disclosures/with-file.md", "--now", NOW], root)
    assert result.exit_code == 1
    assert "Decision: held back: status is review" in result.stdout
    assert f"found a resident ID number '3301**********{ID18[-4:]}'" in result.stdout
    assert (
        f"content/disclosures/with-file.md:{line_of(record, 'file: notice.txt')}: attachment 'notice.txt'"
        in result.stderr
    )
    assert ID18 not in result.stdout + result.stderr


# ---------------------------------------------------------------------------
# 2. openaffairs review
# ---------------------------------------------------------------------------

REVIEWED = disclosure(
    "reviewed",
    title="张建国涉嫌受贿案",
    status="review",
    extra="summary: 张建国（手机13912345678）涉嫌受贿。\n",
    body=f"犯罪嫌疑人张建国，又名老张，身份证号码{ID18}。\n证人张丽作证。检察官李明办理。举报电话12309。",
)


def test_review_shows_the_record_as_it_will_be_published(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"content/disclosures/reviewed.md": REVIEWED, "content/regulations/cpl.md": REGULATION})
    result = run_cli(["review", "content/disclosures/reviewed.md", "--now", NOW], root)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith(
        "Review: content/disclosures/reviewed.md\n"
        "Decision: held back: status is review (not yet approved). Nothing of it is published now; "
        "shown below as it WOULD be published once it passes the gate\n"
        "Legend: [[...]] = text the privacy filter replaced"
    )
    assert "  3: title: [[张某1]]涉嫌受贿案\n" in out
    assert "summary: [[张某1]]（手机[[〔电话号码已隐去〕]]）涉嫌受贿。" in out
    assert "parties[2].name (official): 李明\n" in out
    body_line = line_of(REVIEWED, "犯罪嫌疑人")
    assert (
        f"  {body_line} | 犯罪嫌疑人[[张某1]]，又名[[张某1]]，身份证号码[[〔身份证号码已隐去〕]]。\n"
        f"  {body_line + 1} | 证人[[张某2]]作证。检察官李明办理。举报电话12309。\n"
    ) in out
    table = out[out.index("Redactions (") :]
    assert table.splitlines()[1].split() == ["LINE", "RULE", "MASKED", "ORIGINAL", "REPLACEMENT"]
    assert f"  {body_line:<4}  id-number   3301**********{ID18[-4:]}  〔身份证号码已隐去〕" in table
    assert "\x1b[" not in out
    for secret in ("张建国", "老张", "张丽", "13912345678", ID18):
        assert secret not in out + result.stderr


def test_review_highlights_with_ansi_when_asked(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"content/disclosures/reviewed.md": REVIEWED, "content/regulations/cpl.md": REGULATION})
    result = run_cli(["review", "content/disclosures/reviewed.md", "--now", NOW, "--color"], root)
    assert result.exit_code == 0
    assert "\x1b[7;33m张某1\x1b[0m涉嫌受贿案" in result.stdout and "[[" not in result.stdout


def test_review_exits_1_on_site_errors_and_2_on_unknown_path(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        {
            "content/disclosures/reviewed.md": REVIEWED,
            "content/disclosures/bad.md": disclosure("bad", extra="legal_basis: [nope]\n"),
        },
    )
    result = run_cli(["review", "content/disclosures/reviewed.md", "--now", NOW], root)
    assert result.exit_code == 1 and result.stdout == ""
    assert re.search(
        r"^content/disclosures/bad\.md:\d+: field 'legal_basis': no regulation with id 'nope'", result.stderr, re.M
    )
    (root / "content/disclosures/bad.md").unlink()
    missing = run_cli(["review", "content/disclosures/nothing.md", "--now", NOW], root)
    assert missing.exit_code == 2 and "not a record of this site" in missing.stderr


# ---------------------------------------------------------------------------
# 3. The privacy report
# ---------------------------------------------------------------------------


def test_privacy_report_json_sorted_with_all_fields(sample_site: Path) -> None:
    result = run_cli(["check", "--now", NOW, "--privacy-report", "--json"], sample_site)
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert rows and all(set(r) == {"path", "line", "rule", "masked", "replacement"} for r in rows)
    assert [(r["path"], r["line"]) for r in rows] == sorted((r["path"], r["line"]) for r in rows)
    assert {"party-name", "id-number", "address", "phone", "employer"} <= {r["rule"] for r in rows}
    assert "110101199003074518" not in result.stdout and "张建国" not in result.stdout


def test_privacy_report_text_ends_with_counts_per_rule(sample_site: Path) -> None:
    result = run_cli(["check", "--now", NOW, "--privacy-report"], sample_site)
    lines = result.stdout.rstrip("\n").split("\n")
    rows = [l for l in lines if re.match(r"^\S+\.md:\d+: ", l)]
    keys = [(l.split(":")[0], int(l.split(":")[1])) for l in rows]
    assert keys == sorted(keys)
    summary = lines[lines.index("Redactions by rule:") + 1 :]
    assert summary[0].split() == ["RULE", "COUNT"]
    counts = {l.split()[0]: int(l.split()[1]) for l in summary[1:]}
    assert counts["total"] == len(rows) == sum(v for k, v in counts.items() if k != "total")
    assert counts["party-name"] == sum(1 for l in rows if ": party-name: " in l)


# ---------------------------------------------------------------------------
# 4. Minors, 5. Latin names
# ---------------------------------------------------------------------------


def test_minor_victim_and_witness_are_anonymised_everywhere(tmp_path: Path) -> None:
    case = disclosure(
        "minor-victim",
        parties="""\
parties:
  - name: 刘小雨
    role: victim
    minor: true
    public: true
    private:
      school: 测试市实验小学
  - name: 陈小军
    role: witness
    minor: true
  - name: 刘大伟
    role: guardian
""",
        body="被害人刘小雨（就读于测试市实验小学）由其父刘大伟陪同；证人陈小军作证。",
    )
    press = disclosure("press", parties="", body="本院关爱刘小雨、陈小军等未成年人，走访测试市实验小学。")
    root = write_site(
        tmp_path,
        {
            "content/disclosures/minor-victim.md": case,
            "content/disclosures/press.md": press,
            "content/regulations/cpl.md": REGULATION,
        },
    )
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    page = (root / "out/disclosures/minor-victim/index.html").read_text("utf-8")
    # 刘小雨 and 刘大伟 would share 刘某: numbered in the record that names them both
    assert "被害人刘某1（就读于〔个人信息已隐去〕）由其父刘某2陪同；证人陈某作证。" in html.unescape(page)
    other = html.unescape((root / "out/disclosures/press/index.html").read_text("utf-8"))
    assert "本院关爱刘某、陈某等未成年人，走访〔个人信息已隐去〕。" in other
    leaks = [
        p
        for p in (root / "out").rglob("*")
        if p.is_file() and any(v in readable_text(p) for v in ("刘小雨", "陈小军", "刘大伟", "实验小学"))
    ]
    assert leaks == []


def test_latin_names_keep_their_first_letter_in_each_language() -> None:
    people = [
        Party(name="David Miller", role="witness"),
        Party(name="Daniel Moore", role="victim"),
        Party(name="Anna Schmidt", role="witness"),
        Party(name="张伟", role="witness"),
    ]
    assert pseudonyms(people, "zh") == {
        "David Miller": "D某1",
        "Daniel Moore": "D某2",
        "Anna Schmidt": "A某",
        "张伟": "张某",
    }
    assert pseudonyms(people, "en") == {
        "David Miller": "D.1",
        "Daniel Moore": "D.2",
        "Anna Schmidt": "A.",
        "张伟": "张某",
    }
    assert pseudonym_base("josé garcía", "en") == "J." and pseudonym_base("欧阳明辉", "en") == "欧阳某"


def test_english_record_uses_english_pseudonyms_and_markers(tmp_path: Path) -> None:
    english = disclosure(
        "english",
        title="Witness David Miller heard",
        extra="lang: en\n",
        parties="""\
parties:
  - name: David Miller
    role: witness
  - name: Daniel Moore
    role: victim
  - name: Anna Schmidt
    role: witness
""",
        body="David Miller and Daniel Moore (tel. 139 1234 5678) met Anna Schmidt.",
    )
    chinese = disclosure("chinese", parties="", body="证人David Miller出庭。")
    root = write_site(
        tmp_path,
        {
            "content/disclosures/english.md": english,
            "content/disclosures/chinese.md": chinese,
            "content/regulations/cpl.md": REGULATION,
        },
    )
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    page = html.unescape((root / "out/disclosures/english/index.html").read_text("utf-8"))
    assert "D.1 and D.2 (tel. [phone number removed]) met A." in page
    assert "Witness D.1 heard" in page
    zh = html.unescape((root / "out/disclosures/chinese/index.html").read_text("utf-8"))
    assert "证人D某出庭。" in zh


# ---------------------------------------------------------------------------
# 6. Properties: idempotence, nothing to remove means nothing changed
# ---------------------------------------------------------------------------

SITE_RECORDS = [
    Disclosure.model_validate(
        {
            "id": "x",
            "title": "x",
            "status": "draft",
            "author": "wang.fang",
            "category": "case-procedure",
            "date": "2026-03-01",
            "parties": [
                {
                    "name": "张建国",
                    "role": "suspect",
                    "aliases": ["老张"],
                    "private": {"phone": "13912345678", "address": "测试市东湖区柳岸路18号"},
                },
                {"name": "David Miller", "role": "witness"},
                {"name": "李明", "role": "official"},
            ],
        },
        context={"tz": None},
    )
]

WORDS = [
    "检察院",
    "依法",
    "审查",
    "决定",
    "起诉",
    "本案",
    "被告人",
    "事实清楚",
    "证据确实充分",
    "听证",
    "公开",
    "的",
    "和",
    "了",
    "检察官",
    "李明",
    "report",
    "the case",
    "hearing",
    "，",
    "。",
    "、",
    "；",
    "（",
    "）",
    "《刑法》第三百八十五条",
    "第12条",
    "人民币",
    "万元",
    "2026年3月1日",
    "2026-03-01",
    "测检刑诉〔2026〕15号",
    "12309",
    " ",
    "\n",
    "——",
    "……",
    "：",
    "“",
    "”",
]
KEEP_TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.integers(0, 999999).map(lambda n: f"共{n}件"),
    st.decimals(0, 10**7, places=2, allow_nan=False).map(lambda d: f"人民币{d}元"),
    st.sampled_from(WORDS).map(fullwidth),
)


@given(st.lists(KEEP_TOKENS, max_size=40).map("".join))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_text_without_identifiers_is_unchanged(text: str) -> None:
    out, redactions = filter_text(text, allow=["12309"])
    assert out == text and redactions == []


def _valid_id(n: int) -> str:
    first = f"3301061985{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return first + id_check_char(first)


IDENTIFIER = st.one_of(
    st.integers(0, 10**6).map(_valid_id),
    st.integers(0, 10**8 - 1).map(lambda n: f"139{n:08d}"),
    st.integers(0, 10**8 - 1).map(lambda n: luhn_complete(f"62220212{n:08d}"[:15])),
    st.sampled_from(["张建国", "老张", "David Miller", "13912345678", "139 1234 5678", "测试市东湖区柳岸路18号"]),
)
SEPARATED = st.one_of(st.sampled_from(WORDS[:16]), st.just("，"), st.just("。"))


@given(st.lists(st.one_of(SEPARATED, IDENTIFIER.map(lambda v: f"，{v}。")), max_size=20).map("".join))
@settings(max_examples=300, deadline=None)
def test_filter_is_idempotent(text: str) -> None:
    once, _ = filter_text(text, SITE_RECORDS, allow=["12309"])
    twice, redactions = filter_text(once, SITE_RECORDS, allow=["12309"])
    assert twice == once and redactions == []


@given(st.lists(SEPARATED, max_size=8).map("".join), IDENTIFIER, st.lists(SEPARATED, max_size=8).map("".join))
@settings(max_examples=300, deadline=None)
def test_identifier_in_any_text_is_removed(before: str, value: str, after: str) -> None:
    out, redactions = filter_text(f"{before}：{value}。{after}", SITE_RECORDS)
    assert value not in out and re.sub(r"\s", "", value) not in re.sub(r"\s", "", out)
    assert redactions


# ---------------------------------------------------------------------------
# 6. End to end: identifiers planted in every field, searched in every output file
# ---------------------------------------------------------------------------

CARD = luhn_complete("622202121234567890")
PLANTED = {  # as written in the record -> what must not appear (raw and without separators)
    "id18-spaced": (f"身份证号 {ID18[:6]} {ID18[6:14]} {ID18[14:]}", ID18),
    "id18-fullwidth": ("身份证号" + fullwidth(ID18_B), ID18_B),
    "id15": ("原身份证号330106851212001", "330106851212001"),
    "mobile+86": ("电话+86 138-0013-8000", "13800138000"),
    "mobile-fullwidth": ("手机" + fullwidth("13700137000"), "13700137000"),
    "landline": ("座机0571-8765 4321", "057187654321"),
    "card": ("卡号 " + " ".join(CARD[i : i + 4] for i in range(0, len(CARD), 4)), CARD),
    "email": ("邮箱 zhang.jianguo@example.com", "zhang.jianguo@example.com"),
    "plate": ("车牌浙A·D1234F", "浙AD1234F"),
    "plate-new": ("车牌浙BD12345", "浙BD12345"),
    "passport": ("护照号码E87654321", "E87654321"),
    "permit": ("港澳通行证C76543210", "C76543210"),
    "address": ("家住测试市西湖区文三路99号5幢", "测试市西湖区文三路99号5幢"),
    "name": ("张建国", "张建国"),
    "alias": ("老张", "老张"),
    "declared": ("单位测试市柳岸建材有限公司", "测试市柳岸建材有限公司"),
}
ALL = "，".join(w for w, _ in PLANTED.values())


def _planted_site(root: Path) -> Path:
    v = list(PLANTED.values())
    disclosure_text = f"""\
---
id: planted
title: 通告{v[0][0]}{v[4][0]}
summary: 摘要{v[1][0]}，{v[13][0]}
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-03-02
category: case-procedure
date: 2026-03-01
case_number: 测检刑诉〔2026〕15号
department: 第一检察部{v[3][0]}
tags: [{v[2][0]}, {v[14][0]}]
parties:
  - name: 张建国
    role: suspect
    aliases: [老张]
    private:
      employer: 测试市柳岸建材有限公司
  - name: 李明
    role: official
attachments:
  - {{file: notice-13800138000.txt, title: 附件{v[5][0]}}}
changes:
  - {{date: 2026-03-05, note: 更正{v[6][0]}}}
---
{ALL}

| 项目 | 内容 |
|---|---|
| 联系 | {v[7][0]} |

> {v[8][0]}，{v[9][0]}
"""
    guide = f"""\
---
id: guide
title: 办事指南{v[10][0]}
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-03-02
service: inquiry
eligibility: [{v[11][0]}]
required_documents: [{v[12][0]}]
steps: [{v[3][0]}]
time_limit: 三日{v[4][0]}
fee: 免费{v[7][0]}
offices:
  - {{name: 检察服务中心, phone: "0571-12309000"}}
---
{ALL}
"""
    open_day = f"""\
---
id: open-day
title: 检察开放日{v[6][0]}
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-03-02
start: 2026-12-01T09:00:00
end: 2026-12-01T11:00:00
location: {{name: 本院, address: 测试市中山路1号}}
audience: 市民{v[5][0]}
agenda:
  - {{time: "09:00", item: 参观{v[0][0]}}}
---
{ALL}
"""
    regulation = REGULATION.replace("正文。", ALL).replace(
        "issuer: 全国人民代表大会", f"issuer: 全国人民代表大会{v[9][0]}"
    )
    page = (
        f"---\nid: about\ntitle: 关于{v[10][0]}\nstatus: approved\nauthor: wang.fang\napproved_by: li.wei\n"
        f"approved_on: 2026-03-02\n---\n{ALL}\n"
    )
    return write_site(
        root,
        {
            "content/disclosures/planted.md": disclosure_text,
            "content/disclosures/notice-13800138000.txt": "公告正文。",
            "content/guides/guide.md": guide,
            "content/open-days/open-day.md": open_day,
            "content/regulations/cpl.md": regulation,
            "content/pages/about.md": page,
        },
    )


def squeezed(text: str) -> str:
    return re.sub(r"[\s\-‐‑–—.·・/()（）+_,，%]", "", unicodedata.normalize("NFKC", text))


def test_planted_identifiers_appear_in_no_output_file(tmp_path: Path) -> None:
    root = _planted_site(tmp_path)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    files = {
        p.relative_to(root / "out").as_posix(): readable_text(p)
        for p in sorted((root / "out").rglob("*"))
        if p.is_file()
    }
    assert len(files) > 20
    hits = []
    for key, (_written, value) in PLANTED.items():
        raw, flat = value, squeezed(value)
        for name, text in files.items():
            if raw in text or flat in squeezed(text):
                hits.append((key, name))
    assert hits == []
    # and the filter did work, visibly: markers where the values were
    page = files["disclosures/planted/index.html"]
    for marker in (
        "〔身份证号码已隐去〕",
        "〔电话号码已隐去〕",
        "〔银行卡号已隐去〕",
        "〔电子邮箱已隐去〕",
        "〔车牌号码已隐去〕",
        "〔证件号码已隐去〕",
        "〔住址已隐去〕",
        "〔工作单位已隐去〕",
        "张某",
    ):
        assert marker in page, marker
    assert "测检刑诉〔2026〕15号" in page
    # the scan is not vacuous: a kept value is found by the same comparison
    assert squeezed("测检刑诉 〔2026〕 15号") in squeezed(page)


def test_review_says_which_attachments_could_not_be_scanned(tmp_path: Path) -> None:
    record = disclosure(
        "files",
        attachments="  - {file: scan.pdf, title: 扫描件}\n  - {file: photo.jpg, title: 照片}\n"
        "  - {file: notice.txt, title: 告知书}\n",
    )
    root = write_site(
        tmp_path,
        {
            "content/disclosures/files.md": record,
            "content/disclosures/scan.pdf": make_pdf([]),
            "content/disclosures/photo.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
            "content/disclosures/notice.txt": "告知书正文。",
            "content/regulations/cpl.md": REGULATION,
        },
    )
    result = run_cli(["review", "content/disclosures/files.md", "--now", NOW], root)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert '/disclosures/files/files/scan.pdf "扫描件": not scanned: no extractable text' in out
    assert '/disclosures/files/files/photo.jpg "照片": not scanned: .jpg files are not read' in out
    assert '/disclosures/files/files/notice.txt "告知书": scanned: nothing found' in out


def test_attachments_are_read_only_inside_content(tmp_path: Path) -> None:
    from generator.loading import read_attachment

    (tmp_path / "content").mkdir()
    (tmp_path / "content/a.txt").write_bytes(b"x")
    (tmp_path / "secret.txt").write_bytes(b"y")
    assert read_attachment(tmp_path / "content", "a.txt") == b"x"
    with pytest.raises(PermissionError):
        read_attachment(tmp_path / "content", "../secret.txt")


def test_only_the_filter_can_make_a_public_record() -> None:
    """Renderers, exports and indexes take PublicRecord; a path that skips the filter fails at once."""
    from generator.approval import Outcome
    from generator.privacy import PublicRecord

    record = Disclosure.model_validate(
        {
            "id": "x",
            "title": "张三案",
            "status": "approved",
            "author": "wang.fang",
            "approved_by": "li.wei",
            "approved_on": "2026-01-01",
            "category": "announcement",
            "date": "2026-01-01",
            "parties": [{"name": "张三", "role": "defendant"}],
        }
    )
    with pytest.raises(TypeError, match="PublicRecord is made by generator.privacy only"):
        PublicRecord(Outcome.PUBLISH, record)
    with pytest.raises(TypeError, match="PublicRecord is made by generator.privacy only"):
        PublicRecord(Outcome.PUBLISH, record, (), (), object())
