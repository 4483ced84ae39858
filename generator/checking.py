"""``openaffairs check`` for CI and pre-commit: findings, ``--changed-since``, output formats.

Stage: reporting (reads git and the record files for line numbers; prints
nothing -- the CLI prints what these functions return).

A *finding* is one line of the check's result: an error (the build would
stop), a held-back record (a notice; an error under ``--strict`` when its
reason looks like a mistake), or a tombstone.  The formats:

``text``    ``path:line: message`` as the build prints it
``github``  GitHub Actions workflow commands (``::error file=...,line=...::...``)
``gitlab``  GitLab code-quality JSON (a list of issues with fingerprints)
``json``    ``{"ok": ..., "findings": [...], "counts": {...}}``
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, UsageError

__all__ = [
    "Finding",
    "FORMATS",
    "findings_from_problems",
    "findings_from_report",
    "changed_files",
    "only_touched",
    "relative_to_repository",
    "render",
    "GitError",
]

FORMATS = ("text", "github", "gitlab", "json")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    severity: str  # "error" | "warning" | "notice"
    kind: str  # "problem" | "warning" | "held-back" | "tombstone"
    message: str
    hint: str = ""

    def text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.kind == "problem":
            out = f"{where}: {self.message}"
        elif self.kind == "warning":
            out = f"{'error' if self.severity == 'error' else 'warning'}: {where}: {self.message}"
        else:
            label = "held back" if self.kind == "held-back" else "tombstone"
            prefix = "error: " if self.severity == "error" else ""
            out = f"{prefix}{label}: {self.path}: {self.message}"
        return out + (f"\n    hint: {self.hint}" if self.hint else "")


def findings_from_problems(problems: Iterable[Problem]) -> list[Finding]:
    return [Finding(p.path, p.line, "error", "problem", p.message, p.hint) for p in problems]


def _field_line(path: str, keys: tuple[str, ...]) -> int:
    """Line of the first top-level front matter key of ``keys`` found (1 when none)."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    for key in keys:
        for n, line in enumerate(lines, 1):
            if line.startswith(f"{key}:"):
                return n
    return 1


def findings_from_report(report: Any, strict: bool) -> list[Finding]:
    """Warnings, held-back records and tombstones of a successful check.

    Under ``strict`` the warnings (likely undeclared people) and the held-back
    records whose reason looks like a mistake are errors.
    """
    out = [
        Finding(w.path, w.line, "error" if strict else "warning", "warning", w.message, w.hint)
        for w in getattr(report, "privacy_warnings", [])
    ]
    for record, decision in report.decisions:
        outcome = decision.outcome
        if outcome.value == "tombstone":
            out.append(
                Finding(
                    record.source_path,
                    _field_line(record.source_path, ("withdrawn_on", "status")),
                    "notice",
                    "tombstone",
                    decision.reason,
                )
            )
        elif not outcome.visible:
            mistake = strict and outcome.mistake
            keys = ("approved_by", "status") if outcome.mistake else ("publish_on", "status")
            hint = "fix the approval, or set status: review until it is approved" if mistake else ""
            out.append(
                Finding(
                    record.source_path,
                    _field_line(record.source_path, keys),
                    "error" if mistake else "notice",
                    "held-back",
                    decision.reason,
                    hint,
                )
            )
    return sorted(out)


class GitError(UsageError):
    """git could not answer (not a repository, unknown REF ...): a usage error."""


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise GitError("git is not installed (needed by --changed-since)") from None
    if out.returncode != 0:
        raise GitError(out.stderr.strip() or f"git {' '.join(args)} failed")
    return out.stdout


def changed_files(root: Path, ref: str) -> set[Path]:
    """Files changed since the merge base of ``ref`` and HEAD: commits, the working tree and untracked files."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    names = _git(root, "diff", "--name-only", "-z", "--no-renames", "--merge-base", ref).split("\0")
    names += _git(root, "ls-files", "-z", "--others", "--exclude-standard").split("\0")
    return {(top / n).resolve() for n in names if n}


def only_touched(findings: list[Finding], touched: set[Path], config_path: Path) -> tuple[list[Finding], int]:
    """The findings in files of the change; everything when site_config.yml or a file was deleted.

    Returns (findings to report, number of errors left out).  Errors left out
    still fail the check: the build of the merged result would stop on them.
    """
    if config_path.resolve() in touched or any(not p.exists() for p in touched):
        return findings, 0
    kept, dropped = [], 0
    for f in findings:
        if Path(f.path).resolve() in touched:
            kept.append(f)
        elif f.severity == "error":
            dropped += 1
    return kept, dropped


def relative_to_repository(findings: list[Finding], site_root: Path) -> list[Finding]:
    """Paths relative to the git work tree holding the site (else to the site's folder), as CI annotations need."""
    try:
        base = Path(_git(site_root, "rev-parse", "--show-toplevel").strip()).resolve()
    except GitError:
        base = site_root.resolve()
    out = []
    for f in findings:
        try:
            path = Path(f.path).resolve().relative_to(base).as_posix()
        except ValueError:
            path = f.path
        out.append(Finding(path, f.line, f.severity, f.kind, f.message, f.hint))
    return out


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def _github(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        props = f"file={_gh_escape(f.path, True)}"
        if f.line:
            props += f",line={f.line}"
        title = {"problem": "openaffairs", "warning": "privacy", "held-back": "held back", "tombstone": "tombstone"}[
            f.kind
        ]
        props += f",title={_gh_escape(title, True)}"
        message = f.message + (f"\nhint: {f.hint}" if f.hint else "")
        lines.append(f"::{f.severity} {props}::{_gh_escape(message)}")
    return "\n".join(lines)


def _gitlab(findings: list[Finding]) -> str:
    issues = []
    for f in findings:
        description = f.message + (f" (hint: {f.hint})" if f.hint else "")
        digest = hashlib.sha256(f"{f.path}\0{f.kind}\0{f.message}".encode()).hexdigest()
        issues.append(
            {
                "description": description,
                "check_name": f"openaffairs-{f.kind}",
                "fingerprint": digest,
                "severity": {"error": "major", "warning": "minor"}.get(f.severity, "info"),
                "location": {"path": f.path, "lines": {"begin": max(f.line, 1)}},
            }
        )
    return json.dumps(issues, ensure_ascii=False, indent=2)


def render(findings: list[Finding], fmt: str, counts: dict[str, int]) -> str:
    """The findings in ``fmt`` (one of FORMATS); '' when there is nothing to print."""
    if fmt == "github":
        return _github(findings)
    if fmt == "gitlab":
        return _gitlab(findings)
    if fmt == "json":
        ok = not any(f.severity == "error" for f in findings) and not counts.get("errors_not_shown", 0)
        return json.dumps(
            {"ok": ok, "findings": [asdict(f) for f in findings], "counts": counts}, ensure_ascii=False, indent=2
        )
    return "\n".join(f.text() for f in findings)
