"""Exchange with qualitative-analysis tools in the REFI-QDA standard (NVivo, ATLAS.ti, MAXQDA,
QualCoder).

- ``export_codebook``: a codebook file ``.qdc`` (namespace ``urn:QDA-XML:codebook:1.0``), two
  groups: "Orsaker" (the causes) and "Kategorier" (the categories), each code with a stable
  guid (uuid5 of its id), name, isCodable, color and Description.
- Code names are unique across the whole codebook, case-insensitively (:func:`code_names`):
  QualCoder keeps codes in a table with unique names (it dropped the second "Rutiner" and
  every coding of it) and an analyst cannot tell two codes of one name apart in any tool,
  so a category that shares its label with a cause ("Rutiner", "Tekniska hinder") is
  named "Rutiner (kategori)".
- ``import_codebook``: reads a ``.qdc`` back into a list of code dicts.
- ``export_project``: a project ``.qdpx`` (zip with ``project.qde`` in
  ``urn:QDA-XML:project:1.0``, the codebook, one plain-text source per case under
  ``sources/`` (the folder QualCoder writes and pyrefiqda resolves ``internal://`` paths
  to; on a case-sensitive file system ``Sources/`` is not found) with the de-identified
  description, and a coding of the whole text per cause and for the category).
- Source texts have LF line ends only and no character XML cannot hold, and every position
  is counted in characters on exactly the text written (QualCoder reads texts with universal
  newlines: a CR LF counted as two characters would shift every later span).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from samverkan.coding.cells import clean_text, private_file
from samverkan.coding.codebook import Cause, Codebook
from samverkan.project.atomic import write_bytes_atomic
from samverkan.project.errors import InputError

log = logging.getLogger(__name__)

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
NS_PROJECT = "urn:QDA-XML:project:1.0"
ORIGIN = "samverkan"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:samverkan:kodbok")
_CATEGORY_COLORS = "#1B9E77 #D95F02 #7570B3 #E7298A #666666".split()
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)
_GROUPS = ("orsaker", "kategorier")
_KIND_WORDS = {"group": "grupp", "cause": "orsak", "category": "kategori"}


def code_guid(kind: str, code_id: str) -> str:
    """Stable guid of a code: the same id always gives the same guid (uuid5)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{code_id}"))


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


def _add_code(
    parent: ET.Element, ns: str, guid: str, name: str, codable: bool, color: str, text: str
) -> ET.Element:
    """One <Code> (with its <Description> when ``text``) under ``parent``."""
    el = ET.SubElement(
        parent,
        f"{{{ns}}}Code",
        {"guid": guid, "name": name, "isCodable": "true" if codable else "false", "color": color},
    )
    if text:
        ET.SubElement(el, f"{{{ns}}}Description").text = text
    return el


def _cause_description(cause: Cause) -> str:
    """Definition, inclusion and exclusion notes, and the id (read back by the import)."""
    desc = cause.definition
    if cause.inclusion:
        desc += f"\nTa med: {cause.inclusion}"
    if cause.exclusion:
        desc += f"\nTa inte med: {cause.exclusion}"
    return desc + f"\n[id: {cause.id}]"


def code_names(codebook: Codebook) -> dict[tuple[str, str], str]:
    """The name of every code, unique case-insensitively, keyed by (kind, id).

    Groups keep their names, causes their labels; a name already taken gets its kind in
    brackets ("Rutiner (kategori)"), and if even that is taken, also its id.
    """
    entries = [("group", g, g.capitalize()) for g in _GROUPS]
    entries += [("cause", c.id, c.label) for c in codebook.causes]
    entries += [("category", c.id, c.label) for c in codebook.categories]
    taken: set[str] = set()
    names: dict[tuple[str, str], str] = {}
    for kind, code_id, label in entries:
        word = _KIND_WORDS[kind]
        for name in (label, f"{label} ({word})", f"{label} ({word} {code_id})"):
            if name.casefold() not in taken:
                break
        taken.add(name.casefold())
        names[(kind, code_id)] = name
    return names


def _codes_element(ns: str, codebook: Codebook) -> ET.Element:
    """<Codes>: the group "Orsaker" with the causes, then "Kategorier" with the categories."""
    names = code_names(codebook)
    codes = ET.Element(f"{{{ns}}}Codes")
    causes = _add_code(
        codes, ns, code_guid("group", "orsaker"), names[("group", "orsaker")], False,
        "#444444", "Orsaker (noll eller flera per ärende)",
    )  # fmt: skip
    for c in codebook.causes:
        name = names[("cause", c.id)]
        _add_code(causes, ns, code_guid("cause", c.id), name, True, c.color, _cause_description(c))
    cats = _add_code(
        codes, ns, code_guid("group", "kategorier"), names[("group", "kategorier")], False,
        "#444444", "Kategori (en per ärende)",
    )  # fmt: skip
    for i, c in enumerate(codebook.categories):
        color = _CATEGORY_COLORS[i % len(_CATEGORY_COLORS)]
        text = f"{c.definition}\n[id: {c.id}]".strip()
        name = names[("category", c.id)]
        _add_code(cats, ns, code_guid("category", c.id), name, True, color, text)
    return codes


def _xml_bytes(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codebook_xml(codebook: Codebook) -> bytes:
    """The ``.qdc`` document as bytes."""
    root = ET.Element(
        f"{{{NS_CODEBOOK}}}CodeBook", {"origin": f"{ORIGIN} kodbok {codebook.version}"}
    )
    root.append(_codes_element(NS_CODEBOOK, codebook))
    return _xml_bytes(root, NS_CODEBOOK)


def export_codebook(codebook: Codebook, path: Path) -> Path:
    """Write the codebook as a REFI-QDA codebook file (.qdc), atomically."""
    return write_bytes_atomic(Path(path), codebook_xml(codebook))


def _read_codes(parent: ET.Element, ns: str, group: str | None, out: list[dict[str, Any]]) -> None:
    for el in parent.findall(f"{{{ns}}}Code"):
        desc_el = el.find(f"{{{ns}}}Description")
        desc = desc_el.text if desc_el is not None and desc_el.text else ""
        code_id = None
        if desc.rstrip().endswith("]") and "[id: " in desc:
            code_id = desc.rstrip()[desc.rfind("[id: ") + 5 : -1]
        out.append(
            {
                "guid": el.get("guid"),
                "name": el.get("name"),
                "is_codable": el.get("isCodable", "true").lower() == "true",
                "color": el.get("color"),
                "description": desc,
                "parent": group,
                "id": code_id,
            }
        )
        _read_codes(el, ns, el.get("name"), out)


def import_codebook(path: Path) -> list[dict[str, Any]]:
    """The codes of a REFI-QDA codebook (.qdc) or project (.qde) file, in document order.

    Each: guid, name, is_codable, color, description, parent (the name of the enclosing code
    or None) and id (the samverkan id when the file came from this project, else None).
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise InputError(path, "filen finns inte", "Ange sökvägen till en .qdc-fil") from None
    except ET.ParseError:
        raise InputError(
            path, "är ingen giltig XML-fil", "Exportera kodboken på nytt från verktyget"
        ) from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    codes = root.find(f"{{{ns}}}Codes") if root.tag.endswith("CodeBook") else None
    if codes is None:
        book = root.find(f"{{{ns}}}CodeBook")
        codes = book.find(f"{{{ns}}}Codes") if book is not None else None
    if codes is None:
        raise InputError(
            path, "innehåller inget <Codes>-element", "Ange en kodbok (.qdc) enligt REFI-QDA"
        )
    out: list[dict[str, Any]] = []
    _read_codes(codes, ns, None, out)
    return out


def _case_text(row: pd.Series) -> str:
    """The text of a case's source: description and action, with LF line ends only and
    without characters XML cannot hold (positions are counted on exactly this text)."""
    text = str(row["description"])
    action = row.get("action")
    if isinstance(action, str) and action.strip():
        text += f"\n\nÅtgärd: {action.strip()}"
    return clean_text(text)


def _project_root(codebook: Codebook, stamp: str, user: str) -> ET.Element:
    """<Project> with its user and codebook (the sources are added after)."""
    root = ET.Element(
        f"{{{NS_PROJECT}}}Project",
        {
            "name": f"Avvikelser i samverkan ({codebook.version})",
            "origin": ORIGIN,
            "creationDateTime": stamp,
        },
    )
    users = ET.SubElement(root, f"{{{NS_PROJECT}}}Users")
    ET.SubElement(users, f"{{{NS_PROJECT}}}User", {"guid": user, "name": "samverkan"})
    book = ET.SubElement(root, f"{{{NS_PROJECT}}}CodeBook")
    book.append(_codes_element(NS_PROJECT, codebook))
    return root


def _add_coding(
    src: ET.Element, case_id: str, kind: str, code_id: str, length: int, stamp: str, user: str
) -> None:
    """A selection of the whole text of a source, coded with one code."""
    sel = ET.SubElement(
        src,
        f"{{{NS_PROJECT}}}PlainTextSelection",
        {"guid": _guid("selection", case_id, kind, code_id), "name": case_id,
         "startPosition": "0", "endPosition": str(length),
         "creatingUser": user, "creationDateTime": stamp},
    )  # fmt: skip
    coding = ET.SubElement(
        sel,
        f"{{{NS_PROJECT}}}Coding",
        {"guid": _guid("coding", case_id, kind, code_id), "creatingUser": user},
    )
    ET.SubElement(coding, f"{{{NS_PROJECT}}}CodeRef", {"targetGUID": code_guid(kind, code_id)})


def _add_source(
    sources: ET.Element, row: pd.Series, cause_ids: list[str], stamp: str, user: str
) -> tuple[str, bytes]:
    """One case as a <TextSource> with its codings; (zip entry name, text bytes)."""
    case_id = str(row["case_id"])
    text = _case_text(row)
    sguid = _guid("source", case_id)
    src = ET.SubElement(
        sources,
        f"{{{NS_PROJECT}}}TextSource",
        {"guid": sguid, "name": case_id, "plainTextPath": f"internal://{sguid}.txt",
         "creatingUser": user, "creationDateTime": stamp},
    )  # fmt: skip
    ET.SubElement(src, f"{{{NS_PROJECT}}}Description").text = (
        f"Kodning: {row.get('coding')}; "
        f"kategori: {row.get('category')} ({row.get('category_source')})"
    )
    targets = [("cause", c) for c in cause_ids if bool(row.get(f"cause_{c}", False))]
    targets.append(("category", str(row["category"])))
    for kind, code_id in targets:
        _add_coding(src, case_id, kind, code_id, len(text), stamp, user)
    return f"sources/{sguid}.txt", text.encode("utf-8")


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    """A zip of ``entries`` with fixed entry dates (the same content gives the same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def export_project(
    coded: pd.DataFrame,
    codebook: Codebook,
    path: Path,
    *,
    created: dt.datetime | None = None,
) -> Path:
    """Write the coded, de-identified cases as a REFI-QDA project (.qdpx), atomically.

    One text source per case (its de-identified description and action); the final causes
    and the category are codings of the whole text. ``coded`` is a coded-cases table.
    """
    stamp = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    user = _guid("user", ORIGIN)
    root = _project_root(codebook, stamp, user)
    sources = ET.SubElement(root, f"{{{NS_PROJECT}}}Sources")
    files = dict(
        _add_source(sources, row, codebook.cause_ids, stamp, user)
        for _, row in coded.sort_values("case_id").iterrows()
    )
    entries = {"project.qde": _xml_bytes(root, NS_PROJECT), "kodbok.qdc": codebook_xml(codebook)}
    data = _zip_bytes(entries | files)
    log.info("REFI-QDA-projekt skrivet med %d källor", len(files))
    write_bytes_atomic(Path(path), data)
    private_file(Path(path))  # the analysts' material: owner only, like the sheet
    return Path(path)
