"""Approval that git proves (``approval: {verify_git: true}`` in site_config.yml).

Stage: approval, second half (reads git; pure otherwise).  ``decide`` trusts
what the front matter says; this module checks it against the history of the
record's file.  A record the gate would publish stays published only when

* the commit that set it to ``approved`` by its current ``approved_by`` was
  authored by that approver (the e-mail under ``approval.staff``), and
* every later commit that changed what is published of it (any field but
  ``status``/``approved_by``/``approved_on``, or the body) was authored by
  that approver too -- anyone else's change needs approval again, and
* where the approver lists signing keys, each of those commits carries a
  good signature by one of them (``git verify-commit``; SSH keys through an
  allowed-signers file made here, so no GnuPG is needed), and
* the file as it is on disk is what was committed.

Anything else holds the record back (Outcome.HELD_UNAPPROVED, so
``check --strict`` fails) with a reason naming the commit.  A shallow clone or
a folder outside git is an error with the fix, never a silent pass.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .approval import Decision, Outcome
from .config import SiteConfig
from .errors import BuildError, Problem
from .records import Record

__all__ = ["verify_approvals"]

_APPROVAL_FIELDS = ("status", "approved_by", "approved_on")
_SEP, _END = "\x1f", "\x1e"


@dataclass(frozen=True)
class _Commit:
    sha: str
    email: str
    name: str


class _Git:
    def __init__(self, root: Path, allowed_signers: Path | None):
        self.root = root
        self.config = ["-c", "gpg.ssh.allowedSignersFile=" + str(allowed_signers)] if allowed_signers else []

    def run(self, *args: str, input_text: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        out = subprocess.run(
            ["git", *self.config, "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            input=input_text,
            timeout=300,
        )
        if check and out.returncode != 0:
            raise OSError(out.stderr.strip() or f"git {args[0]} failed")
        return out


def _published_view(text: str | None) -> Any:
    """What of a record's file is published: the front matter without the approval fields, and the body."""
    if text is None:
        return None
    text = text.replace("\r\n", "\n")
    if text.startswith("---\n"):
        head, sep, body = text[4:].partition("\n---")
        if sep:
            try:
                data = yaml.safe_load(head)
            except yaml.YAMLError:
                return text
            if isinstance(data, dict):
                data = {k: v for k, v in data.items() if k not in _APPROVAL_FIELDS}
                return (repr(sorted(data.items(), key=lambda kv: str(kv[0]))), body.partition("\n")[2].strip())
    return text


def _approval(text: str | None) -> tuple[Any, Any] | None:
    """(approved_by, approved_on) when the text is an approved record, else None."""
    if text is None or not text.startswith("---\n"):
        return None
    head = text[4:].partition("\n---")[0]
    try:
        data = yaml.safe_load(head)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or data.get("status") != "approved":
        return None
    return (data.get("approved_by"), str(data.get("approved_on")))


def _preflight(content: Path, config: SiteConfig) -> Path:
    where = config.source
    try:
        top = subprocess.run(
            ["git", "-C", str(content), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=60
        )
    except FileNotFoundError:
        raise BuildError(
            [
                Problem(
                    where,
                    0,
                    "approval.verify_git is true but git is not installed",
                    "install git (apt-get install git)",
                )
            ]
        ) from None
    if top.returncode != 0:
        raise BuildError(
            [
                Problem(
                    where,
                    0,
                    "approval.verify_git is true but the site is not in a git repository (no .git found)",
                    "build from a clone of the site's repository with its full history "
                    "(CI: GIT_DEPTH: 0 / fetch-depth: 0), or set verify_git: false",
                )
            ]
        )
    root = Path(top.stdout.strip())
    shallow = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-shallow-repository"], capture_output=True, text=True, timeout=60
    )
    if shallow.stdout.strip() == "true":
        raise BuildError(
            [
                Problem(
                    where,
                    0,
                    "approval.verify_git is true but this is a shallow clone: the commits "
                    "that approved records may be missing",
                    "fetch the full history: git fetch --unshallow (GitLab CI: variables: "
                    'GIT_DEPTH: "0"; GitHub Actions: actions/checkout with fetch-depth: 0)',
                )
            ]
        )
    return root


def _allowed_signers(config: SiteConfig, folder: Path) -> Path | None:
    lines = []
    for _staff, who in sorted(config.approval.staff.items()):
        for key in who.ssh_keys:
            parts = key.split()
            if len(parts) >= 2:
                lines.append(f'{who.email} namespaces="git" {parts[0]} {parts[1]}')
    if not lines:
        return None
    path = folder / "allowed_signers"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _history(git: _Git, paths: list[str]) -> dict[str, list[_Commit]]:
    """For each path (relative to the repository): the commits that changed it, newest first."""
    out = git.run("log", "--no-renames", f"--format={_END}%H{_SEP}%ae{_SEP}%an", "--name-only", "-z", "--", *paths)
    wanted = set(paths)
    history: dict[str, list[_Commit]] = {p: [] for p in paths}
    for chunk in out.stdout.split(_END):
        if not chunk.strip("\0\n"):
            continue
        header, _, names = chunk.partition("\n")
        sha, email, name = header.split(_SEP)
        for rel in names.replace("\n", "\0").split("\0"):
            if rel in wanted:
                history[rel].append(_Commit(sha, email.lower(), name))
    return history


def _blobs(git: _Git, specs: list[str]) -> dict[str, str | None]:
    """``sha:path`` -> file text (None when the file did not exist there), with one git process."""
    if not specs:
        return {}
    out = subprocess.run(
        ["git", "-C", str(git.root), "cat-file", "--batch"],
        input=("\n".join(specs) + "\n").encode(),
        capture_output=True,
        timeout=300,
    )
    data, pos = out.stdout, 0
    result: dict[str, str | None] = {}
    for spec in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode()
        pos = end + 1
        if header.endswith("missing"):
            result[spec] = None
            continue
        size = int(header.split()[2])
        result[spec] = data[pos : pos + size].decode("utf-8", "replace")
        pos += size + 1
    return result


def _signature(git: _Git, sha: str) -> tuple[str, str]:
    """(status letter of %G?, key fingerprint %GF) for the commit."""
    out = git.run("log", "-1", "--format=%G?" + _SEP + "%GF" + _SEP + "%GP", sha)
    status, fingerprint, primary = (out.stdout.strip().split(_SEP) + ["", "", ""])[:3]
    return status, fingerprint or primary


def _ssh_fingerprint(key: str) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", "-"], input=key, capture_output=True, text=True, timeout=30
    )
    parts = out.stdout.split()
    return parts[1] if len(parts) > 1 else ""


class _Verifier:
    def __init__(self, config: SiteConfig, git: _Git):
        self.config = config
        self.git = git
        self.by_email = {who.email.lower(): staff for staff, who in config.approval.staff.items()}
        self._fingerprints: dict[str, set[str]] = {}

    def who(self, commit: _Commit) -> str:
        return self.by_email.get(commit.email, commit.email)

    def keys_of(self, staff: str) -> set[str]:
        if staff not in self._fingerprints:
            who = self.config.approval.staff[staff]
            prints = {_ssh_fingerprint(k) for k in who.ssh_keys} | {k.replace(" ", "").upper() for k in who.gpg_keys}
            self._fingerprints[staff] = {p for p in prints if p}
        return self._fingerprints[staff]

    def signed_by(self, commit: _Commit, staff: str) -> str | None:
        """None when the commit carries a good signature by one of ``staff``'s keys, else why not."""
        status, fingerprint = _signature(self.git, commit.sha)
        short = commit.sha[:7]
        if status == "N":
            return f"commit {short} is not signed (signing keys are listed for {staff})"
        mine = self.keys_of(staff)
        if fingerprint and fingerprint.upper() not in {k.upper() for k in mine}:
            owner = next(
                (s for s in self.config.approval.staff if fingerprint.upper() in {k.upper() for k in self.keys_of(s)}),
                None,
            )
            whose = f"the key of {owner}" if owner else f"an unknown key {fingerprint}"
            return f"commit {short} is signed with {whose}, not a key of {staff}"
        if status not in ("G", "U"):
            return f"commit {short} has no valid signature by {staff} (git verify-commit: {status})"
        return None

    def check(
        self, record: Record, rel: str, commits: list[_Commit], texts: dict[str, str | None], on_disk: str
    ) -> str | None:
        """None when git proves the approval of the record at ``rel``, else the reason it is held back."""
        staff = record.approved_by or ""
        if not commits:
            return f"not committed to git: approval by {staff} cannot be verified"
        head = texts[f"{commits[0].sha}:{rel}"]
        if head is None or _published_view(head) != _published_view(on_disk) or _approval(head) != _approval(on_disk):
            return f"has changes that are not committed: approval by {staff} cannot be verified"
        current = _approval(head)
        # the run of versions, newest first, that carry the current approval
        run: list[tuple[_Commit, str | None]] = []
        for commit in commits:
            text = texts[f"{commit.sha}:{rel}"]
            if _approval(text) != current:
                break
            run.append((commit, text))
        approving = run[-1][0]
        keys = self.config.approval.staff[staff].ssh_keys or self.config.approval.staff[staff].gpg_keys
        # Newest first: the newest commit of the approver (signed, where keys are listed) affirms the file as
        # it is then; a commit before it that changed what is published, or the approving commit itself,
        # by anyone else (or unsigned) means the approval is not proven.
        for n, (commit, text) in enumerate(run):
            older = commits[n + 1] if n + 1 < len(commits) else None
            previous = texts[f"{older.sha}:{rel}"] if older else None
            who = self.who(commit)
            unsigned = self.signed_by(commit, staff) if who == staff and keys else None
            if who == staff and unsigned is None:
                return None
            if commit is approving or _published_view(text) != _published_view(previous):
                if who != staff and commit is approving:
                    return (
                        f"approved in {commit.sha[:7]} by {who}, not by {staff} "
                        "(approved_by must be set by the approver's own commit)"
                    )
                if who != staff:
                    return f"changed in {commit.sha[:7]} by {who} after approval by {staff}"
                return unsigned
        return None


def verify_approvals(decided: list[tuple[Record, Decision]], config: SiteConfig) -> list[tuple[Record, Decision]]:
    """The gate's decisions with every approval that git does not prove turned into a hold-back."""
    if not config.approval.verify_git:
        return decided
    root = _preflight(config.content_path, config).resolve()
    to_check = [(i, r) for i, (r, d) in enumerate(decided) if d.outcome is Outcome.PUBLISH]
    if not to_check:
        return decided
    with tempfile.TemporaryDirectory(prefix="openaffairs-git-") as tmp:
        git = _Git(root, _allowed_signers(config, Path(tmp)))
        rel_of = {i: Path(r.source_path).resolve().relative_to(root).as_posix() for i, r in to_check}
        history = _history(git, sorted(set(rel_of.values())))
        specs = sorted({f"{c.sha}:{rel}" for rel, commits in history.items() for c in commits})
        texts = _blobs(git, specs)
        verifier = _Verifier(config, git)
        out = list(decided)
        for i, record in to_check:
            rel = rel_of[i]
            on_disk = (root / rel).read_text("utf-8")
            why = verifier.check(record, rel, history[rel], texts, on_disk)
            if why is not None:
                out[i] = (record, Decision(Outcome.HELD_UNAPPROVED, why))
    return out
