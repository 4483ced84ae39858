"""The "nothing changed since the last build" check (like git's index), and what the
cache knows of the journalists' index's current generation.

Stage: infrastructure of the pipeline (``pipeline.build`` calls it around a build; the
cache entries it reads and writes are ``BuildCache.state`` and ``BuildCache.index_state``).

``inputs_signature`` is taken before anything is read; ``kept_state`` returns the last
completed build's counts, pages and warnings when the inputs and the outputs (the
published site, the index's current generation) still have that build's signatures;
``commit_state`` records them after a completed build.  Nothing of a record that is not
published goes into the state (not its path, not its reason).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .approval import Decision
from .cache import BuildCache, digest, now_ns, tree_signature
from .config import SiteConfig
from .dates import git_head
from .search import index_dir_for, index_exists
from .search.generations import DB_NAME, current

__all__ = ["KeptState", "commit_state", "current_index_state", "db_signature", "inputs_signature", "kept_state"]


class _Report(Protocol):
    """What ``commit_state`` reads of a ``pipeline.BuildReport``."""

    @property
    def decisions(self) -> Iterable[tuple[Any, Decision]]: ...
    @property
    def privacy_warnings(self) -> list[Any]: ...
    @property
    def pages(self) -> int: ...
    @property
    def warnings(self) -> list[str]: ...


@dataclass
class KeptState:
    """What the last completed build of an unchanged site reported."""

    counts: dict[str, int]  # outcome -> number of records
    pages: int
    warnings: list[str]  # MkDocs' warnings


def inputs_signature(config: SiteConfig, now: dt.datetime, out: Path, cache: BuildCache, shown: str) -> str | None:
    """Everything a build reads, by signature (like git's index): the fingerprint (code,
    config, theme, versions), the clock, where the site goes, the git commit the dates are
    read from and the stat signature of every file under content/ (``shown``: how its
    paths are shown, from the working folder).  None when it cannot be trusted (a file
    changed in the last second; approvals proven by git signatures)."""
    if config.approval.verify_git:
        return None
    content = tree_signature(config.content_path, racy_before=now_ns())
    if content is None:
        return None
    return digest(
        cache.fingerprint,
        now.isoformat(),
        str(out.resolve()),
        str(config.content_path.resolve()),
        shown,  # how paths are shown (messages, source_path): from the working folder
        git_head(config.content_path) if config.content_path.is_dir() else "",
        content,
    )


def db_signature(index_root: Path, name: str) -> tuple[int, int, int] | None:
    """(inode, size, modification time) of the database of generation ``name``."""
    try:
        st = (index_root / name / DB_NAME).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _outputs_signature(out: Path) -> dict[str, Any]:
    index_root = index_dir_for(out)
    name = current(index_root) if index_exists(index_root) else None
    return {
        "site": tree_signature(out),
        "index": (name, db_signature(index_root, name) if name is not None else None),
    }


def kept_state(cache: BuildCache, out: Path, inputs: str | None) -> KeptState | None:
    """The last build's counts, pages and warnings when its inputs and outputs all still
    have their signatures."""
    if inputs is None:
        return None
    state = cache.state(out)
    if state is None or state.get("inputs") != inputs:
        return None
    try:
        if state["outputs"] != _outputs_signature(out):
            return None
        return KeptState(dict(state["counts"]), int(state["pages"]), list(state["warnings"]))
    except (KeyError, TypeError, ValueError):
        return None


def commit_state(cache: BuildCache, out: Path, inputs: str, report: _Report) -> None:
    """After a completed build: what it read and wrote, and the counts ``build`` prints.
    Nothing of a record that is not published goes into the cache (not its path, not its
    reason), and no state is kept when the filter warned (its warnings name people): such
    a site is built, and its warnings printed, every time."""
    if report.privacy_warnings:
        return
    counts: dict[str, int] = {}
    for _, decision in report.decisions:
        counts[decision.outcome.value] = counts.get(decision.outcome.value, 0) + 1
    cache.commit_state(
        out,
        {
            "inputs": inputs,
            "outputs": _outputs_signature(out),
            "counts": counts,
            "pages": report.pages,
            "warnings": report.warnings,
        },
    )


def current_index_state(cache: BuildCache | None, index_root: Path) -> dict[str, Any] | None:
    """What the current generation of the journalists' index was made of, when the cache
    knows it and the generation is still the one it recorded (else the index is written whole)."""
    if cache is None or not index_exists(index_root):
        return None
    state = cache.index_state(index_root)
    if state is None or not {"key", "generation", "file", "docs"} <= state.keys():
        return None
    name = current(index_root)
    if name is None or name != state["generation"] or db_signature(index_root, name) != state["file"]:
        return None
    return state
