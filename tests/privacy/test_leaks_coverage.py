"""The leak scanner reads every output the way the de-identification does (normalised
first), in every part of a workbook or archive, and counts what it cannot read.

Identity numbers are built at run time from ../shared/testdata/personnummer (this file
holds none); names, phones and addresses are invented.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED_TESTDATA
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from samverkan.privacy.leaks import (
    UNREADABLE,
    Finding,
    KnownIdentifiers,
    identity_numbers,
    known_identifiers_from_raw,
    scan_paths,
)
from samverkan.privacy.normalise import normalise

VECTORS = SHARED_TESTDATA / "personnummer"
PHONE = "070-123 45 67"
RAW_NAME = "Gunilla Rosenqvist"


def _vectors(name: str) -> list[dict]:
    return json.loads((VECTORS / name).read_text("utf-8"))


def _valid(kind: str = "ssn") -> dict:
    return next(
        v
        for v in _vectors("list.json")
        if v["valid"] and v["type"] == kind and "-" in v["separated_long"]
    )


PNR = _valid()
D = PNR["long_format"]  # CCYYMMDDNNNN
KNOWN = KnownIdentifiers(names=frozenset({"gunilla", "rosenqvist"}))


def kinds(findings: list[Finding]) -> list[str]:
    return [f.kind for f in findings]


# --- identity numbers in any separator form ------------------------------------------------


@pytest.mark.parametrize("name", ["list.json", "interim.json"])
def test_identity_numbers_agree_with_the_shared_vectors(name: str) -> None:
    for vector in _vectors(name):
        for key in ("long_format", "short_format", "separated_format", "separated_long"):
            text = vector[key]
            if " " in text:
                continue  # the vectors call a space invalid; people write it (below)
            assert bool(identity_numbers(text)) is vector["valid"], text


def _forms() -> dict[str, str]:
    c, y, m, d, n = D[:2], D[2:4], D[4:6], D[6:8], D[8:]
    return {
        "dotted": f"{y}.{m}.{d}-{n}",
        "dotted serial": f"{y}.{m}.{d}.{n}",
        "grouped": f"{y} {m} {d}-{n}",
        "grouped, space before serial": f"{y} {m} {d} {n}",
        "space before serial": f"{y}{m}{d} {n}",
        "dashed date": f"{c}{y}-{m}-{d}-{n}",
        "grouped with century": f"{c}{y} {m} {d}-{n}",
        "en dash with spaces": f"{c}{y}{m}{d} \u2013 {n}",
        "no-break space": f"{y}{m}{d}\u00a0{n}",
        "fullwidth digits": "".join(chr(0xFF10 + int(ch)) for ch in f"{y}{m}{d}") + f"\uff0d{n}",
        "zero-width space": f"{y}{m}\u200b{d}-{n[:2]}\u200b{n[2:]}",
        "soft hyphen": f"{y}{m}{d}\u00ad-{n}",
        "bidi controls": f"\u202d{y}{m}{d}-{n}\u202c",
        "word joiner": f"{y}\u2060{m}{d}{n}",
        "in a sentence": f"Pnr:{y}{m}{d}-{n}, ring",
    }


@pytest.mark.parametrize(("form", "text"), list(_forms().items()))
def test_identity_number_forms_are_found(tmp_path: Path, form: str, text: str) -> None:
    assert identity_numbers(normalise(text)), form
    path = tmp_path / "out.txt"
    path.write_text(f"Gäller {text} enligt anteckning\n", encoding="utf-8")
    assert kinds(scan_paths([path], None)) == ["personnummer"], form


@pytest.mark.parametrize(
    "text",
    [
        f"{D[:4]}-{D[4:6]}-{D[6:8]} {D[8:]}",  # a date and a four-digit count
        f"kl 09:13:05.{D[2:]}Z",  # the fraction of a clock time
        f"3.{D[2:]}",  # the decimals of a number
        f"{D[2:4]} {D[4:6]} {D[6:8]} {D[8:10]} {D[10:]}",  # two-digit groups: no serial
        f"80e3f29d-{D[2:6]}-{D[6:10]}-bbeb-bb7b4fb12b37",  # a guid
    ],
)
def test_shapes_that_are_no_identity_number(tmp_path: Path, text: str) -> None:
    path = tmp_path / "out.txt"
    path.write_text(text, encoding="utf-8")
    assert "personnummer" not in kinds(scan_paths([path], None)), text


def test_raw_identity_number_with_a_wrong_check_digit_is_found_in_any_form(
    tmp_path: Path,
) -> None:
    wrong = D[2:11] + str((int(D[11]) + 1) % 10)  # YYMMDDNNNC with a wrong check digit
    raw = tmp_path / "raw" / "2025HT"
    raw.mkdir(parents=True)
    (raw / "svedala__lifecare.csv").write_text(
        "Avvikelsenummer;Beskrivning\n"
        f"1;Gäller {wrong[:2]}.{wrong[2:4]}.{wrong[4:6]}-{wrong[6:]}\n",
        encoding="utf-8",
    )
    known = known_identifiers_from_raw(tmp_path / "raw")
    out = tmp_path / "out.txt"
    out.write_text(f"nummer {wrong[:6]} {wrong[6:]}\n", encoding="utf-8")
    assert kinds(scan_paths([out], known)) == ["nummer från rådata"]


# --- phones, e-mail addresses, names --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("070.123.45.67", "telefon"),
        ("O7O-123 45 67", "telefon"),
        ("o70 123 45 67", "telefon"),
        ("０７０－１２３ ４５ ６７", "telefon"),
        ("070\u200b-123 45 67", "telefon"),
        ("+46 (0)70-123 45 67", "telefon"),
        ("gunilla.r snabel-a kommun punkt se", "e-post"),
        ("g.rosenqvist(at)kommun.se", "e-post"),
        ("g.rosenqvist [at] kommun [punkt] se", "e-post"),
        ("g.rosenqvist at kommun.se", "e-post"),
        ("g.rosenqvist＠kommun.se", "e-post"),
    ],
)
def test_phones_and_addresses_in_the_forms_people_write(
    tmp_path: Path, text: str, kind: str
) -> None:
    path = tmp_path / "out.txt"
    path.write_text(f"Kontakt: {text}.\n", encoding="utf-8")
    assert kinds(scan_paths([path], None)) == [kind], text


@pytest.mark.parametrize(
    "text",
    ["mailing addresses at example.com", "look at config.yaml", "Boo 1234567", "0123456789"],
)
def test_prose_and_code_that_hold_no_contact(tmp_path: Path, text: str) -> None:
    path = tmp_path / "out.txt"
    path.write_text(text, encoding="utf-8")
    assert scan_paths([path], None) == []


@pytest.mark.parametrize(
    "text",
    [
        "Gun\u00adilla Rosen\u00adqvist",
        "Gunil\u200blla",  # a zero-width space inside the first name, then a typo
        "Rosen\u200bqvist",
        "\u202eGunilla\u202c",
        "ＧＵＮＩＬＬＡ",
    ],
)
def test_names_split_by_invisible_characters(tmp_path: Path, text: str) -> None:
    path = tmp_path / "out.txt"
    path.write_text(f"Möte med {text} i går", encoding="utf-8")
    found = kinds(scan_paths([path], KNOWN))
    if text.startswith("Gunil\u200blla"):
        assert found == []  # "Gunillla" is no raw name: only the split was undone
    else:
        assert found == ["namn från rådata"], text


def test_raw_names_split_in_the_raw_data_are_collected_whole(tmp_path: Path) -> None:
    (tmp_path / "a__form.csv").write_text(
        "Beskrivning;Handläggare\nok;Gun\u00adilla Rosen\u200bqvist\n", encoding="utf-8"
    )
    known = known_identifiers_from_raw(tmp_path)
    assert {"gunilla", "rosenqvist"} <= known.names and "gun" not in known.names


# --- workbooks, archives and what cannot be read --------------------------------------------


def _sheet(
    path: Path, cell: str = "ok", comment: str | None = None, name: str | None = None
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Kodning"
    ws.append(["Fall-id", "Avidentifierad text"])
    ws.append(["2025HT-001", cell])
    if comment:
        ws["B2"].comment = Comment(comment, "analytiker")
    if name:
        wb.defined_names["urval"] = DefinedName("urval", attr_text=f'"{name}"')
    ws.oddFooter.center.text = "Kodning 2025HT"
    wb.save(path)


def test_every_part_of_a_workbook(tmp_path: Path) -> None:
    pnr = f"{D[2:8]}-{D[8:]}"
    _sheet(tmp_path / "kodning.xlsx", cell=f"Ring {PHONE}", comment=f"Gäller {pnr}", name=RAW_NAME)
    findings = scan_paths([tmp_path / "kodning.xlsx"], KNOWN)
    where = {(f.kind, f.location) for f in findings}
    assert ("telefon", "blad Kodning, cell B2") in where
    assert any(k == "personnummer" and "comments" in loc for k, loc in where), where
    assert any(k == "namn från rådata" and "urval" in loc for k, loc in where), where
    # the clean parts (footer, sheet name, styles, the demo's header) give nothing else
    assert len(findings) == 3


def test_formula_is_read_as_written(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = f'=HYPERLINK("http://x.example/?q="&"{D[2:8]}-{D[8:]}")'
    wb.save(tmp_path / "kodning.bak.xlsx")
    assert kinds(scan_paths([tmp_path], None)) == ["personnummer"]


def _qdpx(path: Path, source_text: str, qde_extra: str = "") -> None:
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Avvikelser">\n'
        f'  <Sources><TextSource guid="80e3f29d-0635-5149-bbeb-bb7b4fb12b37" name="2025HT-001">'
        f"<Description>{qde_extra}</Description></TextSource></Sources>\n</Project>\n"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/80e3f29d-0635-5149-bbeb-bb7b4fb12b37.txt", source_text)


def test_refi_qda_members(tmp_path: Path) -> None:
    clean = tmp_path / "clean.qdpx"
    _qdpx(clean, "Kallelsen till SIP uteblev.")
    assert scan_paths([clean], KNOWN) == []
    leaky = tmp_path / "fall.qdpx"
    _qdpx(leaky, f"Ring {RAW_NAME}", qde_extra=f"tel {PHONE}")
    found = {(f.kind, f.location.split(",")[0]) for f in scan_paths([leaky], KNOWN)}
    assert found == {
        ("namn från rådata", "del Sources/80e3f29d-0635-5149-bbeb-bb7b4fb12b37.txt"),
        ("telefon", "del project.qde"),
    }


def test_archives_inside_archives_and_compressed_files(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("notes/anteckning.txt", f"pnr {D[2:8]}-{D[8:]}")
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    (tmp_path / "run.log.gz").write_bytes(gzip.compress(f"tel {PHONE}\n".encode()))
    found = sorted((Path(f.file).name, f.kind, f.location) for f in scan_paths([tmp_path], None))
    assert found == [
        ("export.zip", "personnummer", "del inner.zip, del notes/anteckning.txt, rad 1"),
        ("run.log.gz", "telefon", "rad 1"),
    ]


def test_what_cannot_be_read_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "broken.qdpx").write_bytes(b"PK\x03\x04 not a zip")
    with zipfile.ZipFile(tmp_path / "bilagor.zip", "w") as zf:
        zf.writestr("skanning.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
        zf.writestr("ok.txt", "inget här")
    (tmp_path / "empty.pdf").write_bytes(b"")  # an empty file holds nothing
    findings = scan_paths([tmp_path], None)
    assert sorted((Path(f.file).name, f.location) for f in findings) == [
        ("bilagor.zip", "del skanning.jpg"),
        ("broken.qdpx", "hela filen"),
        ("chart.png", "hela filen"),
    ]
    assert {f.kind for f in findings} == {UNREADABLE}
    skipped: list[str] = []
    assert scan_paths([tmp_path], None, skipped=skipped) == []
    assert len(skipped) == 3 and any(s.endswith("bilagor.zip (del skanning.jpg)") for s in skipped)


def test_utf16_text_is_read(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_bytes(f"a;b\n1;{PHONE}\n".encode("utf-16"))
    assert kinds(scan_paths([tmp_path], None)) == ["telefon"]


def test_file_names_are_scanned_and_shown_masked(tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "2025HT"
    folder.mkdir(parents=True)
    (folder / "gunilla_rosenqvist.html").write_text("<p>ok</p>", encoding="utf-8")
    (folder / f"{D[2:8]}-{D[8:]}.txt").write_text("ok", encoding="utf-8")
    findings = scan_paths([tmp_path / "reports"], KNOWN)
    assert sorted(f.kind for f in findings) == ["namn från rådata", "personnummer"]
    assert all(f.location == "filnamn" for f in findings)
    for f in findings:  # the name in the report line is masked
        assert "gunilla" not in f.file and D[2:8] not in f.file
    # the folders above the one scanned are not part of the name
    others = KnownIdentifiers(names=frozenset({"pytest"}))
    assert kinds(scan_paths([tmp_path / "reports"], others)) == ["personnummer"]


def test_html_character_references_hide_nothing(tmp_path: Path) -> None:
    encoded = "".join(f"&#{ord(ch)};" for ch in f"{D[2:8]}-{D[8:]}")
    (tmp_path / "r.html").write_text(f"<p>{encoded}</p><![CDATA[{PHONE}]]>", encoding="utf-8")
    assert sorted(kinds(scan_paths([tmp_path], None))) == ["personnummer", "telefon"]


def test_a_half_written_temporary_blocks_nothing_but_is_still_read(tmp_path: Path) -> None:
    """kill -9 while publishing leaves a truncated hidden temporary PDF: not an output, so
    it is no unreadable finding; personal data readable in a temporary still is one."""
    (tmp_path / ".terminsrapport-2025HT.123-abcdEFGH.tmp.pdf").write_bytes(b"%PDF-1.7\n%trunc")
    assert scan_paths([tmp_path], None) == []
    (tmp_path / ".cases.123-abcdEFGH.tmp.csv").write_text(f"a\n{PHONE}\n", encoding="utf-8")
    assert kinds(scan_paths([tmp_path], None)) == ["telefon"]
    (tmp_path / "terminsrapport-2025HT.pdf").write_bytes(b"%PDF-1.7\n%trunc")  # an output
    assert kinds(scan_paths([tmp_path], None)) == ["telefon", UNREADABLE]


def test_lock_files_of_an_open_sheet_are_no_output(tmp_path: Path) -> None:
    """Excel and LibreOffice keep a lock file beside an open sheet: the analyst's account
    name (Excel's in binary), never an output; the check must not fail while a sheet is
    open. The names of such files are still scanned."""
    (tmp_path / "~$kodning.xlsx").write_bytes(b"\x0bGunilla R\x00\x00\x00" * 10)
    (tmp_path / ".~lock.kodning.xlsx#").write_text("Gunilla,host,01.12.2026 09:00,", "utf-8")
    assert scan_paths([tmp_path], KNOWN) == []
    (tmp_path / ".~lock.gunilla.xlsx#").write_text("x", "utf-8")
    assert kinds(scan_paths([tmp_path], KNOWN)) == ["namn från rådata"]
