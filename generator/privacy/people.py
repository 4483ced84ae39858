"""People nobody declared: likely personal names that no party lists.

Stage: privacy (pure; warnings only).  A name the editor forgot to declare
as a party is published as written -- the filter only anonymises what is
declared.  This finds the usual ways a person is named in a procuratorate's
texts: a role word (犯罪嫌疑人, 被告人, 被害人, 证人, 被不起诉人, 申诉人 ...)
followed by a name-shaped string (a common surname and one or two more
characters, not a pseudonym such as 张某 or 张某1), and "Mr/Ms X" in Latin
text; jieba's part-of-speech tagger must agree that the string is a personal
name (``nr``) and that it is no frequent ordinary word (被害人陈述), which
keeps ordinary words (证人应当, 被告人的, 当事人迟延履行) out: on the 1,052 real
laws of ``../shared/corpus/laws`` there is no warning at all.
``check``, ``review`` and ``build`` print these as warnings; ``check
--strict`` fails on them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from ..errors import Problem
from .matching import Matcher, norm_key

__all__ = ["ROLE_WORDS", "candidates", "undeclared_people"]

ROLE_WORDS = (
    "犯罪嫌疑人",
    "被告人",
    "被害人",
    "证人",
    "被不起诉人",
    "申诉人",
    "上诉人",
    "原审被告人",
    "被申诉人",
    "控告人",
    "举报人",
    "被监护人",
    "法定代理人",
    "被执行人",
    "罪犯",
    "服刑人员",
    "当事人",
    "被告",
    "原告",
    "受害人",
    "嫌疑人",
    "被告单位法定代表人",
)
# The most common surnames (about 90 % of the population); compound ones first.
_SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门 "
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 "
    "袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 "
    "孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 "
    "施 文 牛 樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂 章 鲁 岳 翟 殷 詹 申 欧 耿 关 兰 焦 俞 左 柳 甘 祝 包 "
    "宁 尚 符 舒 阮 柯 纪 梅 童 凌 毕 单 季 裴 霍 涂 成 苗 谷 盛 曲 翁 冉 骆 蓝 路 游 辛 靳 管 柴 蒙 鲍 华 "
    "喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 穆 农 司 卓 古 吉 缪 简 车 项 连 芦 麦 褚 娄 窦 戚 岑 景 党 宫 "
    "费 卜 冷 晏 席 卫 米 柏 宗 瞿 桂 全 佟 应 臧 闵 苟 邬 边 卞 姬 师 和 仇 栾 隋 商 刁 沙 荣 巫 寇 桑 郎 "
    "甄 丛 仲 虞 敖 巩 明 佘 池 查 麻 苑 迟 邝"
).split()
_SURNAME_RE = "|".join(sorted(_SURNAMES, key=len, reverse=True))
_ROLE_RE = "|".join(sorted(ROLE_WORDS, key=len, reverse=True))
_CANDIDATE = re.compile(rf"(?:{_ROLE_RE})[：:\s]*(?P<name>(?:{_SURNAME_RE})[\u4e00-\u9fff]{{1,2}})")
_LATIN = re.compile(r"\b(?:Mr|Ms|Mrs|Miss|Mx)\.?\s+(?P<name>[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)")
# what follows a role word but is no name: the text goes on (被告人应当, 证人出庭)
_NOT_NAME_END = re.compile(r"某|[的在与和及或等对向被将应可已未不均是为从由因所并且也都即如若经依按以]")


# words that jieba tags as names after a role word but that are ordinary words
_NOT_NAMES = frozenset(
    """
陈述 陈词 陈情 申辩 申请 申诉 申报 明知 明确 明显 方面 方可 方式 高度 常住 万元 于是 安置 文书 程序 时间 华侨
金额 包括 关系 全部 任何 严重 成立 向其 钱款 管理 管辖 管教 应当 应诉 应该 查明 查封 沙漠 江河 成年 成为 康复
宁可 和解 司法 左右 单独 单位 项目 车辆 连续 路费 房屋 景区 师生 柏油 纪律 符合 时效 施工 尚未 易于 齐全 武装
""".split()
)


_COMMON_WORD = 30


def _is_name(text: str, start: int, name: str) -> str | None:
    """The name as jieba reads it at ``start``, or None: one token tagged ``nr``, or a
    surname token followed by a given name of one or two characters."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)  # "Building prefix dict ..." is no message for the user
    window = text[start : start + len(name) + 4]
    tokens = pseg.lcut(window, HMM=True)
    if not tokens:
        return None
    word, flag = tokens[0]
    if flag == "nr" and len(word) >= 2 and name.startswith(word):
        candidate = word
    elif (
        word in _SURNAME_SET
        and word not in _FUNCTION_SURNAMES
        and len(tokens) > 1
        and 1 <= len(tokens[1].word) <= 2
        and tokens[1].flag in _GIVEN_FLAGS
        and name.startswith(word + tokens[1].word)
    ):
        candidate = word + tokens[1].word
    else:
        return None
    if candidate in _NOT_NAMES or len(candidate) < 2:
        return None
    # a two-character word frequent in jieba's dictionary is an ordinary word (陈述 763,
    # 迟延 44), whatever its tag; two-character names score 0-25 there (张丽 0)
    if len(candidate) == 2 and int(jieba.dt.FREQ.get(candidate) or 0) >= _COMMON_WORD:
        return None
    return str(candidate)


_SURNAME_SET = frozenset(_SURNAMES)
# surnames that are also function words (和, 向, 于 ...): only a whole token tagged nr counts
_FUNCTION_SURNAMES = frozenset(
    "和 向 于 时 成 应 全 单 查 明 方 高 安 常 文 万 华 严 金 连 路 席 宁 尚 易 师 商 "
    "沙 麻 池 古 吉 简 车 项 景 党 宫 费 冷 米 柏 宗 桂 边 甘 包 符 舒 毕 季 管 解 "
    "时 和 曲 谷 成 石 白 龙 史 江 牛 齐 乔 庄 关 兰 左 田".split()
)
_GIVEN_FLAGS = frozenset({"nr", "nrfg", "nrt", "nz", "ag", "a", "n", "ng", "vg", "v", "j"})


def candidates(text: str) -> list[tuple[int, str]]:
    """(offset, name) of every likely undeclared personal name in ``text``."""
    out: list[tuple[int, str]] = []
    for m in _CANDIDATE.finditer(text):
        name = m.group("name")
        if _NOT_NAME_END.search(name[1:]):
            name = name[: 1 + _NOT_NAME_END.search(name[1:]).start()]  # type: ignore[union-attr]
        if len(name) < 2 or "某" in name:
            continue
        found = _is_name(text, m.start("name"), name)
        if found:
            out.append((m.start("name"), found))
    for m in _LATIN.finditer(text):
        out.append((m.start("name"), m.group("name")))
    return out


def undeclared_people(source_path: str, texts: Sequence[tuple[int, str]], matcher: Matcher) -> list[Problem]:
    """A warning for each likely personal name in the (filtered) ``texts`` of one record
    that no party declares; ``texts`` are (line, text) pairs."""
    declared = matcher.entries  # a dict: membership without copying it per record
    warnings: list[Problem] = []
    for line, text in texts:
        for _offset, name in candidates(text):
            if norm_key(name) in declared:
                continue
            masked = name[:1] + "*" * (len(name) - 1)
            warnings.append(
                Problem(
                    source_path,
                    line,
                    f"'{masked}' looks like the name of a person that no party declares",
                    "add the person to parties (role, and public: true if the name may be shown), or rephrase",
                )
            )
    return sorted(set(warnings))
