"""Reading exports: encodings, delimiters, headers, Excel layouts, dates and bad files."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from identity import pnr
from ingest.exports import csv_bytes, export_header, export_path, export_rows, xlsx_bytes

from samverkan.ingest.files import parse_file_name
from samverkan.ingest.sources import (
    READ_COLUMNS,
    READERS,
    load_source_config,
    normalise_header,
    parse_dates,
    parse_export,
    read_export,
)
from samverkan.ingest.sources.catalog import READER_KINDS
from samverkan.project.errors import InputError

CONFIG_DIR = CONFIG
PNR = pnr("19121212", 121)  # Skatteverket's test person
CFG = load_source_config(CONFIG_DIR)

LC_HEADER = export_header("lifecare")
LC_ROWS = export_rows("lifecare")[1:]


def read(
    data: bytes, name: str = "svedala__lifecare.csv", system: str = "lifecare"
) -> pd.DataFrame:
    return parse_export(data, Path(name), system, CFG).rows


# --- encodings, delimiters, headers ---------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_encodings_and_delimiters_give_the_same_rows(encoding: str, sep: str) -> None:
    rows = read(csv_bytes([LC_HEADER, *LC_ROWS], sep=sep, encoding=encoding))
    expected = read(csv_bytes([LC_HEADER, *LC_ROWS]))
    pd.testing.assert_frame_equal(rows, expected)
    assert rows["description"].tolist() == ["SIP ställdes in; ingen kom.", "Föll i badrummet"]
    assert rows["counterpart"].iloc[0] == "BUP Trelleborg"
    assert rows["received"].tolist() == [pd.Timestamp("2025-08-01"), pd.Timestamp("2025-09-02")]
    assert list(rows.columns) == list(READ_COLUMNS)


def test_mostly_utf8_with_a_stray_byte_stays_utf8() -> None:
    data = csv_bytes([LC_HEADER, *LC_ROWS]).replace("Föll".encode(), b"F\xf6ll")
    rows = read(data)
    assert rows.loc[0, "description"] == "SIP ställdes in; ingen kom."
    assert rows.loc[0, "counterpart"] == "BUP Trelleborg"


def test_header_variants_any_order_and_extra_columns_dropped() -> None:
    header = [
        "  händelsebeskrivning:",
        "PERSONNUMMER",
        "avvikelse\u00a0nummer",
        "Avvikelsenummer ",
        "REGISTRERINGSDATUM :",
        "Avvikelsetyp\u00a0",
        "Riktning",
        "Namn",
    ]
    row = [
        "Text",
        PNR,
        "x",
        "A-9",
        "14.03.2025",
        "Avvikelse extern aktör",
        "Inkommande",
        "Tolvan Tolvansson",
    ]
    rows = read(csv_bytes([header, row]))
    assert rows.loc[0, "source_id"] == "A-9"
    assert rows.loc[0, "description"] == "Text"
    assert rows.loc[0, "received"] == pd.Timestamp("2025-03-14")
    assert bool(rows.loc[0, "incoming"]) is True
    # the identity number is read only as person_id, which ingest replaces by a keyed
    # pseudonym right after reading (tests/ingest/test_linking.py); nothing else holds it
    assert rows.loc[0, "person_id"] == PNR
    flat = rows.drop(columns="person_id").astype(str).to_numpy().ravel().tolist()
    assert PNR not in flat and "Tolvan Tolvansson" not in flat


def test_normalise_header() -> None:
    assert normalise_header("\u00a0 Ärende-ID : ") == "ärende id"
    assert normalise_header("Skola/enhet") == normalise_header(" SKOLA/ENHET:")
    # decomposed å (as macOS writes it) equals the composed one
    assert normalise_header("Vårdenhet") == normalise_header("Va\u030ardenhet")


def test_normalise_header_keeps_every_digit() -> None:
    """What lets the reader skip normalising ids when it looks for repeated header rows:
    a digit in a cell is still there after normalise_header, whatever is next to it."""
    for code in [*range(0x20, 0x3000), *range(0xFF00, 0xFFF0, 3), *range(0x1D400, 0x1D800, 7)]:
        c = chr(code)
        for text in (f"1{c}", f"{c}7", f"a{c}9b"):
            assert re.search("[0-9]", normalise_header(text)), (hex(code), text)


def test_repeated_header_rows_are_skipped_and_ids_kept() -> None:
    shouted = [f" {h.upper()}: " for h in LC_HEADER]  # the header again, as another export
    rows = read(csv_bytes([LC_HEADER, LC_ROWS[0], LC_HEADER, shouted, LC_ROWS[1]]))
    assert rows["source_id"].tolist() == [LC_ROWS[0][0], LC_ROWS[1][0]]
    assert rows["row"].tolist() == [2, 5]


def test_title_rows_above_csv_header_and_multiline_text() -> None:
    text = [
        ["Avvikelserapport Svedala"],
        ["Utskriven 2025-12-31"],
        [],
        LC_HEADER,
        [
            "A-1",
            "2025-08-01",
            "",
            "Avvikelse extern aktör",
            "",
            "",
            "",
            'Rad ett\nrad två med "citat"; och semikolon',
            "",
            "",
        ],
    ]
    rows = read(csv_bytes(text))
    assert len(rows) == 1
    assert rows.loc[0, "description"] == 'Rad ett\nrad två med "citat"; och semikolon'
    assert rows.loc[0, "row"] == 5


def test_header_only_file_and_trailing_empty_rows() -> None:
    rows = read(csv_bytes([LC_HEADER]))
    assert len(rows) == 0 and list(rows.columns) == list(READ_COLUMNS)
    rows = read(csv_bytes([LC_HEADER, LC_ROWS[0], [""] * 10, [""] * 10]) + b";;;\r\n\r\n")
    assert len(rows) == 1


@pytest.mark.parametrize(
    ("system", "header", "row", "field", "value"),
    [
        (
            "lifecare",
            ["Avvikelsenummer", "Registreringsdatum", "Avvikelsetyp", "Beskrivning av händelse"],
            ["1", "2025-08-01", "T", "Text"],
            "description",
            "Text",
        ),
        (
            "lifecare",
            [
                "Avvikelsenummer",
                "Registreringsdatum",
                "Avvikelsetyp",
                "Händelsebeskrivning",
                "Åtgärd",
            ],
            ["1", "2025-08-01", "T", "Text", "Samtal"],
            "action",
            "Samtal",
        ),
        (
            "ritz",
            ["Ärendenummer", "Rapportdatum", "Kategori", "Händelsebeskrivning"],
            ["1", "2025-08-01", "T", "Text"],
            "received_text",
            "2025-08-01",
        ),
        (
            "prorenata",
            ["Ärende-ID", "Skapad datum", "Kategori", "Beskrivning"],
            ["1", "2025-08-02", "T", "Text"],
            "received_text",
            "2025-08-02",
        ),
        (
            "form",
            ["Datum", "Kommun", "Beskrivning"],
            ["2025-08-03", "Landskrona", "Text"],
            "received_text",
            "2025-08-03",
        ),
    ],
)
def test_renamed_columns_are_aliases(
    system: str, header: list[str], row: list[str], field: str, value: str
) -> None:
    rows = read(csv_bytes([header, row]), f"x__{system}.csv", system)
    assert rows.loc[0, field] == value


def test_first_listed_alias_wins_when_two_columns_match() -> None:
    header = [*LC_HEADER[:8], "Åtgärd", "Vidtagen åtgärd"]
    rows = read(csv_bytes([header, [*LC_ROWS[0][:8], "gammal", "ny"]]))
    assert rows.loc[0, "action"] == "ny"


def test_ritz_orsak_maps_to_category() -> None:
    header = ["Ärendenummer", "Rapporteringsdatum", "Kategori", "Händelsebeskrivning", "Orsak"]
    values = [
        "Rutiner",
        "kommunikation & samverkan",
        "Individfokus/helhetssyn",
        "TEKNISKA HINDER",
        "Övrigt",
        "Personalbrist",
        "",
    ]
    data = [header] + [[str(i), "2025-08-01", "K", "T", v] for i, v in enumerate(values)]
    rows = read(csv_bytes(data), "region-skane__ritz.csv", "ritz")
    assert rows["category"].tolist() == [
        "rutiner",
        "kommunikation_samverkan",
        "individfokus_helhetssyn",
        "tekniska_hinder",
        "ovrigt",
        pd.NA,
        pd.NA,
    ]


# --- Excel ----------------------------------------------------------------------------


def test_xlsx_title_rows_totals_excel_dates_and_serials() -> None:
    data = [
        ["Ärendeexport Prorenata", None, None],
        [None],
        export_header("prorenata"),
        [
            410001,
            dt.datetime(2025, 9, 1, 8, 30),
            dt.date(2025, 8, 29),
            "Avvikelse extern aktör",
            "Skola A",
            "BUP",
            "Rad 1\nRad 2",
            None,
            "Ny",
        ],
        ["410002", 45901, "20250830", "Avvikelse extern aktör", None, None, "Text", "Samtal", "Ny"],
        [None, None, None],
        ["Totalt: 2", None, None],
        [None],
    ]
    rows = read(xlsx_bytes(data), "svedala__prorenata.xlsx", "prorenata")
    assert rows["source_id"].tolist() == ["410001", "410002"]
    assert rows["received"].tolist() == [pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-01")]
    assert rows["event_date"].tolist() == [pd.Timestamp("2025-08-29"), pd.Timestamp("2025-08-30")]
    assert rows["description"].iloc[0] == "Rad 1\nRad 2"
    assert rows["row"].tolist() == [4, 5]


def test_xlsx_totals_row_in_the_description_column_is_not_a_case() -> None:
    header = ["Händelsebeskrivning", "Kategori", "Ärendenummer", "Rapporteringsdatum"]
    data = [
        ["Avvikelser Region Skåne"],
        header,
        ["Text", "K", "R-1", dt.datetime(2025, 9, 1, 10, 0)],
        ["Totalt är det här ett fall", "K", "R-2", "2025-09-02"],
        [None],
        ["Totalt: 2", 2],
    ]
    table = parse_export(xlsx_bytes(data), Path("region-skane__ritz.xlsx"), "ritz", CFG)
    assert table.rows["source_id"].tolist() == ["R-1", "R-2"]
    assert table.skipped_rows == 2


def test_empty_workbook_is_an_empty_file() -> None:
    with pytest.raises(InputError, match="filen är tom"):
        read(xlsx_bytes([]), "svedala__lifecare.xlsx")


def test_xlsx_header_found_on_a_later_sheet() -> None:
    data = xlsx_bytes([LC_HEADER, LC_ROWS[0]], sheets={"Info": [["Om exporten"], ["Skapad av x"]]})
    table = parse_export(data, Path("svedala__lifecare.xlsx"), "lifecare", CFG)
    assert table.sheet == "Export" and len(table.rows) == 1


def test_csv_named_xlsx_is_read_as_csv() -> None:
    rows = read(csv_bytes([LC_HEADER, LC_ROWS[0]]), "svedala__lifecare.xlsx")
    assert len(rows) == 1


# --- dates ----------------------------------------------------------------------------


def test_parse_dates_all_listed_formats() -> None:
    s = pd.Series(
        [
            "2025-03-14",
            "2025-03-14 09:12",
            "14/03/2025",
            "14.03.2025",
            "20250314",
            "45730",
            "2025-03-14T09:12:00",
            " 2025-03-14 ",
            "31/02/2025",
            "snart",
            None,
            "",
            "1850-01-01",
            "12345",
        ]
    )
    got = parse_dates(s)
    d = pd.Timestamp("2025-03-14")
    expected = pd.Series([d] * 8 + [pd.NaT] * 6, dtype="datetime64[ns]")
    pd.testing.assert_series_equal(got, expected)


# --- systems and reader kinds come from sources.yaml --------------------------------------


def test_every_reader_kind_has_a_reader() -> None:
    assert set(READERS) == set(READER_KINDS)
    assert {spec.reader for spec in CFG.systems.values()} <= set(READER_KINDS)


def test_systems_labels_and_readers_from_the_config() -> None:
    assert list(CFG.systems) == list(CFG.vocab.systems)
    assert CFG.systems["lifecare"].label == "LifeCare"
    assert CFG.systems["form"].reader == "form" and CFG.systems["ritz"].reader == "grid"


def test_the_reader_kind_not_the_system_name_decides_how_a_file_is_read() -> None:
    data = export_path("lifecare").read_bytes()
    grid = parse_export(data, Path("svedala__lifecare.csv"), "lifecare", CFG).rows
    assert grid["source_id"].tolist() == ["A-1", "A-2"]
    form_spec = replace(CFG.systems["lifecare"], reader="form")
    cfg = replace(CFG, systems={**CFG.systems, "lifecare": form_spec})
    keyed = parse_export(data, Path("svedala__lifecare.csv"), "lifecare", cfg).rows
    assert keyed["source_id"].str.match(r"^2025-08-01\|[0-9a-f]{16}$").iloc[0]


# --- file names -----------------------------------------------------------------------


def test_file_names() -> None:
    assert parse_file_name(Path("svedala__lifecare.csv"), CFG) == ("svedala", "lifecare")
    assert parse_file_name(Path("region-skane__ritz.XLSX"), CFG) == ("region-skane", "ritz")
    for ignored in ("README.md", ".gitkeep", "._svedala__lifecare.csv", "notes.txt"):
        assert parse_file_name(Path(ignored), CFG) is None
    # a name with an unknown word may be a person's: not echoed
    with pytest.raises(InputError, match="okänd organisation") as info:
        parse_file_name(Path("malmo__lifecare.csv"), CFG)
    assert "malmo" not in str(info.value) and "<organisation>__<system>" in str(info.value)
    with pytest.raises(InputError, match="okänt system") as info:
        parse_file_name(Path("svedala__treserva.csv"), CFG)
    assert "treserva" not in str(info.value)
    with pytest.raises(InputError, match="har inte systemet ritz"):
        parse_file_name(Path("svedala__ritz.csv"), CFG)
    with pytest.raises(InputError, match=r"filändelsen \.xls stöds inte"):
        parse_file_name(Path("svedala__lifecare.xls"), CFG)


# --- bad files ------------------------------------------------------------------------


def _one_line(err: InputError) -> str:
    msg = str(err)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "svedala__lifecare.csv", "filen är tom"),
        (b"  \r\n\r\n", "svedala__lifecare.csv", "filen är tom"),
        (bytes(range(256)) * 20, "svedala__lifecare.csv", "varken en textfil"),
        (b"\x00\x01\x02garbage\x00" * 50, "svedala__lifecare.csv", "varken en textfil"),
        (b"PK\x03\x04not really a zip", "svedala__lifecare.xlsx", "varken en textfil"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "svedala__lifecare.xlsx", ".xls"),
        (
            b"Namn;Telefon\nAnna;0701234567\n",
            "svedala__lifecare.csv",
            "ingen igenkännbar rubrikrad",
        ),
    ],
)
def test_unusable_files_raise_one_clear_line(data: bytes, name: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        read(data, name)
    msg = _one_line(info.value)
    assert name in msg and message in msg
    assert "Anna" not in msg and "0701234567" not in msg


def test_corrupt_xlsx() -> None:
    good = xlsx_bytes([LC_HEADER, LC_ROWS[0]])
    broken = good[: len(good) // 2]
    with pytest.raises(InputError) as info:
        read(broken, "svedala__lifecare.xlsx")
    assert "svedala__lifecare.xlsx" in _one_line(info.value)


def test_wrong_sheet_counts_the_sheets_without_naming_them() -> None:
    # a sheet may be named after a person: the line counts the sheets instead
    data = xlsx_bytes([["Namn", "Adress"], ["Anna", "Gatan 1"]])
    with pytest.raises(InputError, match="i något av filens 1 blad"):
        read(data, "svedala__lifecare.xlsx")


def test_missing_required_column_names_it() -> None:
    header = [c for c in LC_HEADER if c != "Händelsebeskrivning"]
    row = ["A-1", "2025-08-01", "", "Avvikelse extern aktör", "Hemtjänsten Anna", "", "", "", ""]
    with pytest.raises(InputError) as info:
        read(csv_bytes([header, row]))
    msg = _one_line(info.value)
    assert "obligatorisk kolumn saknas: 'händelsebeskrivning'" in msg
    assert "config/sources.yaml" in msg and "Anna" not in msg


def test_either_date_column_is_enough() -> None:
    header = [c for c in LC_HEADER if c != "Registreringsdatum"]
    rows = read(
        csv_bytes(
            [header, ["A-1", "2025-08-01", "Avvikelse extern aktör", "", "", "", "Text", "", ""]]
        )
    )
    assert rows.loc[0, "event_date"] == pd.Timestamp("2025-08-01")
    assert rows["received"].isna().all()
    header = [c for c in LC_HEADER if c not in ("Registreringsdatum", "Händelsedatum")]
    with pytest.raises(InputError, match="'registreringsdatum' eller 'händelsedatum'"):
        read(csv_bytes([header, ["A-1", "Avvikelse extern aktör", "", "", "", "T", "", ""]]))


def test_read_export_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "svedala__lifecare.csv"
    path.write_bytes(codecs.BOM_UTF8 + export_path("lifecare").read_bytes())
    assert len(read_export(path, "lifecare", CFG).rows) == 2
    with pytest.raises(InputError, match="kan inte läsas"):
        read_export(tmp_path / "vellinge__lifecare.csv", "lifecare", CFG)


# --- property: the reader only ever succeeds or raises InputError -----------------------

_chars = st.characters(min_codepoint=0, max_codepoint=0x2FF)
_cell = st.text(alphabet=_chars, max_size=12) | st.sampled_from(
    [*LC_HEADER, "2025-08-01", "31/02/2025", "45730", "Avvikelse extern aktör", '"', "\n", ";"]
)
_row = st.lists(_cell, max_size=12)


@st.composite
def csv_like_bytes(draw: st.DrawFn) -> bytes:
    sep = draw(st.sampled_from([";", ",", "\t", "|"]))
    rows = draw(st.lists(_row, max_size=8))
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), list(LC_HEADER))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(sep.join(r) for r in rows)
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(enc, errors="replace")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=40))
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=csv_like_bytes() | st.binary(max_size=300))
def test_reader_never_raises_anything_but_input_error(data: bytes) -> None:
    for system in ("lifecare", "form"):
        try:
            table = parse_export(data, Path(f"svedala__{system}.csv"), system, CFG)
        except InputError as err:
            assert "\n" not in str(err)
        else:
            assert list(table.rows.columns) == list(READ_COLUMNS)


# --- configuration errors ---------------------------------------------------------------


def _config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    target.mkdir()
    for name in ("sources.yaml", "organisations.yaml", "parties.yaml", "codebook.yaml"):
        (target / name).write_bytes((CONFIG_DIR / name).read_bytes())
    return target


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("sources.yaml", "header_search_rows: 30", "header_search_rows: [30", "inte giltig YAML"),
        ("parties.yaml", "'\\bbup\\b'", "'(bup'", "ogiltigt reguljärt uttryck"),
        ("parties.yaml", "side: region", "side: landsting", "side ska vara"),
        (
            "sources.yaml",
            "required: [[received, event_date], description]",
            "required: [[received, event_date], beskrivning]",
            "okänt fält beskrivning",
        ),
        ("sources.yaml", "reader: form", "reader: formulär", "reader ska vara en av grid, form"),
        (
            "sources.yaml",
            "        tekniska_hinder: [",
            "        tekniska_problem: [",
            "okänd kategori tekniska_problem",
        ),
        (
            "sources.yaml",
            "always_child_systems: [prorenata]",
            "always_child_systems: [elevhalsan]",
            "okänt system elevhalsan",
        ),
        ("organisations.yaml", "      ritz: [", "      ritz2: [", "okänt system ritz2"),
    ],
)
def test_malformed_configuration_is_an_input_error(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    config = _config_copy(tmp_path)
    text = (config / name).read_text(encoding="utf-8")
    assert old in text
    (config / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_source_config(config)
    assert name in str(info.value) and "\n" not in str(info.value)
    if message != "inte giltig YAML":
        assert message in str(info.value)


def test_date_cache_starting_afresh_keeps_the_texts_of_the_call(monkeypatch) -> None:
    # found by the 1 000 000-case benchmark: when the cache was full it was cleared, and
    # the texts of the same call that had been cached before were then missing (KeyError)
    from samverkan.ingest.sources import dates

    monkeypatch.setattr(dates, "_CACHE_LIMIT", 3)
    monkeypatch.setattr(dates, "_PARSED", {})
    first = dates.parse_dates(pd.Series(["2025-03-14", "2025-03-15"]))
    again = dates.parse_dates(pd.Series(["2025-03-14", "2025-03-16", "2025-03-17", None]))
    assert list(first.dt.day) == [14, 15]
    assert list(again.dt.day[:3]) == [14, 16, 17] and pd.isna(again.iloc[3])


def test_impossible_dates_are_dates_of_no_calendar() -> None:
    """Date-shaped text that names no day (also the year 0, which has none)."""
    from samverkan.ingest.sources.dates import impossible_dates

    values = pd.Series(
        ["2026-02-30", "31/04/2026", "0000-01-19", "2026-02-28", "2026-13-01", "snart", None],
        dtype="string",
    )
    got = impossible_dates(values).tolist()
    assert got == [True, True, True, False, False, False, False]
    assert parse_dates(values).isna().tolist() == [True, True, True, False, True, True, True]


# --- cheap paths of the reader: the same result as the general ones --------------------


def test_mostly_utf8_with_stray_bytes_stays_utf8_and_cp1252_is_read_as_cp1252() -> None:
    from samverkan.ingest.sources.grids import decode_text

    line = "Vårdcentralen ringde, åtgärd: möte. "
    # 15 letters above 0x7F against one stray Windows-1252 byte: a file edited in two programs
    text, enc = decode_text((line * 5).encode() + b"\xe5", "x.csv")
    assert enc == "utf-8 (med ogiltiga byte)"
    assert text == line * 5 + "\ufffd"
    # 3 such letters against one bad byte: Windows-1252 (its å, ä, ö are single bytes)
    text, enc = decode_text(line.encode() + b"\xe5", "x.csv")
    assert enc == "cp1252"
    assert text.startswith("VÃ¥rdcentralen") and text.endswith("å")
    text, enc = decode_text(line.encode("cp1252"), "x.csv")
    assert (text, enc) == (line, "cp1252")


def test_rows_shorter_than_the_header_read_their_missing_cells_as_empty() -> None:
    # some exports drop a row's trailing empty cells
    short = ["A-3", "2025-08-03", "2025-08-02", "Avvikelse extern aktör", "Hemtjänsten"]
    longer = [*short[:4], "Hemtjänsten", "BUP Trelleborg", "Utgående", "Kort rad"]
    rows = read(csv_bytes([LC_HEADER, LC_ROWS[0], short, longer]))
    assert rows["source_id"].tolist() == ["A-1", "A-3", "A-3"]
    assert rows["description"].isna().tolist() == [False, True, False]
    assert rows["description"].iloc[2] == "Kort rad"
    assert rows["action"].isna().tolist() == [False, True, True]
    assert rows["status"].isna().tolist() == [False, True, True]
    assert rows["counterpart"].tolist()[0] == "BUP Trelleborg"
    assert pd.isna(rows["counterpart"].iloc[1]) and rows["counterpart"].iloc[2] == "BUP Trelleborg"
    assert rows["reporter_unit"].tolist() == ["Hemtjänsten"] * 3
