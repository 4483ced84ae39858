"""Record and listing pages made from shells (generator/shells.py) are the pages MkDocs makes.

Each site is built twice -- through the fast path and with OPENAFFAIRS_PLAIN_RENDER=1
(every page through MkDocs, page by page) -- and every output file is compared byte
for byte: the sample site (two languages), a generated two-language site with hostile
titles and values, and a site whose theme changes a value on its way into the page.
``html_only`` is checked against Python-Markdown itself on our pages and on generated
documents around every edge it accepts or refuses."""

from __future__ import annotations

import logging
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from conftest import NOW, REPO, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import shells
from generator.shells import html_only

# --- html_only against Python-Markdown ---------------------------------------------------------


def _mkdocs_markdown(tmp: Path) -> markdown.Markdown:
    """Python-Markdown exactly as MkDocs configures it for our pages (the sample's mkdocs.yml)."""
    from mkdocs.config import load_config

    from generator.config import load_config as load_site
    from generator.rendering import RenderedSite
    from generator.site import _mkdocs_config, assemble_theme, mkdocs_yaml

    site = load_site(REPO / "site_config.yml")
    (tmp / "docs").mkdir()
    theme = assemble_theme(site, tmp / "theme")
    cfg = _mkdocs_config(RenderedSite(), site, tmp / "docs", tmp / "site", theme)
    (tmp / "mkdocs.yml").write_text(mkdocs_yaml(cfg), "utf-8")
    loaded = load_config(config_file=str(tmp / "mkdocs.yml"))
    return markdown.Markdown(extensions=loaded["markdown_extensions"], extension_configs=loaded["mdx_configs"])


@pytest.fixture(scope="module")
def md(tmp_path_factory: pytest.TempPathFactory) -> markdown.Markdown:
    return _mkdocs_markdown(tmp_path_factory.mktemp("mkdocs"))


def _convert(md: markdown.Markdown, text: str) -> str:
    md.reset()
    return md.convert(text)


# blocks as our templates and the body serialiser write them, then the edges around them
BLOCKS = [
    '<article class="oa-record" data-pagefind-body>\n<h1>标题 &amp; &lt;x&gt; &#34;q&#34; &#39;s&#39;</h1>\n</article>',
    '<div class="oa-body">\n<p>正文<br>第二行</p>\n<pre><code>  缩进\n\n  代码</code></pre>\n</div>',
    '<nav class="oa-crumbs" aria-label="当前位置"><a href="../../">首页</a> <span aria-hidden="true">›</span></nav>',
    "<h1>列表</h1>",
    '<p class="oa-count">共 3 条</p>',
    '<section class="oa-section"><h2 id="y2026">2026</h2><ul class="oa-list">\n<li>a</li>\n</ul></section>',
    "<hr>",
    '<table><tr><td data-label="x">1</td></tr></table>',
    '<div class="oa-law"><div class="oa-body"><p id="a1">第一条 <a href="#a1">¶</a></p></div></div>',
    '<p class="oa-tags"><span class="oa-tag">检务公开</span></p>',
    "<details><summary>更多</summary><p>x *not emphasis* `not code`</p></details>",
    "<div>\n\n<p>blank lines inside</p>\n\n\n</div>",
    '<img src="x.png" alt="a">',
    "<ul><li>a<br/>b</li></ul>",
]
EDGES = [
    "<p>tail</p> text after",
    "plain *markdown* text",
    "    <p>indented</p>",
    '<div markdown="1">*md*</div>',
    "<div><!-- comment --></div>",
    "<p>a\tb</p>",
    "<pre>\n```\ncode\n```\n</pre>",
    "<p>&copy &#123x; & lone</p>",
    "<script>x</script>",
    "<span>inline</span>",
    "<p>unclosed",
    "</div>",
    "<p>line\n   \nspaces</p>",
    "<div><p>a</div>",
    "<p>qq3936677670287331zz</p>",
    "<p>[^1] and [TOC]</p>",
    '<P CLASS="x">upper</P>',
    '<p title="a>b">gt in attribute</p>',
    "<p title='single'>quoted</p>",
    "<br>",
]
SEPARATORS = ["", "\n", "\n\n", "\n\n\n", "\n\n\n\n", " ", "\n \n", "\n  "]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.sampled_from(BLOCKS * 3 + EDGES), st.sampled_from(SEPARATORS)), min_size=1, max_size=6),
    st.sampled_from(["", "\n", "\n\n"]),
)
def test_html_only_is_what_python_markdown_makes(
    md: markdown.Markdown, parts: list[tuple[str, str]], lead: str
) -> None:
    text = lead + "".join(block + sep for block, sep in parts)
    got = html_only(text, frozenset(md.block_level_elements))
    if got is not None:
        assert got == _convert(md, text), text


def test_html_only_refuses_what_python_markdown_would_change(md: markdown.Markdown) -> None:
    level = frozenset(md.block_level_elements)
    changed = [
        "<pre>a\tb</pre>",  # tabs expanded
        "<div>\n```\ncode\n```\n</div>",  # a fence, read before the HTML
        "<div>a\n   \nb</div>",  # a line of spaces emptied
        '<div markdown="1">*a*</div>',  # Markdown inside
        "<p>a</p> *b*",  # Markdown after a block
        "<p>&#123x</p>",  # an entity without ;
    ]
    for text in changed:
        assert html_only(text, level) is None, text
    for text in changed:
        assert _convert(md, text) != text.strip(), text  # Python-Markdown indeed changes these
    # what it changes predictably is followed: blank lines between blocks become one
    merged = "<div>a</div>\n\n\n<p>b</p>"
    assert html_only(merged, level) == _convert(md, merged) == "<div>a</div>\n\n<p>b</p>"


def test_html_only_accepts_every_page_of_the_sample_site(
    md: markdown.Markdown, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.utils import meta

    from generator.pipeline import configure, prepare
    from generator.rendering import render_site

    monkeypatch.chdir(REPO)
    report = prepare(*configure(Path("site_config.yml"), NOW))
    assert report.now is not None
    rendered = render_site(report.public, report.config, report.now)
    level = frozenset(md.block_level_elements)
    pages = [(rel, page) for side in (rendered, *rendered.sides.values()) for rel, page in side.pages.items()]
    assert len(pages) > 50
    for rel, page in pages:
        body = meta.get_data(page)[0]
        assert html_only(body, level) == _convert(md, body), rel


_values = st.recursive(
    st.text() | st.booleans() | st.none() | st.integers() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=2000, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), _values, min_size=1, max_size=6))
def test_front_matter_is_read_as_mkdocs_reads_it(meta: dict[str, object]) -> None:
    """Our templates write each front-matter value as JSON; read as JSON only where YAML
    (MkDocs' reading) gives the same."""
    import json

    from mkdocs.utils.meta import get_data

    text = (
        "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in meta.items()) + "---\n\n<p>x</p>\n"
    )
    assert shells.read_page(text) == get_data(text)


def test_front_matter_of_every_page_is_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.utils import meta as mkdocs_meta

    from generator.pipeline import configure, prepare
    from generator.rendering import render_site

    monkeypatch.chdir(REPO)
    report = prepare(*configure(Path("site_config.yml"), NOW))
    assert report.now is not None
    rendered = render_site(report.public, report.config, report.now)

    def refuse(text: str) -> tuple[str, dict[str, object]]:
        raise AssertionError(text[:200])

    for side in (rendered, *rendered.sides.values()):
        for page in side.pages.values():
            expected = mkdocs_meta.get_data(page)
            monkeypatch.setattr(mkdocs_meta, "get_data", refuse)  # the JSON reading, never YAML's
            assert shells.read_page(page) == expected
            monkeypatch.undo()
            monkeypatch.chdir(REPO)


# --- whole sites, both ways ----------------------------------------------------------------------


def _copy_sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    root.mkdir()
    shutil.copy(REPO / "site_config.yml", root / "site_config.yml")
    shutil.copytree(REPO / "content", root / "content")
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _build_both(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> tuple[dict[str, bytes], str]:
    """Build ``site`` through the shells and through MkDocs alone; assert every file is
    the same; return the files and what the shells reported."""
    caplog.set_level(logging.INFO, logger="generator.shells")
    fast = run_cli(["build", "--now", NOW, "--out", "fast", "--no-cache"], site)
    assert fast.exit_code == 0, fast.stderr
    said = "\n".join(r.getMessage() for r in caplog.records if r.name == "generator.shells")
    caplog.clear()
    monkeypatch.setenv(shells.PLAIN_ENV, "1")
    plain = run_cli(["build", "--now", NOW, "--out", "plain", "--no-cache"], site)
    monkeypatch.delenv(shells.PLAIN_ENV)
    assert plain.exit_code == 0, plain.stderr
    assert not [r for r in caplog.records if r.name == "generator.shells"]  # the plain path made none
    a, b = _files(site / "fast"), _files(site / "plain")
    assert sorted(a) == sorted(b)
    different = [rel for rel in a if a[rel] != b[rel]]
    assert not different, different[:10]
    assert fast.stderr == plain.stderr  # the same warnings (MkDocs' among them)
    assert _said(fast.stdout) == _said(plain.stdout)
    return a, said


def _said(stdout: str) -> list[str]:
    """The build's report without its timings and output folder."""
    return [line for line in stdout.splitlines() if not line.startswith("Built ")]


def _made(said: str) -> tuple[int, int]:
    made = sum(int(m) for m in re.findall(r"(\d+) pages made from shells", said))
    refused = sum(int(m) for m in re.findall(r"(\d+) refused", said))
    return made, refused


def test_sample_site_is_the_same_through_shells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    files, said = _build_both(_copy_sample(tmp_path), monkeypatch, caplog)
    made, _ = _made(said)
    assert made >= 20, said  # most record pages of the sample came from shells
    assert any(rel.startswith("en/") for rel in files)


HOSTILE = """\
---
id: {id}
title: {title}
status: approved
author: wang.fang
approved_by: li.wei
approved_on: 2026-02-01
category: announcement
date: 2026-03-0{day}
summary: {summary}
tags: ["a&b", "<x>", "引号“”"]
---
正文 **加粗** 与 <b>原样 HTML</b> &amp; 实体 &lt;x&gt;，"双引号" 和 'single'。

| 列 | 值 |
|---|---|
| a & b | <c> |

    缩进的代码	含制表符

```
围栏代码 ``` 与 ~~~
```
"""

TITLES = [
    ("hostile-tags", "'<script>alert(\"x\")</script> & <b>粗</b> &amp; &lt;'", '"A & B < C > D \\"q\\" \'s\' 中文"'),
    ("hostile-quotes", "'“引号” \"双\" ''单'' ‘’ « » & ; # ? % / \\\\'", '"\\u5927 1 < 2"'),
    ("hostile-long", "'" + "很长的标题，" * 60 + "end'", '"' + "摘要很长 & " * 80 + '"'),
    ("hostile-sentinel-like", "'oa0123456789abcdefaTitlez {{ page.title }} {% raw %} @@OA-LANG-ALT@@'", '"-- ... ---"'),
    ("hostile-spaces", "'  leading and trailing  '", '"第一行\\n   \\n第三行（一行只有空格）"'),
    ("hostile-json", "'{\"a\": [1, 2]} \\u2028 \\n </title> </script>'", '"\\u00a0不换行空格 \\u3000全角空格 \\u2014"'),
]


def _generated_site(tmp_path: Path, records: int) -> Path:
    """benchmarks/generate.py, then both languages: English translations of some
    disclosures (titles with markup characters), and hostile records in both languages."""
    root = tmp_path / "gen"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate.py"), "--records", str(records), "--out", str(root)],
        check=True,
        capture_output=True,
    )
    config = root / "site_config.yml"
    config.write_text(
        config.read_text("utf-8")
        + 'languages: [zh, en]\ntranslations:\n  en:\n    site_name: Bench <Procuratorate> & "Open" Affairs\n',
        "utf-8",
    )
    rng = random.Random(13)
    sources = sorted((root / "content" / "disclosures").rglob("*.md"))
    for n, src in enumerate(rng.sample(sources, min(60, len(sources)))):
        text = src.read_text("utf-8")
        rid = re.search(r"^id: (\S+)$", text, re.M)
        assert rid
        text = re.sub(r"^title: .*$", f"title: 'Translation {n} <of> {rid[1]} & \"more\"'", text, count=1, flags=re.M)
        text = text.replace(f"id: {rid[1]}\n", f"id: {rid[1]}-en\nlang: en\ntranslation_of: {rid[1]}\n", 1)
        (src.parent / f"{rid[1]}-en.md").write_text(text, "utf-8")
    folder = root / "content" / "disclosures" / "hostile"
    folder.mkdir()
    for day, (rid, title, summary) in enumerate(TITLES, start=1):
        for lang in ("zh", "en"):
            text = HOSTILE.format(id=rid if lang == "zh" else f"{rid}-en", title=title, summary=summary, day=day % 9)
            if lang == "en":
                text = text.replace("status: approved\n", "lang: en\nstatus: approved\n", 1)
            (folder / f"{rid}-{lang}.md").write_text(text, "utf-8")
    return root


def test_generated_two_language_site_is_the_same_through_shells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(shells, "SMALL", 0)  # the worker processes, as on a large site
    site = _generated_site(tmp_path, 300)
    files, said = _build_both(site, monkeypatch, caplog)
    made, refused = _made(said)
    assert made >= 250, said
    assert refused >= 1, said  # the summary with a line of spaces: rendered by MkDocs
    pages = [rel for rel in files if rel.endswith("index.html")]
    assert any(rel.startswith("en/disclosures/") for rel in pages)
    long_title = files["disclosures/hostile-long/index.html"].decode("utf-8")
    assert "很长的标题，" * 60 in long_title
    tags = files["en/disclosures/hostile-tags-en/index.html"].decode("utf-8")
    assert "<script>alert" not in tags and "&lt;script&gt;alert" in tags


def test_a_page_named_like_a_folder_a_shell_links_into_is_left_to_mkdocs() -> None:
    """MkDocs makes links relative to the page: from disclosures/x/ a link to
    disclosures/x/feed.atom is feed.atom, from the shell ../x/feed.atom."""
    template: shells.Template = [
        '<a href="../../assets/a.css"><a href="../category/c/feed.atom">',
        ("title",),
        '<a href="../">',
    ]
    url = "disclosures/_oa-shell-0a/"
    assert shells._forbidden_names(template, url, "disclosures") == {"category"}
    deeper: shells.Template = ['<a href="../../category/c/feed.atom"><a href="../../../assets/a.css">']
    assert shells._forbidden_names(deeper, "disclosures/page/_oa-shell-0a/", "disclosures/page") == frozenset()


THEME_HEADER = REPO / "theme" / "partials" / "header.html"


def test_a_theme_that_changes_a_value_gets_its_pages_from_mkdocs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A site's own header shortens the title (a transformation no substitution can
    follow): its pages are still those of MkDocs, through MkDocs."""
    site = _copy_sample(tmp_path)
    header = THEME_HEADER.read_text("utf-8").replace("{{ page.meta.title }}", "{{ page.meta.title | truncate(12) }}")
    assert "truncate(12)" in header
    (site / "theme" / "partials").mkdir(parents=True)
    (site / "theme" / "partials" / "header.html").write_text(header, "utf-8")
    _, said = _build_both(site, monkeypatch, caplog)
    made, refused = _made(said)
    assert made == 0 and refused >= 20, said


def test_a_sentinel_left_in_a_page_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail closed: a page that would hold any trace of a shell's sentinel is never published."""
    site = _copy_sample(tmp_path)
    run_cli(["build", "--now", NOW, "--out", "out", "--no-cache"], site)
    before = _files(site / "out")
    nonce = "0123456789abcdef"
    monkeypatch.setattr(shells.secrets, "token_hex", lambda n: nonce)
    for record in (site / "content" / "disclosures").rglob("*.md"):  # whichever pages come from shells
        text = record.read_text("utf-8")
        record.write_text(re.sub(r"^title: (.*)$", rf"title: \1 {nonce}", text, count=1, flags=re.M), "utf-8")
    result = run_cli(["build", "--now", NOW, "--out", "out", "--no-cache"], site)
    assert result.exit_code != 0
    assert "placeholder of the page shell" in result.stderr
    assert "Traceback" not in result.stderr
    assert _files(site / "out") == before  # the previous site is untouched
