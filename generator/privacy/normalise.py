"""The text as a reader perceives it, for matching, with a map back to the original.

Stage: privacy (pure).  Everything the filter matches -- declared names and
private values, the identifier detectors, secret markings, ``privacy.block``
strings -- is matched on ``normalise(text)``:

- NFKC per grapheme (full-width letters and digits, CJK compatibility
  ideographs, decomposed accents composed first);
- format and zero-width characters, soft hyphens and variation selectors
  removed;
- white space (line breaks, no-break and ideographic spaces included) removed
  where it touches a CJK character and collapsed to one space elsewhere;
- the middle-dot variants of transliterated names (阿卜杜•热合曼) unified to ``·``;
- percent-encoded UTF-8 (a name in a URL) decoded;
- ``folded``: the same text with Latin letters lower-cased (same length).

``starts[i]`` / ``ends[i]`` give, for character ``i`` of the normalised text,
the span of the original it came from, so a match is replaced in the original
(and, through the document's offset map, in every text node it touches).
The character ``BLOCK`` in the input marks a block boundary (paragraph, list
item, table cell): it becomes a line break that is never joined away.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

__all__ = ["Normalised", "normalise", "normalise_folded", "normalise_text", "fold", "BLOCK", "is_cjk"]

BLOCK = "\x00"

_FORMAT = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e0fff"
)
_DOTS = "\u00b7\u0387\u16eb\u2022\u2027\u2219\u22c5\u25cf\u2e31\u30fb\u318d\ua78f\uff65\u2981\u2e30\u1427"
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a"
_CJK = "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "\u3001-\u3004\u3008-\u3020\u3030\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_CJK_RE = re.compile(f"[{_CJK}{_CJK_PUNCT}]")
_CJK_CHARS = re.compile(f"[{_CJK}]")

# What is copied as it is: ASCII except upper-case letters, '%' and white space; common CJK.
# Each kind of special piece is a named group (the branch of ``normalise`` it takes).
_SPECIAL = re.compile(
    r"(?P<pct>%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2})*)"  # percent-encoded bytes
    r"|(?P<ws>[\s\\" + BLOCK + "]+)"  # white space runs (and block marks, backslashes)
    r"|(?P<fmt>[" + _FORMAT + "]+)"  # format / zero-width
    r"|(?P<dot>[" + _DOTS + "])"  # middle dots
    r"|(?P<up>[A-Z]+(?![" + _MARKS + "]))"  # upper-case ASCII (folded only)
    r"|(?P<other>[^\x00-\x7f\u4e00-\u9fff\u3400-\u4dbf\u3001-\u3004\u3008-\u3011\u3014-\u301f]"
    r"[" + _MARKS + "]*)"  # anything else: NFKC, with its combining marks
    r"|(?P<acc>[A-Za-z][" + _MARKS + "]+)"  # decomposed accents on ASCII letters
)
# Plain fields (titles, summaries ...) are printed as text, not rendered: markup typed
# into them shows literally, and a reader reads 张**建国** or 张<b>建</b>国 as 张建国.
# So for them tags, emphasis characters and character references count as nothing
# (references as the character they stand for).
_PLAIN_SPECIAL = re.compile(
    r"(?P<tag><[A-Za-z/!][^<>]{0,200}>)|(?P<ref>&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|&[A-Za-z]{2,8};)"
    r"|(?P<emph>[*_~`]+)|" + _SPECIAL.pattern
)
_FORMAT_CHAR = re.compile(f"[{_FORMAT}]")
_FOLD = {c: c.lower() for c in map(chr, range(0x41, 0x5B))}


def is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_RE.match(ch) is not None


def fold(text: str) -> str:
    """Lower-case Latin letters where that keeps the length (İ, ẞ ... stay)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    out = []
    for c in text:
        low = c.lower()
        out.append(low if len(low) == 1 else c)
    return "".join(out)


@dataclass
class Normalised:
    text: str  # NFKC etc., case kept (the detectors read this)
    folded: str  # the same, Latin letters lower-cased (names, markings, block strings)
    starts: list[int] | None  # None: the text is the original (nothing to normalise)
    ends: list[int] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span behind normalised [start, end)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def orig(self, offset: int) -> int:
        """The original offset of normalised character ``offset``."""
        if self.starts is None:
            return offset
        return self.starts[offset] if offset < len(self.starts) else (self.ends[-1] if self.ends else 0)


def _percent(chunk: str) -> str | None:
    try:
        return unquote_to_bytes(chunk).decode("utf-8")
    except UnicodeDecodeError:
        return None


def normalise(raw: str, plain: bool = False) -> Normalised:
    """``plain``: the text is printed as it is (a field), so markup in it is seen through."""
    special = _PLAIN_SPECIAL if plain else _SPECIAL
    if special.search(raw) is None:  # most fields: plain CJK and lower-case ASCII
        return Normalised(raw, raw, None, None)
    starts: list[int] = []
    ends: list[int] = []
    text = _normalised(raw, special, starts, ends)
    if len(text) != len(starts):  # a multi-character piece copied through: rebuild per character
        raise AssertionError("normalise: offset map out of step")  # pragma: no cover
    return Normalised(text, fold(text), starts, ends)


def normalise_text(raw: str) -> str:
    """``normalise(raw).text``, without the offset maps and the folded copy (a declared
    value's code key: ``matching._code_key``).  The same code as ``normalise``."""
    if _SPECIAL.search(raw) is None:
        return raw
    return _normalised(raw, _SPECIAL, None, None)


def normalise_folded(raw: str) -> str:
    """``normalise(raw).folded``, without the offset maps (declared names and values are
    compared as keys: nothing maps them back).  The same code as ``normalise``."""
    if _SPECIAL.search(raw) is None:
        return raw
    return fold(_normalised(raw, _SPECIAL, None, None))


def _normalised(raw: str, special: re.Pattern[str], starts: list[int] | None, ends: list[int] | None) -> str:
    """The text of ``normalise``; the offset maps are filled into ``starts`` / ``ends``
    when given (both or neither)."""
    out: list[str] = []
    last = 0
    if starts is None or ends is None:
        # no maps: one ``_Discard`` takes every extend (the same loop, nothing kept)
        starts = ends = _DISCARD

    def emit(text: str, a: int, b: int) -> None:
        out.append(text)
        starts.extend([a] * len(text))
        ends.extend([b] * len(text))

    # pieces copied as they are stay in raw[last:...] until the next piece that is not
    # (one append for the run; its offsets map one to one)
    for m in special.finditer(raw):
        kind = m.lastgroup
        if kind == "up" or kind == "ref" and html.unescape(m.group()) == m.group():
            continue  # copied as it is (upper case is folded in ``folded`` only)
        a, b = m.span()
        if a > last:  # copied as it is
            out.append(raw[last:a])
            starts.extend(range(last, a))
            ends.extend(range(last + 1, a + 1))
        last = b
        if kind == "ws":
            s = m.group()
            if BLOCK in s:
                emit("\n", a, b)
                continue
            prev = out[-1][-1:] if out else ""
            nxt = raw[b : b + 1]
            if not prev or prev == "\n" or is_cjk(prev) or is_cjk(nxt) or not nxt:
                continue  # joined away: maps to nothing
            emit(" ", a, b)
        elif kind == "other" or kind == "acc":
            s = m.group()
            n = unicodedata.normalize("NFKC", s)
            n = "".join(ch for ch in n if not _FORMAT_CHAR.match(ch))
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
        elif kind == "dot":
            emit("·", a, b)
        elif kind == "fmt" or kind == "tag" or kind == "emph":
            continue  # format characters; markup of a plain field: seen through
        elif kind == "ref":
            emit(unicodedata.normalize("NFKC", html.unescape(m.group())), a, b)
        else:  # percent-encoded bytes
            s = m.group()
            decoded: str | None = _percent(s)
            if decoded is None:
                out.append(s)
                starts.extend(range(a, b))
                ends.extend(range(a + 1, b + 1))
            else:
                emit(unicodedata.normalize("NFKC", decoded), a, b)
    if last < len(raw):
        out.append(raw[last:])
        starts.extend(range(last, len(raw)))
        ends.extend(range(last + 1, len(raw) + 1))
    return "".join(out)


class _Discard(list[int]):
    """An offset map that keeps nothing (``normalise_folded``)."""

    def extend(self, values: Iterable[int]) -> None:
        pass


_DISCARD = _Discard()
