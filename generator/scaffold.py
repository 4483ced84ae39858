"""``openaffairs new TYPE``: a draft record with every field of its type, to fill in."""

from __future__ import annotations

import datetime as dt
import getpass
import re
from pathlib import Path

from .config import load_config

__all__ = ["scaffold", "TEMPLATES"]

_COMMON = """id: {id}
title: "{title}"
status: draft            # draft -> review -> approved (approved_by: another approver) | withdrawn
author: {author}
# approved_by:           # staff id of an approver listed in site_config.yml (not the author)
# approved_on:           # e.g. {today}
# publish_on:            # optional embargo, e.g. {today}T09:00:00+08:00
summary: ""
tags: []
"""

TEMPLATES = {
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
    "pages": """nav_order: 100
""",
}


def _slug(title: str, today: dt.date) -> str:
    ascii_part = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return ascii_part or f"record-{today:%Y%m%d}"


def scaffold(type_: str, config_path: Path, record_id: str | None, title: str, author: str | None,
             today: dt.date | None = None) -> Path:
    config = load_config(config_path)
    today = today or dt.datetime.now(config.tz).date()
    record_id = record_id or _slug(title, today)
    author = author or re.sub(r"[^a-z0-9.-]", "", getpass.getuser().lower()) or "author"
    folder = config.content_path / type_
    if type_ == "disclosures":
        folder = folder / str(today.year)
    path = folder / f"{record_id}.md"
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    fields = dict(id=record_id, title=title.replace('"', '\\"'), author=author, today=today.isoformat(), year=today.year)
    text = "---\n" + _COMMON.format(**fields) + TEMPLATES[type_].format(**fields) + "---\n\n正文。\n"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
