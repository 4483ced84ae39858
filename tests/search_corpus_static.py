"""Deterministic corpus of Chinese legal pages and queries for the static search.

``build_docs(n)`` writes n StaticDoc pages (disclosures, regulations, guides, open days,
pages) from procuratorial vocabulary in varied contexts, filler sentences drawn from jieba's
pinned dictionary (so that the character pairs are as varied as in real text), some English,
numbers, full-width forms and rare characters. ``build_queries()`` returns the query strings
of the recall test, and ``expected()`` is the oracle: the pages whose normalised text contains
every phrase of the query (plain substring; a phrase that starts with a Latin letter or
digit must start a word), as docs/search-static.md defines it.

Used by tests/test_static_search.py and benchmarks/static_search_bench.py.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random
import re
import unicodedata
from pathlib import Path
from typing import get_args

from generator.records import Kind
from generator.static_search import StaticDoc, normalize

SEED = 20260427

COURTS = [
    "最高人民检察院",
    "北京市人民检察院",
    "北京市朝阳区人民检察院",
    "上海市浦东新区人民检察院",
    "广东省人民检察院",
    "深圳市南山区人民检察院",
    "浙江省杭州市人民检察院",
    "某某市人民检察院",
    "四川省成都市武侯区人民检察院",
    "市检察院",
    "区检察院",
    "铁路运输检察院",
    "县人民检察院",
]
OTHERS = [
    "最高人民法院",
    "朝阳区人民法院",
    "市公安局",
    "区监察委员会",
    "国家监察委员会",
    "司法行政机关",
    "市场监督管理局",
    "生态环境局",
    "公安警察院校",
    "台湾地区监察院",
    "人民检察学院",
]
CRIMES = [
    "受贿罪",
    "行贿罪",
    "贪污罪",
    "挪用公款罪",
    "单位受贿罪",
    "利用影响力受贿罪",
    "对有影响力的人行贿罪",
    "介绍贿赂罪",
    "巨额财产来源不明罪",
    "滥用职权罪",
    "玩忽职守罪",
    "诈骗罪",
    "洗钱罪",
    "帮助信息网络犯罪活动罪",
    "危险驾驶罪",
    "盗窃罪",
    "职务侵占罪",
    "非法吸收公众存款罪",
]
TERMS = [
    "法律监督",
    "受贿",
    "行贿",
    "贪污贿赂",
    "检察建议",
    "不起诉",
    "认罪认罚",
    "未成年人",
    "公益诉讼",
    "职务犯罪",
    "刑事诉讼",
    "民事诉讼",
    "行政诉讼",
    "提起公诉",
    "审查起诉",
    "审查逮捕",
    "司法解释",
    "羁押必要性审查",
    "侦查活动监督",
    "控告申诉",
    "国家赔偿",
    "司法救助",
    "企业合规",
    "认罪认罚从宽",
    "量刑建议",
    "附条件不起诉",
    "社区矫正",
    "电信网络诈骗",
    "非法集资",
    "检察长",
    "检察官",
    "检察委员会",
    "人民监督员",
    "法律援助",
    "辩护人",
    "行贿犯罪档案查询",
    "贪污贿赂犯罪",
    "检察听证",
]
AREAS = [
    "生态环境和资源保护",
    "食品药品安全",
    "国有财产保护",
    "英雄烈士保护",
    "个人信息保护",
    "安全生产",
    "未成年人保护",
    "妇女权益保障",
    "文物和文化遗产保护",
]
NAMES = ["张某", "李某某", "王某", "赵某", "欧阳某", "陈某1", "刘某", "孙某某", "周某", "𠀋某"]
POSTS = ["某局局长", "某国有公司总经理", "某街道办事处主任", "某医院院长", "某学校校长"]
ACTIONS = ["提起公诉", "作出不起诉决定", "批准逮捕", "作出不批准逮捕决定", "作出附条件不起诉决定", "依法提出抗诉"]
UNITS = ["市场监督管理局", "生态环境局", "教育局", "某镇人民政府", "自然资源局", "卫生健康委员会"]
ENGLISH = [
    "The Supreme People's Procuratorate published typical cases of bribery and corruption.",
    "Prosecutors filed a public interest litigation case on environmental protection.",
    "Press release of the procuratorate on the leniency system for admission of guilt.",
    "The procuratorate accepts complaints through the 12309 service hotline.",
    "Juvenile prosecution: conditional non-prosecution for minors.",
    "PRESSURE on prosecutors rose in 2019; the Procurator-General answered questions.",
    "Anti-corruption work: Bribery, embezzlement and abuse of power (case No. 385).",
]
CATEGORIES = ["case-procedure", "case-decision", "legal-document", "work-report", "announcement", "press-release"]
KINDS = list(get_args(Kind))  # the content model's regulation kinds
ISSUERS = [
    "最高人民检察院",
    "最高人民法院",
    "全国人民代表大会常务委员会",
    "国务院",
    "公安部",
    "北京市人民代表大会常务委员会",
]
VALIDITY = ["in-force"] * 5 + ["amended", "repealed", "not-yet-effective"]
TOPICS = [
    "办理受贿刑事案件适用法律若干问题",
    "办理贪污贿赂刑事案件适用法律若干问题",
    "检察公益诉讼案件适用法律若干问题",
    "适用认罪认罚从宽制度",
    "人民检察院办理未成年人刑事案件",
    "人民检察院检察建议工作",
    "人民检察院法律监督工作",
    "行贿犯罪档案查询工作",
    "人民检察院案件信息公开工作",
    "企业合规改革试点工作",
    "羁押必要性审查工作",
]
LAWS = [
    "中华人民共和国刑法",
    "中华人民共和国刑事诉讼法",
    "中华人民共和国人民检察院组织法",
    "中华人民共和国检察官法",
    "中华人民共和国未成年人保护法",
    "中华人民共和国监察法",
]
CN_NUM = "一二三四五六七八九十"
# words planted once or twice, so that rare-term queries have one or two expected pages
RARE = ["饕餮之徒", "魑魅魍魉", "觊觎公款", "𠀋𠀌", "龘靐", "xylophone", "quixotic", "zeugma42", "鳏寡孤独"]


@functools.lru_cache(maxsize=1)
def _dictionary() -> tuple[list[str], list[int]]:
    """Han words of jieba's pinned dictionary with cumulative frequencies."""
    import jieba  # a pinned project dependency; its dictionary is data, not code we run

    words, cum, total = [], [], 0
    han = re.compile(r"^[\u4e00-\u9fff]{1,4}$")
    path = Path(jieba.__file__).with_name("dict.txt")
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and han.match(parts[0]):
            total += int(parts[1])
            words.append(parts[0])
            cum.append(total)
    return words, cum


def _filler(rng: random.Random, n_words: int) -> str:
    words, cum = _dictionary()
    total = cum[-1]
    out = []
    for i in range(n_words):
        out.append(words[bisect.bisect_right(cum, rng.randrange(total))])
        if i % 9 == 8:
            out.append(rng.choice("，，，、；"))
    return "".join(out) + "。"


def _sentence(rng: random.Random) -> str:
    court, name, crime = rng.choice(COURTS), rng.choice(NAMES), rng.choice(CRIMES)
    k = rng.randrange(16)
    if k == 0:
        return f"{court}依法对{name}涉嫌{crime}一案{rng.choice(ACTIONS)}。"
    if k == 1:
        return f"经审查，{court}认为{name}的行为已构成{crime}，依法{rng.choice(ACTIONS)}。"
    if k == 2:
        return f"{court}向{rng.choice(UNITS)}制发检察建议书，督促其依法履行{rng.choice(AREAS)}监管职责。"
    if k == 3:
        return (
            f"犯罪嫌疑人{name}自愿认罪认罚，签署认罪认罚具结书，{court}提出有期徒刑{rng.randint(1, 10)}年的量刑建议。"
        )
    if k == 4:
        return (
            f"{name}利用担任{rng.choice(POSTS)}的职务便利，为他人谋取利益，非法收受他人财物共计人民币"
            f"{rng.randint(3, 900)}万元。"
        )
    if k == 5:
        return f"针对{rng.choice(AREAS)}领域的突出问题，{court}依法提起{rng.choice(['民事', '行政'])}公益诉讼。"
    if k == 6:
        return f"{court}对未成年犯罪嫌疑人{name}作出附条件不起诉决定，考验期{rng.randint(6, 12)}个月。"
    if k == 7:
        return f"根据《{rng.choice(LAWS)}》第{rng.randint(16, 400)}条的规定，{court}决定对{name}不起诉。"
    if k == 8:
        return f"该案由{rng.choice(OTHERS)}调查终结，以{name}涉嫌{crime}向{court}移送审查起诉。"
    if k == 9:
        y = rng.randint(2015, 2026)
        return f"{rng.choice(OTHERS)}于{y}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日作出判决，采纳检察机关的全部量刑建议。"
    if k == 10:
        return rng.choice(ENGLISH)
    if k == 11:
        return f"行贿人{name}为谋取不正当利益，多次向国家工作人员行贿，涉案金额１２３{rng.randint(0, 9)}万元。"
    if k == 12:
        return f"二〇{rng.choice(['一九', '二〇', '二五', '二六'])}年，{court}检察长列席审判委员会会议，就{rng.choice(TERMS)}问题发表意见。"
    if k == 13:
        return f"群众可以拨打１２３０９检察服务热线或者登录12309中国检察网反映{rng.choice(TERMS)}问题。"
    if k == 14:
        return f"{court}开展{rng.choice(TERMS)}专项活动，办理案件{rng.randint(10, 5000)}件，同比上升{rng.randint(1, 99)}%。"
    return _filler(rng, rng.randint(8, 24))


def _body(rng: random.Random, size: int) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        s = _sentence(rng)
        parts.append(s)
        length += len(s)
    return "".join(parts)


def _cn(i: int) -> str:
    """Chinese numeral for 1..999."""
    if i >= 100:
        hundreds, rest = divmod(i, 100)
        tail = (
            ""
            if not rest
            else ("零" if rest < 10 else "") + (_cn(rest) if rest >= 20 or rest < 10 else "一" + _cn(rest))
        )
        return CN_NUM[hundreds - 1] + "百" + tail
    tens, ones = divmod(i, 10)
    head = "" if tens == 0 else "十" if tens == 1 else CN_NUM[tens - 1] + "十"
    return head + (CN_NUM[ones - 1] if ones else "")


def _regulation_body(rng: random.Random, topic: str, size: int) -> str:
    arts = [f"第一条 为了规范{topic}，根据《{rng.choice(LAWS)}》等有关规定，结合检察工作实际，制定本规定。"]
    i = 1
    length = len(arts[0])
    while length < size:
        term = rng.choice(TERMS)
        text = rng.choice(
            [
                f"人民检察院办理{rng.choice(CRIMES)}案件，应当依法履行{term}职责。",
                "国家工作人员利用职务上的便利，索取他人财物的，依照刑法第三百八十五条的规定以受贿罪追究刑事责任。",
                f"对于{term}工作中发现的问题，可以向有关单位提出检察建议。",
                "贪污贿赂犯罪案件中，行贿人在被追诉前主动交待行贿行为的，可以从轻或者减轻处罚。",
                f"{rng.choice(COURTS)}应当加强对{term}工作的领导和监督。" + _filler(rng, rng.randint(6, 14)),
            ]
        )
        i += 1
        arts.append(f"第{_cn(i)}条　{text}")
        length += len(arts[-1])
    return "\n".join(arts)


def build_docs(n: int = 360, seed: int = SEED, min_chars: int = 150, max_chars: int = 700) -> list[StaticDoc]:
    """n pages; body lengths between min_chars and max_chars characters."""
    rng = random.Random(seed)
    docs: list[StaticDoc] = []
    rare = itertools.cycle(RARE)
    for i in range(n):
        r = rng.random()
        size = rng.randint(min_chars, max_chars)
        filters: dict[str, tuple[str, ...]] = {}
        if r < 0.58:
            kind = "disclosures"
            court, name, crime = rng.choice(COURTS), rng.choice(NAMES), rng.choice(CRIMES)
            date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4380))
            title = rng.choice(
                [
                    f"{court}依法对{name}涉嫌{crime}案{rng.choice(ACTIONS)}",
                    f"{court}{date.year}年{rng.choice(TERMS)}工作情况",
                    f"{rng.choice(AREAS)}领域公益诉讼典型案例",
                    f"{court}关于{name}{crime}案的不起诉决定书",
                    f"{court}召开{rng.choice(TERMS)}新闻发布会",
                    f"Press release: {rng.choice(['bribery', 'Corruption', 'minors'])} cases in {date.year}",
                ]
            )
            summary = _sentence(rng) if rng.random() < 0.7 else ""
            category = rng.choice(CATEGORIES)
            number = f"京朝检刑诉〔{date.year}〕{rng.randint(1, 400)}号" if category.startswith("case") else ""
            body = _body(rng, size)
            fields = " ".join(x for x in (number, court) if x)
            filters = {"category": (category,), "year": (str(date.year),)}
        elif r < 0.88:
            kind = "regulations"
            topic = rng.choice(TOPICS)
            issuer = rng.choice(ISSUERS)
            date = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9500))
            title = rng.choice(
                [
                    f"关于{topic}的规定",
                    f"关于{topic}的解释",
                    f"{issuer}关于{topic}的意见（试行）",
                    f"{rng.choice(LAWS)}（{date.year}年修正）",
                ]
            )
            summary = f"本文件规定了{topic}的有关事项。"
            number = f"高检发释字〔{date.year}〕{rng.randint(1, 30)}号"
            body = _regulation_body(rng, topic, size)
            reg_kind, validity = rng.choice(KINDS), rng.choice(VALIDITY)
            fields = f"{number} {issuer}"
            filters = {
                "issuer": (issuer,) if rng.random() < 0.8 else (issuer, "公安部"),
                "kind": (reg_kind,),
                "validity": (validity,),
                "year": (str(date.year),),
            }
        else:
            kind = rng.choice(["guides", "open-days", "pages"])
            date = None if kind != "open-days" else dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2500))
            title = (
                rng.choice(
                    [
                        "行贿犯罪档案查询指南",
                        "控告申诉指南",
                        "关于我们",
                        "检察开放日活动",
                        "Open day at the procuratorate",
                        "未成年人检察工作介绍",
                        "12309检察服务中心",
                    ]
                )
                + f" {i}"
            )
            summary = "单位和个人可以向人民检察院申请查询行贿犯罪档案。" if rng.random() < 0.5 else ""
            body = _body(rng, size)
            fields = ""
            filters = {"year": (str(date.year),)} if date else {}
        if i % 37 == 5:  # plant a rare word
            body += f"{next(rare)}。"
        text = "\n".join(x for x in (title, summary, fields, body) if x)
        excerpt = summary or body[:120]
        docs.append(
            StaticDoc(
                url=f"/{kind}/p-{i:05d}/",
                title=title,
                type=kind,
                date=date,
                text=text,
                excerpt=excerpt,
                filters=filters,
            )
        )
    return docs


# -- the oracle -------------------------------------------------------------------------------

_SPACE = re.compile(r"[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_OPEN, _CLOSE = '"\u201c\u201d', '"\u201d\u201c'


def parse_query(query: str) -> tuple[list[str], list[str]]:
    """(phrases to include, phrases to exclude), as oasearch.js parses a query."""
    s = unicodedata.normalize("NFKC", query)
    include: list[str] = []
    exclude: list[str] = []
    i, n = 0, len(s)
    while i < n:
        while i < n and _SPACE.match(s[i]):
            i += 1
        if i >= n:
            break
        negative = s[i] == "-" and i + 1 < n and not _SPACE.match(s[i + 1])
        i += negative
        if s[i] in _OPEN:
            j = i + 1
            while j < n and s[j] not in _CLOSE:
                j += 1
            raw, i = s[i + 1 : j], j + 1
        else:
            j = i
            while j < n and not _SPACE.match(s[j]):
                j += 1
            raw, i = s[i:j], j
        phrase = normalize(raw).strip()
        target = exclude if negative else include
        if phrase and phrase not in target:
            target.append(phrase)
    return include, exclude


def contains(norm_text: str, phrase: str) -> bool:
    """Substring test on normalised text; a phrase starting with [a-z0-9] must start a word."""
    if not re.match(r"[a-z0-9]", phrase):
        return phrase in norm_text
    return re.search(r"(?<![a-z0-9])" + re.escape(phrase), norm_text) is not None


@functools.lru_cache(maxsize=100_000)
def _normalized(text: str) -> str:
    return normalize(text)


def expected(docs: list[StaticDoc], query: str) -> set[str]:
    """URLs of the pages a query must find."""
    include, exclude = parse_query(query)
    if not include:
        return set()
    out = set()
    for d in docs:
        t = _normalized(d.text)
        if all(contains(t, p) for p in include) and not any(contains(t, p) for p in exclude):
            out.add(d.url)
    return out


def build_queries(docs: list[StaticDoc], seed: int = SEED, n: int = 260) -> list[str]:
    rng = random.Random(seed + 1)
    queries: list[str] = []
    queries += TERMS + CRIMES + COURTS + AREAS + RARE
    queries += [
        # sub-words that a word segmenter splits differently in different contexts
        "察院",
        "检察院",
        "人民检察",
        "人民检察院",
        "检察",
        "监察院",
        "警察院校",
        "检察院检察长",
        "检察学院",
        "贿赂",
        "贿",
        "罪",
        "检",
        "受贿罪",
        "贿罪",
        "污贿",
        "贪污",
        "罚从宽",
        "认罪",
        "认罚",
        "未成年",
        "成年人",
        "公益",
        "益诉",
        "起诉",
        "附条件",
        "律监",
        "建议书",
        "具结书",
        "影响力",
        "有影响力的人",
        "国家工作人员",
        "谋取不正当利益",
        "职务便利",
        "人民币",
        "有期徒刑",
        "考验期",
        "审判委员会",
        "第三百八十五条",
        "第一条",
        "本规定",
        "试行",
        "修正",
        "〇",
        "二〇二六年",
        "二〇",
        "𠀋",
        "𠀋某",
        # numbers, full-width forms, mixed
        "12309",
        "１２３０９",
        "1230",
        "123",
        "2019",
        "2019年",
        "〔2019〕",
        "385",
        "3个工作日",
        "12309检察服务热线",
        "１２３",
        "100%",
        "第385条",
        "京朝检刑诉",
        "高检发释字",
        "No. 385",
        # English: case-insensitive, a word prefix matches (procurat), inner words are whole
        "procuratorate",
        "Procuratorate",
        "PROCURAT",
        "press",
        "pres",
        "pressure",
        "Press release",
        "bribery",
        "BRIBERY",
        "corrupt",
        "corruption",
        "anti",
        "anti-corruption",
        "minors",
        "guilt",
        "public interest litigation",
        '"public interest litigation"',
        '"Supreme People\'s Procuratorate"',
        "people's",
        "prosecut",
        "ress",
        "xylo",
        "zeugma",
        "zeugma42",
        # several phrases (AND), quoted phrases, exclusions
        "受贿 未成年人",
        "检察建议 公益诉讼",
        "贿赂 -贪污",
        "检察院 -人民检察院",
        '"认罪认罚 具结书"',
        "行贿 2019",
        "bribery 受贿",
        "press -release",
        "公益诉讼 -民事",
        "“检察建议”",
    ]
    for _ in range(10_000):
        if len(queries) >= n:
            break
        d = rng.choice(docs)
        size = rng.randint(1, 9)
        if len(d.text) <= size:
            continue
        start = rng.randrange(len(d.text) - size)
        piece = d.text[start : start + size].strip()
        if piece and not (set(piece) & set(_OPEN + "\n-")):
            queries.append(piece)
    seen: set[str] = set()
    return [q for q in queries if not (q in seen or seen.add(q))]
