"""The collector during a build (generator/heap.py): each stage's survivors frozen, and
nothing left frozen once the build is over (``openaffairs serve`` builds again and again
in one process: what a build froze would otherwise never be collected)."""

from __future__ import annotations

import gc
from pathlib import Path

from conftest import NOW, REGULATION, write_site

from generator.heap import build_heap, paused, release, settle
from generator.pipeline import build, configure, prepare


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_settled_objects_stay_frozen_until_the_outermost_build_ends() -> None:
    gc.collect()
    assert gc.get_freeze_count() == 0
    with build_heap():
        kept = [_Cycle() for _ in range(1000)]
        settle()
        frozen = gc.get_freeze_count()
        assert frozen >= 1000
        with build_heap():
            gc.freeze()  # a local freeze (before forking workers) ...
            release()  # ... whose end does not undo the build's
            assert gc.get_freeze_count() >= frozen
        assert gc.get_freeze_count() >= frozen
        del kept
    assert gc.get_freeze_count() == 0
    settle()  # outside a build: nothing stays frozen
    assert gc.get_freeze_count() == 0


def test_what_a_pause_made_in_a_build_is_frozen_when_it_ends() -> None:
    gc.collect()
    with paused():  # outside a build: collection resumes, nothing frozen
        outside = [_Cycle() for _ in range(100)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with build_heap():
        with paused():
            assert not gc.isenabled()
            made = [_Cycle() for _ in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= 1000  # no collection walks them again
        del made
    assert gc.get_freeze_count() == 0
    del outside


def test_a_build_and_a_check_leave_nothing_frozen_and_their_cycles_collectable(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"content/regulations/cpl.md": REGULATION})
    config, now = configure(root / "site_config.yml", NOW)
    gc.collect()
    for _ in range(2):  # as serve does
        report = build(config, root / "site", now)
        assert report.pages > 0 and gc.get_freeze_count() == 0
        prepare(config, now)
        assert gc.get_freeze_count() == 0
    assert (root / "site" / "index.html").is_file()
