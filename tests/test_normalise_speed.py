"""(issue 13) ``normalise`` was rewritten for speed (one named group per kind of piece,
unchanged pieces copied in one run): it must give exactly what the previous version
gave (``normalise_reference.py``) -- text, folded text and both offset maps -- on
hostile strings, on every generated record and on real laws."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from law_sentences import laws_path
from normalise_reference import reference_normalise

from generator.privacy.normalise import BLOCK, normalise

sys.path.insert(0, str(REPO / "benchmarks"))

PIECES = [
    " ",
    "  ",
    "\n",
    "\t",
    "\u3000",
    "\u00a0",
    BLOCK,
    "\\",
    "\u200b",
    "\u00ad",
    "\ufe0f",
    "·",
    "•",
    "・",
    "%41",
    "%E5%BC%A0",
    "%zz",
    "%",
    "ABC",
    "A\u0301",
    "e\u0301",
    "Ａ",
    "ｂ",
    "１２",
    "，",
    "（",
    "）",
    "：",
    "“",
    "”",
    "—",
    "…",
    "㈱",
    "ﬁ",
    "\u2f00",
    "\uf900",
    "<b>",
    "</b>",
    "<!-- x -->",
    "&#38379;",
    "&#x5f20;",
    "&amp;",
    "&AMP;",
    "&nosuch;",
    "&ａｍｐ;",
    "*",
    "**",
    "_",
    "~",
    "`",
    "张",
    "建国",
    "abc",
    "x",
    "1",
    "İ",
    "ß",
    "ſ",
    "\u0301",
    "\U0001d400",
    "\ud7a3",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=16).map("".join), st.booleans())
def test_normalise_gives_what_it_gave(text: str, plain: bool) -> None:
    assert normalise(text, plain) == reference_normalise(text, plain)


def _bodies(root: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.md"))]


def test_normalise_gives_what_it_gave_on_generated_records(tmp_path: Path) -> None:
    from generate import generate

    generate(120, tmp_path / "site")
    texts = _bodies(tmp_path / "site" / "content")
    assert len(texts) >= 100
    for text in texts:
        for part in (text, text.replace("\n\n", BLOCK)):
            assert normalise(part) == reference_normalise(part)
            assert normalise(part, plain=True) == reference_normalise(part, plain=True)


LAWS = laws_path()  # $OPENAFFAIRS_LAWS, else ../shared/corpus/laws


def test_normalise_gives_what_it_gave_on_real_laws() -> None:
    files = sorted(p for p in LAWS.rglob("*") if p.is_file() and p.suffix in (".md", ".txt"))[:150]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert normalise(text) == reference_normalise(text), path.name
