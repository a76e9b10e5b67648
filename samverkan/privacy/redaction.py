"""De-identification of Swedish free text.

``redact(text)`` replaces personal data with bracketed placeholders and leaves every other
character as it was:

- ``[PERSONNUMMER]``: personal identity numbers and samordningsnummer (10 or 12 digits,
  separator ``-``, ``+``, space or none; interim numbers with a letter), validated with the
  ``personnummer`` package; numbers with a wrong check digit too when the context says they
  are identity numbers or when they are a plausible date followed by four digits;
- ``[TELEFON]``: phone numbers (``phonenumbers`` plus a pass for Swedish written forms);
- ``[E-POST]``: e-mail addresses;
- ``[ADRESS]``: street addresses with a number, apartment numbers (``lgh 1102``), ``c/o``
  and postcodes;
- ``[NAMN]``: first names and surnames, from the name lists in ``resources/names`` and from
  context (role words and titles, initials, genitives, hyphenated names).

Organisation and unit names, places, roles, abbreviations, dates of events and ordinary
words are kept. The word lists are data files under ``samverkan/privacy/names`` (see the
README there for their sources and licences).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import pandas as pd
import phonenumbers
from personnummer import personnummer as _personnummer

logger = logging.getLogger(__name__)

PNR = "[PERSONNUMMER]"
NAME = "[NAMN]"
PHONE = "[TELEFON]"
EMAIL = "[E-POST]"
ADDRESS = "[ADRESS]"

# Priority when two findings overlap: lower wins.
_PRIORITY = {EMAIL: 0, PNR: 1, PHONE: 2, ADDRESS: 3, NAME: 4}


@dataclass(frozen=True, slots=True)
class Span:
    """A finding: ``text[start:end]`` is personal data of the kind ``label``."""

    start: int
    end: int
    label: str


# --- word lists ------------------------------------------------------------------------


def _read_list(name: str) -> list[str]:
    """Entries of one list file (whitespace-separated; ``#`` starts a comment line)."""
    path = resources.files("samverkan.privacy") / "names" / name
    items: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        items.extend(line.split())
    return items


def _read_lines(name: str) -> list[str]:
    """Entries of a one-entry-per-line list file."""
    path = resources.files("samverkan.privacy") / "names" / name
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


# Bit flags of a name.
_FIRST = 1  # a first name
_SUR = 2  # a surname
_LOWER_OK = 4  # may be redacted in lower case without context


@dataclass(frozen=True)
class _Lexicon:
    names: dict[str, int]
    name_words: frozenset[str]
    function_words: frozenset[str]
    protected: frozenset[str]
    protected_exact: frozenset[str]
    roles: frozenset[str]
    roles2: frozenset[tuple[str, str]]
    abbrev_roles: frozenset[str]
    role_prev: frozenset[str]
    trigger: frozenset[str]
    verbs: frozenset[str]
    org_words: frozenset[str]
    place_words: frozenset[str]
    unit_suffixes: tuple[str, ...]
    phrases: dict[str, tuple[tuple[str, ...], ...]]


def _has_inner_capital(word: str) -> bool:
    return any(ch.isupper() for ch in word[1:])


@cache
def _lexicon() -> _Lexicon:
    """Load and index the word lists once."""
    names: dict[str, int] = {}
    name_words = frozenset(w.casefold() for w in _read_lines("name_words.txt"))
    function_words = frozenset(w.casefold() for w in _read_list("function_words.list"))
    sources = [
        ("first_names_sv.txt", _FIRST, True),
        ("first_names_international.txt", _FIRST, True),
        ("surnames_sv.txt", _SUR, True),
        ("surnames_international.txt", _SUR, True),
        ("first_names_extra.txt", _FIRST, False),
        ("surnames_extra.txt", _SUR, False),
    ]
    for file, kind, lower_ok in sources:
        for entry in _read_lines(file):
            key = entry.casefold()
            flags = names.get(key, 0) | kind
            if lower_ok and len(key) >= (3 if kind == _FIRST else 5) and key not in name_words:
                flags |= _LOWER_OK
            names[key] = flags
            # "Anna-Karin" also teaches "anna" and "karin"; nothing else to do here.
    # Entries with capitals after the first letter (SIP, SoL, BoU) are matched exactly, so
    # that "SoL" does not protect the name "Sol"; all others case-insensitively.
    protected_words = _read_list("protected.list")
    protected = frozenset(w.casefold() for w in protected_words if not _has_inner_capital(w))
    protected_exact = frozenset(w for w in protected_words if _has_inner_capital(w))
    role_entries = [line.casefold() for line in _read_lines("roles.list")]
    roles: set[str] = set()
    roles2: set[tuple[str, str]] = set()
    abbrev_roles: set[str] = set()
    for line in role_entries:
        words = line.split()
        # Two-word roles are written on their own line or inside a line; accept both forms.
        for w in words:
            if w.endswith("."):
                abbrev_roles.add(w.rstrip("."))
            roles.add(w.rstrip("."))
    for pair in (
        ("god", "man"),
        ("personligt", "ombud"),
        ("personlig", "assistent"),
        ("case", "manager"),
        ("den", "enskilde"),
    ):
        roles2.add(pair)
    roles -= {"god", "personligt", "personlig", "case", "den", "man"}
    verbs = frozenset(w.casefold() for w in _read_list("verbs.list"))
    org_words = frozenset(w.casefold() for w in _read_list("org_words.list"))
    phrase_index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _read_lines("protected_phrases.list"):
        words = tuple(m.group(0).casefold() for m in _WORD_RE.finditer(phrase))
        if words:
            phrase_index.setdefault(words[0], []).append(words)
    phrases = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in phrase_index.items()}
    # Names that are protected words (places, months) stay names only with context.
    return _Lexicon(
        names=names,
        name_words=name_words,
        function_words=function_words,
        protected=protected,
        protected_exact=protected_exact,
        roles=frozenset(roles),
        roles2=frozenset(roles2),
        abbrev_roles=frozenset(abbrev_roles),
        role_prev=frozenset(roles) | frozenset(b for _, b in roles2) | frozenset(abbrev_roles),
        trigger=frozenset(names) | frozenset(phrases),
        verbs=verbs,
        org_words=org_words,
        place_words=frozenset(w.casefold() for w in _read_list("place_words.list")),
        unit_suffixes=tuple(w.casefold() for w in _read_list("unit_suffixes.list")),
        phrases=phrases,
    )


def warm_up() -> None:
    """Load the word lists and the dictionary used for unknown words (takes a few seconds)."""
    _lexicon()
    _unknown_word("qxqxqx")


def known_names() -> frozenset[str]:
    """All first names and surnames in the shipped lists, casefolded (for the leak scanner)."""
    return frozenset(_lexicon().names)


# --- identity numbers --------------------------------------------------------------------

_PNR_RE = re.compile(
    r"(?<![\w+\-–/])(?<!\d[.,:])"
    r"(?P<c>18|19|20)?(?P<y>\d{2})(?P<m>[01]\d)(?P<d>[0-9]\d)"
    r"(?P<sep>[-+–]|[ \u00a0])?"
    r"(?P<serial>\d{4}|[A-Za-z]\d{3})"
    r"(?![\w\-–/]|[.,]\d)"
)
_PNR_CONTEXT_RE = re.compile(
    r"(?:personnummer|personnr|pers\.?\s?nr|p-?nr|pnr|samordningsnummer|samordningsnr|"
    r"samordnings-?nr|reservnummer|reservnr|födelsenummer|id-?nummer|id-?nr|ssn|född|f\.)",
    re.IGNORECASE,
)
_NOT_PNR_CONTEXT_RE = re.compile(
    r"(?:dnr|diarienr|diarienummer|ärendenr|ärendenummer|ärende-id|ärende|ref|referens|"
    r"fakturanr|löpnr|avvikelse|avvikelsenr|avvikelsenummer|nr)\s*[:.=]?\s*$",
    re.IGNORECASE,
)
# A loose number right after an identity-number keyword (typos: too few or too many digits).
_PNR_LOOSE_RE = re.compile(
    r"(?P<kw>\b(?:personnummer|personnr|pers\.?\s?nr|p-?nr|pnr|samordningsnummer|samordningsnr|"
    r"reservnummer|reservnr|födelsenummer|ssn)\b\s*[:=.]?\s*(?:är\s+)?)"
    r"(?P<num>\d[\d\- +–]{6,15}\d[A-Za-z]?)",
    re.IGNORECASE,
)
_SIX_DIGITS_RE = re.compile(r"\d{6}")
_PNR_KEYWORD_RE = re.compile(r"personn|pnr|p-nr|pers\.? ?nr|samordningsn|reservn|födelsen|ssn")
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _plausible_date(month: int, day: int) -> bool:
    if not 1 <= month <= 12:
        return False
    if day > 60:
        day -= 60
    return 1 <= day <= _DAYS_IN_MONTH[month]


def _valid_pnr(match: re.Match[str]) -> bool:
    """Check with the ``personnummer`` package (after normalising the separator)."""
    sep = match.group("sep") or ""
    sep = "+" if sep == "+" else ("-" if sep else "")
    candidate = (match.group("c") or "") + match.group("y") + match.group("m") + match.group("d")
    candidate += sep + match.group("serial")
    try:
        return _personnummer.valid(candidate)
    except Exception:  # the package raises on odd input; treat as not valid
        return False


def find_identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of personal identity numbers, samordningsnummer and interim numbers."""
    if not text or not _SIX_DIGITS_RE.search(text):
        return []
    spans: list[tuple[int, int]] = []
    pnr_matches: list[re.Match[str]] = []
    last = 0
    for hint in _SIX_DIGITS_RE.finditer(text):
        # The full pattern begins with look-behinds (slow over a whole text): try it only
        # where a run of six digits begins.
        if hint.start() < last:
            continue
        m = _PNR_RE.match(text, hint.start())
        if m:
            pnr_matches.append(m)
            last = m.end()
    for m in pnr_matches:
        month, day = int(m.group("m")), int(m.group("d"))
        if not _plausible_date(month, day):
            continue
        serial = m.group("serial")
        sep = m.group("sep") or ""
        if not serial[0].isdigit():  # interim number: date + letter + three digits
            spans.append((m.start(), m.end()))
            continue
        if _valid_pnr(m):
            spans.append((m.start(), m.end()))
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        if _PNR_CONTEXT_RE.search(before):
            spans.append((m.start(), m.end()))
            continue
        if _NOT_PNR_CONTEXT_RE.search(before[-25:]):
            continue  # a case number written like a date and a serial
        if sep in ("-", "+", "–"):
            # A plausible date followed by four digits: a typo'd identity number.
            spans.append((m.start(), m.end()))
        elif sep == "" and not _looks_like_phone(m.group(0)):
            spans.append((m.start(), m.end()))
    if not _PNR_KEYWORD_RE.search(text.lower()):
        return _dedupe(spans)
    for m in _PNR_LOOSE_RE.finditer(text):
        num = m.group("num").rstrip(" -+–")
        ndigits = sum(ch.isdigit() for ch in num)
        if 9 <= ndigits <= 13:
            start = m.start("num")
            spans.append((start, start + len(num)))
    return _dedupe(spans)


# --- phone numbers -------------------------------------------------------------------------

_HAS_DIGIT = re.compile(r"\d")
# Candidates: runs of digits and separators starting with +, 00 or 0.
_PHONE_CAND_RE = re.compile(
    r"(?<![\w+\-–/])(?<!\d[.,:])(?:\+|00)\d[\d \-–/()]{5,20}\d(?![\w]|[.,:]\d)"
    r"|(?<![\w+\-–/])(?<!\d[.,:])\(?0\d[\d \-–/()]{4,16}\d(?![\w]|[.,:/]\d)"
)
# Swedish written forms: +46 / 0046 / 0 + area code + groups.
_SE_PHONE_RE = re.compile(
    r"(?:(?:\+|00)46[ \-–]?(?:\(0\)[ \-–]?)?|\(?0)"
    r"[1-9]\d{0,3}\)?(?:[ \-–/]{1,3}\d{1,4}){0,4}(?:\d{1,8})?"
)
_PHONE_CONTEXT_RE = re.compile(
    r"(?:\btel|\btfn|\btelefon\w*|\bring(?:er|de|t)?|\bmobil\w*|\bmobilnr|\bring\w*\s+(?:på|till)|\bsms\w*\s+till|"
    r"\bnås\s+på|\bnummer)\s*(?:nr|nummer)?\.?\s*[:=]?\s*$",
    re.IGNORECASE,
)
_PHONE_HINT_RE = re.compile(r"[+0(]\d[\d \-–/()]{4,}\d")
_LOCAL_HINT_RE = re.compile(r"\d\d[ \-]\d\d[ \-]\d\d")
_LOCAL_PHONE_RE = re.compile(
    r"(?<![\w\-–/])(?<!\d[.,:])\d{2,3}(?:[ \-]\d{2,3}){1,3}(?![\w]|[.,:]\d)"
)
_NOT_PHONE_CONTEXT_RE = re.compile(
    r"(?:dnr|diarienr|diarienummer|ärendenr|ärendenummer|ärende-id|ärende|ref|referens|"
    r"fakturanr|löpnr|id)\s*[:.=]?\s*$",
    re.IGNORECASE,
)


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _looks_like_phone(s: str) -> bool:
    """A Swedish phone number by shape: +46/0046 or 0 + 7–9 digits."""
    d = _digits(s)
    s = s.lstrip("(")
    if s.startswith("+46") or s.startswith("0046"):
        national = d[2:] if s.startswith("+") else d[4:]
        national = national.lstrip("0")
        return 7 <= len(national) <= 9
    if s.startswith("+") or s.startswith("00"):
        return False
    if not s.startswith("0") or s.startswith("00"):
        return False
    return 8 <= len(d) <= 10


def find_phone_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers (Swedish and international forms)."""
    if not text or not _HAS_DIGIT.search(text):
        return []
    spans: list[tuple[int, int]] = []
    if _PHONE_HINT_RE.search(text):
        _phone_candidates(text, spans)
    # Local numbers without area code, only right after a phone keyword.
    if _LOCAL_HINT_RE.search(text):
        for m in _LOCAL_PHONE_RE.finditer(text):
            if len(_digits(m.group(0))) < 6:
                continue
            if _PHONE_CONTEXT_RE.search(text[max(0, m.start() - 25) : m.start()]):
                spans.append((m.start(), m.end()))
    return _dedupe(spans)


def _phone_candidates(text: str, spans: list[tuple[int, int]]) -> None:
    # The full candidate pattern starts with look-behinds (slow to scan a whole text), so it
    # runs only in windows around the runs the cheap hint pattern found.
    matches: list[re.Match[str]] = []
    last = 0
    for hint in _PHONE_HINT_RE.finditer(text):
        start = max(hint.start() - 1, last)
        end = min(len(text), hint.end() + 3)
        for m in _PHONE_CAND_RE.finditer(text, start, end):
            matches.append(m)
            last = m.end()
    for m in matches:
        cand = m.group(0).rstrip(" -–/(")
        if cand.startswith("(") and ")" not in cand:
            cand = cand[1:]
            offset = m.start() + 1
        else:
            offset = m.start()
        before = text[max(0, offset - 25) : offset]
        if _NOT_PHONE_CONTEXT_RE.search(before):
            continue
        # Fast path: a whole candidate in a Swedish written form needs no library call.
        sm = _SE_PHONE_RE.fullmatch(cand)
        if sm and not cand.startswith(("+", "00")) and _looks_like_phone(cand):
            spans.append((offset, offset + len(cand)))
            continue
        found = False
        try:
            for pm in phonenumbers.PhoneNumberMatcher(cand, "SE"):
                spans.append((offset + pm.start, offset + pm.end))
                found = True
        except Exception:  # phonenumbers should not raise, but never let it break redaction
            logger.debug("phonenumbers failed on a candidate")
        if found:
            continue
        # Pattern pass for Swedish forms phonenumbers does not accept.
        sm = _SE_PHONE_RE.match(cand)
        if sm:
            piece = sm.group(0).rstrip(" -–/")
            if _looks_like_phone(piece):
                spans.append((offset, offset + len(piece)))


# --- e-mail ------------------------------------------------------------------------------

_EMAIL_AT_RE = re.compile(
    r"(?:@|\s?[(\[]\s?(?:at|snabel-a)\s?[)\]]\s?)[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}\b",
    re.IGNORECASE,
)
_EMAIL_LOCAL_RE = re.compile(r"[\w.+\-']+$")


def find_emails(text: str) -> list[tuple[int, int]]:
    """Spans of e-mail addresses (also written with ``(at)``)."""
    if not text:
        return []
    if "@" not in text:
        low = text.lower()
        if not ("at)" in low or "at]" in low or "at )" in low or "snabel" in low):
            return []
    spans: list[tuple[int, int]] = []
    for m in _EMAIL_AT_RE.finditer(text):
        local = _EMAIL_LOCAL_RE.search(text, max(0, m.start() - 64), m.start())
        if local:
            spans.append((local.start(), m.end()))
    return spans


# --- addresses ---------------------------------------------------------------------------

_STREET_SUFFIX = (
    r"gatan|gata|vägen|väg|gränd|gränden|stigen|backe|backen|torg|torget|allé|allén|alle|"
    r"leden|stråket|promenaden|esplanaden|kajen|gången|slingan|plan|platsen|vägg?en"
)
_STREET_RE = re.compile(
    r"(?:\b(?:Västra|Östra|Norra|Södra|Gamla|Nya|Stora|Lilla|Övre|Nedre|Sankt|S:t)\s+"
    r"[A-ZÅÄÖ][\wåäöéü]*"
    r"|(?<![\w])[A-ZÅÄÖ][\wåäöéü\-]*?[\wåäöéü](?:" + _STREET_SUFFIX + r")"
    r"|(?<![\w])[a-zåäö][\wåäöéü\-]*?[\wåäöéü](?:gatan|vägen|gränd|gränden|torget|allén)"
    r"|\b(?:[A-ZÅÄÖ][\wåäöéü:]*\s+){1,2}"
    r"(?:väg|gata|gränd|allé|backe|torg|stig|plats|park))"
    r"\s+\d{1,4}(?:\s?[A-Ha-h](?![\wåäö]))?"
    r"(?:(?:,\s*|\s+)(?:lgh|lägenhet|lägenhetsnummer)\.?\s*(?:nr\.?\s*)?\d{3,4})?"
    r"(?:,?\s*(?:\d\s?tr|[1-9]\s?(?:trappor|trappa|tr\.)|bv|nb|ög))?"
)
_STREET_WORDS = tuple(_STREET_SUFFIX.split("|"))
_STREET_PREFIXES = frozenset(
    "västra östra norra södra gamla nya stora lilla övre nedre sankt s:t".split()
)
_POSTCODE_HINT_RE = re.compile(r"\d{3} ?\d{2}")
_TOWN_AFTER_RE = re.compile(r"\s+([A-ZÅÄÖ][A-ZÅÄÖa-zåäö]+)")
_NUMBER_RE = re.compile(r"\s\d{1,4}(?!\d)")


def _street_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of text around a house number whose word before looks like a street."""
    windows: list[tuple[int, int]] = []
    for m in _NUMBER_RE.finditer(text):
        start = m.start() + 1
        before = text[max(0, start - 40) : start].split()
        if not before:
            continue
        word = before[-1].lower()
        if word.endswith(_STREET_WORDS) or (
            len(before) > 1 and before[-2].lower() in _STREET_PREFIXES
        ):
            windows.append((max(0, start - 45), min(len(text), m.end() + 40)))
    return windows


_APARTMENT_RE = re.compile(
    r"\b(?:lgh|lägenhet|lägenhetsnummer|lägenhetsnr)\.?\s*(?:nr\.?\s*)?\d{3,4}\b", re.IGNORECASE
)
_CO_RE = re.compile(r"\b(?i:c/o)\s+[A-ZÅÄÖ][\w\-]+(?:[ \u00a0][A-ZÅÄÖ][\w\-]+){0,2}")
_POSTCODE_SPACED_RE = re.compile(
    r"(?<![\w\-–/+])(?<!\d[.,:])(?:SE-?\s?)?[1-9]\d{2} \d{2}(?![\w\-–/]|[.,:]\d| \d)"
    r"(?!\s?(?:kr\b|kronor|sek\b|st\b|%|mg|ml|timmar|tim\b|min\b|dagar|år\b|procent))"
)
_POSTCODE_TOWN_RE = re.compile(
    r"(?<![\w\-–/+])(?<!\d[.,:])(?:SE-?\s?)?[1-9]\d{4}(?=\s+[A-ZÅÄÖ][A-ZÅÄÖa-zåäö]+)(?![\w])"
)
_POSTCODE_KW_RE = re.compile(
    r"\b(?:postnummer|postnr|postnr\.)\s*[:.]?\s*([1-9]\d{2}\s?\d{2})\b", re.IGNORECASE
)


def find_addresses(text: str) -> list[tuple[int, int]]:
    """Spans of street addresses, apartment numbers, c/o lines and postcodes."""
    if not text:
        return []
    spans: list[tuple[int, int]] = []
    if "c/o" in text or "C/O" in text or "c/O" in text:
        spans += [(m.start(), m.end()) for m in _CO_RE.finditer(text)]
    if not _HAS_DIGIT.search(text):
        return spans
    last_end = -1
    for ws, we in _street_windows(text):
        for m in _STREET_RE.finditer(text, max(ws, last_end), we):
            spans.append((m.start(), m.end()))
            last_end = m.end()
    low = text.lower()
    if "lgh" in low or "lägenhet" in low:
        spans += [(m.start(), m.end()) for m in _APARTMENT_RE.finditer(text)]
    hints = list(_POSTCODE_HINT_RE.finditer(text))
    if hints:
        protected = _lexicon().protected
        for hint in hints:
            start, end = hint.start(), min(len(text), hint.end() + 40)
            if (
                text[max(0, start - 3) : start].upper() in ("SE-", "SE ")
                or text[max(0, start - 2) : start].upper() == "SE"
            ):
                start -= 3 if text[start - 1] in "- " else 2
            m = _POSTCODE_SPACED_RE.match(text, start, end)
            if m and not _PHONE_CONTEXT_RE.search(text[max(0, start - 25) : start]):
                spans.append((m.start(), m.end()))
            m = _POSTCODE_TOWN_RE.match(text, start, end)
            if m:
                town = _TOWN_AFTER_RE.match(text, m.end())
                if town and town.group(1).casefold() in protected:
                    spans.append((m.start(), m.end()))
        if "post" in low:
            spans += [(m.start(1), m.end(1)) for m in _POSTCODE_KW_RE.finditer(text)]
    return _dedupe([(s, e if text[e - 1] != " " else e - 1) for s, e in spans])


# --- names -------------------------------------------------------------------------------

# Letters of the Latin script (Swedish, Nordic, Slavic, Turkish, Vietnamese, ...): explicit
# ranges are faster than [^\W\d_].
_LETTERS = "A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ"
_WORD_RE = re.compile(rf"[{_LETTERS}]+(?:[\-'’][{_LETTERS}]+)*")
_DAY_GAP_RE = re.compile(r"(?:^|\s)\d{1,2}\.?\s+$")
_COORD = frozenset(("och", "eller"))
_SENTENCE_GAP = frozenset('.!?:;\n•*"“”»«(')
# Endings typical of surnames (Swedish, South Slavic, Polish, Finnish, Turkish, Persian,
# Ukrainian, Armenian).
_SURNAME_ENDINGS = tuple(
    "sson ström strom qvist kvist quist gren blom dahl stedt holm lund berg bäck ander "
    "ović ovic ević evic vić ić ski sky wicz czyk czak ainen äinen oglu oğlu zadeh zada pour "
    "enko chuk yan ian ijan".split()
)


def _is_sentence_start(gap: str, first: bool) -> bool:
    if first or gap == " ":
        return first
    return not _SENTENCE_GAP.isdisjoint(gap) or gap.strip() in ("-", "–")


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names (one span per run of adjacent name words)."""
    if not text:
        return []
    lex = _lexicon()
    names = lex.names
    words = _WORD_RE.findall(text)
    n = len(words)
    if n == 0:
        return []
    lowers = _WORD_RE.findall(text.lower())
    if len(lowers) != n:  # lower-casing changed the tokens (rare letters)
        lowers = [w.lower() for w in words]
    matches = list(_WORD_RE.finditer(text))  # spans are read only where needed
    phrases = lex.phrases
    roles = lex.roles
    # Only these tokens can start a name or a protected phrase: capitalised words, words in
    # the name lists, words after a role word, first words of protected phrases.
    trigger = lex.trigger
    role_prev = lex.role_prev
    cand = [
        i
        for i, w in enumerate(words)
        if w[0].isupper() or lowers[i] in trigger or (i and lowers[i - 1] in role_prev)
    ]
    if not cand:
        return []
    blocked: set[int] = set()
    is_name = [False] * n

    def gap(i: int) -> str:
        return text[matches[i - 1].end() : matches[i].start()] if i else text[: matches[0].start()]

    def base_of(lw: str) -> str | None:
        """The name a word is a form of (itself or its genitive)."""
        if lw in names:
            return lw
        if lw[-1] != "s":
            return None
        if len(lw) > 3 and lw[-1] == "s" and lw[:-1] in names:
            return lw[:-1]
        if lw.endswith(("'s", "’s")) and lw[:-2] in names:
            return lw[:-2]
        return None

    def role_before(i: int) -> bool:
        if i == 0:
            return False
        prev = lowers[i - 1]
        if prev not in role_prev:
            return False
        g = gap(i)
        if g in (" ", ", ", ": ", "\u00a0"):
            if prev in roles:
                return True
            if i >= 2 and (lowers[i - 2], prev) in lex.roles2 and gap(i - 1) == " ":
                return True
        if g in (". ", "."):
            return prev in lex.abbrev_roles
        return False

    def capitalised(w: str) -> bool:
        return w[0].isupper() and not (len(w) > 1 and w.isupper())

    for i in cand:
        if i in blocked:
            continue
        w = words[i]
        lw = lowers[i]
        if lw in phrases:
            hit = False
            for phrase in phrases[lw]:
                k = len(phrase)
                if i + k > n or tuple(lowers[i : i + k - 1]) != phrase[:-1]:
                    continue
                last = lowers[i + k - 1]
                if last == phrase[-1] or last.startswith(phrase[-1] + "-"):
                    blocked.update(range(i, i + k))
                    hit = True
                    break
            if hit:
                continue
        c0 = w[0]
        if c0.isupper():
            if len(w) == 1:
                continue  # initials are handled below
            if w in lex.protected_exact:
                continue
            if lw in lex.protected and not w.isupper():
                # A unit, place or word in the protected list is a name only after a role
                # word ("kuratorn Lund"); decided here, before the costlier checks below.
                if role_before(i):
                    is_name[i] = True
                continue
            start = _is_sentence_start(gap(i), i == 0)
            role = role_before(i)
            base = base_of(lw)
            if base is None and "-" in lw:
                parts = lw.split("-")
                wparts = w.split("-")
                if all(p and wp[:1].isupper() for p, wp in zip(parts, wparts, strict=False)):
                    known = [p for p in parts if p in names]
                    if known and not any(p in lex.protected for p in parts):
                        if any(p not in lex.name_words for p in known) or not start:
                            is_name[i] = True
                            continue
            if len(w) > 1 and w.isupper():
                # Abbreviations are all caps; a name in capitals needs context.
                if role and lw not in lex.protected:
                    is_name[i] = True
                elif base is not None and base not in lex.name_words and len(lw) >= 3:
                    if (
                        i + 1 < n
                        and words[i + 1].isupper()
                        and lowers[i + 1] in names
                        and gap(i + 1) == " "
                    ) or (
                        i and words[i - 1].isupper() and lowers[i - 1] in names and gap(i) == " "
                    ):
                        is_name[i] = True
                    elif (
                        len(lw) >= 4
                        and names[base] & _LOWER_OK
                        and names[base] & _FIRST
                        and lw not in lex.protected
                    ):
                        is_name[i] = True  # "ANNA ringde"
                continue
            if lw in lex.protected or (base is not None and base != lw and base in lex.protected):
                if role:
                    is_name[i] = True
                continue
            after_org = i > 0 and lowers[i - 1] in lex.org_words and gap(i) == " "
            if base is not None:
                if after_org and not role and (base in lex.name_words or not names[base] & _FIRST):
                    continue
                if base in lex.name_words:
                    if not role and _DAY_GAP_RE.search(gap(i)):
                        continue  # "15 Jan", "3 Maj": a date
                    if role or not start:
                        is_name[i] = True
                        continue
                    if base != lw and lw not in lex.function_words:
                        is_name[i] = True  # a genitive: "Pers mamma", "Björns skola"
                        continue
                    if i + 1 < n and gap(i + 1) in (" ", "-"):
                        nw = words[i + 1]
                        nl = lowers[i + 1]
                        if capitalised(nw) and (
                            (nl in names and (nl not in lex.name_words or names[nl] & _SUR))
                            or nl.endswith(_SURNAME_ENDINGS)
                        ):
                            is_name[i] = True
                            continue
                        if nl in lex.verbs and base not in lex.function_words:
                            is_name[i] = True
                            continue
                        if (
                            len(nw) == 1
                            and nw.isupper()
                            and text.startswith(".", matches[i + 1].end())
                        ):
                            is_name[i] = True  # "Per N."
                            continue
                    continue
                is_name[i] = True
                continue
            # A capitalised word in no list.
            if role:
                is_name[i] = True
                continue
            if after_org:
                continue
            morph = len(lw) >= 5 and lw.endswith(_SURNAME_ENDINGS)
            if morph and not start:
                is_name[i] = True
                continue
            if morph and len(lw) >= 6 and i + 1 < n and lowers[i + 1] in lex.verbs:
                is_name[i] = True
                continue
            if not start and i + 1 < n and gap(i + 1) == " ":
                nl = lowers[i + 1]
                if (
                    capitalised(words[i + 1])
                    and names.get(nl, 0) & _SUR
                    and nl not in lex.name_words
                    and nl not in lex.protected
                ):
                    is_name[i] = True
                    continue
            # Inside a sentence (or first, before a verb), a capitalised word that is no Swedish
            # word, no place or unit and not after a place preposition is most likely a name
            # in no list.
            if (
                (not start or (len(lw) <= 10 and i + 1 < n and lowers[i + 1] in lex.verbs))
                and 3 <= len(lw) <= 12
                and w[1:].islower()
                and lowers[i - 1] not in lex.place_words
                and not lw.endswith(lex.unit_suffixes)
                and "-" not in lw
                and not (
                    i + 1 < n
                    and capitalised(words[i + 1])
                    and lowers[i + 1].endswith(lex.unit_suffixes)
                )
                and _unknown_word(lw)
            ):
                is_name[i] = True
            continue
        if c0.islower():
            flags = names.get(lw, 0)
            if flags & _LOWER_OK and lw not in lex.protected and lw not in lex.function_words:
                if lw not in roles and lw not in lex.verbs and lw not in lex.org_words:
                    is_name[i] = True
                    continue
            if lowers[i - 1] in roles and role_before(i):
                if lw not in lex.protected and lw not in lex.verbs and lw not in roles:
                    if (flags and lw not in lex.function_words) or _unknown_word(lw):
                        is_name[i] = True

    found = [i for i in range(n) if is_name[i]]
    if not found:
        return []
    # A capitalised name that is also a word, joined by "och"/"eller" to a found name, is a
    # name too ("Rosa och Sol från boendet", "Sol eller Björn").
    for k in found:
        for i, c in ((k - 2, k - 1), (k + 2, k + 1)):
            if i < 0 or i >= n or is_name[i] or lowers[c] not in _COORD or i in blocked:
                continue
            w = words[i]
            if not capitalised(w) or w in lex.protected_exact:
                continue
            base = base_of(lowers[i])
            if base is None or base in lex.protected:
                continue
            if gap(max(i, k)) == " " and gap(c) == " ":
                is_name[i] = True
    # Surnames and initials after a name ("Anna Xyz", "Karin L."), chained.
    for i in found:
        j = i + 1
        while j < n and not is_name[j] and j not in blocked and gap(j) in (" ", "-"):
            w = words[j]
            lw = lowers[j]
            if len(w) == 1 and w.isupper():
                is_name[j] = True
            elif (
                capitalised(w)
                and lw not in lex.org_words
                and lw not in roles
                and w not in lex.protected_exact
                and (lw not in lex.protected or names.get(lw, 0) & _SUR)
            ):
                is_name[j] = True
            elif w.islower() and names.get(lw, 0) & _SUR and words[i].islower():
                if lw not in lex.name_words:
                    is_name[j] = True
                else:
                    break
            else:
                break
            j += 1
    # Before a name: an initial ("K. Lindqvist") or a first name that is also a word.
    for i in reversed([k for k in range(1, n) if is_name[k]]):
        if is_name[i - 1] or (i - 1) in blocked:
            continue
        w = words[i - 1]
        g = gap(i)
        if len(w) == 1 and w.isupper() and g in (". ", "."):
            is_name[i - 1] = True
        elif g == " " and w.islower() and words[i].islower():
            lw = lowers[i - 1]
            if names.get(lw, 0) & _FIRST and lw not in lex.function_words and len(lw) >= 2:
                if lw not in lex.protected and lw not in lex.verbs and lw not in roles:
                    is_name[i - 1] = True  # "per karlsson"
        elif g == " " and len(w) > 1 and w.isupper() and words[i].isupper():
            lw = lowers[i - 1]
            if names.get(lw, 0) & _FIRST and lw not in lex.function_words:
                if lw not in lex.protected and w not in lex.protected_exact:
                    is_name[i - 1] = True  # "HANS SVENSSON"
        elif g == " " and capitalised(w):
            lw = lowers[i - 1]
            if lw in lex.protected or lw in lex.function_words or w in lex.protected_exact:
                continue
            if names.get(lw, 0) & _FIRST:
                is_name[i - 1] = True
            elif (
                len(lw) >= 3
                and lw not in names
                and not lw.endswith(lex.unit_suffixes)
                and lw not in lex.roles
                and _unknown_word(lw)
            ):
                is_name[i - 1] = True  # "Yusra Ali Hassan"

    spans: list[tuple[int, int]] = []
    done = -1
    for i in [k for k in range(n) if is_name[k]]:
        if i <= done:
            continue
        s, e = matches[i].span()
        j = i + 1
        while j < n and is_name[j]:
            g = gap(j)
            if g not in (" ", "-", ". ", "\u00a0") or (g == ". " and len(words[j - 1]) != 1):
                break
            e = matches[j].end()
            j += 1
        last = words[j - 1]
        if e < len(text) and text[e] in "'’" and last[-1] in "sxzSXZ":
            e += 1  # "Anders'"
        elif e < len(text) and text[e] == "." and len(last) == 1:
            e += 1  # "Karin L."
        spans.append((s, e))
        done = j - 1
    return spans


@lru_cache(maxsize=65_536)
def _unknown_word(word: str) -> bool:
    """True if a lower-case word is no Swedish word known to simplemma's dictionary.

    A compound of two known words ("utskrivnings|meddelandet") counts as known.
    """
    if len(word) <= 3:
        return False
    try:
        import simplemma

        known = simplemma.is_known
        if known(word, lang="sv"):
            return False
        if len(word) >= 8:
            for cut in range(3, len(word) - 2):
                head, tail = word[:cut], word[cut:]
                if known(tail, lang="sv") and (
                    known(head, lang="sv") or (head.endswith("s") and known(head[:-1], lang="sv"))
                ):
                    return False
        return True
    except Exception:
        return False


# --- putting it together -------------------------------------------------------------------


def _dedupe(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if e <= s:
            continue
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
            continue
        out.append((s, e))
    return out


def _find(text: str) -> list[tuple[int, int, str]]:
    """All findings as ``(start, end, label)``, non-overlapping, in order."""
    candidates: list[tuple[int, int, int, int, str]] = []
    for s, e in find_emails(text):
        candidates.append((0, s, s - e, e, EMAIL))
    if _HAS_DIGIT.search(text):
        for s, e in find_identity_numbers(text):
            candidates.append((1, s, s - e, e, PNR))
        for s, e in find_phone_numbers(text):
            candidates.append((2, s, s - e, e, PHONE))
        for s, e in find_addresses(text):
            candidates.append((3, s, s - e, e, ADDRESS))
    elif "c/o" in text.lower():
        for s, e in find_addresses(text):
            candidates.append((3, s, s - e, e, ADDRESS))
    names = find_names(text)
    if not candidates:
        return [(s, e, NAME) for s, e in names]
    for s, e in names:
        candidates.append((4, s, s - e, e, NAME))
    candidates.sort()  # by priority, then start, then longest first
    accepted: list[tuple[int, int, str]] = []
    for _, s, _, e, label in candidates:
        for as_, ae, _ in accepted:
            if s < ae and as_ < e:
                break
        else:
            accepted.append((s, e, label))
    accepted.sort()
    return accepted


def find_spans(text: str) -> list[Span]:
    """All findings in ``text``, non-overlapping, in order."""
    if not text:
        return []
    return [Span(s, e, label) for s, e, label in _find(text)]


def redact(text: str) -> str:
    """Replace personal data in Swedish free text with bracketed placeholders."""
    if not text or not isinstance(text, str):
        return text
    spans = _find(text)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end, label in spans:
        parts.append(text[pos:start])
        parts.append(label)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def redact_series(s: pd.Series) -> pd.Series:
    """``redact`` applied to every string in a Series; missing values stay missing."""

    def one(value: Any) -> Any:
        return redact(value) if isinstance(value, str) else value

    return s.map(one)
