"""Deterministic corpus of Chinese legal texts and queries for the search tests.

``build_corpus()`` returns a few hundred SearchDoc records (disclosures,
regulations and a few guides, pages and open days) written from a vocabulary
of procuratorial terms in varied contexts; ``build_queries()`` returns the
query strings of the recall test; ``expected()`` is the oracle: the records
whose searched fields contain the query string.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
import unicodedata

from generator.search import SearchDoc

SEED = 20260301

PROCURATORATES = [
    "最高人民检察院",
    "北京市人民检察院",
    "北京市朝阳区人民检察院",
    "上海市人民检察院",
    "上海市浦东新区人民检察院",
    "广东省人民检察院",
    "深圳市南山区人民检察院",
    "浙江省杭州市人民检察院",
    "四川省成都市武侯区人民检察院",
    "某某市人民检察院",
    "市检察院",
    "区检察院",
    "县人民检察院",
    "铁路运输检察院",
]
OTHER_BODIES = [
    "最高人民法院",
    "北京市第三中级人民法院",
    "朝阳区人民法院",
    "公安机关",
    "市公安局",
    "区监察委员会",
    "国家监察委员会",
    "司法行政机关",
    "市场监督管理局",
    "生态环境局",
    "公安警察院校",
    "台湾地区监察院",
]
CRIMES = [
    "受贿罪",
    "行贿罪",
    "贪污罪",
    "挪用公款罪",
    "单位受贿罪",
    "单位行贿罪",
    "利用影响力受贿罪",
    "对有影响力的人行贿罪",
    "介绍贿赂罪",
    "巨额财产来源不明罪",
    "滥用职权罪",
    "玩忽职守罪",
    "诈骗罪",
    "非法吸收公众存款罪",
    "洗钱罪",
    "帮助信息网络犯罪活动罪",
    "危险驾驶罪",
    "盗窃罪",
    "职务侵占罪",
]
LEGAL_TERMS = [
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
    "批准逮捕",
    "羁押必要性审查",
    "司法解释",
    "侦查活动监督",
    "刑事执行检察",
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
    "诉讼代理人",
    "行贿犯罪档案查询",
    "贪污贿赂犯罪",
    "检察听证",
    "案件信息公开",
]
AREAS = [
    "生态环境和资源保护",
    "食品药品安全",
    "国有财产保护",
    "国有土地使用权出让",
    "英雄烈士保护",
    "个人信息保护",
    "安全生产",
    "未成年人保护",
    "妇女权益保障",
    "文物和文化遗产保护",
]
NAMES = ["张某", "李某某", "王某", "赵某", "欧阳某", "陈某1", "陈某2", "刘某", "孙某某", "周某"]
POSTS = [
    "某局局长",
    "某国有公司总经理",
    "某街道办事处主任",
    "某医院院长",
    "某学校校长",
    "某区住房和城乡建设委员会副主任",
]
ACTIONS = [
    "提起公诉",
    "作出不起诉决定",
    "批准逮捕",
    "作出不批准逮捕决定",
    "作出相对不起诉决定",
    "依法提出抗诉",
    "作出附条件不起诉决定",
]
UNITS = ["市场监督管理局", "生态环境局", "教育局", "某镇人民政府", "自然资源局", "卫生健康委员会"]
GOALS = ["诉源治理", "社会治理现代化", "营商环境优化", "未成年人健康成长", "廉洁政府建设"]
ENGLISH = [
    "The Supreme People's Procuratorate published typical cases of bribery and corruption.",
    "Prosecutors filed a public interest litigation case on environmental protection.",
    "Press release of the procuratorate on the leniency system for admission of guilt.",
    "The procuratorate accepts complaints through the 12309 service hotline.",
    "Juvenile prosecution: conditional non-prosecution for minors.",
]
CN_NUM = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
]
CATEGORIES = ["case-procedure", "case-decision", "legal-document", "work-report", "announcement", "press-release"]
CASE_PREFIX = [
    "京朝检刑诉",
    "京检一部刑诉",
    "沪浦检刑不诉",
    "粤检刑诉",
    "深南检未检刑不诉",
    "川成武检刑诉",
    "京朝检民公",
    "沪检行公",
]

REG_ISSUERS = [
    ("最高人民检察院", "judicial-interpretation", "高检发释字〔{y}〕{n}号"),
    ("最高人民检察院", "normative-document", "高检发〔{y}〕{n}号"),
    ("最高人民法院；最高人民检察院", "judicial-interpretation", "法释〔{y}〕{n}号"),
    ("最高人民检察院；公安部", "normative-document", "高检会〔{y}〕{n}号"),
    ("全国人民代表大会常务委员会", "law", "主席令第{n}号"),
    ("国务院", "administrative-regulation", "国务院令第{n}号"),
    ("公安部", "departmental-rule", "公安部令第{n}号"),
    ("北京市人民代表大会常务委员会", "local-regulation", "北京市人大常委会公告第{n}号"),
]
REG_TOPICS = [
    "办理受贿刑事案件适用法律若干问题",
    "办理行贿刑事案件",
    "办理贪污贿赂刑事案件适用法律若干问题",
    "检察公益诉讼案件适用法律若干问题",
    "适用认罪认罚从宽制度",
    "人民检察院办理未成年人刑事案件",
    "人民检察院检察建议工作",
    "人民检察院法律监督工作",
    "行贿犯罪档案查询工作",
    "人民检察院案件信息公开工作",
    "人民监督员监督工作",
    "人民检察院刑事诉讼规则",
    "企业合规改革试点工作",
    "羁押必要性审查工作",
    "检察机关开展司法救助工作",
]
LAW_NAMES = [
    "中华人民共和国刑法",
    "中华人民共和国刑事诉讼法",
    "中华人民共和国人民检察院组织法",
    "中华人民共和国检察官法",
    "中华人民共和国民事诉讼法",
    "中华人民共和国行政诉讼法",
    "中华人民共和国未成年人保护法",
    "中华人民共和国监察法",
]
VALIDITY = ["in-force"] * 6 + ["amended", "repealed", "not-yet-effective"]


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _disclosure_sentence(rng: random.Random) -> str:
    org = rng.choice(PROCURATORATES)
    name = rng.choice(NAMES)
    crime = rng.choice(CRIMES)
    k = rng.randrange(14)
    if k == 0:
        return f"{org}依法对{name}涉嫌{crime}一案{rng.choice(ACTIONS)}。"
    if k == 1:
        return f"经审查，{org}认为{name}的行为已构成{crime}，依法{rng.choice(ACTIONS)}。"
    if k == 2:
        return f"{org}向{rng.choice(UNITS)}制发检察建议书，督促其依法履行{rng.choice(AREAS)}监管职责。"
    if k == 3:
        return (
            f"本案中，犯罪嫌疑人{name}自愿认罪认罚，签署认罪认罚具结书，"
            f"{org}提出有期徒刑{rng.randint(1, 10)}年的量刑建议。"
        )
    if k == 4:
        return (
            f"{name}利用担任{rng.choice(POSTS)}的职务便利，为他人谋取利益，"
            f"非法收受他人财物共计人民币{rng.randint(3, 900)}万元。"
        )
    if k == 5:
        return f"针对{rng.choice(AREAS)}领域的突出问题，{org}依法提起{rng.choice(['民事', '行政'])}公益诉讼。"
    if k == 6:
        return f"{org}对未成年犯罪嫌疑人{name}作出附条件不起诉决定，考验期{rng.randint(6, 12)}个月。"
    if k == 7:
        return f"检察机关充分履行法律监督职能，促进{rng.choice(GOALS)}。"
    if k == 8:
        return f"根据《中华人民共和国刑事诉讼法》第{rng.randint(16, 290)}条的规定，{org}决定对{name}不起诉。"
    if k == 9:
        return f"该案由{rng.choice(OTHER_BODIES)}调查终结，以{name}涉嫌{crime}向{org}移送审查起诉。"
    if k == 10:
        return f"{rng.choice(OTHER_BODIES)}于{rng.randint(2019, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日作出判决，采纳检察机关的全部量刑建议。"
    if k == 11:
        return rng.choice(ENGLISH)
    if k == 12:
        return f"行贿人{name}为谋取不正当利益，多次向国家工作人员行贿，严重破坏公平竞争。"
    return f"{org}检察长列席审判委员会会议，就{rng.choice(LEGAL_TERMS)}问题发表意见。"


def _regulation_body(rng: random.Random, topic: str) -> str:
    law = rng.choice(LAW_NAMES)
    arts = [f"第一条 为了规范{topic}，根据《{law}》等有关规定，结合检察工作实际，制定本规定。"]
    for i in range(1, rng.randint(4, 9)):
        term = rng.choice(LEGAL_TERMS)
        k = rng.randrange(5)
        if k == 0:
            text = f"人民检察院办理{rng.choice(CRIMES)}案件，应当依法履行{term}职责。"
        elif k == 1:
            text = "国家工作人员利用职务上的便利，索取他人财物的，依照刑法第三百八十五条的规定以受贿罪追究刑事责任。"
        elif k == 2:
            text = f"对于{term}工作中发现的问题，可以向有关单位提出检察建议。"
        elif k == 3:
            text = "贪污贿赂犯罪案件中，行贿人在被追诉前主动交待行贿行为的，可以从轻或者减轻处罚。"
        else:
            text = f"{rng.choice(PROCURATORATES)}应当加强对{term}工作的领导和监督。"
        arts.append(f"第{CN_NUM[i]}条 {text}")
    arts.append(f"第{CN_NUM[len(arts)]}条 本规定由最高人民检察院负责解释，自发布之日起施行。")
    return "\n".join(arts)


def build_corpus(seed: int = SEED, n_disclosures: int = 210, n_regulations: int = 110) -> list[SearchDoc]:
    rng = random.Random(seed)
    docs: list[SearchDoc] = []
    for i in range(n_disclosures):
        org = rng.choice(PROCURATORATES)
        crime = rng.choice(CRIMES)
        name = rng.choice(NAMES)
        date = _date(rng, dt.date(2023, 1, 1), dt.date(2026, 12, 31))
        category = rng.choice(CATEGORIES)
        title = rng.choice(
            [
                f"{org}依法对{name}涉嫌{crime}案{rng.choice(ACTIONS)}",
                f"{org}{date.year}年{rng.choice(LEGAL_TERMS)}工作情况",
                f"{rng.choice(AREAS)}领域公益诉讼典型案例",
                f"{org}关于{name}{crime}案的不起诉决定书",
                f"{org}召开{rng.choice(LEGAL_TERMS)}新闻发布会",
            ]
        )
        body = "".join(_disclosure_sentence(rng) for _ in range(rng.randint(3, 9)))
        summary = _disclosure_sentence(rng) if rng.random() < 0.7 else ""
        tags = tuple(rng.sample(LEGAL_TERMS, rng.randint(0, 3)))
        case_number = ""
        if category in ("case-procedure", "case-decision", "legal-document"):
            case_number = f"{rng.choice(CASE_PREFIX)}〔{date.year}〕{rng.randint(1, 400)}号"
        docs.append(
            SearchDoc(
                type="disclosures",
                id=f"d-{i:04d}",
                title=title,
                url=f"/disclosures/d-{i:04d}/",
                body=body,
                summary=summary,
                tags=tags,
                date=date,
                category=category,
                case_number=case_number,
            )
        )
    for i in range(n_regulations):
        issuer, kind, number_fmt = rng.choice(REG_ISSUERS)
        topic = rng.choice(REG_TOPICS)
        issued = _date(rng, dt.date(2000, 1, 1), dt.date(2026, 6, 30))
        effective = issued + dt.timedelta(days=rng.choice([0, 0, 30, 60, 90]))
        validity = rng.choice(VALIDITY)
        if kind == "law":
            title = f"{rng.choice(LAW_NAMES)}（{issued.year}年修正）"
        else:
            title = rng.choice(
                [f"关于{topic}的规定", f"关于{topic}的解释", f"关于{topic}的意见（试行）", f"{topic}规定"]
            )
            if "；" not in issuer and rng.random() < 0.5:
                title = issuer + title
        docs.append(
            SearchDoc(
                type="regulations",
                id=f"r-{i:04d}",
                title=title,
                url=f"/regulations/r-{i:04d}/",
                body=_regulation_body(rng, topic),
                summary=f"本文件规定了{topic}的有关事项。",
                tags=tuple(rng.sample(LEGAL_TERMS, rng.randint(0, 2))),
                date=issued,
                doc_number=number_fmt.format(y=issued.year, n=rng.randint(1, 30)),
                issuer=issuer,
                kind=kind,
                validity=validity,
                issued=issued,
                effective=effective,
            )
        )
    docs.append(
        SearchDoc(
            type="guides",
            id="bribery-record-inquiry",
            title="行贿犯罪档案查询指南",
            url="/guides/bribery-record-inquiry/",
            body=(
                "单位和个人可以向人民检察院申请查询行贿犯罪档案。查询结果告知函在3个工作日内出具。"
                "Bribery record inquiry is free of charge."
            ),
            tags=("行贿犯罪档案查询",),
        )
    )
    docs.append(
        SearchDoc(
            type="guides",
            id="complaint",
            title="控告申诉指南",
            url="/guides/complaint/",
            body="可以通过12309检察服务中心提出控告申诉，检察院应当在七日内告知受理情况。",
        )
    )
    docs.append(
        SearchDoc(
            type="pages",
            id="about",
            title="关于我们",
            url="/pages/about/",
            body="某某市人民检察院是国家的法律监督机关。本院设检察长一人，副检察长若干人。",
        )
    )
    docs.append(
        SearchDoc(
            type="open-days",
            id="2026-open-day",
            title="2026年检察开放日活动",
            url="/open-days/2026-open-day/",
            date=dt.date(2026, 5, 20),
            body="欢迎社会各界走进检察院，了解公益诉讼和未成年人检察工作。",
        )
    )
    return docs


SEARCHED_FIELDS = ("title", "summary", "body", "doc_number", "case_number")


def searched_texts(doc: SearchDoc) -> list[str]:
    """The texts the default (unfielded) search looks at."""
    texts = [getattr(doc, f) for f in SEARCHED_FIELDS]
    texts.extend(doc.tags)
    texts.extend(p for p in re.split(r"[；;]", doc.issuer) if p)
    return [t for t in texts if t]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


_WORDCHAR = r"[^\W_\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"


def _substring_re(query: str) -> re.Pattern:
    """Plain substring of the normalised text; Latin letters/digits at the ends
    of the query must not continue a longer word (word match)."""
    q = _norm(query).strip()
    pat = re.escape(q)
    if re.match(_WORDCHAR, q[:1]):
        pat = f"(?<!{_WORDCHAR})" + pat
    if re.match(_WORDCHAR, q[-1:]):
        pat += f"(?!{_WORDCHAR})"
    return re.compile(pat)


@functools.cache
def _normalized(doc: SearchDoc) -> tuple[str, ...]:
    return tuple(_norm(t) for t in searched_texts(doc))


def expected(docs: list[SearchDoc], query: str) -> set[tuple[str, str]]:
    """Records whose searched texts contain ``query`` (after NFKC + lower case)."""
    rx = _substring_re(query)
    return {(d.type, d.id) for d in docs if any(rx.search(t) for t in _normalized(d))}


_SYNTAX = re.compile(r"[()\"“”＂\[\]:：]|\b(AND|OR|NOT)\b|(^|\s)[-+]")


def build_queries(docs: list[SearchDoc], seed: int = SEED) -> list[str]:
    rng = random.Random(seed + 1)
    queries: list[str] = []
    queries += LEGAL_TERMS + CRIMES + PROCURATORATES + AREAS
    queries += [
        # jieba splits these differently depending on the context
        "察院",
        "检察院",
        "人民检察",
        "人民检察院",
        "检察",
        "监察院",
        "警察院校",
        "检察院检察长",
        "贿赂",
        "贿",
        "罪",
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
        "诉讼",
        "益诉",
        "起诉",
        "附条件",
        "法律",
        "监督",
        "律监",
        "建议书",
        "检察建议书",
        "具结书",
        "影响力",
        "有影响力的人",
        "犯罪档案",
        "国家工作人员",
        "谋取不正当利益",
        "职务便利",
        "量刑",
        "人民币",
        "万元",
        "有期徒刑",
        "考验期",
        "审判委员会",
        "新闻发布会",
        "典型案例",
        "不起诉决定书",
        "移送审查起诉",
        "依法提起",
        "第三百八十五条",
        "第一条",
        "本规定",
        "试行",
        "修正",
        "国务院令",
        "主席令",
        "高检发释字",
        "法释",
        "高检会",
        "〔2019〕",
        "2019",
        "2026",
        "12309",
        "3个工作日",
        # English (case-insensitive, whole words)
        "procuratorate",
        "Procuratorate",
        "PUBLIC",
        "interest",
        "litigation",
        "bribery",
        "corruption",
        "press",
        "release",
        "minors",
        "hotline",
        "Supreme",
        "guilt",
        "public interest litigation",
        "Supreme People's Procuratorate",
    ]
    with_numbers = [d for d in docs if d.case_number]
    for d in rng.sample(with_numbers, 6):
        queries.append(d.case_number)
        queries.append(d.case_number[d.case_number.index("〔") :])
    regs = [d for d in docs if d.doc_number]
    for d in rng.sample(regs, 6):
        queries.append(d.doc_number)
    # random substrings of the texts, cut anywhere
    while len(queries) < 320:
        d = rng.choice(docs)
        text = rng.choice([d.title, d.body, d.body, d.summary or d.body])
        size = rng.randint(2, 9)
        if len(text) <= size:
            continue
        start = rng.randrange(len(text) - size)
        piece = text[start : start + size].strip()
        if (
            piece and not _SYNTAX.search(piece) and "\n" not in piece and expected(docs, piece)
        ):  # not cut inside a Latin word or number
            queries.append(piece)
    seen: set[str] = set()
    out = []
    for q in queries:
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out
