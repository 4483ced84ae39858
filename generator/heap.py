"""The cyclic garbage collector during a build.

A build makes millions of objects that live until it ends (the records, the filtered
records, the pages' Markdown) and next to none that are garbage in a cycle.  Each full
collection walks all of them: at 20,000 records a one-record rebuild spent some 5 s in
six of them, more at 100,000.  So within ``build_heap()`` each stage's survivors are
frozen when it ends (``settle``): no collection walks them again, and young garbage is
still collected as usual.  When the outermost ``build_heap`` ends (``openaffairs serve``
builds again and again in one process) everything is unfrozen, and the next collection
frees whatever cycles the build left.

``release()`` is the end of a local freeze (before forking workers, around MkDocs): it
unfreezes only outside a build, so that it never undoes the build's own."""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

__all__ = ["build_heap", "holding_heap", "paused", "release", "settle"]

F = TypeVar("F", bound=Callable[..., Any])

_depth = 0


@contextlib.contextmanager
def build_heap() -> Iterator[None]:
    """One build (or check): what ``settle`` froze stays frozen until the outermost ends."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()


def holding_heap(fn: F) -> F:
    """``fn`` runs inside ``build_heap()``."""

    @functools.wraps(fn)
    def held(*args: Any, **kwargs: Any) -> Any:
        with build_heap():
            return fn(*args, **kwargs)

    return cast(F, held)


def settle() -> None:
    """A stage has ended: what exists now is kept out of the collector's sight (inside a
    build; outside one, the objects only move to the oldest generation unwalked)."""
    gc.freeze()
    if _depth == 0:
        gc.unfreeze()


def release() -> None:
    """End a local ``gc.freeze()``: unfreeze, unless a build holds the heap frozen."""
    if _depth == 0:
        gc.unfreeze()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection within: for code that makes many objects and no cycles
    (records parsed and validated, cache entries restored, the matcher's keys), where each
    collection would walk the whole heap.  Collection resumes as it was after; inside a
    build, what was made here is frozen first (``settle``): else the first collections after
    the pause walk all of it (at 20,000 records, 1.1 s after the filter cache's entries)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _depth > 0:
            gc.freeze()
        if enabled:
            gc.enable()
