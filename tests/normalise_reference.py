"""The privacy filter's text normalisation as it was before issue 13 made it faster
(``generator/privacy/normalise.py`` at commit 85a20d8, the function and its patterns
only): the oracle of ``tests/test_normalise_speed.py``, which checks that the fast
version gives the same text, folded text and offset maps."""

# ruff: noqa: E501

from __future__ import annotations

import html
import re
import unicodedata

from generator.privacy.normalise import _DOTS, _FORMAT, _MARKS, BLOCK, Normalised, _percent, fold, is_cjk

# What is copied as it is: ASCII except upper-case letters, '%' and white space; common CJK.
_SPECIAL = re.compile(
    r"%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2})*"  # percent-encoded bytes
    r"|[\s\\" + BLOCK + "]+"  # white space runs (and block marks, backslashes)
    r"|[" + _FORMAT + "]+"  # format / zero-width
    r"|[" + _DOTS + "]"  # middle dots
    r"|[A-Z]+(?![" + _MARKS + "])"  # upper-case ASCII (folded only)
    r"|[^\x00-\x7f\u4e00-\u9fff\u3400-\u4dbf\u3001-\u3004\u3008-\u3011\u3014-\u301f]"
    r"[" + _MARKS + "]*"  # anything else: NFKC, with its combining marks
    r"|[A-Za-z][" + _MARKS + "]+"  # decomposed accents on ASCII letters
)
# Plain fields (titles, summaries ...) are printed as text, not rendered: markup typed
# into them shows literally, and a reader reads 张**建国** or 张<b>建</b>国 as 张建国.
# So for them tags, emphasis characters and character references count as nothing
# (references as the character they stand for).
_PLAIN_SPECIAL = re.compile(
    r"<[A-Za-z/!][^<>]{0,200}>|&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|&[A-Za-z]{2,8};|[*_~`]+|" + _SPECIAL.pattern
)
_WS_ONLY = re.compile(r"[\s\\" + BLOCK + "]+")


def reference_normalise(raw: str, plain: bool = False) -> Normalised:
    """``plain``: the text is printed as it is (a field), so markup in it is seen through."""
    special = _PLAIN_SPECIAL if plain else _SPECIAL
    if special.search(raw) is None:  # most fields: plain CJK and lower-case ASCII
        return Normalised(raw, raw, None, None)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0

    def emit(text: str, a: int, b: int) -> None:
        out.append(text)
        starts.extend([a] * len(text))
        ends.extend([b] * len(text))

    for m in special.finditer(raw):
        a, b = m.span()
        if a > last:  # copied as it is
            out.append(raw[last:a])
            starts.extend(range(last, a))
            ends.extend(range(last + 1, a + 1))
        last = b
        s = m.group()
        c = s[0]
        if plain and (c == "<" and s.endswith(">") or c in "*_~`"):
            continue  # markup: seen through
        if plain and c == "&" and s.endswith(";"):
            ref = html.unescape(s)
            if ref != s:
                emit(unicodedata.normalize("NFKC", ref), a, b)
                continue
        if c == "%" and len(s) >= 3:
            decoded: str | None = _percent(s)
            if decoded is None:
                out.append(s)
                starts.extend(range(a, b))
                ends.extend(range(a + 1, b + 1))
            else:
                emit(unicodedata.normalize("NFKC", decoded), a, b)
        elif _WS_ONLY.fullmatch(s):
            if BLOCK in s:
                emit("\n", a, b)
                continue
            prev = out[-1][-1:] if out else ""
            nxt = raw[b : b + 1]
            if not prev or prev == "\n" or is_cjk(prev) or is_cjk(nxt) or not nxt:
                continue  # joined away: maps to nothing
            emit(" ", a, b)
        elif s[0] in _DOTS and len(s) == 1:
            emit("·", a, b)
        elif re.fullmatch(f"[{_FORMAT}]+", s):
            continue
        elif s.isascii() and s.isupper():
            out.append(s)
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        else:
            n = unicodedata.normalize("NFKC", s)
            n = "".join(ch for ch in n if not re.match(f"[{_FORMAT}]", ch))
            if n.strip() == "" and n:
                prev = out[-1][-1:] if out else ""
                if prev and prev != "\n" and not is_cjk(prev) and not is_cjk(raw[b : b + 1]):
                    emit(" ", a, b)
                continue
            if n == s:
                out.append(s)
                starts.extend(range(a, b))
                ends.extend(range(a + 1, b + 1))
            elif n:
                emit(n, a, b)
    if last < len(raw):
        out.append(raw[last:])
        starts.extend(range(last, len(raw)))
        ends.extend(range(last + 1, len(raw) + 1))
    text = "".join(out)
    if len(text) != len(starts):  # a multi-character piece copied through: rebuild per character
        raise AssertionError("normalise: offset map out of step")  # pragma: no cover
    return Normalised(text, fold(text), starts, ends)
