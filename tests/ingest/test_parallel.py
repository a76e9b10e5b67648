"""Work over worker processes: the results in input order, the same as in one process."""

from __future__ import annotations

import pytest

from samverkan.ingest import parallel
from samverkan.ingest.cases import redact_texts


def _square(x: int) -> int:
    return x * x


def test_chunks_keep_every_item_in_order() -> None:
    items = list(range(23))
    parts = parallel.chunks(items, 4)
    assert [x for part in parts for x in part] == items
    assert all(parts) and len(parts) <= 4
    assert parallel.chunks([], 3) == []


def test_workers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.workers() == 3
    monkeypatch.setenv(parallel.WORKERS_ENV, "no")
    assert parallel.workers() >= 1


def test_map_ordered_over_workers_keeps_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    items = list(range(200))
    try:
        spread = parallel.map_ordered(_square, items, parallel=True, chunksize=7)
    finally:
        parallel.shutdown()
    assert spread == [x * x for x in items]
    assert parallel.map_ordered(_square, items, parallel=False) == spread


def test_redaction_over_workers_equals_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from samverkan.ingest import cases

    texts = [f"Mamman Anna Svensson ringde {n} gånger till BUP." for n in range(60)]
    texts += ["Ingen återkoppling från psykiatrin.", texts[0]]
    serial = redact_texts(texts)
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    monkeypatch.setattr(cases, "PARALLEL_TEXTS", 1)
    try:
        spread = redact_texts(texts)
    finally:
        parallel.shutdown()
    assert spread == serial and list(spread) == list(dict.fromkeys(texts))
    assert all("Anna" not in v for v in spread.values())
