"""Privacy filter stage, part 1: the identifier detectors.

The privacy filter turns every record into a ``PublicRecord``; before it can
remove personal identifiers it has to find them. This module finds them in one
string at a time and knows nothing about records: ``detect(text)`` returns the
spans (offsets into the ORIGINAL text) of resident ID numbers, mobile and
landline numbers, bank cards, e-mail addresses, vehicle plates, passports,
Hong Kong/Macau/Taiwan permits and home addresses, sorted and non-overlapping;
``mask(value)`` gives the form a report may print. Detection runs on a
normalised copy of the text (NFKC per character, Chinese digit runs read as
digits, separators tolerated between digits) whose offsets are mapped back to
the original, so full-width digits, ``…`` and the like never shift a span.
How each detector works and what it deliberately keeps is in
docs/privacy-detectors.md.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from .patterns import one_of

__all__ = ["RULES", "Detection", "detect", "mask"]

RULES = (
    "id-number",
    "mobile",
    "landline",
    "bank-card",
    "email",
    "plate",
    "passport",
    "permit",
    "address",
)


@dataclass(frozen=True, slots=True)
class Detection:
    start: int  # offset into the ORIGINAL text (not the normalised one)
    end: int
    rule: str  # one of RULES
    text: str  # the original substring text[start:end]


# ---------------------------------------------------------------------------
# Normalisation: NFKC per character, with an offset map back to the original.
# ---------------------------------------------------------------------------


def _build_nfkc_tables() -> tuple[dict[int, str], dict[str, str]]:
    """1:1 NFKC replacements (for str.translate) and the length-changing ones."""
    one: dict[int, str] = {}
    multi: dict[str, str] = {}
    planes = (
        range(0x00A0, 0xD800),
        range(0xF900, 0x10000),
        range(0x1D400, 0x1D800),  # mathematical letters and digits
        range(0x1F100, 0x1F200),  # enclosed alphanumerics
        range(0x2F800, 0x2FA20),  # CJK compatibility ideographs
    )
    for block in planes:
        for cp in block:
            c = chr(cp)
            r = unicodedata.normalize("NFKC", c)
            if r == c:
                continue
            if unicodedata.category(c) != "Nd" and any(d.isdigit() for d in r):
                # ①, ², ½, ㎡, ⒈: list markers and units, not digits of a
                # number; left alone so '①13912345678' stays 11 digits
                continue
            if len(r) == 1:
                one[cp] = r
            elif r:
                multi[c] = r
    return one, multi


def _char_class(chars: Sequence[str]) -> str:
    cps = sorted({ord(c) for c in chars})
    out: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = cps[i], cps[j]
        out.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
        i = j + 1
    return "[" + "".join(out) + "]"


_NFKC_ONE, _NFKC_MULTI = _build_nfkc_tables()
_EXPAND_RE = re.compile(_char_class(list(_NFKC_MULTI)))

# Separators tolerated between digits (after NFKC): spaces, zero-width and soft
# hyphen, hyphens and dashes, dots, middle dots.
_SEP_CHARS = " \t\u00a0\u00ad\u2000-\u200d\u2060\ufeff\u3000\\-\u2010-\u2015\u2212\ufe58\ufe63.\u00b7\u2022\u30fb"
_SEP = "[" + _SEP_CHARS + "]"
_SEP_RE = re.compile(_SEP)

# Chinese digits written one by one (一三九一二三四五六七八): a run of 7 or more
# is read as a number; 十/百/千 never are, so statute articles and amounts in
# words stay what they are.
_CN_DIGITS = "〇○零一二三四五六七八九幺"
_CN_TABLE = str.maketrans({c: d for c, d in zip(_CN_DIGITS, "0001234567891", strict=True)})
_CN_RUN_RE = re.compile(f"[{_CN_DIGITS}](?:{_SEP}?[{_CN_DIGITS}]){{6,}}")

_MASKED = "\ue000"  # stands for allowed text in the working copy


class _Normalised:
    """The working copy of a text and the map from its offsets to the original."""

    __slots__ = ("text", "_seg_n", "_seg_o", "_seg_x")

    def __init__(self, original: str) -> None:
        t = original.translate(_NFKC_ONE)
        self._seg_n: list[int] | None = None
        self._seg_o: list[int] = []
        self._seg_x: list[bool] = []
        if _EXPAND_RE.search(t) is not None:
            t = self._expand(t)
        if _CN_RUN_RE.search(t) is not None:
            t = _CN_RUN_RE.sub(lambda m: m.group().translate(_CN_TABLE), t)
        self.text = t

    def _expand(self, t: str) -> str:
        pieces: list[str] = []
        seg_n, seg_o, seg_x = [0], [0], [False]
        last = npos = 0
        for m in _EXPAND_RE.finditer(t):
            i = m.start()
            if i > last:
                pieces.append(t[last:i])
                npos += i - last
            r = _NFKC_MULTI[t[i]]
            seg_n.append(npos)
            seg_o.append(i)
            seg_x.append(True)
            pieces.append(r)
            npos += len(r)
            last = i + 1
            seg_n.append(npos)
            seg_o.append(last)
            seg_x.append(False)
        pieces.append(t[last:])
        self._seg_n, self._seg_o, self._seg_x = seg_n, seg_o, seg_x
        return "".join(pieces)

    def _orig(self, p: int) -> int:
        if self._seg_n is None:
            return p
        k = bisect_right(self._seg_n, p) - 1
        if self._seg_x[k]:
            return self._seg_o[k]
        return self._seg_o[k] + p - self._seg_n[k]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span covering the normalised span [start, end)."""
        return self._orig(start), self._orig(end - 1) + 1


def _normalise_value(value: str) -> str:
    t = value.translate(_NFKC_ONE)
    return "".join(_NFKC_MULTI.get(c, c) for c in t)


# ---------------------------------------------------------------------------
# Check digits and plausibility
# ---------------------------------------------------------------------------

# First two digits of a resident ID: the province-level divisions (GB/T 2260),
# plus 81/82/83 (residence permits of Hong Kong, Macau and Taiwan residents).
# Deliberately NOT the county-level list: it changes every year.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _date_ok(y: int, m: int, d: int) -> bool:
    if not (1 <= m <= 12 and 1 <= d <= _DAYS[m]):
        return False
    if m == 2 and d == 29:
        return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return True


def id18_plausible(s: str) -> bool:
    """Province and birth date of an 18-character ID (check digit not tested)."""
    if len(s) != 18 or s[:2] not in _PROVINCES or not s[:17].isdigit() or s[17] not in "0123456789Xx":
        return False
    y = int(s[6:10])
    return 1900 <= y <= 2099 and _date_ok(y, int(s[10:12]), int(s[12:14]))


def id18_valid(s: str) -> bool:
    """GB 11643 check digit, province and birth date of an 18-character ID."""
    if not id18_plausible(s):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == s[17].upper()


def id15_valid(s: str) -> bool:
    """Old 15-digit ID: province, then YYMMDD (19YY) and a 3-digit sequence."""
    return (
        len(s) == 15
        and s.isdigit()
        and s[:2] in _PROVINCES
        and _date_ok(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    )


_LUHN_DOUBLE = str.maketrans("0123456789", "0246813579")  # digit sum of 2*d


def luhn_valid(s: str) -> bool:
    """Luhn check of a string of ASCII digits (C-speed: it runs very often)."""
    plain = s[-1::-2]
    doubled = s[-2::-2].translate(_LUHN_DOUBLE)
    return (sum(plain.encode()) + sum(doubled.encode()) - 48 * len(s)) % 10 == 0


def uscc_valid(s: str) -> bool:
    """GB 32100 check character of an 18-character unified social credit code."""
    s = s.upper()
    if len(s) != 18 or any(c not in _USCC_CHARS for c in s):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(s[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == s[17]


# ---------------------------------------------------------------------------
# Patterns (all on the normalised text)
# ---------------------------------------------------------------------------

_RUN_RE = re.compile(r"(?<![A-Za-z0-9])(\+)?[0-9]++(?:" + _SEP + r"{1,3}+[0-9]++)*+[Xx]?+(?![A-Za-z0-9])")
_DIGITS_RE = re.compile(r"[0-9]+")
_AREA_RE = re.compile(r"0(?:10|2[0-9]|[3-9][0-9]{2})")
_AREA_NO0_RE = re.compile(r"(?:10|2[0-9]|[3-9][0-9]{2})")
_LAND_SINGLE_RE = re.compile(r"0(?:10|2[0-9])[1-9][0-9]{7}|0[3-9][0-9]{2}[1-9][0-9]{6,7}")
_PAREN_LAND_RE = re.compile(
    r"(?<![0-9])(?:(?:\+|00)86[ \-]?\(\s?0?|\(\s?0)(?:10|2[0-9]|[3-9][0-9]{2})\s?\)[ \-]?"
    r"[1-9](?:" + _SEP + r"?[0-9]){6,7}(?![0-9])"
)
_EXT_RE = re.compile(r"(?:" + _SEP + r"?(?:转|分机|ext\.?|EXT\.?|Ext\.?)\s?)[0-9]{1,5}(?![0-9])")
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62})(?:\.[A-Za-z0-9][A-Za-z0-9\-]{0,62})*\.[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9\-])"
)
_PLATE_RE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-Z][ \u00b7\u2022\u30fb\-]?"
    r"(?P<serial>[A-Z0-9]{5,6}|[A-Z0-9]{4}[挂学警港澳领试超])(?![A-Za-z0-9])"
)
_PASSPORT_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<free>E[0-9]{8})|(?P<ctx>[EGDSP][0-9]{8}|[EDSP][A-Z][0-9]{7}|[DSP][0-9]{7}))"
    r"(?![A-Za-z0-9])"
)
_PERMIT_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<free>[CHM][0-9]{8}|[HM][0-9]{10})|(?P<ctx>C[A-Z][0-9]{7}))"
    r"(?![A-Za-z0-9])"
)

_AMOUNT_BEFORE_RE = re.compile(r"(?:人民币|RMB|CNY|[¥￥$]|金额|价值|共计|合计)\s?(?:约|计|为)?\s?$")
_AMOUNT_AFTER_RE = re.compile(r"\s?(?:余|多)?(?:元|万元|亿元|美元|港元|港币|欧元|块)")
_CARD_CTX_RE = re.compile(r"卡号|账号|帐号|账户|帐户|银行|开户|借记卡|信用卡|储蓄卡|存折|卡|card|account", re.I)
_CREDIT_CTX_RE = re.compile(r"信用代码|机构代码|纳税人识别号|识别号|税号|注册号|营业执照|工商登记|登记证")
_PASSPORT_CTX_RE = re.compile(r"护照|passport", re.I)
_PERMIT_CTX_RE = re.compile(r"通行证|回乡证|台胞证|往来|来往|港澳|台湾|permit", re.I)
_TW_CTX_RE = re.compile(r"台胞证|台湾居民来往大陆通行证|台湾通行证|台湾居民")
_ID_CTX_RE = re.compile(r"身份证|身份号码|证件号|居民身份|\bID\b|\bid[ _\-]?(?:no|number|card)", re.I)
_CARD_W, _CREDIT_W, _PASSPORT_W, _PERMIT_W, _TW_W, _ID_W = 12, 24, 16, 16, 16, 16

_ADDR_RE = re.compile(
    r"(?:家庭住址|家庭地址|现住址|现住所|现住地|现居住地|经常居住地|户籍地址|户籍所在地|户口所在地|户籍地"
    r"|住所地|居住地址|居住地|暂住地|居住于|居住在|家住|现住|暂住|住址"
    r"|(?<![抓记保留挡拦稳站按顶扣困包守憋忍捂堵封截止卡居入])住[在于]"
    r"|(?<![\u3400-\u9fff])住所?)"
    r"[\s:]*(?:为|在|于|是)?[\s:]*"
    r"(?P<a>(?:(?!电话|手机|联系|身份证|邮箱|电子邮|的|期间|微信|QQ)"
    r"[^\s,，。;；、)）(（!！?？:：|\"“”《》【】<>\[\]\ue000]){2,60})"
)
# What follows the keyword but is no address: 住院, 住房, 住宿, 住建局, 住址同上,
# 居住地为本市 ... (place names that start alike are spared: 宿迁, 房山, 建德).
_ADDR_BAD_START_RE = re.compile(
    r"[该其此这那哪每各何了过着在于为是个里边附不未所址处宅户一院及与或并等]"
    r"|宿(?![迁州松])|房(?!山)|建(?![德瓯湖水平宁阳始昌])|同(?:上|前|户|住|现|一)"
)

# What an address looks like (issue 8): the text after the keyword must START
# with a place written the way addresses are written, not merely contain a
# unit character somewhere (居住在本行政区域内, 户籍所在地接受社区戒毒,
# 住所地、经常居住地在两个以上人民法院辖区的 are law, not addresses):
#   * two named administrative units in a row: 杭州市西湖区, 温州市苍南县灵溪镇;
#   * or one named unit (or 本市) followed by a named road, street, lane,
#     village or estate: 杭州市文三路, 本市西湖区..., 东湖区柳岸小区;
#   * or a named road/street/village/estate followed by a number: 文三路100号,
#     城东村5组, 锦绣花园3-2-501;
#   * or a house number with its unit right at the start: 18号楼3单元.
# A "name" is 1-7 Chinese characters without function words (的和或与及在以上
# 个等内外之其该此) and without 行政/地区-like generic words.
_NAME = r"(?:(?!以[上下]|[的和或与及在个等内外之其该此各每地域境辖])[\u4e00-\u9fff]){1,7}?"
_ADMIN = one_of("省 自治区 特别行政区 自治州 地区 盟 市 新区 区 自治县 县 旗 街道 镇 乡 苏木")
_PLACE = one_of("大道 大街 胡同 社区 小区 新村 花园 家园 公寓 名府 大厦 广场 苑 路 街 巷 弄 里 村 屯 庄 组 湾 坊")
_NUMBER = r"(?:[0-9]+|[一二三四五六七八九十百零〇]+)"
_UNIT = one_of("号楼 号院 号 弄 栋 幢 单元 室 层 楼 组 排 座")
_HOUSE = rf"(?:{_NUMBER}\s*{_UNIT}|[0-9]+(?:-[0-9]+){{1,3}})"
_ADMIN_TOKEN = rf"(?:(?:本|该|原)[省市县区]|{_NAME}{_ADMIN}(?![域级内外的]))"
_ADDR_SHAPE_RE = re.compile(
    rf"(?:{_ADMIN_TOKEN}){{2,}}"
    rf"|{_ADMIN_TOKEN}{_NAME}{_PLACE}"
    rf"|(?:{_ADMIN_TOKEN})?{_NAME}{_PLACE}\s*{_HOUSE}"
    rf"|{_HOUSE}"
)

# Every detection contains one of these (after normalisation).
_MAYBE_RE = re.compile(r"[0-9A-Z@住户]")

# Weight per digit of a reading of a run of digits. Weak: no check digit
# (15-digit IDs) or no context word (cards recognised by their BIN only).
_W_ID, _W_ID_CTX, _W_CARD, _W_PHONE, _W_WEAK, _W_OLD = 8, 7, 6, 4, 3, 2


def _ctx(rx: re.Pattern[str], s: str, pos: int, width: int) -> bool:
    return rx.search(s, max(0, pos - width), pos) is not None


def _old_id_like(lengths: Sequence[int]) -> bool:
    return len(lengths) == 1 or list(lengths) in ([6, 6, 3], [6, 9])


def _card_like(lengths: Sequence[int]) -> bool:
    if len(lengths) == 1:
        return True
    if len(lengths) == 2 and lengths[0] == 6:
        return True
    return all(g == 4 for g in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _scan_runs(n: str, out: list[tuple[int, int, str, int]]) -> None:
    """IDs, mobiles, landlines, bank cards and 台胞证 numbers: runs of digits.

    A run is digits joined by up to three separators. An identifier must start
    and end on the run's group boundaries, so '2026-03-01 13912345678' still
    yields the mobile and '139 1234 5678' is one mobile. Where readings of a
    run overlap, the set of readings that covers the most digits (weighted by
    how strong each check is) wins.
    """
    for m in _RUN_RE.finditer(n):
        if m.end() - m.start() >= 8:
            _read_run(n, m.start(), m.end(), m.group(1) is not None, out)


def _read_run(n: str, s0: int, e0: int, plus: bool, out: list[tuple[int, int, str, int]]) -> None:
    """The readings of one run of digits n[s0:e0] (``plus``: it starts with '+')."""
    groups = [g.span() for g in _DIGITS_RE.finditer(n, s0, e0)]
    digits = [n[a:b] for a, b in groups]
    ng = len(groups)
    has_x = n[e0 - 1] in "Xx"
    # context words anywhere near the run? (else skip the per-group checks)
    any_card = _CARD_CTX_RE.search(n, max(0, s0 - _CARD_W), e0) is not None
    any_credit = _CREDIT_CTX_RE.search(n, max(0, s0 - _CREDIT_W), e0) is not None
    any_tw = _TW_CTX_RE.search(n, max(0, s0 - _TW_W), e0) is not None
    any_id = _ID_CTX_RE.search(n, max(0, s0 - _ID_W), e0) is not None

    def id_ctx(pos: int) -> bool:
        return any_id and _ctx(_ID_CTX_RE, n, pos, _ID_W)

    # an amount of money (人民币13800138000元, ¥ 13 800 138 000) is no phone number
    amount = _AMOUNT_BEFORE_RE.search(n, max(0, s0 - 6), s0) is not None or _AMOUNT_AFTER_RE.match(n, e0) is not None

    # ending group -> [(weight, first group, start, end, rule)]
    ends: dict[int, list[tuple[int, int, int, int, str]]] = {}

    def add(weight: int, gi: int, gj: int, start: int, end: int, rule: str) -> None:
        ends.setdefault(gj, []).append((weight, gi, start, end, rule))

    for i in range(ng):
        first = digits[i]
        dstart = groups[i][0]
        start = s0 if (i == 0 and plus and first.startswith("86")) else dstart  # '+86
        credit = any_credit and _ctx(_CREDIT_CTX_RE, n, dstart, _CREDIT_W)
        card_ctx: bool | None = None
        area = _AREA_RE.fullmatch(first) is not None
        c86 = (first == "86" or first == "0086") and i + 1 < ng and _AREA_NO0_RE.fullmatch(digits[i + 1]) is not None
        acc = ""
        for j in range(i, ng):
            acc += digits[j]
            size = len(acc)
            if size > 19:
                break
            end = groups[j][1]
            if has_x and j == ng - 1:
                # digits glued to a final X read only as an ID
                if size == 17:
                    full = acc + n[e0 - 1]
                    if not (credit and uscc_valid(full)):
                        if id18_valid(full):
                            add(18 * _W_ID, i, j, dstart, e0, "id-number")
                        elif id_ctx(dstart) and id18_plausible(full):
                            add(18 * _W_ID_CTX, i, j, dstart, e0, "id-number")
                break
            if size < 8:
                continue
            if size == 18:
                if credit and uscc_valid(acc):
                    continue
                if id18_valid(acc):
                    add(18 * _W_ID, i, j, dstart, end, "id-number")
                elif id_ctx(dstart) and id18_plausible(acc):
                    # a wrong check digit (a typo, a made-up example) but
                    # the text says it is an ID number
                    add(18 * _W_ID_CTX, i, j, dstart, end, "id-number")
            elif (
                size == 15
                and not credit  # 15-digit business/tax registration numbers
                and id15_valid(acc)
                and _old_id_like([b - a for a, b in groups[i : j + 1]])
            ):
                add(15 * _W_OLD, i, j, dstart, end, "id-number")
            if (
                size >= 16
                and acc[0] != "0"  # no card number starts with 0
                and (any_card or acc.startswith(("62", "4", "5")))
                and luhn_valid(acc)
            ):
                if card_ctx is None:
                    card_ctx = any_card and _ctx(_CARD_CTX_RE, n, dstart, _CARD_W)
                if card_ctx:
                    add(size * _W_CARD, i, j, dstart, end, "bank-card")
                elif acc.startswith(("62", "4", "5")) and _card_like([b - a for a, b in groups[i : j + 1]]):
                    add(size * _W_WEAK, i, j, dstart, end, "bank-card")
            if amount:
                continue
            if size == 11:
                if acc[0] == "1" and acc[1] in "3456789":
                    add(11 * _W_PHONE, i, j, dstart, end, "mobile")
            elif size == 13:
                # a country prefix counts one point per digit: it is no evidence
                if first.startswith("86") and acc[2] == "1" and acc[3] in "3456789":
                    add(11 * _W_PHONE + 2, i, j, start, end, "mobile")
            elif size == 15:
                if first.startswith("0086") and acc[4] == "1" and acc[5] in "3456789":
                    add(11 * _W_PHONE + 4, i, j, start, end, "mobile")
            elif (size == 8 or size == 10) and any_tw and _ctx(_TW_CTX_RE, n, dstart, _TW_W):
                add(size * _W_PHONE, i, j, dstart, end, "permit")
            # landlines: area code as its own group, or one unbroken group
            land = False
            lstart, prefix = dstart, 0
            if area and j > i:
                rest = size - len(first)
                land = 7 <= rest <= 8 and acc[len(first)] != "0"
            elif j == i:
                land = _LAND_SINGLE_RE.fullmatch(acc) is not None
            elif c86 and j > i + 1:
                skip = len(first) + len(digits[i + 1])
                land = 7 <= size - skip <= 8 and acc[skip] != "0"
                lstart, prefix = start, len(first)
            if land:
                weight = (size - prefix) * _W_PHONE + prefix
                add(weight, i, j, lstart, end, "landline")
                if j + 1 < ng and len(digits[j + 1]) <= 5 and "-" in n[end : groups[j + 1][0]]:
                    weight += len(digits[j + 1]) * _W_PHONE
                    add(weight, i, j + 1, lstart, groups[j + 1][1], "landline")
    if not ends:
        return
    # weighted interval scheduling over the groups of the run
    best = [0] * (ng + 1)
    pick: list[tuple[int, int, int, int, str] | None] = [None] * (ng + 1)
    for g in range(ng):
        best[g + 1] = best[g]
        for cand in ends.get(g, ()):
            v = best[cand[1]] + cand[0]
            if v > best[g + 1]:
                best[g + 1] = v
                pick[g + 1] = cand
    g = ng
    while g > 0:
        chosen = pick[g]
        if chosen is None:
            g -= 1
            continue
        _w, gi, a, b, rule = chosen
        if rule == "landline":
            ext_m = _EXT_RE.match(n, b)
            if ext_m is not None:
                b = ext_m.end()
        out.append((a, b, rule, 1))
        g = gi


def _scan_patterns(n: str, out: list[tuple[int, int, str, int]]) -> None:
    if "@" in n:
        for m in _EMAIL_RE.finditer(n):
            out.append((m.start(), m.end(), "email", 0))
    if "(" in n:
        for m in _PAREN_LAND_RE.finditer(n):
            b = m.end()
            ext = _EXT_RE.match(n, b)
            if ext:
                b = ext.end()
            out.append((m.start(), b, "landline", 1))
    for m in _PLATE_RE.finditer(n):
        serial = m.group("serial")
        if sum(c.isdigit() for c in serial) >= 3:
            out.append((m.start(), m.end(), "plate", 1))
    for m in _PASSPORT_RE.finditer(n):
        if m.group("free") or _ctx(_PASSPORT_CTX_RE, n, m.start(), _PASSPORT_W):
            out.append((m.start(), m.end(), "passport", 1))
    for m in _PERMIT_RE.finditer(n):
        if m.group("free") or _ctx(_PERMIT_CTX_RE, n, m.start(), _PERMIT_W):
            out.append((m.start(), m.end(), "permit", 1))
    if "住" in n or "户" in n:
        for m in _ADDR_RE.finditer(n):
            a = m.group("a").rstrip()
            if len(a) < 3 or _ADDR_BAD_START_RE.match(a):
                continue
            if _ADDR_SHAPE_RE.match(a) is not None:
                s = m.start("a")
                out.append((s, s + len(a), "address", 2))


def _resolve(cands: list[tuple[int, int, str, int]], size: int) -> list[tuple[int, int, str]]:
    """Non-overlapping selection: e-mail, then the other identifiers, then
    addresses (an address is cut around an identifier inside it). Linear in
    the total length of the candidates."""
    cands.sort(key=lambda c: (c[3], c[0] - c[1], c[0]))
    taken = bytearray(size)
    chosen: list[tuple[int, int, str]] = []

    def put(a: int, b: int, rule: str) -> None:
        taken[a:b] = b"\x01" * (b - a)
        chosen.append((a, b, rule))

    for a, b, rule, prio in cands:
        hit = taken.find(1, a, b)
        if hit < 0:
            put(a, b, rule)
        elif prio == 2:  # address: keep the parts not taken by another detection
            pos = a
            while pos < b:
                hit = taken.find(1, pos, b)
                stop = b if hit < 0 else hit
                if stop - pos >= 3:
                    put(pos, stop, rule)
                if hit < 0:
                    break
                free = taken.find(0, hit, b)
                pos = b if free < 0 else free
    chosen.sort()
    return chosen


# ---------------------------------------------------------------------------
# Allow list
# ---------------------------------------------------------------------------


# The allow regex tries every allowed value at every position of a text; most texts hold
# none.  Before it runs, a cheap necessary condition: the text's *projection* (its ASCII
# digits, ASCII letters lower-cased and CJK ideographs, in order; everything else left
# out) contains the projection of an allowed value.  Whatever the regex matches projects
# to the value's projection: the separators it tolerates between characters are left
# out; a digit or an ideograph matches only itself; the only characters that match an
# ASCII letter under IGNORECASE are the other case and the four listed by the re
# documentation (İ ı ſ K), which project to that letter.
_PROJECT_KEEP = "0-9A-Za-z\u0130\u0131\u017f\u212a\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PROJECT_DROP = re.compile(f"[^{_PROJECT_KEEP}]+")
_LETTER_EQUIVALENTS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_MIN_PROJECTION = 2


def _project(text: str) -> str:
    return _PROJECT_DROP.sub("", text).translate(_LETTER_EQUIVALENTS).lower()


@lru_cache(maxsize=64)
def _allow_regex(allow: tuple[str, ...]) -> tuple[re.Pattern[str] | None, ahocorasick.Automaton | None]:
    """The regex of allowed values and the automaton of their projections (None: the
    regex runs on every text, as when a value has too short a projection)."""
    flex = "[" + _SEP_CHARS + "()]{0,3}"
    parts: list[tuple[int, str]] = []
    bodies: list[str] = []
    projections: set[str] = set()
    prefilter = True
    for value in allow:
        key = _SEP_RE.sub("", _normalise_value(str(value))).strip()
        if len(key) < 3:
            # "0" ... "9" would allow every digit: configuration rejects such values,
            # and the detector never lets them switch detection off
            continue
        body = flex.join(re.escape(c) for c in key)
        forms = [key]
        if key.isdigit() and (len(key) == 11 and key[0] == "1" or len(key) >= 10 and key[0] == "0"):
            # a public phone number may also be written internationally:
            # +86 571 1230 9000, 0086-139...
            national = key[1:] if key[0] == "0" else key
            intl = flex.join(re.escape(c) for c in national)
            body = f"(?:(?:\\+|00)86{flex}{intl}|{body})"
            forms.append(national)
        for form in forms:
            projected = _project(form)
            if len(projected) < _MIN_PROJECTION:
                prefilter = False
            projections.add(projected)
        pre = post = ""
        if key[0].isascii() and key[0].isalnum():
            pre = "(?<![A-Za-z0-9])"
        if key[-1].isascii() and key[-1].isalnum():
            post = "(?![A-Za-z0-9])"
        if len(key) < 7:
            # a short allowed value ('12309') is not allowed inside a longer
            # grouped number or code such as '139 12309 456' or '豫A·12309'
            pre += f"(?<![A-Za-z0-9]{_SEP})"
            post += f"(?!{_SEP}[A-Za-z0-9])"
        parts.append((len(key), pre + body + post))
        bodies.append(body)
    if not parts:
        return None, None
    parts.sort(key=lambda p: -p[0])
    # allowed values written back to back ('1230912309') are allowed as a whole
    any_body = "(?:" + "|".join(bodies) + ")"
    glued = f"(?<![A-Za-z0-9]){any_body}{{2,}}(?![A-Za-z0-9])"
    rx = re.compile("|".join([glued] + [p for _, p in parts]), re.IGNORECASE)
    auto = None
    if prefilter:
        auto = ahocorasick.Automaton()
        for projected in sorted(projections):
            auto.add_word(projected, projected)
        auto.make_automaton()
    return rx, auto


def _apply_allow(n: str, allow: Sequence[str]) -> str:
    rx, auto = _allow_regex(tuple(str(v) for v in allow))
    if rx is None:
        return n
    if auto is not None and next(auto.iter(_project(n)), None) is None:
        return n  # no allowed value can be in the text
    pieces: list[str] = []
    last = 0
    for m in rx.finditer(n):
        a, b = m.span()
        if b > a:
            pieces.append(n[last:a])
            pieces.append(_MASKED * (b - a))
            last = b
    if not pieces:
        return n
    pieces.append(n[last:])
    return "".join(pieces)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def detect(text: str, *, allow: Sequence[str] = ()) -> list[Detection]:
    """Every identifier in ``text``, sorted by start, non-overlapping.

    Offsets are into ``text`` itself. Text inside an occurrence of a value of
    ``allow`` (written with any separators) is never detected.
    """
    if not text:
        return []
    norm = _Normalised(text)
    n = norm.text
    if _MAYBE_RE.search(n) is None:  # most short fields: nothing to look at
        return []
    if allow:
        if isinstance(allow, str):  # one value, not a sequence of characters
            allow = (allow,)
        n = _apply_allow(n, allow)
    cands: list[tuple[int, int, str, int]] = []
    _scan_runs(n, cands)
    _scan_patterns(n, cands)
    if not cands:
        return []
    result: list[Detection] = []
    last_end = 0
    for a, b, rule in _resolve(cands, len(n)):
        s, e = norm.span(a, b)
        if s < last_end:  # only possible inside one expanded character
            continue
        result.append(Detection(s, e, rule, text[s:e]))
        last_end = e
    return result


def mask(value: str) -> str:
    """A report-safe form of a detected value.

    Longer values keep their first 4 and last 4 letters/digits (everything
    else becomes '*'): '110101199003074518' -> '1101**********4518'. Values of
    at most 8 characters, or with at most 8 letters/digits, keep only their
    first and last one. The result is never the value itself (except for a
    value made of '*' only, which has nothing to hide).
    """
    n = len(value)
    if n <= 8:
        out = "*" * n if n <= 2 else value[0] + "*" * (n - 2) + value[-1]
    else:
        pos = [i for i, c in enumerate(value) if c.isalnum()]
        if len(pos) > 8:
            keep = set(pos[:4] + pos[-4:])
        elif len(pos) >= 3:
            keep = {pos[0], pos[-1]}
        else:
            keep = set()
        out = "".join(c if i in keep else "*" for i, c in enumerate(value))
    if out == value:
        out = "*" * n
    return out
