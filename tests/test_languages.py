"""Two languages in one site (issue 10): `languages: [zh, en]` builds the English interface
under /en/; a record names its translation with `translation_of`; hreflang links and the
language switch appear only where a published counterpart exists; the gate applies to
translations; a single-language site is byte-identical to one without the key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser import browser_page, served
from conftest import CONFIG, NOW, REGULATION, run_cli, tree_digest, write_site

from generator.static_search import read_docs

SWITCH = re.compile(r'<a class="oa-tool oa-lang" href="([^"]+)" hreflang="([^"]+)"[^>]*>([^<]+)</a>')
ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def page(out: Path, url: str) -> str:
    return (
        (out / url.strip("/") / "index.html").read_text("utf-8")
        if url != "/"
        else (out / "index.html").read_text("utf-8")
    )


def switch(html: str) -> tuple[str, str, str] | None:
    m = SWITCH.search(html)
    return (m.group(1), m.group(2), m.group(3)) if m else None


# --- the repository's sample site (languages: [zh, en]) -----------------------------------------


def test_record_with_a_published_translation_links_both_ways(built_content: Path) -> None:
    zh = page(built_content, "/disclosures/jiangjian-xingsu-2026-15-prosecution/")
    en = page(built_content, "/en/disclosures/jiangjian-xingsu-2026-15-prosecution-en/")
    assert switch(zh) == ("../../en/disclosures/jiangjian-xingsu-2026-15-prosecution-en/", "en", "English")
    assert switch(en) == ("../../../disclosures/jiangjian-xingsu-2026-15-prosecution/", "zh-CN", "中文")
    base = "https://jw.example.org"
    expected = {
        ("en", f"{base}/en/disclosures/jiangjian-xingsu-2026-15-prosecution-en/"),
        ("zh-CN", f"{base}/disclosures/jiangjian-xingsu-2026-15-prosecution/"),
        ("x-default", f"{base}/disclosures/jiangjian-xingsu-2026-15-prosecution/"),
    }
    assert set(ALTERNATE.findall(zh)) == expected
    assert set(ALTERNATE.findall(en)) == expected
    assert '<html lang="en"' in en and '<html lang="zh"' in zh
    assert "assets/oa-lang.css" in en and "assets/oa-lang.css" in zh


def test_no_switch_where_no_counterpart_exists(built_content: Path) -> None:
    for url in (
        "/en/disclosures/press-weekend-service-2026-en/",  # English only
        "/disclosures/jiangjian-xingsu-2026-9-prosecution/",  # Chinese only
        "/disclosures/withdrawn-wu-embezzlement/",  # a tombstone
    ):
        html = page(built_content, url)
        assert switch(html) is None, url
        assert ALTERNATE.findall(html) == [], url
        assert "oa-tool oa-lang" not in html and "oalang.js" not in html, url


def test_every_interface_page_has_a_switch(built_content: Path) -> None:
    for url in ("/", "/disclosures/", "/regulations/", "/open-days/", "/guides/", "/search/", "/sitemap/", "/data/"):
        zh, en = page(built_content, url), page(built_content, "/en" + url)
        assert switch(zh) is not None and switch(zh)[1] == "en", url  # type: ignore[index]
        assert switch(en) is not None and switch(en)[1] == "zh-CN", url  # type: ignore[index]
        assert len(ALTERNATE.findall(zh)) == 3, url
    # an archive only one side has: the switch leads to the other side's home, with no hreflang
    only_zh = page(built_content, "/disclosures/category/legal-document/")
    assert not (built_content / "en/disclosures/category/legal-document").exists()
    assert switch(only_zh) == ("../../../en/", "en", "English")
    assert ALTERNATE.findall(only_zh) == []
    # the 404 pages, served at any depth: absolute paths to the other home
    assert switch((built_content / "404.html").read_text("utf-8")) == ("/en/", "en", "English")
    assert switch((built_content / "en/404.html").read_text("utf-8")) == ("/", "zh-CN", "中文")
    en404 = (built_content / "en/404.html").read_text("utf-8")
    assert "Page not found" in en404 and 'action="/en/search/"' in en404


def test_each_side_lists_feeds_and_searches_its_own_records(built_content: Path) -> None:
    zh_list, en_list = page(built_content, "/disclosures/"), page(built_content, "/en/disclosures/")
    assert "press-weekend-service-2026-en" not in zh_list
    assert "press-weekend-service-2026-en/" in en_list and "jiangjian-xingsu-2026-9-prosecution" not in en_list
    en_feed = (built_content / "en/feed.atom").read_text("utf-8")
    zh_feed = (built_content / "feed.atom").read_text("utf-8")
    assert "https://jw.example.org/en/disclosures/press-weekend-service-2026-en/" in en_feed
    assert "-en/" not in zh_feed and 'xml:lang="en"' in en_feed
    # the pages of each side's static index (a long text's windows put together: read_docs)
    en_docs = read_docs(
        {
            str(p.relative_to(built_content / "en")): p.read_bytes()
            for p in (built_content / "en/search").rglob("*.json")
        }
    )
    zh_docs = read_docs(
        {str(p.relative_to(built_content)): p.read_bytes() for p in (built_content / "search").rglob("*.json")}
    )
    assert en_docs and all(d["u"].endswith("-en/") for d in en_docs)
    assert zh_docs and not any(d["u"].endswith("-en/") for d in zh_docs)
    en_data = json.loads((built_content / "en/data/disclosures.json").read_text("utf-8"))
    assert {r["lang"] for r in en_data["records"]} == {"en"}
    twin = json.loads((built_content / "en/guides/bribery-record-inquiry-en/index.json").read_text("utf-8"))
    assert twin["url"] == "https://jw.example.org/en/guides/bribery-record-inquiry-en/"
    robots = (built_content / "robots.txt").read_text("utf-8")
    assert "Disallow: /en/search/" in robots and not (built_content / "en/robots.txt").exists()


def test_sitemap_has_both_sides_with_alternates(built_content: Path) -> None:
    xml = (built_content / "sitemap.xml").read_text("utf-8")
    assert not (built_content / "en/sitemap.xml").exists()
    assert "<loc>https://jw.example.org/en/guides/bribery-record-inquiry-en/</loc>" in xml
    line = next(x for x in xml.splitlines() if "<loc>https://jw.example.org/guides/bribery-record-inquiry/<" in x)
    assert 'hreflang="en" href="https://jw.example.org/en/guides/bribery-record-inquiry-en/"' in line
    solo = next(x for x in xml.splitlines() if "press-weekend-service-2026-en/<" in x)
    assert "xhtml:link" not in solo


def test_english_translation_uses_the_chinese_pseudonyms(built_content: Path) -> None:
    en = page(built_content, "/en/disclosures/jiangjian-xingsu-2026-15-prosecution-en/")
    zh = page(built_content, "/disclosures/jiangjian-xingsu-2026-15-prosecution/")
    for pseudonym in ("张某1", "张某2", "欧阳某"):
        assert pseudonym in en and pseudonym in zh
    for real in ("Zhang Jianguo", "Jianguo", "Zhang Li", "Ouyang", "Minghui", "Old Zhang", "Sister Li", "张建国"):
        assert real not in en, real
    # an English page links the English version of a law it cites
    assert 'href="../../regulations/criminal-procedure-law-2018-en/"' in en


def test_switch_works_in_the_browser(built_content: Path) -> None:
    with served(built_content) as base, browser_page(390, 844) as (pg, requested):
        pg.goto(base + "/guides/bribery-record-inquiry/", wait_until="networkidle")  # type: ignore[attr-defined]
        pg.click("a.oa-lang")  # type: ignore[attr-defined]
        pg.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
        assert pg.url == base + "/en/guides/bribery-record-inquiry-en/"  # type: ignore[attr-defined]
        assert pg.locator("h1").first.inner_text() == "Bribery criminal record inquiry"  # type: ignore[attr-defined]
        box = pg.locator("a.oa-lang").bounding_box()  # type: ignore[attr-defined]
        assert box and box["height"] >= 24 and box["width"] >= 24
    # mkdocs-material would fetch a sitemap.xml beside every rel=alternate link (theme/assets/oalang.js)
    assert all(u.startswith(base) for u in requested), [u for u in requested if not u.startswith(base)]


# --- throwaway sites: the gate, and the single-language build -----------------------------------

TWO = CONFIG.replace("language: zh\n", "language: zh\nlanguages: [zh, en]\n")


def guide(id_: str, title: str, extra: str = "", status: str = "approved") -> str:
    approval = "approved_by: li.wei\napproved_on: 2026-01-05\n" if status == "approved" else ""
    return (
        f"---\nid: {id_}\ntitle: {title}\nstatus: {status}\nauthor: wang.fang\n{approval}"
        f"service: other\n{extra}---\n正文。Text.\n"
    )


def test_a_translation_held_back_gives_no_switch_and_no_trace(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        {
            "content/guides/visit.md": guide("visit", "来访须知"),
            "content/guides/visit-en.md": guide(
                "visit-en", "Visiting us", "lang: en\ntranslation_of: visit\n", status="review"
            ),
            "content/guides/hours.md": guide("hours", "接待时间", status="draft"),
            "content/guides/hours-en.md": guide("hours-en", "Opening hours", "lang: en\ntranslation_of: hours\n"),
        },
        TWO,
    )
    result = run_cli(["build", "--now", NOW, "--out", "out"], root)
    assert result.exit_code == 0, result.stderr
    out = root / "out"
    zh = page(out, "/guides/visit/")
    assert switch(zh) is None and ALTERNATE.findall(zh) == []
    en = page(out, "/en/guides/hours-en/")  # published; the Chinese record it translates is a draft
    assert switch(en) is None and ALTERNATE.findall(en) == []
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".html", ".json", ".xml", ".atom", ".txt", ".csv", ".bin", ""):
            data = p.read_bytes()
            assert b"visit-en" not in data and b"Visiting us" not in data, p
            assert b"guides/hours/" not in data and "接待时间".encode() not in data, p
    assert (out / "en/guides/hours-en/index.json").is_file()
    twin = json.loads((out / "en/guides/hours-en/index.json").read_text("utf-8"))
    assert "translation_of" not in twin


def test_approving_the_translation_adds_the_switch(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        {
            "content/guides/visit.md": guide("visit", "来访须知"),
            "content/guides/visit-en.md": guide("visit-en", "Visiting us", "lang: en\ntranslation_of: visit\n"),
        },
        TWO,
    )
    assert run_cli(["build", "--now", NOW, "--out", "out"], root).exit_code == 0
    assert switch(page(root / "out", "/guides/visit/")) == ("../../en/guides/visit-en/", "en", "English")


@pytest.mark.parametrize("languages", ["", "languages: [zh]\n"])
def test_single_language_build_is_unchanged(tmp_path: Path, languages: str) -> None:
    """One language (or none named): an English record stays where it was, no /en/, no switch,
    and the output is byte for byte the build without the key."""
    files = {
        "content/guides/visit.md": guide("visit", "来访须知"),
        "content/guides/visit-en.md": guide("visit-en", "Visiting us", "lang: en\ntranslation_of: visit\n"),
    }
    plain = write_site(tmp_path / "plain", files)
    keyed = write_site(tmp_path / "keyed", files, CONFIG.replace("language: zh\n", "language: zh\n" + languages))
    for root in (plain, keyed):
        assert run_cli(["build", "--now", NOW, "--out", "out"], root).exit_code == 0
    assert tree_digest(plain / "out") == tree_digest(keyed / "out")
    out = keyed / "out"
    assert not (out / "en").exists() and (out / "guides/visit-en/index.html").is_file()
    assert "oa-tool oa-lang" not in page(out, "/guides/visit/") and "hreflang" not in page(out, "/guides/visit/")
    assert not (out / "assets/oalang.js").exists() and not (out / "assets/oa-lang.css").exists()


def test_drafts_preview_marks_an_english_draft(tmp_path: Path) -> None:
    """``serve --drafts`` (pipeline.build(drafts=True)): the banner is on the English page too."""
    import os

    from generator.pipeline import build, configure

    root = write_site(
        tmp_path,
        {
            "content/guides/visit.md": guide("visit", "来访须知"),
            "content/guides/visit-en.md": guide(
                "visit-en", "Visiting us", "lang: en\ntranslation_of: visit\n", status="review"
            ),
        },
        TWO,
    )
    old = Path.cwd()
    os.chdir(root)
    try:
        config, now = configure(Path("site_config.yml"), NOW)
        build(config, root / "out", now, drafts=True)
    finally:
        os.chdir(old)
    html = page(root / "out", "/en/guides/visit-en/")
    assert "oa-draft-banner" in html
    assert "oa-draft-banner" not in page(root / "out", "/guides/visit/")


def test_json_ld_links_a_record_of_the_other_side_where_it_lives(tmp_path: Path) -> None:
    old_law = REGULATION.replace("id: cpl", "id: cpl-old").replace("2018-10-26", "2012-03-14")
    new_en = (
        REGULATION.replace("id: cpl\n", "id: cpl-en\nlang: en\namends: [cpl-old]\n")
        .replace("中华人民共和国刑事诉讼法", "Criminal Procedure Law")
        .replace("正文。", "Text.")
    )
    root = write_site(
        tmp_path, {"content/regulations/cpl-old.md": old_law, "content/regulations/cpl-en.md": new_en}, TWO
    )
    assert run_cli(["build", "--now", NOW, "--out", "out"], root).exit_code == 0
    html = page(root / "out", "/en/regulations/cpl-en/")
    assert '"url":"https://test.example.org/regulations/cpl-old/"' in html
    assert "https://test.example.org/en/regulations/cpl-old/" not in html
