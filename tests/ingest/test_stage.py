"""The ingest stage on a tiny term folder: cases, reconciliation, quarantine, duplicates."""

from __future__ import annotations

import json
import re
import shutil
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import CONFIG
from identity import pnr
from ingest.exports import csv_bytes, export_header, export_path, xlsx_bytes

from samverkan.ingest.linking import jaccard, link_reported_by_both
from samverkan.ingest.stage import DuplicateRule, IngestResult, ingest_term, make_case_id
from samverkan.project.errors import InputError
from samverkan.project.schema import RECONCILIATION_COLUMNS, case_columns
from samverkan.project.vocabulary import load_vocabulary

CONFIG_DIR = CONFIG
CASE_COLUMNS = list(case_columns(load_vocabulary(CONFIG)))
RULE = DuplicateRule(max_days_apart=3, min_text_similarity=0.6)
PNR = pnr("19121212", 121)

LC = [*export_header("lifecare"), "Personnummer"]  # an unmapped column: must never reach the cases
RITZ = export_header("ritz")
PRO = export_header("prorenata")
FORM = export_header("form")

SV_TYPE = "Avvikelse extern aktör"
RITZ_TYPE = "Klagomål och externt inkomna avvikelser"
SHARED = (
    "SIP-mötet ställdes in utan att någon annan skickades och "
    "informationen om medicinering kom aldrig fram till hemtjänsten"
)
INCOMING = (
    "Vårdplaneringen inför utskrivning gjordes utan att kommunen kallades "
    "och ingen uppföljning bokades med boendestödet"
)


@pytest.fixture(autouse=True)
def stub_deid(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in for redact(): replaces the test's personal number and name."""
    seen: list[str] = []

    def redact(text: str) -> str:
        seen.append(text)
        return text.replace(PNR, "[PERSONNUMMER]").replace("Anna Andersson", "[NAMN]")

    module = types.ModuleType("samverkan.privacy.redaction")
    module.redact = redact  # type: ignore[attr-defined]
    module.redact_many = lambda texts: [redact(t) for t in texts]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "samverkan.privacy.redaction", module)
    return seen


def write_term(raw: Path) -> None:
    """A small 2025HT delivery with every kind of row."""
    raw.mkdir(parents=True)
    (raw / "README.md").write_text("Exporter för 2025HT\n", encoding="utf-8")
    (raw / ".gitkeep").write_text("", encoding="utf-8")
    lifecare = [
        ["Avvikelser Svedala kommun"],
        [],
        LC,
        # 1 kept, reported by both (Ritz has the copy two days later)
        [
            "L-1",
            "2025-09-01",
            "2025-08-30",
            SV_TYPE,
            "Hemtjänsten Norr",
            "Vuxenpsykiatrin Trelleborg",
            "Utgående",
            f"{SHARED}. Gäller Anna Andersson {PNR}.",
            "Möte bokat",
            "Avslutad",
            PNR,
        ],
        # 2 excluded: another type
        ["L-2", "2025-09-03", "", "Fall", "Hemtjänsten Norr", "", "", "Föll", "", "Ny", PNR],
        # 3 duplicate: same number again
        [
            "L-1",
            "2025-09-01",
            "2025-08-30",
            SV_TYPE,
            "Hemtjänsten Norr",
            "Vuxenpsykiatrin",
            "Utgående",
            SHARED,
            "Möte bokat",
            "Avslutad",
            "",
        ],
        # 4 quarantined: no date at all
        ["L-3", "", "", SV_TYPE, "LSS-boende", "BUP", "Utgående", "Text", "", "Ny", ""],
        # 5 quarantined: date that cannot be read
        ["L-4", "31/02/2025", "", SV_TYPE, "LSS-boende", "BUP", "Utgående", "Text", "", "Ny", ""],
        # 6 quarantined: no description
        ["L-5", "2025-10-01", "", SV_TYPE, "LSS-boende", "BUP", "Utgående", "", "", "Ny", ""],
        # 7 quarantined: registered in the spring term
        ["L-6", "14.03.2025", "", SV_TYPE, "LSS-boende", "BUP", "Utgående", "Text", "", "Ny", ""],
        # 8 incoming from the region: the Ritz row is the reporter's and is kept
        [
            "L-7",
            "2025-10-12",
            "2025-10-10",
            SV_TYPE,
            "Boendestödet",
            "Psykosmottagningen",
            "Inkommande",
            "Inkommen från regionen: " + INCOMING,
            "-",
            "Ny",
            "",
        ],
        # 9 quarantined: the registration date cannot be read (never replaced by the
        # event date: issue 11)
        [
            "L-9",
            "snart",
            "2025-11-20",
            SV_TYPE,
            "LSS-boende",
            "BUP",
            "Utgående",
            "Text",
            "",
            "Ny",
            "",
        ],
        # 9 kept, not linked; the action "-" means none
        [
            "L-8",
            "20251105",
            "",
            SV_TYPE,
            "Socialtjänsten, vuxenenheten",
            "Vårdcentralen Ekan",
            "Utgående",
            "Ingen återkoppling om remissen för vuxen brukare",
            "-",
            "Ny",
            "",
        ],
        [],
        ["Totalt: 8", "", ""],
    ]
    (raw / "svedala__lifecare.csv").write_bytes(csv_bytes(lifecare, encoding="cp1252"))
    ritz = [
        ["Ärenden Region Skåne 2025"],
        RITZ,
        [
            "R-1",
            "2025-09-03",
            "2025-08-31",
            RITZ_TYPE,
            "Vuxenpsykiatri Trelleborg",
            "Svedala kommun hemtjänst",
            SHARED + " Inkommen avvikelse från kommunen.",
            "Kommunikation & samverkan",
            "",
            "Lindrig",
        ],
        [
            "R-2",
            "2025-10-11",
            "2025-10-10",
            RITZ_TYPE,
            "Psykosmottagningen Trelleborg",
            "Svedala kommun boendestöd",
            INCOMING,
            "Rutiner",
            "Ny rutin",
            "Lindrig",
        ],
        ["R-3", 45950, "2025-10-20", "Vårdskada", "Akuten", "", "Annat", "", "", "Lindrig"],
        [None],
        ["Summa", 3],
    ]
    (raw / "region-skane__ritz.xlsx").write_bytes(xlsx_bytes(ritz))
    pro = [
        PRO,
        [
            "P-1",
            "2025-11-02",
            "2025-11-01",
            SV_TYPE,
            "Elevhälsan Skola A",
            "BUP Trelleborg",
            "Remiss besvarades inte på tre månader",
            "Ny remiss",
            "Pågående",
        ],
    ]
    (raw / "svedala__prorenata.csv").write_bytes(csv_bytes(pro, sep="\t", encoding="utf-8-sig"))
    form = [
        FORM,
        [
            "2025-12-01",
            "Helsingborg",
            "BUP; socialtjänsten",
            "Eleven fick vänta\npå besked",
            "",
            "Socialsekreterare",
        ],
        [
            "2025-12-01",
            "Helsingborg",
            "BUP; socialtjänsten",
            "Eleven fick vänta\npå besked",
            "",
            "Socialsekreterare",
        ],
    ]
    (raw / "helsingborg__form.csv").write_bytes(csv_bytes(form, sep=","))


def run(tmp_path: Path, **kw: object) -> IngestResult:
    return ingest_term(
        "2025HT",
        tmp_path / "raw",
        tmp_path / "out",
        tmp_path / "quarantine",
        config_dir=CONFIG_DIR,
        duplicates=kw.pop("duplicates", RULE),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def term_dir(tmp_path: Path) -> Path:
    write_term(tmp_path / "raw")
    return tmp_path


def test_reconciliation_per_file_and_total(term_dir: Path) -> None:
    result = run(term_dir)
    expected = pd.DataFrame(
        [
            ["helsingborg__form.csv", 2, 1, 0, 1, 0],
            ["region-skane__ritz.xlsx", 3, 1, 1, 1, 0],
            ["svedala__lifecare.csv", 10, 2, 1, 2, 5],
            ["svedala__prorenata.csv", 1, 1, 0, 0, 0],
            ["TOTALT", 16, 5, 2, 4, 5],
        ],
        columns=RECONCILIATION_COLUMNS,
    ).astype({"file": object, **{c: "int64" for c in RECONCILIATION_COLUMNS[1:]}})
    got = result.reconciliation.astype({"file": object})
    pd.testing.assert_frame_equal(got, expected)
    body = got.iloc[:-1]
    assert (
        body["read"] == body[["kept", "excluded", "duplicates", "quarantined"]].sum(axis=1)
    ).all()
    assert (got.iloc[-1, 1:] == body.iloc[:, 1:].sum()).all()
    # the file on disk says the same
    on_disk = pd.read_csv(term_dir / "out" / "reconciliation.csv").astype({"file": object})
    pd.testing.assert_frame_equal(on_disk, expected)
    # kept per file equals the cases that came from it
    per_file = result.cases["source_file"].value_counts()
    for _, r in body.iterrows():
        assert per_file.get(r["file"], 0) == r["kept"]


def test_each_file_keeps_its_own_types_duplicates_and_quarantine(tmp_path: Path) -> None:
    """The term's files are classified as one table: each row still by its own file's
    rules (allowed types, same-file duplicates), counted and quarantined under its file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    vellinge_type = "Extern aktör psykiatri"

    def row(rid: str, received: str, kind: str, text: str) -> list[str]:
        return [rid, received, "", kind, "Hemtjänsten", "BUP", "Utgående", text, "", "Ny", ""]

    for org, own, other in (
        ("svedala", SV_TYPE, vellinge_type),
        ("vellinge", vellinge_type, SV_TYPE),
    ):
        rows = [
            LC,
            row("L-1", "2025-09-01", own, f"Remissen från {org} kom aldrig fram till BUP"),
            row("L-1", "2025-09-02", own, f"Samma nummer igen i {org}"),  # same-file duplicate
            row("L-2", "2025-09-03", other, "Den andra kommunens typ"),  # excluded here
            row("L-3", "", own, "Inget datum"),  # quarantined
        ]
        (raw / f"{org}__lifecare.csv").write_bytes(csv_bytes(rows, encoding="cp1252"))
    result = run(tmp_path)
    assert result.reconciliation.values.tolist() == [
        ["svedala__lifecare.csv", 4, 1, 1, 1, 1],
        ["vellinge__lifecare.csv", 4, 1, 1, 1, 1],
        ["TOTALT", 8, 2, 2, 2, 2],
    ]
    cases = result.cases.sort_values("source_file")
    assert cases["source_file"].tolist() == ["svedala__lifecare.csv", "vellinge__lifecare.csv"]
    assert cases["organisation"].tolist() == ["svedala", "vellinge"]
    assert cases["description"].str.startswith("Remissen från").all()
    assert result.quarantine[["fil", "id", "orsak"]].values.tolist() == [
        ["svedala__lifecare.csv", "L-3", "datum saknas"],
        ["vellinge__lifecare.csv", "L-3", "datum saknas"],
    ]


def test_quarantine_reasons_in_swedish(term_dir: Path) -> None:
    result = run(term_dir)
    q = result.quarantine
    assert q["orsak"].tolist() == [
        "datum saknas",
        "registreringsdatum finns inte i kalendern",
        "beskrivning saknas",
        "registreringsdatum utanför terminen 2025HT",
        "registreringsdatum kan inte tolkas",
    ]
    assert q["id"].tolist() == ["L-3", "L-4", "L-5", "L-6", "L-9"]
    assert q["rad"].tolist() == [7, 8, 9, 10, 12]
    on_disk = pd.read_csv(
        term_dir / "quarantine" / "quarantine.csv", sep=";", encoding="utf-8-sig", dtype=str
    )
    assert on_disk["orsak"].tolist() == q["orsak"].tolist()
    assert not (term_dir / "out" / "quarantine.csv").exists()


def test_reassign_out_of_term_keeps_the_row(term_dir: Path) -> None:
    result = run(term_dir, reassign_out_of_term=True)
    assert "L-6" not in result.quarantine["id"].tolist()
    cid = make_case_id("2025HT", "svedala", "lifecare", "L-6")
    row = result.cases.set_index("case_id").loc[cid]
    assert row["term"] == "2025HT" and row["received"] == pd.Timestamp("2025-03-14")


def _flag(value: object) -> bool | None:
    """A nullable boolean cell as True, False or None."""
    return None if pd.isna(value) else bool(value)


def test_cases_content(term_dir: Path) -> None:
    cases = run(term_dir).cases.set_index("case_id")
    assert set(cases.columns) | {"case_id"} == set(CASE_COLUMNS)

    l1 = cases.loc[make_case_id("2025HT", "svedala", "lifecare", "L-1")]
    assert (l1["reporter_party"], l1["receiver_party"], l1["direction"]) == (
        "socialtjanst",
        "vuxenpsykiatri",
        "kommun_till_region",
    )
    assert bool(l1["reported_by_both"]) and l1["linked_file"] == "region-skane__ritz.xlsx"
    # the merged report's case id is kept, so an analyst's codes on it can follow
    assert re.fullmatch(r"\d{4}(VT|HT)-[0-9a-f]{10}", str(l1["linked_case_id"]))
    assert l1["linked_case_id"] != l1.name  # case_id is the index here
    assert l1["received"] == pd.Timestamp("2025-09-01")
    assert l1["event_date"] == pd.Timestamp("2025-08-30")
    assert "[PERSONNUMMER]" in l1["description"] and "[NAMN]" in l1["description"]
    assert l1["action"] == "Möte bokat" and bool(l1["has_action"])
    assert l1["source_type"] == SV_TYPE and l1["status"] == "Avslutad"

    r2 = cases.loc[make_case_id("2025HT", "region-skane", "ritz", "R-2")]
    assert (r2["reporter_party"], r2["receiver_party"], r2["direction"]) == (
        "vuxenpsykiatri",
        "socialtjanst",
        "region_till_kommun",
    )
    assert r2["category"] == "rutiner" and r2["linked_file"] == "svedala__lifecare.csv"

    assert make_case_id("2025HT", "svedala", "lifecare", "L-9") not in cases.index

    l8 = cases.loc[make_case_id("2025HT", "svedala", "lifecare", "L-8")]
    assert pd.isna(l8["action"]) and not bool(l8["has_action"])
    assert l8["receiver_party"] == "primarvard" and _flag(l8["involves_child"]) is False
    assert not bool(l8["reported_by_both"]) and pd.isna(l8["linked_file"])
    assert pd.isna(l8["category"])

    p1 = cases.loc[make_case_id("2025HT", "svedala", "prorenata", "P-1")]
    assert _flag(p1["involves_child"]) is True and p1["reporter_party"] == "elevhalsa"
    assert p1["direction"] == "kommun_till_region" and p1["receiver_party"] == "bup"

    form = cases[cases["system"] == "form"].iloc[0]
    assert form["description"] == "Eleven fick vänta\npå besked"
    assert form["reporter_party"] == "socialtjanst" and form["receiver_party"] == "bup"
    assert form["direction"] == "kommun_till_region" and _flag(form["involves_child"]) is True


def test_no_identifying_data_in_outputs(term_dir: Path) -> None:
    result = run(term_dir)
    on_disk = pd.read_parquet(term_dir / "out" / "cases.parquet")
    assert list(on_disk.columns) == CASE_COLUMNS
    for frame in (result.cases, on_disk):
        text = [str(v) for v in frame.to_numpy().ravel()]
        assert not any(PNR in t or "Anna Andersson" in t or "Hemtjänsten Norr" in t for t in text)
    assert PNR.encode() not in (term_dir / "out" / "reconciliation.csv").read_bytes()


def test_free_text_goes_through_redact(term_dir: Path, stub_deid: list[str]) -> None:
    run(term_dir)
    assert any(PNR in t for t in stub_deid)
    assert "Ny remiss" in stub_deid  # actions too


def test_rerun_is_stable(term_dir: Path) -> None:
    first = run(term_dir).cases
    second = run(term_dir).cases
    pd.testing.assert_frame_equal(first, second)
    assert first["case_id"].str.match(r"^2025HT-[0-9a-f]{10}$").all()


def test_make_case_id() -> None:
    assert make_case_id("2025HT", "svedala", "lifecare", "L-1") == make_case_id(
        "2025HT", "svedala", "lifecare", "L-1"
    )
    assert make_case_id("2025HT", "svedala", "lifecare", "L-1") != make_case_id(
        "2025HT", "vellinge", "lifecare", "L-1"
    )
    assert make_case_id("2025VT", "svedala", "lifecare", "L-1").startswith("2025VT-")


# --- errors and edge cases -------------------------------------------------------------


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("svedala__lifecare.csv", b"", "filen är tom"),
        ("vellinge__lifecare.csv", bytes(range(256)) * 8, "varken en textfil"),
        ("malmo__lifecare.csv", b"a;b\n", "okänd organisation"),
        ("svedala__treserva.csv", b"a;b\n", "okänt system"),
        ("vellinge__prorenata.txt", b"a;b\n", "filändelsen .txt"),
        (
            "vellinge__prorenata.csv",
            "Ärende-ID;Skapad;Kategori\n1;2025-08-01;X\n".encode(),
            "obligatorisk kolumn saknas",
        ),
        (
            "vellinge__prorenata.csv",
            b"Namn;Adress\nAnna Andersson;Gatan 1\n",
            "ingen igenkännbar rubrikrad",
        ),
        ("svedala__lifecare.xlsx", b"x;y\n", "två filer för svedala och lifecare"),
    ],
)
def test_bad_file_stops_the_run_and_changes_nothing(
    term_dir: Path, name: str, data: bytes, message: str
) -> None:
    run(term_dir)
    before = _snapshot(term_dir / "out")
    (term_dir / "raw" / name).write_bytes(data)
    with pytest.raises(InputError) as info:
        run(term_dir)
    msg = str(info.value)
    assert message in msg and "\n" not in msg
    assert "Anna" not in msg and PNR not in msg
    assert _snapshot(term_dir / "out") == before


def test_bad_file_writes_nothing_on_first_run(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "svedala__lifecare.csv").write_bytes(b"")
    with pytest.raises(InputError):
        run(tmp_path)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_term_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="finns inte"):
        run(tmp_path)


def test_bad_term_code_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    with pytest.raises(InputError, match="ogiltig termin"):
        ingest_term(
            "2025",
            tmp_path / "raw",
            tmp_path / "out",
            tmp_path / "q",
            config_dir=CONFIG_DIR,
            duplicates=RULE,
        )


def test_empty_term_folder_gives_zero_cases(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "README.md").write_text("tom", encoding="utf-8")
    result = run(tmp_path)
    assert len(result.cases) == 0
    assert result.reconciliation["file"].tolist() == ["TOTALT"]
    assert result.reconciliation.iloc[0, 1:].tolist() == [0, 0, 0, 0, 0]
    assert len(pd.read_parquet(tmp_path / "out" / "cases.parquet")) == 0


def test_header_only_file_is_zero_cases(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "svedala__lifecare.csv").write_bytes(csv_bytes([LC]))
    result = run(tmp_path)
    assert len(result.cases) == 0
    assert result.reconciliation["read"].tolist() == [0, 0]


# --- the linking rule ------------------------------------------------------------------


def _pair(**over: object) -> pd.DataFrame:
    base = {
        "case_id": ["2025HT-aaaaaaaaaa", "2025HT-bbbbbbbbbb"],
        "source_file": ["svedala__lifecare.csv", "region-skane__ritz.csv"],
        "_kind": ["kommun", "region"],
        "_own_party": ["socialtjanst", "vuxenpsykiatri"],
        "receiver_party": ["vuxenpsykiatri", "okand"],
        "_reporter_is_own": [True, True],
        "event_date": pd.to_datetime(["2025-09-01", "2025-09-04"]),
        "received": pd.to_datetime(["2025-09-02", "2025-09-05"]),
        "description": ["ett två tre fyra fem", "ett två tre fyra fem sex"],
        "action": pd.array([None, "Samtal"], dtype="string"),
        "involves_child": pd.array([None, True], dtype="boolean"),
        "reported_by_both": [False, False],
        "linked_file": pd.array([None, None], dtype="string"),
        "linked_case_id": pd.array([None, None], dtype="string"),
    }
    base.update(over)
    return pd.DataFrame(base)


def test_link_keeps_the_reporter_and_fills_from_the_other() -> None:
    kept, dropped = link_reported_by_both(_pair(), RULE)
    assert kept["case_id"].tolist() == ["2025HT-aaaaaaaaaa"]
    row = kept.iloc[0]
    assert row["linked_file"] == "region-skane__ritz.csv" and bool(row["reported_by_both"])
    assert row["action"] == "Samtal" and bool(row["involves_child"])
    assert dropped.tolist() == ["region-skane__ritz.csv"]


def test_link_prefers_the_row_that_was_not_incoming() -> None:
    kept, _ = link_reported_by_both(_pair(_reporter_is_own=[False, True]), RULE)
    assert kept["case_id"].tolist() == ["2025HT-bbbbbbbbbb"]


@pytest.mark.parametrize(
    "over",
    [
        {"event_date": pd.to_datetime(["2025-09-01", "2025-09-05"])},  # 4 days apart
        {"description": ["ett två tre fyra fem", "sex sju åtta nio tio"]},  # different text
        {"_kind": ["kommun", "kommun"]},  # two municipalities that do not name each other
        {"source_file": ["a__lifecare.csv", "a__lifecare.csv"]},  # same file
    ],
)
def test_link_needs_every_condition(over: dict[str, object]) -> None:
    kept, dropped = link_reported_by_both(_pair(**over), RULE)
    assert len(kept) == 2 and dropped.empty


def test_jaccard() -> None:
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_with_real_deid_no_personal_number_survives(
    term_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "samverkan.privacy.redaction")
    pytest.importorskip("samverkan.privacy.redaction")
    result = run(term_dir)
    assert not result.cases["description"].str.contains(PNR, regex=False).any()


# --- the settings ingest used: ingest.json ----------------------------------------------


def test_ingest_json_records_the_rule_and_reassign(term_dir: Path) -> None:
    run(term_dir)
    text = (term_dir / "out" / "ingest.json").read_text(encoding="utf-8")
    assert text == (
        "{\n"
        '  "duplicates": {\n'
        '    "max_days_apart": 3,\n'
        '    "min_text_similarity": 0.6\n'
        "  },\n"
        '  "reassign_out_of_term": false\n'
        "}\n"
    )
    run(
        term_dir,
        duplicates=DuplicateRule(max_days_apart=0, min_text_similarity=0.9),
        reassign_out_of_term=True,
    )
    assert json.loads((term_dir / "out" / "ingest.json").read_text(encoding="utf-8")) == {
        "duplicates": {"max_days_apart": 0, "min_text_similarity": 0.9},
        "reassign_out_of_term": True,
    }


def test_the_rule_passed_in_decides_the_linking(term_dir: Path) -> None:
    linked = run(term_dir).cases["reported_by_both"].sum()
    strict = run(term_dir, duplicates=DuplicateRule(max_days_apart=0, min_text_similarity=1.0))
    assert linked == 2 and strict.cases["reported_by_both"].sum() == 0
    assert strict.reconciliation.iloc[-1]["kept"] == 7


def test_bad_file_leaves_no_ingest_json(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "svedala__lifecare.csv").write_bytes(b"")
    with pytest.raises(InputError):
        run(tmp_path)
    assert not (tmp_path / "out" / "ingest.json").exists()


def test_duplicate_rule_from_params() -> None:
    rule = DuplicateRule.from_params({"max_days_apart": "3", "min_text_similarity": 0.6})
    assert rule == RULE and rule.as_dict() == {"max_days_apart": 3, "min_text_similarity": 0.6}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_days_apart": 3}, "min_text_similarity saknas eller är inte ett tal"),
        ({"max_days_apart": "tre", "min_text_similarity": 0.6}, "max_days_apart saknas"),
        ({"max_days_apart": -1, "min_text_similarity": 0.6}, "utanför det tillåtna"),
        ({"max_days_apart": 3, "min_text_similarity": 1.5}, "utanför det tillåtna"),
    ],
)
def test_duplicate_rule_from_bad_params(params: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        DuplicateRule.from_params(params)
    assert "params.yaml" in str(info.value) and "\n" not in str(info.value)


def test_a_new_system_of_an_existing_shape_is_a_config_change(
    tmp_path: Path, config_dir: Path
) -> None:
    config = tmp_path / "config"
    shutil.copytree(config_dir, config)
    sources = yaml.safe_load((config / "sources.yaml").read_text(encoding="utf-8"))
    sources["systems"]["treserva"] = {**sources["systems"]["lifecare"], "label": "Treserva"}
    (config / "sources.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True), "utf-8")
    orgs = yaml.safe_load((config / "organisations.yaml").read_text(encoding="utf-8"))
    orgs["organisations"]["vellinge"]["systems"]["treserva"] = [SV_TYPE]
    (config / "organisations.yaml").write_text(yaml.safe_dump(orgs, allow_unicode=True), "utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(export_path("lifecare"), raw / "vellinge__treserva.csv")
    result = ingest_term(
        "2025HT", raw, tmp_path / "out", tmp_path / "q", config_dir=config, duplicates=RULE
    )
    assert result.cases["system"].tolist() == ["treserva"]
    assert result.cases["source_file"].tolist() == ["vellinge__treserva.csv"]
    assert result.reconciliation.iloc[0].tolist() == ["vellinge__treserva.csv", 2, 1, 1, 0, 0]


def test_files_and_texts_over_worker_processes_give_the_same_outputs(
    term_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large term's files are read and its texts de-identified by worker processes;
    the outputs are byte for byte those of one process."""
    from samverkan.ingest import cases, parallel, stage

    serial = run(term_dir)
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    monkeypatch.setattr(stage, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(cases, "PARALLEL_TEXTS", 1)
    other = tmp_path_factory.mktemp("parallel")
    shutil.copytree(term_dir / "raw", other / "raw")
    try:
        spread = run(other)
    finally:
        parallel.shutdown()
    pd.testing.assert_frame_equal(serial.cases, spread.cases)
    for name in ("cases.parquet", "reconciliation.csv", "ingest.json"):
        assert (other / "out" / name).read_bytes() == (term_dir / "out" / name).read_bytes()


def test_an_unusable_file_read_by_a_worker_is_one_swedish_line(
    term_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samverkan.ingest import parallel, stage

    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    monkeypatch.setattr(stage, "PARALLEL_BYTES", 0)
    bad = sorted((term_dir / "raw").glob("*.csv"))[0]
    bad.write_bytes(b"bara en rad utan rubriker\n")
    try:
        with pytest.raises(InputError) as err:
            run(term_dir)
    finally:
        parallel.shutdown()
    assert bad.name in str(err.value) and "Traceback" not in str(err.value)
