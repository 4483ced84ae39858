"""The fields a journalist can search, their names in queries and their weights.

A new searchable field is added here (and filled in ``index.py``); the query
language (``query.py``) and the API's description read these tables.
"""

from __future__ import annotations

from .model import DOC_TYPES

__all__ = [
    "TEXT_FIELDS",
    "EXACT_FIELDS",
    "DATE_FIELDS",
    "DEFAULT_FIELDS",
    "SNIPPET_FIELDS",
    "FIELD_HELP",
    "FIELD_ALIASES",
    "ALL_FIELDS",
    "WEIGHTS",
    "ASCII_FIELDS",
]

# every text field is one column of the full-text table, in this order
TEXT_FIELDS = (
    "title",
    "summary",
    "body",
    "tags",
    "doc_number",
    "issuer",
    "kind",
    "validity",
    "category",
    "case_number",
)
EXACT_FIELDS = ("tags", "doc_number", "issuer", "kind", "validity", "category", "case_number")
DATE_FIELDS = ("date", "issued", "effective")
# fields whose values are enum slugs (ASCII; the index writer refuses anything else): a
# token with a Chinese character cannot be in them, nor in the key tokens, so a phrase
# holding one needs no column filter to be kept out of them (engine.py; FTS5 filters
# columns at a cost)
ASCII_FIELDS = ("kind", "validity", "category")
# the fields a term without a field name searches
DEFAULT_FIELDS = ("title", "summary", "body", "tags", "doc_number", "case_number", "issuer")
SNIPPET_FIELDS = ("title", "summary", "body", "tags")
# relevance (BM25): a match in the title counts three times, in the summary twice
WEIGHTS = {"title": 3.0, "summary": 2.0}

FIELD_HELP: dict[str, str] = {
    "title": "title (标题)",
    "summary": "summary (摘要)",
    "body": "full text (正文)",
    "tags": "tags (标签); tags:=受贿 matches one whole tag",
    "doc_number": "document number of a regulation (文号)",
    "issuer": "issuing body of a regulation (制定机关)",
    "kind": "kind of regulation: law, judicial-interpretation, ...",
    "validity": "in-force, amended, repealed, not-yet-effective",
    "category": "disclosure category: case-decision, work-report, ...",
    "case_number": "case number of a disclosure (案号)",
    "type": "record type: " + ", ".join(DOC_TYPES),
    "id": "record id (exact)",
    "date": "disclosure date / regulation issued / open-day start",
    "issued": "date of promulgation of a regulation (公布日期)",
    "effective": "date a regulation takes effect (施行日期)",
}
ALL_FIELDS = tuple(FIELD_HELP)
FIELD_ALIASES = {
    "标题": "title",
    "摘要": "summary",
    "正文": "body",
    "全文": "body",
    "标签": "tags",
    "文号": "doc_number",
    "制定机关": "issuer",
    "发布机关": "issuer",
    "效力": "validity",
    "时效性": "validity",
    "类别": "category",
    "案号": "case_number",
    "类型": "type",
    "日期": "date",
    "公布日期": "issued",
    "发布日期": "issued",
    "施行日期": "effective",
    "生效日期": "effective",
    "tag": "tags",
    "docnumber": "doc_number",
    "casenumber": "case_number",
}
