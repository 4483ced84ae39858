"""The structure of a legal text: 编, 分编, 章, 节, 条, 款, 项 (issue 8).

Stage: rendering helpers (pure).  A regulation's body is kept exactly as
written; this module only *recognises* its hierarchy:

* ``parse(text)``: the units of a body (Markdown or plain text, one block per
  paragraph): headings 第一编 / 第一分编 / 第一章 / 第一节 (Markdown headings or
  lines of their own, and their English equivalents Part / Chapter / Section),
  articles 第一条 … (with 之一, Arabic numerals, or ``Article 1``), and within
  an article its paragraphs (款) and items (项, ``（一）``).
* ``anchor(article)``: the article's anchor, its number in Chinese as written
  (``第一百二十条``), and the ASCII alias (``art-120``, ``art-133-1`` for
  第一百三十三条之一) that links may use instead.
* ``annotate_html(html)``: the rendered body with an id on every article
  paragraph (``<p id="第一百二十条" class="oa-art">``), an alias anchor, a
  copy-link on the article number, and a class on each structure heading
  (``oa-l-bian``/``-fenbian``/``-zhang``/``-jie``) so heading sizes follow the
  hierarchy, plus the table of contents (``Toc``) of the headings found.
* ``slugify(value, separator)``: the heading ids of the whole site (the toc
  extension of Python-Markdown, configured once in ``site.py``): the heading's
  own text (Chinese kept, white space inside Chinese removed, punctuation
  dropped), never ``_1``.

A body without that structure (no article at the start of a paragraph) is
left alone: ``annotate_html`` returns it unchanged and an empty table.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "cn_number",
    "Unit",
    "Article",
    "Structure",
    "parse",
    "slugify",
    "annotate_html",
    "Toc",
    "TocEntry",
    "article_alias",
    "squeeze_cjk_space",
    "LEVELS",
    "article_heads",
    "article_at",
]

_CN_DIGIT = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUM = r"[零〇○一二两三四五六七八九十百千万]+|[0-9０-９]+"

# the levels, outermost first; their CSS class suffixes
LEVELS = ("编", "分编", "章", "节")
_LEVEL_CLASS = {"编": "bian", "分编": "fenbian", "章": "zhang", "节": "jie"}
_EN_LEVEL = {"part": "编", "subpart": "分编", "chapter": "章", "section": "节"}

_SPACE = "[ \t\u3000\u00a0]"
_HEADING_RE = re.compile(
    rf"^{_SPACE}*第{_SPACE}*(?P<n>{_NUM}){_SPACE}*(?P<kind>分编|编|章|节)(?:{_SPACE}+|$|(?=[\u4e00-\u9fff]))(?P<title>.*)$"
)
_EN_HEADING_RE = re.compile(
    r"^\s*(?P<kind>Part|Subpart|Chapter|Section)\s+(?P<n>[0-9]+|[IVXLC]+)\b[.:]?\s*(?P<title>.*)$", re.IGNORECASE
)
_ARTICLE_RE = re.compile(
    rf"^{_SPACE}*(?P<label>第{_SPACE}*(?P<n>{_NUM}){_SPACE}*条(?:之(?P<sub>[一二三四五六七八九十]+))?)(?={_SPACE}|$|[\u4e00-\u9fff“「（(])"
)
_EN_ARTICLE_RE = re.compile(r"^\s*(?P<label>Article\s+(?P<n>[0-9]+)(?:-(?P<sub>[0-9]+))?)\b\.?")
_ITEM_RE = re.compile(r"^[ \t\u3000]*[（(](?:[一二三四五六七八九十]+)[）)]")


def cn_number(s: str) -> int:
    """第一百二十条 -> 120: a number written in Chinese numerals (or Arabic digits)."""
    s = unicodedata.normalize("NFKC", s)
    if s.isdigit():
        return int(s)
    total = section = 0
    digit = 0
    for ch in s:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            unit = _CN_UNIT[ch]
            if unit == 10000:
                section = (section + digit) * unit
                total += section
                section = 0
            else:
                section += (digit or 1) * unit
            digit = 0
        else:
            raise ValueError(s)
    return total + section + digit


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _roman(s: str) -> int:
    values = [_ROMAN[c] for c in s.lower()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def squeeze_cjk_space(text: str) -> str:
    """White space (half- or full-width) between two Chinese characters removed:
    ``总　则`` -> ``总则``, ``第一章  总　则`` -> ``第一章 总则`` is NOT done (a space
    after a digit-word stays); used for ids and by both searches."""
    return re.sub(r"(?<=[\u3400-\u9fff\uf900-\ufaff])[\s\u3000]+(?=[\u3400-\u9fff\uf900-\ufaff])", "", text)


def slugify(value: str, separator: str = "-") -> str:
    """Readable heading id: the heading's own text, Chinese kept.

    A structure heading is its label and title: ``第一章  总　则`` -> ``第一章-总则``; other
    headings: NFKC, white space inside Chinese text removed, other runs of white space ->
    ``separator``, characters other than letters, digits, ``-`` and ``_`` dropped (一、主要工作
    -> 一主要工作), ASCII lower-cased (``Chapter 1: General`` -> ``chapter-1-general``).  The one function for
    heading ids of the whole site: the body renderer (``document.heading_id``) and the
    toc extension of MkDocs (``site.py``) both use it.
    """
    value = unicodedata.normalize("NFKC", _html.unescape(re.sub(r"<[^>]+>", "", value))).strip()
    head = _heading(value)
    if head is not None and head[3] and LEVELS.index(head[0]) >= 0 and head[2].startswith("第"):
        value = f"{head[2]} {squeeze_cjk_space(head[3])}"
    else:
        value = squeeze_cjk_space(value)
    value = "".join(c for c in value if c.isalnum() or c in "-_" or c.isspace())
    value = re.sub(r"\s+", separator, value.strip()).lower()
    return value.strip(separator + "_")[:80] or "section"


def article_alias(number: int, sub: int = 0) -> str:
    return f"art-{number}" + (f"-{sub}" if sub else "")


@dataclass
class Unit:
    """A heading of the hierarchy: 编, 分编, 章 or 节."""

    level: str  # one of LEVELS
    number: int
    label: str  # 第一章 (as written, white space removed)
    title: str  # 总则 (as written)
    text: str  # the whole heading line as written
    first_article: str = ""  # anchor of its first article


@dataclass
class Article:
    label: str  # 第一百二十条 (white space removed), or Article 120
    number: int
    sub: int  # 之一 -> 1
    anchor: str  # 第一百二十条
    alias: str  # art-120
    paragraphs: list[str] = field(default_factory=list)  # 款, as written (items 项 are paragraphs too)
    path: tuple[str, ...] = ()  # the labels of the enclosing units

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Structure:
    units: list[Unit]
    articles: list[Article]

    @property
    def structured(self) -> bool:
        return len(self.articles) >= 2


def _heading(line: str) -> tuple[str, int, str, str] | None:
    """(level, number, label, title) of a structure heading line, else None."""
    m = _HEADING_RE.match(line)
    if m:
        try:
            n = cn_number(m.group("n"))
        except ValueError:
            return None
        label = re.sub(rf"{_SPACE}+", "", line[m.start() : m.start("kind") + len(m.group("kind"))]).strip()
        return m.group("kind"), n, label, m.group("title").strip()
    m = _EN_HEADING_RE.match(line)
    if m:
        raw = m.group("n")
        n = int(raw) if raw.isdigit() else _roman(raw)
        return _EN_LEVEL[m.group("kind").lower()], n, f"{m.group('kind')} {raw}", m.group("title").strip()
    return None


def _article(text: str) -> tuple[str, int, int] | None:
    m = _ARTICLE_RE.match(text)
    if m:
        try:
            n = cn_number(m.group("n"))
            sub = cn_number(m.group("sub")) if m.group("sub") else 0
        except ValueError:
            return None
        return re.sub(rf"{_SPACE}+", "", m.group("label")), n, sub
    m = _EN_ARTICLE_RE.match(text)
    if m:
        return re.sub(r"\s+", " ", m.group("label")), int(m.group("n")), int(m.group("sub") or 0)
    return None


def _anchor(label: str, seen: set[str]) -> str:
    """An article's id: its label (第一百二十条; Article 120 -> article-120), unique in the text."""
    base = label.replace(" ", "-").lower() if label.isascii() else label
    return base if base not in seen else f"{base}-{len(seen)}"


def _blocks(text: str) -> list[str]:
    """Paragraphs of a Markdown body (blank-line separated; heading lines on their own)."""
    out: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            if current:
                out.append("\n".join(current))
                current = []
            continue
        if stripped.startswith("#"):
            if current:
                out.append("\n".join(current))
                current = []
            out.append(stripped)
            continue
        current.append(line)
    if current:
        out.append("\n".join(current))
    return out


def parse(text: str, lines: bool = False) -> Structure:
    """The units and articles of a body: Markdown (paragraphs separated by blank lines), or
    with ``lines=True`` a reader's text with one block per line (``PublicRecord.body_text``)."""
    units: list[Unit] = []
    articles: list[Article] = []
    seen: set[str] = set()
    open_units: dict[str, Unit] = {}
    current: Article | None = None
    blocks = [b.strip() for b in text.split("\n") if b.strip()] if lines else _blocks(text)
    for block in blocks:
        line = block.lstrip("#").strip() if block.startswith("#") else block
        head = _heading(line) if (block.startswith("#") or "\n" not in block and len(line) <= 60) else None
        if head is not None and (block.startswith("#") or not _article(line)):
            level, n, label, title = head
            unit = Unit(level, n, label, title, line)
            units.append(unit)
            depth = LEVELS.index(level)
            open_units = {k: v for k, v in open_units.items() if LEVELS.index(k) < depth}
            open_units[level] = unit
            current = None
            continue
        found = _article(line) if not block.startswith("#") else None
        if found is not None:
            label, n, sub = found
            anchor = _anchor(label, seen)
            seen.add(anchor)
            current = Article(
                label, n, sub, anchor, article_alias(n, sub), [line], tuple(u.label for u in open_units.values())
            )
            articles.append(current)
            for unit in open_units.values():
                if not unit.first_article:
                    unit.first_article = anchor
            continue
        if current is not None and not block.startswith("#"):
            current.paragraphs.append(line)
    return Structure(units, articles)


# ---------------------------------------------------------------------------
# HTML: ids, copy-links, heading classes, table of contents
# ---------------------------------------------------------------------------


@dataclass
class TocEntry:
    level: str
    label: str
    title: str
    href: str  # "#第一章-总则"
    articles: str  # "第一条—第十二条"
    children: list[TocEntry] = field(default_factory=list)

    @property
    def css(self) -> str:
        return _LEVEL_CLASS[self.level]


@dataclass
class Toc:
    entries: list[TocEntry]
    articles: int

    def __bool__(self) -> bool:
        return bool(self.entries) or self.articles > 0


_BLOCK_RE = re.compile(r"<(?P<tag>h[1-6]|p)(?P<attrs>\s[^>]*)?>(?P<inner>.*?)</(?P=tag)>", re.S)
_ID_RE = re.compile(r"""\sid=("[^"]*"|'[^']*')""")


_HEADERLINK_RE = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def _plain(inner: str) -> str:
    return _html.unescape(re.sub(r"<[^>]+>", "", _HEADERLINK_RE.sub("", inner)))


def annotate_html(body: str, copy_label: str = "复制本条链接") -> tuple[str, Toc]:
    """Ids, alias anchors and copy-links on articles, classes on structure headings.

    Only a body with at least two articles is changed.  Each heading keeps the
    id the toc extension gave it (``slugify``) or gets one.
    """
    blocks = list(_BLOCK_RE.finditer(body))
    n_articles = sum(1 for m in blocks if m.group("tag") == "p" and _article(_plain(m.group("inner"))))
    if n_articles < 2:
        return body, Toc([], 0)
    out: list[str] = []
    last = 0
    seen: set[str] = set()
    ids: set[str] = set()
    roots: list[TocEntry] = []
    stack: list[tuple[int, TocEntry]] = []
    open_entries: list[TocEntry] = []  # entries waiting for their first article
    last_article: dict[int, str] = {}
    first_label: dict[int, str] = {}

    def close(entry: TocEntry, label: str) -> None:
        key = id(entry)
        first = first_label.get(key)
        if first:
            entry.articles = first if first == label else f"{first}—{label}"

    entries_all: list[TocEntry] = []
    for m in blocks:
        tag, attrs, inner = m.group("tag"), m.group("attrs") or "", m.group("inner")
        text = _plain(inner).strip()
        replacement = None
        if tag.startswith("h"):
            head = _heading(text)
            if head is not None:
                level, _n, label, title = head
                idm = _ID_RE.search(attrs)
                hid = _html.unescape(idm.group(1)[1:-1]) if idm else slugify(text)
                while not idm and hid in ids:
                    hid += "_"
                ids.add(hid)
                cls = f"oa-l oa-l-{_LEVEL_CLASS[level]}"
                new_attrs = _ID_RE.sub("", attrs)
                if ' class="' in new_attrs:
                    new_attrs = new_attrs.replace(' class="', f' class="{cls} ', 1)
                else:
                    new_attrs += f' class="{cls}"'
                replacement = f'<{tag} id="{_html.escape(hid)}"{new_attrs}>{inner}</{tag}>'
                entry = TocEntry(level, label, title, f"#{hid}", "")
                depth = LEVELS.index(level)
                while stack and stack[-1][0] >= depth:
                    stack.pop()
                (stack[-1][1].children if stack else roots).append(entry)
                stack.append((depth, entry))
                entries_all.append(entry)
                open_entries = [e for _, e in stack]
        elif tag == "p":
            found = _article(text)
            if found is not None:
                label, n, sub = found
                anchor = _anchor(label, seen)
                seen.add(anchor)
                alias = article_alias(n, sub)
                if alias in ids:
                    alias = f"{alias}-{len(ids)}"
                ids.add(alias)
                ids.add(anchor)
                for e in open_entries:
                    first_label.setdefault(id(e), label)
                    last_article[id(e)] = label
                a = _html.escape(anchor)
                # the label as written is the start of ``inner``; link it
                pos = inner.find(label[:2])
                linked = inner
                if pos != -1:
                    end = pos
                    count = 0
                    # walk over the label's characters (white space inside it is kept)
                    while end < len(inner) and count < len(label):
                        if inner[end] == label[count]:
                            count += 1
                        end += 1
                    linked = (
                        f'{inner[:pos]}<a class="oa-art-no" href="#{a}" title="{_html.escape(copy_label)}">'
                        f"{inner[pos:end]}</a>{inner[end:]}"
                    )
                cls = ' class="oa-art"'
                replacement = (
                    f'<{tag} id="{a}"{cls}{_ID_RE.sub("", attrs)}>'
                    f'<span class="oa-alias" id="{alias}" aria-hidden="true"></span>{linked}</{tag}>'
                )
        if replacement is not None:
            out.append(body[last : m.start()])
            out.append(replacement)
            last = m.end()
    out.append(body[last:])
    for e in entries_all:
        if id(e) in last_article:
            close(e, last_article[id(e)])
    return "".join(out), Toc(roots, n_articles)


_LINE_RE = re.compile(r"^.*$", re.M)


def article_heads(text: str) -> list[tuple[int, str, str]]:
    """(offset, label, alias) of every line of a plain text that starts an article.
    Needs at least two articles (else [])."""
    heads = []
    for m in _LINE_RE.finditer(text):
        found = _article(m.group())
        if found is not None:
            label, n, sub = found
            heads.append((m.start(), label, article_alias(n, sub)))
    return heads if len(heads) >= 2 else []


def article_at(heads: list[tuple[int, str, str]], offset: int) -> tuple[int, str, str] | None:
    """The article of ``article_heads`` that ``offset`` falls in."""
    import bisect

    i = bisect.bisect_right([h[0] for h in heads], offset) - 1
    return heads[i] if i >= 0 else None
