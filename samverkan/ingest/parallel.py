"""Ingest work spread over the machine's cores, in a deterministic order.

Reading the files of a term and de-identifying its distinct texts are independent per
item, so large inputs are split into chunks and mapped over a pool of worker processes
(``map_ordered``); the results come back in the order of the input, so outputs are the
same with one worker or many. Small inputs (the demo, a sub-region's term) stay in the
calling process: starting workers costs more than it saves.

The pool is created once per process and reused by every term. On Linux it forks, after
the word lists of de-identification are loaded (``samverkan.privacy.redaction.warm_up``),
so workers share them instead of loading them again. ``SAMVERKAN_WORKERS`` sets the number
of workers (1: no pool); by default it is the number of cores this process may use.
"""

from __future__ import annotations

import atexit
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, TypeVar

from samverkan.project.cores import WORKERS_ENV, workers

__all__ = ["WORKERS_ENV", "chunks", "map_ordered", "shutdown", "workers"]

T = TypeVar("T")
R = TypeVar("R")

_pool: Executor | None = None


def _noop(_: int) -> None:
    return None


def _get_pool() -> Executor:
    """The process pool, created (and its workers started) on first use."""
    global _pool
    if _pool is None:
        from samverkan.privacy import redaction

        warm_up = getattr(redaction, "warm_up", None)  # (tests may stand in a stub)
        if warm_up is not None:
            warm_up()  # before forking: the workers inherit the loaded word lists
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        n = workers()
        _pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context(method))
        list(_pool.map(_noop, range(n)))  # start every worker now, before any other threads
        atexit.register(_pool.shutdown)
    return _pool


def shutdown() -> None:
    """Stop the worker processes (a later ``map_ordered`` starts new ones)."""
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


def map_ordered(
    func: Callable[[T], R], items: Sequence[T], *, parallel: bool, chunksize: int = 1
) -> list[R]:
    """``[func(x) for x in items]``, over the worker processes when ``parallel`` and more
    than one worker is configured; the order of the results is that of ``items``."""
    if not parallel or workers() < 2 or len(items) < 2:
        return [func(x) for x in items]
    return list(_get_pool().map(func, items, chunksize=chunksize))


def chunks(items: Sequence[Any], parts: int) -> list[Sequence[Any]]:
    """``items`` split into about ``parts`` consecutive chunks (none empty)."""
    size = max(1, -(-len(items) // max(1, parts)))
    return [items[i : i + size] for i in range(0, len(items), size)]
