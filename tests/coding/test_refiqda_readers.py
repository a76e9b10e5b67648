"""The REFI-QDA files checked by programs this project did not write: the standard's own
schemas (xmlschema), an independent reader from the package index (pyrefiqda) and, when a
QualCoder source tree is at hand, QualCoder's own import code run headless.

Each check also runs on a deliberately broken file, so that it can fail.
"""

from __future__ import annotations

import importlib.util
import os
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xmlschema
from coding_helpers import BOOK, VOCAB, make_cases
from conftest import FIXTURES
from pyrefiqda import RefiCodebook, RefiProject

from samverkan.coding.code import code_term
from samverkan.coding.refiqda import NS_PROJECT, export_codebook, export_project

SCHEMAS = FIXTURES / "refiqda"
# texts that trip readers: Windows and old Mac line ends, Word's breaks, a NUL, non-ASCII
TEXTS = {
    "00000000a1": "Psykiatrin uteblev från SIP-mötet.\r\nIngen ersättare kom.\r\n",
    "00000000a2": "Vi har sökt handläggaren i tre veckor\rutan återkoppling.\x0bÅtgärd saknas.",
    "00000000a3": "Inloggningen till Mina Planer fungerade inte\x00, rutinen följdes inte.",
    "00000000a4": "Ok.",
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("refiqda")
    cases = make_cases(TEXTS)
    cases.loc[0, "action"] = "Rutinen ses över.\r\nUppföljning i maj."
    coded = code_term(cases, None, BOOK, VOCAB)
    return (
        export_project(coded, BOOK, folder / "fall.qdpx"),
        export_codebook(BOOK, folder / "kodbok.qdc"),
    )


def _schema(name: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / name)


def _members(qdpx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(qdpx) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


# ---- the standard's schemas ------------------------------------------------------------


def test_codebook_and_project_are_valid_against_the_refi_qda_schemas(exported):
    qdpx, qdc = exported
    members = _members(qdpx)
    codebook, project = _schema("Codebook-mrt2019.xsd"), _schema("Project-mrt2019.xsd")
    for name, schema, data in [
        ("kodbok.qdc", codebook, qdc.read_bytes()),
        ("kodbok.qdc i .qdpx", codebook, members["kodbok.qdc"]),
        ("project.qde", project, members["project.qde"]),
    ]:
        errors = [str(e).splitlines()[0] for e in schema.iter_errors(ET.fromstring(data))]
        assert not errors, f"{name}: {errors[:3]}"


def test_the_schema_check_can_fail(exported):
    root = ET.fromstring(_members(exported[0])["project.qde"])
    sel = next(root.iter(f"{{{NS_PROJECT}}}PlainTextSelection"))
    del sel.attrib["startPosition"]  # required by Project.xsd
    assert not _schema("Project-mrt2019.xsd").is_valid(root)


# ---- what every reader relies on ----------------------------------------------------------


def test_code_names_are_unique_across_the_whole_codebook(exported):
    names = [c["name"] for c in _codes(exported[1])]
    assert len(names) == 2 + len(BOOK.causes) + len(BOOK.categories)
    assert len({n.casefold() for n in names}) == len(names), names
    # the project's codebook has a cause and a category of the same label
    assert {"Rutiner", "Rutiner (kategori)", "Tekniska hinder (kategori)"} <= set(names)


def _codes(qdc: Path) -> list[dict]:
    root = ET.parse(qdc).getroot()
    return [{"name": c.get("name"), "guid": c.get("guid")} for c in root.iter() if
            c.tag.endswith("}Code")]  # fmt: skip


def test_texts_have_lf_line_ends_and_the_spans_are_counted_on_them(exported):
    members = _members(exported[0])
    root = ET.fromstring(members["project.qde"])
    for src in root.iter(f"{{{NS_PROJECT}}}TextSource"):
        raw = members["sources/" + src.get("plainTextPath").removeprefix("internal://")]
        text = raw.decode("utf-8")
        assert b"\r" not in raw and "\x00" not in text and "\x0b" not in text
        for sel in src.iter(f"{{{NS_PROJECT}}}PlainTextSelection"):
            assert (int(sel.get("startPosition")), int(sel.get("endPosition"))) == (0, len(text))


# ---- an independent reader: pyrefiqda ---------------------------------------------------


def test_pyrefiqda_reads_every_coding_onto_a_code_and_the_right_text(exported, tmp_path):
    qdpx, qdc = exported
    project = RefiProject.load(qdpx, extract_dir=str(tmp_path / "ut"))
    codes = _flatten(project.code_book.codes.code)
    assert len(codes) == 2 + len(BOOK.causes) + len(BOOK.categories)
    assert len({c.name.casefold() for c in codes}) == len(codes)
    guids = {c.guid for c in codes if c.is_codable}
    sources = project.sources.text_source
    assert sorted(s.name for s in sources) == sorted(f"2025VT-{k}" for k in TEXTS)
    n_codings = 0
    for src in sources:
        path = RefiProject.resolve_source_path(src.plain_text_path, tmp_path / "ut")
        text = path.read_text(encoding="utf-8")  # universal newlines, as most readers do
        assert text == path.read_bytes().decode("utf-8")
        for sel in src.plain_text_selection:
            assert text[sel.start_position : sel.end_position] == text
            for coding in sel.coding:
                assert coding.code_ref.target_guid in guids
                n_codings += 1
    assert n_codings >= len(TEXTS) + 2  # a category each, and at least two causes
    book = RefiCodebook.load(qdc)
    assert [c.name for c in _flatten(book.codes.code)] == [c.name for c in codes]


def _flatten(codes) -> list:
    out = []
    for c in codes or []:
        out.append(c)
        out.extend(_flatten(c.code))
    return out


# ---- QualCoder's own import, when its source is at hand ---------------------------------

QUALCODER = os.environ.get("QUALCODER_SRC")  # the src folder of a QualCoder checkout
needs_qualcoder = pytest.mark.skipif(
    not QUALCODER or importlib.util.find_spec("PyQt6") is None,
    reason="QualCoder-källkod (QUALCODER_SRC=.../QualCoder/src) eller PyQt6 saknas; "
    "se dev/samverkan_dev/qualcoder_check.py",
)


@needs_qualcoder
def test_qualcoder_imports_every_code_coding_and_span(exported, tmp_path):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from samverkan_dev.qualcoder_check import run_import

    qdpx, qdc = exported
    result = run_import(qdpx, Path(QUALCODER))
    assert result.codes_in_file == len(BOOK.causes) + len(BOOK.categories)
    assert result.ok() and result.codings >= len(TEXTS) + 2, result
    assert run_import(qdc, Path(QUALCODER)).ok()
    # the controls: a category named like a cause loses its codings there, and a text with
    # CR LF whose positions count both characters gives wrong spans
    members = _members(qdpx)
    members["project.qde"] = members["project.qde"].replace(b"Rutiner (kategori)", b"Rutiner")
    before = run_import(_zip(tmp_path / "samma-namn.qdpx", members), Path(QUALCODER))
    assert before.codes_arrived == before.codes_in_file - 1 and before.codings_without_code > 0
    members = _with_crlf_text(_members(qdpx))
    before = run_import(_zip(tmp_path / "crlf.qdpx", members), Path(QUALCODER))
    assert before.codings_without_code == 0 and before.wrong_spans > 0


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _with_crlf_text(members: dict[str, bytes]) -> dict[str, bytes]:
    """The first source with a line break written with CR LF, its spans counted on that."""
    root = ET.fromstring(members["project.qde"])
    for src in root.iter(f"{{{NS_PROJECT}}}TextSource"):
        member = "sources/" + src.get("plainTextPath").removeprefix("internal://")
        if b"\n" in members[member]:
            members[member] = members[member].replace(b"\n", b"\r\n")
            end = str(len(members[member].decode("utf-8")))
            for sel in src.iter(f"{{{NS_PROJECT}}}PlainTextSelection"):
                sel.set("endPosition", end)
            break
    members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return members
