"""A record's body as readers will see it: Markdown -> sanitised HTML -> a tree.

Stage: part of the privacy filter's input (pure: text in, tree out).  The
privacy filter must judge the text a reader sees, not the Markdown source:
emphasis or tags inside a name (``张**建国**``), character references
(``&#38379;``), Markdown escapes (``138\\-0013``) and soft line breaks all
disappear when the body is rendered.  So the body is rendered first, with the
same Markdown extensions for every record (``MARKDOWN_EXTENSIONS``, the one
place they are listed), sanitised with nh3 (the allow-list of tags and
attributes in ``ALLOWED_TAGS`` / ``ALLOWED_ATTRIBUTES``), and parsed into a
small tree of ``Element`` and ``Text`` nodes that the filter rewrites.  The
tree is serialised again (``Element.html()``) for the site writer; its text
(``Element.text()``) feeds both search indexes.

Work per record is bounded (``check_bounds``): inputs that are quadratic in
Python-Markdown (thousands of unclosed ``[``, deep nesting) are refused with
the line where they start, before Markdown sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

import markdown
import nh3

__all__ = [
    "MARKDOWN_EXTENSIONS",
    "ALLOWED_TAGS",
    "ALLOWED_ATTRIBUTES",
    "BLOCK_TAGS",
    "Element",
    "Text",
    "render_markdown",
    "parse_html",
    "sanitise",
    "check_bounds",
    "BoundsError",
    "heading_id",
    "MAX_BODY_BYTES",
]

# The Markdown dialect of every body (the same list is handed to nothing else:
# bodies reach MkDocs as finished HTML).
MARKDOWN_EXTENSIONS: list[str] = [
    "tables",
    "attr_list",
    "md_in_html",
    "admonition",
    "def_list",
    "footnotes",
    "sane_lists",
]

ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS) | {
    "article",
    "section",
    "nav",
    "aside",
    "header",
    "footer",
    "figure",
    "figcaption",
    "details",
    "summary",
    "mark",
    "time",
    "caption",
    "colgroup",
    "col",
}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "id", "lang", "dir", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "time": {"datetime"},
    "ol": {"start", "type"},
    "li": {"value"},
    "details": {"open"},
    "col": {"span"},
    "abbr": {"title"},
    "sup": {"id"},
}
URL_ATTRIBUTES = frozenset({"href", "src"})

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "nav",
        "figure",
        "figcaption",
        "details",
        "summary",
        "caption",
        "address",
    }
)
VOID_TAGS = frozenset({"br", "hr", "img", "col", "wbr", "input", "area", "source", "track", "embed"})

MAX_BODY_BYTES = 8 * 1024 * 1024  # the longest real law (民法典) is about 0.3 MB
MAX_UNCLOSED_BRACKETS = 200  # per paragraph: Python-Markdown is quadratic in unclosed '['
MAX_NESTING = 32  # block quotes / list levels


class BoundsError(ValueError):
    """A body whose rendering would cost more than a record may: ``line`` is 1-based in the body."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


_PARA_SPLIT = re.compile(r"\n[ \t]*\n")
_QUOTE_DEPTH = re.compile(r"^[ \t]{0,3}((?:>[ \t]?)+)", re.M)
_LIST_DEPTH = re.compile(r"^([ \t]+)(?:[-*+]|\d+[.)])[ \t]", re.M)
_INLINE_OPEN = re.compile(r"[\[<`*_]")


def check_bounds(body: str) -> None:
    """Raise BoundsError where rendering ``body`` would take more than a few seconds."""
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise BoundsError(1, f"body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    offset = 0
    for para in _PARA_SPLIT.split(body):
        start = body.find(para, offset)
        offset = start + len(para)
        opens = para.count("[")
        if opens > MAX_UNCLOSED_BRACKETS:
            depth = unclosed = 0
            for ch in para:
                if ch == "[":
                    depth += 1
                elif ch == "]" and depth:
                    depth -= 1
                unclosed = max(unclosed, depth)
            unclosed = max(unclosed, depth, opens - para.count("]"))
            if unclosed > MAX_UNCLOSED_BRACKETS:
                raise BoundsError(
                    body.count("\n", 0, start) + 1,
                    f"{unclosed} unclosed '[' in one paragraph (at most {MAX_UNCLOSED_BRACKETS})",
                )
        if len(para) > 20000 and len(_INLINE_OPEN.findall(para)) > 20000:
            raise BoundsError(
                body.count("\n", 0, start) + 1, "more than 20,000 inline markup characters ([ < ` * _) in one paragraph"
            )
    for m in _QUOTE_DEPTH.finditer(body):
        if m.group(1).count(">") > MAX_NESTING:
            raise BoundsError(body.count("\n", 0, m.start()) + 1, f"block quotes nested more than {MAX_NESTING} deep")
    for m in _LIST_DEPTH.finditer(body):
        if len(m.group(1).expandtabs(4)) // 2 > MAX_NESTING * 2:
            raise BoundsError(body.count("\n", 0, m.start()) + 1, f"lists nested more than {MAX_NESTING} deep")


def _url_ok(tag: str, attr: str, value: str) -> str | None:
    if attr in URL_ATTRIBUTES:
        v = value.strip().lower()
        # no third-party requests from a visitor's browser: images must be local
        if tag == "img" and v.startswith(("//", "http:", "https:", "data:")):
            return None
    return value


def sanitise(html: str) -> str:
    """The allow-list: scripts, event handlers, javascript: links, comments, styles and
    remote images are removed (nh3)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_url_ok,
        link_rel="noopener noreferrer",
        strip_comments=True,
        url_schemes={"http", "https", "mailto", "tel"},
    )


_CONVERTER: list[markdown.Markdown] = []


def render_markdown(body: str) -> str:
    """Markdown -> HTML (unsanitised). Call ``check_bounds`` first.  One converter is
    reused (``reset()`` between bodies: footnotes and abbreviations do not carry over)."""
    if not _CONVERTER:
        _CONVERTER.append(markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), output_format="html"))
    return _CONVERTER[0].reset().convert(body)


# --- the tree ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Text:
    text: str  # decoded (no entities)


@dataclass(eq=False)
class Element:
    tag: str  # "" for the root
    attrs: list[list[str]] = field(default_factory=list)  # [[name, value], ...] in order, values decoded
    children: list[Element | Text] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        for k, v in self.attrs:
            if k == name:
                return v
        return None

    def set(self, name: str, value: str | None) -> None:
        for pair in self.attrs:
            if pair[0] == name:
                if value is None:
                    self.attrs.remove(pair)
                else:
                    pair[1] = value
                return
        if value is not None:
            self.attrs.append([name, value])

    def iter(self) -> Iterator[Element]:
        yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter()

    def text(self) -> str:
        """The text a reader sees, blocks on lines of their own."""
        parts: list[str] = []
        _text_into(self, parts)
        return re.sub(r"\n\s*\n+", "\n", "".join(parts)).strip()

    def html(self) -> str:
        out: list[str] = []
        _html_into(self, out)
        return "".join(out)


def _text_into(node: Element, parts: list[str]) -> None:
    for c in node.children:
        if isinstance(c, Text):
            parts.append(c.text)
        else:
            block = c.tag in BLOCK_TAGS or c.tag == "br"
            if block:
                parts.append("\n")
            _text_into(c, parts)
            if block:
                parts.append("\n")


def _html_into(node: Element, out: list[str]) -> None:
    for c in node.children:
        if isinstance(c, Text):
            out.append(escape(c.text, quote=False))
            continue
        attrs = "".join(f' {k}="{escape(v, quote=True)}"' for k, v in c.attrs)
        out.append(f"<{c.tag}{attrs}>")
        if c.tag in VOID_TAGS:
            continue
        _html_into(c, out)
        out.append(f"</{c.tag}>")


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, [[k, v or ""] for k, v in attrs])
        self.stack[-1].children.append(el)
        if tag not in VOID_TAGS:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, [[k, v or ""] for k, v in attrs]))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        kids = self.stack[-1].children
        if kids and isinstance(kids[-1], Text):
            kids[-1].text += data
        else:
            kids.append(Text(data))


def parse_html(html: str) -> Element:
    """Sanitised HTML -> tree (character references decoded)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


_SLUG_DROP = re.compile(r"[^\w\u3400-\u9fff\uf900-\ufaff-]+")


def heading_id(text: str, taken: set[str]) -> str:
    """A readable, unique anchor from a heading's (filtered) text: 第一章 总则 -> 第一章-总则."""
    from .legal_structure import slugify  # (issue 8) the one heading-id function of the site

    slug = slugify(text)
    slug = slug[:80]
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate
