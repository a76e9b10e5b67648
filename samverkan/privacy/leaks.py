"""The leak scanner: proves that no personal data left the raw zone.

Scans every file the pipeline writes (parquet, CSV/TSV, JSON, HTML and SVG, PDF text,
notebooks with their outputs and metadata, the analysts' workbooks cell by cell with
their comments and other parts, zip archives such as the REFI-QDA .qdpx member by
member, logs and other text) and the files' names, for identity numbers (personnummer,
samordningsnummer and interim numbers with a valid check digit, in any separator form:
"ÅÅ.MM.DD-NNNN", "ÅÅ MM DD-NNNN"), phone numbers (also "07N.NNN.NN.NN", or with a letter
O for a zero), e-mail addresses (also written out: "snabel-a", "(at)", "punkt"), and
every name and number that occurs in the current raw exports
(:func:`known_identifiers_from_raw`). Every text is passed through
:func:`samverkan.privacy.normalise.normalise` first, as the de-identification does, so
fullwidth digits and zero-width, soft-hyphen or bidirectional characters hide nothing.
A file, or a part of one, that cannot be read is a finding of its own (kind
"kunde inte kontrolleras"), never skipped in silence; an empty file holds nothing.

A finding carries only a masked form of what was found, so the scanner's own output
does not leak (a file name that holds personal data is shown masked too). Locations are
1-based: ``rad`` is the data row of a table (for CSV the line of the file, header = rad
1), ``cell``/``output`` count notebook cells and outputs from 1, ``sida`` is the PDF
page, ``del`` names the member of an archive.

The identity-number detection is this module's own (:func:`identity_numbers`): stricter
than the de-identification's (a valid check digit is required, since every finding stops
``make report``), and wider in the separator forms it reads.

Settings (identifying column headers, stop words, thresholds, what the git hooks look for
where) are in config/leaks.yaml.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import csv
import datetime as dt
import functools
import io
import itertools
import json
import logging
import re
import subprocess
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Any

import phonenumbers
from personnummer import personnummer as pnr

from samverkan.privacy.normalise import normalise
from samverkan.privacy.scan_cache import CleanScans
from samverkan.project.errors import InputError, display_path
from samverkan.project.paths import ProjectPaths, config_dir
from samverkan.project.settings import load_yaml

logger = logging.getLogger(__name__)

DATA_KINDS = ("personnummer", "telefon", "e-post", "namn från rådata", "nummer från rådata")
UNREADABLE = "kunde inte kontrolleras"
KINDS = (*DATA_KINDS, UNREADABLE)

_CHUNK_CHARS = 1_000_000  # text scanned per regex pass

# --- patterns (compiled once) ------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[^\W\d_]{2,24}(?![\w-])"
)
# A phone number candidate: starts with + , 00 or 0, then 6 to 14 more digits with the
# separators people write (spaces, dashes, slashes, brackets, dots: "07N.NNN.NN.NN").
# Validated with phonenumbers.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?<!\d[.,:])(?:\+|00|0)\s?\(?\d(?:[ \u00a0\-/().\u2013]{0,2}\d){5,14}(?![\w])"
)
# A run of digit groups separated by single separators (for numbers from the raw data).
_DIGIT_RUN_RE = re.compile(r"\d+(?:[ \u00a0\-+/.]\d+)*")
_DIGIT_GROUP_RE = re.compile(r"\d+")
# Clock times with seconds, alone or in an ISO 8601 timestamp ("2026-11-30T12:01:02.412345Z",
# "12:01:02,123" in logs): machine-written, never personal data, and their fractions of a
# second would otherwise now and then equal a number from the raw data.
_CLOCK_RE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2}[T ])?\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?(?!\d)"
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_DIGIT_ALPHABET = "0123456789"
_BETWEEN_NAME_RE = re.compile(r"^[ \t\-\u00a0]{1,3}$")
_DATA_URI_RE = re.compile(
    r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w.+-]+=[\w.+-]+)*)(;base64)?,([^\s\"'()<>]*)",
    re.IGNORECASE,
)

_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".svg", ".xml", ".qdc", ".qde", ".rels", ".vml"}
_CSV_SUFFIXES = {".csv", ".tsv"}
_COMPRESSED_SUFFIXES = {".gz", ".bz2", ".xz"}
# Formats that hold no text the scanner can read: a file of these kinds is a finding of
# its own ("kunde inte kontrolleras"), never skipped in silence.
_BINARY_SUFFIXES = {
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".7z", ".rar", ".pkl", ".pickle", ".npy",
    ".npz", ".so", ".pyc", ".db", ".sqlite", ".xls", ".doc", ".ppt", ".bin", ".exe",
}  # fmt: skip


# --- public types ------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a file (only its masked form is kept)."""

    file: str
    location: str
    kind: str
    masked: str


@dataclass(frozen=True)
class KnownIdentifiers:
    """Names and numbers that occur in the current raw data (casefolded / digits only).

    ``phrases`` are full names (two or more words) from identifying columns: they are
    found even when each word alone is a stop word ("Per Ek").
    """

    names: frozenset[str] = frozenset()
    phrases: frozenset[tuple[str, ...]] = frozenset()
    numbers: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.names or self.phrases or self.numbers)

    def summary(self) -> str:
        """Counts only, safe to log."""
        return (
            f"{len(self.names)} namn, {len(self.phrases)} fullständiga namn, "
            f"{len(self.numbers)} nummer"
        )


@dataclass(frozen=True)
class LeakSettings:
    """The contents of config/leaks.yaml."""

    identifying_columns: frozenset[str]
    case_number_columns: frozenset[str]
    min_number_digits: int
    min_name_length: int
    match_genitive: bool
    allowed_email_domains: frozenset[str]
    html_skip_attributes: frozenset[str]
    staged_exclude: tuple[str, ...]
    stop_words: frozenset[str]
    fallback_names: frozenset[str] = field(default_factory=frozenset)
    name_context_words: frozenset[str] = field(default_factory=frozenset)
    street_suffixes: tuple[str, ...] = ()
    code_suffixes: frozenset[str] = field(default_factory=frozenset)
    data_folders: tuple[str, ...] = ()


def _norm_header(text: str) -> str:
    return " ".join(str(text).replace("\u00a0", " ").split()).rstrip(":").strip().casefold()


def _yaml_words(data: dict, key: str, path: Path) -> list[str]:
    """A list setting of leaks.yaml as strings; anything but a list is an InputError."""
    value = data.get(key) or []
    if not isinstance(value, list):
        raise InputError(path, f"'{key}' är inte en lista", "Skriv den som en YAML-lista")
    return [str(v) for v in value]


def _yaml_count(data: dict, key: str, default: int, path: Path) -> int:
    """A whole-number setting of leaks.yaml (0 or more); anything else is an InputError."""
    value = data.get(key, default)
    if not isinstance(value, int) or value < 0:
        raise InputError(path, f"'{key}' är inte ett heltal (0 eller mer)", "Skriv t.ex. 6")
    return value


def _organisation_words(config: Path) -> set[str]:
    """The casefolded words of every organisation slug and name (config/organisations.yaml)."""
    orgs_file = config / "organisations.yaml"
    if not orgs_file.exists():
        return set()
    words: set[str] = set()
    orgs = (load_yaml(orgs_file) or {}).get("organisations") or {}
    for slug, org in orgs.items():
        words.update(w.casefold() for w in _WORD_RE.findall(str(slug)))
        if isinstance(org, dict):
            words.update(w.casefold() for w in _WORD_RE.findall(str(org.get("name", ""))))
    return words


def load_settings(path: Path | None = None) -> LeakSettings:
    """Read config/leaks.yaml (or ``path``); a malformed file is an InputError."""
    path = Path(path) if path else config_dir() / "leaks.yaml"
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "innehåller inga inställningar", "Återställ filen från git")

    def words(key: str) -> list[str]:
        return _yaml_words(data, key, path)

    def folded(key: str) -> frozenset[str]:
        return frozenset(w.casefold() for w in words(key))

    return LeakSettings(
        identifying_columns=frozenset(_norm_header(h) for h in words("identifying_columns")),
        case_number_columns=frozenset(_norm_header(h) for h in words("case_number_columns")),
        min_number_digits=_yaml_count(data, "min_number_digits", 6, path),
        min_name_length=_yaml_count(data, "min_name_length", 2, path),
        match_genitive=bool(data.get("match_genitive", True)),
        allowed_email_domains=folded("allowed_email_domains"),
        html_skip_attributes=folded("html_skip_attributes"),
        staged_exclude=_exclusions(words("staged_exclude"), path),
        stop_words=folded("stop_words") | _organisation_words(path.parent),
        name_context_words=folded("name_context_words"),
        street_suffixes=tuple(w.casefold() for w in words("street_suffixes")),
        fallback_names=folded("fallback_first_names") | folded("fallback_surnames"),
        code_suffixes=folded("code_suffixes"),
        data_folders=tuple(w.strip("/") for w in words("data_folders")),
    )


def _exclusions(patterns: list[str], path: Path) -> tuple[str, ...]:
    """``staged_exclude``: each an exact file or a narrow glob, else an InputError."""
    for pattern in patterns:
        if not _narrow_exclusion(pattern):
            raise InputError(
                path,
                f"undantaget '{pattern}' i staged_exclude är för brett",
                "Ange en fil eller en mapp minst två nivåer ner, t.ex. tests/fixtures/ingest/**",
            )
    return tuple(patterns)


# --- masking -----------------------------------------------------------------------------


def _mask_number(text: str) -> str:
    """Keep the first two and last two digits, star the rest, keep separators."""
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    keep = set(positions[:2] + positions[-2:]) if len(positions) > 6 else set(positions[:1])
    return "".join(c if (not c.isdigit() or i in keep) else "*" for i, c in enumerate(text))


def _mask_email(text: str) -> str:
    local, _, domain = text.partition("@")
    tld = domain.rsplit(".", 1)[-1]
    return f"{local[:1]}***@***.{tld}"


def _mask_name(text: str) -> str:
    return " ".join(f"{w[:1]}***" for w in _WORD_RE.findall(text))


# --- detection ---------------------------------------------------------------------------


def _valid_date(digits: str) -> bool:
    """YYMMDD or YYYYMMDD, day + 60 allowed (samordningsnummer)."""
    year = int(digits[:4]) if len(digits) == 8 else 2000  # 2000: a leap year
    month, day = int(digits[-4:-2]), int(digits[-2:])
    if day > 60:
        day -= 60
    try:
        dt.date(max(year, 1), month, day)
    except ValueError:
        return False
    return True


def _pnr_variants(date: str, sep: str, serial: str) -> set[str]:
    """The 10- and 12-digit forms of an identity number (digits only)."""
    variants = {date + serial, date[-6:] + serial}
    if len(date) == 6:  # the century is a guess: a sloppy separator is common
        variants |= {"19" + date + serial, "20" + date + serial}
    try:
        parsed = pnr.parse(f"{date}{'+' if sep == '+' else '-'}{serial}")
        variants.add(parsed.format(True))
    except Exception:
        pass
    return variants


# --- identity numbers in any separator form ----------------------------------------------

# A run of digit groups that may hold an identity number (after normalise()): the groups
# are joined by one space, no-break space or dot, or by a dash or plus with at most one
# space on either side ("ÅÅ.MM.DD-NNNN", "ÅÅ MM DD-NNNN", "ÅÅÅÅMMDD – NNNN"); not the
# fraction of a decimal number or of a clock time ("09:13:45.7601154821").
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH_CLASS = "\\" + _DASHES  # inside [...]: the hyphen escaped
_ID_RUN_RE = re.compile(
    rf"(?<!\d)(?<!\d[.,:])\d+(?:(?:[ \u00a0]?[+{_DASH_CLASS}][ \u00a0]?|[ \u00a0.])\d+)*(?!\d)"
)
# Where a separator may stand inside the digits of an identity number: between century,
# year, month and day, and before the serial number (10 digits YYMMDDNNNC, 12 CCYYMMDDNNNC).
_ID_CUTS = {10: frozenset({2, 4, 6}), 12: frozenset({2, 4, 6, 8})}
# An interim number (tillfälligt personnummer): a letter as the first digit of the serial.
_INTERIM_RE = re.compile(
    rf"(?<![\d.])((?:18|19|20)?\d{{6}})(?:[ \u00a0]?[+{_DASH_CLASS}][ \u00a0]?|[ \u00a0])?"
    r"([TRSUWXJKLMN])(\d{3})(?![\w])"
)


@dataclass(frozen=True)
class _IdentityNumber:
    """An identity-number-shaped span: date digits (6 or 8), serial (4), separator."""

    start: int
    end: int
    date: str
    serial: str
    sep: str


def _luhn_ok(digits: str) -> bool:
    """The check digit (the last of 10) of an identity number, by the Luhn algorithm."""
    total = 0
    for i, ch in enumerate(digits[:9]):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == int(digits[9])


def _separators_fit(seps: list[str], cuts: list[int], size: int) -> bool:
    """Separators at ``cuts`` (digit positions) of a ``size``-digit number fit an
    identity number: only where parts meet; ``+`` only before the serial; dashes inside
    the date only when the serial is dashed too ("ÅÅÅÅ-MM-DD-NNNN", not "ÅÅÅÅ-MM-DD NNNN")."""
    serial_cut = size - 4
    if not set(cuts) <= _ID_CUTS[size]:
        return False
    date_seps = [s.strip() for s, c in zip(seps, cuts, strict=True) if c != serial_cut]
    serial_sep = next((s.strip() for s, c in zip(seps, cuts, strict=True) if c == serial_cut), "")
    if "+" in date_seps:
        return False
    dashed_date = any(s and s in _DASHES for s in date_seps)
    return not dashed_date or (serial_sep != "" and serial_sep in _DASHES + "+")


def _window_number(
    groups: list[re.Match[str]], seps: list[str], i: int, j: int
) -> tuple[str, str, str] | None:
    """The identity-number shape of groups i..j of a run, or None."""
    digits = "".join(g.group() for g in groups[i : j + 1])
    size = len(digits)
    if size not in _ID_CUTS:
        return None
    cuts = list(itertools.accumulate(len(g.group()) for g in groups[i:j]))
    if not _separators_fit(seps[i:j], cuts, size):
        return None
    serial_cut = size - 4
    sep = next((s.strip() for s, c in zip(seps[i:j], cuts, strict=True) if c == serial_cut), "")
    if size == 12 and digits[:2] not in ("18", "19", "20"):
        return None
    return digits[:serial_cut], digits[serial_cut:], sep


def _best_window(
    groups: list[re.Match[str]], seps: list[str], i: int, accept: Callable[[str, str], bool]
) -> tuple[int, tuple[str, str, str]] | None:
    """The longest window of groups from ``i`` shaped like an identity number whose date
    and serial ``accept`` takes, as (last group, (date, serial, separator)). A window
    inside the run begins and ends at a space: "3.7601154821" is a decimal number."""
    if i > 0 and seps[i - 1].strip():
        return None
    best = None
    total = 0
    for j in range(i, len(groups)):
        total += len(groups[j].group())
        if total > 12:
            break
        ends_clear = j == len(groups) - 1 or not seps[j].strip()
        shape = _window_number(groups, seps, i, j) if ends_clear else None
        if shape and accept(shape[0], shape[1]):
            best = (j, shape)
    return best


def _identity_shapes(text: str, accept: Callable[[str, str], bool]) -> Iterator[_IdentityNumber]:
    """Every span shaped like an identity number (a date and four digits, in any of the
    separator forms above) whose date and serial ``accept`` takes."""
    for run in _ID_RUN_RE.finditer(text):
        groups = list(_DIGIT_GROUP_RE.finditer(run.group()))
        seps = [run.group()[a.end() : b.start()] for a, b in itertools.pairwise(groups)]
        i = 0
        while i < len(groups):
            best = _best_window(groups, seps, i, accept)
            if best is None:
                i += 1
                continue
            j, (date, serial, sep) = best
            start, end = run.start() + groups[i].start(), run.start() + groups[j].end()
            yield _IdentityNumber(start, end, date, serial, sep)
            i = j + 1


def _valid_identity(date: str, serial: str) -> bool:
    """A real date (day + 60 for a samordningsnummer), serial not 000, valid check digit."""
    return _valid_date(date) and serial[:3] != "000" and _luhn_ok(date[-6:] + serial)


def identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of identity numbers (personnummer, samordningsnummer, interim numbers) with a
    valid check digit, in any separator form, in text already passed through normalise()."""
    spans = [(n.start, n.end) for n in _identity_shapes(text, _valid_identity)]
    for m in _INTERIM_RE.finditer(text):
        date = m.group(1)
        short = date[-6:] + "1" + m.group(3)  # the letter counts as 1 in the check digit
        overlaps = any(s < m.end() and m.start() < e for s, e in spans)
        if not overlaps and _valid_date(date) and _luhn_ok(short):
            spans.append(m.span())
    return sorted(spans)


# Identifiers the machine writes: UUIDs (REFI-QDA guids, run ids), hashes (hex strings
# of 16 or more characters with a letter a-f) and case ids (2024HT- and 10 hex digits,
# which are now and then all digits: 2024HT-0701234591). Their digits are never personal
# data, and now and then a run of them is shaped like a phone or an identity number.
_HEX_TOKEN_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"
    r"|\d{4}(?:VT|HT)-[0-9a-f]{10}"
    r"|(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{16,})(?![0-9A-Za-z])"
)


def _blank_hex_tokens(text: str) -> str:
    """``text`` with UUIDs and hashes replaced by spaces (positions unchanged)."""
    if not _HEX_TOKEN_RE.search(text):
        return text
    return _HEX_TOKEN_RE.sub(lambda m: " " * len(m.group()), text)


# --- phones with a letter O for a zero, e-mail addresses written out ---------------------

# A phone-like run in which a letter O or o stands for a zero ("O7N-NNN NN NN"): replaced
# by 0 (same length, so positions stay) before the phone pattern is tried.
_CONFUSED_PHONE_RE = re.compile(
    r"(?<![^\W\d_])(?:\+|[0Oo])[0-9Oo](?:[ \u00a0\-/().\u2013]{0,2}[0-9Oo]){5,14}(?![^\W\d_])"
)
_AT_WORD = r"(?:\s*[(\[{]\s*(?:at|snabel-?a)\s*[)\]}]\s*|\s+(?:snabel-?a)\s+)"
_DOT_WORD = r"(?:\s*[(\[{]\s*(?:punkt|dot)\s*[)\]}]\s*|\s+(?:punkt|dot)\s+)"
# An e-mail address written out, with "snabel-a", "(at)" or "[at]" for the @ and "punkt"
# or "(dot)" for a dot. The bare word "at" (English prose: "addresses at example.com")
# counts only between an address-like name with a dot or underscore and a domain of a
# common top-level domain ("förnamn.efternamn at" a domain ending ".se").
_EMAIL_WORDS_RE = re.compile(
    rf"(?<![\w.+-])[\w.+-]{{1,64}}{_AT_WORD}[\w-]{{1,63}}(?:(?:\.|{_DOT_WORD})[\w-]{{1,63}})*?"
    rf"(?:\.|{_DOT_WORD})[^\W\d_]{{2,24}}(?![\w-])",
    re.IGNORECASE,
)
_EMAIL_AT_RE = re.compile(
    rf"(?<![\w.+-])[\w+-]{{1,32}}[._][\w.+-]{{1,32}}\s+at\s+[\w-]{{1,63}}(?:(?:\.|{_DOT_WORD})[\w-]{{1,63}})*?"
    rf"(?:\.|{_DOT_WORD})(?:se|nu|com|org|net|dk|no|fi|eu|info|io)(?![\w-])",
    re.IGNORECASE,
)
_EMAIL_HINT_RE = re.compile(r"[@(\[{]|snabel|\sat\s", re.IGNORECASE)


def _unconfuse_digits(text: str) -> str:
    """``text`` with every letter O in a phone-like run of digits made a zero (positions
    unchanged); runs without at least five real digits are left as they are."""
    if "o" not in text and "O" not in text:
        return text

    def fix(m: re.Match[str]) -> str:
        run = m.group()
        if sum(c.isdigit() for c in run) < 5:
            return run
        return run.replace("O", "0").replace("o", "0")

    return _CONFUSED_PHONE_RE.sub(fix, text)


def _email_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, address as found) of e-mail addresses, plain or written out."""
    if not _EMAIL_HINT_RE.search(text):
        return
    if "@" in text:
        for m in _EMAIL_RE.finditer(text):
            yield m.start(), m.end(), m.group()
    for pattern in (_EMAIL_WORDS_RE, _EMAIL_AT_RE):
        for m in pattern.finditer(text):
            yield m.start(), m.end(), m.group()


def _email_domain(address: str) -> str:
    """The domain of an address as found, with written-out separators made plain."""
    domain = re.split(rf"@|{_AT_WORD}|\s+at\s+", address, maxsplit=1, flags=re.I)[-1]
    return re.sub(_DOT_WORD, ".", domain, flags=re.I).strip().casefold()


def _mask_written_email(address: str) -> str:
    """The masked form of an address, plain or written out."""
    if "@" in address:
        return _mask_email(address)
    tld = _WORD_RE.findall(address)[-1]
    return f"{address[:1]}***@***.{tld}"


def _phone_variants(number: phonenumbers.PhoneNumber) -> set[str]:
    national = phonenumbers.national_significant_number(number)
    code = str(number.country_code)
    variants = {code + national, "00" + code + national}
    if number.country_code == 46:
        variants.add("0" + national)
    return variants


def _is_cell_row(text: str) -> bool:
    """True for single digits separated by spaces, as a row of table cells reads in PDF
    text ("0 5 0 13 6 0 0 24"): people write phones in groups of two to four digits. (A
    phone written digit by digit is removed by redaction before it can reach an output.)"""
    groups = text.split()
    return len(groups) >= 4 and sum(len(g) == 1 for g in groups) >= 3


def _is_digit_sequence(text: str) -> bool:
    """True for an unseparated run of ascending digits such as ``0123456789`` (the digit
    alphabet, e.g. ``str.maketrans("abcdefghij", "0123456789")`` in code): a placeholder,
    not a phone number. The same digits written with separators, and any other digits,
    are still checked."""
    digits = text[1:] if text.startswith("+") else text
    return digits.isdigit() and digits in _DIGIT_ALPHABET


def _parse_phone(text: str) -> phonenumbers.PhoneNumber | None:
    if sum(c.isdigit() for c in text) < 8:
        return None
    try:
        number = phonenumbers.parse(text, "SE")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


class _Scanner:
    """Finds personal data in text; holds the compiled state for one scan."""

    def __init__(
        self,
        known: KnownIdentifiers | None,
        settings: LeakSettings,
        kinds: Iterable[str] = DATA_KINDS,
    ) -> None:
        self.known = known or KnownIdentifiers()
        self.settings = settings
        # identity numbers are always looked for; ``kinds`` says what else
        self.kinds = frozenset(kinds) | {"personnummer"}
        self.number_lengths = sorted({len(n) for n in self.known.numbers})
        self.max_number_len = max(self.number_lengths, default=0)
        self.phrase_starts: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.known.phrases:
            self.phrase_starts.setdefault(phrase[0], []).append(phrase)
        for phrases in self.phrase_starts.values():
            phrases.sort(key=len, reverse=True)
        # every casefolded word that can start a finding (for a fast first check)
        self.trigger_words = set(self.known.names) | set(self.phrase_starts)
        if settings.match_genitive:
            self.trigger_words |= {n + "s" for n in self.known.names if len(n) >= 3}
        self.min_number_len = min(self.number_lengths, default=0)

    # Each detector returns (start, end, kind, masked).
    def scan(self, text: str) -> list[tuple[int, int, str, str]]:
        """The personal data in ``text`` (already passed through normalise())."""
        hits: list[tuple[int, int, str, str]] = []
        taken: list[tuple[int, int]] = []

        def overlaps(start: int, end: int) -> bool:
            return any(s < end and start < e for s, e in taken)

        digits = _blank_hex_tokens(text)  # the numbers people write, not machine ids
        for start, end in identity_numbers(digits):
            hits.append((start, end, "personnummer", _mask_number(text[start:end])))
            taken.append((start, end))
        if "e-post" in self.kinds:
            self._scan_emails(text, hits, taken, overlaps)
        if "telefon" in self.kinds:
            self._scan_phones(_unconfuse_digits(digits), hits, taken, overlaps)
        if self.known.numbers and "nummer från rådata" in self.kinds:
            self._scan_numbers(digits, hits, taken, overlaps)
        if (self.known.names or self.known.phrases) and "namn från rådata" in self.kinds:
            self._scan_names(text, hits, taken)
        return hits

    def _scan_emails(self, text, hits, taken, overlaps) -> None:
        for start, end, address in _email_spans(text):
            if overlaps(start, end):
                continue
            taken.append((start, end))
            if _email_domain(address) not in self.settings.allowed_email_domains:
                hits.append((start, end, "e-post", _mask_written_email(address)))

    def _scan_phones(self, text, hits, taken, overlaps) -> None:
        for m in _PHONE_RE.finditer(text):
            if overlaps(*m.span()) or _is_digit_sequence(m.group()) or _is_cell_row(m.group()):
                continue
            if _parse_phone(m.group()) is not None:
                hits.append((m.start(), m.end(), "telefon", _mask_number(m.group())))
                taken.append(m.span())

    def _scan_numbers(self, text, hits, taken, overlaps) -> None:
        numbers = self.known.numbers
        clocks = [m.span() for m in _CLOCK_RE.finditer(text)] if ":" in text else []
        for run in _DIGIT_RUN_RE.finditer(text):
            if run.end() - run.start() < self.min_number_len:
                continue
            if clocks and any(s <= run.start() and run.end() <= e for s, e in clocks):
                continue
            groups = list(_DIGIT_GROUP_RE.finditer(run.group()))
            base = run.start()
            i = 0
            while i < len(groups):
                digits = ""
                matched = False
                for j in range(i, len(groups)):
                    digits += groups[j].group()
                    if len(digits) > self.max_number_len:
                        break
                    if digits in numbers:
                        start, end = base + groups[i].start(), base + groups[j].end()
                        if not overlaps(start, end):
                            hits.append(
                                (start, end, "nummer från rådata", _mask_number(text[start:end]))
                            )
                            taken.append((start, end))
                        i = j + 1
                        matched = True
                        break
                if not matched:
                    i += 1

    def _phrase_at(self, tokens: list[re.Match[str]], i: int, text: str) -> int:
        """The number of words of the longest known full name that starts at token ``i``
        (its words separated only by spaces or hyphens), or 0."""
        for phrase in self.phrase_starts.get(tokens[i].group().casefold(), ()):
            n = len(phrase)
            window = tokens[i : i + n]
            if (
                len(window) == n
                and all(t.group().casefold() == p for t, p in zip(window, phrase, strict=True))
                and all(
                    _BETWEEN_NAME_RE.match(text[a.end() : b.start()])
                    for a, b in itertools.pairwise(window)
                )
            ):
                return n
        return 0

    def _is_name(self, word: str) -> bool:
        """A casefolded word that is a raw name, or (if configured) its genitive."""
        names = self.known.names
        genitive = self.settings.match_genitive
        return word in names or (
            genitive and len(word) > 3 and word.endswith("s") and word[:-1] in names
        )

    def _name_spans(self, text: str) -> list[tuple[int, int]]:
        """The spans of full names and of single name words, in text order."""
        tokens = list(_WORD_RE.finditer(text))
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            n = self._phrase_at(tokens, i, text)
            if n:
                spans.append((tokens[i].start(), tokens[i + n - 1].end()))
                i += n
                continue
            if self._is_name(tokens[i].group().casefold()):
                spans.append(tokens[i].span())
            i += 1
        return spans

    def _scan_names(self, text, hits, taken) -> None:
        if self.trigger_words.isdisjoint(_WORD_RE.findall(text.casefold())):
            return
        for start, end in _merge_adjacent(self._name_spans(text), text):
            if any(s < end and start < e for s, e in taken):
                continue
            hits.append((start, end, "namn från rådata", _mask_name(text[start:end])))


def _merge_adjacent(spans: list[tuple[int, int]], text: str) -> list[list[int]]:
    """Merge name words next to each other ("Anna Svensson") into one span."""
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and _BETWEEN_NAME_RE.match(text[merged[-1][1] : start]):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged


# --- reading files into (location, text) segments ----------------------------------------


@dataclass(frozen=True)
class _Unreadable:
    """A part of a file that cannot be read as text: a finding of its own."""

    reason: str


Segments = Iterator[tuple[str, "str | _Unreadable"]]

_WHOLE_FILE = "hela filen"
_MAX_DEPTH = 3  # archives inside archives
_MAX_MEMBER_BYTES = 256_000_000  # the uncompressed size of one archive member
_ZIP_MAGIC = b"PK\x03\x04"
# Members of an Office file that hold no text anyone typed: printer driver settings, and
# the theme (a list of font names in many scripts, some of which are also given names).
_NO_TEXT_MEMBER_RE = re.compile(
    r"(?:^|/)(?:printerSettings\d*\.bin|theme/theme\d*\.xml)$", re.IGNORECASE
)


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    return data[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" in data[:8192]


def _prefixed(prefix: str, segments: Segments) -> Segments:
    for location, text in segments:
        yield (f"{prefix}, {location}" if location != _WHOLE_FILE else prefix), text


def _guarded(location: str, segments: Iterable[tuple[str, Any]]) -> Segments:
    """``segments``, and a part that cannot be read where reading them fails half-way."""
    try:
        yield from segments
    except Exception as exc:  # a broken file (or member) is a finding, never a crash
        yield location, _Unreadable(f"kunde inte läsas ({type(exc).__name__})")


def _text_segments(text: str) -> Segments:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"rad {number}", line


def _sniff_delimiter(text: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    head = text[:4096]
    counts = {d: head.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d])


def _csv_segments(text: str, suffix: str) -> Segments:
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text, suffix))
    header: list[str] = []
    try:
        for number, row in enumerate(reader, start=1):
            if number == 1:
                header = row
            for j, cell in enumerate(row):
                if cell:
                    column = header[j] if j < len(header) and header[j] else str(j + 1)
                    yield f"rad {number}, kolumn {column}", cell
    except csv.Error:
        logger.debug("CSV parse failed half-way; scanning as lines")
        yield from _text_segments(text)


def _json_walk(value: Any, where: str) -> Segments:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{where}.{key}" if where else str(key)
            yield f"{child} (nyckel)", str(key)
            yield from _json_walk(item, child)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_walk(item, f"{where}[{i}]")
    elif isinstance(value, str):
        yield where, value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield where, str(value)


def _json_segments(text: str) -> Segments:
    try:
        data = json.loads(text)
    except ValueError:
        yield from _text_segments(text)
        return
    for where, value in _json_walk(data, ""):
        yield f"fält {where}", value


def _data_uri_payload(match: re.Match[str]) -> tuple[str, str | None]:
    """(mime, decoded text) of a data: URI; text is None for binary payloads (images)."""
    mime = (match.group(1) or "text/plain").casefold()
    payload = match.group(4)
    textual = mime.startswith("text/") or mime.endswith(("+xml", "/json", "/xml", "javascript"))
    if not textual:
        return mime, None
    if match.group(3):
        try:
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return mime, None
        return mime, _decode(raw)
    return mime, urllib.parse.unquote(payload)


class _MarkupCollector(HTMLParser):
    """Collects text and attribute values (with line numbers) from HTML, SVG or XML;
    elements named in ``skip_tags`` (local names, lower case) are left out whole."""

    def __init__(
        self, skip_attributes: frozenset[str], skip_tags: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = skip_attributes
        self.skip_tags = skip_tags
        self.skipping: list[str] = []
        self.items: list[tuple[int, str]] = []

    def _add(self, value: str | None) -> None:
        if value and value.strip() and not self.skipping:
            self.items.append((self.getpos()[0], value))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.rpartition(":")[2] in self.skip_tags:
            self.skipping.append(tag)
        for name, value in attrs:
            name = name.casefold()
            if name not in self.skip and name.rpartition(":")[2] not in self.skip:
                self._add(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        self._add(data)

    handle_comment = handle_data

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA["):  # XML character data
            self._add(data[6:])


def _markup_segments(
    text: str,
    skip: frozenset[str],
    prefix: str = "",
    depth: int = 0,
    skip_tags: frozenset[str] = frozenset(),
) -> Segments:
    collector = _MarkupCollector(skip, skip_tags)
    collector.feed(text)
    collector.close()
    for line, value in collector.items:
        where = f"{prefix}rad {line}"
        yield from _with_data_uris(where, value, skip, depth)


def _with_data_uris(where: str, value: str, skip: frozenset[str], depth: int) -> Segments:
    """Yield the text with data: URIs cut out, then the text inside textual data: URIs."""
    if "data:" not in value:
        yield where, value
        return
    rest = _DATA_URI_RE.sub(" ", value)
    if rest.strip():
        yield where, rest
    for match in _DATA_URI_RE.finditer(value):
        mime, inner = _data_uri_payload(match)
        if inner is None or depth > 3:
            continue
        label = "inbäddad SVG" if "svg" in mime else f"inbäddad {mime}"
        if "svg" in mime or "html" in mime or "xml" in mime:
            yield from _markup_segments(inner, skip, f"{where}, {label}, ", depth + 1)
        else:
            for sub_where, sub_text in _text_segments(inner):
                yield f"{where}, {label}, {sub_where}", sub_text


def _source_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _mime_segments(where: str, mime: str, value: Any, skip: frozenset[str]) -> Segments:
    if mime.startswith("image/") and "svg" not in mime:
        return  # base64 pixels: nothing readable (alt text and metadata are scanned)
    if isinstance(value, (dict, list)) and not (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        for sub_where, text in _json_walk(value, ""):
            yield f"{where}, {sub_where}", text
        return
    text = _source_text(value)
    if "html" in mime or "svg" in mime or "xml" in mime:
        yield from _markup_segments(text, skip, f"{where}, ")
    else:
        yield from _with_data_uris(where, text, skip, 0)


def _notebook_segments(text: str, skip: frozenset[str]) -> Segments:
    try:
        nb = json.loads(text)
    except ValueError:
        yield from _text_segments(text)
        return
    if not isinstance(nb, dict):
        yield from _json_walk(nb, "")
        return
    for sub, value in _json_walk(nb.get("metadata", {}), ""):
        yield f"notebookmetadata, {sub}", value
    for c, cell in enumerate(nb.get("cells", []) or [], start=1):
        if not isinstance(cell, dict):
            continue
        where = f"cell {c}"
        yield from _with_data_uris(f"{where}, källkod", _source_text(cell.get("source")), skip, 0)
        for sub, value in _json_walk(cell.get("metadata", {}), ""):
            yield f"{where}, metadata, {sub}", value
        for name, bundle in (cell.get("attachments") or {}).items():
            yield f"{where}, bilaga", str(name)
            for mime, value in (bundle or {}).items():
                yield from _mime_segments(f"{where}, bilaga {name}", mime, value, skip)
        for o, output in enumerate(cell.get("outputs", []) or [], start=1):
            if not isinstance(output, dict):
                continue
            out_where = f"{where}, output {o}"
            if "text" in output:
                yield from _with_data_uris(out_where, _source_text(output["text"]), skip, 0)
            for key in ("ename", "evalue"):
                if output.get(key):
                    yield out_where, str(output[key])
            for line in output.get("traceback", []) or []:
                yield out_where, str(line)
            for mime, value in (output.get("data") or {}).items():
                yield from _mime_segments(f"{out_where} ({mime})", mime, value, skip)
            for sub, value in _json_walk(output.get("metadata", {}), ""):
                yield f"{out_where}, metadata, {sub}", value


def _parquet_segments(data: bytes) -> Segments:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(pa.BufferReader(data))
    metadata = table.schema.metadata or {}
    for key, value in metadata.items():
        if key != b"pandas":
            yield "metadata", _decode(key) + " " + _decode(value)
    for name in table.column_names:
        yield "kolumnnamn", str(name)
        column = table.column(name)
        kind = column.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            convert: Callable[[Any], str] = str
        elif pa.types.is_integer(kind):
            convert = str
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            convert = lambda v: _decode(bytes(v))  # noqa: E731
        elif pa.types.is_nested(kind):
            convert = lambda v: json.dumps(v, ensure_ascii=False, default=str)  # noqa: E731
        else:
            continue  # floats, booleans, dates: no personal data in text form
        for row, value in enumerate(column.to_pylist(), start=1):
            if value is not None and value != "":
                yield f"rad {row}, kolumn {name}", convert(value)


def _sheet_cells(workbook: Any, formulas: list[tuple[str, str]] | None) -> Segments:
    """Sheet names and every cell (formulas as written; ``formulas`` collects where they
    are, so that their stored results can be read too)."""
    from openpyxl.utils import get_column_letter

    for sheet in workbook.worksheets:
        yield f"blad {sheet.title}", str(sheet.title)
        for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            for c, value in enumerate(row, start=1):
                if value is None or isinstance(value, (float, bool, dt.date, dt.time)):
                    continue
                text = str(value)
                where = f"blad {sheet.title}, cell {get_column_letter(c)}{r}"
                if formulas is not None and text.startswith("="):
                    formulas.append((sheet.title, f"{get_column_letter(c)}{r}"))
                if text.strip():
                    yield where, text


def _formula_results(data: bytes, formulas: list[tuple[str, str]]) -> Segments:
    """The results Excel stored for the formula cells (what the analyst saw)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    try:
        for title, cell in formulas:
            value = workbook[title][cell].value
            if value is not None and not isinstance(value, (float, bool, dt.date, dt.time)):
                yield f"blad {title}, cell {cell} (resultat)", str(value)
    finally:
        workbook.close()


def _xlsx_segments(data: bytes, settings: LeakSettings, depth: int) -> Segments:
    """Every cell of every sheet (by openpyxl, with its address), the stored results of
    formulas, then every other part of the file: comments, defined names, headers and
    footers, hyperlinks, document properties (each part of the zip, by its name)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    formulas: list[tuple[str, str]] = []
    try:
        yield from _sheet_cells(workbook, formulas)
        for name, defined in _defined_names(workbook):
            yield f"definierat namn {name}", defined
    finally:
        workbook.close()
    if formulas:
        yield from _formula_results(data, formulas)
    yield from _zip_segments(data, settings, depth, xlsx=True)


def _defined_names(workbook: Any) -> Iterator[tuple[str, str]]:
    names = getattr(workbook, "defined_names", None) or {}
    for name, defined in dict(names).items():
        yield str(name), f"{name} {getattr(defined, 'attr_text', '') or ''}"


# The parts of an xlsx whose text openpyxl already gave with cell addresses: the cell
# data of each sheet and the shared strings, and the sheet list of the workbook.
_XLSX_CELL_PARTS = {
    "xl/worksheets/": frozenset({"sheetdata"}),
    "xl/workbook.xml": frozenset({"sheets", "definednames"}),
}


def _zip_member_skip_tags(name: str, xlsx: bool) -> frozenset[str] | None:
    """Elements of an xlsx part to leave out (scanned with addresses already); None when
    the whole part is left out (the shared strings: every one is in a cell)."""
    if not xlsx:
        return frozenset()
    if name == "xl/sharedStrings.xml":
        return None
    for prefix, tags in _XLSX_CELL_PARTS.items():
        if name.startswith(prefix) and name.endswith(".xml"):
            return tags
    return frozenset()


def _zip_segments(data: bytes, settings: LeakSettings, depth: int, xlsx: bool = False) -> Segments:
    """Every member of a zip archive (REFI-QDA .qdpx, .zip, OpenDocument, Office files),
    by its name: the name itself, then its content read by its own kind."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename
            where = f"del {name}"
            yield f"{where} (namn)", name
            skip_tags = _zip_member_skip_tags(name, xlsx)
            if skip_tags is None or _NO_TEXT_MEMBER_RE.search(name):
                continue
            if info.flag_bits & 0x1:
                yield where, _Unreadable("krypterad del")
            elif info.file_size > _MAX_MEMBER_BYTES or depth >= _MAX_DEPTH:
                yield where, _Unreadable("för stor eller för djupt packad del")
            else:
                member = archive.read(info)
                inner = _blob_segments(name, member, settings, depth + 1, skip_tags)
                yield from _prefixed(where, _guarded(_WHOLE_FILE, inner))


def _decompressed(data: bytes, suffix: str) -> bytes:
    """The content of a .gz, .bz2 or .xz file (at most _MAX_MEMBER_BYTES)."""
    import bz2
    import gzip
    import lzma

    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    with opener(io.BytesIO(data)) as stream:
        content = stream.read(_MAX_MEMBER_BYTES + 1)
    if len(content) > _MAX_MEMBER_BYTES:
        raise ValueError("too large")
    return content


def _pdf_segments(data: bytes) -> Segments:
    """The document info, each page's text and its annotations. The text is PDFium's
    (pypdfium2) of every character on the page, inside the page box or not, in any colour
    or size, and in form XObjects (the charts); pypdf read the same words 30 times slower,
    parsing every path of the charts. The info and annotations are pypdf's."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    for key, value in (reader.metadata or {}).items():
        if value:
            yield f"dokumentinfo {str(key).lstrip('/')}", str(value)
    document = pdfium.PdfDocument(data)
    try:
        if len(document) != len(reader.pages):
            raise ValueError("the two readers see different pages")
        texts = [_pdfium_text(document, k) for k in range(len(document))]
    finally:
        document.close()
    for number, (page, text) in enumerate(zip(reader.pages, texts, strict=True), start=1):
        if text.strip():
            yield f"sida {number}", text
        for annotation in page.get("/Annots") or []:
            obj = annotation.get_object()
            for key in ("/Contents", "/T", "/TU"):
                if obj.get(key):
                    yield f"sida {number}, anteckning", str(obj[key])
            uri = (obj.get("/A") or {}).get("/URI")
            if uri:
                yield f"sida {number}, länk", str(uri)


def _pdfium_text(document: Any, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        finally:
            textpage.close()
    finally:
        page.close()


def _blob_segments(
    name: str,
    data: bytes,
    settings: LeakSettings,
    depth: int = 0,
    skip_tags: frozenset[str] = frozenset(),
) -> Segments:
    """The segments of one file's (or archive member's) content, by its kind (name and
    first bytes); what cannot be read as text is one unreadable part."""
    suffix = PurePosixPath(name).suffix.casefold()
    if not data.strip():
        return  # empty: nothing in it can identify anyone
    if suffix in _COMPRESSED_SUFFIXES and depth < _MAX_DEPTH:
        inner = _decompressed(data, suffix)
        yield from _blob_segments(name[: -len(suffix)], inner, settings, depth + 1)
    elif data[:4] == _ZIP_MAGIC:
        if suffix in {".xlsx", ".xlsm"}:
            yield from _xlsx_segments(data, settings, depth)
        else:
            yield from _zip_segments(data, settings, depth)
    elif data[:4] == b"PAR1":
        yield from _parquet_segments(data)
    elif data[:5] == b"%PDF-":
        yield from _pdf_segments(data)
    elif _looks_binary(data) or suffix in _BINARY_SUFFIXES:
        kind = suffix.lstrip(".") or "okänt"
        yield _WHOLE_FILE, _Unreadable(f"binärt format ({kind}) kan inte läsas som text")
    else:
        yield from _text_kind_segments(_decode(data), suffix, settings, skip_tags)


def _text_kind_segments(
    text: str, suffix: str, settings: LeakSettings, skip_tags: frozenset[str]
) -> Segments:
    skip = settings.html_skip_attributes
    if suffix == ".ipynb":
        yield from _notebook_segments(text, skip)
    elif suffix in _CSV_SUFFIXES:
        yield from _csv_segments(text, suffix)
    elif suffix == ".json":
        yield from _json_segments(text)
    elif suffix in _HTML_SUFFIXES or text.lstrip()[:5] == "<?xml":
        yield from _markup_segments(text, skip, skip_tags=skip_tags)
    else:
        yield from _text_segments(text)


# --- scanning ----------------------------------------------------------------------------


def _scan_segments(
    label: str, segments: Iterable[tuple[str, Any]], scanner: _Scanner
) -> tuple[list[Finding], list[tuple[str, str]]]:
    """Scan segments (normalised first) in large joined chunks (one regex pass per chunk).
    Returns the findings and the parts that could not be read (location, reason)."""
    findings: list[Finding] = []
    unreadable: list[tuple[str, str]] = []
    seen: set[Finding] = set()
    locations: list[str] = []
    starts: list[int] = []
    parts: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if not parts:
            return
        text = "\n".join(parts)
        for start, _end, kind, masked in sorted(scanner.scan(text)):
            location = locations[bisect.bisect_right(starts, start) - 1]
            finding = Finding(label, location, kind, masked)
            if finding not in seen:
                seen.add(finding)
                findings.append(finding)
        locations.clear()
        starts.clear()
        parts.clear()
        size = 0

    for location, text in segments:
        if isinstance(text, _Unreadable):
            unreadable.append((location, text.reason))
            continue
        text = normalise(text) if text else text
        if not text:
            continue
        locations.append(location)
        starts.append(size)
        parts.append(text)
        size += len(text) + 1
        if size >= _CHUNK_CHARS:
            flush()
    flush()
    return findings, unreadable


def _iter_files(paths: Sequence[Path]) -> Iterator[tuple[Path, str]]:
    """Every file under ``paths`` with the part of its path that names it inside the
    folder given (whose words are scanned as well), or its name for a file given."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if ".git" in relative.parts:
                    continue
                if child.is_file() or (child.is_symlink() and not child.exists()):
                    yield child, relative.as_posix()
        elif path.is_file():
            yield path, path.name
        else:
            raise InputError(path, "finns inte", "Ange en befintlig fil eller mapp")


def _name_findings(label: str, name: str, scanner: _Scanner) -> list[Finding]:
    """Personal data in a file's name (its path inside the folder scanned)."""
    words = re.sub(r"[_/\\]+", " ", name)  # "anna_svensson.csv": the words of a name
    findings, _ = _scan_segments(label, [("filnamn", words)], scanner)
    return findings


def _masked_label(label: str, name: str, scanner: _Scanner) -> str:
    """``label`` with whatever personal data its last part ``name`` holds masked."""
    text = normalise(name)
    spaced = re.sub(r"[_/\\]", " ", text)
    hits = sorted(scanner.scan(spaced), reverse=True)
    if not hits:
        return label
    for start, end, _kind, masked in hits:
        text = text[:start] + masked.replace(" ", "_") + text[end:]
    return label[: len(label) - len(name)] + text if label.endswith(name) else text


def scan_file(
    path: Path,
    scanner: _Scanner,
    settings: LeakSettings,
    label: str | None = None,
    skipped: list[str] | None = None,
    name: str | None = None,
    cache: CleanScans | None = None,
    clean: list[str] | None = None,
) -> list[Finding]:
    """Scan one file: its name (``name``, default its file name: the part of its path
    inside the folder scanned) and its content, archives and workbooks by member. A file
    or part that cannot be read is a finding (UNREADABLE), or, when ``skipped`` is given,
    is appended there instead (the caller counts it as one). An empty file holds nothing.
    A content ``cache`` lists as clean is not read again (samverkan.privacy.scan_cache);
    the key of a content found clean now is appended to ``clean``."""
    name = path.name if name is None else name
    label = _masked_label(label or str(path), name, scanner)
    findings = _name_findings(label, name, scanner)
    if _LOCK_FILE_RE.match(path.name):
        logger.info("Låsfil för ett öppet kalkylblad (inget utdata) hoppas över: %s", label)
        return findings
    if path.is_symlink() and not path.exists():
        logger.info("Länk utan mål (inget innehåll att kontrollera): %s", label)
        return findings
    try:
        data = path.read_bytes()
    except OSError as exc:
        parts = [(_WHOLE_FILE, f"kunde inte läsas ({type(exc).__name__})")]
    else:
        key = cache.key(data, path.name) if cache is not None and not _is_temporary(path) else ""
        if key and key in cache:
            cache.hits += 1
            if clean is not None:  # still clean: kept as recently used
                clean.append(key)
            return findings
        segments = _guarded(_WHOLE_FILE, _blob_segments(path.name, data, settings))
        content, parts = _scan_segments(label, segments, scanner)
        findings += content
        if key and clean is not None and not content and not parts:
            clean.append(key)
    if parts and _is_temporary(path):
        # a write in progress, or left half-written by a killed run (cleaned at the next
        # run's start): no output, so a truncated one blocks nothing; what can be read of
        # it is still scanned above
        logger.warning("Halvskriven tillfällig fil (inget utdata) hoppas över: %s", label)
        parts = []
    return findings + _unreadable_findings(label, parts, skipped)


# The lock files Excel (~$kodning.xlsx) and LibreOffice (.~lock.kodning.xlsx#) keep beside
# a sheet while it is open: the user's account name, no output (and Excel's is binary).
_LOCK_FILE_RE = re.compile(r"^(?:~\$.+|\.~lock\..+#)$")


def _is_temporary(path: Path) -> bool:
    """One of the project's own temporary files (samverkan.project.atomic)."""
    try:
        from samverkan.project.atomic import is_temporary
    except ImportError:  # pragma: no cover - an older atomic.py: every file counts
        return False
    return is_temporary(path)


def scan_paths(
    paths: Sequence[Path],
    known: KnownIdentifiers | None = None,
    *,
    settings: LeakSettings | None = None,
    skipped: list[str] | None = None,
    cache: CleanScans | None = None,
) -> list[Finding]:
    """Scan files and folders (recursively) for personal data, in their content and in
    their names (the part of the path inside a folder given). With ``cache``, a content it
    lists as clean is not read again, and the contents found clean now are added to it
    (the caller saves it).

    ``known`` holds the names and numbers of the raw data (None: only identity numbers,
    phone numbers and e-mail addresses are looked for). A file (or a part of an archive)
    that cannot be read is a finding of kind UNREADABLE; with ``skipped`` given it is
    appended there instead. A path that does not exist is an InputError.
    """
    settings = settings or load_settings()
    scanner = _Scanner(known, settings)
    items = list(_iter_files(paths))
    findings: list[Finding] = []
    results = _scan_items(items, scanner, settings, skipped is not None, cache)
    if cache is not None:
        cache.hits = 0  # counted again from the results (the workers' own copies)
    for found, unread, clean, hits in results:
        findings.extend(found)
        if skipped is not None:
            skipped.extend(unread)
        if cache is not None:
            cache.add(clean)
            cache.hits += hits
    if cache is not None and cache.hits:
        logger.info(
            "Läckkontroll: %d filer genomsökta, %d fynd (%d oförändrade sedan en genomsökning "
            "utan fynd lästes inte om)",
            len(items),
            len(findings),
            cache.hits,
        )
    else:
        logger.info("Läckkontroll: %d filer genomsökta, %d fynd", len(items), len(findings))
    return findings


# From this many bytes on, the files are shared between worker processes (forked after the
# scanner is built, so they share its word lists and the raw data's identifiers); the
# findings come back in the files' order, as from one process.
PARALLEL_BYTES = 2_000_000
_JOB: tuple[_Scanner, LeakSettings, bool, CleanScans | None] | None = None
_Result = tuple[list[Finding], list[str], list[str], int]


def _scan_item(item: tuple[Path, str]) -> _Result:
    """One file's findings, unreadable parts and the cache key of a clean content (``_JOB``:
    scanner, settings, whether unreadable parts are collected apart rather than reported
    as findings, and the cache of clean contents)."""
    assert _JOB is not None
    scanner, settings, collect, cache = _JOB
    unread: list[str] = []
    clean: list[str] = []
    hits = cache.hits if cache is not None else 0
    found = scan_file(
        item[0],
        scanner,
        settings,
        skipped=unread if collect else None,
        name=item[1],
        cache=cache,
        clean=clean,
    )
    return found, unread, clean, (cache.hits - hits if cache is not None else 0)


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def _scan_items(
    items: list[tuple[Path, str]],
    scanner: _Scanner,
    settings: LeakSettings,
    collect: bool,
    cache: CleanScans | None = None,
) -> list[_Result]:
    """``_scan_item`` of every file, over the machine's cores when there is much to scan
    (largest files first, so that no core waits for one big report at the end). The
    workers count the cache's hits apart: they are added to it here."""
    global _JOB
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from samverkan.project.cores import workers

    sizes = [_size(path) for path, _ in items]
    n = min(workers(), len(items))
    _JOB = (scanner, settings, collect, cache)
    try:
        if (
            n < 2
            or sum(sizes) < PARALLEL_BYTES
            or "fork" not in multiprocessing.get_all_start_methods()
        ):
            return [_scan_item(item) for item in items]
        order = sorted(range(len(items)), key=lambda k: -sizes[k])
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(n, mp_context=context) as pool:
            done = list(pool.map(_scan_item, [items[k] for k in order], chunksize=1))
    finally:
        _JOB = None
    out: list[_Result] = [([], [], [], 0)] * len(items)
    for k, result in zip(order, done, strict=True):
        out[k] = result
    return out


def default_paths(root: Path) -> list[Path]:
    """What ``check-leaks`` scans by default, those that exist: every output of the
    pipeline outside the private zones (data/raw, data/quarantine): processed data, the
    analysts' coding sheets with their backups and the REFI-QDA exports (data/coding),
    what the group writes for the reports (data/group), the reports with the executed
    notebooks kept as run records (reports), and the logs."""
    project = ProjectPaths(Path(root))
    candidates = [project.processed, project.coding, project.group, project.reports, project.logs]
    return [p for p in candidates if p.exists()]


def format_findings(findings: Sequence[Finding]) -> str:
    """One line per finding (file, location, kind, masked value) and a summary line."""
    lines = [f"{f.file}: {f.location}: {f.kind}: {f.masked}" for f in findings]
    if findings:
        files = len({f.file for f in findings})
        kinds = ", ".join(
            f"{k} {sum(f.kind == k for f in findings)}"
            for k in KINDS
            if any(f.kind == k for f in findings)
        )
        lines.append(
            f"Läckkontroll: {len(findings)} fynd i {files} "
            f"{'fil' if files == 1 else 'filer'} ({kinds})."
        )
    else:
        lines.append("Läckkontroll: inga personuppgifter hittades.")
    return "\n".join(lines)


# --- what the raw data holds -------------------------------------------------------------


def _names_folder() -> Traversable:
    """The name lists shipped with the package (samverkan/privacy/names)."""
    return resources.files("samverkan.privacy") / "names"


def _read_name_files() -> set[str]:
    """The first field of every line of the name list files (.txt, .csv), casefolded."""
    folder = _names_folder()
    if not folder.is_dir():
        return set()
    files = sorted((f for f in folder.iterdir() if f.is_file()), key=lambda f: f.name)
    names: set[str] = set()
    for suffix in (".txt", ".csv"):
        for file in (f for f in files if f.name.endswith(suffix)):
            for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
                word = re.split(r"[,;\t]", line.strip(), maxsplit=1)[0].strip()
                if word and not word.startswith("#"):
                    names.add(word.casefold())
    return names


def _name_list(settings: LeakSettings) -> frozenset[str]:
    """Casefolded name list: the de-identification's lists, else the name files read
    directly, else the fallback names of leaks.yaml."""
    from samverkan.privacy import redaction

    try:
        names = {name.casefold() for name in redaction.known_names()}
    except Exception:
        logger.warning(
            "Avidentifieringens namnlistor kunde inte läsas: "
            "läckkontrollen läser namnfilerna direkt"
        )
        names = set()
    names = names or _read_name_files()
    return frozenset(names) if names else settings.fallback_names


def _read_raw_rows(path: Path) -> Iterator[list[str]]:
    """Every row of a raw export as text cells (CSV in any encoding and delimiter, xlsx)."""
    suffix = path.suffix.casefold()
    if suffix in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise InputError(
                display_path(path),
                "kalkylbladet kan inte öppnas",
                "Spara det på nytt som .xlsx i Excel",
            ) from None
        try:
            for sheet in workbook.worksheets:
                yield [str(sheet.title)]  # a sheet named after a person: its name is raw data
                for row in sheet.iter_rows(values_only=True):
                    yield ["" if v is None else str(v) for v in row]
        finally:
            workbook.close()
        return
    data = path.read_bytes()
    if _looks_binary(data):
        raise InputError(
            display_path(path), "är ingen textfil", "Exportera den på nytt som CSV eller xlsx"
        )
    text = _decode(data)
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text, suffix))
    try:
        yield from reader
    except csv.Error:
        raise InputError(
            display_path(path), "CSV-filen kan inte läsas", "Exportera den på nytt ur systemet"
        ) from None


def _numbers_in(text: str, min_digits: int) -> set[str]:
    """Identity numbers, phone numbers and (in identifying columns) other numbers, as
    every digits-only form they may be written in."""
    found: set[str] = set()
    for number in _identity_shapes(text, lambda date, _serial: _valid_date(date)):
        found |= _pnr_variants(number.date, number.sep, number.serial)
    for m in _PHONE_RE.finditer(text):
        number = _parse_phone(m.group())
        if number is not None:
            found |= _phone_variants(number)
    return {n for n in found if len(n) >= min_digits}


_STREET_RE = re.compile(r"\b([^\W\d_]{4,})[ \u00a0]+\d{1,4}[A-Za-z]?\b")
_SPACE_ONLY_RE = re.compile(r"^[ \u00a0]{1,2}$")


@functools.cache
def _name_words() -> frozenset[str]:
    """Names that are also ordinary Swedish words (the de-identification's list)."""
    path = _names_folder() / "name_words.txt"
    if not path.is_file():
        return frozenset()
    return frozenset(
        line.strip().casefold()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


@functools.cache
def _protected_phrases_re() -> re.Pattern[str]:
    """The de-identification's protected multi-word phrases, as one whole-word pattern."""
    path = _names_folder() / "protected_phrases.list"
    phrases = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                phrases.append(re.escape(line))
    if not phrases:
        return re.compile(r"(?!x)x")
    phrases.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)


def _street_names(text: str, suffixes: tuple[str, ...]) -> set[str]:
    """Street names followed by a house number ("Smedjegatan 27B"), casefolded."""
    return {
        m.group(1).casefold()
        for m in _STREET_RE.finditer(text)
        if m.group(1).casefold().endswith(suffixes)
    }


def _add_context_name(
    prev_word: str,
    folded: str,
    name_list: frozenset[str],
    stop: frozenset[str],
    names: set[str],
    phrases: set[tuple[str, ...]],
) -> None:
    """A capitalised word right after a title or role word is a name ("mamman Zelda"); a
    stop word there only as the phrase, and only if it is a name ("dr Lind", not
    "handläggare Svedala")."""
    if folded not in stop:
        names.add(folded)
    elif folded in name_list:
        phrases.add((prev_word, folded))


def _listed_name(
    folded: str, base: str, name_list: frozenset[str], stop: frozenset[str]
) -> str | None:
    """The listed name a capitalised word stands for (itself, or ``base`` for a genitive),
    or None for stop words and names that are also ordinary words (Dag, Rosa, Sol: names
    only where context says so)."""
    word_names = _name_words()
    if folded in name_list and folded not in stop and folded not in word_names:
        return folded
    if base and base in name_list and base not in stop and base not in word_names:
        return base
    return None


def _names_in_free_text(
    text: str,
    name_list: frozenset[str],
    settings: LeakSettings,
    names: set[str],
    phrases: set[tuple[str, ...]],
) -> None:
    """Add the names of one free-text cell: capitalised words in the name list (also in
    the genitive), any capitalised word after a title or role word ("dr Lind", "mamman
    Zelda"), street names, and runs of capitalised names whose words alone are stop words
    ("Per Berg")."""
    stop = settings.stop_words
    # "Mina Planer", "Lex Maria", "Rosa Bandet": names of things, not of people
    text = _protected_phrases_re().sub(lambda m: " " * len(m.group()), text)
    names.update(_street_names(text, settings.street_suffixes))
    run: list[str] = []
    prev_end, prev_word = -10, ""
    for m in _WORD_RE.finditer(text):
        word, folded = m.group(), m.group().casefold()
        adjacent = bool(_SPACE_ONLY_RE.match(text[prev_end : m.start()]))
        capital = word[0].isupper() and len(word) >= settings.min_name_length
        if capital and adjacent and prev_word in settings.name_context_words:
            _add_context_name(prev_word, folded, name_list, stop, names, phrases)
        base = folded[:-1] if folded.endswith("s") and len(folded) > 3 else ""
        if capital and (folded in name_list or base in name_list):
            listed = _listed_name(folded, base, name_list, stop)
            if listed:
                names.add(listed)
            run = [*run, folded] if adjacent and run else [folded]
            if len(run) >= 2 and any(w in stop for w in run):
                phrases.add(tuple(run))
        else:
            run = []
        prev_end, prev_word = m.end(), folded


_RAW_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".xlsm"})


@dataclass
class _RawIdentifiers:
    """The names, full names and numbers collected so far from the raw exports."""

    settings: LeakSettings
    name_list: frozenset[str]
    names: set[str] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)

    def add_file(self, path: Path) -> None:
        """Every data row of one export; the latest header row says which columns are
        identifying (there may be title rows above it)."""
        identifying: set[int] = set()
        case_numbers: set[int] = set()
        for row in _read_raw_rows(path):
            headers = [_norm_header(c) for c in row]
            ids = {j for j, h in enumerate(headers) if h in self.settings.identifying_columns}
            cases = {j for j, h in enumerate(headers) if h in self.settings.case_number_columns}
            if ids or cases:  # a header row
                identifying, case_numbers = ids, cases
                continue
            for j, cell in enumerate(row):
                if cell and cell.strip():
                    self.add_cell(cell, j in identifying, j in case_numbers)

    def add_file_name(self, path: Path) -> None:
        """A raw file named after a person ("anna_svensson.csv"): the listed names among the
        words of its name, and its numbers, are looked for like any other raw data."""
        stem = normalise(path.stem)
        self.numbers |= _numbers_in(stem, self.settings.min_number_digits)
        stop, word_names = self.settings.stop_words, _name_words()
        for word in _WORD_RE.findall(stem):
            folded = word.casefold()
            if folded in self.name_list and folded not in stop and folded not in word_names:
                self.names.add(folded)

    def add_cell(self, cell: str, identifying: bool, case_number: bool) -> None:
        """One non-empty cell (normalised, as the outputs are when scanned): numbers
        everywhere, names by the kind of column."""
        cell = normalise(cell)
        if any(c.isdigit() for c in cell):
            self.numbers |= _numbers_in(cell, self.settings.min_number_digits)
        if identifying or case_number:
            self.add_column_numbers(cell)
        if identifying:
            self.add_identifying_names(cell)
        elif any(c.isupper() for c in cell):
            _names_in_free_text(cell, self.name_list, self.settings, self.names, self.phrases)

    def add_column_numbers(self, cell: str) -> None:
        """Every number of an identifying or case-number cell with enough digits."""
        for group in _DIGIT_RUN_RE.findall(cell):
            digits = "".join(ch for ch in group if ch.isdigit())
            if len(digits) >= self.settings.min_number_digits:
                self.numbers.add(digits)

    def add_identifying_names(self, cell: str) -> None:
        """Every word of an identifying cell that is not a stop word, and the full names
        whose words alone are stop words ("Per Ek")."""
        stop = self.settings.stop_words
        min_len = self.settings.min_name_length
        text = _EMAIL_RE.sub(" ", cell)
        words = [w.casefold() for w in _WORD_RE.findall(text) if len(w) >= min_len]
        self.names.update(w for w in words if w not in stop)
        for part in re.split(r"[,;/\n]| och ", text):
            phrase = tuple(w.casefold() for w in _WORD_RE.findall(part) if len(w) >= min_len)
            if len(phrase) >= 2 and phrase[0] in self.name_list and any(w in stop for w in phrase):
                self.phrases.add(phrase)

    def known(self) -> KnownIdentifiers:
        return KnownIdentifiers(
            frozenset(self.names), frozenset(self.phrases), frozenset(self.numbers)
        )


def _raw_exports(raw_root: Path) -> list[Path]:
    """The export files (CSV, TSV, xlsx) under ``raw_root``, recursively, sorted."""
    return [
        path
        for path in sorted(raw_root.rglob("*"))
        if path.is_file() and path.suffix.casefold() in _RAW_SUFFIXES
    ]


def known_identifiers_from_raw(
    raw_root: Path, settings: LeakSettings | None = None
) -> KnownIdentifiers:
    """Collect the names and numbers of the raw exports under ``raw_root`` (recursively).

    From every cell: identity numbers (also pnr-shaped numbers with a wrong check digit),
    phone numbers. From identifying columns (config/leaks.yaml): every word (a name) and
    the full name, every number with at least ``min_number_digits`` digits. From free
    text: capitalised words that are in the name list. Stop words are never names.
    """
    settings = settings or load_settings()
    raw_root = Path(raw_root)
    if not raw_root.is_dir():
        logger.warning("Ingen rådata i %s: bara generella mönster söks", raw_root)
        return KnownIdentifiers()
    collected = _RawIdentifiers(settings, _name_list(settings))
    files = _raw_exports(raw_root)
    for path in files:
        collected.add_file_name(path)
        collected.add_file(path)
    known = collected.known()
    logger.info("Rådata: %d filer, %s", len(files), known.summary())
    return known


# --- the pre-commit guard ----------------------------------------------------------------


def _git(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True).stdout


def _glob_re(pattern: str) -> re.Pattern[str]:
    """A path glob as a pattern: ``*`` and ``?`` stay inside one folder, ``**`` spans
    folders ("tests/fixtures/**" is everything under it, "tests/*.py" only that folder)."""
    out = []
    for part in re.split(r"(\*\*/?|\*|\?)", pattern):
        if part in ("**", "**/"):
            out.append(".*" if part == "**" else "(?:.*/)?")
        elif part == "*":
            out.append("[^/]*")
        elif part == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out) + r"\Z")


def _narrow_exclusion(pattern: str) -> bool:
    """An exclusion names one file, or a folder at least two levels down ("tests/**" or
    "*.csv" would exempt far too much)."""
    parts = pattern.split("/")
    if not any(ch in pattern for ch in "*?["):
        return bool(pattern.strip("/"))
    literal = list(itertools.takewhile(lambda p: not any(ch in p for ch in "*?["), parts))
    return len(literal) >= 2


def _staged_names(root: Path, exclude: Sequence[str] = ()) -> list[str]:
    """The files staged for commit (added, copied, modified, renamed), minus ``exclude``
    (used by tests; the guard itself scans excluded files for identity numbers)."""
    names = _git(root, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z")
    patterns = [_glob_re(p) for p in exclude]
    return [
        name
        for name in names.decode("utf-8", errors="surrogateescape").split("\0")
        if name and not any(p.match(name) for p in patterns)
    ]


@dataclass
class _StagedRules:
    """Which kinds of personal data are looked for in which staged file
    (config/leaks.yaml explains the rule)."""

    known: KnownIdentifiers
    settings: LeakSettings

    def __post_init__(self) -> None:
        self.full = _Scanner(self.known, self.settings)
        code_kinds = [k for k in DATA_KINDS if k != "namn från rådata"]
        self.code = _Scanner(self.known, self.settings, code_kinds)
        self.excluded = _Scanner(self.known, self.settings, ["personnummer"])
        self.patterns = [_glob_re(p) for p in self.settings.staged_exclude]

    def is_excluded(self, name: str) -> bool:
        return any(p.match(name) for p in self.patterns)

    def is_code(self, name: str) -> bool:
        path = PurePosixPath(name)
        if any(name.startswith(folder.rstrip("/") + "/") for folder in self.settings.data_folders):
            return False
        suffix = path.suffix.casefold()
        return suffix in self.settings.code_suffixes or (not suffix and "." not in path.name[1:])

    def scanner_for(self, name: str) -> _Scanner:
        if self.is_excluded(name):
            return self.excluded
        return self.code if self.is_code(name) else self.full


def _unreadable_findings(
    label: str, parts: Sequence[tuple[str, str]], skipped: list[str] | None
) -> list[Finding]:
    """Parts that could not be read: findings (or, with ``skipped``, noted there)."""
    findings = []
    for location, reason in parts:
        shown = label if location == _WHOLE_FILE else f"{label} ({location})"
        logger.info("Kunde inte kontrolleras (räknas som fynd): %s: %s", shown, reason)
        if skipped is not None:
            skipped.append(shown)
        else:
            findings.append(Finding(label, location, UNREADABLE, reason))
    return findings


def _scan_staged_file(root: Path, name: str, rules: _StagedRules) -> list[Finding]:
    """The staged content of one file (its members, for archives and workbooks) and its
    name; a blob that cannot be read out of git is a finding."""
    label = _masked_label(name, name, rules.full)
    findings = _name_findings(label, name, rules.full)
    try:
        data = _git(root, "show", f":{name}")
    except subprocess.CalledProcessError:
        return findings + _unreadable_findings(
            label, [(_WHOLE_FILE, "kunde inte läsas ur git")], None
        )
    segments = _guarded(_WHOLE_FILE, _blob_segments(name, data, rules.settings))
    content, parts = _scan_segments(label, segments, rules.scanner_for(name))
    return findings + content + _unreadable_findings(label, parts, None)


def scan_staged(
    root: Path,
    known: KnownIdentifiers | None = None,
    settings: LeakSettings | None = None,
) -> list[Finding]:
    """Scan the staged content (the index, not the working tree) of the files staged for
    commit, and their names. ``known`` defaults to the identifiers of root/data/raw.

    Identity numbers are looked for in every staged file, the excluded ones too
    (``staged_exclude``); names from the raw data only in data and prose, not in code
    (``code_suffixes``, ``data_folders``)."""
    project = ProjectPaths.at(root)
    root = project.root
    settings = settings or load_settings(config_dir(root) / "leaks.yaml")
    if known is None:
        known = known_identifiers_from_raw(project.raw, settings)
    rules = _StagedRules(known, settings)
    names = _staged_names(root)
    findings: list[Finding] = []
    for name in names:
        findings.extend(_scan_staged_file(root, name, rules))
    logger.info("Läckkontroll av %d köade filer: %d fynd", len(names), len(findings))
    return findings


# --- the commit-msg guard ----------------------------------------------------------------

_SCISSORS = "# ------------------------ >8 ------------------------"
COMMIT_MESSAGE = "incheckningsmeddelandet"


def commit_message_text(raw: str) -> str:
    """What git keeps of a commit message file: the lines above the scissors line of
    ``git commit -v``, without git's comment lines (starting with #)."""
    text = raw.split(_SCISSORS, 1)[0]
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def scan_commit_message(
    text: str,
    root: Path,
    known: KnownIdentifiers | None = None,
    settings: LeakSettings | None = None,
) -> list[Finding]:
    """Personal data in a commit message: identity numbers, phones, e-mail addresses,
    names and numbers of the current raw data (root/data/raw)."""
    project = ProjectPaths.at(root)
    settings = settings or load_settings(config_dir(project.root) / "leaks.yaml")
    if known is None:
        known = known_identifiers_from_raw(project.raw, settings)
    lines = [(f"rad {i}", line) for i, line in enumerate(text.splitlines(), start=1)]
    findings, _ = _scan_segments(COMMIT_MESSAGE, lines, _Scanner(known, settings))
    return findings
