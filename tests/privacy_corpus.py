"""Labelled corpus for the identifier detectors (generator/privacy/detectors.py).

A deterministic (seeded) generator of procuratorate prose: positive sentences
with planted identifiers of every rule in many written forms, each with its
exact expected span, and negative sentences made only of what must be KEPT
(case and document numbers, dates, amounts, statute articles, credit codes,
the office's own public numbers, words with 住 that are not addresses ...).

    python -m tests.privacy_corpus --table    # precision/recall table (Markdown) + throughput

The check-digit helpers here are written independently of the detectors on
purpose: the tests compare two implementations of GB 11643 and Luhn.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

# ---------------------------------------------------------------------------
# Check digits (independent implementations)
# ---------------------------------------------------------------------------

PROVINCES = ("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65").split()
_GB11643 = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def id_check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _GB11643, strict=True)) % 11]


def luhn_complete(partial: str) -> str:
    """partial + the digit that makes it Luhn-valid."""
    for d in "0123456789":
        s = partial + d
        total = sum(
            (int(c) if i % 2 == 0 else (int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2))
            for i, c in enumerate(reversed(s))
        )
        if total % 10 == 0:
            return s
    raise AssertionError("unreachable")


def uscc_check_char(first17: str) -> str:
    w = [3**i % 31 for i in range(17)]
    total = sum(USCC_CHARS.index(c) * wi for c, wi in zip(first17, w, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_valid_id18(s: str) -> bool:
    if len(s) != 18 or not s[:17].isdigit():
        return False
    return id_check_char(s[:17]) == s[17].upper()


def fullwidth(s: str) -> str:
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def chinese_digits(s: str) -> str:
    return s.translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


# ---------------------------------------------------------------------------
# Value generators (each returns the string as written in the text)
# ---------------------------------------------------------------------------

SURNAMES = (
    "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方")
CITIES = (
    ("浙江省", "杭州市", ("西湖区", "拱墅区", "上城区", "滨江区", "余杭区", "临平区", "萧山区")),
    ("浙江省", "宁波市", ("海曙区", "江北区", "鄞州区", "北仑区")),
    ("浙江省", "温州市", ("鹿城区", "瓯海区", "苍南县", "平阳县")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "秦淮区", "建邺区")),
    ("江苏省", "苏州市", ("姑苏区", "吴中区", "相城区", "昆山市")),
    ("广东省", "深圳市", ("福田区", "南山区", "宝安区", "龙岗区")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "白云区")),
    ("安徽省", "合肥市", ("蜀山区", "包河区", "肥西县")),
    ("河南省", "郑州市", ("金水区", "中原区", "二七区")),
    ("四川省", "成都市", ("武侯区", "锦江区", "青羊区", "双流区")),
    ("湖北省", "武汉市", ("江汉区", "武昌区", "洪山区")),
    ("", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区")),
    ("", "北京市", ("朝阳区", "海淀区", "丰台区", "东城区")),
)
ROADS = (
    "文三路",
    "解放路",
    "中山北路",
    "人民大道",
    "建设街",
    "延安路",
    "学院路",
    "环城西路",
    "天目山路",
    "长江路",
    "和平街",
    "东风巷",
    "青年路",
    "工人新村路",
    "滨江大道",
    "湖墅南路",
)
ESTATES = ("阳光小区", "翠苑一区", "金色家园", "和睦新村", "锦绣花园", "江南名府", "紫金公寓", "望江小区")
TOWNS = ("灵溪镇", "龙港镇", "瓶窑镇", "新登镇", "横店镇", "钱库镇")
VILLAGES = ("城东村", "前进村", "塘下村", "枫林村", "新华村")
COURTS = ("杭州市西湖区人民法院", "杭州市中级人民法院", "宁波市海曙区人民法院", "温州市鹿城区人民法院")
POLICE = ("杭州市公安局西湖分局", "宁波市公安局海曙分局", "温州市公安局鹿城区分局")
PROCS = ("杭州市西湖区人民检察院", "宁波市海曙区人民检察院", "温州市人民检察院", "本院")
BANKS = ("中国工商银行", "中国农业银行", "中国建设银行", "中国银行", "交通银行", "招商银行", "浙江农商银行")
AREA_CODES = (
    "010",
    "020",
    "021",
    "022",
    "023",
    "024",
    "025",
    "027",
    "028",
    "029",
    "0571",
    "0574",
    "0577",
    "0755",
    "0769",
    "0531",
    "0371",
    "0731",
    "0591",
    "0871",
)
PROV_PLATE = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
EMAIL_DOMAINS = (
    "163.com",
    "qq.com",
    "126.com",
    "sina.com.cn",
    "gmail.com",
    "hotmail.com",
    "example.org.cn",
    "mail.zj.cn",
    "yeah.net",
    "foxmail.com",
)
PINYIN = (
    "zhang",
    "wang",
    "li",
    "zhao",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhou",
    "wu",
    "xu",
    "sun",
    "ma",
    "zhu",
    "hu",
    "guo",
    "lin",
    "luo",
    "zheng",
    "xie",
    "wei",
    "ming",
    "hua",
    "jun",
    "ping",
    "fang",
    "lei",
    "xiao",
    "yan",
    "qiang",
)
CARD_BINS = (
    "622202",
    "621700",
    "622848",
    "623052",
    "622588",
    "621226",
    "625911",
    "621661",
    "436742",
    "427020",
    "518710",
    "552599",
    "601382",
    "955880",
    "356833",
    "603367",
)
CARD_BINS_FREE = ("622202", "621700", "622848", "623052", "621226", "436742", "427020", "518710", "552599")


def name(r: random.Random) -> str:
    if r.random() < 0.08:
        return r.choice(COMPOUND) + "某"
    return r.choice(SURNAMES) + r.choice(("某", "某某", "某甲", "某乙"))


def _birth(r: random.Random, lo: int = 1940, hi: int = 2008) -> tuple[int, int, int]:
    y = r.randint(lo, hi)
    m = r.randint(1, 12)
    d = r.randint(1, 28 if m == 2 else 30)
    return y, m, d


def _group(s: str, sizes: Iterable[int], sep: str) -> str:
    out, i = [], 0
    for n in sizes:
        out.append(s[i : i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return sep.join(p for p in out if p)


def id18(r: random.Random) -> str:
    while True:
        y, m, d = _birth(r)
        first = f"{r.choice(PROVINCES)}{r.randint(0, 9999):04d}{y:04d}{m:02d}{d:02d}{r.randint(0, 999):03d}"
        s = first + id_check_char(first)
        if r.random() < 0.35 or s.endswith("X"):  # give X-terminated numbers a fair share
            return s


def id_written(r: random.Random) -> str:
    s = id18(r)
    k = r.random()
    if s.endswith("X") and k < 0.3:
        s = s[:-1] + "x"
    if k < 0.45:
        return s
    if k < 0.55:
        return _group(s, (6, 8, 4), " ")
    if k < 0.62:
        return _group(s, (6, 8, 4), "-")
    if k < 0.70:
        return _group(s, (4, 4, 4, 4), " ")
    if k < 0.85:
        return fullwidth(s)
    if k < 0.92:
        return fullwidth(_group(s, (6, 8, 4), " "))
    if k < 0.96 and s[-1].isdigit():
        return chinese_digits(s)
    return s


def id_typo(r: random.Random) -> str:
    """A plausible ID whose check digit is wrong (a typo or a made-up example)."""
    s = id18(r)
    return s[:17] + r.choice([c for c in "0123456789X" if c != s[17]])


def id15(r: random.Random) -> str:
    y, m, d = _birth(r, 1930, 1999)
    return f"{r.choice(PROVINCES)}{r.randint(0, 9999):04d}{y % 100:02d}{m:02d}{d:02d}{r.randint(0, 999):03d}"


def mobile_digits(r: random.Random) -> str:
    return "1" + r.choice("3456789") + "".join(r.choice("0123456789") for _ in range(9))


def mobile_written(r: random.Random) -> str:
    s = mobile_digits(r)
    forms: list[Callable[[], str]] = [
        lambda: s,
        lambda: s,
        lambda: _group(s, (3, 4, 4), " "),
        lambda: _group(s, (3, 4, 4), "-"),
        lambda: _group(s, (3, 4, 4), "."),
        lambda: _group(s, (3, 8), " "),
        lambda: "+86 " + _group(s, (3, 4, 4), " "),
        lambda: "+86" + s,
        lambda: "+86-" + _group(s, (3, 4, 4), "-"),
        lambda: "0086 " + s,
        lambda: "0086-" + _group(s, (3, 4, 4), "-"),
        lambda: "86-" + s,
        lambda: fullwidth(s),
        lambda: fullwidth(_group(s, (3, 4, 4), "-")),
        lambda: fullwidth("+86 " + _group(s, (3, 4, 4), " ")),
        lambda: s[:3] + " " + s[3:7] + "-" + s[7:],
        lambda: s[:3] + "-" + s[3:7] + " " + s[7:],
        lambda: s[:3] + "." + s[3:7] + "-" + s[7:],
        lambda: s[:3] + " - " + s[3:7] + " - " + s[7:],
        lambda: s[:3] + "\u00a0" + s[3:7] + "\u00a0" + s[7:],
        lambda: chinese_digits(s),
        lambda: chinese_digits(_group(s, (3, 4, 4), " ")),
    ]
    return r.choice(forms)()


def landline_written(r: random.Random) -> str:
    area = r.choice(AREA_CODES)
    n = 8 if len(area) == 3 or r.random() < 0.8 else 7
    local = r.choice("2345678") + "".join(r.choice("0123456789") for _ in range(n - 1))
    ext = str(r.randint(100, 9999))
    half = len(local) // 2
    forms: list[Callable[[], str]] = [
        lambda: f"{area}-{local}",
        lambda: f"{area}-{local}",
        lambda: f"{area} {local[:half]} {local[half:]}",
        lambda: f"{area} {local}",
        lambda: f"({area}){local}",
        lambda: f"({area}) {local[:half]} {local[half:]}",
        lambda: f"（{area}）{local}",
        lambda: f"（{area}）{local[:half]} {local[half:]}",
        lambda: f"{area}-{local}-{ext}",
        lambda: f"{area}-{local}转{ext}",
        lambda: f"{area}{local}",
        lambda: fullwidth(f"{area}-{local}"),
        lambda: f"{area}-{local[:half]}-{local[half:]}",
        lambda: f"+86 {area[1:]} {local[:half]} {local[half:]}",
        lambda: f"+86-{area[1:]}-{local}",
    ]
    return r.choice(forms)()


def card_digits(r: random.Random, bins: tuple[str, ...] = CARD_BINS) -> str:
    while True:
        b = r.choice(bins)
        length = r.choice((16, 16, 19, 19, 17, 18))
        partial = b + "".join(r.choice("0123456789") for _ in range(length - len(b) - 1))
        s = luhn_complete(partial)
        if not (len(s) == 18 and is_valid_id18(s)):
            return s


def card_written(r: random.Random, free: bool = False) -> str:
    s = card_digits(r, CARD_BINS_FREE if free else CARD_BINS)
    k = r.random()
    if k < 0.35:
        return s
    if k < 0.6:
        return _group(s, (4, 4, 4, 4), " ")
    if k < 0.72:
        return _group(s, (4, 4, 4, 4), "-")
    if k < 0.8 and not free:
        return _group(s, (6,), " ")
    if k < 0.9:
        return fullwidth(s)
    return fullwidth(_group(s, (4, 4, 4, 4), " "))


def email_written(r: random.Random) -> str:
    local = r.choice(PINYIN) + r.choice(("", ".", "_", "-", "")) + r.choice(PINYIN)
    if r.random() < 0.5:
        local += str(r.randint(1, 2025))
    if r.random() < 0.15:
        local = mobile_digits(r)
    e = f"{local}@{r.choice(EMAIL_DOMAINS)}"
    k = r.random()
    if k < 0.1:
        return e.upper()
    if k < 0.2:
        return fullwidth(e)
    return e


def plate_written(r: random.Random) -> str:
    p = r.choice(PROV_PLATE) + r.choice(PLATE_LETTERS)
    k = r.random()
    if k < 0.45:
        serial = "".join(r.choice("0123456789") for _ in range(5))
        if r.random() < 0.4:
            i = r.randrange(5)
            serial = serial[:i] + r.choice(PLATE_LETTERS) + serial[i + 1 :]
    elif k < 0.75:  # new energy
        digits = "".join(r.choice("0123456789") for _ in range(5))
        serial = r.choice("DF") + digits if r.random() < 0.6 else digits + r.choice("DF")
        if r.random() < 0.3:
            serial = r.choice("DF") + r.choice(PLATE_LETTERS) + digits[:4]
    else:
        serial = "".join(r.choice("0123456789") for _ in range(4)) + r.choice(("X", "挂", "学", "1"))
    sep = r.choice(("", "", "·", " ", "·"))
    return p + sep + serial


def passport_e8(r: random.Random) -> str:
    return "E" + "".join(r.choice("0123456789") for _ in range(8))


def passport_ctx(r: random.Random) -> str:
    k = r.random()
    if k < 0.4:
        return "E" + r.choice("ABCDEFGHJK") + "".join(r.choice("0123456789") for _ in range(7))
    if k < 0.7:
        return "G" + "".join(r.choice("0123456789") for _ in range(8))
    return "E" + "".join(r.choice("0123456789") for _ in range(8))


def permit_free(r: random.Random) -> str:
    k = r.random()
    if k < 0.4:
        return "C" + "".join(r.choice("0123456789") for _ in range(8))
    return r.choice("HM") + "".join(r.choice("0123456789") for _ in range(r.choice((8, 10))))


def permit_ctx(r: random.Random) -> str:
    return "C" + r.choice("ABCDEFGHJK") + "".join(r.choice("0123456789") for _ in range(7))


def tw_permit(r: random.Random) -> str:
    return "".join(r.choice("0123456789") for _ in range(8))


def address(r: random.Random) -> str:
    prov, city, districts = r.choice(CITIES)
    head = (prov if r.random() < 0.6 else "") + city + r.choice(districts)
    k = r.random()
    if k < 0.35:
        tail = f"{r.choice(ROADS)}{r.randint(1, 999)}号"
        if r.random() < 0.5:
            tail += f"{r.randint(1, 30)}幢{r.randint(1, 6)}单元{r.randint(1, 30)}{r.randint(1, 4):02d}室"
    elif k < 0.65:
        tail = f"{r.choice(ROADS)}{r.choice(ESTATES)}{r.randint(1, 40)}栋{r.randint(101, 2804)}室"
    elif k < 0.85:
        tail = f"{r.choice(TOWNS)}{r.choice(VILLAGES)}{r.randint(1, 12)}组{r.randint(1, 200)}号"
    else:
        tail = f"{r.choice(ESTATES)}{r.randint(1, 30)}-{r.randint(1, 6)}-{r.randint(101, 1802)}"
    return head + tail


# ---------------------------------------------------------------------------
# KEPT fillers (never identifiers)
# ---------------------------------------------------------------------------

ABBR = ("浙", "杭西", "甬海", "温鹿", "江", "苏宁", "京朝", "沪浦")


def date_any(r: random.Random) -> str:
    y, m, d = r.randint(2015, 2026), r.randint(1, 12), r.randint(1, 28)
    return r.choice(
        (
            f"{y}年{m}月{d}日",
            f"{y}-{m:02d}-{d:02d}",
            f"{y}.{m:02d}.{d:02d}",
            f"{y}/{m}/{d}",
            f"{y}{m:02d}{d:02d}",
            f"{y}年{m}月{d}日{r.randint(8, 17)}时{r.randint(0, 59)}分",
            f"{y}年{m}月",
            f"{y}-{m:02d}-{d:02d} {r.randint(8, 17):02d}:{r.randint(0, 59):02d}",
            f"{y}-{m:02d}-{d:02d}T09:00:00+08:00",
        )
    )


def date_cn(r: random.Random) -> str:
    y, m, d = r.randint(2015, 2026), r.randint(1, 12), r.randint(1, 28)
    return f"{y}年{m}月{d}日"


def birth_cn(r: random.Random) -> str:
    y, m, d = _birth(r)
    return f"{y}年{m}月{d}日"


def case_number(r: random.Random) -> str:
    y = r.randint(2018, 2026)
    return r.choice(
        (
            f"{r.choice(ABBR)}检刑诉〔{y}〕{r.randint(1, 999)}号",
            f"{r.choice(ABBR)}检一部刑不诉〔{y}〕{r.randint(1, 99)}号",
            f"（{y}）浙{r.randint(100, 199):04d}刑初{r.randint(1, 2999)}号",
            f"({y})京0105刑初{r.randint(1, 999)}号",
            f"{r.choice(ABBR)}检刑建〔{y}〕{r.randint(1, 30)}号",
            f"（{y}）浙01刑终{r.randint(1, 500)}号",
        )
    )


def doc_number(r: random.Random) -> str:
    return r.choice(
        (
            "高检发释字〔2019〕4号",
            "法释〔2016〕19号",
            "国务院令第711号",
            "高检发〔2021〕3号",
            f"浙检发〔{r.randint(2018, 2026)}〕{r.randint(1, 60)}号",
            "主席令第十八号",
            f"公安部令第{r.randint(100, 170)}号",
            "京ICP备12345678号",
            f"浙公网安备330106020{r.randint(10000, 99999)}号",
        )
    )


def amount(r: random.Random) -> str:
    a = r.randint(1000, 99_999_999)
    return r.choice(
        (
            f"人民币{a:,}.{r.randint(0, 99):02d}元",
            f"{r.randint(1, 999)}.{r.randint(1, 9)}万元",
            f"{a}元",
            f"人民币{a:,}元",
            "人民币叁万伍仟元整",
            f"{r.randint(1, 99)}亿元",
            f"￥{a:,}.00",
            f"{a / 100:.2f}元",
        )
    )


def article(r: random.Random) -> str:
    return r.choice(
        (
            "第二百七十一条",
            "第二百六十四条",
            "第一百三十三条之一",
            f"第{r.randint(1, 452)}条",
            "第六十七条第三款",
            "第三百零三条",
            f"第{r.randint(1, 452)}条第{r.randint(1, 4)}款",
        )
    )


def credit_code(r: random.Random) -> str:
    region = r.choice(("330100", "330106", "330200", "320100", "440300", "110105"))
    kind = r.choice(("91", "91", "92", "93", "12", "52", "11"))
    if r.random() < 0.7:
        org = "MA" + "".join(r.choice(USCC_CHARS) for _ in range(7))
    else:
        org = "".join(r.choice("0123456789") for _ in range(9))
    first = kind + region + org
    return first + uscc_check_char(first)


def isbn(r: random.Random) -> str:
    core = f"9787{r.randint(100, 999)}{r.randint(10000, 99999)}"
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(core))
    full = core + str((10 - total % 10) % 10)
    return r.choice((f"ISBN {full[:3]}-{full[3]}-{full[4:8]}-{full[8:12]}-{full[12]}", f"ISBN{full}", full))


OFFICE_PHONE = "0571-87654321"
OFFICE_EMAIL = "jcy@hzxh.jcy.gov.cn"
OFFICE_ALLOW = ("12309", OFFICE_PHONE, OFFICE_EMAIL, "0571-12309000")


def office_phone(r: random.Random) -> str:
    return r.choice(
        (
            "0571-87654321",
            "0571 8765 4321",
            "(0571)87654321",
            "（0571）8765-4321",
            "０５７１－８７６５４３２１",
            "0571.8765.4321",
            "057187654321",
            "0571-12309000",
        )
    )


FILLERS: dict[str, Callable[[random.Random], str]] = {
    "name": name,
    "date": date_cn,
    "date_any": date_any,
    "birth": birth_cn,
    "case": case_number,
    "doc": doc_number,
    "amount": amount,
    "article": article,
    "credit": credit_code,
    "isbn": isbn,
    "court": lambda r: r.choice(COURTS),
    "police": lambda r: r.choice(POLICE),
    "proc": lambda r: r.choice(PROCS),
    "bank": lambda r: r.choice(BANKS),
    "n": lambda r: str(r.randint(1, 30)),
    "year": lambda r: str(r.randint(2015, 2026)),
    "pct": lambda r: f"{r.randint(1, 99)}.{r.randint(0, 9)}%",
    "time": lambda r: r.choice(("上午9时30分", "09:30", "14:00至17:30", "9:00-11:30", "下午3点")),
    "page": lambda r: r.choice(
        (f"第{r.randint(1, 300)}页", f"共{r.randint(1, 30)}页", f"卷宗第{r.randint(1, 9)}卷第{r.randint(1, 200)}页")
    ),
    "office": office_phone,
    "edu": lambda r: r.choice(("初中", "高中", "大学本科", "小学", "中专")),
    "zip": lambda r: f"3{r.randint(10000, 19999)}",
    "range": lambda r: (
        f"{r.randint(2019, 2026)}.{r.randint(1, 6):02d}.{r.randint(1, 28):02d}-"
        f"{r.randint(2019, 2026)}.{r.randint(7, 12):02d}.{r.randint(1, 28):02d}"
    ),
    "serial": lambda r: "".join(r.choice("0123456789") for _ in range(r.randint(20, 26))),
    "last4": lambda r: f"{r.randint(0, 9999):04d}",
    "reg15": lambda r: f"{r.choice(('330106', '330100', '320102', '440300'))}000{r.randint(0, 999999):06d}",
}

PLANTED: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "ID": ("id-number", id_written),
    "ID15": ("id-number", id15),
    "IDTYPO": ("id-number", id_typo),
    "MOB": ("mobile", mobile_written),
    "LAND": ("landline", landline_written),
    "CARD": ("bank-card", card_written),
    "CARDFREE": ("bank-card", lambda r: card_written(r, free=True)),
    "EMAIL": ("email", email_written),
    "PLATE": ("plate", plate_written),
    "PASSE8": ("passport", passport_e8),
    "PASS": ("passport", passport_ctx),
    "PERMIT": ("permit", permit_free),
    "PERMITCTX": ("permit", permit_ctx),
    "TW": ("permit", tw_permit),
    "ADDR": ("address", address),
}

# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------

POSITIVE = (
    # id-number
    "被告人{name}，男，{birth}出生，公民身份号码{ID}，汉族，{edu}文化，无业。",
    "犯罪嫌疑人{name}（身份证号：{ID}）于{date}被{police}刑事拘留，同年{n}月被依法逮捕。",
    "经查，{name}使用其本人身份证（号码{ID}）在多家网络平台注册账户，涉案金额{amount}。",
    "被害人{name}，女，身份证号码为{ID}，{birth}出生。",
    "{proc}依法审查查明：证人{name}，{ID}，系涉案公司财务人员。",
    "被不起诉人{name}，女，{birth}出生，居民身份证号码{ID}，{case}。",
    "附：当事人信息表——姓名{name}；证件号码：{ID}；案号{case}。",
    "{name}（曾用身份证号{ID15}）因涉嫌诈骗罪于{date}被取保候审。",
    "旧版身份证号码{ID15}已于{year}年换领为新证。",
    "犯罪嫌疑人{name}的身份证号{ID}，与其在{bank}开户时登记的信息一致。",
    "被告人{name}供述的公民身份号码{IDTYPO}与户籍信息不符。",
    "{name}（身份证号码：{IDTYPO}）于{date}到案。",
    # mobile
    "被害人{name}于{date}接到自称客服人员的电话，对方使用号码{MOB}与其联系。",
    "经调取通话记录，{name}的手机号码{MOB}在案发当日{time}与被告人有三次通话。",
    "{name}通过手机号{MOB}注册了{n}个网络账号，用于发布虚假广告。",
    "联系人：{name}，联系电话{MOB}，案件承办期限至{date}。",
    "通话详单显示，{date_any} {MOB}呼入，持续{n}分钟。",
    "被告人{name}使用手机（号码：{MOB}）向被害人发送诈骗短信{n}条，骗得{amount}。",
    "证人{name}（电话{MOB}）证实，{date}其在现场目睹了事件经过。",
    "涉案微信号绑定的手机号为{MOB}，实名登记人为{name}。",
    # landline
    "{name}所在单位的座机号码为{LAND}，案发期间多次接到催收电话。",
    "经核实，涉案公司对外公布的联系电话{LAND}系{name}私人办理。",
    "被害人{name}家中固定电话{LAND}于{date}接到诈骗电话。",
    "{name}供述，其使用固话{LAND}联系上线，约定交易时间为{time}。",
    # bank-card (context)
    "经查，{name}将赃款{amount}转入其名下银行卡号{CARD}内。",
    "被害人{name}通过{bank}借记卡{CARD}向对方转账{n}次，共计{amount}。",
    "{name}提供的收款账户为：开户行{bank}杭州分行，账号{CARD}。",
    "被告人{name}以其信用卡（卡号：{CARD}）套现{amount}。",
    "涉案资金经由{bank}储蓄卡{CARD}流转，{date}被依法冻结。",
    "{name}名下{bank}账户{CARD}于{date}收到{amount}。",
    "冻结{name}持有的银行卡，卡号{CARD}，冻结金额{amount}。",
    # bank-card (BIN only, no context word)
    "{name}随后将{amount}转入{CARDFREE}，次日全部取现。",
    "资金流水显示，{CARDFREE}在{date}向境外转出{amount}。",
    # email
    "{name}将涉案文件发送至其个人邮箱{EMAIL}，后又删除。",
    "被告人{name}使用电子邮箱{EMAIL}与境外人员联络。",
    "经勘验，注册邮箱为{EMAIL}的账户于{date}登录{n}次。",
    "{name}（邮箱：{EMAIL}）系涉案网站的实际控制人。",
    # plate
    "{date}，{name}驾驶车牌号为{PLATE}的小型轿车在{police}辖区内发生交通事故。",
    "{name}醉酒后驾驶{PLATE}号重型货车行驶至收费站被查获。",
    "经查，涉案车辆{PLATE}登记所有人为{name}。",
    "被告人{name}驾驶号牌为{PLATE}的电动汽车逃离现场。",
    # passport
    "{name}持中华人民共和国护照（号码{PASS}）于{date}出境。",
    "犯罪嫌疑人{name}，护照号{PASS}，{birth}出生。",
    "{name}出入境时使用的证件号码为{PASSE8}，案发后一直未归。",
    "经边检部门核查，{name}所持证件{PASSE8}已被宣布作废。",
    "{name}的passport No. {PASS}记载其于{date}入境。",
    # permit
    "{name}持往来港澳通行证{PERMIT}多次出入境。",
    "{name}所持港澳通行证号码{PERMITCTX}，签注有效期至{date}。",
    "被害人{name}系台湾居民，台胞证号码{TW}。",
    "{name}所持台湾居民来往大陆通行证号码{TW}，于{date}入境。",
    "证人{name}，香港居民，回乡证号码{PERMIT}。",
    "{name}（港澳居民来往内地通行证{PERMIT}）到案后如实供述。",
    # address
    "被告人{name}，男，{birth}出生，汉族，{edu}文化，住{ADDR}。",
    "被告人{name}，女，{birth}出生，户籍地{ADDR}，现住{ADDR}。",
    "犯罪嫌疑人{name}家住{ADDR}，{date}被抓获归案。",
    "被害人{name}，住所地：{ADDR}；{case}。",
    "{name}的现住址为{ADDR}。",
    "证人{name}（住{ADDR}）证实了上述事实。",
    "被不起诉人{name}，户籍所在地：{ADDR}\n案由：盗窃",
    "被告人{name}，{birth}出生，暂住{ADDR}，因涉嫌{article}所规定之罪被逮捕。",
    "{name}长期居住在{ADDR}，与被害人系邻居。",
    "当事人{name}，住址：{ADDR}，联系电话{MOB}。",
    # several at once
    "被告人{name}，男，{birth}出生，公民身份号码{ID}，住{ADDR}，手机{MOB}，{case}。",
    "{name}，身份证号{ID}，电话{MOB}，邮箱{EMAIL}，驾驶{PLATE}号小轿车。",
    "收款人{name}，账号{CARD}，开户行{bank}；联系电话{LAND}。",
    "通话记录显示：{MOB} {MOB}、{LAND}，均为{name}实际使用。",
    "登记表载明：{name}，{ID} {MOB}，{date}入住。",
    "{date_any} {LAND}呼出，通话{n}分钟。",
    "{name}平时住在{ADDR}，偶尔回老家。",
    "被害人{name}，{birth}出生，住{ADDR}，身份证号{ID}，银行卡号{CARD}，车牌{PLATE}。",
)

NEGATIVE = (
    "本院以{case}起诉书向{court}提起公诉，{court}于{date}作出判决。",
    "根据《中华人民共和国刑法》{article}的规定，被告人的行为已构成诈骗罪。",
    "涉案金额共计{amount}，已全部追缴并发还被害人。",
    "{date_any}，{proc}依法作出不起诉决定（{case}）。",
    "依据{doc}，本院对案件信息予以公开。",
    "涉案公司（统一社会信用代码{credit}）已于{date}注销。",
    "{name}所在企业统一社会信用代码为{credit}，注册资本{amount}。",
    "如对本决定不服，可拨打检察服务热线12309反映，或登录12309中国检察网。",
    "本院控告申诉接待电话：{office}，接待时间为工作日{time}。",
    "来访群众可致电{office}或发送邮件至jcy@hzxh.jcy.gov.cn咨询。",
    "{year}年全年共受理案件{n}件，同比上升{pct}，结案率{pct}。",
    "该案卷宗{page}，证据材料{page}。",
    "参考文献：《刑事诉讼法学》，{isbn}，{year}年版，{page}。",
    "被告人因病住院治疗期间，{proc}依法变更强制措施。",
    "被告人户籍地与居住地为本市，符合社区矫正条件。",
    "居住地为本市的，由居住地社区矫正机构负责执行。",
    "{proc}向市住房和城乡建设局发出检察建议书（{case}）。",
    "住建部门于{date}回复称已完成整改。",
    "被告人在入住酒店后抓住时机实施盗窃，住宿费共计{amount}。",
    "被害人记住了犯罪嫌疑人的体貌特征，协助公安机关保住了关键证据。",
    "犯罪嫌疑人系外来务工人员，在本市居住{n}年，持有居住证。",
    "本案由犯罪地或者被告人住所地人民法院管辖。",
    "被告人住所地的基层人民法院对该案有管辖权。",
    "案件移送被告人户籍地公安机关处理。",
    "会议于{date_any}在{proc}第一会议室召开，{time}结束。",
    "《最高人民法院关于人民法院在互联网公布裁判文书的规定》（{doc}）第十条规定了应删除的信息。",
    "截至{date}，累计挽回经济损失{amount}，占涉案总额的{pct}。",
    "{proc}地址：杭州市西湖区学院路{n}号，邮编{zip}。",
    "本网站备案号：{doc}，{doc}。",
    "开庭时间定于{date_any}，地点为{court}第{n}法庭。",
    "公诉人{name}出庭支持公诉，书记员{name}担任记录。",
    "根据{doc}和刑法{article}，决定对{name}不起诉。",
    "{year}年度检察工作报告显示，全院共办理审查逮捕案件{n}件{n}人。",
    "本条第{n}款规定的期限自{date}起计算，最长不超过{n}个月。",
    "被告人退赔{amount}，取得被害人谅解，依法可以从轻处罚。",
    "住房公积金管理中心配合调取了相关材料。",
    "犯罪嫌疑人暂住证已过期，户籍所在地派出所出具了证明。",
    "检察开放日活动于{date_any}举行，报名电话{office}，名额{n}人。",
    "涉案车辆已依法扣押，扣押清单编号{year}-{n}。",
    "二〇二六年三月一日，本院召开新闻发布会。",
    "《公民身份号码》（GB 11643-1999）和GB 32100-2015规定了校验码的计算方法。",
    "专项活动时间为{range}，共开展宣传{n}场。",
    "报警请拨110，急救请拨120，政务服务热线12345，反诈专线96110。",
    "经调取交易流水号{serial}的记录，未发现异常。",
    "被害人仅能记起银行卡尾号{last4}，卡号后四位与其陈述一致。",
    "账户余额{amount}，冻结期限{n}个月。",
    "该公司原营业执照注册号{reg15}，现已换发统一社会信用代码{credit}。",
    "第{n}页 共{n}页 {date_any}",
    "{year}—{year}年度，全市检察机关共起诉{n}人。",
)

_SLOT_RE = re.compile(r"\{(\w+)\}")


class Sample(NamedTuple):
    text: str
    spans: tuple[tuple[int, int, str], ...]  # (start, end, rule), sorted
    allow: tuple[str, ...]
    negative: bool


def _fill(template: str, r: random.Random) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = last = 0
    for m in _SLOT_RE.finditer(template):
        lit = template[last : m.start()]
        parts.append(lit)
        pos += len(lit)
        key = m.group(1)
        if key in PLANTED:
            rule, gen = PLANTED[key]
            value = gen(r)
            spans.append((pos, pos + len(value), rule))
        else:
            value = FILLERS[key](r)
        parts.append(value)
        pos += len(value)
        last = m.end()
    parts.append(template[last:])
    return "".join(parts), tuple(spans)


def generate(seed: int = 20260301, positives: int = 2400, negatives: int = 1200) -> list[Sample]:
    """The labelled corpus: ``positives`` sentences with planted identifiers
    (every template at least once) and ``negatives`` with none."""
    r = random.Random(seed)
    out: list[Sample] = []
    for i in range(positives):
        t = POSITIVE[i] if i < len(POSITIVE) else r.choice(POSITIVE)
        text, spans = _fill(t, r)
        out.append(Sample(text, spans, OFFICE_ALLOW, False))
    for i in range(negatives):
        t = NEGATIVE[i] if i < len(NEGATIVE) else r.choice(NEGATIVE)
        text, spans = _fill(t, r)
        assert not spans
        out.append(Sample(text, (), OFFICE_ALLOW, True))
    return out


# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------


class Score(NamedTuple):
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(samples: list[Sample]) -> tuple[dict[str, Score], list[tuple[Sample, list[tuple[int, int, str]]]]]:
    """Per-rule scores (exact span and rule) and the samples that went wrong."""
    from generator.privacy.detectors import RULES, detect

    counts = {rule: [0, 0, 0] for rule in RULES}
    wrong = []
    for s in samples:
        got = {(d.start, d.end, d.rule) for d in detect(s.text, allow=s.allow)}
        want = set(s.spans)
        for _a, _b, rule in got & want:
            counts[rule][0] += 1
        for _a, _b, rule in got - want:
            counts[rule][1] += 1
        for _a, _b, rule in want - got:
            counts[rule][2] += 1
        if got != want:
            wrong.append((s, sorted(got)))
    return {k: Score(*v) for k, v in counts.items()}, wrong


def throughput(samples: list[Sample], repeat: int = 3) -> dict[str, float]:
    """MB/s (UTF-8) of detect() over the corpus, sentence by sentence and as
    one long body, and over identifier-free prose."""
    from generator.privacy.detectors import detect

    texts = [s.text for s in samples]
    plain = [s.text for s in samples if s.negative]
    body = "\n".join(texts)
    prose = "\n".join(plain * 4)
    result = {}
    for label, fn, size in (
        ("sentences", lambda: [detect(t, allow=OFFICE_ALLOW) for t in texts], sum(len(t.encode()) for t in texts)),
        ("one body", lambda: detect(body, allow=OFFICE_ALLOW), len(body.encode())),
        ("plain prose", lambda: detect(prose), len(prose.encode())),
    ):
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        result[label] = size / best / 1e6
    return result


def table(samples: list[Sample]) -> str:
    scores, _ = evaluate(samples)
    pos = sum(1 for s in samples if not s.negative)
    neg = len(samples) - pos
    lines = [
        f"Corpus: {pos} positive sentences, {neg} negative sentences (seed 20260301).",
        "",
        "| rule | planted | TP | FP | FN | precision | recall |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for rule, sc in scores.items():
        lines.append(
            f"| {rule} | {sc.tp + sc.fn} | {sc.tp} | {sc.fp} | {sc.fn} | {sc.precision:.4f} | {sc.recall:.4f} |"
        )
    neg_hits = sum(1 for s in samples if s.negative and _detects(s))
    lines += ["", f"Negative sentences with any detection: {neg_hits} of {neg}."]
    return "\n".join(lines)


def _detects(s: Sample) -> bool:
    from generator.privacy.detectors import detect

    return bool(detect(s.text, allow=s.allow))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.privacy_corpus", description=__doc__.split("\n\n")[0])
    p.add_argument("--table", action="store_true", help="print the precision/recall table (Markdown)")
    p.add_argument("--bench", action="store_true", help="print throughput in MB/s")
    p.add_argument("--errors", action="store_true", help="print the sentences where detection differs")
    p.add_argument("--sample", type=int, default=0, help="print N sentences of the corpus")
    args = p.parse_args(argv)
    samples = generate()
    if args.sample:
        for s in samples[: args.sample]:
            print(("NEG " if s.negative else "POS ") + s.text.replace("\n", "\\n"), s.spans)
    if args.table:
        print(table(samples))
    if args.errors:
        _, wrong = evaluate(samples)
        for s, got in wrong:
            print(repr(s.text), "\n   want", list(s.spans), "\n   got ", got)
    if args.bench or args.table:
        tp = throughput(samples)
        print()
        print("Throughput of detect() (best of 3, MB/s of UTF-8):", ", ".join(f"{k} {v:.1f}" for k, v in tp.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
