"""The leak scanner finds planted personal data in every output format, and only there.

All identifiers here are synthetic: the identity numbers are built at run time from the
shared test vectors (../shared/testdata/personnummer), so that this file holds none; the
names are made up for the test.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import CONFIG, SHARED_TESTDATA
from openpyxl import Workbook

from samverkan.privacy.leaks import (
    Finding,
    KnownIdentifiers,
    default_paths,
    format_findings,
    known_identifiers_from_raw,
    scan_paths,
    scan_staged,
)
from samverkan.project.errors import InputError


def _vector(kind: str) -> dict:
    """A valid identity number of ``kind`` (ssn, con) from the shared test vectors."""
    vectors = json.loads((SHARED_TESTDATA / "personnummer" / "list.json").read_text("utf-8"))
    return next(
        v for v in vectors if v["valid"] and v["type"] == kind and "-" in v["separated_long"]
    )


PNR_VECTOR = _vector("ssn")
PNR = PNR_VECTOR["separated_long"]  # CCYYMMDD-NNNN
PNR_SHORT = PNR_VECTOR["separated_format"]  # YYMMDD-NNNN
SAMORDNING = _vector("con")["separated_format"]
PHONE = "070-123 45 67"
EMAIL = "gunilla.rosenqvist@kommun.se"
RAW_NAME = "Gunilla Rosenqvist"
CASE_NUMBER = "4711-0815"
CLEAN = "Kallelse till SIP uteblev; BUP och socialtjänsten i Svedala kommun saknade rutin."


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> KnownIdentifiers:
    """Raw data: a cp1252 CSV with a title row and an xlsx with title rows."""
    raw = tmp_path_factory.mktemp("raw") / "2025HT"
    raw.mkdir()
    csv_text = (
        "Avvikelser export 2025;;;;\n"
        "Avvikelsenummer;Händelsebeskrivning;Handläggare;Personnummer;Region\n"
        f"{CASE_NUMBER};Anna ringde om SIP, mamman nåddes på {PHONE};{RAW_NAME};"
        f"{PNR_SHORT};Region Skåne\n"
    )
    (raw / "svedala__lifecare.csv").write_bytes(csv_text.encode("cp1252"))
    wb = Workbook()
    ws = wb.active
    ws.append(["Rapport från Ritz"])
    ws.append([])
    ws.append(["Ärendenummer", "Händelsebeskrivning", "Kontaktperson:"])
    ws.append([99887766, "Vårdcentralen Trelleborg", "Per Ek"])
    wb.save(raw / "region-skane__ritz.xlsx")
    (raw / "README.md").write_text("not an export", encoding="utf-8")
    return known_identifiers_from_raw(raw.parent)


def kinds(findings: list[Finding]) -> set[str]:
    return {f.kind for f in findings}


def test_known_identifiers_from_raw(known: KnownIdentifiers) -> None:
    assert {"gunilla", "rosenqvist", "anna"} <= known.names
    assert ("per", "ek") in known.phrases
    # organisations, places and roles are not names
    assert not {"region", "skåne", "trelleborg", "vårdcentralen", "mamman", "sip"} & known.names
    assert {PNR_VECTOR["long_format"], PNR_VECTOR["short_format"]} <= known.numbers
    assert {"0701234567", "46701234567"} <= known.numbers
    assert {"47110815", "99887766"} <= known.numbers


def test_known_identifiers_missing_folder(tmp_path: Path) -> None:
    assert not known_identifiers_from_raw(tmp_path / "nothing")


def test_unreadable_raw_export_is_input_error(tmp_path: Path) -> None:
    (tmp_path / "x__lifecare.csv").write_bytes(b"\x00\x01binary")
    with pytest.raises(InputError, match=r"x__lifecare\.csv"):
        known_identifiers_from_raw(tmp_path)


def _one(findings: list[Finding], path: Path, kind: str) -> Finding:
    hits = [f for f in findings if f.file == str(path) and f.kind == kind]
    assert hits, f"no {kind} in {path.name}: {findings}"
    return hits[0]


def test_parquet(tmp_path: Path, known: KnownIdentifiers) -> None:
    path = tmp_path / "cases.parquet"
    pd.DataFrame(
        {
            "case_id": ["a", "b"],
            "description": [CLEAN, f"Ringde {RAW_NAME} på {PHONE}"],
            "n": [1, int(PNR_VECTOR["long_format"])],
        }
    ).to_parquet(path)
    findings = scan_paths([path], known)
    name = _one(findings, path, "namn från rådata")
    assert name.location == "rad 2, kolumn description"
    assert name.masked == "G*** R***"
    assert _one(findings, path, "telefon").location == "rad 2, kolumn description"
    assert _one(findings, path, "personnummer").location == "rad 2, kolumn n"


def test_csv_and_tsv(tmp_path: Path, known: KnownIdentifiers) -> None:
    csv_path = tmp_path / "reconciliation.csv"
    csv_path.write_text(f"file;note\nx.csv;{CLEAN}\ny.csv;pnr {PNR}\n", encoding="utf-8")
    tsv_path = tmp_path / "t.tsv"
    tsv_path.write_text(f"a\tb\n1\t{EMAIL}\n", encoding="utf-8")
    findings = scan_paths([tmp_path], known)
    assert _one(findings, csv_path, "personnummer").location == "rad 3, kolumn note"
    assert _one(findings, tsv_path, "e-post").location == "rad 2, kolumn b"


def test_json(tmp_path: Path, known: KnownIdentifiers) -> None:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"ok": CLEAN, "cases": [{"by": "Per Ek"}]}), encoding="utf-8")
    findings = scan_paths([path], known)
    assert _one(findings, path, "namn från rådata").location == "fält cases[0].by"


def test_html_with_embedded_svg(tmp_path: Path, known: KnownIdentifiers) -> None:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="2">{SAMORDNING}</text></svg>'
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG0701234567").decode()
    path = tmp_path / "report.html"
    path.write_text(
        f'<html><body><p>{CLEAN}</p>\n<img src="{png}" alt="diagram">\n'
        f'<img src="{uri}" alt="fall per kommun">\n'
        f'<a title="kontakt" href="mailto:{EMAIL}">mejl</a></body></html>',
        encoding="utf-8",
    )
    findings = scan_paths([path], known)
    svg_hit = _one(findings, path, "personnummer")
    assert svg_hit.location.startswith("rad 3, inbäddad SVG")
    assert _one(findings, path, "e-post").location == "rad 4"
    # the raw name inside the e-mail address is one finding (e-post), not two
    assert kinds(findings) == {"personnummer", "e-post"}


def test_pdf_made_with_weasyprint(tmp_path: Path, known: KnownIdentifiers) -> None:
    from weasyprint import HTML

    path = tmp_path / "report.pdf"
    html = (
        f'<html><head><meta charset="utf-8"></head><body><p>{CLEAN}</p>'
        f'<p style="break-before: page">Handläggare {RAW_NAME}, tel {PHONE}</p></body></html>'
    )
    HTML(string=html).write_pdf(path)
    findings = scan_paths([path], known)
    assert _one(findings, path, "namn från rådata").location == "sida 2"
    assert _one(findings, path, "telefon").location == "sida 2"
    clean = tmp_path / "clean.pdf"
    HTML(string=f'<html><head><meta charset="utf-8"></head><p>{CLEAN}</p></html>').write_pdf(clean)
    assert scan_paths([clean], known) == []


@pytest.mark.parametrize(
    "hidden",
    [
        '<p style="color: white">{}</p>',  # white on white
        '<p style="font-size: 0.4px">{}</p>',  # too small to see
        '<p style="position: absolute; left: -3000px">{}</p>',  # outside the page box
        '<div style="overflow: hidden; height: 0">{}</div>',  # clipped away
        '<svg width="300" height="40"><text x="4" y="20">{}</text></svg>',  # a chart's text
        '<img alt="figur" src="data:image/svg+xml;base64,{}">',  # an image's text (XObject)
    ],
)
def test_pdf_text_no_reader_sees_is_still_found(
    tmp_path: Path, known: KnownIdentifiers, hidden: str
) -> None:
    from weasyprint import HTML

    text = f"Handläggare {RAW_NAME}, tel {PHONE}"
    if hidden.startswith("<img"):
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40">'
            f'<text x="4" y="20">{text}</text></svg>'
        )
        text = base64.b64encode(svg.encode()).decode()
    path = tmp_path / "report.pdf"
    page = f'<html><head><meta charset="utf-8"></head><body><p>{CLEAN}</p>{hidden.format(text)}'
    HTML(string=page + "</body></html>").write_pdf(path)
    assert kinds(scan_paths([path], known)) == {"namn från rådata", "telefon"}


def _notebook(path: Path, output_text: str | None = None, metadata: dict | None = None) -> None:
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("df.head()")
    markdown = nbformat.v4.new_markdown_cell(CLEAN)
    if output_text is not None:
        code.outputs = [
            nbformat.v4.new_output("stream", text="klart\n"),
            nbformat.v4.new_output(
                "execute_result",
                data={
                    "text/html": f"<table><td>{output_text}</td></table>",
                    "text/plain": "tabell",
                },
                execution_count=1,
            ),
        ]
    if metadata is not None:
        code.metadata.update(metadata)
    nb.cells = [markdown, code]
    nbformat.write(nb, path)


def test_notebook_output_only(tmp_path: Path, known: KnownIdentifiers) -> None:
    path = tmp_path / "03_term_report.ipynb"
    _notebook(path, output_text=f"{RAW_NAME} {PNR}")
    findings = scan_paths([path], known)
    hit = _one(findings, path, "personnummer")
    assert hit.location.startswith("cell 2, output 2 (text/html)")
    assert _one(findings, path, "namn från rådata").location.startswith("cell 2, output 2")


def test_notebook_metadata_only(tmp_path: Path, known: KnownIdentifiers) -> None:
    path = tmp_path / "01_ingest.ipynb"
    _notebook(path, metadata={"papermill": {"parameters": {"owner": EMAIL}}})
    findings = scan_paths([path], known)
    assert _one(findings, path, "e-post").location == "cell 2, metadata, papermill.parameters.owner"


def test_xlsx(tmp_path: Path, known: KnownIdentifiers) -> None:
    path = tmp_path / "tabeller.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Fall"
    ws.append(["Kategori", "Antal"])
    ws.append([f"Kontakt {PHONE}", 3])
    wb.save(path)
    findings = scan_paths([path], known)
    assert _one(findings, path, "telefon").location == "blad Fall, cell A2"


def test_log_and_number_from_raw(tmp_path: Path, known: KnownIdentifiers) -> None:
    path = tmp_path / "samverkan.log"
    path.write_text(f"INFO start\nINFO ärende {CASE_NUMBER} klart\n", encoding="utf-8")
    findings = scan_paths([path], known)
    hit = _one(findings, path, "nummer från rådata")
    assert hit.location == "rad 2"
    assert hit.masked != CASE_NUMBER


def test_clean_files_give_no_finding(tmp_path: Path, known: KnownIdentifiers) -> None:
    pd.DataFrame({"description": [CLEAN], "n": [3]}).to_parquet(tmp_path / "a.parquet")
    (tmp_path / "b.csv").write_text(f"kategori;antal\n{CLEAN};<3\n", encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps({"text": CLEAN, "n": 2025}), encoding="utf-8")
    (tmp_path / "d.html").write_text(
        f"<p>{CLEAN} Region Skåne, Trelleborg, 2025-03-14 09:12</p>", encoding="utf-8"
    )
    (tmp_path / "e.log").write_text("INFO 12 fall, 3 filer, 2025HT\n", encoding="utf-8")
    _notebook(tmp_path / "f.ipynb", output_text="12 fall")
    (tmp_path / "g.md").write_text("Se [E-POST] och [NAMN], @kommun", encoding="utf-8")
    skipped: list[str] = []
    (tmp_path / "h.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert scan_paths([tmp_path], known, skipped=skipped) == []
    assert skipped == [str(tmp_path / "h.png")]


def test_masked_value_never_equals_identifier(tmp_path: Path, known: KnownIdentifiers) -> None:
    planted = [PNR, PNR_SHORT, SAMORDNING, PHONE, EMAIL, RAW_NAME, CASE_NUMBER, "Per Ek"]
    path = tmp_path / "all.txt"
    path.write_text("\n".join(planted), encoding="utf-8")
    findings = scan_paths([path], known)
    assert len(findings) == len(planted)
    rendered = format_findings(findings)
    for value in planted:
        assert all(f.masked != value for f in findings)
        assert value not in rendered


def test_context_names_and_streets_from_raw_free_text(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a__form.csv").write_text(
        "Beskrivning;Kommun\n"
        "Möte med dr Lind och mamman Zelda på Smedjegatan 27B. Per Berg kom inte.;Vellinge\n",
        encoding="utf-8",
    )
    known = known_identifiers_from_raw(raw)
    assert {"zelda", "smedjegatan"} <= known.names
    assert {("dr", "lind"), ("per", "berg")} <= known.phrases
    assert "vellinge" not in known.names and "lind" not in known.names
    out = tmp_path / "out.txt"
    out.write_text("Per Berg\nberg och lind\ndr Lind\nSmedjegatan\n", encoding="utf-8")
    assert [f.location for f in scan_paths([out], known)] == ["rad 1", "rad 3", "rad 4"]


def test_raw_name_whole_word_only(tmp_path: Path, known: KnownIdentifiers) -> None:
    inside = tmp_path / "inside.txt"
    inside.write_text("Rosenqvistgatan och Gunillas och Annasson och granna", encoding="utf-8")
    findings = scan_paths([inside], known)
    # "Gunillas" is the genitive of a raw name; the others only contain one
    assert [(f.location, f.masked) for f in findings] == [("rad 1", "G***")]
    whole = tmp_path / "whole.txt"
    whole.write_text("möte med ROSENQVIST i går", encoding="utf-8")
    assert kinds(scan_paths([whole], known)) == {"namn från rådata"}


def test_without_known_identifiers_generic_patterns_still_found(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(f"{RAW_NAME} {PNR} {EMAIL}", encoding="utf-8")
    assert kinds(scan_paths([path], None)) == {"personnummer", "e-post"}


def test_broken_file_is_skipped_not_crashing(tmp_path: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    (tmp_path / "ok.txt").write_text(PNR, encoding="utf-8")
    skipped: list[str] = []
    findings = scan_paths([tmp_path], None, skipped=skipped)
    assert [f.file for f in findings] == [str(tmp_path / "ok.txt")]
    assert sorted(Path(s).name for s in skipped) == ["broken.parquet", "broken.pdf"]


def test_missing_path_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="finns inte"):
        scan_paths([tmp_path / "nope"], None)


def test_default_paths(tmp_path: Path) -> None:
    (tmp_path / "data" / "processed").mkdir(parents=True)
    (tmp_path / "reports").mkdir()
    assert default_paths(tmp_path) == [tmp_path / "data" / "processed", tmp_path / "reports"]
    for folder in ("logs", "data/coding", "data/group", "data/raw", "data/quarantine"):
        (tmp_path / folder).mkdir()
    # every output outside the private zones (raw data and quarantine hold personal data)
    assert default_paths(tmp_path) == [
        tmp_path / "data" / "processed",
        tmp_path / "data" / "coding",
        tmp_path / "data" / "group",
        tmp_path / "reports",
        tmp_path / "logs",
    ]


def test_format_findings() -> None:
    findings = [
        Finding("a.csv", "rad 2, kolumn x", "telefon", "07*-*** ** 67"),
        Finding("b.log", "rad 1", "personnummer", "19******-**12"),
    ]
    lines = format_findings(findings).splitlines()
    assert lines[0] == "a.csv: rad 2, kolumn x: telefon: 07*-*** ** 67"
    assert lines[-1] == "Läckkontroll: 2 fynd i 2 filer (personnummer 1, telefon 1)."
    assert format_findings([]) == "Läckkontroll: inga personuppgifter hittades."


def test_scan_staged_reads_the_index(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "config").mkdir()
    for name in ("leaks.yaml", "organisations.yaml"):
        (tmp_path / "config" / name).write_text(
            (CONFIG / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    (tmp_path / "notes.md").write_text(f"ring {PHONE}\n", encoding="utf-8")
    (tmp_path / "ok.md").write_text("inget här\n", encoding="utf-8")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "phone.txt").write_text(PHONE, encoding="utf-8")
    git("add", "notes.md", "ok.md", "tests/fixtures/phone.txt")
    # the working tree is cleaned after staging: the staged content still counts
    (tmp_path / "notes.md").write_text("rensad\n", encoding="utf-8")
    findings = scan_staged(tmp_path)
    # the phone in an excluded fixture is no finding (identity numbers would be)
    assert [(f.file, f.location, f.kind) for f in findings] == [("notes.md", "rad 1", "telefon")]


def test_names_of_things_in_raw_free_text_are_not_taken_for_people(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "2025HT"
    raw.mkdir(parents=True)
    (raw / "svedala__lifecare.csv").write_text(
        "Avvikelsenummer;Händelsebeskrivning\n"
        "1;Ingen behörighet i Mina Planer. Mamman Amina ringde.\n",
        encoding="utf-8",
    )
    known = known_identifiers_from_raw(tmp_path / "raw")
    assert "mina" not in known.names
    assert "amina" in known.names


def test_names_that_are_words_need_context_in_raw_free_text(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "2025HT"
    raw.mkdir(parents=True)
    (raw / "svedala__lifecare.csv").write_text(
        "Avvikelsenummer;Händelsebeskrivning\n1;Dag efter dag utan svar. Mamman Rosa ringde.\n",
        encoding="utf-8",
    )
    known = known_identifiers_from_raw(tmp_path / "raw")
    assert "dag" not in known.names  # a sentence starting with "Dag" is not a name
    # after a role word it is (kept as the phrase, since "rosa" alone is a stop word)
    assert "rosa" in known.names or ("mamman", "rosa") in known.phrases


def test_clock_times_are_not_numbers_from_raw(tmp_path: Path, known: KnownIdentifiers) -> None:
    # Fractions of a second that happen to equal a raw number (99887766) are no leak...
    path = tmp_path / "run.log"
    path.write_text(
        "2026-11-30T12:01:02.99887766Z start\n"
        "2026-11-30 12:01:02,99887766 klart\n"
        "kl 12:01:02.99887766\n",
        encoding="utf-8",
    )
    assert scan_paths([path], known) == []
    # ...but the same number written beside a time still is
    path.write_text("2026-11-30T12:01:02Z ärende 99887766 klart\n", encoding="utf-8")
    assert kinds(scan_paths([path], known)) == {"nummer från rådata"}
