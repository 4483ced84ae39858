"""Anonymising parties' names as the courts do (法释〔2016〕19号 Art. 8–9).

Surname + 某; compound surnames kept whole (欧阳某); a name in Latin letters
keeps its first letter: "D某" in a Chinese record, "D." in an English one
(``lang: en``).  Parties of one record who would share a pseudonym are
numbered in the order they are listed: 张某1, 张某2 and, in English, D.1, D.2
(the number follows the pseudonym directly in both languages, so a reader
sees the same shape everywhere).  A Chinese name in an English record keeps
the Chinese form (张某): the generator does not romanise names.
"""

from __future__ import annotations

import re

from ..records import Party

__all__ = ["COMPOUND_SURNAMES", "is_latin", "surname_of", "pseudonym_base", "needs_anonymising", "pseudonyms"]

COMPOUND_SURNAMES = frozenset(
    """
欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 端木 独孤
南宫 西门 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 钟离 闻人 赫连 万俟 呼延 百里 东郭 南门
羊舌 微生 公羊 梁丘 左丘 东门 第五 拓跋 完颜 耶律 爱新觉罗 叶赫那拉 纳兰 鲜于 闾丘 司寇 亓官
仉督 巫马 公西 漆雕 乐正 壤驷 公良 夹谷 宰父 谷梁 段干 公伯 子车 颛孙 申公
""".split()
)

# Latin letters, with the accented ones (José, Müller, Łukasz)
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f .'\-]*$")
KEEP_NAMED = frozenset({"lawyer", "official"})


def is_latin(name: str) -> bool:
    return _LATIN.match(name.strip()) is not None


def surname_of(name: str) -> str:
    name = name.strip()
    if _LATIN.match(name):
        return name[0].upper()
    for length in (4, 3, 2):
        if name[:length] in COMPOUND_SURNAMES and len(name) > length:
            return name[:length]
    return name[:1]


def pseudonym_base(name: str, lang: str = "zh") -> str:
    """张建国 -> 张某, 欧阳明辉 -> 欧阳某, David Miller -> D某 (zh) or D. (en)."""
    if lang == "en" and is_latin(name):
        return surname_of(name) + "."
    return surname_of(name) + "某"


def needs_anonymising(party: Party) -> bool:
    if party.role in KEEP_NAMED and not party.minor:
        return False
    return party.minor or not party.public


def pseudonyms(parties: list[Party], lang: str = "zh") -> dict[str, str]:
    """Real name -> pseudonym for the parties of one record that must be anonymised,
    in the record's language (``zh`` or ``en``)."""
    names: list[str] = []
    for party in parties:
        if needs_anonymising(party) and party.name not in names:
            names.append(party.name)
    bases = [pseudonym_base(n, lang) for n in names]
    result: dict[str, str] = {}
    counters: dict[str, int] = {}
    for name, base in zip(names, bases, strict=True):
        if bases.count(base) > 1:
            counters[base] = counters.get(base, 0) + 1
            result[name] = f"{base}{counters[base]}"
        else:
            result[name] = base
    return result
