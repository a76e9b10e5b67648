"""Import a REFI-QDA project (.qdpx) or codebook (.qdc) with QualCoder's own import code,
headless, and count what arrived: a check against a program this project did not write.

QualCoder (https://github.com/ccbogel/QualCoder, LGPL-3) keeps its projects in SQLite with
unique code names and reads source texts with universal newlines; a codebook whose names
repeat, or a text with CR line ends whose positions were counted on the raw bytes, loses
codes and shifts spans there. This script runs ``qualcoder.refi.RefiImport`` unchanged on a
file and prints:

- codes: how many codable codes arrived in ``code_name`` of how many the file holds;
- codings without code: rows of ``code_text`` whose code did not arrive (``cid`` NULL);
- wrong spans: codings whose text in QualCoder differs from the file's text at the
  selection's positions (read as bytes, decoded, never newline-translated).

Only QualCoder's dialogs are replaced (the file dialog returns the given file, message
boxes are not shown) and its ``helpers`` module, which pulls in PDF and media libraries,
is replaced by a stub holding ``Message``. Needs PyQt6 and a QualCoder source tree
(``git clone https://github.com/ccbogel/QualCoder``; give its ``src`` folder)::

    QT_QPA_PLATFORM=offscreen python -m samverkan_dev.qualcoder_check \
        --qualcoder ~/QualCoder/src data/processed/2025HT/fall-2025HT.qdpx

Exit status 0 when every code arrived, no coding lacks its code and no span is wrong.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import types
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

# the tables of a new QualCoder project (its __main__.py) that the REFI-QDA import writes
_SCHEMA = """
CREATE TABLE source (id integer primary key, name text, fulltext text, mediapath text,
  memo text, owner text, date text, av_text_id integer, risid integer, unique(name));
CREATE TABLE annotation (anid integer primary key, fid integer, pos0 integer, pos1 integer,
  memo text, owner text, date text, unique(fid,pos0,pos1,owner));
CREATE TABLE attribute_type (name text primary key, date text, owner text, memo text,
  caseOrFile text, valuetype text);
CREATE TABLE attribute (attrid integer primary key, name text, attr_type text, value text,
  id integer, date text, owner text, unique(name,attr_type,id));
CREATE TABLE case_text (id integer primary key, caseid integer, fid integer, pos0 integer,
  pos1 integer, owner text, date text, memo text);
CREATE TABLE cases (caseid integer primary key, name text, memo text, owner text, date text,
  constraint ucm unique(name));
CREATE TABLE code_cat (catid integer primary key, name text, owner text, date text,
  memo text, supercatid integer, unique(name));
CREATE TABLE code_text (ctid integer primary key, cid integer, fid integer, seltext text,
  pos0 integer, pos1 integer, owner text, date text, memo text, avid integer,
  important integer, unique(cid,fid,pos0,pos1, owner));
CREATE TABLE code_name (cid integer primary key, name text, memo text, catid integer,
  owner text, date text, color text, supercid integer, unique(name));
CREATE TABLE journal (jid integer primary key, name text, jentry text, date text,
  owner text, unique(name));
"""
NS = "{urn:QDA-XML:project:1.0}"


@dataclass
class Result:
    codes_in_file: int
    codes_arrived: int
    codings: int
    codings_without_code: int
    wrong_spans: int

    def ok(self) -> bool:
        return (
            self.codes_arrived == self.codes_in_file
            and self.codings_without_code == 0
            and self.wrong_spans == 0
        )


class _App:
    """The parts of QualCoder's App object the REFI-QDA import uses."""

    def __init__(self, folder: Path) -> None:
        self.project_path = str(folder / "projekt.qda")
        (folder / "projekt.qda" / "documents").mkdir(parents=True)
        self.conn = sqlite3.connect(folder / "projekt.qda" / "data.qda")
        self.conn.executescript(_SCHEMA)
        self.settings = {"directory": str(folder), "codername": "default", "ai_enable": "False"}
        self.ai_models: list = []

    def write_config_ini(self, *_args) -> None:  # QualCoder's settings file: not touched
        return None


def _load_refi(qualcoder_src: Path):
    """QualCoder's refi module, with its heavy helpers module replaced by a Message stub."""
    from PyQt6 import QtWidgets

    sys.path.insert(0, str(qualcoder_src))
    helpers = types.ModuleType("qualcoder.helpers")

    class Message:  # QualCoder's message box: the text is not needed here
        def __init__(self, *_args, **_kwargs) -> None:
            pass

        def exec(self) -> int:
            return 0

    helpers.Message = Message
    sys.modules["qualcoder.helpers"] = helpers
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["qualcoder_check"])
    from qualcoder import refi

    return refi, app


class _Log:
    """Stands in for QualCoder's text pane; keeps what the import wrote."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def append(self, text: str) -> None:
        self.lines.append(str(text))


def _codable_codes(root: ET.Element) -> int:
    return sum(1 for c in root.iter() if c.tag.endswith("}Code") and c.get("isCodable") != "false")


def _file_texts(path: Path) -> dict[str, str]:
    """Each text source's name -> its text exactly as stored (no newline translation)."""
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        members = {n.lower(): n for n in zf.namelist()}  # "sources/" or "Sources/"
        out = {}
        for src in root.iter(f"{NS}TextSource"):
            name = src.get("plainTextPath", "").removeprefix("internal://")
            out[src.get("name")] = zf.read(members[f"sources/{name}".lower()]).decode("utf-8")
        return out


def run_import(path: Path, qualcoder_src: Path) -> Result:
    """Import ``path`` (.qdpx or .qdc) with QualCoder's RefiImport and count the outcome."""
    path = Path(path).resolve()
    refi, _app = _load_refi(Path(qualcoder_src).resolve())
    from PyQt6 import QtWidgets

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        copy = work / path.name  # QualCoder extracts beside the file
        copy.write_bytes(path.read_bytes())
        QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(copy), True))
        app = _App(work)
        refi.RefiImport(app, _Log(), "qdc" if path.suffix == ".qdc" else "qdpx")
        return _count(app.conn, path)


def _count(conn: sqlite3.Connection, path: Path) -> Result:
    if path.suffix == ".qdc":
        in_file = _codable_codes(ET.parse(path).getroot())
        arrived = conn.execute("select count(*) from code_name").fetchone()[0]
        return Result(in_file, arrived, 0, 0, 0)
    with zipfile.ZipFile(path) as zf:
        in_file = _codable_codes(ET.fromstring(zf.read("project.qde")))
    texts = _file_texts(path)
    rows = conn.execute(
        "select ct.cid, s.name, ct.pos0, ct.pos1, ct.seltext from code_text ct "
        "join source s on s.id = ct.fid"
    ).fetchall()
    wrong = sum(1 for _cid, name, p0, p1, sel in rows if texts[name][p0:p1] != sel)
    return Result(
        codes_in_file=in_file,
        codes_arrived=conn.execute("select count(*) from code_name").fetchone()[0],
        codings=len(rows),
        codings_without_code=sum(1 for r in rows if r[0] is None),
        wrong_spans=wrong,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qualcoder", type=Path, required=True, help="QualCoder's src folder")
    parser.add_argument("files", type=Path, nargs="+", help=".qdpx or .qdc files")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ok = True
    for path in args.files:
        r = run_import(path, args.qualcoder)
        print(
            f"{path.name}: {r.codes_arrived} av {r.codes_in_file} koder kom fram, "
            f"{r.codings_without_code} av {r.codings} kodningar utan kod, "
            f"{r.wrong_spans} fel textavsnitt"
        )
        ok = ok and r.ok()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
