"""The demo's data files: they load into typed objects, agree with the codebook and config,
and a broken one is reported by name."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import CONFIG
from samverkan_dev.bench.demo import benchmark
from samverkan_dev.demo import generator
from samverkan_dev.demo.generator import (
    CauseWeight,
    CodebookCauses,
    Unit,
    data_dir,
    load_causes,
    load_demo_data,
    write_demo_data,
)

from samverkan.project.errors import InputError
from samverkan.project.vocabulary import load_vocabulary

DATA_FILES = ("world.yaml", "exports.yaml", "texts.yaml", "people.yaml")
VOCAB = load_vocabulary(CONFIG)


@pytest.fixture
def fresh_cache():
    """Forget the loaded data before and after (for tests that load other files)."""
    load_demo_data.cache_clear()
    yield
    load_demo_data.cache_clear()


def test_every_data_file_is_commented_utf8_yaml_holding_a_mapping():
    assert sorted(p.name for p in data_dir().glob("*.yaml")) == sorted(DATA_FILES)
    for name in DATA_FILES:
        text = (data_dir() / name).read_text(encoding="utf-8")
        assert text.startswith("# "), name  # a short header says what the file holds
        assert isinstance(yaml.safe_load(text), dict), name


def test_data_load_once_into_typed_objects():
    data = load_demo_data()
    assert load_demo_data() is data
    world, texts, people = data.world, data.texts, data.people
    assert list(world.organisations)[:3] == ["svedala", "vellinge", "trelleborg"]
    assert world.organisations["region-skane"].postcode == "214"  # a string, not a number
    assert all(isinstance(u, Unit) for units in world.kommun_units.values() for u in units)
    assert any(u.ward for u in world.region_adult) and all(u.child for u in world.region_child)
    assert world.systems["form"].fields["id"] is None
    assert [a for a, *_ in people.phone_ranges] == ["070", "040", "031", "08"]
    assert texts.receiver_notes[1].startswith("\n")
    for (org, system), export in world.exports.items():
        assert org in world.organisations and system in world.systems
        assert len(export.files) == len(export.cases) == 4
        assert bool(export.collab_type) == (system != "form")
        for spec in filter(None, export.files):
            tokens = spec.split()
            assert tokens[0] in ("csv", "xlsx") and tokens[3] in (*world.date_formats, "-")
            extra = [t.partition("=")[2] for t in tokens if t.startswith("extra=")]
            assert set(extra) <= set(world.extra_columns), spec


def test_demo_causes_are_the_codebooks():
    texts = load_demo_data().texts
    assert set(texts.cause_weights) == set(VOCAB.causes)
    assert set(texts.cause_sentences) == set(VOCAB.causes)
    assert set(texts.mirror_sentences) == set(VOCAB.causes)
    assert set(texts.mirror_context) == set(texts.context_sentences)
    for cause, options in texts.mirror_sentences.items():  # a child and an adult case alike
        scopes = {scope for scope, _ in options}
        assert scopes <= {"any", "child", "adult"}, cause
        assert "any" in scopes or {"child", "adult"} <= scopes, cause
    assert texts.orsak_label_categories <= set(VOCAB.categories)
    causes = load_causes(CONFIG)
    assert causes.ids == VOCAB.causes
    assert set(causes.category.values()) <= set(VOCAB.categories)
    assert set(causes.label) == set(VOCAB.categories)
    assert causes.label["tekniska_hinder"] == "Tekniska hinder"


def test_organisations_and_systems_agree_with_config():
    config = yaml.safe_load((CONFIG / "organisations.yaml").read_text("utf-8"))["organisations"]
    world = load_demo_data().world
    assert set(world.organisations) <= set(config)
    assert {system for _, system in world.exports} <= set(VOCAB.systems)


def test_cause_weight_follows_the_term_position():
    assert CauseWeight(0.22, 0.03).at(2) == 0.22 + 0.03 * 2
    assert CauseWeight(0.14).at(3) == 0.14
    falling = CauseWeight(0.20, -0.05, floor=0.03)
    assert falling.at(1) == 0.20 - 0.05 and falling.at(4) == 0.03


def test_a_codebook_cause_without_demo_sentences_is_refused(tmp_path):
    causes = load_causes(CONFIG)
    more = CodebookCauses(
        (*causes.ids, "ny_orsak"), {**causes.category, "ny_orsak": "ovrigt"}, causes.label
    )
    with pytest.raises(InputError, match="kodboken"):
        write_demo_data(tmp_path / "raw", seed=1, terms=("2025VT",), causes=more)


def test_a_broken_data_file_is_named(tmp_path, monkeypatch, fresh_cache):
    for name in DATA_FILES:
        shutil.copy2(data_dir() / name, tmp_path / name)
    world = yaml.safe_load((tmp_path / "world.yaml").read_text("utf-8"))
    del world["units"]["school"]
    (tmp_path / "world.yaml").write_text(yaml.safe_dump(world, allow_unicode=True), "utf-8")
    monkeypatch.setattr(generator, "data_dir", lambda: tmp_path)
    with pytest.raises(InputError, match="demodatafilen") as err:
        load_demo_data()
    assert "world.yaml" in str(err.value)


def test_edited_data_files_change_the_output(tmp_path, monkeypatch, fresh_cache):
    """The files are the source: streets renamed there show up in the exports."""
    for name in DATA_FILES:
        shutil.copy2(data_dir() / name, tmp_path / name)
    people = yaml.safe_load((tmp_path / "people.yaml").read_text("utf-8"))
    streets, people["streets"] = people["streets"], ["Påhittade gatan"]
    (tmp_path / "people.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), "utf-8")
    monkeypatch.setattr(generator, "data_dir", lambda: tmp_path)
    manifest = write_demo_data(tmp_path / "raw", seed=20240101, terms=("2024VT",))
    addresses = json.loads(manifest.planted.read_text("utf-8"))["addresses"]
    assert addresses and all("Påhittade gatan" in a["text"] for a in addresses)
    assert not any(street in a["text"] for a in addresses for street in streets)


def test_benchmark_times_the_generator(tmp_path):
    result = benchmark(tmp_path, repeats=1)
    assert result["runs"] == 1 and result["best_s"] == result["mean_s"] > 0
    assert (tmp_path / "run-0" / "demo-facit" / "2025HT.csv").is_file()


def test_identity_number_columns_are_the_ones_sources_yaml_reads():
    """Every grid system writes its identity numbers under a header config/sources.yaml
    maps to person_id (so ingest can link by person); the form has no such column."""
    sources = yaml.safe_load((CONFIG / "sources.yaml").read_text("utf-8"))["systems"]
    world = load_demo_data().world
    for name, system in world.systems.items():
        aliases = sources[name]["fields"].get("person_id", [])
        header = system.fields.get("person")
        if name == "form":
            assert header is None and aliases == []
        else:
            assert header in aliases, name
            assert header not in system.columns, name  # written once, after the id
