"""Text normalisation and segmentation, shared by the index, the query and the snippets.

Recall design (see docs/search-fielded.md)
------------------------------------------
Text is NFKC-normalised and lower-cased, then cut into runs of CJK characters,
runs of other letters/digits ("words") and single punctuation characters.
White space produces nothing, except that horizontal white space between CJK
characters does not split a run (总　则 is the run 总则, issue 8).

A CJK run of n characters becomes n tokens at consecutive positions: its n-1
overlapping character bigrams, then its last character alone.  A word is one
token, and so is every punctuation character (so that 〔2019〕 or 受贿，行贿
match exactly); the separator between the values of a multi-valued field is a
filler token that no query produces.

A query string goes through the same segmentation and becomes a phrase: the
bigrams of each CJK run, the words, the punctuation.  A CJK character that
stands alone in the query (a one-character run, or the last character of a run
that something follows) is a PREFIX token: it matches every bigram that starts
with it and the character alone at the end of a run.  Because consecutive
bigrams overlap by one character, the phrase matches exactly the texts that
contain the query string as a substring (white space between the pieces
ignored; Latin letters/digits as whole words).

The tokens are written for SQLite FTS5's ``ascii`` tokenizer, which splits on
ASCII characters other than letters, digits and the ``tokenchars`` (here
``_``) and keeps every non-ASCII character inside a token: CJK tokens are
stored as they are, whatever Unicode version SQLite was built with; ASCII
punctuation becomes ``_`` plus its code in hex.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "HSPACE",
    "HSPACE_RE",
    "WORDCHAR",
    "VALUE_SEP",
    "CTRL_RE",
    "QueryToken",
    "norm",
    "segments",
    "index_tokens",
    "query_tokens",
    "exact_key",
    "clean",
]

_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff"
    "\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
HSPACE = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SEG_RE = re.compile(
    rf"(?P<cjk>[{_CJK}]+(?:[{HSPACE}]+[{_CJK}]+)*)|(?P<word>[^\W_{_CJK}]+)|(?P<gap>\x1f)|(?P<punct>[^\s\w]|_)"
)
HSPACE_RE = re.compile(f"[{HSPACE}]+")
WORDCHAR = rf"[^\W_{_CJK}]"
VALUE_SEP = "\x1f"  # joins multi-valued fields; a hard boundary for phrases
CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_GAP_TOKEN = "_"  # no query token is "_" alone (the character _ is "_5f")


@dataclass(frozen=True)
class QueryToken:
    text: str
    prefix: bool = False  # a CJK character alone: any token starting with it


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def segments(normalized: str) -> Iterator[tuple[str, str, int, int]]:
    """(kind, text, start, end) of each piece: kind is cjk, word, gap or punct."""
    for m in _SEG_RE.finditer(normalized):
        yield m.lastgroup or "", m.group(), m.start(), m.end()


def _punct(ch: str) -> str:
    return "_" + format(ord(ch), "x") if ch.isascii() else ch


def index_tokens(text: str) -> str:
    """The token stream of ``text`` for the index, tokens separated by spaces."""
    out: list[str] = []
    for kind, s, _start, _end in segments(norm(text)):
        if kind == "cjk":
            run = HSPACE_RE.sub("", s)
            out.extend(run[j : j + 2] for j in range(len(run) - 1))
            out.append(run[-1])
        elif kind == "word":
            out.append(s)
        elif kind == "gap":
            out.append(_GAP_TOKEN)
        else:
            out.append(_punct(s))
    return " ".join(out)


def query_tokens(text: str) -> list[QueryToken]:
    """The phrase that represents ``text``; empty when it holds no letter, digit or CJK character."""
    segs = [(k, s) for k, s, _, _ in segments(norm(text)) if k != "gap"]
    if not any(k in ("cjk", "word") for k, _ in segs):
        return []  # punctuation alone is not worth searching for
    words: list[QueryToken] = []
    for i, (kind, raw) in enumerate(segs):
        if kind == "word":
            words.append(QueryToken(raw))
        elif kind == "punct":
            words.append(QueryToken(_punct(raw)))
        else:
            s = HSPACE_RE.sub("", raw)
            words.extend(QueryToken(s[j : j + 2]) for j in range(len(s) - 1))
            if len(s) == 1 or i + 1 < len(segs):
                words.append(QueryToken(s[-1], prefix=True))  # bridge to the next token
    return words


def exact_key(value: str) -> str:
    """A whole value as ``field:=value`` compares it: normalised, white space collapsed."""
    return " ".join(norm(value).split())


def clean(text: str) -> str:
    return CTRL_RE.sub(" ", text or "")
