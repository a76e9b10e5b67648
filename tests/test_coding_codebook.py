from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from samverkan.coding.codebook import codebook_from_dict, load_codebook
from samverkan.project.errors import InputError
from samverkan.project.schema import CATEGORIES, CAUSES

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "config" / "codebook.yaml"


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))


def test_project_codebook_has_the_fixed_ids():
    book = load_codebook(CODEBOOK)
    assert book.cause_ids == list(CAUSES)
    assert book.category_ids == list(CATEGORIES)
    assert all(c.definition and c.label for c in book.causes)
    assert book.cause("sip").category == "rutiner"


def _error(data: dict, **kw) -> str:
    with pytest.raises(InputError) as exc:
        codebook_from_dict(data, "kodbok.yaml", **kw)
    return str(exc.value)


def test_missing_cause_is_named(raw):
    data = copy.deepcopy(raw)
    data["causes"] = [c for c in data["causes"] if c["id"] != "resurser"]
    msg = _error(data)
    assert msg.startswith("kodbok.yaml: ") and "'resurser'" in msg and "missing" in msg


def test_unknown_cause_rejected_unless_not_strict(raw):
    data = copy.deepcopy(raw)
    data["causes"].append({"id": "samordning", "label": "Samordning", "category": "rutiner",
                           "definition": "Ny kod."})  # fmt: skip
    assert "'samordning'" in _error(data)
    book = codebook_from_dict(data, "kodbok.yaml", strict=False)
    assert book.cause_ids[-1] == "samordning"


def test_bad_pattern_names_the_entry(raw):
    data = copy.deepcopy(raw)
    data["causes"][1]["triggers"]["mönster"] = ["(oavslutad"]
    msg = _error(data)
    assert "causes[sip].triggers" in msg and "regular expression" in msg


def test_bad_category_of_cause(raw):
    data = copy.deepcopy(raw)
    data["causes"][0]["category"] = "kommunikation"
    assert "causes[kommunikation].category" in _error(data)


def test_missing_field_and_unknown_key(raw):
    data = copy.deepcopy(raw)
    del data["causes"][2]["definition"]
    assert "causes[rutiner].definition" in _error(data)
    data = copy.deepcopy(raw)
    data["causes"][2]["defintion"] = "stavfel"
    assert "causes[rutiner].defintion" in _error(data)


def test_duplicate_id(raw):
    data = copy.deepcopy(raw)
    data["causes"].append(copy.deepcopy(data["causes"][0]))
    assert "appears more than once" in _error(data)


def test_not_a_mapping_and_bad_yaml(tmp_path):
    assert "mapping" in _error(["a", "b"])  # type: ignore[arg-type]
    bad = tmp_path / "codebook.yaml"
    bad.write_text("version: 1\ncauses: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_codebook(bad)


def test_supersedes_must_name_another_cause(raw):
    data = copy.deepcopy(raw)
    data["causes"][-1]["ersätter"] = ["kommunikation", "okänd"]
    assert "causes[tekniska_hinder].ersätter" in _error(data)
    book = codebook_from_dict(raw, "kodbok.yaml")
    assert book.cause("tekniska_hinder").supersedes == ("kommunikation", "rutiner")
