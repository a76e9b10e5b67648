from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
import zipfile

import pytest
from coding_helpers import BOOK, VOCAB, make_cases

from samverkan.coding.code import code_term
from samverkan.coding.refiqda import (
    NS_PROJECT,
    code_guid,
    export_codebook,
    export_project,
    import_codebook,
)
from samverkan.project.errors import InputError


def test_codebook_round_trip_with_stable_guids(tmp_path):
    path = export_codebook(BOOK, tmp_path / "kodbok.qdc")
    root = ET.parse(path).getroot()
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    codes = import_codebook(path)
    causes = [c for c in codes if c["parent"] == "Orsaker"]
    assert [c["id"] for c in causes] == BOOK.cause_ids
    assert [c["name"] for c in causes] == [c.label for c in BOOK.causes]
    assert [c["color"] for c in causes] == [c.color for c in BOOK.causes]
    assert all(c["is_codable"] for c in causes)
    assert causes[0]["guid"] == code_guid("cause", "kommunikation")
    assert BOOK.cause("sip").definition in causes[1]["description"]
    groups = [c for c in codes if c["parent"] is None]
    assert [g["name"] for g in groups] == ["Orsaker", "Kategorier"]
    assert not any(g["is_codable"] for g in groups)
    assert [c["id"] for c in codes if c["parent"] == "Kategorier"] == BOOK.category_ids
    # exporting twice gives the same bytes (stable guids, no timestamps)
    again = export_codebook(BOOK, tmp_path / "igen.qdc")
    assert again.read_bytes() == path.read_bytes()


def test_project_export(tmp_path):
    cases = make_cases({"00000000c1": "Psykiatrin uteblev från SIP-mötet.", "00000000c2": "Ok."})
    coded = code_term(cases, None, BOOK, VOCAB)
    path = export_project(coded, BOOK, tmp_path / "fall.qdpx")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        root = ET.fromstring(zf.read("project.qde"))
        texts = {n: zf.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    assert "project.qde" in names and len(texts) == 2
    ns = {"q": NS_PROJECT}
    sources = root.findall("q:Sources/q:TextSource", ns)
    assert [s.get("name") for s in sources] == ["2025VT-00000000c1", "2025VT-00000000c2"]
    first = sources[0]
    text = texts["sources/" + first.get("plainTextPath").removeprefix("internal://")]
    assert text == "Psykiatrin uteblev från SIP-mötet."
    refs = [r.get("targetGUID") for r in first.findall(".//q:CodeRef", ns)]
    assert code_guid("cause", "sip") in refs and code_guid("category", "rutiner") in refs
    sel = first.find("q:PlainTextSelection", ns)
    assert (sel.get("startPosition"), sel.get("endPosition")) == ("0", str(len(text)))
    code_guids = {c.get("guid") for c in root.iter(f"{{{NS_PROJECT}}}Code")}
    assert set(refs) <= code_guids


def test_import_reads_the_codebook_inside_a_project(tmp_path):
    cases = make_cases({"00000000d1": "Svar uteblev."})
    path = export_project(code_term(cases, None, BOOK, VOCAB), BOOK, tmp_path / "fall.qdpx")
    with zipfile.ZipFile(path) as zf:
        (tmp_path / "project.qde").write_bytes(zf.read("project.qde"))
    codes = import_codebook(tmp_path / "project.qde")
    assert [c["id"] for c in codes if c["parent"] == "Orsaker"] == BOOK.cause_ids


def test_project_export_is_reproducible_with_a_fixed_time(tmp_path):
    coded = code_term(make_cases({"00000000e1": "Svar uteblev.", "00000000e2": "Ok."}), None,
                      BOOK, VOCAB)  # fmt: skip
    when = dt.datetime(2025, 1, 2, 3, 4, 5)
    first = export_project(coded, BOOK, tmp_path / "a.qdpx", created=when)
    second = export_project(coded.iloc[::-1], BOOK, tmp_path / "b.qdpx", created=when)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        assert zf.namelist()[:2] == ["project.qde", "kodbok.qdc"]
        assert b'creationDateTime="2025-01-02T03:04:05Z"' in zf.read("project.qde")


def test_cause_description_carries_notes_and_id(tmp_path):
    codes = import_codebook(export_codebook(BOOK, tmp_path / "kodbok.qdc"))
    cause = BOOK.causes[0]
    desc = next(c["description"] for c in codes if c["id"] == cause.id)
    assert desc.startswith(cause.definition) and desc.endswith(f"[id: {cause.id}]")
    if cause.inclusion:
        assert f"Ta med: {cause.inclusion}" in desc


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "filen finns inte"), ("<a>", "ingen giltig XML-fil"), ("<a/>", "inget <Codes>")],
)
def test_import_errors_in_swedish(tmp_path, content, problem):
    path = tmp_path / "kodbok.qdc"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem):
        import_codebook(path)


def test_code_names_are_unique_whatever_the_labels():
    from samverkan.coding.codebook import codebook_from_dict
    from samverkan.coding.refiqda import code_names

    book = codebook_from_dict(
        {
            "version": "t",
            "categories": [
                {"id": "rutiner", "label": "Rutiner"},
                {"id": "orsaker", "label": "orsaker"},  # the name of a group, other case
                {"id": "annat", "label": "Rutiner (kategori)"},  # the name the first gets
            ],
            "causes": [
                {"id": "rut", "label": "Rutiner", "category": "rutiner", "definition": "D."},
                {"id": "sip", "label": "SIP", "category": "rutiner", "definition": "D."},
            ],
        },
        "kodbok.yaml",
    )
    names = code_names(book)
    assert names[("cause", "rut")] == "Rutiner" and names[("cause", "sip")] == "SIP"
    assert names[("category", "rutiner")] == "Rutiner (kategori)"
    assert names[("category", "orsaker")] == "orsaker (kategori)"
    assert names[("category", "annat")] == "Rutiner (kategori) (kategori)"
    assert len({n.casefold() for n in names.values()}) == len(names)
    # the project's own codebook: only the categories that share a cause's label change
    own = code_names(BOOK)
    changed = {k[1] for k, v in own.items() if k[0] == "category" and v.endswith("(kategori)")}
    assert changed == {"rutiner", "tekniska_hinder"}
