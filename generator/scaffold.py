"""``openaffairs new TYPE``: a draft record with every field of its type, to fill in.

The comments are in the site's language (``language`` in site_config.yml);
the id is made from the title (pinyin for Chinese, e.g. ``guan-yu-kai-zhan``),
with the date appended when a record of that type already has it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from pathlib import Path

from .config import load_config
from .errors import UsageError

__all__ = ["scaffold", "TEMPLATES", "make_id", "skeleton"]

_COMMON = {
    "zh": """id: {id}
title: "{title}"
status: draft            # draft 草稿 -> review 待审核 -> approved 已批准（须填 approved_by）| withdrawn 撤回
author: {author}
# approved_by:           # 批准人：site_config.yml 中 approvers 所列人员之一（不能是作者本人）
# approved_on:           # 批准日期，如 {today}
# publish_on:            # 可选：定时公开（此前不公开），如 {today}T09:00:00+08:00
summary: ""              # 摘要：一两句话，显示在列表和页面顶部
tags: []                 # 标签，如 [职务犯罪, 公益诉讼]
""",
    "en": """id: {id}
title: "{title}"
status: draft            # draft -> review -> approved (approved_by: another approver) | withdrawn
author: {author}
# approved_by:           # staff id of an approver listed in site_config.yml (not the author)
# approved_on:           # e.g. {today}
# publish_on:            # optional embargo, e.g. {today}T09:00:00+08:00
summary: ""
tags: []
""",
}

TEMPLATES = {
    "zh": {
        "disclosures": """category: case-procedure   # 类别：case-procedure 案件程序性信息 | case-decision 重要案件信息 | legal-document 法律文书 | work-report 工作报告 | announcement 通知公告 | press-release 新闻发布
date: {today}              # 信息日期
# case_number: 江检刑诉〔{year}〕1号   # 案号
# department: 第一检察部              # 承办部门
parties: []               # 当事人（公开时自动匿名为"张某"）：
# - name: 张三              # 真实姓名，除非 public: true 否则替换为"张某"（未成年人一律不公开）
#   role: defendant          # 角色：defendant 被告人 | suspect 犯罪嫌疑人 | victim 被害人 | witness 证人 | appraiser 鉴定人 | complainant 控告人 | guardian 监护人 | lawyer 律师 | official 公职人员 | other 其他
#   minor: false             # 是否未成年人
#   public: false            # 是否公开真实姓名
#   aliases: []              # 正文中出现的其他称呼
#   private: {{address: "", id_number: ""}}   # 住址、身份证号等：出现在任何位置都会被删除
legal_basis: []           # 法律依据：法律法规的 id
attachments: []           # 附件：- {{file: notice.pdf, title: 通知书}}
""",
        "regulations": """kind: law                 # 类型：law 法律 | administrative-regulation 行政法规 | judicial-interpretation 司法解释 | departmental-rule 部门规章 | normative-document 规范性文件 | local-regulation 地方性法规
issuer: 全国人民代表大会常务委员会   # 制定机关
# doc_number: 高检发释字〔2019〕4号  # 文号
issued: {today}            # 公布日期
# effective: {today}       # 施行日期
validity: in-force         # 效力：in-force 现行有效 | amended 已修改 | repealed 已废止 | not-yet-effective 尚未生效
amends: []                 # 本法规修改了哪些法规（id）
amended_by: []             # 被哪些法规修改（id）
# source: https://         # 官方来源网址
""",
        "open-days": """start: {today}T09:30:00+08:00   # 开始时间
end: {today}T11:30:00+08:00     # 结束时间
location:
  name: 检察服务中心        # 地点名称
  address: ""              # 地址
# capacity: 30             # 名额
# registration: {{opens: {today}T09:00:00+08:00, closes: {today}T17:00:00+08:00, method: "", contact: "12309"}}   # 报名
event_status: scheduled    # 状态：scheduled 已安排 | full 已满 | postponed 延期 | cancelled 取消
# audience: 社会公众         # 面向对象
agenda: []                 # 议程：- {{time: "09:30", item: 参观检察服务中心}}
""",
        "guides": """service: complaint         # 服务事项，如 bribery-record-inquiry 行贿犯罪档案查询 | complaint 控告申诉 | appeal 申诉 | lawyer-access 律师阅卷
eligibility: []            # 申请条件
required_documents: []     # 所需材料
steps: []                  # 办理流程
offices: []                # 办理地点：- {{name: 检察服务中心, address: "", hours: "", phone: "12309"}}
# time_limit: 3 个工作日     # 办理时限
# fee: 免费                  # 收费标准
legal_basis: []            # 法律依据（id）
forms: []                  # 表格下载：- {{file: form.pdf, title: 申请表}}
""",
        "pages": """nav_order: 100             # 在"关于本院"菜单中的顺序（小的在前）
""",
    },
    "en": {
        "disclosures": """category: case-procedure   # case-procedure | case-decision | legal-document | work-report | announcement | press-release
date: {today}
# case_number: 江检刑诉〔{year}〕1号
# department: 第一检察部
parties: []
# - name: 张三              # replaced by 张某 unless public: true (never for minors)
#   role: defendant          # defendant | suspect | victim | witness | appraiser | complainant | guardian | lawyer | official | other
#   minor: false
#   public: false
#   aliases: []              # other spellings that occur in the text
#   private: {{address: "", id_number: ""}}   # removed wherever they occur
legal_basis: []           # ids of regulations
attachments: []           # - {{file: notice.pdf, title: 通知书}}
""",
        "regulations": """kind: law                 # law | administrative-regulation | judicial-interpretation | departmental-rule | normative-document | local-regulation
issuer: 全国人民代表大会常务委员会
# doc_number: 高检发释字〔2019〕4号
issued: {today}
# effective: {today}
validity: in-force         # in-force | amended | repealed | not-yet-effective
amends: []
amended_by: []
# source: https://
""",
        "open-days": """start: {today}T09:30:00+08:00
end: {today}T11:30:00+08:00
location:
  name: 检察服务中心
  address: ""
# capacity: 30
# registration: {{opens: {today}T09:00:00+08:00, closes: {today}T17:00:00+08:00, method: "", contact: "12309"}}
event_status: scheduled    # scheduled | full | postponed | cancelled
# audience: 社会公众
agenda: []                 # - {{time: "09:30", item: 参观检察服务中心}}
""",
        "guides": """service: complaint         # e.g. bribery-record-inquiry | complaint | appeal | lawyer-access
eligibility: []
required_documents: []
steps: []
offices: []                # - {{name: 检察服务中心, address: "", hours: "", phone: "12309"}}
# time_limit: 3 个工作日
# fee: 免费
legal_basis: []
forms: []                  # - {{file: form.pdf, title: 申请表}}
""",
        "pages": """nav_order: 100             # order under 关于本院 in the navigation (smaller first)
""",
    },
}

_BODY = {"zh": "正文（Markdown）。\n", "en": "Body text (Markdown).\n"}
_MAX_ID = 60


def _slug(title: str) -> str:
    from pypinyin import lazy_pinyin

    words = lazy_pinyin(title, errors=lambda chars: chars)
    text = "-".join(w.strip() for w in words if w.strip())
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    while len(slug) > _MAX_ID and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug[:_MAX_ID].strip("-")


def make_id(title: str, today: dt.date, taken: set[str]) -> str:
    """A readable free id: the title in pinyin; ``-YYYYMMDD`` (then ``-2`` ...) when taken."""
    base = _slug(title) or "record"
    if base not in taken and base != "record":
        return base
    candidate = f"{base}-{today:%Y%m%d}"
    n = 2
    while candidate in taken:
        candidate = f"{base}-{today:%Y%m%d}-{n}"
        n += 1
    return candidate


_ID_LINE = re.compile(r"^id:\s*['\"]?([a-z0-9][a-z0-9-]*)", re.M)


def _taken_ids(folder: Path) -> set[str]:
    taken = set()
    for path in folder.rglob("*.md") if folder.is_dir() else []:
        taken.add(path.stem)
        try:
            match = _ID_LINE.search(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if match:
            taken.add(match.group(1))
    return taken


def skeleton(type_: str, language: str, record_id: str, title: str, author: str, today: dt.date) -> str:
    """The text of a new draft record of ``type_`` with comments in ``language``."""
    lang = language if language in _COMMON else "zh"
    fields = dict(
        id=record_id,
        title=title.replace("\\", "\\\\").replace('"', '\\"'),
        author=author,
        today=today.isoformat(),
        year=today.year,
    )
    return "---\n" + _COMMON[lang].format(**fields) + TEMPLATES[lang][type_].format(**fields) + "---\n\n" + _BODY[lang]


def scaffold(
    type_: str, config_path: Path, record_id: str | None, title: str, author: str | None, today: dt.date | None = None
) -> Path:
    config = load_config(config_path)
    today = today or dt.datetime.now(config.tz).date()
    type_root = config.content_path / type_
    record_id = record_id or make_id(title, today, _taken_ids(type_root))
    author = author or re.sub(r"[^a-z0-9.-]", "", getpass.getuser().lower()) or "author"
    folder = type_root / str(today.year) if type_ == "disclosures" else type_root
    path = folder / f"{record_id}.md"
    if path.exists():
        raise UsageError(f"{path} already exists: choose another --id")
    text = skeleton(type_, config.language, record_id, title, author, today)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
