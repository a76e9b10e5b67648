from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samverkan.coding.agreement import agreement_summary, cohen_kappa, krippendorff_alpha

# ten cause ids (inline: the figures depend on how many there are, not on the codebook)
CAUSES = ("sip", "bemotande", *(f"orsak{i}" for i in range(3, 11)))

A = [1, 1, 0, 0, 1, 0, 0, 0, 1, 1]
B = [1, 0, 0, 0, 1, 0, 1, 0, 1, 1]


def test_kappa_by_hand():
    # observed agreement 8/10; both code half the cases -> chance 0.5; kappa = 0.3/0.5
    assert cohen_kappa(A, B) == pytest.approx(0.6)
    assert cohen_kappa(A, A) == pytest.approx(1.0)
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) is None  # no variation
    assert cohen_kappa([], []) is None


def test_alpha_by_hand():
    # coincidences: 8 pairs 1-1, 8 pairs 0-0, 4 disagreeing; D_o = 4/20, D_e = 2*10*10/(20*19)
    expected = 1 - (4 / 20) / (200 / 380)
    assert krippendorff_alpha(np.array(A), np.array(B)) == pytest.approx(expected)
    assert krippendorff_alpha(np.zeros(5), np.zeros(5)) is None


def _coded(auto: list[str], manual: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_id": [f"2025VT-{i:010x}" for i in range(len(auto))],
            "auto_causes": auto,
            "manual_causes": manual,
            "coding": ["manuell" if m is not None else "automatisk" for m in manual],
        }
    )


def test_summary_shape_and_threshold():
    auto = ["sip" if a else "" for a in A] + ["kommunikation"]
    manual = ["sip" if b else "" for b in B] + [None]
    coded = _coded(auto, manual)
    sheet = pd.DataFrame(
        {
            "case_id": coded["case_id"],
            "a1_coded": [True] * 10 + [False],
            "a2_coded": [True] * 10 + [False],
            **{f"a1_{c}": [c == "sip" and bool(a) for a in A] + [False] for c in CAUSES},
            **{f"a2_{c}": [c == "sip" and bool(b) for b in B] + [False] for c in CAUSES},
        }
    )
    s = agreement_summary(coded, sheet, CAUSES, min_cases=10)
    assert (s["n_cases"], s["n_manual"], s["n_auto_only"], s["n_double_coded"]) == (11, 10, 1, 10)
    for part in ("auto_vs_manual", "between_analysts"):
        assert s[part]["n"] == 10
        assert s[part]["kappa"]["sip"] == 0.6
        assert s[part]["kappa"]["bemotande"] is None
        # alpha over all 100 (case, cause) units: the 90 units of other causes agree on "no";
        # o_11 = 8, o_00 = 188, 4 disagreeing; n_1 = 10, n_0 = 190, n = 200
        assert s[part]["alpha"] == round(1 - (4 / 200) / (2 * 190 * 10 / (200 * 199)), 3)
    few = agreement_summary(coded, sheet, CAUSES, min_cases=20)
    assert (
        few["auto_vs_manual"]["alpha"] is None and few["between_analysts"]["kappa"]["sip"] is None
    )
    assert agreement_summary(coded, None, CAUSES, min_cases=10)["n_double_coded"] == 0


def test_kappa_per_given_cause_and_only_cases_in_the_data():
    coded = _coded(["a", "a;b", ""], ["a", "b", None])
    sheet = pd.DataFrame(
        {
            "case_id": [*coded["case_id"][:2], "2025VT-ffffffffff"],  # the last left the data
            "a1_coded": [True, True, True],
            "a2_coded": [True, False, True],
            "a1_a": [True, False, True],
            "a2_a": [True, False, False],
            "a1_b": [False, True, False],
            "a2_b": [False, False, False],
        }
    )
    s = agreement_summary(coded, sheet, ["a", "b"], min_cases=1)
    assert set(s["auto_vs_manual"]["kappa"]) == {"a", "b"}
    assert (s["n_manual"], s["n_double_coded"], s["between_analysts"]["n"]) == (2, 1, 1)
    # auto a;b vs manual b on the second case: "a" disagrees once, "b" always agrees
    assert s["auto_vs_manual"]["kappa"] == {"a": 0.0, "b": 1.0}
