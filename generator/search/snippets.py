"""Snippets and article links of a hit: where the query's texts occur in the stored text.

Matching is done again here, with a regular expression per query text that
follows the index's rules (``text.py``): white space inside Chinese text is
ignored, Latin words match whole.
"""

from __future__ import annotations

import functools
import re

from .model import MARK_END, MARK_START, SNIPPET_CHARS
from .text import CTRL_RE, HSPACE, HSPACE_RE, WORDCHAR, norm, segments

__all__ = ["highlighter", "spans", "snippet", "articles"]

Pattern = re.Pattern[str]


def _literal_pattern(literal: str) -> str | None:
    segs = [(k, s) for k, s, _, _ in segments(norm(literal)) if k != "gap"]
    if not segs:
        return None
    parts = []
    for i, (kind, s) in enumerate(segs):
        if i:
            both_words = kind == "word" and segs[i - 1][0] == "word"
            parts.append(r"\s+" if both_words else r"\s*")
        if kind == "cjk":  # white space inside Chinese text is ignored (issue 8)
            parts.append(f"[{HSPACE}]*".join(re.escape(c) for c in HSPACE_RE.sub("", s)))
        else:
            parts.append(re.escape(s))
    pat = "".join(parts)
    if segs[0][0] == "word":
        pat = rf"(?<!{WORDCHAR})" + pat
    if segs[-1][0] == "word":
        pat += rf"(?!{WORDCHAR})"
    return pat


@functools.lru_cache(maxsize=512)
def highlighter(literals: tuple[str, ...]) -> Pattern | None:
    """One expression matching any of the query's texts (longest first)."""
    pats = [p for p in (_literal_pattern(x) for x in literals) if p]
    if not pats:
        return None
    pats.sort(key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in pats))


def _norm_map(text: str) -> tuple[str, list[int] | None]:
    normalized = norm(text)
    if len(normalized) == len(text):
        return normalized, None
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        n = norm(ch)
        out.append(n)
        idx.extend([i] * len(n))
    return "".join(out), idx


def spans(text: str, rx: Pattern | None) -> list[tuple[int, int]]:
    """Match spans of rx in text, as offsets into the original text."""
    if rx is None or not text:
        return []
    normalized, idx = _norm_map(text)
    found = []
    for m in rx.finditer(normalized):
        if m.end() == m.start():
            continue
        if idx is None:
            found.append((m.start(), m.end()))
        else:
            found.append((idx[m.start()], idx[m.end() - 1] + 1))
    return found


def articles(body: str, rx: Pattern | None, url: str) -> tuple[tuple[str, str], ...]:
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


def snippet(body: str, summary: str, rx: Pattern | None) -> str:
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
