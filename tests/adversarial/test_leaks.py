"""Adversarial corpus of the leak scanner: every form of identifier a hostile or careless
input takes, in every kind of output the project writes, is found; the same outputs
without it give no finding.

Identity numbers are built at run time from ../shared/testdata/personnummer (this file
holds none); names, phones and addresses are invented. Each case is one (file kind,
identifier form) pair and asserts the kind of the finding.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONFIG, SHARED_TESTDATA
from openpyxl import Workbook
from openpyxl.comments import Comment

from samverkan.privacy.leaks import (
    KnownIdentifiers,
    known_identifiers_from_raw,
    scan_commit_message,
    scan_paths,
)

RAW_NAME = "Gunilla Rosenqvist"
CLEAN = "Kallelsen till SIP uteblev; BUP och socialtjänsten saknade rutin."


def _vector(kind: str) -> str:
    vectors = json.loads((SHARED_TESTDATA / "personnummer" / "list.json").read_text("utf-8"))
    return next(
        v for v in vectors if v["valid"] and v["type"] == kind and "-" in v["separated_long"]
    )["long_format"]


def _interim() -> str:
    vectors = json.loads((SHARED_TESTDATA / "personnummer" / "interim.json").read_text("utf-8"))
    return next(v for v in vectors if v["valid"])["separated_format"]


P, C = _vector("ssn"), _vector("con")  # CCYYMMDDNNNN
FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")

# identifier form -> (text, kind of finding)
FORMS: dict[str, tuple[str, str]] = {
    "pnr dotted": (f"{P[2:4]}.{P[4:6]}.{P[6:8]}-{P[8:]}", "personnummer"),
    "pnr grouped": (f"{P[2:4]} {P[4:6]} {P[6:8]}-{P[8:]}", "personnummer"),
    "pnr fullwidth": (f"{P[2:8]}-{P[8:]}".translate(FULLWIDTH), "personnummer"),
    "pnr zero-width split": (f"{P[2:5]}\u200b{P[5:8]}-\u200d{P[8:]}", "personnummer"),
    "pnr bidi controls": (f"\u2066{P[:8]}\u2069\u202a-{P[8:]}\u202c", "personnummer"),
    "samordningsnummer dotted": (f"{C[2:4]}.{C[4:6]}.{C[6:8]}-{C[8:]}", "personnummer"),
    "interim number": (_interim(), "personnummer"),
    "phone with dots": ("070.123.45.67", "telefon"),
    "phone with letter O": ("O7O-123 45 67", "telefon"),
    "e-mail written out": ("g.rosenqvist snabel-a kommun punkt se", "e-post"),
    "name with soft hyphens": ("Gun\u00adilla Rosen\u00adqvist", "namn från rådata"),
    "name with zero-width space": ("Gunilla Rosen\u200bqvist", "namn från rådata"),
}


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> KnownIdentifiers:
    raw = tmp_path_factory.mktemp("raw") / "2025HT"
    raw.mkdir()
    (raw / "svedala__lifecare.csv").write_text(
        f"Avvikelsenummer;Händelsebeskrivning;Handläggare\n1;Kallelse uteblev;{RAW_NAME}\n",
        encoding="utf-8",
    )
    return known_identifiers_from_raw(raw.parent)


# --- writers: one output file holding ``text`` (None: the clean version) ------------------


def _html(folder: Path, text: str) -> Path:
    path = folder / "terminsrapport-2025HT.html"
    path.write_text(f"<html><body><p>{CLEAN}</p><blockquote>{text}</blockquote></body></html>",
                    encoding="utf-8")  # fmt: skip
    return path


def _pdf(folder: Path, text: str) -> Path:
    from weasyprint import HTML

    path = folder / "arsrapport-2025.pdf"
    HTML(string=f'<html><head><meta charset="utf-8"></head><body><p>{CLEAN}</p>'
                f"<p>Citat: {text}</p></body></html>").write_pdf(path)  # fmt: skip
    return path


def _parquet(folder: Path, text: str) -> Path:
    path = folder / "cases.parquet"
    pd.DataFrame({"case_id": ["a", "b"], "description": [CLEAN, f"Status: {text}"]}).to_parquet(
        path
    )
    return path


def _csv(folder: Path, text: str) -> Path:
    path = folder / "reconciliation.csv"
    path.write_text(f"fil;kommentar\nsvedala__lifecare.csv;{text}\n", encoding="utf-8")
    return path


def _json(folder: Path, text: str) -> Path:
    path = folder / "ingest.json"
    path.write_text(json.dumps({"rule": CLEAN, "notes": [text]}, ensure_ascii=False), "utf-8")
    return path


def _sheet(path: Path, cell: str, comment: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Kodning"
    ws.append(["Fall-id", "Avidentifierad text", "Analytikerns anteckning"])
    ws.append(["2025HT-001", CLEAN, cell])
    if comment:
        ws["B2"].comment = Comment(comment, "analytiker")
    wb.save(path)
    return path


def _xlsx_cell(folder: Path, text: str) -> Path:
    return _sheet(folder / "kodning.xlsx", text)


def _xlsx_backup_comment(folder: Path, text: str) -> Path:
    return _sheet(folder / "kodning.bak.xlsx", "", comment=text or None)


def _qdpx(folder: Path, text: str) -> Path:
    path = folder / "fall-2025HT.qdpx"
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0">'
           '<Sources><TextSource guid="0f6c2d1e-1111-4222-8333-944445555666" name="2025HT-001"/>'
           "</Sources></Project>")  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/0f6c2d1e-1111-4222-8333-944445555666.txt", f"{CLEAN}\n{text}")
    return path


def _file_name(folder: Path, text: str) -> Path:
    path = folder / f"bilaga {text}.txt".replace("/", "_")
    path.write_text(CLEAN, encoding="utf-8")
    return path


WRITERS: dict[str, Callable[[Path, str], Path]] = {
    "html": _html,
    "pdf": _pdf,
    "parquet": _parquet,
    "csv": _csv,
    "json": _json,
    "xlsx cell": _xlsx_cell,
    "xlsx backup comment": _xlsx_backup_comment,
    "qdpx member": _qdpx,
    "file name": _file_name,
}

# Every writer with several forms, every form in at least one file kind.
CASES = [
    ("html", "pnr dotted"),
    ("html", "name with soft hyphens"),
    ("html", "e-mail written out"),
    ("pdf", "pnr grouped"),
    ("pdf", "name with soft hyphens"),
    ("pdf", "phone with dots"),
    ("parquet", "pnr zero-width split"),
    ("parquet", "phone with letter O"),
    ("parquet", "name with zero-width space"),
    ("csv", "pnr fullwidth"),
    ("csv", "samordningsnummer dotted"),
    ("json", "pnr bidi controls"),
    ("json", "interim number"),
    ("xlsx cell", "pnr dotted"),
    ("xlsx cell", "name with soft hyphens"),
    ("xlsx cell", "phone with dots"),
    ("xlsx backup comment", "pnr grouped"),
    ("xlsx backup comment", "name with zero-width space"),
    ("qdpx member", "pnr dotted"),
    ("qdpx member", "e-mail written out"),
    ("qdpx member", "name with soft hyphens"),
    ("file name", "pnr grouped"),
    ("file name", "name with soft hyphens"),
    ("file name", "phone with dots"),
]


@pytest.mark.parametrize(("writer", "form"), CASES, ids=[f"{w}: {f}" for w, f in CASES])
def test_identifier_in_output_is_found(
    tmp_path: Path, known: KnownIdentifiers, writer: str, form: str
) -> None:
    text, kind = FORMS[form]
    WRITERS[writer](tmp_path, text)
    findings = scan_paths([tmp_path], known)
    assert kind in {f.kind for f in findings}, (writer, form, findings)
    raw_text = text.replace("\u00ad", "").replace("\u200b", "")
    assert all(raw_text not in f.masked and raw_text not in f.file for f in findings)


@pytest.mark.parametrize("writer", list(WRITERS))
def test_clean_output_gives_no_finding(
    tmp_path: Path, known: KnownIdentifiers, writer: str
) -> None:
    WRITERS[writer](tmp_path, "Åtgärd: ny rutin 2025-10-08, 3 fall")
    assert scan_paths([tmp_path], known) == []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("projekt")
    (root / "config").mkdir()
    for name in ("leaks.yaml", "organisations.yaml"):
        (root / "config" / name).write_text((CONFIG / name).read_text("utf-8"), "utf-8")
    raw = root / "data" / "raw" / "2025HT"
    raw.mkdir(parents=True)
    (raw / "svedala__lifecare.csv").write_text(
        f"Avvikelsenummer;Handläggare\n1;{RAW_NAME}\n", encoding="utf-8"
    )
    return root


@pytest.mark.parametrize("form", list(FORMS))
def test_identifier_in_commit_message_is_found(project: Path, form: str) -> None:
    text, kind = FORMS[form]
    findings = scan_commit_message(f"Rätta importen\n\nGäller {text}.\n", project)
    assert [f.kind for f in findings] == [kind], form


def test_clean_commit_message(project: Path) -> None:
    assert (
        scan_commit_message("Rätta datumtolkningen i LifeCare-exporten (2025HT)\n", project) == []
    )
