"""The privacy invariant: build, then search EVERY output file (gzip opened, JSON
and HTML entities unescaped) for planted private values, non-public names and
any text of records that must not be published."""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import NOW, SAMPLE, run_cli

PRIVATE_VALUES = [
    "测试市东湖区柳岸路18号3单元502室",
    "110101199003074518",
    "13912345678",
    "139 1234 5678",
    "测试市柳岸建材有限公司",
]
NON_PUBLIC_NAMES = ["张建国", "老张", "张丽", "欧阳明辉", "David Miller", "Miller", "孙小明"]
UNPUBLISHED_TEXT = [
    "草稿泄露测试短语甲",
    "审核中泄露测试短语乙",
    "禁发期泄露测试短语丙",
    "自批泄露测试短语丁",
    "越权泄露测试短语戊",
    "未成年泄露测试短语己",
    "撤回摘要泄露测试短语庚",
    "撤回正文泄露测试短语辛",
    "未发布撤回泄露测试短语壬",
    "不应公开的记录draft",
    "禁发期内的通告",
    "自己批准的记录",
    "非审批人批准的记录",
    "未成年人附条件不起诉决定",
    "从未发布即撤回",
    "held-draft",
    "held-embargo",
    "held-juvenile",
    "withdrawn-never",
]
KEPT = ["李明", "赵律师", "王海", "测检刑诉〔2026〕15号", "12309", "0571-12309000", "张某1", "张某2", "欧阳某", "D某"]


def readable_text(path: Path) -> str:
    return _readable(path.name, path.read_bytes())


def _readable(name: str, data: bytes) -> str:
    """Every output format as text a value could be found in: gzip and ZIP opened,
    JSON parsed (\\uXXXX escapes, as in JSON-LD), iCalendar lines unfolded and
    unescaped, XML/HTML entities decoded."""
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix == ".gz":
        data = gzip.decompress(data)
    if suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "\n".join(_readable(n, zf.read(n)) for n in zf.namelist())
    text = data.decode("utf-8", errors="replace")
    if suffix == ".json":
        text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    if suffix == ".ics":
        text = text.replace("\r\n ", "").replace("\r\n\t", "")
        text += "\n" + text.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
    if suffix == ".html":  # JSON-LD blocks escape < > & as \\u003c ...
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S):
            text += "\n" + json.dumps(json.loads(block), ensure_ascii=False)
    text = html.unescape(text)
    return text + "\n" + unicodedata.normalize("NFKC", text)  # full-width digits too


def all_output(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): readable_text(p) for p in sorted(root.rglob("*")) if p.is_file()}


def squeeze(text: str) -> str:
    return re.sub(r"[\s\-]", "", text)


@pytest.mark.parametrize("value", PRIVATE_VALUES + NON_PUBLIC_NAMES + UNPUBLISHED_TEXT)
def test_value_absent_from_every_output_file(built_sample: Path, value: str) -> None:
    files = all_output(built_sample)
    hits = [name for name, text in files.items() if value in text or squeeze(value) in squeeze(text)]
    assert hits == []


def test_kept_values_are_visible(built_sample: Path) -> None:
    page = readable_text(built_sample / "disclosures/bribery-case/index.html")
    missing = [
        v
        for v in KEPT
        if v not in page
        and v not in readable_text(built_sample / "guides/bribery-record-inquiry/index.html")
        and v not in readable_text(built_sample / "open-days/open-day-2026-12/index.html")
    ]
    assert missing == []


def test_the_invariant_test_can_fail(built_sample: Path, tmp_path: Path) -> None:
    """Guard against a vacuous scan: the scanner does find a value that is there."""
    (tmp_path / "x.json").write_text(json.dumps({"a": "张建国"}), encoding="utf-8")
    (tmp_path / "y.xml.gz").write_bytes(gzip.compress(b"13912345678"))
    (tmp_path / "z.ics").write_bytes(
        "DESCRIPTION:地址：测试市东湖区柳岸路18号3单元\r\n 502室\\, 张建\r\n 国\r\n".encode()
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", "孙小明")
    (tmp_path / "w.zip").write_bytes(buf.getvalue())
    (tmp_path / "v.html").write_text('<script type="application/ld+json">{"a":"\\u5f20\\u5efa\\u56fd"}</script>')
    files = all_output(tmp_path)
    assert "张建国" in files["x.json"] and "13912345678" in files["y.xml.gz"]
    assert "测试市东湖区柳岸路18号3单元502室" in files["z.ics"] and "张建国" in files["z.ics"]
    assert "孙小明" in files["w.zip"] and "张建国" in files["v.html"]
    assert len(all_output(built_sample)) > 20


SURFACES = [  # every kind of open-data output the scan above must have covered
    "feed.atom",
    "feed.xml",
    "disclosures/feed.atom",
    "disclosures/category/case-procedure/feed.atom",
    "open-days/calendar.ics",
    "open-days/open-day-2026-12/event.ics",
    "disclosures/bribery-case/index.json",
    "disclosures/withdrawn-notice/index.json",
    "data/disclosures.csv",
    "data/disclosures.json",
    "data/datapackage.json",
    "data/changes.json",
    "data/openaffairs-data.zip",
    "data/changes/index.html",
    "sitemap.xml",
    "robots.txt",
    "SHA256SUMS",
]


def test_every_open_data_surface_is_scanned(built_sample: Path) -> None:
    files = all_output(built_sample)
    assert [s for s in SURFACES if s not in files] == []
    page = files["disclosures/bribery-case/index.html"]
    assert "application/ld+json" in page and 'property="og:title"' in page  # JSON-LD and Open Graph
    # the tombstone's JSON twin and feeds carry its title and reason only
    assert "已撤回的通告" in files["disclosures/withdrawn-notice/index.json"]
    assert "撤回：已撤回的通告" in files["disclosures/feed.atom"]


def test_static_search_index_has_no_term_of_unpublished_text(built_sample: Path) -> None:
    """Decode every term of the public search index: no n-gram of a non-public name,
    and no term that only unpublished text could have produced."""
    from generator.static_search import normalize, read_postings, tokens

    files = {
        p.relative_to(built_sample).as_posix(): p.read_bytes()
        for p in (built_sample / "search").rglob("*")
        if p.is_file()
    }
    terms = set(read_postings(files))
    assert "诉讼法" in terms and "检察" in terms  # the decoder really reads the index
    for name in ["张建国", "欧阳明辉", "孙小明", "柳岸建材", "david"]:
        assert not tokens(normalize(name)) & {t for t in terms if len(t) >= 3 and t in normalize(name)}, name
    for phrase in ["泄露测试短语", "不应公开的记录"]:
        assert normalize(phrase)[:3] not in terms


# --- the public source export (openaffairs export-public) ------------------------------

STAFF_IDS = ["wang.fang", "li.wei", "chen.jing", "sun.min", "zhou.tao"]
INTERNAL_CONFIG = ["内部资料"]  # privacy.block markings stay internal


@pytest.fixture(scope="session")
def exported_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("export") / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("site"))
    result = run_cli(["export-public", "--now", NOW, "../public"], root)
    assert result.exit_code == 0, result.stderr
    return root.parent / "public"


@pytest.mark.parametrize("value", PRIVATE_VALUES + NON_PUBLIC_NAMES + UNPUBLISHED_TEXT + STAFF_IDS + INTERNAL_CONFIG)
def test_value_absent_from_the_public_export(exported_sample: Path, value: str) -> None:
    files = all_output(exported_sample)
    assert len(files) > 10
    hits = [name for name, text in files.items() if value in text or squeeze(value) in squeeze(text)]
    assert hits == []


def test_public_export_has_no_private_maps(exported_sample: Path) -> None:
    texts = all_output(exported_sample)
    assert not [n for n, t in texts.items() if "private:" in t or "aliases:" in t]
    assert "张某1" in texts["content/disclosures/bribery-case.md"]
