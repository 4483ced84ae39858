"""Forked worker processes for the stages whose work is per record (loading and
validation in ``intake``, the privacy filter): how many, and how they are fed and
stopped.  The stage sets what every worker shares (a module global) just before
``forked_map`` forks them, so the workers inherit it instead of unpickling it.

Any failure of a worker (an exception, a worker killed) ends the map: no chunk is
ever skipped.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

__all__ = ["available_cpus", "forked_map", "workers_for"]

C = TypeVar("C")
R = TypeVar("R")


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def workers_for(jobs: int | None, count: int, min_parallel: int) -> int:
    """How many worker processes share ``count`` items (1: this process does the work).
    ``jobs`` None: one per available CPU from ``min_parallel`` items.  Workers are forked
    (they inherit what the stage shares): on Linux only."""
    if not hasattr(os, "fork") or sys.platform != "linux" or count < 2:
        return 1
    if jobs is None:
        return min(available_cpus(), count) if count >= min_parallel else 1
    return max(1, min(jobs, count))


def forked_map(
    task: Callable[[C], R],
    chunks: Sequence[C],
    workers: int,
    initializer: Callable[[], None],
    broken: Callable[[str], Exception],
) -> Generator[R, None, None]:
    """``task`` of every chunk, in order, by ``workers`` forked processes.  A worker that
    dies raises ``broken("a worker process ended unexpectedly (...)")``; an exception of
    ``task`` is raised as it is; either way the remaining chunks are cancelled."""
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer) as pool:
        try:
            yield from pool.map(task, chunks)
        except concurrent.futures.process.BrokenProcessPool as exc:
            raise broken(f"a worker process ended unexpectedly ({exc})") from None
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
