"""The disclosure rule as one policy object, and the named steps of the suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samverkan.privacy.disclosure import (
    DisclosurePolicy,
    _exposed,
    _Grid,
    _lines_with_one_hidden,
    _reaches,
    _unmark_small,
    is_small,
    protect,
)
from samverkan.project.errors import InputError

P3 = DisclosurePolicy(min_cell=3)


def test_policy_from_params_reads_the_disclosure_section() -> None:
    params = {"terms": {}, "disclosure": {"min_cell": 5}}
    policy = DisclosurePolicy.from_params(params)
    assert policy == DisclosurePolicy(min_cell=5)
    assert policy.mark == "<5"
    assert policy.small_text == "färre än 5"


def test_policy_of_the_live_params(root) -> None:
    from samverkan.project.settings import load_params

    assert DisclosurePolicy.from_params(load_params(root)).min_cell >= 1


@pytest.mark.parametrize("value", [0, -1, "3", 2.5, True, None])
def test_invalid_min_cell_is_a_swedish_input_error(value: object) -> None:
    with pytest.raises(InputError) as caught:
        DisclosurePolicy(min_cell=value)  # type: ignore[arg-type]
    assert caught.value.path == "params.yaml"
    assert "disclosure.min_cell" in caught.value.problem
    assert "heltal" in caught.value.problem


def test_numpy_integer_is_accepted_as_int() -> None:
    policy = DisclosurePolicy(min_cell=np.int64(4))  # type: ignore[arg-type]
    assert policy.min_cell == 4 and type(policy.min_cell) is int


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({}, "avsnittet disclosure saknas"),
        ({"disclosure": None}, "avsnittet disclosure saknas"),
        ({"disclosure": {}}, "disclosure.min_cell saknas"),
        ({"disclosure": {"min_cell": 0}}, "disclosure.min_cell är 0"),
        ({"disclosure": {"min_cell": 3, "min_cells": 3}}, "okänd nyckel under disclosure"),
    ],
)
def test_bad_params_section_is_input_error(params: dict, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        DisclosurePolicy.from_params(params)
    assert caught.value.path == "params.yaml"


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        P3.min_cell = 5  # type: ignore[misc]


def test_is_small() -> None:
    assert [is_small(n, P3) for n in range(5)] == [False, True, True, False, False]
    assert not is_small(1, DisclosurePolicy(min_cell=1))


def test_protected_table_carries_the_policy() -> None:
    pt = protect(pd.DataFrame({"a": [1, 5], "b": [4, 6]}), DisclosurePolicy(min_cell=4))
    assert pt.policy.min_cell == 4
    assert pt.min_cell == 4 and pt.mark == "<4"


def _grid(rows: list[list[int]]) -> _Grid:
    values = pd.DataFrame(rows)
    values["Totalt"] = values.sum(axis=1)
    values.loc["Totalt"] = values.sum(axis=0)
    return _Grid.of(values, True, True, P3)


def test_grid_lines_and_totals() -> None:
    grid = _grid([[1, 4], [5, 6]])
    assert grid.shape == (3, 3)
    assert grid.is_total[:, -1].all() and grid.is_total[-1, :].all()
    assert not grid.is_total[:2, :2].any()
    assert len(grid.lines) == 6  # 3 rows + 3 columns, each summing to its total
    assert grid.lines[0] == [(0, 0), (0, 1), (0, 2)]


def test_a_line_with_one_hidden_cell_is_found() -> None:
    grid = _grid([[1, 4], [5, 6]])
    mask = np.zeros(grid.shape, dtype=bool)
    mask[0, 0] = True
    assert _lines_with_one_hidden(grid.lines, mask) == [0, 3]  # row 0 and column 0


def test_exposed_cells() -> None:
    grid = _grid([[1, 4], [5, 6]])
    mask = np.zeros(grid.shape, dtype=bool)
    mask[0, 0] = True
    small = mask.copy()
    assert _exposed(grid, mask, small) == [(0, 0)]
    # a 2 x 2 block of hidden inner cells lets every one of them move: nothing exposed
    mask[:2, :2] = True
    assert _exposed(grid, mask, small) == []
    # ... unless the only other value of the "<3" cell would be out of range (1 + 1)
    one = _grid([[1, 1], [1, 6]])
    block = np.zeros(one.shape, dtype=bool)
    block[:2, :2] = True
    assert set(_exposed(one, block, block.copy() & (one.values < 3))) == {
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
    }


def test_unmark_small_turns_marks_of_needy_lines_into_x() -> None:
    grid = _grid([[1, 1], [5, 6]])
    marked = np.zeros(grid.shape, dtype=bool)
    marked[0, 0] = marked[0, 1] = True
    assert _unmark_small(grid, [0], [], marked)
    assert not marked.any()
    assert not _unmark_small(grid, [0], [], marked)  # nothing left to re-mark


def test_reaches() -> None:
    adjacency = {0: [1], 1: [2], 3: [0]}
    assert _reaches(0, 2, adjacency)
    assert not _reaches(2, 0, adjacency)
    assert _reaches(3, 3, adjacency)
