"""Issue 13: the filter's fast path for bodies of plain paragraphs (``privacy/plain.py``)
gives the very tree the full path gives (Python-Markdown, nh3, ``parse_html``), node
for node -- on random texts, on generated records and on the real laws -- and refuses
whatever it cannot prove (the full path then runs)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from law_sentences import laws_dir

from generator.document import Element, Text, parse_html, render_markdown, sanitise
from generator.privacy.filter import filter_body
from generator.privacy.plain import plain_tree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))


def _shape(node: Element | Text) -> Any:
    if isinstance(node, Text):
        return node.text
    return (node.tag, [tuple(a) for a in node.attrs], [_shape(c) for c in node.children])


def _full(body: str) -> Any:
    return _shape(parse_html(sanitise(render_markdown(body))))


def _same_or_refused(body: str) -> bool:
    """True when the fast path took ``body`` (and then its tree is the full path's)."""
    fast = plain_tree(body)
    if fast is None:
        return False
    assert _shape(fast) == _full(body), body
    return True


def _body_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        return text[end + 5 :] if end != -1 else text
    return text


# everything Markdown, nh3 or the parser might read, among plain text of both scripts
PIECES = [
    "检察院",
    "张建国",
    "，",
    "。",
    "（一）",
    "第三条",
    "Anna Smith",
    "2026",
    "1.",
    "3)",
    "12309",
    "v926@example.com",
    "+86 139-1234-5678",
    "3,643,671",
    "\n",
    "\n\n",
    "\n\n\n",
    " ",
    "  ",
    "\u3000",
    "\xa0",
    "\t",
    "\r",
    "#",
    "=",
    "-",
    "+",
    ":",
    "!!!",
    ">",
    "<b>",
    "&amp;",
    "&",
    "*",
    "_",
    "`",
    "\\",
    "[",
    "]",
    "(",
    ")",
    "{: .x}",
    "|",
    "~",
    "^",
    "'",
    '"',
    "%",
    "$",
    "/",
    "?",
    ";",
    "\x00",
    "\x02",
    "\x85",
    "\u2028",
    "\ufeff",
    "\u200b",
    "é",
    "١.",
    "０",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=14).map("".join))
def test_fast_tree_is_the_full_paths_on_random_text(body: str) -> None:
    _same_or_refused(body)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(["检察院依法", "张建国", "，", "。", "2026年", "Anna Smith", "（一）"]), min_size=1
        ).map("".join),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["\n", "\n\n", "\n\n\n"]),
)
def test_fast_tree_is_the_full_paths_on_plain_paragraphs(lines: list[str], sep: str) -> None:
    assert _same_or_refused(sep.join(lines))


def test_fast_path_refuses_what_it_cannot_prove() -> None:
    for body in [
        "# 标题",
        "正文\n===",
        "- 一项",
        "1. 一项",
        "  缩进",
        "行尾  \n下一行",
        "a | b",
        "<p>x</p>",
        "a &amp; b",
        "*强调*",
        "[链接](x)",
        ": 定义",
        "!!! note",
        "> 引用",
        "文本{: .x}",
        "a\tb",
        "\u3000\u3000第一条",
    ]:
        assert plain_tree(body) is None, body
    assert plain_tree("第一段。\n第二行。\n\n第二段。") is not None


def test_fast_tree_is_the_full_paths_on_generated_records(tmp_path: Path) -> None:
    from generate import generate

    generate(300, tmp_path / "site")
    bodies = [_body_of(p) for p in sorted((tmp_path / "site" / "content").rglob("*.md"))]
    assert len(bodies) >= 250
    taken = sum(_same_or_refused(b) for b in bodies)
    assert taken >= len(bodies) // 2  # the fast path is the common one on these records
    for body in bodies:
        for block in body.split("\n\n"):
            _same_or_refused(block)


def test_fast_tree_is_the_full_paths_on_real_laws() -> None:
    files = sorted(p for p in laws_dir().rglob("*.md") if p.is_file())
    assert len(files) > 500
    blocks = taken = 0
    for path in files:
        body = _body_of(path)
        _same_or_refused(body)
        _same_or_refused(body.split("<!-- INFO END -->")[-1])
        for block in body.split("\n\n"):
            blocks += 1
            taken += _same_or_refused(block)
    assert taken > blocks // 2  # most paragraphs of the laws take the fast path


def test_filtered_body_is_the_same_either_way(monkeypatch: Any) -> None:
    """The filter's whole output (HTML, text, redactions) with the fast path and without it."""
    from generator.privacy import filter as filter_module

    body = "犯罪嫌疑人张建国，身份证号码110101199003077777，联系电话139 1234 5678。\n\n第二段，邮箱 a@example.com。"
    fast = filter_body(body)
    monkeypatch.setattr(filter_module, "plain_tree", lambda _body: None)
    slow = filter_body(body)
    assert fast == slow
    assert fast[2]  # something was redacted
