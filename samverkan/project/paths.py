"""Where things live, always relative to the project root, never to the current directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_MARKERS = ("params.yaml", "dvc.yaml")


class NoProjectRoot(FileNotFoundError):
    """Neither the current folder nor the installed package lies inside a project."""


def _find_root(here: Path) -> Path | None:
    for folder in (here, *here.parents):
        if all((folder / m).is_file() for m in _MARKERS):
            return folder
    return None


def project_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The project folder: ``SAMVERKAN_ROOT`` if set, else the nearest folder at or above
    ``start`` (default: cwd) that holds params.yaml and dvc.yaml, else the project the
    package is installed from (so that commands also work from another folder).
    """
    env = os.environ.get("SAMVERKAN_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    root = _find_root(here)
    if root is None and start is None:
        root = _find_root(Path(__file__).resolve().parent)
    if root is None:
        raise NoProjectRoot(
            f"ingen projektmapp (med {' och '.join(_MARKERS)}) i {here} eller ovanför. "
            "Kör kommandot i projektmappen eller sätt SAMVERKAN_ROOT till den"
        )
    return root


def config_dir(root: Path | None = None) -> Path:
    return ProjectPaths(root or project_root()).config


@dataclass(frozen=True)
class ProjectPaths:
    """The zones of the whole project (the folders that hold every term and year)."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def params(self) -> Path:
        return self.root / "params.yaml"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def coding(self) -> Path:
        return self.root / "data" / "coding"

    @property
    def quarantine(self) -> Path:
        return self.root / "data" / "quarantine"

    @property
    def group(self) -> Path:
        return self.root / "data" / "group"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def period_reports(self, period: str) -> Path:
        """reports/<TERM or YEAR>/"""
        return self.reports / str(period)

    def run_record(self, period: str, notebook_name: str) -> Path:
        """The executed notebook of a stage, kept as its run record."""
        return self.period_reports(period) / "notebooks" / notebook_name

    @classmethod
    def at(cls, root: str | os.PathLike[str] | None = None) -> ProjectPaths:
        return cls(Path(root).resolve() if root else project_root())


@dataclass(frozen=True)
class TermPaths:
    """The folders of one term, in the zones of decreasing sensitivity."""

    root: Path
    term: str

    @property
    def project(self) -> ProjectPaths:
        return ProjectPaths(self.root)

    @property
    def raw(self) -> Path:
        return self.project.raw / self.term

    @property
    def quarantine(self) -> Path:
        return self.project.quarantine / self.term

    @property
    def processed(self) -> Path:
        return self.project.processed / self.term

    @property
    def coding(self) -> Path:
        return self.project.coding / self.term

    @property
    def reports(self) -> Path:
        return self.project.period_reports(self.term)

    @property
    def cases(self) -> Path:
        return self.processed / "cases.parquet"

    @property
    def reconciliation(self) -> Path:
        return self.processed / "reconciliation.csv"

    @property
    def coded_cases(self) -> Path:
        return self.processed / "coded_cases.parquet"

    @property
    def coding_sheet(self) -> Path:
        return self.coding / "kodning.xlsx"

    @property
    def ingest_record(self) -> Path:
        """What ingest recorded about how it ran (the duplicate rule, term assignment)."""
        return self.processed / "ingest.json"

    @property
    def agreement(self) -> Path:
        return self.processed / "agreement.json"

    @classmethod
    def for_term(cls, term: str, root: str | os.PathLike[str] | None = None) -> TermPaths:
        return cls(Path(root).resolve() if root else project_root(), str(term))
