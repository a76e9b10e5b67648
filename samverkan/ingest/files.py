"""Finding a term's exports: ``<organisation>__<system>.<csv|xlsx>`` in its raw folder.

Every entry of a term folder is accounted for (``find_export_files``):

- an export name (``EXPECTED``) with a known organisation and system is read;
- the folder's own housekeeping files (``HOUSEKEEPING``: README.md, .gitkeep, .DS_Store,
  Thumbs.db, ...) hold no exports and are passed over;
- an office lock file (``~$x.xlsx`` from Excel, ``.~lock.x#`` from LibreOffice) means an
  export is open in a spreadsheet program: it holds no case data, only who opened the
  file, so it is never read; a warning says that the last saved version is read;
- anything else is refused with one line naming the file and the expected pattern: a
  slightly wrong name, another hidden or temporary file, a subfolder, a dangling link,
  a link that points out of ``data/raw``, or something that is not a regular file.

Raw file names are echoed only when they are safe (``shown_name``: every word of the
name is an organisation, a system, an extension or a short number); any other name may
be a person's and is referred to by its position in the folder instead.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

from samverkan.ingest.sources import SourceConfig
from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

# <organisation>__<system>.<ext>
FILE_NAME = re.compile(r"^(?P<org>[^._][^/]*?)__(?P<system>[^./]+)\.(?P<ext>[A-Za-z0-9]+)$")
EXTENSIONS = ("csv", "xlsx")
EXPECTED = "<organisation>__<system>.csv eller .xlsx"
HOUSEKEEPING = frozenset(
    {"readme.md", "readme.txt", ".gitkeep", ".gitignore", ".ds_store", "thumbs.db", "desktop.ini"}
)
LOCK_FILE = re.compile(r"^(?:~\$|\.~lock\.)(?P<locked>.+?)#?$")
_WORD = re.compile(r"[^\W_]+")
_SAFE_WORDS = frozenset({"csv", "xlsx", "xls", "txt", "md", "tmp", "export", "kopia", "copy"})
_MAX_SAFE_DIGITS = 4  # longer numbers may be a date of birth or part of an identity number


def shown_name(path: Path, config: SourceConfig, position: int | None = None) -> str:
    """How a file is named in messages: its name when every word in it is an organisation,
    a system, an extension or a number of at most four digits, else its position."""
    known = set(_SAFE_WORDS) | set(config.systems)
    for slug in config.organisations:
        known.update(_WORD.findall(slug.lower()))
    words = _WORD.findall(path.name.lower())
    if words and all(w in known or (w.isdigit() and len(w) <= _MAX_SAFE_DIGITS) for w in words):
        return path.name
    where = f"nr {position} i namnordning" if position is not None else "utan visat namn"
    return f"filen {where} (namnet visas inte: det kan innehålla personuppgifter)"


def parse_file_name(path: Path, config: SourceConfig) -> tuple[str, str] | None:
    """(organisation, system) of an export file name; None for names not of the pattern.

    Raises InputError for an export-like name with an unknown organisation or system, a
    system the organisation does not use, or an unsupported extension.
    """
    m = FILE_NAME.match(path.name)
    if not m:
        return None
    org, system, ext = m.group("org").lower(), m.group("system").lower(), m.group("ext").lower()
    where = path.parent / shown_name(path, config)
    if ext not in EXTENSIONS:
        raise InputError(where, f"filändelsen .{ext} stöds inte", f"Spara exporten som {EXPECTED}")
    if org not in config.organisations:
        raise InputError(
            where,
            "okänd organisation i filnamnet",
            f"Byt namn på filen till {EXPECTED} med en organisation bland "
            f"{', '.join(sorted(config.organisations))}, "
            "eller lägg till organisationen i config/organisations.yaml",
        )
    if system not in config.systems:
        raise InputError(
            where,
            "okänt system i filnamnet",
            f"Byt namn på filen till {EXPECTED} med ett system bland "
            f"{', '.join(config.systems)}, eller lägg till systemet i config/sources.yaml",
        )
    if system not in config.organisations[org].systems:
        raise InputError(
            where,
            f"organisationen {org} har inte systemet {system} i config/organisations.yaml",
            "Kontrollera filnamnet, eller lägg till systemet och dess avvikelsetyper där",
        )
    return org, system


def _refuse(raw_dir: Path, shown: str, problem: str, fix: str) -> InputError:
    return InputError(raw_dir / shown, problem, fix)


def _check_link(path: Path, raw_root: Path, raw_dir: Path, shown: str) -> None:
    """A link must point at an existing file inside data/raw."""
    target = Path(os.path.realpath(path))
    if not target.exists():
        raise _refuse(
            raw_dir,
            shown,
            "länken pekar på en fil som inte finns",
            f"Ta bort länken och lägg exporten själv i mappen som {EXPECTED}",
        )
    if not target.is_relative_to(raw_root):
        raise _refuse(
            raw_dir,
            shown,
            "länken pekar ut ur data/raw, där rådata ska ligga",
            f"Kopiera exporten in i mappen som {EXPECTED} i stället för att länka",
        )


def _lock_warning(path: Path, raw_dir: Path, config: SourceConfig) -> None:
    m = LOCK_FILE.match(path.name)
    locked = shown_name(Path(m.group("locked") if m else path.name), config)
    logger.warning(
        "%s: en export är öppen i Excel eller LibreOffice (låsfil för %s); den senast "
        "sparade versionen läses. Spara och stäng filen om du ändrar i den, kör sedan igen",
        raw_dir,
        locked,
    )


def _classify(
    path: Path, position: int, raw_dir: Path, raw_root: Path, config: SourceConfig
) -> tuple[str, str] | None:
    """(organisation, system) of an export entry; None for an entry passed over; raises
    InputError for an entry that must not be in a term folder."""
    name = path.name
    if LOCK_FILE.match(name):
        _lock_warning(path, raw_dir, config)
        return None
    shown = shown_name(path, config, position)
    if path.is_symlink():
        _check_link(path, raw_root, raw_dir, shown)
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise _refuse(
            raw_dir,
            shown,
            "en undermapp i terminens mapp (undermappar läses inte)",
            f"Flytta exporterna direkt till {raw_dir} som {EXPECTED} och ta bort undermappen",
        )
    if not stat.S_ISREG(mode):
        raise _refuse(raw_dir, shown, "ingen vanlig fil", "Ta bort den ur terminens mapp")
    if name.lower() in HOUSEKEEPING:
        logger.debug("%s: %s är ingen export och läses inte", raw_dir, name)
        return None
    parsed = parse_file_name(path, config)
    if parsed is None:
        raise _refuse(
            raw_dir,
            shown,
            f"filnamnet följer inte mönstret {EXPECTED}",
            "Byt namn på filen (t.ex. svedala__lifecare.csv; organisationer i "
            "config/organisations.yaml, system i config/sources.yaml) eller flytta den ur mappen",
        )
    return parsed


def warn_if_readable_by_others(raw_dir: Path) -> None:
    """A Swedish warning when the term's raw folder or a file in it is readable by group
    or others (raw data is personal data)."""
    entries = [raw_dir, *(p for p in raw_dir.iterdir() if not p.is_symlink())]
    if any(p.stat().st_mode & 0o077 for p in entries):
        logger.warning(
            "%s: rådata kan läsas av andra användare på datorn. Begränsa åtkomsten med "
            "chmod -R go-rwx data/raw",
            raw_dir,
        )


def find_export_files(raw_dir: Path, config: SourceConfig) -> list[tuple[Path, str, str]]:
    """(path, organisation, system) of every export in ``raw_dir``, sorted by name.

    Every other entry is passed over with a reason or refused (see the module docstring);
    two files for the same organisation and system are an InputError too.
    """
    if not raw_dir.is_dir():
        raise InputError(
            raw_dir,
            "mappen för terminens exporter finns inte",
            f"Skapa mappen och lägg exporterna där som {EXPECTED}",
        )
    warn_if_readable_by_others(raw_dir)
    raw_root = Path(os.path.realpath(raw_dir.parent))
    found: list[tuple[Path, str, str]] = []
    seen: dict[tuple[str, str], Path] = {}
    for position, path in enumerate(sorted(raw_dir.iterdir()), start=1):
        parsed = _classify(path, position, raw_dir, raw_root, config)
        if parsed is None:
            continue
        if parsed in seen:
            raise InputError(
                raw_dir / path.name,
                f"två filer för {parsed[0]} och {parsed[1]} (även {seen[parsed].name})",
                "Behåll en export per organisation och system i terminens mapp",
            )
        seen[parsed] = path
        found.append((path, *parsed))
    return found
