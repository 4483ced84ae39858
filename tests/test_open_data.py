"""Open data and history (issue 11): feeds, calendars, data files, JSON twins,
JSON-LD, dates from git, sitemap, robots.txt, SHA256SUMS.

Every test builds real sites with the real CLI; feeds are read with
feedparser, calendars with icalendar, the data package with the Frictionless
validator; git dates come from real git repositories made in the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from conftest import NOW, REGULATION, run_cli, write_site
from icalendar import Calendar

OPEN_DAY = """\
---
id: {id}
title: {title}
status: approved
author: sun.min
approved_by: chen.jing
approved_on: 2026-11-01
start: {start}
end: {end}
location: {{name: 检察服务中心, address: {address}}}
event_status: {status}
registration: {{opens: 2026-11-20T09:00:00+08:00, closes: 2026-12-10T17:00:00+08:00, method: 电话报名, contact: "12309"}}
---
欢迎参加。
"""

DISCLOSURE = """\
---
id: {id}
title: {title}
status: {status}
author: wang.fang
approved_by: li.wei
approved_on: {approved}
category: {category}
date: 2026-03-01
summary: {id} 的摘要
legal_basis: [cpl]
{extra}---
正文{id}。
"""


def open_day(
    id_: str = "od-1",
    title: str = "十二月开放日",
    start: str = "2026-12-15T09:30:00+08:00",
    end: str = "2026-12-15T11:30:00+08:00",
    address: str = "人民路100号",
    status: str = "scheduled",
) -> str:
    return OPEN_DAY.format(id=id_, title=title, start=start, end=end, address=address, status=status)


def disclosure(
    id_: str,
    title: str,
    category: str = "announcement",
    status: str = "approved",
    approved: str = "2026-03-02",
    extra: str = "",
) -> str:
    return DISCLOSURE.format(id=id_, title=title, category=category, status=status, approved=approved, extra=extra)


def build(root: Path, now: str = NOW, out: str = "out") -> Path:
    result = run_cli(["build", "--now", now, "--out", out], root)
    assert result.exit_code == 0, result.stderr
    return root / out


# ---------------------------------------------------------------------------------- feeds


def test_every_feed_parses_and_is_newest_first(built_sample: Path) -> None:
    feeds = sorted(built_sample.rglob("*.atom"))
    assert {f.relative_to(built_sample).as_posix() for f in feeds} >= {
        "feed.atom",
        "disclosures/feed.atom",
        "regulations/feed.atom",
        "open-days/feed.atom",
        "guides/feed.atom",
        "disclosures/category/case-procedure/feed.atom",
        "disclosures/category/work-report/feed.atom",
    }
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        stamps = [e.published_parsed for e in parsed.entries]
        assert stamps == sorted(stamps, reverse=True), path
        for e in parsed.entries:
            assert e.link.startswith("https://test.example.org/") and e.id.startswith("tag:test.example.org,")
        assert len({e.id for e in parsed.entries}) == len(parsed.entries)


def test_feed_has_publication_change_and_withdrawal_entries(built_sample: Path) -> None:
    parsed = feedparser.parse((built_sample / "disclosures/feed.atom").read_bytes())
    titles = {e.title: e for e in parsed.entries}
    # bribery-case: approved 2026-03-02 (published), a major change on 2026-03-05
    assert titles["张某1受贿案提起公诉"].published.startswith("2026-03-02")
    change = titles["更新：张某1受贿案提起公诉"]
    assert change.published.startswith("2026-03-05") and change.summary == "更正案号"
    assert change.link.endswith("/disclosures/bribery-case/#change-1")
    withdrawn = titles["撤回：已撤回的通告"]
    assert withdrawn.published.startswith("2026-02-10") and withdrawn.link.endswith("#withdrawn")
    assert withdrawn.summary == "信息有误，已更正后重新发布。"
    # the old RSS address keeps working: the same disclosures feed
    assert (built_sample / "feed.xml").read_bytes() == (built_sample / "disclosures/feed.atom").read_bytes()
    assert not feedparser.parse((built_sample / "feed.xml").read_bytes()).bozo


def test_minor_change_gets_no_feed_entry(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        {
            "content/regulations/cpl.md": REGULATION,
            "content/disclosures/a.md": disclosure(
                "a",
                "公告甲",
                extra=(
                    "changes:\n  - {date: 2026-04-01, note: 补充说明}\n  - {date: 2026-04-02, note: 改错字, minor: true}\n"
                ),
            ),
        },
    )
    parsed = feedparser.parse((build(root) / "feed.atom").read_bytes())
    assert [e.title for e in parsed.entries if e.title.startswith("更新")] == ["更新：公告甲"]
    assert parsed.entries[0].summary == "补充说明"


def test_every_page_links_its_feeds_and_shows_a_subscribe_link(built_sample: Path) -> None:
    pages = [p for p in built_sample.rglob("index.html")]
    assert len(pages) > 15
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert re.search(
            r'<link rel="alternate feed" type="application/atom\+xml" title="[^"]+" '
            r'href="https://test.example.org/feed.atom">',
            html,
        ), page
        assert 'class="oa-subscribe"' in html, page
    cat = (built_sample / "disclosures/category/case-procedure/index.html").read_text(encoding="utf-8")
    assert 'href="https://test.example.org/disclosures/category/case-procedure/feed.atom"' in cat
    subscribe = re.search(r'<a class="oa-subscribe" href="([^"]+)"', cat)
    assert (
        subscribe
        and urljoin("https://test.example.org/disclosures/category/case-procedure/", subscribe.group(1))
        == "https://test.example.org/disclosures/category/case-procedure/feed.atom"
    )
    assert (built_sample / "disclosures/category/case-procedure/feed.atom").is_file()


def test_a_newly_approved_record_appears_in_its_category_feed_after_the_next_build(tmp_path: Path) -> None:
    """As a subscriber would see it: poll the category feed, approve a record, rebuild, poll again."""
    root = write_site(
        tmp_path,
        {
            "content/regulations/cpl.md": REGULATION,
            "content/disclosures/a.md": disclosure("a", "公告甲"),
            "content/disclosures/b.md": disclosure("b", "公告乙", status="review"),
        },
    )
    feed = "disclosures/category/announcement/feed.atom"
    before = feedparser.parse((build(root) / feed).read_bytes())
    assert [e.title for e in before.entries] == ["公告甲"]
    (root / "content/disclosures/b.md").write_text(disclosure("b", "公告乙", approved="2026-11-25"), encoding="utf-8")
    after = feedparser.parse((build(root) / feed).read_bytes())
    assert [e.title for e in after.entries] == ["公告乙", "公告甲"]
    assert after.entries[0].published.startswith("2026-11-25")
    assert after.feed.updated.startswith("2026-11-25")
    assert {e.id for e in before.entries} <= {e.id for e in after.entries}  # ids are stable


# ------------------------------------------------------------------------------ calendars


def _events(path: Path) -> list:
    cal = Calendar.from_ical(path.read_bytes())
    return [c for c in cal.walk("VEVENT")]


def test_open_day_calendar_has_local_times_zone_and_details(built_sample: Path) -> None:
    cal = Calendar.from_ical((built_sample / "open-days/calendar.ics").read_bytes())
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    (ev,) = cal.walk("VEVENT")
    start = ev.decoded("DTSTART")
    assert start.tzinfo is not None and str(ev["DTSTART"].params["TZID"]) == "Asia/Shanghai"
    assert (start.hour, start.minute) == (9, 30) and start.utcoffset() == dt.timedelta(hours=8)
    assert ev.decoded("DTEND").hour == 11
    assert str(ev["UID"]) == "open-day-2026-12@test.example.org"
    assert str(ev["STATUS"]) == "CONFIRMED" and int(ev["SEQUENCE"]) == 0
    assert "人民路100号" in str(ev["LOCATION"])
    assert str(ev["URL"]) == "https://test.example.org/open-days/open-day-2026-12/"
    description = str(ev["DESCRIPTION"])
    assert "报名方式：拨打电话报名" in description and "2026-12-10 17:00" in description
    # the per-event file ("添加到日历") holds the same event
    (single,) = _events(built_sample / "open-days/open-day-2026-12/event.ics")
    assert single["UID"] == ev["UID"] and single.decoded("DTSTART") == start
    page = (built_sample / "open-days/open-day-2026-12/index.html").read_text(encoding="utf-8")
    assert 'href="event.ics"' in page and "添加到日历" in page


def test_cancelled_event_and_times_in_the_site_zone(tmp_path: Path) -> None:
    root = write_site(
        tmp_path,
        {
            "content/open-days/a.md": open_day("od-a", "取消的开放日", status="cancelled"),
            # given in UTC in the file: shown at 08:00 local time
            "content/open-days/b.md": open_day(
                "od-b", "另一开放日", start="2026-12-20T00:00:00Z", end="2026-12-20T02:00:00Z"
            ),
        },
    )
    out = build(root)
    events = {str(e["UID"]): e for e in _events(out / "open-days/calendar.ics")}
    assert str(events["od-a@test.example.org"]["STATUS"]) == "CANCELLED"
    b = events["od-b@test.example.org"]
    assert str(b["DTSTART"].params["TZID"]) == "Asia/Shanghai" and b.decoded("DTSTART").hour == 8
    assert str(b["STATUS"]) == "CONFIRMED"


# ------------------------------------------------------------------------------- git dates


def git(root: Path, *args: str, date: str = "2026-01-01T10:00:00+08:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "内部作者甲",
        "GIT_AUTHOR_EMAIL": "insider@internal.example",
        "GIT_COMMITTER_NAME": "内部提交者乙",
        "GIT_COMMITTER_EMAIL": "committer@internal.example",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_SYSTEM": "/dev/null",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def commit(root: Path, files: dict[str, str], date: str, message: str) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "-A", date=date)
    git(root, "commit", "-q", "-m", message, date=date)


@pytest.fixture
def git_site(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is needed for these tests (apt-get install git)")
    root = write_site(tmp_path / "repo", {})
    git(root, "init", "-q", "-b", "main")
    commit(
        root,
        {
            "content/regulations/cpl.md": REGULATION,
            "content/disclosures/a.md": disclosure("a", "公告甲", status="review"),
        },
        "2026-03-01T10:00:00+08:00",
        "初稿 提交说明泄露测试",
    )
    commit(root, {"content/disclosures/a.md": disclosure("a", "公告甲")}, "2026-03-03T10:00:00+08:00", "批准")
    return root


def test_dates_come_from_git_and_only_public_changes_count(git_site: Path) -> None:
    root = git_site
    # an internal field changes: what is published stays the same
    text = disclosure("a", "公告甲").replace("author: wang.fang", "author: chen.jing")
    commit(root, {"content/disclosures/a.md": text}, "2026-04-01T10:00:00+08:00", "内部调整")
    out = build(root)
    page = (out / "disclosures/a/index.html").read_text(encoding="utf-8")
    assert '发布日期 <time datetime="2026-03-03">' in page and '更新日期 <time datetime="2026-03-03">' in page
    twin = json.loads((out / "disclosures/a/index.json").read_text(encoding="utf-8"))
    assert (twin["published"], twin["updated"]) == ("2026-03-03", "2026-03-03")
    # now the title changes: the record's update date follows the commit
    commit(root, {"content/disclosures/a.md": disclosure("a", "公告甲（修订）")}, "2026-05-06T23:30:00+08:00", "改标题")
    out = build(root)
    twin = json.loads((out / "disclosures/a/index.json").read_text(encoding="utf-8"))
    assert (twin["published"], twin["updated"]) == ("2026-03-03", "2026-05-06")  # dates in the site's zone
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://test.example.org/disclosures/a/</loc><lastmod>2026-05-06</lastmod>" in sitemap
    # a change not yet committed counts from the build date
    (root / "content/disclosures/a.md").write_text(disclosure("a", "公告甲（再修订）"), encoding="utf-8")
    twin = json.loads((build(root) / "disclosures/a/index.json").read_text(encoding="utf-8"))
    assert (twin["published"], twin["updated"]) == ("2026-03-03", "2026-11-26")
    out = build(root)
    # never a commit message, an author or a committer
    everything = "\n".join(p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file())
    for secret in ("提交说明泄露测试", "内部作者甲", "内部提交者乙", "insider@internal.example", "改标题", "内部调整"):
        assert secret not in everything


def test_calendar_sequence_rises_when_time_place_or_status_change_in_git(git_site: Path) -> None:
    root = git_site
    commit(root, {"content/open-days/od.md": open_day("od-1")}, "2026-11-01T10:00:00+08:00", "开放日")

    def event() -> object:
        (ev,) = _events(build(root) / "open-days/calendar.ics")
        return ev

    first = event()
    assert int(first["SEQUENCE"]) == 0
    # an unrelated edit (the body) does not raise it
    commit(
        root,
        {"content/open-days/od.md": open_day("od-1").replace("欢迎参加。", "欢迎各界参加。")},
        "2026-11-02T10:00:00+08:00",
        "正文",
    )
    assert int(event()["SEQUENCE"]) == 0
    commit(
        root,
        {
            "content/open-days/od.md": open_day(
                "od-1", start="2026-12-15T14:00:00+08:00", end="2026-12-15T16:00:00+08:00"
            )
        },
        "2026-11-03T10:00:00+08:00",
        "改时间",
    )
    moved = event()
    assert int(moved["SEQUENCE"]) == 1 and moved.decoded("DTSTART").hour == 14
    commit(
        root,
        {
            "content/open-days/od.md": open_day(
                "od-1", start="2026-12-15T14:00:00+08:00", end="2026-12-15T16:00:00+08:00", address="新华路1号"
            )
        },
        "2026-11-04T10:00:00+08:00",
        "改地点",
    )
    assert int(event()["SEQUENCE"]) == 2
    commit(
        root,
        {
            "content/open-days/od.md": open_day(
                "od-1",
                start="2026-12-15T14:00:00+08:00",
                end="2026-12-15T16:00:00+08:00",
                address="新华路1号",
                status="cancelled",
            )
        },
        "2026-11-05T10:00:00+08:00",
        "取消",
    )
    cancelled = event()
    assert int(cancelled["SEQUENCE"]) == 3 and str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["UID"] == first["UID"]


def test_dates_without_git_come_from_the_fields(built_sample: Path) -> None:
    twin = json.loads((built_sample / "disclosures/bribery-case/index.json").read_text(encoding="utf-8"))
    assert (twin["published"], twin["updated"]) == ("2026-03-02", "2026-03-05")  # approved_on, changes


# --------------------------------------------------------------------------- data files


def test_data_package_validates_with_frictionless(built_sample: Path) -> None:
    from frictionless import Package

    report = Package(str(built_sample / "data/datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    pkg = json.loads((built_sample / "data/datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in pkg["resources"]} == {"disclosures", "regulations", "open_days", "guides", "pages"}
    for res in pkg["resources"]:
        assert all(f.get("description") for f in res["schema"]["fields"])


def _csv_records(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    labels, codes = rows[0], rows[1]
    return labels, [dict(zip(codes, row, strict=True)) for row in rows[2:]]


def test_csv_and_json_exports_round_trip_to_the_same_records(built_sample: Path) -> None:
    for type_ in ("disclosures", "regulations", "open-days", "guides", "pages"):
        labels, rows = _csv_records(built_sample / f"data/{type_}.csv")
        data = json.loads((built_sample / f"data/{type_}.json").read_text(encoding="utf-8"))
        fields = {f["name"]: f["type"] for f in data["fields"]}
        assert [f["title"] for f in data["fields"]] == labels
        assert len(rows) == data["count"] == len(data["records"])

        def from_csv(row: dict[str, str], fields: dict[str, str] = fields) -> dict[str, object]:
            out: dict[str, object] = {}
            for name, value in row.items():
                kind = fields[name]
                out[name] = (
                    (value.split("；") if value else [])
                    if kind == "array"
                    else (int(value) if value else None)
                    if kind == "integer"
                    else (value or None)
                )
            return out

        assert [from_csv(r) for r in rows] == data["records"], type_
        # every JSON twin carries the same fields as the bulk file
        for record in data["records"]:
            twin = json.loads((built_sample / f"{type_}/{record['id']}/index.json").read_text(encoding="utf-8"))
            assert {k: twin[k] for k in record} == record
    labels, rows = _csv_records(built_sample / "data/disclosures.csv")
    assert labels[:3] == ["编号", "标题", "网址"] and "类别" in labels
    bribery = next(r for r in rows if r["id"] == "bribery-case")
    assert bribery["category"] == "case-procedure" and bribery["category_label"] == "案件程序性信息"
    assert bribery["url"] == "https://test.example.org/disclosures/bribery-case/"
    assert bribery["attachments"].startswith("https://test.example.org/disclosures/bribery-case/files/")
    ids = {r["id"] for r in rows}
    assert "withdrawn-notice" not in ids and "held-draft" not in ids


def test_zip_holds_every_data_file(built_sample: Path) -> None:
    with zipfile.ZipFile(built_sample / "data/openaffairs-data.zip") as zf:
        names = set(zf.namelist())
        assert zf.testzip() is None
        assert zf.read("disclosures.csv") == (built_sample / "data/disclosures.csv").read_bytes()
    assert names == {p.name for p in (built_sample / "data").iterdir() if p.is_file() and p.suffix in (".csv", ".json")}


def test_publication_log_lists_every_event_with_its_date(built_sample: Path) -> None:
    log = json.loads((built_sample / "data/changes.json").read_text(encoding="utf-8"))
    events = [(e["date"], e["event"], e["id"]) for e in log["events"]]
    assert events == sorted(events, key=lambda e: e[0], reverse=True)
    assert ("2026-03-05", "changed", "bribery-case") in events
    assert ("2026-02-10", "withdrawn", "withdrawn-notice") in events
    published = {e[2] for e in events if e[1] == "published"}
    # without git a tombstone's publication date is unknown (only title, withdrawal date and
    # reason are public): its withdrawal is logged, its publication not
    assert published == {p.parent.name for p in built_sample.glob("*/*/index.json")} - {"withdrawn-notice"}
    page = (built_sample / "data/changes/index.html").read_text(encoding="utf-8")
    assert "更正案号" in page and "已撤回的通告" in page
    data_page = (built_sample / "data/index.html").read_text(encoding="utf-8")
    assert "datapackage.json" in data_page and "Open data" in data_page and "开放数据" in data_page


def test_tombstone_twin_keeps_only_title_date_and_reason(built_sample: Path) -> None:
    twin = json.loads((built_sample / "disclosures/withdrawn-notice/index.json").read_text(encoding="utf-8"))
    assert twin["status"] == "withdrawn" and twin["withdrawn_on"] == "2026-02-10"
    assert set(twin) == {
        "type",
        "id",
        "title",
        "url",
        "status",
        "published",
        "updated",
        "withdrawn_on",
        "withdrawn_reason",
    }


# ---------------------------------------------------------------------------- JSON-LD, OG


def _jsonld(page: Path) -> list[dict]:
    html = page.read_text(encoding="utf-8")
    return [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def test_jsonld_types_and_properties(built_sample: Path) -> None:
    by_type = {}
    for page in built_sample.glob("*/*/index.html"):
        if page.parent.parent.name in ("data", "search"):
            continue
        blocks = _jsonld(page)
        assert blocks and blocks[-1]["@type"] == "BreadcrumbList", page
        by_type[page.parent.parent.name + "/" + page.parent.name] = blocks[0]
    reg = by_type["regulations/cpl-2018"]
    assert reg["@type"] == "Legislation" and reg["legislationIdentifier"] == "主席令第十号"
    assert reg["legislationLegalForce"] == "https://schema.org/InForce"
    assert reg["legislationDate"] == "2018-10-26" and reg["legislationPassedBy"][0]["name"]
    assert reg["legislationChanges"][0]["@id"].endswith("/regulations/cpl-2012/")
    old = by_type["regulations/cpl-2012"]
    assert old["legislationConsolidates"][0]["@id"].endswith("/regulations/cpl-2018/")
    ev = by_type["open-days/open-day-2026-12"]
    assert ev["@type"] == "Event" and ev["eventStatus"] == "https://schema.org/EventScheduled"
    assert ev["startDate"] == "2026-12-15T09:30:00+08:00" and ev["location"]["address"]["streetAddress"]
    assert ev["organizer"]["@type"] == "GovernmentOrganization"
    assert ev["offers"]["validFrom"] == "2026-11-20T09:00:00+08:00"
    assert by_type["guides/bribery-record-inquiry"]["@type"] == "GovernmentService"
    home = _jsonld(built_sample / "index.html")
    assert home[0]["@type"] == "GovernmentOrganization" and home[0]["name"] == "测试市人民检察院"
    html = (built_sample / "regulations/cpl-2018/index.html").read_text(encoding="utf-8")
    assert '<meta property="og:title" content="中华人民共和国刑事诉讼法">' in html
    assert '<meta property="og:url" content="https://test.example.org/regulations/cpl-2018/">' in html


def test_hostile_title_cannot_break_out_of_jsonld_or_meta(tmp_path: Path) -> None:
    hostile = "公告</script><script>alert(1)</script>&amp;\"'<!--"
    root = write_site(
        tmp_path,
        {
            "content/regulations/cpl.md": REGULATION,
            "content/disclosures/a.md": disclosure("a", json.dumps(hostile, ensure_ascii=False)),
            "content/open-days/x.md": open_day("x", json.dumps(hostile, ensure_ascii=False), status="postponed"),
        },
    )
    out = build(root)
    for page in (out / "disclosures/a/index.html", out / "open-days/x/index.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html
        head = html[: html.index("</head>")]
        blocks = _jsonld(page)
        assert blocks[0]["name"] == hostile  # the title survives intact as data
        assert head.count("<script") == head.count("</script>")
    assert _jsonld(out / "open-days/x/index.html")[0]["eventStatus"] == "https://schema.org/EventPostponed"
    # feeds: the title as text, escaped for readers that render entries as HTML
    parsed = feedparser.parse((out / "disclosures/feed.atom").read_bytes())
    assert not parsed.bozo
    title = parsed.entries[0].title
    assert "<script" not in title and "&lt;/script&gt;&lt;script&gt;alert(1)" in title


# ------------------------------------------------------------------ sitemap, robots, sums


def test_sitemap_lastmod_is_the_last_change_and_robots_txt(built_sample: Path) -> None:
    sitemap = (built_sample / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://test.example.org/disclosures/bribery-case/</loc><lastmod>2026-03-05</lastmod>" in sitemap
    assert "2026-11-26" not in sitemap  # not the build date
    assert "withdrawn-never" not in sitemap and "/search/" not in sitemap
    robots = (built_sample / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://test.example.org/sitemap.xml" in robots


def test_sha256sums_covers_every_file_and_checks(built_sample: Path) -> None:
    sums = (built_sample / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = [line.split("  ", 1)[1] for line in sums]
    files = sorted(p.relative_to(built_sample).as_posix() for p in built_sample.rglob("*") if p.is_file())
    assert listed == [f for f in files if f != "SHA256SUMS"]
    assert "sitemap.xml" in listed and "search/meta.json" in listed or any(f.startswith("search/") for f in listed)
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=built_sample, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    from generator.verify import check_sha256sums

    assert check_sha256sums(built_sample) == []


# ------------------------------------------------------------------- public source export


def export(root: Path, target: Path, now: str = NOW) -> None:
    result = run_cli(["export-public", "--now", now, str(target)], root)
    assert result.exit_code == 0, result.stderr
    assert "Exported" in result.stdout


def test_rebuilding_from_the_public_export_gives_the_same_site(sample_site: Path, tmp_path: Path) -> None:
    from conftest import tree_digest

    internal = build(sample_site)
    export(sample_site, tmp_path / "public")
    rebuilt = build(tmp_path / "public")
    assert tree_digest(rebuilt) == tree_digest(internal)  # byte for byte, SHA256SUMS included
    done = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=rebuilt, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    exported = sorted(
        p.relative_to(tmp_path / "public").as_posix() for p in (tmp_path / "public").rglob("*") if p.is_file()
    )
    assert "content/disclosures/bribery-case/notice.txt" in exported and "content/.dates.json" in exported
    assert not [p for p in exported if "draft" in p or "juvenile" in p or "embargo" in p or "withdrawn-never" in p]


def test_export_carries_git_dates_and_keeps_the_public_repository(git_site: Path, tmp_path: Path) -> None:
    root = git_site
    commit(root, {"content/disclosures/a.md": disclosure("a", "公告甲（修订）")}, "2026-05-06T10:00:00+08:00", "改标题")
    internal = build(root)
    target = tmp_path / "public"
    target.mkdir()
    git(target, "init", "-q", "-b", "main")
    (target / "x.txt").write_text("not an export", encoding="utf-8")
    refused = run_cli(["export-public", "--now", NOW, str(target)], root)
    assert refused.exit_code == 2 and ".openaffairs-export" in refused.stderr and "Traceback" not in refused.stderr
    (target / "x.txt").unlink()
    export(root, target)
    commit(target, {}, "2026-11-26T12:00:00+08:00", "public export")  # the office's public repository
    export(root, target)  # again: .git is kept
    assert (target / ".git").is_dir()
    dates = json.loads((target / "content/.dates.json").read_text(encoding="utf-8"))
    assert {
        "type": "disclosures",
        "id": "a",
        "published": "2026-03-03",
        "updated": "2026-05-06",
        "sequence": 0,
        "source": "git",
    } in dates["records"]
    rebuilt = build(target)
    # the export's own git history (committed today) does not override the carried dates
    twin = json.loads((rebuilt / "disclosures/a/index.json").read_text(encoding="utf-8"))
    assert (twin["published"], twin["updated"]) == ("2026-03-03", "2026-05-06")
    from conftest import tree_digest

    assert tree_digest(rebuilt) == tree_digest(internal)


def test_a_damaged_dates_file_is_an_error_not_a_traceback(sample_site: Path) -> None:
    (sample_site / "content/.dates.json").write_text('{"records": [{"type": "disclosures"', encoding="utf-8")
    result = run_cli(["build", "--now", NOW, "--out", "out"], sample_site)
    assert result.exit_code == 1 and "content/.dates.json:1: not valid JSON" in result.stderr
    (sample_site / "content/.dates.json").write_text(
        '{"records": [{"type": "disclosures", "id": "x", "published": "31.01.2024", "updated": "2024-01-31"}]}',
        encoding="utf-8",
    )
    result = run_cli(["build", "--now", NOW, "--out", "out"], sample_site)
    assert result.exit_code == 1 and "content/.dates.json:1: record 1: expected" in result.stderr
    assert "Traceback" not in result.stderr and "export-public" in result.stderr


def test_calendars_are_what_icalendar_writes(tmp_path: Path) -> None:
    """The calendars are assembled from each event and the zone written once
    (``calendars._calendar``): byte for byte what one icalendar ``Calendar`` holding them
    as subcomponents writes, for the whole calendar and for each event's file, on events
    long enough for lines to be folded."""
    from generator import calendars, dates, pipeline
    from generator.privacy import run_filter

    long_title = "关于举办“检察开放日”活动暨未成年人检察工作宣传周系列活动的公告" * 2
    root = write_site(
        tmp_path,
        {
            "content/open-days/a.md": open_day("od-a", long_title, status="cancelled"),
            "content/open-days/b.md": open_day(
                "od-b", "另一开放日", start="2026-12-20T00:00:00Z", end="2026-12-20T02:00:00Z"
            ),
            "content/open-days/c.md": open_day("od-c", "第三个开放日", status="postponed"),
        },
    )
    old = Path.cwd()
    os.chdir(root)
    try:
        config, now = pipeline.configure(Path("site_config.yml"), NOW)
        p = pipeline._decided(config, now, lambda s: None)
        public = run_filter(p.decided, p.config, p.origin).public
    finally:
        os.chdir(old)
    when = dates.record_dates(public, config, now)
    files = calendars.calendar_files(public, config, when)
    events = sorted((x for x in public if x.type == "open-days"), key=lambda x: (x.record.start, x.id))
    assert len(events) == 3

    def one_calendar(items: list, name: str) -> bytes:
        cal = Calendar()
        for key, value in [
            ("prodid", "-//OpenAffairs//open days//ZH"),
            ("version", "2.0"),
            ("calscale", "GREGORIAN"),
            ("method", "PUBLISH"),
            ("x-wr-calname", name),
            ("x-wr-timezone", config.timezone),
        ]:
            cal.add(key, value)
        cal.add_component(calendars._vtimezone(config.timezone))
        for rec in items:
            cal.add_component(calendars._event(rec, when[(rec.type, rec.id)], config))
        return cal.to_ical()

    name = files["open-days/calendar.ics"].split(b"X-WR-CALNAME:")[1].split(b"\r\n")[0].decode()
    assert files["open-days/calendar.ics"] == one_calendar(events, name)
    for rec in events:
        assert files[f"open-days/{rec.id}/event.ics"] == one_calendar([rec], rec.title)
    assert b"\r\n " in files["open-days/calendar.ics"]  # a folded line among them
