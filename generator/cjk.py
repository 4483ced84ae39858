"""Chinese text as written: a Python-Markdown extension that joins soft line breaks between CJK characters.

Markdown keeps a source line break inside a paragraph as a newline, which a
browser shows as a space: "为名，⏎通过" becomes "为名， 通过".  Chinese has no
spaces between words, so a break with a CJK character (or full-width
punctuation) on both sides is removed; a break next to Latin text stays a
space ("12309 ⏎hotline").  Code (``pre``/``code``) is left alone.

Two forms of the same rule:

- ``join_cjk_html(html)`` on finished HTML.  The renderer applies it to every
  record body AFTER the privacy filter (``PublicRecord.body_html``), so the
  filter and ``openaffairs review`` still see the source's lines; it only
  removes whitespace, never adds text.
- ``CjkExtension`` / ``"generator.cjk"``, a Python-Markdown extension, for
  Markdown rendered in one go (the generated pages' own Markdown in mkdocs.yml;
  add it to ``generator.document.MARKDOWN_EXTENSIONS`` to join before the filter).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

__all__ = ["CjkExtension", "makeExtension", "join_cjk_breaks", "join_cjk_html", "CJK"]

# CJK ideographs, radicals, CJK symbols and punctuation, kana, Hangul, full-width forms, curly quotes
CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2018-\u201d\u2026\u2014"
)
_BREAK = re.compile(f"(?<=[{CJK}])[ \\t]*\\n[ \\t]*(?=[{CJK}])")
_ENDS_CJK = re.compile(f"[{CJK}][ \\t]*\\n[ \\t]*$")
_STARTS_CJK = re.compile(f"^[ \\t]*\\n[ \\t]*[{CJK}]")
_LEAD_BREAK = re.compile(r"^[ \t]*\n[ \t]*")
_TRAIL_BREAK = re.compile(r"[ \t]*\n[ \t]*$")
_FIRST_CJK = re.compile(f"^\\s*[{CJK}]")
_LAST_CJK = re.compile(f"[{CJK}]\\s*$")
_SKIP = {"pre", "code", "script", "style", "textarea"}


def join_cjk_breaks(text: str) -> str:
    """Remove line breaks (and the blanks around them) that sit between two CJK characters."""
    return _BREAK.sub("", text)


# inline tags that may sit between the two characters: "文字</strong>⏎<em>文字"
_INLINE = r"(?:</?(?:a|abbr|b|cite|del|dfn|em|i|ins|kbd|mark|q|s|small|span|strong|sub|sup|time|u)\b[^>]*>)*"
_HTML_BREAK = re.compile(f"(?<=[{CJK}])({_INLINE})[ \t]*\n[ \t]*({_INLINE})(?=[{CJK}])")
_RAW = re.compile(r"(<(pre|code|script|style|textarea)\b.*?</\2\s*>)", re.S | re.I)


def join_cjk_html(html: str) -> str:
    """The same rule on finished HTML: a line break between two CJK characters (inline
    tags between them are kept) is removed; ``pre``/``code`` blocks are left alone."""
    parts = _RAW.split(html)
    out = []
    i = 0
    while i < len(parts):
        out.append(_HTML_BREAK.sub(r"\1\2", parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])  # the raw block, untouched
        i += 3
    return "".join(out)


def _ends_cjk(el: etree.Element) -> bool:
    """Whether the visible text of ``el`` ends with a CJK character."""
    if len(el):
        last = el[-1]
        if last.tail and last.tail.strip():
            return bool(_LAST_CJK.search(last.tail))
        return _ends_cjk(last)
    return bool(el.text and _LAST_CJK.search(el.text))


def _starts_cjk(el: etree.Element) -> bool:
    if el.text and el.text.strip():
        return bool(_FIRST_CJK.match(el.text))
    return _starts_cjk(el[0]) if len(el) else False


class _Joiner(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, el: etree.Element) -> None:
        if el.tag in _SKIP:
            return
        children = list(el)
        if el.text:
            el.text = join_cjk_breaks(el.text)
            # "文字⏎<strong>粗体</strong>"
            if children and _ENDS_CJK.search(el.text) and children[0].tag not in _SKIP and _starts_cjk(children[0]):
                el.text = _TRAIL_BREAK.sub("", el.text)
        for i, child in enumerate(children):
            self._walk(child)
            if not child.tail:
                continue
            # "<strong>粗体</strong>⏎文字"
            if _STARTS_CJK.match(child.tail) and child.tag not in _SKIP and _ends_cjk(child):
                child.tail = _LEAD_BREAK.sub("", child.tail)
            child.tail = join_cjk_breaks(child.tail)
            nxt = children[i + 1] if i + 1 < len(children) else None
            if nxt is not None and _ENDS_CJK.search(child.tail) and nxt.tag not in _SKIP and _starts_cjk(nxt):
                child.tail = _TRAIL_BREAK.sub("", child.tail)


class CjkExtension(Extension):
    """Join soft line breaks between CJK characters (no stray spaces in Chinese text)."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API)
        # after the inline patterns (priority 20), before prettify (10)
        md.treeprocessors.register(_Joiner(md), "openaffairs_cjk", 15)


def makeExtension(**kwargs: object) -> CjkExtension:  # noqa: N802 (Python-Markdown's entry point)
    return CjkExtension(**kwargs)
