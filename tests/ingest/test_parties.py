"""Parties, direction and the child flag from realistic unit and actor names."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import CONFIG

from samverkan.ingest.parties import (
    assign_parties,
    direction_after_linking,
    direction_between,
    involves_child,
    match_party,
    resolve_parties,
)
from samverkan.ingest.sources import load_source_config

CFG = load_source_config(CONFIG)


@pytest.mark.parametrize(
    ("name", "party"),
    [
        ("BUP Trelleborg", "bup"),
        ("Barn- och ungdomspsykiatrin Malmö", "bup"),
        ("Ungdomsmottagningen Svedala", "bup"),
        ("Barn- och ungdomshabiliteringen", "habilitering_barn"),
        ("Vuxenhabiliteringen Malmö", "habilitering_vuxen"),
        ("Psykosmottagningen Malmö", "vuxenpsykiatri"),
        ("LARO-mottagningen Lund", "vuxenpsykiatri"),
        ("Allmänpsykiatrisk avdelning, SUS Malmö", "vuxenpsykiatri"),
        ("Beroendecentrum Malmö", "vuxenpsykiatri"),
        ("Vårdcentralen Anderslöv", "primarvard"),
        ("BVC Svedala", "primarvard"),
        ("Hälsocentralen Ekan", "primarvard"),
        ("Medicinavdelning 12, Skånes universitetssjukhus", "sjukhus"),
        ("Akutmottagningen Helsingborg", "sjukhus"),
        ("Elevhälsan Svedala", "elevhalsa"),
        ("Skolsköterska, Svedala skolområde", "elevhalsa"),
        ("Skolpsykolog, Trelleborgs grundskolor", "elevhalsa"),
        ("Ängsskolan", "barn_utbildning"),
        ("Förskolan Solen", "barn_utbildning"),
        ("Socialtjänsten Svedala, vuxenenheten", "socialtjanst"),
        ("Socialtjänstens vuxenavdelning", "socialtjanst"),
        ("Hemtjänsten Vellinge", "socialtjanst"),
        ("LSS-handläggare Trelleborg", "socialtjanst"),
        ("Gruppbostad Linden (LSS)", "socialtjanst"),
        ("Boendestöd Trelleborg", "socialtjanst"),
        ("Individ- och familjeomsorgen", "socialtjanst"),
        ("Svedala kommun", "kommun_ovrigt"),
        ("Region Skåne", "region_ovrigt"),
        ("Kriminalvården frivård Malmö", "kriminalvarden"),
        ("Arbetsförmedlingen", "arbetsformedlingen"),
        ("Polisen", "polis"),
        ("MKB Bostadsbolag", "bostad"),
        ("Personligt ombud", "ombud_brukare"),
        ("Något helt annat", "okand"),
    ],
)
def test_realistic_names_map_to_the_right_party(name: str, party: str) -> None:
    assert match_party(name, CFG) == party


def test_resolve_prefers_own_side_in_either_column() -> None:
    # LifeCare incoming row that puts the sending region unit under "Rapporterande enhet"
    assert resolve_parties(
        "Psykosmottagningen Malmö", "Hemtjänsten Svedala", "kommun", CFG, "socialtjanst"
    ) == ("socialtjanst", "vuxenpsykiatri")
    # usual order
    assert resolve_parties("Hemtjänsten Svedala", "BUP", "kommun", CFG, "socialtjanst") == (
        "socialtjanst",
        "bup",
    )
    # nothing known: the system's default and "okand"
    assert resolve_parties(None, None, "region", CFG, "region_ovrigt") == (
        "region_ovrigt",
        "okand",
    )
    # the form: side from the reporter's role; several actors, the other side preferred
    assert resolve_parties(
        "Socialsekreterare", "Socialtjänsten; BUP Helsingborg", None, CFG, "okand"
    ) == ("socialtjanst", "bup")


def _rows(**cols: list[object]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base: dict[str, object] = {
        "reporter_unit": [None] * n,
        "counterpart": [None] * n,
        "incoming": [False] * n,
        "description": ["Text"] * n,
        "action": [None] * n,
    }
    base.update(cols)
    frame = pd.DataFrame(base)
    for c in ("reporter_unit", "counterpart", "description", "action"):
        frame[c] = frame[c].astype("string")
    frame["incoming"] = frame["incoming"].astype("boolean")
    return frame


def test_direction_and_swap_for_incoming_rows() -> None:
    rows = _rows(
        reporter_unit=["Hemtjänsten", "Psykosmottagningen", "Hemtjänsten", "Hemtjänsten"],
        counterpart=["Vuxenpsykiatrin", "Hemtjänsten", "Polisen", None],
        incoming=[False, True, False, False],
    )
    out = assign_parties(rows, "svedala", "lifecare", CFG)
    assert out["reporter_party"].tolist() == [
        "socialtjanst",
        "vuxenpsykiatri",
        "socialtjanst",
        "socialtjanst",
    ]
    assert out["receiver_party"].tolist() == ["vuxenpsykiatri", "socialtjanst", "polis", "okand"]
    assert out["direction"].tolist() == [
        "kommun_till_region",
        "region_till_kommun",
        "ovrigt",
        "ovrigt",
    ]
    ritz = assign_parties(
        _rows(reporter_unit=["Vårdenhet X"], counterpart=["Svedala kommun"]),
        "region-skane",
        "ritz",
        CFG,
    )
    assert ritz["reporter_party"].tolist() == ["region_ovrigt"]
    assert ritz["direction"].tolist() == ["region_till_kommun"]


def test_involves_child() -> None:
    rows = _rows(
        description=[
            "Eleven fick inte hjälp",
            "Patient inom vuxenpsykiatrin",
            "Ett möte",
            "Ett möte",
            "Tonåringen och hans mamma",
            "En 45-årig man",
        ],
        counterpart=[None, None, None, "BUP", None, None],
    )
    rows = assign_parties(rows, "svedala", "lifecare", CFG)
    got = involves_child(rows, "lifecare", CFG)
    expected = pd.Series([True, False, pd.NA, True, True, False], dtype="boolean")
    pd.testing.assert_series_equal(got.reset_index(drop=True), expected)
    school = involves_child(rows, "prorenata", CFG)
    assert school.all()


def test_direction_between() -> None:
    got = direction_between(
        pd.Series(["kommun", "region", "kommun", "annan", "region"]),
        pd.Series(["region", "kommun", "kommun", "region", "annan"]),
    )
    assert got.tolist() == [
        "kommun_till_region",
        "region_till_kommun",
        "ovrigt",
        "ovrigt",
        "ovrigt",
    ]


def test_form_own_side_is_the_reporters() -> None:
    # the form (reporter_is_organisation: false): a region reporter in a kommun's file
    rows = _rows(
        reporter_unit=["Vårdcentralen Ekan", "Socialsekreterare"],
        counterpart=["Socialtjänsten", "BUP"],
    )
    out = assign_parties(rows, "helsingborg", "form", CFG)
    assert out["_own_side"].tolist() == ["region", "kommun"]
    assert out["direction"].tolist() == ["region_till_kommun", "kommun_till_region"]


def test_direction_after_linking_uses_the_filled_receiver() -> None:
    rows = _rows(
        reporter_unit=["Hemtjänsten", "Psykosmottagningen", "Vårdcentralen Ekan"],
        counterpart=[None, "Hemtjänsten", "Socialtjänsten"],
        incoming=[False, True, False],
    )
    lifecare = assign_parties(rows.iloc[:2], "svedala", "lifecare", CFG)
    form = assign_parties(rows.iloc[2:], "helsingborg", "form", CFG)
    cases = pd.concat([lifecare, form], ignore_index=True)
    assert cases["direction"].tolist() == ["ovrigt", "region_till_kommun", "region_till_kommun"]
    cases.loc[0, "receiver_party"] = "vuxenpsykiatri"  # filled in from the linked row
    got = direction_after_linking(cases, CFG)
    assert got.tolist() == ["kommun_till_region", "region_till_kommun", "region_till_kommun"]


def test_party_matches_are_remembered_per_loaded_configuration() -> None:
    """The per-text memory of party matches never answers for another parties.yaml: a
    configuration whose patterns name another party gets its own answers."""
    import dataclasses
    import re

    from samverkan.ingest.sources.catalog import Party

    name = "Ungdomsmottagningen Svedala"
    assert match_party(name, CFG) == "bup"
    assert match_party(name, CFG) == "bup"  # from the memory, the same
    other = Party("ungdom", "Ungdomsmottagning", "region", True, (re.compile("ungdom", re.I),))
    cfg = dataclasses.replace(CFG, parties={"ungdom": other, **CFG.parties})
    assert match_party(name, cfg) == "ungdom"
    assert match_party(name, CFG) == "bup"
