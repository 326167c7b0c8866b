"""Worker processes for the two long passes of a build over many advisories: reading the content
folders (kb.content.load) and analyzing the advisories (kb.search.documents).

:func:`ordered_map` gives ``fn(item)`` for each item, in order, computed by one worker process per
CPU while the caller uses the results. The workers are forked where the system can (a script
calling kb needs no ``__main__`` guard, and sees the same settings), each gets a few tasks ahead
(memory stays flat: results wait only until used), holds none of the caller's locks
(:mod:`kb.storage`), and ends by itself when the caller is gone (killed: nothing else would tell
it). Below ``min_items``, or with one worker, everything runs in the calling process; the results
are the same either way, so ``fn`` must be a function of its item alone.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_FROM = 64
"""Fewer items than this (advisories, folders) are worked on in the calling process: starting
workers and sending them the items costs more than it saves."""

TASKS_AHEAD = 4  # tasks sent ahead per worker (their results wait in memory until used)


def default_workers() -> int:
    """The processes to work with: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def in_workers(n_items: int, workers: int | None, min_items: int) -> bool:
    """Whether :func:`ordered_map` gives ``n_items`` items to worker processes (else it runs them here)."""
    return (default_workers() if workers is None else workers) > 1 and n_items >= min_items


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    n_items: int | None = None,
    workers: int | None = None,
    min_items: int,
    per_task: int,
    start: Callable[[], None] | None = None,
) -> Generator[R, None, None]:
    """``fn(item)`` for each of ``items``, in order: by ``workers`` processes (default:
    :func:`default_workers`) when there are at least ``min_items``, ``per_task`` items per round
    trip; else here. ``fn`` and ``start`` (run once in each worker) must be module-level functions.
    ``items`` may be an iterator (then ``n_items`` says how many it gives): it is taken a task at a
    time, as the workers need more, and an item is let go once its result is given (a caller that
    hands out large items and keeps none holds only the few in flight). Closing the generator stops
    the workers."""
    count = len(items) if n_items is None else n_items  # type: ignore[arg-type]
    if not in_workers(count, workers, min_items):
        for item in items:
            yield fn(item)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    n = min(default_workers() if workers is None else workers, count)
    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context(method), initializer=_start_worker, initargs=(os.getpid(), start))
    source = iter(items)
    pending: deque[Future[list[Any]]] = deque()  # tasks sent, oldest first
    try:
        more = True
        while more or pending:
            while more and len(pending) < TASKS_AHEAD * n:
                task = list(islice(source, per_task))
                more = len(task) == per_task
                if task:
                    pending.append(pool.submit(_run_task, fn, task))
                del task  # (the pool holds it until its result comes back)
            if not pending:
                break
            results = pending.popleft().result()
            if not more and not pending:
                pool.shutdown(wait=True)  # (the last results: the workers can go)
            while results:
                yield results.pop(0)  # (each result let go once given: the caller decides what it keeps)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def collections_paused(pause: bool = True) -> Iterator[None]:
    """Automatic garbage collection off within (when ``pause``), back as it was after: for a
    caller that keeps everything its workers send (nothing to collect), whose heap grows as the
    results come (each full collection walks all of it)."""
    was = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was:
            gc.enable()


def _run_task(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """A worker's task, its garbage collected once at the end instead of as it goes: reading a
    folder or analyzing an advisory makes hardly any reference cycles (13 objects in 2,000 folders
    read), but so many objects that the automatic collections ran every few hundred microseconds,
    ~2 % of `kb check`'s CPU (none measurable in analysis). What the worker inherited is frozen
    (:func:`_start_worker`), so the collection at the end walks only the worker's own objects."""
    try:
        with collections_paused():
            return [fn(item) for item in items]
    finally:
        gc.collect()


def _start_worker(caller: int, start: Callable[[], None] | None) -> None:
    """A worker starts: ``start``, and a watch that ends it when ``caller`` is gone."""
    import threading
    import time

    # What the worker inherited (the caller's advisories, at a build's analysis: a large heap) stays
    # out of its collections: each full collection walked all of it, and copied the pages it
    # touched. Measured on a 2,000-advisory build: the workers' collections took 1.6-1.8 s of
    # their ~26 s, 0.4 s with this.
    gc.freeze()
    gc.enable()  # (a worker collects its own garbage, even when forked while the caller's collections were paused)
    if start is not None:
        start()

    def watch() -> None:
        while os.getppid() == caller:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="kb-caller-watch", daemon=True).start()
