"""The interpreter settings of the bulk stages: applied inside the block, restored after."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from samverkan.project.tuning import (
    GC_THRESHOLD,
    bulk_work,
    default_storage,
    fewer_collections,
)


def test_bulk_work_sets_and_restores_the_collector_and_the_string_storage() -> None:
    before, storage = gc.get_threshold(), pd.get_option("mode.string_storage")
    with bulk_work():
        assert gc.get_threshold() == GC_THRESHOLD
        assert pd.get_option("mode.string_storage") == "python"
        assert pd.array(["a", None], dtype="string").dtype.storage == "python"
        with bulk_work():  # nested: the inner block restores the outer settings
            pass
        assert gc.get_threshold() == GC_THRESHOLD
    assert gc.get_threshold() == before
    assert pd.get_option("mode.string_storage") == storage


def test_settings_are_restored_when_the_block_raises() -> None:
    before = gc.get_threshold()
    with pytest.raises(ValueError), fewer_collections():
        raise ValueError("ett fel")
    assert gc.get_threshold() == before


def test_default_storage_gives_the_frame_pandas_would_have_built() -> None:
    expected = pd.DataFrame(
        {"text": pd.array(["Anna", None], dtype="string"), "n": [1, 2], "tag": ["a", "b"]}
    )
    with bulk_work():
        built = pd.DataFrame(
            {"text": pd.array(["Anna", None], dtype="string"), "n": [1, 2], "tag": ["a", "b"]}
        )
    assert built["text"].dtype != expected["text"].dtype  # python storage inside the block
    back = default_storage(built)
    pd.testing.assert_frame_equal(back, expected)
    assert back.columns.dtype == expected.columns.dtype
    assert built["text"].dtype.storage == "python"  # the input is left as it was
