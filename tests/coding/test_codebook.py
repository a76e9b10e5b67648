from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from coding_helpers import BOOK, VOCAB
from conftest import FIXTURES

from samverkan.coding.codebook import codebook_from_dict, codebook_path, load_codebook
from samverkan.project.errors import InputError

SMALL = FIXTURES / "coding" / "codebook.yaml"


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(SMALL.read_text(encoding="utf-8"))


def _error(data: object) -> str:
    with pytest.raises(InputError) as exc:
        codebook_from_dict(data, "kodbok.yaml")
    return str(exc.value)


def test_project_codebook_is_the_home_of_the_ids():
    # the vocabulary of the schemas reads the same file: same ids, same order
    assert BOOK.cause_ids == list(VOCAB.causes)
    assert BOOK.category_ids == list(VOCAB.categories)
    assert all(c.definition and c.label for c in BOOK.causes)
    assert all(c.category in BOOK.category_ids for c in BOOK.causes)


def test_small_codebook_loads_with_defaults_and_aliases():
    book = load_codebook(SMALL)
    assert book.version == "t1" and book.source == str(SMALL)
    assert book.cause_ids == ["svar", "plan", "it"]
    assert book.category_ids == ["rutiner", "teknik", "annat"]
    assert book.cause("plan").color == "#1F77B4" and book.cause("svar").color == "#777777"
    assert book.cause("it").supersedes == ("svar",)
    assert book.cause("svar").triggers.problem_terms == ("svar",)
    assert book.negation.window == 3 and book.abbreviations == {"SIP": "samordnad individuell plan"}
    assert book.cause_labels()["it"] == "IT-fel"
    assert book.category_labels() == {"rutiner": "Rutiner", "teknik": "Teknik", "annat": "Annat"}


def test_codebook_path_is_inside_the_config_folder(tmp_path):
    assert codebook_path(tmp_path) == tmp_path / "codebook.yaml"


def test_causes_may_be_added_and_removed(raw):
    # the codebook is the source of the ids: no fixed list to match
    data = copy.deepcopy(raw)
    data["causes"].append({"id": "samordning", "label": "Samordning", "category": "rutiner",
                           "definition": "Ny kod."})  # fmt: skip
    assert codebook_from_dict(data, "kodbok.yaml").cause_ids[-1] == "samordning"
    data = copy.deepcopy(raw)
    data["causes"] = [c for c in data["causes"] if c["id"] != "plan"]
    assert codebook_from_dict(data, "kodbok.yaml").cause_ids == ["svar", "it"]


def test_bad_pattern_names_the_entry(raw):
    raw["causes"][1]["triggers"]["mönster"] = ["(oavslutad"]
    msg = _error(raw)
    assert msg.startswith("kodbok.yaml: posten causes[plan].triggers.mönster: ")
    assert "reguljärt uttryck" in msg and "config/codebook.yaml" in msg


def test_bad_trigger_term_and_color(raw):
    raw["causes"][0]["triggers"]["termer"] = ["åter*koppl"]
    assert "causes[svar].triggers.termer" in _error(raw) and "triggerordet" in _error(raw)
    raw["causes"][0]["triggers"]["termer"] = []
    raw["causes"][0]["color"] = "röd"
    assert "causes[svar].color" in _error(raw) and "#RRGGBB" in _error(raw)


def test_cause_must_name_a_category(raw):
    raw["causes"][0]["category"] = "kommunikation"
    msg = _error(raw)
    assert "causes[svar].category" in msg and "inget kategori-id" in msg
    assert "rutiner, teknik, annat" in msg


def test_missing_field_and_unknown_key_in_swedish(raw):
    data = copy.deepcopy(raw)
    del data["causes"][2]["definition"]
    assert "posten causes[it].definition: saknas" in _error(data)
    data = copy.deepcopy(raw)
    data["causes"][2]["defintion"] = "stavfel"
    assert "posten causes[it].defintion: är ingen känd nyckel" in _error(data)
    data = copy.deepcopy(raw)
    data["negation"]["fönster"] = 99
    assert "posten negation.fönster: är för stort" in _error(data)


def test_entry_without_id_is_named_by_position(raw):
    del raw["categories"][1]["id"]
    assert "posten categories[2].id: saknas" in _error(raw)


def test_duplicate_ids(raw):
    data = copy.deepcopy(raw)
    data["causes"].append(copy.deepcopy(data["causes"][0]))
    assert "orsaks-id 'svar' förekommer mer än en gång" in _error(data)
    data = copy.deepcopy(raw)
    data["categories"].append(copy.deepcopy(data["categories"][0]))
    assert "kategori-id 'rutiner' förekommer mer än en gång" in _error(data)


def test_not_a_mapping_and_bad_yaml(tmp_path: Path):
    assert "innehåller ingen tabell" in _error(["a", "b"])
    bad = tmp_path / "codebook.yaml"
    bad.write_text("version: 1\ncauses: [\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_codebook(bad)
    assert str(exc.value).startswith(str(bad))


def test_supersedes_must_name_another_cause(raw):
    data = copy.deepcopy(raw)
    data["causes"][2]["ersätter"] = ["svar", "okänd"]
    msg = _error(data)
    assert "causes[it].ersätter: 'okänd'" in msg and "svar, plan, it" in msg
    data["causes"][2]["ersätter"] = ["it"]
    assert "causes[it].ersätter: 'it'" in _error(data)


def test_examples_and_model_settings(raw):
    raw = copy.deepcopy(raw)
    raw["causes"][0]["exempel"] = ["En mening som visar orsaken."]
    raw["exempel_utan_orsak"] = ["Allt gick bra."]
    raw["modell"] = {"c": 2.0, "stark": 0.85}
    book = codebook_from_dict(raw)
    assert book.causes[0].examples == ("En mening som visar orsaken.",)
    assert book.negative_examples == ("Allt gick bra.",)
    assert book.model.c == 2.0 and book.model.strong == 0.85 and book.model.enabled
    raw["modell"] = {"c": 0}
    assert "posten modell.c: är för litet" in _error(raw)
    raw["modell"] = {"använd": "kanske"}
    assert "posten modell.använd: ska vara true eller false" in _error(raw)


def test_project_codebook_has_examples_for_every_cause():
    assert all(len(c.examples) >= 5 for c in BOOK.causes)
    assert BOOK.negative_examples
