"""Provenance: which raw files (by hash), which codebook, which code, and when.

Every report carries this, so a reader can tell exactly what produced it. Nothing here
holds personal data: a raw file is named by its term, organisation and system (read from
its name only when that is a validated export name of a known organisation and system)
and identified by its SHA-256; any other file in a term folder is "okänd fil" with its
hash. A raw file's own name never appears (it could be a person's).
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import samverkan
from samverkan.project.atomic import build_time
from samverkan.project.errors import UNKNOWN_FILE, export_name_parts, load_organisations
from samverkan.project.paths import ProjectPaths

log = logging.getLogger(__name__)

# Files in a term folder that are data (what ingest reads, or could be given by mistake);
# README files and hidden files (.gitkeep) are not.
RAW_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_data_file(path: Path) -> bool:
    name = path.name
    return (
        not name.startswith(".")
        and not name.casefold().startswith("readme")
        and path.suffix.casefold() in RAW_SUFFIXES
        and path.is_file()
        and not path.is_symlink()
    )


def _describe(path: Path, term: str, orgs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    systems = {slug: info["systems"] for slug, info in orgs.items()}
    parts = export_name_parts(path.name, systems)
    org, system = parts if parts else (None, None)
    label = f"{term} {org} {system}" if parts else f"{term} {UNKNOWN_FILE}"
    return {
        "term": term,
        "organisation": org,
        "organisation_name": orgs[org]["name"] if org else UNKNOWN_FILE,
        "system": system or "",
        "file": label,
        "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
    }


def raw_files(root: Path, terms: Iterable[str]) -> list[dict[str, Any]]:
    """The raw data files of the given terms by term, organisation, system, size and
    SHA-256 (never by their names), in term order, then by organisation, system, hash."""
    paths = ProjectPaths(Path(root))
    orgs = load_organisations(paths.config)
    rows = []
    for term in terms:
        folder = paths.raw / str(term)
        if not folder.is_dir():
            continue
        found = [_describe(p, str(term), orgs) for p in folder.iterdir() if _is_data_file(p)]
        found.sort(key=lambda r: (r["organisation"] is None, r["file"], r["sha256"]))
        rows.extend(found)
    return rows


# dvc.lock is the record of a build, not an input to it: DVC rewrites it during the run,
# and committing it must not change what the reports say they were built from.
_NOT_INPUTS = [".", ":(exclude)dvc.lock"]


def _git(root: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
    )
    return out.stdout.strip()


def code_version(root: Path) -> str:
    """The package version and the last commit of the project's inputs (everything but
    dvc.lock), with -dirty when they have uncommitted changes; the version alone outside
    a git checkout."""
    try:
        commit = _git(root, "log", "-1", "--format=%h", "--abbrev=10", "--", *_NOT_INPUTS)
        changed = _git(root, "status", "--porcelain", "--untracked-files=no", "--", *_NOT_INPUTS)
    except (OSError, subprocess.SubprocessError):
        return samverkan.__version__
    if not commit:
        return samverkan.__version__
    return f"{samverkan.__version__}+{commit}{'-dirty' if changed else ''}"


def codebook_version(root: Path) -> dict[str, str]:
    path = ProjectPaths(Path(root)).config / "codebook.yaml"
    if not path.exists():
        return {"version": "saknas", "sha256": ""}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    version = str(data.get("version", "okänd")) if isinstance(data, dict) else "okänd"
    return {"version": version, "sha256": file_sha256(path)}


def generated_at() -> datetime:
    """Now (UTC), or SOURCE_DATE_EPOCH when set, for byte-reproducible builds."""
    return build_time()


def collect(root: Path, terms: Iterable[str]) -> dict[str, Any]:
    root = Path(root)
    terms = [str(t) for t in terms]
    return {
        "terms": terms,
        "raw_files": raw_files(root, terms),
        "codebook": codebook_version(root),
        "code_version": code_version(root),
        "generated_at": generated_at().isoformat(),
    }


def provenance_table(root: Path, terms: list[str]) -> pd.DataFrame:
    """One row per raw file: the table the reports' appendix shows (Swedish headers)."""
    rows = raw_files(Path(root), terms)
    return pd.DataFrame(
        {
            "Termin": [r["term"] for r in rows],
            "Organisation": [r["organisation_name"] for r in rows],
            "System": [r["system"] for r in rows],
            "Storlek (byte)": [r["bytes"] for r in rows],
            "SHA-256": [r["sha256"] for r in rows],
        }
    )
