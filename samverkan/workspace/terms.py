"""Adding a term to the project and removing the demo, without editing YAML by hand.

params.yaml is the analysts' file, with their comments: it is edited as text, one line
at a time, never re-serialised.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from samverkan.project.atomic import write_text_atomic
from samverkan.project.errors import InputError
from samverkan.project.paths import ProjectPaths
from samverkan.project.settings import load_params, load_yaml
from samverkan.project.terms import parse_term, terms_of_year

DEMO_MARKER = ".demo-planted.json"
DEMO_FACIT = "demo-facit"


@dataclass(frozen=True)
class ExpectedExport:
    organisation: str  # the organisation's name
    system: str  # the system's label
    path: str  # data/raw/<TERM>/<slug>__<system>.<csv|xlsx>


def expected_exports(root: Path, term: str) -> list[ExpectedExport]:
    """The exports config/organisations.yaml and config/sources.yaml say a term needs."""
    paths = ProjectPaths(Path(root))
    orgs = (load_yaml(paths.config / "organisations.yaml") or {}).get("organisations") or {}
    systems = (load_yaml(paths.config / "sources.yaml") or {}).get("systems") or {}
    out = []
    for slug, org in orgs.items():
        for system in (org or {}).get("systems") or {}:
            label = str((systems.get(system) or {}).get("label") or system)
            out.append(
                ExpectedExport(
                    organisation=str(org.get("name") or slug),
                    system=label,
                    path=f"data/raw/{term}/{slug}__{system}.<csv|xlsx>",
                )
            )
    return out


def _compare_term(term: str, known: set[str]) -> str:
    """The same term last year when the project has it, else the term itself (none)."""
    parsed = parse_term(term)
    last_year = f"{parsed.year - 1}{parsed.half}"
    return last_year if last_year in known else term


def _insert_term_line(text: str, line: str) -> str:
    """Add ``line`` as the last entry of the ``terms:`` block (or turn ``terms: {}`` into
    a block holding it)."""
    empty = re.compile(r"(?m)^terms:[ \t]*(\{\s*\})?[ \t]*(#.*)?$")
    block = re.compile(r"(?m)^terms:[ \t]*(#.*)?\n((?:[ \t]+\S.*\n|[ \t]*#.*\n)*)")
    match = block.search(text)
    if match and match.group(2).strip():
        end = match.end(2)
        return text[:end] + line + "\n" + text[end:]
    match = empty.search(text)
    if not match:
        raise InputError("params.yaml", "avsnittet terms: saknas", "Återställ filen från git")
    return text[: match.start()] + "terms:\n" + line + text[match.end() :]


def new_term(root: Path, term: str) -> tuple[str, list[ExpectedExport]]:
    """Add ``term`` to params.yaml and create its folders; return (compare term, exports)."""
    try:
        code = parse_term(term).code
    except ValueError as exc:
        raise InputError(
            "params.yaml", str(exc), "Skriv terminen som 2026VT eller 2026HT"
        ) from None
    if code != term:
        raise InputError(
            "params.yaml", f"{term!r} skrivs {code}", f"Kör samverkan new-term {code}"
        ) from None
    paths = ProjectPaths(Path(root))
    params = load_params(paths.root)
    known = {str(t) for t in (params.get("terms") or {})}
    if code in known:
        raise InputError(
            "params.yaml", f"terminen {code} finns redan under terms", "Inget att göra"
        )
    compare = _compare_term(code, known)
    note = "" if compare != code else "  # ingen jämförelse: ingen termin året innan"
    text = paths.params.read_text(encoding="utf-8")
    write_text_atomic(
        paths.params, _insert_term_line(text, f"  {code}: {{compare: {compare}}}{note}")
    )
    for folder in (paths.raw / code, paths.coding / code):
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    return compare, expected_exports(paths.root, code)


def _demo_terms(paths: ProjectPaths) -> list[str]:
    """The terms the demo wrote, or an InputError saying why the data is not the demo's."""
    marker = paths.raw / DEMO_MARKER
    if not marker.is_file() or not (paths.raw / DEMO_FACIT).is_dir():
        raise InputError(
            paths.raw, "innehåller inte demodata", "remove-demo tar bara bort demons data"
        )
    demo_terms = [str(t) for t in json.loads(marker.read_text(encoding="utf-8"))["terms"]]
    present = sorted(p.name for p in paths.raw.iterdir() if re.match(r"^\d{4}(VT|HT)$", p.name))
    other = sorted(set(present) - set(demo_terms))
    if other:
        raise InputError(
            paths.raw,
            f"innehåller terminer som inte är demons: {', '.join(other)}",
            "Flytta undan riktiga exporter innan du tar bort demon; inget togs bort",
        )
    return demo_terms


def _demo_years(demo_terms: list[str]) -> list[str]:
    years = sorted({t[:4] for t in demo_terms})
    return [y for y in years if set(terms_of_year(y)) <= set(demo_terms)]


def _drop_entries(text: str, section: str, keys: list[str]) -> str:
    """Remove the lines of ``keys`` from the ``section:`` block; an emptied block is ``{}``."""
    for key in keys:
        text = re.sub(rf'(?m)^[ \t]+"?{re.escape(key)}"?[ \t]*:.*\n', "", text)
    block = re.compile(rf"(?m)^{section}:[ \t]*(#.*)?\n(?![ \t]+\S)")
    return block.sub(f"{section}: {{}}\n", text, count=1)


def _drop_lock_entries(paths: ProjectPaths, terms: list[str], years: list[str]) -> None:
    lock = paths.root / "dvc.lock"
    if not lock.is_file():
        return
    data = load_yaml(lock) or {}
    stages = data.get("stages") or {}
    gone = {*terms, *years}
    kept = {name: s for name, s in stages.items() if name.partition("@")[2] not in gone}
    if kept != stages:
        import yaml

        data["stages"] = kept
        write_text_atomic(lock, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _clear_follow_up_log(paths: ProjectPaths) -> None:
    log = paths.group / "uppfoljning.csv"
    if log.is_file() and "DEMO" in log.read_text(encoding="utf-8"):
        write_text_atomic(log, "år,förslag_id,förslag,status,kommentar\n")


def remove_demo(root: Path) -> list[str]:
    """Remove the demo's raw data, terms, years, sheets and outputs; return what went.

    Refuses (InputError, nothing removed) when data/raw holds anything but the demo.
    """
    paths = ProjectPaths(Path(root))
    terms = _demo_terms(paths)
    years = _demo_years(terms)
    removed = []
    targets = [paths.raw / DEMO_FACIT, paths.raw / DEMO_MARKER]
    for period in [*terms, *years]:
        targets += [paths.raw / period, paths.coding / period, paths.processed / period]
        targets += [paths.quarantine / period, paths.period_reports(period)]
    targets += [paths.group / year for year in years]
    for target in targets:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        else:
            continue
        removed.append(target.relative_to(paths.root).as_posix())
    _clear_follow_up_log(paths)
    text = paths.params.read_text(encoding="utf-8")
    text = _drop_entries(_drop_entries(text, "terms", terms), "years", years)
    write_text_atomic(paths.params, text)
    _drop_lock_entries(paths, terms, years)
    return removed
