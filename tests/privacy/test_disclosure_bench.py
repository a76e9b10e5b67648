"""The comparison with Tau-Argus OPT (``samverkan-dev bench-disclosure``), on tiny tables."""

from __future__ import annotations

import pandas as pd
import pytest
from samverkan_dev.bench import disclosure as bench

from samverkan.privacy.disclosure import DisclosurePolicy

pytest.importorskip("pytauargus")

P3 = DisclosurePolicy(min_cell=3)


def test_tau_argus_hides_the_small_cells_and_protects_them() -> None:
    table = pd.DataFrame([[5, 1, 4], [3, 6, 2], [7, 3, 8]])
    hidden = bench.tau_argus_hidden(table, P3)
    assert hidden.shape == (4, 4)
    assert hidden[0, 1] and hidden[1, 2]  # the two small counts
    assert hidden.sum() >= 4  # and complements in their rows and columns


def test_comparison_rows_and_swedish_table() -> None:
    tables = {"liten": pd.DataFrame([[5, 1, 4], [3, 6, 2], [7, 3, 8]])}
    tables |= bench.random_tables(2, seed=3)
    rows = bench.compare(tables, P3)
    assert [r["tabell"] for r in rows] == ["liten", "slump 1", "slump 2"]
    for row in rows:
        assert row["vi_granskning"] == "ok"
        # under Tau-Argus's own rule our optimiser shows at least as many cases
        assert row["vi_tau_synliga"] >= row["tau_synliga"]
        if row["tau_granskning"] == "ok":
            assert row["vi_synliga"] >= row["tau_synliga"]
    text = bench.format_comparison(rows)
    assert "Dolda (Tau-Argus)" in text and "Synliga fall (vi)" in text


def test_random_tables_are_seeded() -> None:
    first, again = bench.random_tables(3, seed=5), bench.random_tables(3, seed=5)
    assert all(first[k].equals(again[k]) for k in first)
