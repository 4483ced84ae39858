"""Generate a deterministic benchmark site: N realistic records of every type.

    python benchmarks/generate.py --records 2000 --out /tmp/bench-site [--seed 2026]

The same seed and count always give the same bytes.  The mix follows a
district procuratorate's site: mostly disclosures (case procedure and decision
information, legal documents, announcements, press releases, work reports),
with regulations, service guides, open days and free pages; about 15% of the
records are held back (drafts, in review, embargoed, self-approved, withdrawn,
minors).  Case records name their parties (suspects, victims, witnesses,
officials, lawyers; some in Latin letters, some with compound surnames,
aliases and minors), declare ``private`` values and repeat them in the body,
and plant identifiers in the written forms staff use (ID numbers with and
without spaces, full-width digits, +86 mobiles, landlines, grouped bank cards,
e-mail, plates, passports, home addresses) among the text the filter must keep
(case numbers, dates, amounts, statute articles).  Some records carry .txt or
.pdf attachments (clean ones: they are published).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱"
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "慕容", "东方"]
GIVEN = "建国丽明辉伟芳娜敏静强磊军洋勇艳杰涛超秀霞平刚桂英华玉兰志红林海波宁晨晓雪峰鹏飞宇浩然思雨欣怡子涵"
LATIN = ["David Miller", "Anna Schmidt", "John Smith", "Maria Garcia", "Peter Brown", "Olga Ivanova"]
DISTRICTS = ["东湖区", "西湖区", "江南区", "滨江区", "临江区", "城北区"]
ROADS = ["人民路", "解放路", "柳岸路", "文三路", "中山路", "建设路", "新华街", "和平巷"]
CRIMES = [
    ("受贿", "职务犯罪"),
    ("盗窃", "侵财犯罪"),
    ("诈骗", "侵财犯罪"),
    ("危险驾驶", "交通犯罪"),
    ("故意伤害", "人身犯罪"),
    ("非法吸收公众存款", "金融犯罪"),
    ("帮助信息网络犯罪活动", "网络犯罪"),
    ("合同诈骗", "经济犯罪"),
    ("贪污", "职务犯罪"),
    ("寻衅滋事", "妨害社会管理"),
]
DEPARTMENTS = ["第一检察部", "第二检察部", "第三检察部", "第四检察部", "第五检察部", "案件管理部"]
AUTHORS = ["wang.fang", "sun.min", "zhao.lei"]
APPROVERS = ["li.wei", "chen.jing"]
PROVINCES = "11 12 13 31 32 33 34 35 36 37 41 42 43 44 50 51 52 53 61 62".split()
PLATE_PROV = "京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂甘晋陕闽粤川"
FILLER = [
    "经依法审查查明，案件事实清楚，证据确实、充分，应当以该罪追究刑事责任。",
    "本院依照《中华人民共和国刑事诉讼法》第一百七十六条的规定，依法提起公诉。",
    "犯罪嫌疑人到案后如实供述自己的罪行，自愿认罪认罚，可以依法从宽处理。",
    "本案经退回补充侦查一次，延长审查起诉期限一次。",
    "被害人的合法权益已依法告知，相关财物已依法返还。",
    "检察机关依法听取了犯罪嫌疑人及其辩护人、被害人的意见，并记录在案。",
    "根据《中华人民共和国刑法》第三百八十五条、第三百八十六条之规定，涉案金额人民币{amount}元。",
    "{date}，本院依法受理该案，并于法定期限内审查完毕。",
    "该案由{dept}办理，案号{case}。",
    "本院将继续依法履行法律监督职责，维护司法公正。",
    "如对本决定不服，可以自收到决定书后七日以内向本院申诉。",
    "本院依法对侦查活动进行监督，未发现违法情形。",
]


def _id18(r: random.Random) -> str:
    first = (
        f"{r.choice(PROVINCES)}{r.randint(1, 99):02d}{r.randint(1, 30):02d}"
        f"{r.randint(1950, 2005)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(0, 999):03d}"
    )
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first + "10X98765432"[sum(int(c) * w for c, w in zip(first, weights, strict=True)) % 11]


def _luhn(partial: str) -> str:
    for d in "0123456789":
        s = partial + d
        total = 0
        for i, c in enumerate(reversed(s)):
            v = int(c) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return s
    raise AssertionError


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


class Writer:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.used_names: set[str] = set()

    def name(self) -> str:
        r = self.r
        while True:
            if r.random() < 0.04:
                n = r.choice(LATIN)
            else:
                surname = r.choice(COMPOUND) if r.random() < 0.05 else r.choice(SURNAMES)
                n = surname + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))
            if n not in self.used_names or r.random() < 0.02:  # a few people appear in several records
                self.used_names.add(n)
                return n

    def mobile(self) -> str:
        return f"1{self.r.choice('3456789')}{self.r.randint(0, 999999999):09d}"

    def written_mobile(self) -> str:
        m = self.mobile()
        return self.r.choice([m, f"{m[:3]} {m[3:7]} {m[7:]}", f"+86 {m[:3]}-{m[3:7]}-{m[7:]}", _fullwidth(m)])

    def written_id(self) -> str:
        i = _id18(self.r)
        return self.r.choice([i, f"{i[:6]} {i[6:14]} {i[14:]}", _fullwidth(i)])

    def card(self) -> str:
        c = _luhn("6222" + "".join(self.r.choice("0123456789") for _ in range(14)))
        return " ".join(c[i : i + 4] for i in range(0, len(c), 4))

    def address(self) -> str:
        r = self.r
        return f"测试市{r.choice(DISTRICTS)}{r.choice(ROADS)}{r.randint(1, 300)}号{r.randint(1, 20)}幢{r.randint(101, 2405)}室"

    def date(self, year: int = 2026) -> str:
        return f"{year}-{self.r.randint(1, 12):02d}-{self.r.randint(1, 28):02d}"

    def case_number(self, kind: str = "刑诉") -> str:
        return f"测检{kind}〔2026〕{self.r.randint(1, 400)}号"

    def filler(self, n: int) -> list[str]:
        r = self.r
        out = []
        for _ in range(n):
            out.append(
                r.choice(FILLER).format(
                    amount=f"{r.randint(1000, 9_999_999):,}",
                    date=self.cn_date(),
                    dept=r.choice(DEPARTMENTS),
                    case=self.case_number(),
                )
            )
        return out

    def cn_date(self) -> str:
        return f"2026年{self.r.randint(1, 12)}月{self.r.randint(1, 28)}日"


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _status(w: Writer) -> str:
    """The status lines of a record: ~86% published, the rest held back for each reason."""
    r = w.r
    roll = r.random()
    author = r.choice(AUTHORS)
    approver = r.choice(APPROVERS)
    approved = [
        "status: approved",
        f"author: {author}",
        f"approved_by: {approver}",
        f"approved_on: 2026-{w.r.randint(1, 10):02d}-01",
    ]
    if roll < 0.05:
        return "\n".join(["status: draft", f"author: {author}"])
    if roll < 0.09:
        return "\n".join(["status: review", f"author: {author}"])
    if roll < 0.11:
        return "\n".join(approved + ["publish_on: 2027-06-01T09:00:00+08:00"])
    if roll < 0.12:
        return "\n".join(
            ["status: approved", f"author: {approver}", f"approved_by: {approver}", "approved_on: 2026-02-01"]
        )
    if roll < 0.14:
        return "\n".join(
            [
                "status: withdrawn",
                f"author: {author}",
                f"approved_by: {approver}",
                "approved_on: 2026-02-01",
                "withdrawn_on: 2026-09-01",
                "withdrawn_reason: 信息有误，已撤回",
            ]
        )
    return "\n".join(approved)


def disclosure(w: Writer, i: int, regulations: list[str]) -> tuple[str, str, dict[str, bytes]]:
    r = w.r
    crime, tag = r.choice(CRIMES)
    category = r.choices(
        ["case-procedure", "case-decision", "legal-document", "announcement", "press-release", "work-report"],
        [40, 20, 15, 10, 10, 5],
    )[0]
    rid = f"d{i:05d}"
    status = _status(w)
    lines = ["---", f"id: {rid}"]
    files: dict[str, bytes] = {}
    parties: list[str] = []
    body: list[str] = []
    if category.startswith("case") or category == "legal-document":
        suspect, victim, witness = w.name(), w.name(), w.name()
        minor = r.random() < 0.01
        alias = "老" + suspect[0] if r.random() < 0.3 else None
        addr, phone, idn = w.address(), w.mobile(), _id18(r)
        employer = f"测试市{r.choice(ROADS)[:2]}{r.choice(['建材', '科技', '贸易', '物流'])}有限公司"
        title = f"{suspect}涉嫌{crime}案" + r.choice(["提起公诉", "不起诉决定", "批准逮捕", "起诉书"])
        parties = [
            f"  - name: {suspect}",
            "    role: " + r.choice(["suspect", "defendant"]),
            *(["    minor: true"] if minor else []),
            *([f"    aliases: [{alias}]"] if alias else []),
            "    private:",
            f"      address: {addr}",
            f'      id_number: "{idn}"',
            f'      phone: "{phone}"',
            f"      employer: {employer}",
            f"  - name: {victim}",
            "    role: victim",
            *(
                ["    minor: true", "    private:", f"      school: 测试市第{r.randint(1, 30)}中学"]
                if r.random() < 0.05
                else []
            ),
            f"  - name: {witness}",
            "    role: witness",
            f"  - name: {w.name()}",
            "    role: official",
            f"  - name: {w.name()}",
            "    role: lawyer",
        ]
        who = alias or suspect
        body += [
            f"犯罪嫌疑人{suspect}，男，{r.randint(1960, 2000)}年出生，身份证号码{idn}，户籍地{w.address()}，"
            f"住{addr}，工作单位{employer}，联系电话{phone[:3]} {phone[3:7]} {phone[7:]}。",
            f"经审查，{who}于{w.cn_date()}在{r.choice(DISTRICTS)}实施{crime}行为，被害人{victim}报案。",
            f"证人{witness}（手机{w.written_mobile()}）证实了上述事实；{suspect}的银行卡号 {w.card()} 内的款项已冻结。",
            f"涉案车辆车牌号为{r.choice(PLATE_PROV)}{r.choice('ABCDEF')}{r.randint(10000, 99999)}，"
            f"{victim}的电子邮箱 v{r.randint(100, 999)}@example.com 已提交相关材料。",
        ]
        if r.random() < 0.3:
            body.append(
                f"被害人{victim}另持有护照，号码E{r.randint(10_000_000, 99_999_999)}；其身份证号 {w.written_id()}。"
            )
        body += w.filler(r.randint(3, 8))
    else:
        title = (
            r.choice(
                [
                    "关于调整检察服务中心接待时间的公告",
                    "检察开放日活动回顾",
                    "本院召开新闻发布会",
                    "2026年第三季度主要办案数据",
                    "关于公开选聘听证员的公告",
                ]
            )
            + f"（{i}）"
        )
        body += w.filler(r.randint(4, 10))
        body.append(f"咨询电话：0571-12309000；举报电话：12309。发布日期：{w.cn_date()}。")
    lines += [f"title: {title}", status, f"category: {category}", f"date: {w.date()}"]
    if category.startswith("case") or category == "legal-document":
        lines += [
            f"case_number: {w.case_number()}",
            f"department: {r.choice(DEPARTMENTS)}",
            f"legal_basis: [{r.choice(regulations)}]",
            f"tags: [{tag}, {crime}]",
            f"summary: {_yaml_str(body[1][:60])}",
            "parties:",
            *parties,
        ]
    else:
        lines += [f"summary: {_yaml_str(body[0][:60])}", "tags: [检务公开]"]
    if r.random() < 0.08:
        name = f"{rid}-notice.txt"
        files[name] = ("\n".join(w.filler(3)) + "\n").encode()
        lines += ["attachments:", f"  - {{file: {name}, title: 起诉书摘要}}"]
    elif r.random() < 0.04:
        name = f"{rid}-notice.pdf"
        files[name] = _pdf(w.filler(4))
        lines += ["attachments:", f"  - {{file: {name}, title: 文书摘要}}"]
    lines += ["changes:", f"  - {{date: {w.date()}, note: 更正文字}}"] if r.random() < 0.1 else []
    lines += ["---"]
    paragraphs = "\n\n".join(body)
    return f"disclosures/{2025 + i % 2}/{rid}.md", "\n".join(lines) + "\n" + paragraphs + "\n", files


def regulation(w: Writer, i: int) -> tuple[str, str]:
    r = w.r
    rid = f"reg-{i:04d}"
    text = "\n\n".join(
        f"第{n}条 "
        + r.choice(FILLER).format(amount="5,000", date="2020年1月1日", dept="第一检察部", case="测检刑诉〔2020〕1号")
        for n in range(1, r.randint(8, 30))
    )
    return f"regulations/{rid}.md", (
        f"---\nid: {rid}\ntitle: 测试规定第{i}号\nstatus: approved\nauthor: wang.fang\napproved_by: li.wei\n"
        f"approved_on: 2026-01-05\nkind: {r.choice(['law', 'judicial-interpretation', 'normative-document'])}\n"
        f"issuer: 最高人民检察院\ndoc_number: 高检发〔2020〕{i}号\nissued: 2020-0{1 + i % 9}-15\nvalidity: in-force\n"
        f"---\n{text}\n"
    )


def guide(w: Writer, i: int, regulations: list[str]) -> tuple[str, str, dict[str, bytes]]:
    rid = f"guide-{i:04d}"
    form = f"{rid}-form.txt"
    return (
        f"guides/{rid}.md",
        (
            f"---\nid: {rid}\ntitle: 办事指南{i}\nstatus: approved\nauthor: sun.min\napproved_by: chen.jing\n"
            f"approved_on: 2026-01-10\nservice: service-{i}\nsummary: 申请人可以到检察服务中心办理。\n"
            f"eligibility: [单位和个人均可申请]\nrequired_documents: [申请书, 有效身份证件]\n"
            f"steps: [提交申请, 受理审核, 出具结果]\noffices:\n"
            f"  - {{name: 检察服务中心, address: 测试市东湖区人民路100号, hours: 工作日 9:00-17:00, phone: 0571-1230{i % 10}000}}\n"
            f"time_limit: 3 个工作日\nfee: 免费\nlegal_basis: [{w.r.choice(regulations)}]\n"
            f"forms:\n  - {{file: {form}, title: 申请书}}\n---\n可登录 12309 中国检察网办理。\n\n"
            + "\n\n".join(w.filler(4))
            + "\n"
        ),
        {form: "申请书（样表）\n申请人：________\n".encode()},
    )


def open_day(w: Writer, i: int) -> tuple[str, str]:
    rid = f"open-day-{i:04d}"
    month = 1 + i % 12
    return f"open-days/{rid}.md", (
        f"---\nid: {rid}\ntitle: 2026年{month}月检察开放日（{i}）\nstatus: approved\nauthor: sun.min\n"
        f"approved_by: chen.jing\napproved_on: 2026-01-01\nstart: 2026-{month:02d}-15T09:30:00+08:00\n"
        f"end: 2026-{month:02d}-15T11:30:00+08:00\nlocation:\n  name: 检察服务中心\n  address: 测试市东湖区人民路100号\n"
        f"capacity: 40\nregistration:\n  method: 拨打电话报名\n  contact: 0571-12309000\naudience: 社会公众\n"
        f'agenda:\n  - {{time: "09:30", item: 参观检察服务中心}}\n  - {{time: "10:30", item: 座谈交流}}\n---\n'
        + "\n\n".join(w.filler(3))
        + "\n"
    )


def page(w: Writer, i: int) -> tuple[str, str]:
    return f"pages/page-{i:03d}.md", (
        f"---\nid: page-{i:03d}\ntitle: 栏目说明{i}\nstatus: approved\nauthor: sun.min\napproved_by: chen.jing\n"
        f"approved_on: 2026-01-10\nnav_order: {i + 1}\n---\n" + "\n\n".join(w.filler(5)) + "\n"
    )


def _bfchars(text: str) -> str:
    """ToUnicode entries for the characters used (as a real subset font has)."""
    chars = sorted({c for c in text if ord(c) < 0x10000})
    out = []
    for i in range(0, len(chars), 100):
        chunk = chars[i : i + 100]
        out.append(
            f"{len(chunk)} beginbfchar " + " ".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chunk) + " endbfchar"
        )
    return " ".join(out)


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with extractable text (Type0 font, Identity-H, ToUnicode)."""

    def hx(s: str) -> str:
        return "<" + "".join(f"{ord(c):04X}" for c in s if ord(c) < 0x10000) + ">"

    content = "BT /F1 10 Tf 12 TL 40 800 Td " + " ".join(f"{hx(line)} Tj T*" for line in lines) + " ET"
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange "
        + _bfchars("".join(lines))
        + " endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /DescendantFonts [6 0 R] "
        "/ToUnicode 7 0 R >>",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


CONFIG = """\
site_name: 测试市人民检察院检务公开（基准）
site_url: https://bench.example.org/
language: zh
timezone: Asia/Shanghai
content_dir: content
approvers: [li.wei, chen.jing]
office_name: 测试市人民检察院
privacy:
  allow: ["12309", "0571-12309000"]
  block: ["内部资料"]
"""


def generate(records: int, out: Path, seed: int = 2026) -> dict[str, int]:
    """Write the site into ``out`` (replaced); returns the count per type."""
    if out.exists():
        shutil.rmtree(out)
    content = out / "content"
    content.mkdir(parents=True)
    (out / "site_config.yml").write_text(CONFIG, encoding="utf-8")
    w = Writer(seed)
    n_reg = max(2, records * 3 // 100)
    n_guide = max(1, records * 2 // 100)
    n_open = max(1, records * 2 // 100)
    n_page = max(1, min(10, records // 200))
    n_disc = max(1, records - n_reg - n_guide - n_open - n_page)
    regulations = [f"reg-{i:04d}" for i in range(n_reg)]

    def put(rel: str, data: str | bytes) -> None:
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")

    for i in range(n_reg):
        put(*regulation(w, i))
    for i in range(n_guide):
        rel, text, files = guide(w, i, regulations)
        put(rel, text)
        for name, data in files.items():
            put(str(Path(rel).parent / name), data)
    for i in range(n_open):
        put(*open_day(w, i))
    for i in range(n_page):
        put(*page(w, i))
    for i in range(n_disc):
        rel, text, files = disclosure(w, i, regulations)
        put(rel, text)
        for name, data in files.items():
            put(str(Path(rel).parent / name), data)
    return {"disclosures": n_disc, "regulations": n_reg, "guides": n_guide, "open-days": n_open, "pages": n_page}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=2000, help="number of records (default 2000)")
    parser.add_argument("--out", type=Path, required=True, help="site folder to write (replaced)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    args = parser.parse_args(argv)
    counts = generate(args.records, args.out, args.seed)
    print(
        f"Wrote {sum(counts.values())} records into {args.out}/ " + ", ".join(f"{k} {v}" for k, v in counts.items()),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
