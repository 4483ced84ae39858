"""Issue 8, items 1 and 2: the privacy rules never rewrite the law.

Real law sentences that mention 绝密 / 机密 / 内部资料性出版物 / 住所地 / 居住地 are
built with the real CLI and published unchanged; real markings (机密★10年 at
the head of a record, in front matter, alone on a line) still stop the build
with file:line; a block string is published only under a reviewed exemption.
The corpus-wide checks need ``../shared/corpus/laws`` and fail when it is missing.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import CONFIG, NOW, run_cli, write_site
from law_sentences import (
    ADDRESS_WORDS,
    MARKING_WORDS,
    SENTENCES,
    CorpusMissing,
    address_false_positives,
    corpus_sentences,
    laws_dir,
    marking_false_positives,
)

from generator.privacy.detectors import detect
from generator.privacy.secrets import find_markings


def regulation(rid: str, body: str, extra: str = "", title: str = "中华人民共和国某法") -> str:
    return (
        f"---\nid: {rid}\ntitle: {title}\nstatus: approved\nauthor: wang.fang\napproved_by: li.wei\n"
        f"approved_on: 2026-01-05\nkind: law\nissuer: 全国人民代表大会\nissued: 2018-10-26\n"
        f"validity: in-force\n{extra}---\n{body}"
    )


def page_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    raw = raw[raw.find("<article") :]
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


@pytest.fixture(scope="module")
def corpus() -> Path:
    try:
        return laws_dir()
    except CorpusMissing as exc:
        pytest.fail(str(exc))


@pytest.mark.parametrize("sentence", SENTENCES, ids=[s[:16] for s in SENTENCES])
def test_detectors_keep_real_law_sentence(sentence: str) -> None:
    assert detect(sentence) == []
    assert find_markings(sentence, ()) == []


def test_real_law_sentences_are_published_unchanged(tmp_path: Path) -> None:
    files = {}
    for i, sentence in enumerate(SENTENCES):
        extra = ""
        if "内部资料" in sentence:
            extra = "privacy:\n  allow_terms: [内部资料性出版物]\n  approved_by: li.wei\n"
        files[f"content/regulations/law-{i}.md"] = regulation(f"law-{i}", f"第一条 总则。\n\n{sentence}\n", extra)
    root = write_site(tmp_path, files)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    for i, sentence in enumerate(SENTENCES):
        text = page_text(root / "out" / "regulations" / f"law-{i}" / "index.html")
        assert re.sub(r"\s+", "", sentence) in re.sub(r"\s+", "", text), sentence
        assert "已隐去" not in text
    check = run_cli(["check", "--now", NOW, "--privacy-report"], root)
    assert check.exit_code == 0, check.stderr
    assert "0 redactions." in check.stderr


def test_block_string_needs_a_reviewed_exemption(tmp_path: Path) -> None:
    sentence = next(s for s in SENTENCES if "内部资料性出版物" in s)
    body = f"第一条 总则。\n\n{sentence}\n"
    root = write_site(tmp_path / "a", {"content/regulations/print.md": regulation("print", body)})
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 1
    assert (
        "content/regulations/print.md:15: '内部资料' in body is listed in privacy.block: "
        "this record may not be published"
    ) in result.stderr
    # an exemption by the author himself is ignored, and check says so
    self_approved = "privacy:\n  allow_terms: [内部资料性出版物]\n  approved_by: wang.fang\n"
    root = write_site(tmp_path / "b", {"content/regulations/print.md": regulation("print", body, self_approved)})
    assert run_cli(["build", "--now", NOW, "--out", "out"], root).exit_code == 1
    # a reviewed exemption: published, and check reports it
    ok = "privacy:\n  allow_terms: [内部资料性出版物]\n  approved_by: li.wei\n"
    root = write_site(tmp_path / "c", {"content/regulations/print.md": regulation("print", body, ok)})
    assert run_cli(["build", "--now", NOW, "--out", "out"], root).exit_code == 0
    check = run_cli(["check", "--now", NOW], root)
    assert check.exit_code == 0
    assert (
        "exemption: content/regulations/print.md: privacy.allow_terms [内部资料性出版物] approved by li.wei"
        in check.stdout
    )
    # the exemption covers the term, not the block string elsewhere
    root = write_site(
        tmp_path / "d", {"content/regulations/print.md": regulation("print", body + "\n本件为内部资料。\n", ok)}
    )
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 1
    assert "content/regulations/print.md:20: '内部资料' in body is listed in privacy.block" in result.stderr


MARKED = [
    ("at the head of the body", "机密★10年\n\n第一条 总则。\n", "", 13, "'机密★10年' in body"),
    ("level and urgency at the head", "000123\n秘密　特急\n\n第一条 总则。\n", "", 14, "'秘密' in body"),
    ("alone on a line", "第一条 总则。\n\n绝密\n\n第二条 附则。\n", "", 15, "'绝密' in body"),
    ("bold, alone on a line", "第一条 总则。\n\n**机密**\n", "", 15, "'机密' in body"),
    ("in front matter", "第一条 总则。\n", "summary: 机密★10年\n", 12, "'机密★10年' in summary"),
    ("front-matter value alone", "第一条 总则。\n", "tags: [机密]\n", 12, "'机密' in tags.0"),
    ("title at the head", "第一条 总则。\n", "", 3, "'绝密★启用前' in title"),
    ("internal marking", "内部★\n\n第一条 总则。\n", "", 13, "'内部★' in body"),
    (
        "exemption does not cover markings",
        "机密★10年\n第一条 总则。\n",
        "privacy:\n  allow_terms: [机密★10年]\n  approved_by: li.wei\n",
        16,
        "'机密★10年' in body",
    ),
]


@pytest.mark.parametrize(("case", "body", "extra", "line", "what"), MARKED, ids=[m[0] for m in MARKED])
def test_real_markings_still_stop_the_build(
    tmp_path: Path, case: str, body: str, extra: str, line: int, what: str
) -> None:
    title = "绝密★启用前 某法" if case == "title at the head" else "中华人民共和国某法"
    root = write_site(tmp_path, {"content/regulations/m.md": regulation("m", body, extra, title)}, CONFIG)
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 1, result.stdout
    assert (
        f"content/regulations/m.md:{line}: state-secret marking {what}: marked material is never published"
        in result.stderr
    ), result.stderr
    assert not (root / "out").exists()


def test_no_address_or_marking_finding_in_any_corpus_sentence(corpus: Path) -> None:
    n, wrong = address_false_positives(corpus)
    assert n > 500 and wrong == [], wrong[:10]
    n, wrong_m = marking_false_positives(corpus)
    assert n > 500 and wrong_m == [], wrong_m[:10]


def test_corpus_sentences_find_the_words(corpus: Path) -> None:
    # the labelled set is not empty by accident: 刑法 and 民事诉讼法 are in it
    names = {name for name, _, _ in corpus_sentences(MARKING_WORDS, corpus)}
    assert "刑法.md" in names
    names = {name for name, _, _ in corpus_sentences(ADDRESS_WORDS, corpus)}
    assert any(n.startswith("民事诉讼法") for n in names)
