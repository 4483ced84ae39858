"""The whole pipeline in one function: read it top to bottom.

config -> load -> validate -> gate -> privacy filter -> render -> write.
Nothing is written unless every stage before the writers succeeded.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import functools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .approval import Decision, Outcome, decide
from .config import SiteConfig, load_config
from .dates import Key, record_dates
from .errors import BuildError, Problem, UsageError
from .languages import export_all, site_sitemap, static_search_files
from .loading import load_content, read_attachment
from .privacy import PublicRecord, Redaction, run_filter
from .privacy.filter import review_record
from .privacy.review import Review
from .records import Record
from .rendering import render_site
from .search import (
    build_generation,
    discard,
    index_dir_for,
    search_docs,
    switch_to,
    write_index,
    writer_lock,
)
from .site import write_site
from .validation import validate

__all__ = ["BuildReport", "build", "resolve_now", "prepare", "review"]

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    config: SiteConfig
    decisions: list[tuple[Record, Decision]]
    public: list[PublicRecord[Any]]
    redactions: list[Redaction]
    warnings: list[str] = field(default_factory=list)  # MkDocs' warnings
    privacy_warnings: list[Problem] = field(default_factory=list)  # likely undeclared people
    now: dt.datetime | None = None
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0
    drafts: dict[tuple[str, str], str] = field(default_factory=dict)  # serve --drafts: (type, id) -> reason

    @property
    def held_back(self) -> list[tuple[Record, Decision]]:
        return [(r, d) for r, d in self.decisions if not d.outcome.visible]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for _, d in self.decisions if d.outcome is outcome)

    @property
    def sources(self) -> dict[Key, str]:
        """(type, id) -> source file of each published record and tombstone: where
        ``dates.record_dates`` looks up the commit dates (dates only)."""
        return {(r.TYPE, r.id): r.source_path for r, d in self.decisions if d.outcome.visible}


def resolve_now(now: str | None, tz: dt.tzinfo | None = None) -> dt.datetime:
    """--now, else SOURCE_DATE_EPOCH, else the clock; always timezone-aware."""
    if now:
        try:
            value = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"--now: expected ISO 8601 like 2026-11-26T09:00:00+08:00, got {now!r}") from None
        return value if value.tzinfo else value.replace(tzinfo=tz or dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except ValueError:
            raise UsageError(f"SOURCE_DATE_EPOCH: expected whole seconds, got {epoch!r}") from None
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class _Prepared:
    config: SiteConfig
    now: dt.datetime
    decided: list[tuple[Record, Decision]]
    line_maps: dict[str, Any]
    files: dict[str, int]
    shown_root: str
    reader: Callable[[str], bytes]


def _load_and_decide(
    config_path: Path, now_text: str | None, progress: Progress, drafts: dict[tuple[str, str], str] | None = None
) -> _Prepared:
    config = load_config(config_path)
    now = resolve_now(now_text, config.tz)  # the one clock of this build
    shown_root = _shown(config.content_path)
    tree = load_content(config.content_path, shown_root)
    progress(f"Loaded {len(tree.documents)} records and {len(tree.files)} attachments from {shown_root}/")
    site = validate(tree, config)
    if site.problems:
        raise BuildError(site.problems)
    decided = [(r, decide(r, now, config)) for r in site.records]
    if config.approval.verify_git:  # approval: {verify_git: true} (issue 9)
        from .gitproof import verify_approvals

        decided = verify_approvals(decided, config)
    if drafts is not None:  # serve --drafts only (issue 9): never build
        decided = _as_drafts(decided, drafts)
    line_maps = {d.path: d.lines for d in tree.documents}
    # the filter is pure: attachment bytes come through this reader (loading reads files)
    reader = functools.partial(read_attachment, tree.content_root)
    return _Prepared(config, now, decided, line_maps, tree.files, shown_root, reader)


def _filtered(p: _Prepared, start: float) -> BuildReport:
    filtered = run_filter(p.decided, p.config, p.line_maps, p.files, p.shown_root, p.reader)
    if filtered.problems:
        raise BuildError(filtered.problems)
    report = BuildReport(p.config, p.decided, filtered.public, filtered.redactions, now=p.now)
    report.privacy_warnings = list(filtered.warnings)
    report.seconds = time.perf_counter() - start
    return report


def _as_drafts(
    decided: list[tuple[Record, Decision]], drafts: dict[tuple[str, str], str]
) -> list[tuple[Record, Decision]]:
    """``serve --drafts``: held-back records are filtered and rendered too (minors' cases never)."""
    out = []
    for record, decision in decided:
        if not decision.outcome.visible and decision.outcome is not Outcome.HELD_MINOR:
            drafts[(record.TYPE, record.id)] = decision.reason
            decision = Decision(Outcome.PUBLISH, f"preview only (not public: {decision.reason})")
        out.append((record, decision))
    return out


def prepare(
    config_path: Path, now_text: str | None, progress: Progress = lambda s: None, *, drafts: bool = False
) -> BuildReport:
    """Every check of ``build``, writing nothing. Raises BuildError."""
    start = time.perf_counter()
    marked: dict[tuple[str, str], str] | None = {} if drafts else None
    report = _filtered(_load_and_decide(config_path, now_text, progress, marked), start)
    report.drafts = marked or {}
    return report


def review(config_path: Path, now_text: str | None, record_path: Path) -> Review:
    """``openaffairs review``: the record at ``record_path`` as it will be published.

    Runs every check of ``build`` first (raises BuildError when the site has
    errors), then filters that one record -- as if approved when it is held
    back.  Raises LookupError when ``record_path`` is no record of the site.
    """
    p = _load_and_decide(config_path, now_text, lambda s: None)
    filtered = run_filter(p.decided, p.config, p.line_maps, p.files, p.shown_root, p.reader)
    if filtered.problems:
        raise BuildError(filtered.problems)
    wanted = record_path.resolve()
    for record, _ in p.decided:
        if Path(record.source_path).resolve() == wanted:
            return review_record(p.decided, record.source_path, p.config, p.line_maps, p.files, p.shown_root, p.reader)
    raise UsageError(f"{record_path}: not a record of this site (expected a .md file under {p.shown_root}/)")


def build(
    config_path: Path, out: Path, now_text: str | None, progress: Progress = lambda s: None, *, drafts: bool = False
) -> BuildReport:
    """config -> load -> validate -> gate -> filter -> render -> write (site and search index together).

    ``drafts`` is for ``openaffairs serve --drafts`` only (a temporary folder on
    this machine): held-back records get pages under a "not public" banner and
    stay out of search, feeds and exports.  The ``build`` command never sets it.
    """
    report = prepare(config_path, now_text, progress, drafts=drafts)
    listed = [p for p in report.public if (p.type, p.id) not in report.drafts]
    report.timings["checks and privacy filter"] = report.seconds
    clock = _Clock(report.timings)
    now = report.now
    assert now is not None  # prepare() always sets the one clock of the build
    progress(
        f"Publishing {report.count(Outcome.PUBLISH)} records, {report.count(Outcome.TOMBSTONE)} tombstones; "
        f"{len(report.held_back)} held back; {len(report.redactions)} redactions"
    )
    with clock("dates (git) and open data"):
        dates = record_dates(report.public, report.config, now, sources=report.sources)
        extra = export_all(listed, report.config, dates, now)  # every language (issue 10)
    with clock("pages"):
        rendered = render_site(report.public, report.config, now, dates)
        report.pages = len(rendered.pages) + sum(len(s.pages) for s in rendered.sides.values())
        sitemap = site_sitemap(rendered, report.public, report.config, dates, now)
    progress("Indexing for the site's search box ...")
    with clock("static search index"):
        search_files = static_search_files(listed, report.config)
    # The journalists' index (tokenised in Python) is written by a second process: a
    # new generation while MkDocs renders; the site and the index are switched together
    # only when both succeeded (a failure of either changes neither).
    docs = search_docs(listed, report.config, dates)
    index_root = index_dir_for(out)
    with (
        writer_lock(index_root),
        concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        start = time.perf_counter()
        indexing = pool.submit(_build_generation_timed, docs, index_root)
        progress(
            f"Rendering {report.pages} pages with mkdocs-material; indexing {len(docs)} records "
            "for 'openaffairs search' alongside ..."
        )
        generation: list[str] = []

        def before_swap(site_dir: Path) -> None:
            _write_files(search_files, site_dir)
            if report.drafts:
                from .preview import mark_drafts

                mark_drafts(site_dir, report)
            try:
                name, seconds = indexing.result()
            except BuildError:
                raise
            except Exception as exc:
                raise BuildError([Problem(str(index_root), 0, f"writing the search index failed: {exc}")]) from exc
            generation.append(name)
            report.timings["search index (in parallel)"] = seconds
            _finish(sitemap, site_dir)  # SHA256SUMS last: it covers every other file

        try:
            with clock("mkdocs-material"):
                # the static index (thousands of small files) goes straight into the built
                # site: MkDocs would only copy them file by file
                report.warnings = write_site(
                    rendered, report.config, out, now, extra_files=extra, after_build=before_swap
                )
        except BaseException:
            # the new generation is never switched to: wait for it and remove it
            name = generation[0] if generation else None
            if name is None:
                with contextlib.suppress(Exception):
                    name = indexing.result()[0]
            if name is not None:
                discard(index_root, name)
            raise
        switch_to(index_root, generation[0])
        report.timings["mkdocs-material"] = time.perf_counter() - start  # wall time of both
    report.seconds = sum(v for k, v in report.timings.items() if "parallel" not in k)
    return report


def _finish(sitemap: bytes, root: Path) -> None:
    """After MkDocs: our sitemap (lastmod = last change, not the build date), then
    SHA256SUMS over every other file of the site."""
    import gzip

    from .verify import write_sha256sums

    (root / "sitemap.xml").write_bytes(sitemap)
    (root / "sitemap.xml.gz").write_bytes(gzip.compress(sitemap, mtime=0))
    write_sha256sums(root)


def _write_files(files: dict[str, bytes], root: Path) -> None:
    for rel, data in sorted(files.items()):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _build_generation_timed(docs: list[Any], index_root: Path) -> tuple[str, float]:
    start = time.perf_counter()
    name = build_generation(docs, index_root)
    return name, time.perf_counter() - start


class _Clock:
    """``with clock("stage"):`` adds the stage's wall time to ``timings``."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def write_search_index(
    public: list[PublicRecord[Any]], config: SiteConfig, out: Path, sources: dict[Key, str] | None = None
) -> Path:
    """The journalists' search index, beside (never inside) the published site."""
    index_dir = index_dir_for(out)
    write_index(search_docs(public, config, record_dates(public, config, sources=sources)), index_dir)
    return index_dir
