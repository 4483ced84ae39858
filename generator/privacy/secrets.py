"""State-secret markings and ``privacy.block`` strings: these stop the build.

No rule may "fix" a marked text; a person must decide.

A marking is the classification mark as documents carry it (GB/T 9704-2012
7.2.2 and 保守国家秘密法 第十七条: 密级 and 保密期限 on the carrier), not the
words 绝密 / 机密 / 秘密 inside a sentence: 刑法 第二百八十二条 speaks of
"属于国家绝密、机密的文件" and is published as written.  A marking is, in any
text to be published (front-matter values and the body alike):

* a level with the marking star and an optional term: ``机密★10年``,
  ``绝密★启用前``, ``秘密★``, ``机密 ★ 长期`` (anywhere);
* a level with a term: ``秘密10年``, ``机密（五年）`` (anywhere);
* a level after the label 密级: ``密级：机密`` (anywhere);
* a level standing alone on a line (``机密``, ``**绝密**``, ``# 秘密级``): a
  front-matter value such as ``classification: 机密`` is such a line;
* a level in the marking position: at the start of one of the first lines of
  a text, followed by a space, a star, a bracket or the line's end
  (``机密　特急``, ``秘密 份号 000123``);
* the office's internal markings in the same forms: ``内部★``, ``（内部）``,
  ``内部资料`` / ``内部使用`` / ``内部文件`` ... alone on a line (optionally
  ``注意保存``) or in the marking position; not 内部资料性出版物 or 内部使用
  inside a sentence.

``privacy.block`` strings are matched exactly as configured (a plain substring
search).  A record may exempt occurrences of a block string that lie inside a
term it lists in ``privacy.allow_terms`` (reviewed: the exemption carries the
approver's id and ``check`` reports it); markings of the forms above can
never be exempted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .patterns import one_of

__all__ = ["find_markings", "exempted"]

_LEVEL = one_of("绝密 机密 秘密")
_STAR = r"(?:[★☆＊✱✲]|\*(?=\s*[0-9０-９一二三四五六七八九十长启]))"
_NUM = r"[0-9０-９一二三四五六七八九十两〇零]+"
_TERM = rf"(?:{_NUM}\s*{one_of('年 个月')}|长期|启用前|公布前|发出前|[0-9０-９]+\s*[-－]\s*[0-9０-９]+\s*年)"
_INTERNAL = "内部" + one_of("资料 文件 材料 使用 参考 刊物 传阅 发行 掌握 资料性文件") + "?"
# decoration a marking line may carry in Markdown: heading marks, emphasis,
# quote marks, list dashes, spaces (half and full width)
_DECOR = r"[ \t\u3000#>*_\-~`【】\[\]（）()〔〕]*"

_ANYWHERE = re.compile(
    rf"{_LEVEL}\s*{_STAR}\s*(?:{_TERM})?"
    rf"|{_LEVEL}级?\s*[（(]?\s*{_TERM}\s*[）)]?"
    rf"|密\s*级\s*[:：]\s*{_LEVEL}级?"
    rf"|内部\s*{_STAR}(?:\s*{_TERM})?"
    r"|[（(〔【\[]\s*内部\s*[）)〕】\]]"
)
_ALONE = re.compile(
    rf"^{_DECOR}(?P<m>{_LEVEL}级?|{_INTERNAL}(?:\s*[，,、]?\s*注意保[存密管])?){_DECOR}$",
    re.MULTILINE,
)
# the marking position: the first lines of a text (份号, 密级和保密期限, 紧急程度
# come first in GB/T 9704); the level is followed by a space, star, bracket or the end
_HEAD = re.compile(rf"^{_DECOR}(?P<m>{_LEVEL}|{_INTERNAL})(?=[ \t\u3000★☆*＊（(【\[]|$)", re.MULTILINE)
_HEAD_LINES = 3


def _head_end(text: str) -> int:
    """Offset of the end of the first ``_HEAD_LINES`` non-blank lines."""
    seen = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        if line.strip():
            seen += 1
            if seen >= _HEAD_LINES:
                break
    return pos


def _term_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    for term in terms:
        start = text.find(term) if term else -1
        while start != -1:
            spans.append((start, start + len(term)))
            start = text.find(term, start + 1)
    return spans


def exempted(text: str, start: int, word: str, allow_terms: Sequence[str]) -> bool:
    """Whether the occurrence of ``word`` at ``start`` lies inside an allowed term."""
    end = start + len(word)
    return any(a <= start and end <= b for a, b in _term_spans(text, allow_terms))


def find_markings(text: str, block: Sequence[str], allow_terms: Sequence[str] = ()) -> list[tuple[int, str]]:
    """(offset, what) for every marking and every ``block`` string in ``text``.

    ``allow_terms``: terms a record lists in ``privacy.allow_terms``; a block
    string inside one of them is not reported (markings always are).
    """
    found = [(m.start(), re.sub(r"\s+", "", m.group(0))) for m in _ANYWHERE.finditer(text)]
    found += [(m.start("m"), m.group("m").strip()) for m in _ALONE.finditer(text)]
    head = _head_end(text)
    found += [(m.start("m"), m.group("m")) for m in _HEAD.finditer(text, 0, head)]
    allowed = _term_spans(text, allow_terms) if allow_terms else []
    for word in block:
        start = text.find(word) if word else -1
        while start != -1:
            end = start + len(word)
            if not any(a <= start and end <= b for a, b in allowed):
                found.append((start, word))
            start = text.find(word, start + 1)
    # one report per place: drop a finding that starts inside a longer one
    found.sort(key=lambda f: (f[0], -len(f[1])))
    out: list[tuple[int, str]] = []
    for offset, what in found:
        if out and offset < out[-1][0] + len(out[-1][1]) and what != out[-1][1] and what not in block:
            continue
        if not out or (offset, what) != out[-1]:
            out.append((offset, what))
    return out
