"""Snippets and article links of a hit: where the query's texts occur in the stored text.

Matching is done again here, with a regular expression per query text that
follows the index's rules (``text.py``): white space inside Chinese text is
ignored, Latin words match whole.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from .model import MARK_END, MARK_START, SNIPPET_CHARS
from .text import CTRL_RE, HSPACE_RE, WORDCHAR, norm, segments

__all__ = ["Highlighter", "highlighter", "spans", "snippet", "articles"]


# The gap allowed between two Chinese characters of a query text, in the text as matched:
# NFKC maps every horizontal space of text.HSPACE to " " except TAB and U+1680, and
# _norm_map maps U+1680 to " " -- so two characters suffice, and the class compiles in
# microseconds (a class with characters above U+00FF costs sre a bitmap: 0.1-4 ms each).
_GAP = r"[\t ]*"
_WORDCHAR_RX = re.compile(WORDCHAR)  # once: the CJK ranges cost 2-4 ms to compile


def _literal_pattern(literal: str) -> tuple[str, bool, bool] | None:
    """(pattern, must not follow a word character, must not precede one) of a query text."""
    segs = [(k, s) for k, s, _, _ in segments(norm(literal)) if k != "gap"]
    if not segs:
        return None
    parts = []
    for i, (kind, s) in enumerate(segs):
        if i:
            both_words = kind == "word" and segs[i - 1][0] == "word"
            parts.append(r"\s+" if both_words else r"\s*")
        if kind == "cjk":  # white space inside Chinese text is ignored (issue 8)
            parts.append(_GAP.join(re.escape(c) for c in HSPACE_RE.sub("", s)))
        else:
            parts.append(re.escape(s))
    return "".join(parts), segs[0][0] == "word", segs[-1][0] == "word"


class Highlighter:
    """Where any of a query's texts occurs, as one expression with Latin words matched
    whole would find it (``(?<!W)p1(?!W)|p2|...``, longest first, leftmost first), but
    compiled without the word-boundary lookarounds: the whole-word condition is checked
    on each candidate with one expression compiled once."""

    def __init__(self, parts: list[tuple[str, bool, bool]]) -> None:
        parts = sorted(parts, key=lambda x: len(x[0]), reverse=True)
        self.any = re.compile("|".join(f"(?:{p})" for p, _b, _a in parts))
        self.bounded = any(b or a for _p, b, a in parts)
        self.parts = [(re.compile(p), b, a) for p, b, a in parts] if self.bounded else []

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each match, left to right, not overlapping."""
        if not self.bounded:
            for m in self.any.finditer(text):
                yield m.start(), m.end()
            return
        pos = 0
        while (candidate := self.any.search(text, pos)) is not None:
            at = candidate.start()
            for rx, before, after in self.parts:
                here = rx.match(text, at)
                if here is None:
                    continue
                if before and at > 0 and _WORDCHAR_RX.match(text, at - 1):
                    continue
                if after and _WORDCHAR_RX.match(text, here.end()):
                    continue
                yield at, here.end()
                pos = here.end() if here.end() > at else at + 1
                break
            else:
                pos = at + 1


@functools.lru_cache(maxsize=512)
def highlighter(literals: tuple[str, ...]) -> Highlighter | None:
    """One matcher for any of the query's texts (longest first)."""
    parts = [p for p in (_literal_pattern(x) for x in literals) if p]
    return Highlighter(parts) if parts else None


def _norm_map(text: str) -> tuple[str, list[int] | None]:
    normalized = norm(text)
    if len(normalized) == len(text):
        return normalized.replace("\u1680", " "), None
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        n = norm(ch)
        out.append(n)
        idx.extend([i] * len(n))
    return "".join(out).replace("\u1680", " "), idx


def spans(text: str, rx: Highlighter | None) -> list[tuple[int, int]]:
    """Match spans of rx in text, as offsets into the original text."""
    if rx is None or not text:
        return []
    normalized, idx = _norm_map(text)
    found = []
    for start, end in rx.finditer(normalized):
        if end == start:
            continue
        if idx is None:
            found.append((start, end))
        else:
            found.append((idx[start], idx[end - 1] + 1))
    return found


def articles(body: str, rx: Highlighter | None, url: str) -> tuple[tuple[str, str], ...]:
    """(label, url#anchor) of every article of a regulation's body holding a match."""
    from ..legal_structure import article_at, article_heads

    heads = article_heads(body)
    if not heads:
        return ()
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for start, _end in spans(body, rx):
        head = article_at(heads, start)
        if head is not None and head[2] not in seen:
            seen.add(head[2])
            out.append((head[1], f"{url}#{head[2]}"))
    return tuple(out)


def snippet(body: str, summary: str, rx: Highlighter | None) -> str:
    """About SNIPPET_CHARS of plain text around the first match (body first, then summary)."""
    texts = [" ".join(CTRL_RE.sub(" ", t or "").split()) for t in (body, summary)]
    chosen, found = texts[0] or texts[1], []
    for t in texts:
        here = spans(t, rx)
        if here:
            chosen, found = t, here
            break
    if not chosen:
        return ""
    if found:
        ms, me = found[0]
        start = max(0, ms - SNIPPET_CHARS // 4)
        end = min(len(chosen), max(start + SNIPPET_CHARS, me))
        start = max(0, min(start, end - SNIPPET_CHARS))
    else:
        start, end = 0, min(len(chosen), SNIPPET_CHARS)
    out = []
    cur = start
    for s, e in found:
        if e <= start or s < cur:
            continue
        if s >= end:
            break
        e = min(e, end)
        out.append(chosen[cur:s])
        out.append(MARK_START + chosen[s:e] + MARK_END)
        cur = e
    out.append(chosen[cur:end])
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(chosen) else "")
