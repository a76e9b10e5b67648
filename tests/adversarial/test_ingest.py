"""Adversarial corpus: broken export files and rows fed to the ingest stage.

Each case puts in a term folder what the project never generated itself (a careless or a
hostile export) and asserts the outcome: the row is a case, it is quarantined with its
reason, or the run stops with one Swedish line naming the file (never a raw name that
could be a person's) and the fix. Whenever the ingest runs, every raw row is accounted
for: read = kept + excluded + duplicates + quarantined, per file and in total.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG
from identity import pnr
from ingest.exports import csv_bytes, export_header, xlsx_bytes

from samverkan.ingest.linking import DuplicateRule
from samverkan.ingest.outputs import spreadsheet_safe
from samverkan.ingest.stage import IngestResult, ingest_term
from samverkan.project.errors import InputError

TERM = "2026VT"
RULE = DuplicateRule(max_days_apart=3, min_text_similarity=0.6)
LC = export_header("lifecare")
RITZ = export_header("ritz")
FORM = export_header("form")
SV_TYPE = "Avvikelse extern aktör"
VE_TYPE = "Extern aktör psykiatri"  # Vellinge's collaboration type (organisations.yaml)
RITZ_TYPE = "Klagomål och externt inkomna avvikelser"
PNR = pnr("19121212", 121)
EXPECTED_PATTERN = "<organisation>__<system>.csv eller .xlsx"


def lc_row(sid: str, received: str, text: str, **over: str) -> list[str]:
    """A LifeCare row in the fixture's column order."""
    values = {
        "Avvikelsenummer": sid,
        "Registreringsdatum": received,
        "Händelsedatum": "",
        "Avvikelsetyp": VE_TYPE,
        "Rapporterande enhet": "Hemtjänsten Norr",
        "Berörd part": "Vuxenpsykiatrin Trelleborg",
        "Riktning": "Utgående",
        "Händelsebeskrivning": text,
        "Vidtagen åtgärd": "",
        "Status": "Ny",
        **over,
    }
    return [values.get(h, "") for h in LC]


def form_row(date: str, text: str) -> list[str]:
    values = {"Inkommet": date, "Beskrivning": text}
    return [values.get(h, "") for h in FORM]


def run(project: Path, **kw: object) -> IngestResult:
    return ingest_term(
        TERM,
        project / "data" / "raw" / TERM,
        project / "data" / "processed" / TERM,
        project / "data" / "quarantine" / TERM,
        config_dir=CONFIG,
        duplicates=kw.pop("duplicates", RULE),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def accounted(result: IngestResult) -> None:
    """Every raw row is accounted for, per file and in total."""
    r = result.reconciliation
    assert (r["read"] == r["kept"] + r["excluded"] + r["duplicates"] + r["quarantined"]).all()
    assert (r.iloc[-1, 1:] == r.iloc[:-1, 1:].sum()).all()
    assert r.iloc[-1]["kept"] == len(result.cases)


def refused(project: Path, match: str) -> InputError:
    """The run stops with one line matching ``match``, and writes nothing."""
    with pytest.raises(InputError, match=match) as info:
        run(project)
    assert "\n" not in str(info.value)
    assert not (project / "data" / "processed" / TERM / "cases.parquet").exists()
    return info.value


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SAMVERKAN_SECRET_FILE", raising=False)
    raw = tmp_path / "data" / "raw" / TERM
    raw.mkdir(parents=True)
    os.chmod(raw, 0o700)
    ok = [LC, lc_row("L-1", "2026-02-02", "Ingen SIP", **{"Avvikelsetyp": SV_TYPE})]
    (raw / "svedala__lifecare.csv").write_bytes(csv_bytes(ok))
    os.chmod(raw / "svedala__lifecare.csv", 0o600)
    return tmp_path


def raw(project: Path) -> Path:
    return project / "data" / "raw" / TERM


def put(project: Path, name: str, data: bytes) -> Path:
    path = raw(project) / name
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return path


# --- rows ------------------------------------------------------------------------------


def test_form_rows_with_few_columns_are_cases_not_totals(project: Path) -> None:
    rows = [
        FORM,
        form_row("2026-02-03", "Totalt uteblev all information från vårdcentralen"),
        form_row("2026-02-04", "Antal kontakter med BUP var noll trots remiss"),
        form_row("2026-02-05", "Summa summarum: ingen kallade oss"),
        form_row("2026-02-06", "Utskriven utan att hemtjänsten visste"),
        [],
        ["Totalt: 4"],
    ]
    put(project, "helsingborg__form.csv", csv_bytes(rows, sep=","))
    result = run(project)
    accounted(result)
    form = result.reconciliation.set_index("file").loc["helsingborg__form.csv"]
    assert form["read"] == 4 and form["kept"] == 4


def test_totals_row_without_description_or_date_is_not_a_case(project: Path) -> None:
    rows = [LC, lc_row("L-2", "2026-02-02", "Text om samverkan"), ["Totalt: 1", "1"]]
    put(project, "vellinge__lifecare.csv", csv_bytes(rows))
    result = run(project)
    accounted(result)
    assert result.reconciliation.set_index("file").loc["vellinge__lifecare.csv", "read"] == 1


def test_unbalanced_quote_swallowing_rows_is_refused(project: Path) -> None:
    lines = [";".join(LC)]
    lines.append(";".join(lc_row("L-2", "2026-02-02", '"Början utan slut')))
    lines += [";".join(lc_row(f"L-{n}", "2026-02-03", "Text")) for n in range(3, 10)]
    put(project, "vellinge__lifecare.csv", ("\r\n".join(lines) + "\r\n").encode())
    error = refused(project, "citattecken")
    assert "vellinge__lifecare.csv" in str(error) and "rad 2" in str(error)


def test_quoted_line_breaks_in_a_description_are_one_case(project: Path) -> None:
    rows = [LC, lc_row("L-2", "2026-02-02", "Första raden\nandra raden; med semikolon\ntredje")]
    put(project, "vellinge__lifecare.csv", csv_bytes(rows))
    result = run(project)
    accounted(result)
    assert result.reconciliation.set_index("file").loc["vellinge__lifecare.csv", "kept"] == 1


@pytest.mark.parametrize("date", ["2026-02-30", "31/04/2026", "29.02.2026"])
def test_impossible_dates_are_quarantined_not_replaced(project: Path, date: str) -> None:
    rows = [LC, lc_row("L-2", date, "Text om samverkan", **{"Händelsedatum": "2026-02-01"})]
    put(project, "vellinge__lifecare.csv", csv_bytes(rows))
    result = run(project)
    accounted(result)
    assert result.quarantine["orsak"].tolist() == ["registreringsdatum finns inte i kalendern"]
    assert (
        result.quarantine["id"].tolist() == ["L-2"]
        and result.cases["system"].eq("lifecare").sum() == 1
    )  # only the baseline case of svedala


def test_unreadable_date_is_quarantined_even_with_an_event_date(project: Path) -> None:
    rows = [LC, lc_row("L-2", "snart", "Text", **{"Händelsedatum": "2026-02-01"})]
    put(project, "vellinge__lifecare.csv", csv_bytes(rows))
    result = run(project)
    accounted(result)
    assert result.quarantine["orsak"].tolist() == ["registreringsdatum kan inte tolkas"]


def test_status_free_text_is_deidentified(project: Path) -> None:
    status = f"Avslutad av Anna Andersson, tel 070-123 45 67, {PNR}"
    rows = [LC, lc_row("L-2", "2026-02-03", "Text om samverkan", Status=status)]
    put(project, "vellinge__lifecare.csv", csv_bytes(rows))
    result = run(project)
    accounted(result)
    written = pd.read_parquet(project / "data" / "processed" / TERM / "cases.parquet")
    flat = written.to_csv()
    for secret in (PNR, "070-123 45 67", "Andersson"):
        assert secret not in flat
    assert written["status"].str.startswith("Avslutad").any()


def test_identity_number_column_never_reaches_outputs(project: Path) -> None:
    header = [*LC, "Personnummer"]
    rows = [header, [*lc_row("L-2", "2026-02-03", "Text om samverkan"), PNR]]
    put(project, "vellinge__lifecare.csv", csv_bytes(rows))
    secret = project / ".samverkan-secret"
    secret.write_bytes(os.urandom(32))
    os.chmod(secret, 0o600)
    result = run(
        project, secret_file=secret, duplicates=DuplicateRule(3, 0.6, link_by_person_id=True)
    )
    accounted(result)
    digits = PNR.replace("-", "")[2:]
    for path in (project / "data").rglob("*"):
        if path.is_file() and "raw" not in path.parts:
            data = path.read_bytes()
            assert PNR.encode() not in data and digits.encode() not in data


def test_same_person_reported_by_both_parties_in_other_words_is_linked(project: Path) -> None:
    header = [*LC, "Personnummer"]
    kommun = lc_row("L-2", "2026-02-03", "Ingen kallade oss till planeringen")
    put(project, "vellinge__lifecare.csv", csv_bytes([header, [*kommun, pnr("121212", 121)]]))
    ritz_values = {
        "Ärendenummer": "R-1",
        "Rapporteringsdatum": "2026-02-04",
        "Kategori": RITZ_TYPE,
        "Vårdenhet": "Vuxenpsykiatri Trelleborg",
        "Extern part": "Vellinge kommun hemtjänst",
        "Händelsebeskrivning": "Utskrivningen skedde före samordnad planering",
    }
    ritz = [*RITZ, "Personnummer"], [*(ritz_values.get(h, "") for h in RITZ), PNR]
    put(project, "region-skane__ritz.xlsx", xlsx_bytes(list(ritz)))
    secret = project / "s"
    secret.write_bytes(b"s" * 32)
    os.chmod(secret, 0o600)
    by_person = DuplicateRule(3, 0.6, link_by_person_id=True)
    result = run(project, secret_file=secret, duplicates=by_person)
    accounted(result)
    assert result.cases["reported_by_both"].sum() == 1
    assert result.cases.columns.str.contains("person").sum() == 0
    # no secret, or linking by person off (the default): numbers dropped, texts differ
    missing = project / "ingen-nyckel"  # not the checkout's own .samverkan-secret
    assert (
        run(project, secret_file=missing, duplicates=by_person).cases["reported_by_both"].sum() == 0
    )
    assert run(project, secret_file=secret).cases["reported_by_both"].sum() == 0


def test_quarantine_csv_is_injection_safe_and_private(project: Path) -> None:
    payloads = ['=HYPERLINK("http://x"&F2)', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]
    rows = [LC] + [lc_row(f"L-{n}", "", p) for n, p in enumerate(payloads, start=2)]
    rows.append(lc_row("L-9", "", "text\x01med\x0bstyrtecken"))
    put(project, "vellinge__lifecare.csv", csv_bytes(rows))
    result = run(project)
    accounted(result)
    qdir = project / "data" / "quarantine" / TERM
    qfile = qdir / "quarantine.csv"
    assert stat.S_IMODE(qdir.stat().st_mode) == 0o700
    assert stat.S_IMODE(qfile.stat().st_mode) == 0o600
    text = qfile.read_text(encoding="utf-8-sig")
    assert "\x01" not in text and "\x0b" not in text
    on_disk = pd.read_csv(qfile, sep=";", dtype=str, keep_default_na=False)
    for cell in on_disk["beskrivning"]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "'=HYPERLINK" in text and "textmedstyrtecken" in text
    formulas = {f"'{p}" for p in payloads[:4]}
    assert formulas <= set(on_disk["beskrivning"])  # the cells are text, not formulas
    # a leading tab or CR is stripped with the cell's spaces on reading; were one to
    # arrive, it is made inert too
    assert spreadsheet_safe("\tx") == "'\tx" and spreadsheet_safe("\r=1") == "'\r=1"


def test_raw_data_readable_by_others_gives_a_warning(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    os.chmod(raw(project), 0o755)
    with caplog.at_level(logging.WARNING):
        accounted(run(project))
    assert "kan läsas av andra" in caplog.text and "chmod" in caplog.text


# --- files -----------------------------------------------------------------------------


def test_slightly_wrong_name_is_refused_with_the_pattern(project: Path) -> None:
    put(project, "svedala_lifecare.csv", b"x")
    error = refused(project, "följer inte mönstret")
    assert "svedala_lifecare.csv" in str(error)  # a safe name (known words) is shown


def test_a_name_that_may_be_a_person_is_not_echoed(project: Path) -> None:
    put(project, "Anna Svensson 850312.csv", b"x")
    error = refused(project, "följer inte mönstret")
    assert "Anna" not in str(error) and "850312" not in str(error)
    assert "nr 1 i namnordning" in str(error)


def test_file_in_a_subfolder_is_refused(project: Path) -> None:
    sub = raw(project) / "gamla"
    sub.mkdir()
    (sub / "vellinge__lifecare.csv").write_bytes(csv_bytes([LC]))
    refused(project, "undermapp")


def test_dangling_link_is_refused(project: Path) -> None:
    (raw(project) / "vellinge__lifecare.csv").symlink_to(project / "finns-inte.csv")
    refused(project, "pekar på en fil som inte finns")


def test_link_out_of_data_raw_is_refused(project: Path) -> None:
    outside = project / "hemma.csv"
    outside.write_bytes(csv_bytes([LC]))
    (raw(project) / "vellinge__lifecare.csv").symlink_to(outside)
    refused(project, "pekar ut ur data/raw")


def test_link_inside_data_raw_is_read(project: Path) -> None:
    shared = project / "data" / "raw" / "delat"
    shared.mkdir()
    target = shared / "v.csv"
    target.write_bytes(csv_bytes([LC, lc_row("L-2", "2026-02-03", "Text om samverkan")]))
    (raw(project) / "vellinge__lifecare.csv").symlink_to(target)
    result = run(project)
    accounted(result)
    assert "vellinge__lifecare.csv" in result.reconciliation["file"].tolist()


@pytest.mark.parametrize("lock", ["~$svedala__lifecare.csv", ".~lock.svedala__lifecare.csv#"])
def test_office_lock_files_are_not_read_but_warned_about(
    project: Path, caplog: pytest.LogCaptureFixture, lock: str
) -> None:
    put(project, lock, b"Anna Andersson")  # a lock file holds who opened the export
    with caplog.at_level(logging.WARNING):
        result = run(project)
    accounted(result)
    assert "låsfil för svedala__lifecare.csv" in caplog.text and "Anna" not in caplog.text
    assert result.reconciliation["file"].tolist() == ["svedala__lifecare.csv", "TOTALT"]


def test_housekeeping_files_pass_and_other_hidden_files_are_refused(project: Path) -> None:
    for name in ("README.md", ".gitkeep", ".DS_Store", "Thumbs.db"):
        put(project, name, b"")
    accounted(run(project))
    put(project, ".anteckningar", b"")
    with pytest.raises(InputError, match="följer inte mönstret"):
        run(project)


def test_sheet_named_after_a_person_is_not_echoed(project: Path) -> None:
    data = xlsx_bytes([["x"]], sheets={"Anna Andersson": [["Namn"], ["Anna"]]})
    put(project, "vellinge__lifecare.xlsx", data)
    error = refused(project, "rubrikrad")
    assert "Anna" not in str(error)


def test_something_that_is_not_a_file_is_refused(project: Path) -> None:
    os.mkfifo(raw(project) / "vellinge__lifecare.csv")
    refused(project, "ingen vanlig fil")


def test_old_excel_extension_is_refused_with_the_pattern(project: Path) -> None:
    put(project, "vellinge__lifecare.xls", b"x")
    error = refused(project, r"filändelsen \.xls stöds inte")
    assert EXPECTED_PATTERN in str(error)


def test_two_exports_of_one_system_are_refused(project: Path) -> None:
    put(project, "svedala__lifecare.xlsx", xlsx_bytes([LC]))
    refused(project, "två filer för svedala och lifecare")


def test_unknown_organisation_named_after_a_person_is_not_echoed(project: Path) -> None:
    put(project, "kalle__lifecare.csv", csv_bytes([LC]))
    error = refused(project, "okänd organisation")
    assert "kalle" not in str(error).lower() and EXPECTED_PATTERN in str(error)
