"""Load and validate every record, in worker processes on a large site.

Stage: the loader and validation together (``loading`` reads, ``validation``
judges; this module only shares the work out).  ``content/`` is walked here;
each record file is read, parsed and validated alone (``read_document``,
``validate_one``) by forked worker processes in chunks, and the results are
collected in the loader's order; the checks across records (unique ids,
references, translations, attachments) run here over them.  The tree, the
records and every problem, in their order, are those of ``load_content`` +
``validate`` in one process, whatever the number of workers.

A worker that raises or ends stops the build (``WorkerError``, exit 70): no
record is ever left out.  Records are returned to this process only (nothing
is written anywhere).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import pickle
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from .config import SiteConfig
from .errors import Problem, WorkerError
from .heap import paused, settle
from .loading import ContentScan, ContentTree, SourceDocument, ToRead, read_document, scan_content
from .privacy.public import as_plain, from_plain
from .records import Record
from .sourcecache import SourceCache
from .validation import ValidatedSite, validate_one, validated_site
from .workers import forked_map
from .workers import workers_for as _workers_for

__all__ = ["load_and_validate", "MIN_PARALLEL", "workers_for"]

MIN_PARALLEL = 500  # with jobs=None: fewer record files than this are read in this process
CHUNK = 128  # record files per task of a worker


@dataclass(frozen=True)
class _Read:
    """One record file read and validated: its document (without its front matter's
    values, which are in the record), the record, and the problems of each step."""

    doc: SourceDocument | None
    record: Record | None
    load_problems: list[Problem]
    problems: list[Problem]


def _read_one(entry: ToRead, config: SiteConfig) -> _Read:
    load_problems: list[Problem] = []
    doc = read_document(entry, load_problems)
    if doc is None:
        return _Read(None, None, load_problems, [])
    record, problems = validate_one(doc, config)
    # the values are in the record now: the document keeps where they came from
    return _Read(dataclasses.replace(doc, data={}), record, load_problems, problems)


def workers_for(jobs: int | None, count: int) -> int:
    """How many worker processes read ``count`` record files (1: in this process)."""
    return _workers_for(jobs, count, MIN_PARALLEL)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the records are made (``heap.paused``): parsing
    and validating create millions of objects and none of them is garbage in a cycle, yet
    the collector would walk every one of them again and again (at 20,000 records, more
    than half the time of this stage).  The objects made here are then frozen for the rest
    of the build (``heap.settle``; outside a build, counted as old ones without being
    walked): else the first collection after the stage walks them all."""
    with paused():
        try:
            yield
        finally:
            settle()


# What every worker shares: set just before the workers are forked (inherited, not pickled)
_SHARED: tuple[list[ToRead], SiteConfig] | None = None


_PAYLOAD = "loaded-2"  # the shape of a payload (another: a miss)


def _dumps(one: _Read) -> bytes:
    """One file's result as the loader's cache keeps it (and a worker sends it): the record
    as plain values (``public.as_plain``: it loads three times faster than the model)."""
    return pickle.dumps(
        (_PAYLOAD, one.doc, as_plain(one.record), one.load_problems, one.problems), protocol=pickle.HIGHEST_PROTOCOL
    )


def _loads(payload: bytes) -> _Read | None:
    """The inverse of ``_dumps``; None when the payload is not of this shape."""
    value = pickle.loads(payload)
    if not (isinstance(value, tuple) and len(value) == 5 and value[0] == _PAYLOAD):
        return None
    _, doc, record, load_problems, problems = value
    one = _Read(doc, from_plain(record), load_problems, problems)
    if not (one.doc is None or isinstance(one.doc, SourceDocument)) or not (
        one.record is None or isinstance(one.record, Record)
    ):
        return None
    return one


def _worker_start() -> None:
    gc.disable()  # a worker lives for one stage: its memory is freed when it ends


def _worker_read(chunk: range) -> list[bytes]:
    """The records at ``chunk``, each pickled here (the bytes the loader's cache keeps)."""
    assert _SHARED is not None
    entries, config = _SHARED
    out = []
    for i in chunk:
        try:
            out.append(_dumps(_read_one(entries[i], config)))
        except Exception as exc:
            raise WorkerError(
                f"loading {entries[i].shown} failed in a worker process: {type(exc).__name__}: {exc}"
            ) from None
    return out


def _read_parallel(
    entries: list[ToRead], config: SiteConfig, count: int
) -> Generator[tuple[_Read, bytes | None], None, None]:
    global _SHARED
    chunks = [range(i, min(i + CHUNK, len(entries))) for i in range(0, len(entries), CHUNK)]
    _SHARED = (entries, config)
    try:
        for results in forked_map(
            _worker_read,
            chunks,
            count,
            _worker_start,
            lambda why: WorkerError(f"loading the records: {why}"),
            "loading-workers",
        ):
            for payload in results:
                one = _loads(payload)
                assert one is not None  # (made by _dumps in the worker)
                yield one, payload
    finally:
        _SHARED = None


def load_and_validate(
    config: SiteConfig, shown_root: str, jobs: int | None = None, sources: SourceCache | None = None
) -> tuple[ContentTree, ValidatedSite, int]:
    """``load_content`` then ``validate``, the record files read by ``jobs`` worker
    processes (None: one per available CPU for at least ``MIN_PARALLEL`` files; 1: in this
    process).  With ``sources`` (the loader's cache), a file whose bytes, place, config and
    code are those of an entry is taken from it, neither parsed nor validated again; the
    result is the same.  Returns the tree, the validated site and the number of processes
    used."""
    scan: ContentScan = scan_content(config.content_path, shown_root)
    to_read = [e for e in scan.entries if isinstance(e, ToRead)]
    with _gc_paused():
        cached = _from_cache(to_read, sources)
        missing = [e for i, e in enumerate(to_read) if i not in cached]
        workers = workers_for(jobs, len(missing))
        if workers > 1:
            read: Generator[tuple[_Read, bytes | None], None, None] = _read_parallel(missing, config, workers)
        else:
            read = (
                (one, _dumps(one) if sources is not None else None) for one in (_read_one(e, config) for e in missing)
            )
        documents: list[SourceDocument] = []
        load_problems: list[Problem] = []
        results: list[tuple[Record | None, list[Problem]]] = []
        with contextlib.closing(read):  # a failure ends the workers at once
            at = 0
            for entry in scan.entries:
                if isinstance(entry, Problem):
                    load_problems.append(entry)
                    continue
                one = cached.get(at)
                at += 1
                if one is None:
                    one, payload = next(read)
                    if sources is not None and payload is not None and one.doc is not None:
                        sources.put(sources.key(entry.shown, entry.type, one.doc.digest), payload)
                load_problems += one.load_problems
                if one.doc is not None:
                    documents.append(one.doc)
                    results.append((one.record, one.problems))
        if sources is not None:
            sources.misses = len(missing)
            sources.commit()
        tree = ContentTree(documents, scan.files, load_problems, scan.content_root, scan.shown_root)
        site = validated_site(tree, config, results)
    return tree, site, workers


def _from_cache(to_read: list[ToRead], sources: SourceCache | None) -> dict[int, _Read]:
    """Index in ``to_read`` -> the entry of the loader's cache for that file (its bytes
    hashed here: the key is the content, never a time stamp)."""
    if sources is None or sources.empty():
        return {}
    keys: dict[str, int] = {}
    for i, entry in enumerate(to_read):
        try:
            raw = entry.path.read_bytes()
        except OSError:
            continue  # read_document reports it
        keys[sources.key(entry.shown, entry.type, hashlib.sha256(raw).hexdigest())] = i
    out: dict[int, _Read] = {}
    for key, payload in sources.get_many(keys).items():
        try:
            one = _loads(payload)
        except Exception:  # noqa: S112 (a payload that passed its checksum but does not load: read the file)
            continue
        if one is not None and one.doc is not None and one.doc.path == to_read[keys[key]].shown:
            out[keys[key]] = one
    sources.hits = len(out)
    return out
