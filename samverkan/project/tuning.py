"""Interpreter settings for the bulk work of the ingest and the coding, restored after.

A term's ingest builds millions of small Python objects (the cells of every row, word
lists and token sets of every text) and hands strings between pandas and Python code
row by row; the coding does the same for every case's text. Two settings of the process
make that cheaper without changing any result:

- Python's cyclic garbage collector runs less often (``fewer_collections``: a larger
  first threshold and fewer full collections). These stages make no reference cycles in
  bulk, so frequent collections only walk the same live objects again and again. Memory
  stays bounded: collections still run, every ``GC_THRESHOLD[0]`` new container objects.
- In the ingest (``bulk_work``), pandas also keeps its ``string`` columns as Python
  strings (``mode.string_storage`` "python") instead of Arrow buffers: the ingest reads
  and writes those columns from Python, and every crossing into and out of Arrow copies
  each string. The parquet files written are byte for byte the same; ``default_storage``
  gives frames handed back to callers pandas' default storage again.

Measured on the scale benchmark (2 cores): one term of 50 000 rows in one process, 9.3
CPU-s with the defaults, 8.6 with Python strings, 8.4 with both; the coding of 808 323
cases 54.2 s (103 CPU-s) with the defaults and 48.9 s (93 CPU-s) with fewer collections.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

GC_THRESHOLD = (50_000, 20, 100)  # gc.set_threshold(...) inside the blocks below


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the cyclic garbage collector's larger thresholds (worker
    processes forked inside the block inherit them)."""
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def bulk_work() -> Iterator[None]:
    """Run the block with the ingest's settings (nested blocks are fine)."""
    with fewer_collections(), pd.option_context("mode.string_storage", "python"):
        yield


def default_storage(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with pandas' default string storage again (its columns and its labels), for
    frames handed back to callers after ``bulk_work``: the same values and dtypes as
    without it. Call it outside the block."""
    out = df.copy(deep=False)
    out.columns = pd.Index(list(df.columns))
    for col, dtype in df.dtypes.items():
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
            out[col] = df[col].astype(pd.StringDtype(na_value=dtype.na_value))
    return out
