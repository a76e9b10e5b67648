"""The leak scanner: proves that no personal data left the raw zone.

Scans every file the pipeline writes (parquet, CSV/TSV, JSON, HTML and SVG, PDF text,
notebooks with their outputs and metadata, spreadsheets, logs and other text) for
identity numbers (personnummer and samordningsnummer with a valid check digit, any
separator), phone numbers, e-mail addresses, and every name and number that occurs in
the current raw exports (:func:`known_identifiers_from_raw`).

A finding carries only a masked form of what was found, so the scanner's own output
does not leak. Locations are 1-based: ``rad`` is the data row of a table (for CSV the
line of the file, header = rad 1), ``cell``/``output`` count notebook cells and outputs
from 1, ``sida`` is the PDF page.

Settings (identifying column headers, stop words, thresholds) are in config/leaks.yaml.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import csv
import datetime as dt
import fnmatch
import functools
import io
import itertools
import json
import logging
import re
import subprocess
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import phonenumbers
from personnummer import personnummer as pnr

from samverkan.project.errors import InputError
from samverkan.project.paths import ProjectPaths, config_dir
from samverkan.project.settings import load_yaml

logger = logging.getLogger(__name__)

KINDS = ("personnummer", "telefon", "e-post", "namn från rådata", "nummer från rådata")

_CHUNK_CHARS = 1_000_000  # text scanned per regex pass

# --- patterns (compiled once) ------------------------------------------------------------

# 10 or 12 digits, optional separator before the four last digits.
_PNR_RE = re.compile(r"(?<![\d])(\d{8}|\d{6})([-+ \u00a0]?)(\d{4})(?![\d])")
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[^\W\d_]{2,24}(?![\w-])"
)
# A phone number candidate: starts with + , 00 or 0, then 6 to 14 more digits with the
# separators people write. Validated with phonenumbers.
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00|0)\s?\(?\d(?:[ \u00a0\-/()]{0,2}\d){5,14}(?![\w])")
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

_TEXT_SUFFIXES = {
    ".log",
    ".txt",
    ".md",
    ".markdown",
    ".rst",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".tex",
    ".py",
    ".r",
    ".sql",
    ".dvc",
    ".lock",
    ".tsv",
    ".css",
    ".js",
    ".qdc",
}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".svg", ".xml"}
_CSV_SUFFIXES = {".csv", ".tsv"}
_SKIP_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".ico",
    ".webp",
    ".tif",
    ".tiff",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
    ".eot",
    ".zip",
    ".gz",
    ".bz2",
    ".xz",
    ".7z",
    ".pkl",
    ".pickle",
    ".npy",
    ".npz",
    ".so",
    ".pyc",
    ".db",
    ".sqlite",
    ".xls",
    ".qdpx",
}


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
        staged_exclude=tuple(words("staged_exclude")),
        stop_words=folded("stop_words") | _organisation_words(path.parent),
        name_context_words=folded("name_context_words"),
        street_suffixes=tuple(w.casefold() for w in words("street_suffixes")),
        fallback_names=folded("fallback_first_names") | folded("fallback_surnames"),
    )


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


def _is_personnummer(date: str, sep: str, serial: str) -> bool:
    candidate = f"{date}{'+' if sep == '+' else '-'}{serial}"
    try:
        return bool(pnr.valid(candidate))
    except Exception:  # the package raises on some malformed input
        return False


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


def _phone_variants(number: phonenumbers.PhoneNumber) -> set[str]:
    national = phonenumbers.national_significant_number(number)
    code = str(number.country_code)
    variants = {code + national, "00" + code + national}
    if number.country_code == 46:
        variants.add("0" + national)
    return variants


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

    def __init__(self, known: KnownIdentifiers | None, settings: LeakSettings) -> None:
        self.known = known or KnownIdentifiers()
        self.settings = settings
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
        hits: list[tuple[int, int, str, str]] = []
        taken: list[tuple[int, int]] = []

        def overlaps(start: int, end: int) -> bool:
            return any(s < end and start < e for s, e in taken)

        for m in _PNR_RE.finditer(text):
            if _is_personnummer(m.group(1), m.group(2), m.group(3)):
                hits.append((m.start(), m.end(), "personnummer", _mask_number(m.group())))
                taken.append(m.span())
        if "@" in text:
            for m in _EMAIL_RE.finditer(text):
                domain = m.group().rpartition("@")[2].casefold()
                if domain in self.settings.allowed_email_domains:
                    taken.append(m.span())
                    continue
                hits.append((m.start(), m.end(), "e-post", _mask_email(m.group())))
                taken.append(m.span())
        for m in _PHONE_RE.finditer(text):
            if overlaps(*m.span()) or _is_digit_sequence(m.group()):
                continue
            if _parse_phone(m.group()) is not None:
                hits.append((m.start(), m.end(), "telefon", _mask_number(m.group())))
                taken.append(m.span())
        if self.known.numbers:
            self._scan_numbers(text, hits, taken, overlaps)
        if self.known.names or self.known.phrases:
            self._scan_names(text, hits, taken)
        return hits

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

Segments = Iterator[tuple[str, str]]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


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
    """Collects text and attribute values (with line numbers) from HTML, SVG or XML."""

    def __init__(self, skip_attributes: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = skip_attributes
        self.items: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value and name.casefold() not in self.skip:
                self.items.append((line, value))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append((self.getpos()[0], data))

    def handle_comment(self, data: str) -> None:
        if data.strip():
            self.items.append((self.getpos()[0], data))


def _markup_segments(text: str, skip: frozenset[str], prefix: str = "", depth: int = 0) -> Segments:
    collector = _MarkupCollector(skip)
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


def _parquet_segments(path: Path) -> Segments:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
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


def _xlsx_segments(path: Path) -> Segments:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        for sheet in workbook.worksheets:
            yield f"blad {sheet.title}", str(sheet.title)
            for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                for c, value in enumerate(row, start=1):
                    if value is None or isinstance(value, (float, bool, dt.date, dt.time)):
                        continue
                    text = str(value)
                    if text.strip():
                        yield f"blad {sheet.title}, cell {get_column_letter(c)}{r}", text
        props = workbook.properties
        for attr in ("creator", "lastModifiedBy", "title", "subject", "description", "keywords"):
            value = getattr(props, attr, None)
            if value:
                yield "dokumentinfo", str(value)
    finally:
        workbook.close()


def _pdf_segments(path: Path) -> Segments:
    from pypdf import PdfReader

    reader = PdfReader(path)
    for key, value in (reader.metadata or {}).items():
        if value:
            yield f"dokumentinfo {str(key).lstrip('/')}", str(value)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        if text.strip():
            yield f"sida {number}", text


def _file_segments(path: Path, settings: LeakSettings) -> Segments | None:
    """The segments of one file, or None when its format cannot be read as text."""
    suffix = path.suffix.casefold()
    skip = settings.html_skip_attributes
    if suffix in _SKIP_SUFFIXES:
        return None
    if suffix == ".parquet":
        return _parquet_segments(path)
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_segments(path)
    if suffix == ".pdf":
        return _pdf_segments(path)
    data = path.read_bytes()
    if _looks_binary(data):
        if data[:4] == b"PAR1":
            return _parquet_segments(path)
        return None
    text = _decode(data)
    if suffix == ".ipynb":
        return _notebook_segments(text, skip)
    if suffix in _CSV_SUFFIXES:
        return _csv_segments(text, suffix)
    if suffix == ".json":
        return _json_segments(text)
    if suffix in _HTML_SUFFIXES:
        return _markup_segments(text, skip)
    return _text_segments(text)


# --- scanning ----------------------------------------------------------------------------


def _scan_segments(
    label: str, segments: Iterable[tuple[str, str]], scanner: _Scanner
) -> list[Finding]:
    """Scan segments in large joined chunks (one regex pass per chunk)."""
    findings: list[Finding] = []
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
        if not text:
            continue
        locations.append(location)
        starts.append(size)
        parts.append(text)
        size += len(text) + 1
        if size >= _CHUNK_CHARS:
            flush()
    flush()
    return findings


def _iter_files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and ".git" not in child.relative_to(path).parts:
                    yield child
        elif path.is_file():
            yield path
        else:
            raise InputError(path, "finns inte", "Ange en befintlig fil eller mapp")


def scan_file(
    path: Path,
    scanner: _Scanner,
    settings: LeakSettings,
    label: str | None = None,
    skipped: list[str] | None = None,
) -> list[Finding]:
    """Scan one file; a file that cannot be read is noted (logged) and gives no finding."""
    label = label or str(path)
    try:
        segments = _file_segments(path, settings)
        if segments is None:
            logger.warning("Hoppar över %s: formatet kan inte läsas som text", label)
            if skipped is not None:
                skipped.append(label)
            return []
        return _scan_segments(label, segments, scanner)
    except InputError:
        raise
    except Exception as exc:  # never crash on one file
        logger.warning("Hoppar över %s: kunde inte läsas (%s)", label, type(exc).__name__)
        if skipped is not None:
            skipped.append(label)
        return []


def scan_paths(
    paths: Sequence[Path],
    known: KnownIdentifiers | None = None,
    *,
    settings: LeakSettings | None = None,
    skipped: list[str] | None = None,
) -> list[Finding]:
    """Scan files and folders (recursively) for personal data.

    ``known`` holds the names and numbers of the raw data (None: only identity numbers,
    phone numbers and e-mail addresses are looked for). Files that cannot be read are
    logged and appended to ``skipped`` if given. A path that does not exist is an
    InputError.
    """
    settings = settings or load_settings()
    scanner = _Scanner(known, settings)
    findings: list[Finding] = []
    count = 0
    for path in _iter_files(paths):
        count += 1
        findings.extend(scan_file(path, scanner, settings, skipped=skipped))
    logger.info("Läckkontroll: %d filer genomsökta, %d fynd", count, len(findings))
    return findings


def default_paths(root: Path) -> list[Path]:
    """What ``check-leaks`` scans by default: processed data, reports (with the executed
    notebooks under reports/*/notebooks) and logs, those that exist."""
    project = ProjectPaths(Path(root))
    candidates = [project.processed, project.reports, project.logs]
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
                path, "kalkylbladet kan inte öppnas", "Spara det på nytt som .xlsx i Excel"
            ) from None
        try:
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    yield ["" if v is None else str(v) for v in row]
        finally:
            workbook.close()
        return
    data = path.read_bytes()
    if _looks_binary(data):
        raise InputError(path, "är ingen textfil", "Exportera den på nytt som CSV eller xlsx")
    text = _decode(data)
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text, suffix))
    try:
        yield from reader
    except csv.Error:
        raise InputError(
            path, "CSV-filen kan inte läsas", "Exportera den på nytt ur systemet"
        ) from None


def _numbers_in(text: str, min_digits: int) -> set[str]:
    """Identity numbers, phone numbers and (in identifying columns) other numbers, as
    every digits-only form they may be written in."""
    found: set[str] = set()
    for m in _PNR_RE.finditer(text):
        date, sep, serial = m.groups()
        if _is_personnummer(date, sep, serial) or _valid_date(date):
            found |= _pnr_variants(date, sep, serial)
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

    def add_cell(self, cell: str, identifying: bool, case_number: bool) -> None:
        """One non-empty cell: numbers everywhere, names by the kind of column."""
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
        collected.add_file(path)
    known = collected.known()
    logger.info("Rådata: %d filer, %s", len(files), known.summary())
    return known


# --- the pre-commit guard ----------------------------------------------------------------


def _git(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True).stdout


def _staged_names(root: Path, exclude: Sequence[str]) -> list[str]:
    """The files staged for commit (added, copied, modified, renamed), minus ``exclude``."""
    names = _git(root, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z")
    return [
        name
        for name in names.decode("utf-8", errors="replace").split("\0")
        if name and not any(fnmatch.fnmatch(name, pattern) for pattern in exclude)
    ]


def scan_staged(
    root: Path,
    known: KnownIdentifiers | None = None,
    settings: LeakSettings | None = None,
) -> list[Finding]:
    """Scan the staged content (the index, not the working tree) of the files staged for
    commit. ``known`` defaults to the identifiers of root/data/raw."""
    project = ProjectPaths.at(root)
    root = project.root
    settings = settings or load_settings(config_dir(root) / "leaks.yaml")
    if known is None:
        known = known_identifiers_from_raw(project.raw, settings)
    names = _staged_names(root, settings.staged_exclude)
    scanner = _Scanner(known, settings)
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="samverkan-staged-") as tmp:
        for name in names:
            target = Path(tmp) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_bytes(_git(root, "show", f":{name}"))
            except subprocess.CalledProcessError:
                logger.warning("Hoppar över %s: kunde inte läsas ur git", name)
                continue
            findings.extend(scan_file(target, scanner, settings, label=name))
    logger.info("Läckkontroll av %d köade filer: %d fynd", len(names), len(findings))
    return findings
