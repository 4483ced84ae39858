"""generator/legal_structure.py: the hierarchy of a legal text, article anchors, heading ids."""

from __future__ import annotations

import pytest

from generator.document import render_markdown
from generator.legal_structure import annotate_html, article_alias, cn_number, parse, slugify

LAW = """## 第一编 总则

### 第一章  总　则

第一条 为了……，制定本法。

第二条 有下列情形之一的：

（一）情节显著轻微的；

（二）犯罪已过追诉时效期限的。

本条第一款规定……

### 第二章 管辖

#### 第一节 一般规定

第三条 依照本法第一条的规定……

第三条之一 新增的条文。
"""

ENGLISH = """## Chapter 1 General Provisions

Article 1 This Law is formulated ...

Article 2 The tasks of this Law ...
"""


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("一", 1),
        ("十", 10),
        ("十五", 15),
        ("一百零三", 103),
        ("一百二十", 120),
        ("二百八十二", 282),
        ("一千二百六十", 1260),
        ("两千", 2000),
        ("４５", 45),
    ],
)
def test_chinese_numerals(text: str, n: int) -> None:
    assert cn_number(text) == n


def test_parse_keeps_the_hierarchy_and_the_text() -> None:
    s = parse(LAW)
    assert [(u.level, u.label, u.title) for u in s.units] == [
        ("编", "第一编", "总则"),
        ("章", "第一章", "总　则"),
        ("章", "第二章", "管辖"),
        ("节", "第一节", "一般规定"),
    ]
    assert [a.label for a in s.articles] == ["第一条", "第二条", "第三条", "第三条之一"]
    second = s.articles[1]
    assert second.paragraphs == [
        "第二条 有下列情形之一的：",
        "（一）情节显著轻微的；",
        "（二）犯罪已过追诉时效期限的。",
        "本条第一款规定……",
    ]  # 款 and 项, as written
    assert second.path == ("第一编", "第一章") and s.articles[2].path == ("第一编", "第二章", "第一节")
    assert (s.articles[3].alias, article_alias(120)) == ("art-3-1", "art-120")
    # the same from the reader's text (one block per line), as the search indexes see it
    lines = parse("第一编 总则\n第一章 总则\n第一条 甲。\n第二条 乙：\n（一）丙；", lines=True)
    assert [a.label for a in lines.articles] == ["第一条", "第二条"] and lines.articles[1].text.endswith("丙；")


def test_annotate_html_adds_anchors_copy_links_classes_and_toc() -> None:
    html, toc = annotate_html(render_markdown(LAW))
    assert (
        '<p id="第一条" class="oa-art"><span class="oa-alias" id="art-1" aria-hidden="true"></span>'
        '<a class="oa-art-no" href="#第一条" title="复制本条链接">第一条</a> 为了' in html
    )
    assert 'id="第三条之一"' in html and 'id="art-3-1"' in html
    assert 'class="oa-l oa-l-bian"' in html and 'class="oa-l oa-l-jie"' in html
    assert "依照本法第一条的规定" in html  # a reference inside a sentence is no article
    assert toc.articles == 4
    [part] = toc.entries
    assert (part.label, part.articles, [c.label for c in part.children]) == (
        "第一编",
        "第一条—第三条之一",
        ["第一章", "第二章"],
    )
    assert part.children[1].children[0].articles == "第三条—第三条之一"


def test_english_structure() -> None:
    html, toc = annotate_html(render_markdown(ENGLISH))
    assert 'id="article-1" class="oa-art"' in html and 'id="art-2"' in html
    assert toc.entries[0].label == "Chapter 1"


def test_a_body_without_articles_is_left_alone() -> None:
    body = render_markdown("## 一、主要工作\n\n全年共受理案件。\n\n依照刑法第一条。\n")
    assert annotate_html(body) == (body, annotate_html(body)[1]) and not annotate_html(body)[1]


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("第一章  总　则", "第一章-总则"),
        ("第一编 总则", "第一编-总则"),
        ("一、主要工作", "一主要工作"),
        ("郭某案的办理情况", "郭某案的办理情况"),
        ("Chapter 1: General", "chapter-1-general"),
        ("", "section"),
    ],
)
def test_heading_ids_are_readable(heading: str, slug: str) -> None:
    assert slugify(heading) == slug
