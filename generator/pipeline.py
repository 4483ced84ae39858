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
import pickle
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .approval import Decision, Outcome, decide
from .buildstate import KeptState, commit_state, current_index_state, db_signature, inputs_signature, kept_state
from .cache import BuildCache, cache_dir_for, digest, fingerprint
from .config import SiteConfig, load_config
from .dates import Key, record_dates
from .errors import BuildError, Problem, UsageError, WorkerError
from .gitproof import verify_approvals
from .heap import holding_heap, settle
from .intake import load_and_validate
from .languages import export_all, site_sitemap, static_search_files
from .linking import write_files, write_sitemap_and_sums
from .loading import ContentTree, read_attachment
from .preview import mark_drafts
from .privacy import FilterResult, PublicRecord, Redaction, run_filter
from .privacy.filter import MIN_PARALLEL as FILTER_MIN_PARALLEL
from .privacy.filter import Origin, review_record
from .privacy.review import Review
from .records import Record
from .rendering import PageStore, render_site
from .search import (
    build_generation,
    discard,
    index_dir_for,
    search_docs,
    switch_to,
    update_generation,
    write_index,
    writer_lock,
)
from .search.generations import current
from .site import PageCache, SpareTree, remove_leftovers, write_site
from .sourcecache import source_cache
from .workers import Alongside, InProcess, die_with_parent, kill_point, memory_room, workers_for

__all__ = ["BuildReport", "build", "configure", "resolve_now", "prepare", "review"]

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    config: SiteConfig
    decisions: list[tuple[Record, Decision]]
    public: list[PublicRecord[Record]]
    redactions: list[Redaction]
    warnings: list[str] = field(default_factory=list)  # MkDocs' warnings
    privacy_warnings: list[Problem] = field(default_factory=list)  # likely undeclared people
    now: dt.datetime | None = None
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0
    drafts: dict[tuple[str, str], str] = field(default_factory=dict)  # serve --drafts: (type, id) -> reason
    scanned: dict[str, str] = field(default_factory=dict)  # attachment -> SHA-256 of the bytes the filter scanned
    # True when nothing was read: the inputs and outputs still had the signatures of the
    # last completed build (``public``, ``redactions`` and ``decisions`` are then empty,
    # ``counts`` has every outcome: the cache holds nothing of a held-back record)
    unchanged: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def held_back(self) -> list[tuple[Record, Decision]]:
        return [(r, d) for r, d in self.decisions if not d.outcome.visible]

    def count(self, outcome: Outcome) -> int:
        if self.unchanged:
            return self.counts.get(outcome.value, 0)
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


def configure(config_path: Path, now_text: str | None) -> tuple[SiteConfig, dt.datetime]:
    """The loaded config and the one clock of a command (``--now``, else SOURCE_DATE_EPOCH,
    else the time now, in the site's zone)."""
    config = load_config(config_path)
    return config, resolve_now(now_text, config.tz)


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
    tree: ContentTree
    reader: Callable[[str], bytes]

    @property
    def origin(self) -> Origin:
        """What the privacy filter needs to know of where the records came from."""
        line_maps = {d.path: d.lines for d in self.tree.documents}
        return Origin(line_maps, self.tree.files, self.tree.shown_root, self.reader)


def _gate(
    records: list[Record], config: SiteConfig, now: dt.datetime, drafts: dict[tuple[str, str], str] | None
) -> list[tuple[Record, Decision]]:
    decided = [(r, decide(r, now, config)) for r in records]
    if config.approval.verify_git:  # approval: {verify_git: true} (issue 9)
        decided = verify_approvals(decided, config)
    if drafts is not None:  # serve --drafts only (issue 9): never build
        decided = _as_drafts(decided, drafts)
    return decided


def _decided(
    config: SiteConfig,
    now: dt.datetime,
    progress: Progress,
    drafts: dict[tuple[str, str], str] | None = None,
    jobs: int | None = None,
    fingerprint: str | None = None,
) -> _Prepared:
    """load -> validate (``jobs``: processes, as for the filter) -> gate.  With
    ``fingerprint`` (a build with the cache), unchanged record files come from the
    loader's cache (``sourcecache``, in the user's cache folder)."""
    with source_cache(config.root, fingerprint) if fingerprint else contextlib.nullcontext() as sources:
        tree, site, _ = load_and_validate(config, _shown(config.content_path), jobs, sources)
    cached = f" ({sources.hits} unchanged, from the loader's cache)" if sources is not None and sources.hits else ""
    progress(f"Loaded {len(tree.documents)} records{cached} and {len(tree.files)} attachments from {tree.shown_root}/")
    if site.problems:
        raise BuildError(site.problems)
    decided = _gate(site.records, config, now, drafts)
    # the filter is pure: attachment bytes come through this reader (loading reads files)
    reader = functools.partial(read_attachment, tree.content_root)
    return _Prepared(config, now, decided, tree, reader)


def _filter(p: _Prepared, cache: BuildCache | None = None, jobs: int | None = None) -> FilterResult:
    filtered = run_filter(
        p.decided,
        p.config,
        p.origin,
        cache=cache,
        sources={d.path: d.digest for d in p.tree.documents},
        jobs=jobs,
    )
    if filtered.problems:
        raise BuildError(filtered.problems)
    return filtered


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


@holding_heap
def prepare(
    config: SiteConfig,
    now: dt.datetime,
    progress: Progress = lambda s: None,
    *,
    drafts: bool = False,
    cache: BuildCache | None = None,
    jobs: int | None = None,
) -> BuildReport:
    """Every check of ``build`` (load, validate, gate, privacy filter), writing nothing
    (but the cache's entries, when given one). Raises BuildError.  ``jobs``: processes
    for the privacy filter (``run_filter``; None: one per CPU for a large site)."""
    start = time.perf_counter()
    marked: dict[tuple[str, str], str] | None = {} if drafts else None
    p = _decided(config, now, progress, marked, jobs, cache.fingerprint if cache is not None else None)
    checked = time.perf_counter()
    filtered = _filter(p, cache, jobs)
    settle()  # the records and what the filter made of them live until the build ends
    report = BuildReport(config, p.decided, filtered.public, filtered.redactions, now=now)
    report.timings["load, validate, gate"] = checked - start
    report.timings["privacy filter"] = time.perf_counter() - checked
    report.privacy_warnings = list(filtered.warnings)
    report.scanned = filtered.scanned
    report.drafts = marked or {}
    report.seconds = time.perf_counter() - start
    return report


def review(config: SiteConfig, now: dt.datetime, record_path: Path) -> Review:
    """``openaffairs review``: the record at ``record_path`` as it will be published.

    Runs every check of ``build`` first (raises BuildError when the site has
    errors), then filters that one record -- as if approved when it is held
    back.  Raises LookupError when ``record_path`` is no record of the site.
    """
    p = _decided(config, now, lambda s: None)
    _filter(p)
    wanted = record_path.resolve()
    for record, _ in p.decided:
        if Path(record.source_path).resolve() == wanted:
            return review_record(p.decided, record.source_path, p.config, p.origin)
    raise UsageError(f"{record_path}: not a record of this site (expected a .md file under {p.tree.shown_root}/)")


@holding_heap
def build(
    config: SiteConfig,
    out: Path,
    now: dt.datetime,
    progress: Progress = lambda s: None,
    *,
    drafts: bool = False,
    use_cache: bool = True,
    jobs: int | None = None,
) -> BuildReport:
    """config -> load -> validate -> gate -> filter -> render -> write (site, search
    index and build cache together: all or nothing).

    ``now`` is the one clock of the build (``configure``).  ``drafts`` is for
    ``openaffairs serve --drafts`` only (a temporary folder on this machine):
    held-back records get pages under a "not public" banner and stay out of
    search, feeds and exports; such a build neither reads nor writes the cache.
    """
    cache = BuildCache(cache_dir_for(out), fingerprint(config)) if use_cache and not drafts else None
    if cache is None:
        return _build(config, out, now, progress, drafts, None, jobs)
    with cache.lock():
        try:
            remove_leftovers(out)
            start = time.perf_counter()
            inputs = inputs_signature(config, now, out, cache, _shown(config.content_path))  # before anything is read
            kept = kept_state(cache, out, inputs)
            if kept is not None:
                return _kept(config, out, now, kept, time.perf_counter() - start, progress)
            cache.forget_state(out)
            checked = time.perf_counter() - start
            report = _build(config, out, now, progress, drafts, cache, jobs)
            report.timings["signatures (inputs), unchanged check"] = checked
            if inputs is not None:
                start = time.perf_counter()
                commit_state(cache, out, inputs, report)
                report.timings["signatures (outputs), build state"] = time.perf_counter() - start
            report.seconds = sum(v for k, v in report.timings.items() if "parallel" not in k)
            return report
        finally:
            cache.close()


def _kept(
    config: SiteConfig, out: Path, now: dt.datetime, kept: KeptState, seconds: float, progress: Progress
) -> BuildReport:
    """The report of a build that found nothing changed (the site and its index are kept)."""
    report = BuildReport(config, [], [], [], now=now, unchanged=True)
    report.counts, report.pages, report.warnings = kept.counts, kept.pages, kept.warnings
    report.timings["unchanged (signatures checked)"] = report.seconds = seconds
    held = sum(n for k, n in report.counts.items() if k not in ("publish", "tombstone"))
    progress(
        f"Nothing changed since the last build of {out}: the site and its search index are kept "
        f"({held} records held back; 'openaffairs check' lists them)."
    )
    return report


def _build(
    config: SiteConfig,
    out: Path,
    now: dt.datetime,
    progress: Progress,
    drafts: bool,
    cache: BuildCache | None,
    jobs: int | None = None,
) -> BuildReport:
    pages, reusable, spare, checked = _published_state(cache, out)
    # 1-4. load, validate, gate, privacy filter (unchanged records come from the cache)
    report = prepare(config, now, progress, drafts=drafts, cache=cache, jobs=jobs)
    if pages is not None:
        report.timings["published site checked"] = checked
    if spare is not None:  # the loading and the filter use both cores: from now on, one is free
        spare.start()
    _stage("filtered")
    listed = [p for p in report.public if (p.type, p.id) not in report.drafts]
    clock = _Clock(report.timings)
    progress(
        f"Publishing {report.count(Outcome.PUBLISH)} records, {report.count(Outcome.TOMBSTONE)} tombstones; "
        f"{len(report.held_back)} held back; {len(report.redactions)} redactions"
        + (f"; {cache.hits} of {cache.hits + cache.misses} records from the cache" if cache is not None else "")
    )
    # 5. dates
    with clock("dates (git)"):
        dates = record_dates(report.public, config, now, sources=report.sources)
    # 6. the open data (every language, issue 10) and the site's search box (from the last
    # build's index, re-indexing only the pages that changed: issue 13), in a second process
    # while this one makes the pages when that pays and fits (``_beside_pages``)
    made = len(listed) if cache is None else cache.misses  # records filtered anew
    task = functools.partial(_open_data_and_static_index, listed, config, dates, now, cache)
    side = _beside_pages(task, jobs, len(listed), made)
    beside = isinstance(side, Alongside)
    try:
        # 7. pages (Markdown for MkDocs) and the sitemap
        with clock("pages"):
            store = PageStore(cache.root / "pages-md", cache.fingerprint) if cache is not None else None
            rendered = render_site(report.public, config, now, dates, store)
            if store is not None and store.counts:
                progress(store.summary())
            report.pages = len(rendered.pages) + sum(len(s.pages) for s in rendered.sides.values())
            sitemap = site_sitemap(rendered, report.public, config, dates, now)
        progress("Open data and the site's search index ...")
        with clock("open data, static search index" + (" (wait)" if beside else "")):
            extra, search_files, used, seconds = _assembled(side.result())
    except BaseException:
        side.cancel()
        raise
    if cache is not None:
        cache.used.update(used)
    if beside:
        report.timings["open data, static search index (in parallel)"] = seconds
    # 8. MkDocs, with the journalists' index (tokenised in Python) written alongside by a
    # second process unless its documents are those of the current generation; the site,
    # the index and the cache are switched only when everything succeeded (a failure of
    # either changes neither).
    docs = search_docs(listed, config, dates)
    index_root = index_dir_for(out)
    doc_keys = (
        {(d.type, d.id): digest(pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL)) for d in docs}
        if cache is not None
        else {}
    )
    # the index is a function of its documents in their order: of their digests, in order
    # (not of the documents pickled a second time)
    index_key = cache.key("search-index", [doc_keys[(d.type, d.id)] for d in docs]) if cache is not None else ""
    index_state = current_index_state(cache, index_root)
    keep_index = index_state is not None and index_state["key"] == index_key
    written: dict[str, str] = {}
    with (
        writer_lock(index_root),
        concurrent.futures.ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        ) as pool,
    ):
        start = time.perf_counter()
        indexing = None
        if index_state is not None and not keep_index:
            # the records added, changed and removed since the current generation
            before: dict[tuple[str, str], str] = index_state["docs"]
            added = [d for d in docs if before.get((d.type, d.id)) != doc_keys[(d.type, d.id)]]
            removed = sorted(k for k in before if k not in doc_keys)
            indexing = pool.submit(_update_generation_timed, added, removed, index_root)
            what = f"; updating the search index ({len(added)} records in, {len(removed)} out) alongside"
        elif not keep_index:
            indexing = pool.submit(_build_generation_timed, docs, index_root)
            what = f"; indexing {len(docs)} records alongside"
        else:
            what = "; the search index is unchanged"
        progress(f"Rendering {report.pages} pages with mkdocs-material{what} ...")
        generation: list[str] = []

        def before_swap(site_dir: Path, known: dict[str, str]) -> None:
            report.timings["mkdocs-material"] = time.perf_counter() - start
            _stage("rendered")
            waited = time.perf_counter()
            written.update(write_files(search_files, site_dir, out.resolve(), reusable))
            if report.drafts:
                mark_drafts(site_dir, report)
            else:  # their SHA-256 from the bytes written (SHA256SUMS reads no file twice)
                known = {**known, **written}
            if indexing is not None:
                try:
                    name, seconds = indexing.result()
                except BuildError:
                    raise
                except Exception as exc:
                    raise BuildError([Problem(str(index_root), 0, f"writing the search index failed: {exc}")]) from exc
                generation.append(name)
                report.timings["search index (in parallel)"] = seconds
            written.update(write_sitemap_and_sums(sitemap, site_dir, known, out.resolve(), reusable))  # SHA256SUMS last
            if cache is not None:
                cache.forget_manifest(out)  # it describes the site about to be replaced
            report.timings["search index wait, SHA256SUMS"] = time.perf_counter() - waited
            _stage("staged")

        try:
            # the static index (thousands of small files) goes straight into the built
            # site: MkDocs would only copy them file by file
            report.warnings = write_site(
                rendered,
                config,
                out,
                now,
                extra_files=extra,
                after_build=before_swap,
                scanned=None if report.drafts else report.scanned,
                pages=pages,
                spare=spare,
            )
            _stage("swapped")
        except BaseException:
            # the new generation is never switched to: wait for it and remove it
            name = generation[0] if generation else None
            if name is None and indexing is not None:
                with contextlib.suppress(Exception):
                    name = indexing.result()[0]
            if name is not None:
                discard(index_root, name)
            raise
        if generation:
            if cache is not None:
                cache.set_index_state(index_root, None)  # until the new generation's is written
            switch_to(index_root, generation[0])
        _stage("indexed")
    report.timings["swap"] = (
        time.perf_counter()
        - start
        - sum(report.timings.get(k, 0.0) for k in ("mkdocs-material", "search index wait, SHA256SUMS"))
    )
    # 9. the cache last: a build killed before this line leaves the previous cache, which
    # is still right for what it holds (every entry is keyed by content)
    flushed = time.perf_counter()
    if cache is not None:
        cache.flush()
    if cache is not None and pages is not None and pages.reuse is not None:
        name = current(index_root)
        if name is not None:
            cache.set_index_state(
                index_root,
                {"key": index_key, "generation": name, "file": db_signature(index_root, name), "docs": doc_keys},
            )
        cache.commit_manifest(out, pages.reuse.manifest(out.resolve()))
        if not report.drafts:
            cache.commit_written(out, written)
        cache.prune_records()
    if cache is not None:
        report.timings["cache flush, manifest, pruning"] = time.perf_counter() - flushed
    report.seconds = sum(v for k, v in report.timings.items() if "parallel" not in k)
    return report


def _published_state(
    cache: BuildCache | None, out: Path
) -> tuple[PageCache | None, dict[str, str], SpareTree | None, float]:
    """What a build checks of the published site before anything may change it: the pages'
    manifest and the outputs it records (``PageCache.check``), the files the pipeline wrote
    itself (``intact_written``: both are linked instead of made again when intact), and the
    spare tree, whose files another process removes later -- removing a name that shares an
    inode with a published file moves that file's change time, so the checks come first.  The
    build cache waits for that process when it closes (whatever the build's outcome)."""
    if cache is None:
        return None, {}, None, 0.0
    start = time.perf_counter()
    pages = PageCache(cache.fingerprint, cache.manifest(out), out.resolve())
    pages.check()
    reusable = cache.intact_written(out)  # files of the published site this build may link
    spare = SpareTree(cache.spare(out))  # started once the records are filtered
    cache.at_close(spare.wait)
    return pages, reusable, spare, time.perf_counter() - start


_PIECE_BYTES = 8 << 20  # files per piece of the value sent back from the child (Alongside)


def _open_data_and_static_index(
    listed: list[PublicRecord[Record]],
    config: SiteConfig,
    dates: dict[Key, Any],
    now: dt.datetime,
    cache: BuildCache | None,
) -> list[tuple[str, Any]]:
    """The data files (feeds, calendars, tables, JSON twins) and the static search index's
    files of every side, the keys of the build cache's entries they used (the build keeps
    exactly the entries it used: in a forked process, they are used in the child's copy of
    the cache) and the seconds they took, as pieces (``_assembled``: a forked process sends
    them one by one).  Pure but for the build cache's own entries of both
    (``get_output``/``put_output``: whole files), so it may run in a forked process beside
    the pages."""
    start = time.perf_counter()
    before = set(cache.used) if cache is not None else set()
    extra = export_all(listed, config, dates, now, cache)
    search_files = static_search_files(listed, config, cache)
    used = sorted(cache.used - before) if cache is not None else []
    pieces: list[tuple[str, Any]] = [("extra", part) for part in _parts(extra)]
    pieces += [("search", part) for part in _parts(search_files)]
    return [*pieces, ("used", used), ("seconds", time.perf_counter() - start)]


def _parts(files: dict[str, bytes]) -> Iterator[dict[str, bytes]]:
    part: dict[str, bytes] = {}
    size = 0
    for name, data in files.items():
        part[name] = data
        size += len(data)
        if size >= _PIECE_BYTES:
            yield part
            part, size = {}, 0
    if part:
        yield part


def _assembled(pieces: list[tuple[str, Any]]) -> tuple[dict[str, bytes], dict[str, bytes], list[str], float]:
    """(open data files, static search files, cache keys used, seconds) from the pieces."""
    files: dict[str, dict[str, bytes]] = {"extra": {}, "search": {}}
    used: list[str] = []
    seconds = 0.0
    for kind, value in pieces:
        if kind == "used":
            used = value
        elif kind == "seconds":
            seconds = value
        else:
            files[kind].update(value)
    return files["extra"], files["search"], used, seconds


def _beside_pages(task: Callable[[], Any], jobs: int | None, count: int, made: int) -> Alongside[Any] | InProcess[Any]:
    """``task`` in a forked process when the filter would use workers for ``count`` records
    (two cores, ``--jobs`` not 1, a large site), a tenth of them or more (``made``) were
    filtered anew (and 200, unless ``--jobs`` asks for workers) and the machine has memory
    for a second copy of this process (``workers.memory_room``); else in this process.

    The child's memory is the pages of the heap it touches, and its stages read every
    record: it copies most of the build's heap.  At 20,000 records a one-record rebuild's
    peak grew from 971 to 1,505 MB PSS for 2.4 s saved, a cold build's by 3-5 % for 225.6
    -> 180-191 s; at 100,000 the cold peak by about 1 GB (to 6.2 GB) for about 200 s."""
    least = max(1 if jobs is not None else FILTER_MIN_PARALLEL, count // 10)
    if workers_for(jobs, count, FILTER_MIN_PARALLEL) < 2 or made < least:
        return InProcess(task)
    room = memory_room()
    if room is not None and room[0] < 2 * room[1]:
        # the child may copy most of this process's heap, and adds its own: only with room
        # for both (at 100,000 records the peak grows by about 1 GB, to 6.2 GB PSS)
        return InProcess(task)
    try:
        return Alongside(task, lambda why: WorkerError(f"open data and static search index: {why}"), "alongside")
    except OSError:  # no process to be had (fork refused: memory, process limits): here, as on one core
        return InProcess(task)


def _update_generation_timed(added: list[Any], removed: list[tuple[str, str]], index_root: Path) -> tuple[str, float]:
    start = time.perf_counter()
    name = update_generation(index_root, added, removed)
    return name, time.perf_counter() - start


def _stage(name: str) -> None:
    """Tests kill a build at a named stage (tests/test_cache.py): OPENAFFAIRS_KILL_AT=<stage>."""
    kill_point(name)


def _build_generation_timed(docs: list[Any], index_root: Path) -> tuple[str, float]:
    start = time.perf_counter()
    name = build_generation(docs, index_root)
    return name, time.perf_counter() - start


class _Clock:
    """``with clock("stage"):`` adds the stage's wall time to ``timings``; what a stage
    that succeeded leaves is frozen (``heap.settle``)."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
        settle()  # what the stage made lives until the build ends (heap.py)


def write_search_index(
    public: list[PublicRecord[Record]], config: SiteConfig, out: Path, sources: dict[Key, str] | None = None
) -> Path:
    """The journalists' search index, beside (never inside) the published site."""
    index_dir = index_dir_for(out)
    write_index(search_docs(public, config, record_dates(public, config, sources=sources)), index_dir)
    return index_dir
