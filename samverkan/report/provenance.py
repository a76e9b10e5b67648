"""Provenance: which raw files (by hash), which codebook, which code, and when.

Every report carries this, so a reader can tell exactly what produced it. Nothing here
holds personal data: raw files are named by their path inside data/raw/ (organisation and
system) and identified by their SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import samverkan
from samverkan.project.paths import ProjectPaths

log = logging.getLogger(__name__)

RAW_SUFFIXES = {".csv", ".xlsx"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def raw_files(root: Path, terms: Iterable[str]) -> list[dict[str, Any]]:
    """The raw export files of the given terms, with size and SHA-256, sorted by path."""
    raw = ProjectPaths(Path(root)).raw
    rows = []
    for term in terms:
        folder = raw / str(term)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in RAW_SUFFIXES and "__" in path.name:
                rows.append(
                    {
                        "file": path.relative_to(raw).as_posix(),
                        "bytes": path.stat().st_size,
                        "sha256": file_sha256(path),
                    }
                )
    return rows


def code_version(root: Path) -> str:
    """``git describe`` of the project (with -dirty when changed), else the package version."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=10"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return f"{samverkan.__version__}+{out.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        return samverkan.__version__


def codebook_version(root: Path) -> dict[str, str]:
    path = ProjectPaths(Path(root)).config / "codebook.yaml"
    if not path.exists():
        return {"version": "saknas", "sha256": ""}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    version = str(data.get("version", "okänd")) if isinstance(data, dict) else "okänd"
    return {"version": version, "sha256": file_sha256(path)}


def generated_at() -> datetime:
    """Now (UTC), or SOURCE_DATE_EPOCH when set, for byte-reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


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
            "Rådatafil": [r["file"] for r in rows],
            "Storlek (byte)": [r["bytes"] for r in rows],
            "SHA-256": [r["sha256"] for r in rows],
        }
    )
