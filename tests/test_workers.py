"""kb.workers.ordered_map: results in order, the same in worker processes as in the caller, and
workers that keep what they inherited out of their garbage collections."""

from __future__ import annotations

import gc
import os

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


def _collecting(_n: int) -> bool:
    return gc.isenabled()


def test_collections_pause_within_and_workers_collect_their_own_garbage():
    assert gc.isenabled()
    with collections_paused():
        assert not gc.isenabled()
        assert all(ordered_map(_collecting, list(range(20)), workers=2, min_items=10, per_task=4))
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
