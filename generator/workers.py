"""Forked worker processes for the stages whose work is per record (loading and
validation in ``intake``, the privacy filter): how many, and how they are fed and
stopped.  The stage sets what every worker shares (a module global) just before
``forked_map`` forks them, so the workers inherit it instead of unpickling it.

Any failure of a worker (an exception, a worker killed) ends the map: no chunk is
ever skipped.  A worker ends with the build: killed with it (``die_with_parent``), it
would otherwise wait for ever on the pipes it inherited, holding its memory.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Generator, Sequence
from typing import TypeVar

__all__ = ["available_cpus", "die_with_parent", "forked_map", "kill_point", "workers_for"]

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


def die_with_parent(parent: int) -> None:
    """In a worker process: end when the build process ``parent`` ends, however it ends
    (Linux: PR_SET_PDEATHSIG).  A worker of a killed build would otherwise finish work
    nobody reads, or block for ever on a pipe it inherited (forked workers hold copies of
    the pool's pipes, so they never see them close), keeping its memory."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    if os.getppid() != parent:  # the build ended before prctl
        os._exit(1)


def kill_point(name: str) -> None:
    """Tests kill a build at a named point (tests/test_cache.py, tests/test_workers.py):
    OPENAFFAIRS_KILL_AT=<name> (SIGKILL, as a machine that loses power or an impatient CI)."""
    if os.environ.get("OPENAFFAIRS_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _start(parent: int, initializer: Callable[[], None]) -> None:
    die_with_parent(parent)
    initializer()


def forked_map(
    task: Callable[[C], R],
    chunks: Sequence[C],
    workers: int,
    initializer: Callable[[], None],
    broken: Callable[[str], Exception],
    name: str = "workers",
) -> Generator[R, None, None]:
    """``task`` of every chunk, in order, by ``workers`` forked processes.  A worker that
    dies raises ``broken("a worker process ended unexpectedly (...)")``; an exception of
    ``task`` is raised as it is; either way the remaining chunks are cancelled.  ``name``:
    the stage's kill point (``kill_point``) once the first chunk is back, the workers busy."""
    ctx = multiprocessing.get_context("fork")
    start = functools.partial(_start, os.getpid(), initializer)
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx, initializer=start) as pool:
        try:
            for i, result in enumerate(pool.map(task, chunks)):
                if i == 0:
                    kill_point(name)
                yield result
        except concurrent.futures.process.BrokenProcessPool as exc:
            raise broken(f"a worker process ended unexpectedly ({exc})") from None
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
