"""Issue 8 on real law texts (``../shared/corpus/laws``; the tests fail when it is missing):
the converter, zero refusals and redactions on the whole corpus, structured law pages,
both searches on real laws (recall with and without inner white space, article hits,
ranking), and the law page at 390 px in headless Chromium."""

from __future__ import annotations

import importlib.util
import random
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from conftest import NOW, REPO, run_cli
from law_sentences import CorpusMissing, law_files, laws_dir

from generator.search import index_dir_for
from generator.search import search as fielded_search
from generator.static_search import normalize, read_docs

_spec = importlib.util.spec_from_file_location("laws_to_records", REPO / "benchmarks" / "laws_to_records.py")
assert _spec and _spec.loader
converter = importlib.util.module_from_spec(_spec)
sys.modules["laws_to_records"] = converter
_spec.loader.exec_module(converter)

CHOSEN = (
    "诉讼与非诉讼程序法/刑事诉讼法(2018-10-26).md",
    "诉讼与非诉讼程序法/民事诉讼法(2021-12-24).md",
    "诉讼与非诉讼程序法/民事诉讼法(2023-09-01).md",
    "刑法/刑法.md",
    "宪法相关法/全国人民代表大会常务委员会关于县级以下人民代表大会代表直接选举的若干规定(1983-03-05).md",
    "宪法相关法/反有组织犯罪法(2021-12-24).md",
    "行政法/海警法(2021-01-22).md",
    "行政法/社区矫正法(2019-12-28).md",
    "社会法/预防未成年人犯罪法(2020-12-26).md",
    "行政法规/看守所条例(1990-03-17).md",
    "行政法规/网络数据安全管理条例(2024-09-24).md",
    "行政法规/印刷业管理条例(2020-11-29).md",
    "宪法相关法/香港特别行政区基本法(1990-04-04).md",
    "民法典/总则.md",
)


def corpus_or_fail() -> Path:
    try:
        return laws_dir()
    except CorpusMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def law_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of real laws: the chosen ones and 20 more, converted and built."""
    src = corpus_or_fail()
    tree = tmp_path_factory.mktemp("laws") / "laws"
    picked = [src / c for c in CHOSEN]
    others = [p for p in law_files(src) if p not in picked]
    picked += random.Random(8).sample(others, 20)
    for p in picked:
        assert p.is_file(), p
        target = tree / p.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, target)
    root = tree.parent / "site"
    n, problems = converter.convert(tree, root, REPO / "site_config.yml")
    assert n == len(picked) and problems == []
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    assert "0 held back; 0 redactions" in result.stdout
    return root


def record(root: Path, title: str, issued: str | None = None) -> dict:
    for path in sorted((root / "content" / "regulations").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        if meta["title"] == title and (issued is None or meta["issued"] == issued):
            return meta
    raise AssertionError(title)


def test_converter_reads_title_kind_issuer_dates_and_versions(law_site: Path) -> None:
    cpl = record(law_site, "中华人民共和国刑事诉讼法")
    assert (cpl["kind"], cpl["issued"], cpl["validity"]) == ("law", "2018-10-26", "in-force")
    assert cpl["issuer"] == "全国人民代表大会" and cpl["tags"] == ["诉讼与非诉讼程序法"]
    assert [c["date"] for c in cpl["changes"]] == ["1979-07-01", "1996-03-17", "2012-03-14", "2018-10-26"]
    old = record(law_site, "中华人民共和国民事诉讼法", "2021-12-24")
    new = record(law_site, "中华人民共和国民事诉讼法", "2023-09-01")
    assert old["validity"] == "amended" and old["amended_by"] == [new["id"]] and new["amends"] == [old["id"]]
    jail = record(law_site, "中华人民共和国看守所条例")
    assert (jail["kind"], jail["issuer"]) == ("administrative-regulation", "国务院")
    part = record(law_site, "中华人民共和国民法典 总则")
    assert part["effective"] == "2021-01-01"
    body = (law_site / "content" / "regulations" / f"{cpl['id']}.md").read_text(encoding="utf-8")
    source = (corpus_or_fail() / CHOSEN[0]).read_text(encoding="utf-8")
    # the text as written (only a final line break added)
    assert body.split("---\n", 2)[2].rstrip("\n") == source.split("<!-- INFO END -->\n", 1)[1].strip("\n")


def test_converter_reports_bad_files_with_file_and_line(tmp_path: Path) -> None:
    tree = tmp_path / "laws"
    tree.mkdir()
    (tree / "a.md").write_text("# 某法\n\n2019年2月30日 公布\n\n<!-- INFO END -->\n第一条 文。\n", encoding="utf-8")
    (tree / "b.md").write_text("没有标题\n", encoding="utf-8")
    (tree / "c.md").write_bytes("# 某法\n".encode("gbk"))
    code = converter.main([str(tree), "--out", str(tmp_path / "site")])
    assert code == 1
    n, problems = converter.convert(tree, tmp_path / "site", REPO / "site_config.yml")
    assert problems == [
        f"{tree}/a.md:3: impossible date in '2019年2月30日 公布'",
        f"{tree}/b.md:1: no title: the file must start with a line '# 标题'",
        f"{tree}/c.md:1: not UTF-8 text (invalid byte 0xb7)",
    ]


def test_the_whole_corpus_has_no_refusal_and_no_redaction(tmp_path: Path) -> None:
    src = corpus_or_fail()
    n, problems = converter.convert(src, tmp_path, REPO / "site_config.yml")
    assert problems == [] and n == len(law_files(src)) >= 1000
    result = run_cli(["check", "--now", NOW, "--privacy-report"], tmp_path)
    assert result.exit_code == 0, result.stderr[:2000]
    assert result.stderr.strip().endswith("0 redactions."), result.stderr[-500:]


def page(root: Path, meta: dict) -> str:
    return (root / "out" / "regulations" / meta["id"] / "index.html").read_text(encoding="utf-8")


def test_law_page_has_articles_anchors_toc_and_readable_heading_ids(law_site: Path) -> None:
    html = page(law_site, record(law_site, "中华人民共和国刑事诉讼法"))
    assert 'id="第六十七条" class="oa-art"' in html and 'id="art-67"' in html
    assert '<a class="oa-art-no" href="#第六十七条"' in html
    assert 'class="oa-l oa-l-bian"' in html and 'class="oa-l oa-l-zhang"' in html and 'class="oa-l oa-l-jie"' in html
    assert 'id="第一编-总则"' in html and not re.search(r'id="_\d+"', html)
    assert '<details class="oa-law-toc" id="oa-law-toc" open' in html
    assert '<a class="oa-law-toc__range" href="#第六十六条">第六十六条—第一百条</a>' in html
    assert "oa-law.js" in html and "oa-law.css" in html
    # every article of the text has its anchor, in order, none twice
    anchors = re.findall(r'<p id="(第[^"]+条(?:之[^"]+)?)" class="oa-art"', html)
    assert len(anchors) == 308 and len(set(anchors)) == 308
    crim = page(law_site, record(law_site, "中华人民共和国刑法"))
    assert 'id="第一百三十三条之一" class="oa-art"' in crim and 'id="art-133-1"' in crim
    # 第一章 总　则 (full-width space): readable id without the space
    net = page(law_site, record(law_site, "网络数据安全管理条例"))
    assert 'id="第一章-总则"' in net
    # versions: the timeline on both versions of the 民事诉讼法
    old = record(law_site, "中华人民共和国民事诉讼法", "2021-12-24")
    assert "版本沿革" in page(law_site, old) and "oa-timeline__item--current" in page(law_site, old)


def _articles_of(root: Path) -> list[dict]:
    """The pages of the static index, each long text put together from its windows."""
    search = root / "out" / "search"
    return read_docs({str(p.relative_to(search.parent)): p.read_bytes() for p in search.rglob("*.json")})


def _queries(docs: list[dict], rng: random.Random) -> list[str]:
    """Phrases cut from real law text (3 to 8 Chinese characters), each also with a
    full-width and a half-width space inside it."""
    out = []
    for d in rng.sample(docs, min(20, len(docs))):
        text = d["x"]
        for _ in range(4):
            i = rng.randrange(0, max(1, len(text) - 10))
            m = re.search(r"[\u4e00-\u9fff]{3,8}", text[i : i + 40])
            if m:
                q = m.group()
                k = rng.randrange(1, len(q))
                out += [q, q[:k] + "\u3000" + q[k:], q[:k] + " " + q[k:]]
    return out + ["总则", "总 则", "取保候审"]


def test_both_searches_find_every_law_with_and_without_inner_space(law_site: Path) -> None:
    from test_static_search import EVERYTHING, run_queries

    docs = _articles_of(law_site)
    queries = _queries(docs, random.Random(3))
    runs = run_queries(law_site / "out", [(f'"{q}"', EVERYTHING) for q in queries], full=False)
    index = index_dir_for(law_site / "out")
    expected_total = 0
    for q, r in zip(queries, runs, strict=True):
        nq = normalize(q).replace(" ", "")
        want = {d["u"] for d in docs if nq in normalize(d["x"])}
        expected_total += len(want)
        got = {re.sub("#.*", "", u) for u in r["results"]}
        assert want == got, (q, sorted(want ^ got)[:3])
        hits = fielded_search(index, f'"{q}"', limit=1000).hits
        assert want <= {h.url.split("#")[0] for h in hits}, (q, "fielded")
    assert expected_total > 100
    # 总则 finds the heading written 第一章 总　则
    net = record(law_site, "网络数据安全管理条例")
    assert f"/regulations/{net['id']}/" in {re.sub("#.*", "", u) for u in runs[-2]["results"]}


def test_article_hits_and_ranking(law_site: Path) -> None:
    from test_static_search import EVERYTHING, run_queries

    cpl = record(law_site, "中华人民共和国刑事诉讼法")
    [r] = run_queries(law_site / "out", [("取保候审", EVERYTHING)], full=False)
    urls = r["results"]
    # the law about it comes first, before newer laws that mention it once
    assert urls[0] == f"/regulations/{cpl['id']}/#art-66", urls[:3]
    assert len(urls) == 7
    hits = fielded_search(index_dir_for(law_site / "out"), "取保候审", limit=10).hits
    assert hits[0].id == cpl["id"] and hits[0].article == "第六十六条" and hits[0].url.endswith("#art-66")
    assert ("第六十七条", f"/regulations/{cpl['id']}/#art-67") in hits[0].articles
    # openaffairs search: the article after the title, the law's other articles on one line
    printed = run_cli(["search", "--out", "out", "--now", NOW, "--limit", "3", "取保候审"], law_site)
    assert printed.exit_code == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert lines[0].startswith(" 1. [regulations] 中华人民共和国刑事诉讼法 第六十六条")
    assert lines[1].strip() == f"https://jw.example.org/regulations/{cpl['id']}/#art-66"  # the absolute link
    assert lines[3].startswith("    also: 第六十七条、第六十八条")
    [r] = run_queries(law_site / "out", [('"采取取保候审不致发生社会危险性"', EVERYTHING)], full=True)
    assert [x["url"] for x in r["results"]] == [f"/regulations/{cpl['id']}/#art-67"]
    assert r["results"][0]["article"] == "第六十七条"
    [r] = run_queries(law_site / "out", [("取保候审", EVERYTHING)], full=True)
    grouped = r["results"][0]["articles"]  # the other articles of the law, one result
    assert [a["label"] for a in grouped[:3]] == ["第六十六条", "第六十七条", "第六十八条"]


def test_law_page_at_390px_toc_jump_and_search_link(law_site: Path) -> None:
    from browser import browser_page, served

    cpl = record(law_site, "中华人民共和国刑事诉讼法")
    with served(law_site / "out") as base, browser_page(390, 844) as (pg, _requested):
        pg.goto(f"{base}/regulations/{cpl['id']}/")
        toc = pg.locator("#oa-law-toc")
        assert toc.get_attribute("open") is None  # folded on a phone, visible as a bar
        assert toc.locator("summary").is_visible()
        toc.locator("summary").click()
        assert toc.get_attribute("open") is not None
        link = toc.locator('a.oa-law-toc__range[href="#第六十六条"]')
        link.click()
        pg.wait_for_function("location.hash === '#%E7%AC%AC%E5%85%AD%E5%8D%81%E5%85%AD%E6%9D%A1'")
        box = pg.locator('[id="第六十六条"]').bounding_box()
        assert box is not None and 0 <= box["y"] < 844, box
        assert toc.get_attribute("open") is None  # closed again, the article is in view
        # "go to article": 第六十七条, typed in Chinese numerals
        toc.locator("summary").click()
        pg.fill("#oa-law-jump-n", "六十七")
        pg.press("#oa-law-jump-n", "Enter")
        pg.wait_for_function("location.hash === '#art-67'")
        box = pg.locator('[id="第六十七条"]').bounding_box()
        assert box is not None and 0 <= box["y"] < 844, box
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # nothing wider than the phone
        # a search result for a phrase of 第六十七条 links to its anchor
        pg.goto(
            f"{base}/search/?q=%E9%87%87%E5%8F%96%E5%8F%96%E4%BF%9D%E5%80%99%E5%AE%A1%E4%B8%8D%E8%87%B4%E5%8F%91%E7%94%9F"
        )
        first = pg.locator(".oa-search__title").first
        first.wait_for()
        assert first.get_attribute("href") == f"{base}/regulations/{cpl['id']}/#art-67"
        assert "第六十七条" in first.inner_text()
        first.click()
        pg.wait_for_function("location.hash === '#art-67'")
        box = pg.locator('[id="第六十七条"]').bounding_box()
        assert box is not None and 0 <= box["y"] < 844, box


def test_regulation_index_filters_in_force_on_a_date(law_site: Path) -> None:
    from browser import browser_page, served

    old = record(law_site, "中华人民共和国民事诉讼法", "2021-12-24")
    new = record(law_site, "中华人民共和国民事诉讼法", "2023-09-01")
    html = (law_site / "out" / "regulations" / "index.html").read_text(encoding="utf-8")
    until = new.get("effective") or new["issued"]
    assert f'data-from="{old.get("effective") or old["issued"]}" data-until="{until}"' in html
    with served(law_site / "out") as base, browser_page(1280, 900) as (pg, _requested):
        pg.goto(f"{base}/regulations/")
        rows = pg.locator("#oa-regulations tbody tr")
        total = rows.count()

        def visible_titles(day: str) -> list[str]:
            pg.fill("#oa-reg-on", day)
            return pg.eval_on_selector_all(
                "#oa-regulations tbody tr:not([hidden]) td:first-child a", "els => els.map(e => e.href)"
            )

        before = visible_titles("2022-06-01")
        assert any(f"/regulations/{old['id']}/" in u for u in before)
        assert not any(f"/regulations/{new['id']}/" in u for u in before)
        after = visible_titles("2024-06-01")
        assert any(f"/regulations/{new['id']}/" in u for u in after)
        assert not any(f"/regulations/{old['id']}/" in u for u in after)
        assert len(visible_titles("1950-01-01")) == 0
        pg.fill("#oa-reg-on", "")
        assert pg.locator("#oa-regulations tbody tr:not([hidden])").count() == total
