"""kb.workers.ordered_map: results in order, the same in worker processes as in the caller, and
workers that keep what they inherited out of their garbage collections."""

from __future__ import annotations

import gc
import os
import weakref

from kb.workers import collections_paused, in_workers, ordered_map


def _square(n: int) -> int:
    return n * n


def _in_worker(_n: int) -> tuple[int, int]:
    return os.getpid(), gc.get_freeze_count()


def test_results_come_in_order_from_workers_as_from_the_caller():
    items = list(range(300))
    assert list(ordered_map(_square, items, workers=2, min_items=10, per_task=7)) == [n * n for n in items]
    assert list(ordered_map(_square, items, workers=1, min_items=10, per_task=7)) == [n * n for n in items]
    assert list(ordered_map(_square, items[:5], workers=2, min_items=10, per_task=7)) == [n * n for n in items[:5]]


def test_in_workers_says_where_ordered_map_runs():
    for n_items, workers, expected in ((40, 2, True), (9, 2, False), (40, 1, False), (10, 3, True)):
        assert in_workers(n_items, workers, min_items=10) is expected
        pids = {pid for pid, _ in ordered_map(_in_worker, list(range(n_items)), workers=workers, min_items=10, per_task=4)}
        assert (pids != {os.getpid()}) is expected


def test_a_worker_freezes_what_it_inherited_and_the_caller_stays_as_it_was():
    before = gc.get_freeze_count()  # (the test process may have frozen objects of its own already)
    inherited = [[i] for i in range(50_000)]  # the caller's heap a worker starts with, not frozen here
    seen = list(ordered_map(_in_worker, list(range(40)), workers=2, min_items=10, per_task=4))
    assert {pid for pid, _ in seen} - {os.getpid()}, "ran in worker processes"
    assert all(frozen >= before + len(inherited) for _pid, frozen in seen)
    assert gc.get_freeze_count() == before


class _Cycle:
    def __init__(self) -> None:
        self.me = self  # (only a collection frees it)


_MADE: list[tuple[int, weakref.ref]] = []  # a worker's: (task, the cycle an item of it made)
PER_TASK = 4


def _cycle_of_task(n: int) -> tuple[bool, int, int]:
    """Makes a reference cycle; says whether collections run automatically now, how many cycles of
    this worker's earlier tasks are still alive, and how many of its own task's."""
    task = n // PER_TASK
    alive_before = sum(1 for t, ref in _MADE if t < task and ref() is not None)
    alive_now = sum(1 for t, ref in _MADE if t == task and ref() is not None)
    _MADE.append((task, weakref.ref(_Cycle())))
    return gc.isenabled(), alive_before, alive_now


def test_collections_pause_within_and_workers_collect_their_own_garbage():
    """Workers collect once per task: not during it (the cycles its items made stay until it ends),
    and then all of them (none of an earlier task is left)."""
    assert gc.isenabled()
    with collections_paused():
        assert not gc.isenabled()
        seen = list(ordered_map(_cycle_of_task, list(range(40)), workers=2, min_items=10, per_task=PER_TASK))
    assert all(not enabled and before == 0 for enabled, before, _now in seen)
    assert [now for _e, _b, now in seen] == [n % PER_TASK for n in range(40)]
    assert gc.isenabled()
    with collections_paused(False):
        assert gc.isenabled()
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()  # (left as the caller had it)
    finally:
        gc.enable()
