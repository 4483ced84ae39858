"""Forked worker processes for the stages whose work is per record (loading and
validation in ``intake``, the privacy filter), and for a stage that runs beside another
(``Alongside``: the open data and the static search index while the pages are made):
how many, and how they are fed and stopped.  The stage sets what every worker shares (a
module global) just before ``forked_map`` forks them, so the workers inherit it instead
of unpickling it.

Any failure of a worker (an exception, a worker killed) ends the map: no chunk is
ever skipped.  A worker ends with the build: killed with it (``die_with_parent``), it
would otherwise wait for ever on the pipes it inherited, holding its memory.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import traceback
from collections.abc import Callable, Generator, Sequence
from typing import Generic, TypeVar

__all__ = [
    "Alongside",
    "InProcess",
    "available_cpus",
    "die_with_parent",
    "forked_map",
    "kill_point",
    "memory_room",
    "workers_for",
]

C = TypeVar("C")
R = TypeVar("R")


def memory_room() -> tuple[int, int] | None:
    """(bytes the machine can still give without swapping -- ``MemAvailable`` --, bytes this
    process holds -- its resident set), or None where /proc does not tell (not Linux)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:  # noqa: PTH123
            available = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
        with open("/proc/self/statm", encoding="ascii") as f:  # noqa: PTH123
            resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    return available, resident


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


class Alongside(Generic[R]):
    """``task()`` in one forked process, started now, while this one goes on; ``result()``
    waits for its value: the list of pieces it returns, pickled back through a pipe one
    piece at a time (a large value as one message would be held twice in each process
    while it passes: its pickle and its copy).  The child inherits what the build holds
    (nothing is sent to it) and must write nothing the build's own process writes too: the
    stages given to it write only their own cache entries (whole files, each made under a
    temporary name and renamed).  An exception of ``task`` is raised again by
    ``result()``; a child that ends without its value raises ``broken("...")``.
    ``cancel()`` kills the child (a build that failed elsewhere does not wait for it);
    killed with the build, the child ends too (``die_with_parent``).  ``name``: the child's
    kill point (``kill_point``), for the tests."""

    def __init__(self, task: Callable[[], list[R]], broken: Callable[[str], Exception], name: str = "alongside"):
        ctx = multiprocessing.get_context("fork")
        self._broken = broken
        self._receive, send = ctx.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):  # else the child would write their buffers again
            with contextlib.suppress(Exception):
                stream.flush()
        self._child = ctx.Process(target=_alongside, args=(send, os.getpid(), task, name), daemon=True)
        self._child.start()
        send.close()  # (the child's end: a child that dies closes the pipe, and recv() sees it)
        self._pieces: list[R] | None = None

    def result(self) -> list[R]:
        if self._pieces is None:
            pieces: list[R] = []
            try:
                while True:
                    kind, value = self._receive.recv()
                    if kind == "piece":
                        pieces.append(value)
                    elif kind == "error":
                        self._child.join()
                        raise value
                    else:
                        break
            except (EOFError, OSError):
                self._child.join()
                raise self._broken(f"a worker process ended unexpectedly (exit code {self._child.exitcode})") from None
            finally:
                self._receive.close()
            self._child.join()
            self._pieces = pieces
        return self._pieces

    def cancel(self) -> None:
        """Kill the child unless its value is already in (then: nothing to do)."""
        if self._child.is_alive():
            self._child.kill()
        self._child.join()
        with contextlib.suppress(OSError):
            self._receive.close()


class InProcess(Generic[R]):
    """``Alongside``'s interface for a task run in this process (one core, a small site, no
    memory for a second process): it runs when its value is asked for."""

    def __init__(self, task: Callable[[], list[R]]):
        self._task = task

    def result(self) -> list[R]:
        return self._task()

    def cancel(self) -> None:
        pass


def _alongside(
    send: multiprocessing.connection.Connection, parent: int, task: Callable[[], list[R]], name: str
) -> None:
    die_with_parent(parent)
    kill_point(name)
    try:
        pieces = task()
    except BaseException as exc:  # sent back whole when it pickles, else as its text
        with contextlib.suppress(Exception):
            exc.add_note("in the process beside the build:\n" + "".join(traceback.format_tb(exc.__traceback__)))
        try:
            send.send(("error", exc))
        except Exception as why:  # e.g. an exception that does not pickle
            send.send(("error", RuntimeError(f"{exc!r} ({why})")))
    else:
        for i, piece in enumerate(pieces):
            send.send(("piece", piece))
            pieces[i] = None  # type: ignore[assignment]  # (sent: no longer held here)
        send.send(("done", None))
    send.close()
    os._exit(0)  # no exit handlers of the build's process, no freeing of its heap
