"""samverkan coding-quality: reading a labelled file, per-cause scores, Swedish output."""

from __future__ import annotations

import json

import pytest
from coding_helpers import BOOK

from samverkan.coding.quality import evaluate, format_quality, load_labelled, per_cause
from samverkan.project.errors import InputError


def _write(tmp_path, lines: list[str]):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_per_cause_and_micro():
    rows = [{"causes": {"sip"}}, {"causes": {"sip", "rutiner"}}, {"causes": set()}]
    got = [{"sip"}, {"sip"}, {"rutiner"}]
    per, micro = per_cause(rows, got)
    assert per["sip"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert per["rutiner"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert micro["precision"] == pytest.approx(0.667) and micro["recall"] == pytest.approx(0.667)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{nej", "rad 2 är ingen giltig JSON"),
        ('{"causes": []}', "rad 2 saknar texten"),
        ('{"text": "a", "causes": "sip"}', "rad 2: causes ska vara en lista"),
        ('{"text": "a", "causes": ["okänd"]}', "rad 2: 'okänd' är ingen orsak i kodboken"),
    ],
)
def test_a_malformed_line_is_named(tmp_path, line, message):
    path = _write(tmp_path, [json.dumps({"text": "a", "causes": []}), line])
    with pytest.raises(InputError) as err:
        load_labelled(path, BOOK.cause_ids)
    assert message in str(err.value) and str(path) in str(err.value)


def test_evaluate_rules_only_prints_swedish_table(tmp_path):
    path = _write(
        tmp_path,
        [
            json.dumps(
                {"id": "x1", "text": "Psykiatrin uteblev från SIP-mötet.", "causes": ["sip"]}
            ),
            json.dumps({"text": "Allt gick bra.", "causes": [], "note": "ignored"}),
        ],
    )
    result = evaluate(path, BOOK, None, rules_only=True)
    assert result["micro"]["f1"] == 1.0 and result["n_texts"] == 2
    text = format_quality(result, BOOK.cause_labels())
    assert "täckning" in text and "SIP" in text and "1,000" in text
    assert "bara kodbokens regler" in text


def test_method_section_phrase_states_the_leave_one_term_out_figures():
    from samverkan.privacy.disclosure import DisclosurePolicy
    from samverkan.report.narrative import _suggestion_quality

    part = {
        "n_cases": 186,
        "n_terms": 4,
        "blend": {"f1": 0.947, "precision": 0.942, "recall": 0.953, "n": 340},
        "rules_only": {"f1": 0.953, "precision": 0.953, "recall": 0.953, "n": 340},
    }
    text = _suggestion_quality(part, DisclosurePolicy(min_cell=3))
    assert "mikro-F1 0,95" in text and "fyra terminer" in text and "186" in text
    assert _suggestion_quality({**part, "n_terms": 1}, DisclosurePolicy(min_cell=3)) == ""
    assert _suggestion_quality(None, DisclosurePolicy(min_cell=3)) == ""
