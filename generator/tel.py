"""``tel:`` links for the public phone numbers in published text.

``link_phones_html`` runs on a body's HTML AFTER the privacy filter (the
renderer calls it on ``PublicRecord.body_html``): any number left in that text
is public (the office's hotline, switchboard, reception lines), and a number
the filter removed can never reach an ``href``.  ``link_phones`` does the same
for short plain-text fields (summaries, steps); ``TelExtension`` is the same as
a Python-Markdown extension, for Markdown that is already public.
Linked: landlines written ``0799-12309000`` (optionally ``-123`` extension),
the 12309 hotline (not "12309中国检察网", a web site, nor "12309检察服务中心"),
and a short number right after 拨打/致电/电话 ("拨打110报警").  Text inside
links and code is left alone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

__all__ = ["TelExtension", "makeExtension", "tel_href", "PHONE", "link_phones", "link_phones_html"]

PHONE = re.compile(
    r"(?<![\d\-])(?:0\d{2,3}-\d{7,8}(?:-\d{1,5})?"
    r"|12309(?!中国检察网|检察网|检察服务中心|\.)"
    r"|(?<=拨打)(?:110|119|120|122|12345|12368|12348)"
    r")(?![\d\-])"
)
_SKIP = {"a", "pre", "code", "script", "style"}


def tel_href(phone: object) -> str:
    """``tel:`` URL of a written number: digits and a leading + only."""
    return "tel:" + "".join(c for c in str(phone) if c.isdigit() or c == "+")


def link_phones(text: object) -> str:
    """Plain text -> HTML (escaped) with the same tel: links (for summaries and other short fields)."""
    from markupsafe import Markup, escape

    escaped = str(escape(text))
    return Markup(PHONE.sub(lambda m: f'<a class="oa-tel" href="{tel_href(m.group())}">{m.group()}</a>', escaped))


_TAG = re.compile(r"(<[^>]*>)")
_OPAQUE = re.compile(r"<(/?)(a|code|pre|script|style|textarea)\b", re.I)


def link_phones_html(html: str) -> str:
    """Link the numbers in the text of ``html`` (not inside links, code or tag attributes)."""
    out: list[str] = []
    depth = 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            m = _OPAQUE.match(part)
            if m and not part.endswith("/>"):
                depth = max(0, depth - 1) if m.group(1) else depth + 1
            out.append(part)
        elif depth == 0 and PHONE.search(part):
            out.append(PHONE.sub(lambda m: f'<a class="oa-tel" href="{tel_href(m.group())}">{m.group()}</a>', part))
        else:
            out.append(part)
    return "".join(out)


def _split(text: str) -> list[str | etree.Element]:
    parts: list[str | etree.Element] = []
    pos = 0
    for m in PHONE.finditer(text):
        parts.append(text[pos : m.start()])
        a = etree.Element("a", {"href": tel_href(m.group()), "class": "oa-tel"})
        a.text = m.group()
        parts.append(a)
        pos = m.end()
    parts.append(text[pos:])
    return parts


class _Linker(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, el: etree.Element) -> None:
        if el.tag in _SKIP:
            return
        for child in list(el):
            self._walk(child)
        if el.text and PHONE.search(el.text):
            parts = _split(el.text)
            el.text = parts[0]  # type: ignore[assignment]
            self._insert(el, 0, parts[1:])
        for child in list(el):
            if child.tail and PHONE.search(child.tail):
                parts = _split(child.tail)
                child.tail = parts[0]  # type: ignore[assignment]
                self._insert(el, list(el).index(child) + 1, parts[1:])

    @staticmethod
    def _insert(parent: etree.Element, index: int, parts: list[str | etree.Element]) -> None:
        # parts alternate: link, text, link, text ...
        for j in range(0, len(parts), 2):
            link = parts[j]
            assert isinstance(link, etree.Element)
            link.tail = parts[j + 1] if j + 1 < len(parts) else ""  # type: ignore[assignment]
            parent.insert(index, link)
            index += 1


class TelExtension(Extension):
    """Make public phone numbers in body text tappable ``tel:`` links."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_Linker(md), "openaffairs_tel", 14)


def makeExtension(**kwargs: object) -> TelExtension:  # noqa: N802
    return TelExtension(**kwargs)
