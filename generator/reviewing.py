"""Text for ``openaffairs review`` and ``openaffairs check --privacy-report``.

Pure formatting (strings in, strings out); the CLI prints.  Only filtered
text and masked values reach this module: a ``Review`` and ``Redaction``
never hold an original value.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Sequence

from .approval import Outcome
from .privacy.public import Redaction
from .privacy.review import Review, ReviewText

__all__ = [
    "format_review",
    "format_report",
    "report_json",
    "report_rows",
    "sorted_redactions",
    "highlight",
    "OPEN",
    "CLOSE",
]

OPEN, CLOSE = "[[", "]]"  # replacement markers when not on a terminal
ANSI_OPEN, ANSI_CLOSE = "\x1b[7;33m", "\x1b[0m"  # reverse video, yellow


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(header)]
    out = [indent + "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        out.append(indent + "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    return out


def highlight(item: ReviewText, color: bool) -> str:
    """The text with every replacement wrapped in markers (or ANSI reverse video)."""
    start, end = (ANSI_OPEN, ANSI_CLOSE) if color else (OPEN, CLOSE)
    out, last = [], 0
    for a, b in item.spans:
        out += [item.text[last:a], start, item.text[a:b], end]
        last = b
    out.append(item.text[last:])
    return "".join(out)


def sorted_redactions(redactions: Sequence[Redaction]) -> list[Redaction]:
    """By (path, line); the order within a line (as found) is kept."""
    return sorted(redactions, key=lambda r: (r.path, r.line))


def _decision(review: Review) -> str:
    d = review.decision
    if d.outcome is Outcome.PUBLISH:
        return f"published: {d.reason}"
    if d.outcome is Outcome.TOMBSTONE:
        return f"tombstone: {d.reason}; only the fields below are published"
    return (
        f"held back: {d.reason}. Nothing of it is published now; shown below as it WOULD be "
        "published once it passes the gate"
    )


def format_review(review: Review, color: bool = False) -> str:
    """The whole review of one record, as lines of text."""
    mark = f"{ANSI_OPEN}highlighted{ANSI_CLOSE}" if color else f"{OPEN}...{CLOSE}"
    lines = [
        f"Review: {review.source_path}",
        f"Decision: {_decision(review)}",
        f"Legend: {mark} = text the privacy filter replaced (a pseudonym or a removal marker); "
        "everything else is published exactly as shown.",
        "",
        "Fields (line: name: value as published)",
    ]
    body = None
    for item in sorted(review.texts, key=lambda t: t.line):
        if item.label == "body":
            body = item
            continue
        text = highlight(item, color).replace("\n", "\n      ")
        lines.append(f"  {item.line}: {item.label}: {text}")
    if body is not None:
        lines += ["", f"Body (from line {body.line})"]
        shown = highlight(body, color).rstrip("\n").split("\n")
        width = len(str(body.line + len(shown)))
        for i, line in enumerate(shown):
            if body.line_numbers:
                number = str(body.line_numbers[i]) if i < len(body.line_numbers) else ""
            else:
                number = str(body.line + i) if body.same_lines else ""
            lines.append(f"  {number:>{width}} | {line}".rstrip())
    if review.files:
        lines += ["", "Attachments (published byte for byte, so they are scanned, not filtered)"]
        for f in review.files:
            lines.append(f'  {f.line}: {f.field}: {f.href} "{f.title}": {f.scan.status}')
            for finding in f.scan.findings:
                lines.append(f"      found {finding}")
    lines += ["", f"Redactions ({len(review.redactions)}; originals masked)"]
    if review.redactions:
        rows = [(str(r.line), r.rule, r.masked, r.replacement) for r in sorted_redactions(review.redactions)]
        lines += _table(("LINE", "RULE", "MASKED ORIGINAL", "REPLACEMENT"), rows)
    else:
        lines.append("  none")
    if review.problems:
        lines += ["", f"Would stop the build ({len(review.problems)}): see the errors below."]
    return "\n".join(lines)


def report_rows(redactions: Sequence[Redaction]) -> list[dict[str, object]]:
    return [
        {"path": r.path, "line": r.line, "rule": r.rule, "masked": r.masked, "replacement": r.replacement}
        for r in sorted_redactions(redactions)
    ]


def report_json(redactions: Sequence[Redaction]) -> str:
    """A JSON list of {path, line, rule, masked, replacement}, sorted by (path, line)."""
    return json.dumps(report_rows(redactions), ensure_ascii=False, indent=2)


def format_report(redactions: Sequence[Redaction]) -> str:
    """One line per redaction (path:line: rule: masked -> replacement), then the count per rule."""
    rows = sorted_redactions(redactions)
    lines = [f"{r.path}:{r.line}: {r.rule}: {r.masked} -> {r.replacement}" for r in rows]
    counts = Counter(r.rule for r in rows)
    lines += ["", "Redactions by rule:"]
    table = [(rule, str(n)) for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    table.append(("total", str(len(rows))))
    lines += _table(("RULE", "COUNT"), table)
    return "\n".join(lines)
