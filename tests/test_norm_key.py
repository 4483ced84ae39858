"""(issue 13) The matcher's keys come from ``normalise_folded``, which skips the offset
maps: each key must be exactly ``normalise(value).folded.strip()`` -- on every string
the sample site declares (and every other string of its records), on short pieces of
real laws (words, lines, name-like runs of 2-4 characters) and on hostile strings.  The
code key of private values (``_code_like_key``) was reordered too, and its text comes
from ``normalise_text`` (no offset maps): checked against its previous form on the same
strings."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import NOW, SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st
from law_sentences import laws_path
from test_normalise_speed import PIECES

from generator import pipeline
from generator.intake import load_and_validate
from generator.privacy import matching
from generator.privacy.matching import _code_key, _code_like_key, norm_key
from generator.privacy.normalise import normalise, normalise_folded, normalise_text
from generator.records import Disclosure

LAWS = laws_path()  # $OPENAFFAIRS_LAWS, else ../shared/corpus/laws

HOSTILE = [
    "Ｚｈａｎｇ　Ｗｅｉ",  # full-width letters, ideographic space
    "１３８００１３８０００",  # full-width digits
    "张\u200b建\u200d国",  # zero-width
    "张\u2060建\ufeff国\u200e",  # word joiner, BOM, direction mark
    "Zhang\u00adWei",  # soft hyphen
    "张\u00a0建国",  # NBSP
    "张\u3000建国",  # ideographic space
    " 张建国 ",
    "\t李 明\n",
    "%E5%BC%A0%E5%BB%BA%E5%9B%BD",  # percent-encoded UTF-8
    "%E5%BC",  # invalid UTF-8 (truncated)
    "%FF%FE",  # invalid UTF-8
    "a%zzb%4",  # not percent-encoding
    "阿卜杜•热合曼",
    "阿卜杜・热合曼",
    "阿卜杜‧热合曼",
    "阿卜杜∙热合曼",
    "阿卜杜⋅热合曼",
    "阿卜杜●热合曼",
    "阿卜杜ꞏ热合曼",
    "Jose\u0301 Garci\u0301a",  # combining accents on ASCII
    "Müller",
    "MU\u0308LLER",
    "İSTANBUL İlkay",
    "STRAẞE",
    "ẞ",
    "ǅ",
    "ﬁ",
    "&#24352;&#x5efa;国",  # HTML references (not decoded outside plain fields)
    "&amp;&nosuch;&AMP;",
    "C:\\Users\\张建国",
    "a\\\\b",
    "张\x00建国",  # the BLOCK mark
    "\x00",
    "\u3164",
    "\ufe0f\ufe0f",
    "A\u20dd",
    "\U0001d400\U0001d401",
    "\u2f00\uf900",
    "老D",
    "Maria  GARCIA",
    "110101199003071234",
    "6222 0212 3456 7890 123",
    "ＡＢ１２３４５６",
    "",
    " ",
]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _strings(v)
    elif hasattr(value, "__dict__"):
        yield from _strings(vars(value))


def _previous_code_like_key(value: str) -> str | None:
    """``_code_like_key`` as it was before issue 13 reordered its checks (and made its code
    key with ``normalise_text``)."""
    n = re.sub(matching._SEP, "", normalise(value).text).upper()
    if len(n) >= 5 and sum(c.isdigit() for c in n) >= len(n) * 0.6 and n.isalnum() and n.isascii():
        return n
    return None


def _same(value: str) -> None:
    expected = normalise(value).folded
    assert normalise_folded(value) == expected, repr(value)
    assert normalise_text(value) == normalise(value).text, repr(value)
    assert _code_key(value) == re.sub(matching._SEP, "", normalise(value).text).upper(), repr(value)
    assert norm_key(value) == expected.strip(), repr(value)
    assert _code_like_key(value) == _previous_code_like_key(value), repr(value)


def test_keys_of_the_sample_sites_declared_strings() -> None:
    old = Path.cwd()
    os.chdir(SAMPLE)
    try:
        config = pipeline.configure(Path("site_config.yml"), NOW)[0]
        _, site, _ = load_and_validate(config, "content", 1)
    finally:
        os.chdir(old)
    declared: list[str] = list(config.privacy.not_names)
    for record in site.records:
        if isinstance(record, Disclosure):
            for party in record.parties:
                declared += [party.name, *party.aliases, *(str(v) for v in party.private.values())]
    assert len(declared) >= 10
    everything = declared + list(_strings(site.records))
    assert len(everything) > len(declared)
    for value in everything:
        _same(value)
    # the strings that take the slow path are among them (upper case, white space ...)
    assert any(normalise(v).starts is not None for v in declared)


def _law_pieces(text: str) -> Iterator[str]:
    for line in text.splitlines():
        yield line
        yield from re.split(r"[\s，。；：、（）]+", line)
        chars = [c for c in line if not c.isspace()]
        for size in (2, 3, 4):
            for i in range(0, max(0, len(chars) - size), 7):
                yield "".join(chars[i : i + size])


def test_keys_of_pieces_of_real_laws() -> None:
    files = sorted(p for p in LAWS.rglob("*") if p.is_file() and p.suffix in (".md", ".txt"))
    assert len(files) >= 100
    slow = 0
    count = 0
    for path in itertools.islice(files, 0, None, max(1, len(files) // 40)):
        text = path.read_text(encoding="utf-8", errors="replace")
        for piece in _law_pieces(text[:8000]):
            _same(piece)
            count += 1
            slow += normalise(piece).starts is not None
    assert count > 2000 and slow > 50  # many pieces, and many take the slow path


def test_keys_of_hostile_strings() -> None:
    for value in HOSTILE:
        _same(value)
        for other in HOSTILE[:12]:
            _same(value + other)
            _same(other + " " + value)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES + HOSTILE), st.text(max_size=4)), max_size=12).map("".join))
def test_keys_of_any_mix(text: str) -> None:
    _same(text)


def test_the_matcher_uses_the_same_keys() -> None:
    """The matcher's entries are keyed by ``norm_key``: a name declared with full-width
    letters and spaces is found in a text written in plain letters."""
    assert matching.norm_key("Ｚｈａｎｇ　Ｗｅｉ") == normalise("zhang wei").folded
