"""The approval gate: each held-back reason, tombstones, and what `check` prints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import NOW, run_cli, write_site

from generator.approval import Outcome, decide
from generator.config import SiteConfig
from generator.records import Disclosure

CONFIG = SiteConfig(site_name="x", site_url="https://x.org/", approvers=["li.wei", "chen.jing"])
BASE = dict(id="x", title="t", author="wang.fang", category="announcement", date="2026-01-01")
NOW_DT = dt.datetime.fromisoformat(NOW)


def make(**fields: object) -> Disclosure:
    return Disclosure.model_validate({**BASE, **fields}, context={"tz": CONFIG.tz})


APPROVED = dict(status="approved", approved_by="li.wei", approved_on="2026-01-02")


@pytest.mark.parametrize(
    "fields,outcome,reason",
    [
        (APPROVED, Outcome.PUBLISH, "approved by li.wei"),
        (dict(status="draft"), Outcome.HELD_DRAFT, "status is draft"),
        (dict(status="review"), Outcome.HELD_REVIEW, "status is review (not yet approved)"),
        (
            {**APPROVED, "author": "li.wei"},
            Outcome.HELD_UNAPPROVED,
            "self-approved: approved_by 'li.wei' is also the author",
        ),
        (
            {**APPROVED, "approved_by": "zhou.tao"},
            Outcome.HELD_UNAPPROVED,
            "approved_by 'zhou.tao' is not listed in site_config.yml approvers",
        ),
        (
            {**APPROVED, "approved_on": "2026-12-01"},
            Outcome.HELD_UNAPPROVED,
            "approved_on 2026-12-01 is after the build time",
        ),
        (
            {**APPROVED, "publish_on": "2026-12-24T09:00:00+08:00"},
            Outcome.HELD_EMBARGO,
            "embargoed until 2026-12-24 09:00",
        ),
        ({**APPROVED, "publish_on": "2026-12-24"}, Outcome.HELD_EMBARGO, "embargoed until 2026-12-24 00:00"),
        ({**APPROVED, "publish_on": "2026-11-26T09:59:59+08:00"}, Outcome.PUBLISH, "approved by li.wei"),
        ({**APPROVED, "publish_on": "2026-11-26T02:00:01Z"}, Outcome.HELD_EMBARGO, "embargoed until 2026-11-26 10:00"),
        (
            {**APPROVED, "parties": [{"name": "孙小明", "role": "suspect", "minor": True}]},
            Outcome.HELD_MINOR,
            "a party who is a minor is a defendant or suspect: crimes of minors are not published",
        ),
        (
            {**APPROVED, "parties": [{"name": "孙小明", "role": "victim", "minor": True}]},
            Outcome.PUBLISH,
            "approved by li.wei",
        ),
        (
            {**APPROVED, "status": "withdrawn", "withdrawn_on": "2026-02-01", "withdrawn_reason": "有误"},
            Outcome.TOMBSTONE,
            "withdrawn on 2026-02-01 (tombstone page kept)",
        ),
        (
            dict(status="withdrawn", withdrawn_on="2026-02-01", withdrawn_reason="有误"),
            Outcome.HELD_WITHDRAWN,
            "withdrawn on 2026-02-01 (never published)",
        ),
        (
            {**APPROVED, "withdrawn_on": "2026-02-01", "withdrawn_reason": "有误"},
            Outcome.HELD_UNAPPROVED,
            "status is approved but withdrawn_on/withdrawn_reason is set: set status: withdrawn, or remove the withdrawal fields",
        ),
        (
            {
                **APPROVED,
                "publish_on": "2027-01-01",
                "status": "withdrawn",
                "withdrawn_on": "2026-02-01",
                "withdrawn_reason": "有误",
            },
            Outcome.HELD_WITHDRAWN,
            "withdrawn on 2026-02-01 (never published)",
        ),
    ],
)
def test_decision(fields: dict[str, object], outcome: Outcome, reason: str) -> None:
    decision = decide(make(**fields), NOW_DT, CONFIG)
    assert (decision.outcome, decision.reason) == (outcome, reason)


def test_check_prints_every_held_back_record(sample_site: Path) -> None:
    result = run_cli(["check", "--now", NOW], sample_site)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "held back: content/disclosures/2026/draft.md: status is draft\n"
        "held back: content/disclosures/2026/embargo.md: embargoed until 2027-06-01 09:00\n"
        "held back: content/disclosures/2026/juvenile.md: a party who is a minor is a defendant or suspect: "
        "crimes of minors are not published\n"
        "held back: content/disclosures/2026/review.md: status is review (not yet approved)\n"
        "held back: content/disclosures/2026/self-approved.md: self-approved: approved_by 'li.wei' is also the author\n"
        "held back: content/disclosures/2026/unlisted.md: approved_by 'zhou.tao' is not listed in site_config.yml approvers\n"
        "held back: content/disclosures/2026/withdrawn-never.md: withdrawn on 2026-02-10 (never published)\n"
        "tombstone: content/disclosures/2026/withdrawn.md: withdrawn on 2026-02-10 (tombstone page kept)\n"
    )
    assert result.stderr.startswith("OK: 8 records to publish, 1 tombstones, 7 held back")


def test_embargo_lifts_when_the_build_time_passes_it(sample_site: Path) -> None:
    result = run_cli(["check", "--now", "2027-06-01T09:00:00+08:00"], sample_site)
    assert "embargo.md" not in result.stdout


def test_source_date_epoch_is_the_build_time(sample_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SOURCE_DATE_EPOCH", str(int(dt.datetime.fromisoformat("2027-06-02T00:00:00+08:00").timestamp()))
    )
    result = run_cli(["check"], sample_site)
    assert "embargo.md" not in result.stdout
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW_DT.timestamp())))
    assert "embargo.md" in run_cli(["check"], sample_site).stdout


def test_pages_exist_only_for_published_records(built_sample: Path) -> None:
    pages = sorted(
        p.parent.relative_to(built_sample).as_posix()
        for p in built_sample.glob("*/*/index.html")
        if p.parent.parent.name not in ("category", "data")
    )
    twins = sorted(p.parent.relative_to(built_sample).as_posix() for p in built_sample.glob("*/*/index.json"))
    assert pages == twins
    assert pages == [
        "disclosures/bribery-case",
        "disclosures/open-day-press",
        "disclosures/withdrawn-notice",
        "disclosures/work-report-2025",
        "guides/bribery-record-inquiry",
        "open-days/open-day-2026-12",
        "pages/about",
        "regulations/cpl-2012",
        "regulations/cpl-2018",
    ]


def test_tombstone_shows_title_date_and_reason_only(built_sample: Path) -> None:
    html = (built_sample / "disclosures/withdrawn-notice/index.html").read_text(encoding="utf-8")
    assert "已撤回的通告" in html and "2026-02-10" in html and "信息有误，已更正后重新发布。" in html
    assert "泄露测试短语" not in html
    listing = (built_sample / "disclosures/index.html").read_text(encoding="utf-8")
    assert "withdrawn-notice" not in listing


def test_held_back_attachment_is_never_copied(tmp_path: Path) -> None:
    record = """\
        ---
        id: {id}
        title: 通告
        status: {status}
        author: wang.fang
        approved_by: li.wei
        approved_on: 2026-01-05
        category: announcement
        date: 2026-01-05
        attachments: [{{file: {file}, title: 附件}}]
        ---
        正文。
        """
    root = write_site(
        tmp_path,
        {
            "content/disclosures/a.md": record.format(id="a", status="approved", file="public.txt"),
            "content/disclosures/b.md": record.format(id="b", status="review", file="secret.txt"),
            "content/disclosures/public.txt": "公开附件",
            "content/disclosures/secret.txt": "未公开附件",
        },
    )
    assert run_cli(["build", "--now", NOW], root).exit_code == 0
    files = sorted(
        p.relative_to(root / "site").as_posix() for p in (root / "site").rglob("*.txt") if p.name != "robots.txt"
    )
    assert files == ["disclosures/a/files/public.txt"]
