"""``tel:`` links for the public phone numbers in published text.

``link_phones_html`` runs on a body's HTML AFTER the privacy filter (the
renderer calls it on ``PublicRecord.body_html``): any number left in that text
is public (the office's hotline, switchboard, reception lines), and a number
the filter removed can never reach an ``href``.  ``link_phones`` does the same
for short plain-text fields (summaries, steps).
Linked: landlines written ``0799-12309000`` (optionally ``-123`` extension),
the 12309 hotline (not "12309中国检察网", a web site, nor "12309检察服务中心"),
and a short number right after 拨打/致电/电话 ("拨打110报警").  Text inside
links and code is left alone.
"""

from __future__ import annotations

import re

__all__ = ["tel_href", "PHONE", "link_phones", "link_phones_html"]

PHONE = re.compile(
    r"(?<![\d\-])(?:0\d{2,3}-\d{7,8}(?:-\d{1,5})?"
    r"|12309(?!中国检察网|检察网|检察服务中心|\.)"
    r"|(?<=拨打)(?:110|119|120|122|12345|12368|12348)"
    r")(?![\d\-])"
)


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
