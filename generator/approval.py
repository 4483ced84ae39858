"""The approval gate: one Decision, with a reason, per record.

Stage: approval (pure).  The rule of the contract, evaluated against the build
time.  When unsure, hold back (fail closed).  A withdrawn record that was once
properly published keeps a tombstone page; every other record that is not
``PUBLISH`` appears nowhere in the output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from .config import SiteConfig
from .records import Disclosure, Record

__all__ = ["Outcome", "Decision", "decide"]


class Outcome(Enum):
    PUBLISH = "publish"
    TOMBSTONE = "tombstone"  # withdrawn after publication: title, date, reason only
    HELD_DRAFT = "draft"
    HELD_REVIEW = "review"
    HELD_UNAPPROVED = "unapproved"  # approval missing, self-approved, or approver not listed
    HELD_EMBARGO = "embargo"
    HELD_MINOR = "minor"  # crimes of minors are not published
    HELD_WITHDRAWN = "withdrawn"  # withdrawn, never published

    @property
    def visible(self) -> bool:
        return self in (Outcome.PUBLISH, Outcome.TOMBSTONE)

    @property
    def mistake(self) -> bool:
        """Held back for a reason that looks like an error (self-approved, unknown approver,
        approval missing or unverifiable): ``check --strict`` fails on these."""
        return self is Outcome.HELD_UNAPPROVED


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str


def _approval_problem(record: Record, config: SiteConfig) -> str | None:
    if record.approved_by is None or record.approved_on is None:
        return "no approval (approved_by and approved_on are required)"
    if record.approved_by == record.author:
        return f"self-approved: approved_by '{record.approved_by}' is also the author"
    if record.approved_by not in config.approvers:
        return f"approved_by '{record.approved_by}' is not listed in site_config.yml approvers"
    return None


def _minor_accused(record: Record) -> bool:
    return isinstance(record, Disclosure) and any(
        p.minor and p.role in ("defendant", "suspect") for p in record.parties
    )


def _embargo(record: Record, now: dt.datetime, config: SiteConfig) -> str | None:
    if record.publish_on is not None and record.publish_on > now:
        when = record.publish_on.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        return f"embargoed until {when}"
    return None


def decide(record: Record, now: dt.datetime, config: SiteConfig) -> Decision:
    """The gate. ``now`` is the build time (aware)."""
    if record.status == "draft":
        return Decision(Outcome.HELD_DRAFT, "status is draft")
    if record.status == "review":
        return Decision(Outcome.HELD_REVIEW, "status is review (not yet approved)")
    problem = _approval_problem(record, config)
    if record.status == "withdrawn":
        reason = f"withdrawn on {record.withdrawn_on}"
        if problem is None and _embargo(record, now, config) is None and not _minor_accused(record):
            return Decision(Outcome.TOMBSTONE, reason + " (tombstone page kept)")
        return Decision(Outcome.HELD_WITHDRAWN, reason + " (never published)")
    if problem is not None:
        return Decision(Outcome.HELD_UNAPPROVED, problem)
    if record.withdrawn_on is not None or record.withdrawn_reason:
        return Decision(
            Outcome.HELD_UNAPPROVED,
            "status is approved but withdrawn_on/withdrawn_reason is set: "
            "set status: withdrawn, or remove the withdrawal fields",
        )
    if record.approved_on is not None and record.approved_on > now.astimezone(config.tz).date():
        return Decision(Outcome.HELD_UNAPPROVED, f"approved_on {record.approved_on} is after the build time")
    embargo = _embargo(record, now, config)
    if embargo:
        return Decision(Outcome.HELD_EMBARGO, embargo)
    if _minor_accused(record):
        return Decision(
            Outcome.HELD_MINOR, "a party who is a minor is a defendant or suspect: crimes of minors are not published"
        )
    return Decision(Outcome.PUBLISH, "approved by " + str(record.approved_by))
