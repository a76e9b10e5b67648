"""De-identification of Swedish free text.

``redact(text)`` normalises the text first (``samverkan.privacy.normalise``: invisible and
control characters removed, fullwidth and other digits folded, look-alike letters read as
Latin), then replaces personal data with bracketed placeholders and leaves every other
character of the normalised text as it was:

- ``[PERSONNUMMER]``: personal identity numbers and samordningsnummer (10 or 12 digits,
  separator ``-``, ``+``, ``.``, space or none, the date also in groups: ``ÅÅ.MM.DD-NNNN``,
  ``ÅÅ MM DD-NNNN``, ``ÅÅÅÅ-MM-DD-NNNN``; interim numbers with a letter), validated with
  the ``personnummer`` package; numbers with a wrong check digit too when the context says
  they are identity numbers or when they are a plausible date followed by ``-``/``+`` and
  four digits;
- ``[TELEFON]``: phone numbers (``phonenumbers`` plus a pass for Swedish written forms,
  also with points between the groups or a letter O for a zero: ``O7N.NNN.NN.NN``);
- ``[E-POST]``: e-mail addresses, also written out (``namn(at)domän``,
  ``namn at domän punkt se``, ``namn snabel-a domän``, ``[at]``, ``[dot]``);
- ``[ADRESS]``: street addresses with a number (also abbreviated: ``Storg. 5 B``,
  ``Drottningg 12``, ``Kungsv. 3``), post boxes, apartment numbers (``lgh 1102``), ``c/o``
  and postcodes;
- ``[NAMN]``: first names and surnames, from the name lists and from context (role words
  and titles, initials, genitives, hyphenated names), and words written in another script
  than Latin (Cyrillic, Arabic, ...).

Organisation and unit names, places, roles, abbreviations, dates of events and ordinary
words are kept. The word lists are data files under ``samverkan/privacy/names`` (see the
README there for their sources and licences).

``find_names`` decides word by word with small named rules (``_capitalised_is_name`` and
the rules it calls, ``_lower_case_is_name``), skipping protected phrases, and then widens
what it found with the rules next to a name: names joined by och/eller, surnames and
initials after a name, initials and first names before one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import pandas as pd
import phonenumbers
from personnummer import personnummer as _personnummer

from samverkan.privacy.normalise import is_plain, normalise

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


def _list_text(name: str) -> str:
    """The text of one file in ``samverkan/privacy/names``."""
    return (resources.files("samverkan.privacy") / "names" / name).read_text(encoding="utf-8")


def _read_list(name: str) -> list[str]:
    """Entries of one list file (whitespace-separated; ``#`` starts a comment line)."""
    items: list[str] = []
    for line in _list_text(name).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        items.extend(line.split())
    return items


def _read_lines(name: str) -> list[str]:
    """Entries of a one-entry-per-line list file."""
    return [
        line.strip()
        for line in _list_text(name).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _folded_list(name: str) -> frozenset[str]:
    """The casefolded entries of a whitespace-separated list file."""
    return frozenset(w.casefold() for w in _read_list(name))


# Bit flags of a name.
_FIRST = 1  # a first name
_SUR = 2  # a surname
_LOWER_OK = 4  # may be redacted in lower case without context

# Name lists: file, kind, and whether a long enough entry may be redacted in lower case.
_NAME_SOURCES = (
    ("first_names_sv.txt", _FIRST, True),
    ("first_names_international.txt", _FIRST, True),
    ("surnames_sv.txt", _SUR, True),
    ("surnames_international.txt", _SUR, True),
    ("first_names_extra.txt", _FIRST, False),
    ("surnames_extra.txt", _SUR, False),
)
# Two-word roles ("god man Lars"); their first words are no roles on their own, nor is "man".
_TWO_WORD_ROLES = frozenset(
    (
        ("god", "man"),
        ("personligt", "ombud"),
        ("personlig", "assistent"),
        ("case", "manager"),
        ("den", "enskilde"),
    )
)
_NOT_ROLES_ALONE = frozenset(("god", "personligt", "personlig", "case", "den", "man"))


@dataclass(frozen=True)
class _Lexicon:
    """The word lists, indexed for the name rules (all entries casefolded)."""

    names: dict[str, int]  # name -> _FIRST | _SUR | _LOWER_OK
    name_words: frozenset[str]  # names that are also ordinary words
    function_words: frozenset[str]  # never a name first in a sentence
    protected: frozenset[str]  # never a name without a role word before it
    protected_exact: frozenset[str]  # entries with inner capitals (SoL), matched exactly
    roles: frozenset[str]
    roles2: frozenset[tuple[str, str]]
    abbrev_roles: frozenset[str]  # roles written with a point ("dr.")
    role_prev: frozenset[str]  # every word that can end a role
    trigger: frozenset[str]  # names and first words of protected phrases
    verbs: frozenset[str]
    org_words: frozenset[str]
    place_words: frozenset[str]
    unit_suffixes: tuple[str, ...]
    phrases: dict[str, tuple[tuple[str, ...], ...]]  # first word -> phrases, longest first


def _has_inner_capital(word: str) -> bool:
    """True if a letter after the first is a capital ("SoL", "BoU", "SIP")."""
    return any(ch.isupper() for ch in word[1:])


def _load_names(name_words: frozenset[str]) -> dict[str, int]:
    """Every listed name with its flags.

    A name may be redacted in lower case when it comes from the Swedish or international
    lists, is long enough (first names 3 letters, surnames 5) and is no ordinary word.
    """
    names: dict[str, int] = {}
    for file, kind, lower_ok in _NAME_SOURCES:
        for entry in _read_lines(file):
            key = entry.casefold()
            flags = names.get(key, 0) | kind
            if lower_ok and len(key) >= (3 if kind == _FIRST else 5) and key not in name_words:
                flags |= _LOWER_OK
            names[key] = flags
    return names


def _load_roles() -> tuple[frozenset[str], frozenset[str]]:
    """One-word roles and the roles written with a point (without it)."""
    roles: set[str] = set()
    abbrev_roles: set[str] = set()
    for line in _read_lines("roles.list"):
        # Two-word roles are written on their own line or inside a line; accept both forms.
        for w in line.casefold().split():
            if w.endswith("."):
                abbrev_roles.add(w.rstrip("."))
            roles.add(w.rstrip("."))
    return frozenset(roles - _NOT_ROLES_ALONE), frozenset(abbrev_roles)


def _load_phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Protected phrases as word tuples, by first word, the longest first."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _read_lines("protected_phrases.list"):
        words = tuple(m.group(0).casefold() for m in _WORD_RE.finditer(phrase))
        if words:
            index.setdefault(words[0], []).append(words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}


@cache
def _lexicon() -> _Lexicon:
    """Load and index the word lists once."""
    name_words = frozenset(w.casefold() for w in _read_lines("name_words.txt"))
    names = _load_names(name_words)
    # Entries with capitals after the first letter (SIP, SoL, BoU) are matched exactly, so
    # that "SoL" does not protect the name "Sol"; all others case-insensitively.
    protected_words = _read_list("protected.list")
    roles, abbrev_roles = _load_roles()
    phrases = _load_phrases()
    return _Lexicon(
        names=names,
        name_words=name_words,
        function_words=_folded_list("function_words.list"),
        protected=frozenset(w.casefold() for w in protected_words if not _has_inner_capital(w)),
        protected_exact=frozenset(w for w in protected_words if _has_inner_capital(w)),
        roles=roles,
        roles2=_TWO_WORD_ROLES,
        abbrev_roles=abbrev_roles,
        role_prev=roles | frozenset(b for _, b in _TWO_WORD_ROLES) | abbrev_roles,
        trigger=frozenset(names) | frozenset(phrases),
        verbs=_folded_list("verbs.list"),
        org_words=_folded_list("org_words.list"),
        place_words=_folded_list("place_words.list"),
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
    r"(?P<sep>[ \u00a0]?[-+–][ \u00a0]?|[ \u00a0./])?"
    r"(?P<serial>\d{4}|[A-Za-z]\d{3})"
    r"(?![\w\-–/]|[.,]\d)"
)
# The date written in groups: "ÅÅ.MM.DD-NNNN", "ÅÅ MM DD-NNNN", "ÅÅÅÅ-MM-DD NNNN" (the same
# separator between year, month and day; any separator before the serial).
_PNR_GROUPED_RE = re.compile(
    r"(?<![\w+\-–/.,:])"
    r"(?P<c>18|19|20)?(?P<y>\d{2})(?P<g>[.\-/ ])(?P<m>[01]\d)(?P=g)(?P<d>[0-9]\d)"
    r"(?P<sep>[ ]?[-+–.][ ]?|[ ])"
    r"(?P<serial>\d{4}|[A-Za-z]\d{3})"
    r"(?![\w\-–/]|[.,]\d)"
)
_GROUPED_HINT_RE = re.compile(r"\d\d[.\-/ ][01]\d[.\-/ ]\d\d")
# Where an identity number in any form can begin (one leading class: a fast scan).
_PNR_GATE_RE = re.compile(r"\d\d[.\-/ ]?[01]\d[.\-/ ]?\d\d")
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
    r"(?P<num>\d[\d\- +–./]{6,17}\d[A-Za-z]?)",
    re.IGNORECASE,
)
_SIX_DIGITS_RE = re.compile(r"\d{6}")
_PNR_KEYWORD_RE = re.compile(r"personn|pnr|p-nr|pers\.? ?nr|samordningsn|reservn|födelsen|ssn")
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _plausible_date(month: int, day: int) -> bool:
    """A month and a day (of a samordningsnummer too: day + 60) that can exist."""
    if not 1 <= month <= 12:
        return False
    if day > 60:
        day -= 60
    return 1 <= day <= _DAYS_IN_MONTH[month]


def _valid_pnr(match: re.Match[str]) -> bool:
    """Check with the ``personnummer`` package (after normalising the separator)."""
    sep = "+" if "+" in (match.group("sep") or "") else "-"
    candidate = (match.group("c") or "") + match.group("y") + match.group("m") + match.group("d")
    candidate += sep + match.group("serial")
    try:
        return _personnummer.valid(candidate)
    except Exception:  # the package raises on odd input; treat as not valid
        return False


def _pnr_matches(text: str, start: int = 0) -> list[re.Match[str]]:
    """Matches of the identity-number pattern from ``start``, tried only where six digits
    begin.

    The full pattern begins with look-behinds (slow over a whole text).
    """
    matches: list[re.Match[str]] = []
    last = 0
    for hint in _SIX_DIGITS_RE.finditer(text, start):
        if hint.start() < last:
            continue
        m = _PNR_RE.match(text, hint.start())
        if m:
            matches.append(m)
            last = m.end()
    return matches


def _is_identity_number(text: str, m: re.Match[str]) -> bool:
    """Is a number shaped like an identity number one?

    A plausible date, and then: an interim number (a letter in the serial), a valid check
    digit, an identity-number keyword before it, or (not after a case-number keyword) a
    ``-``/``+`` separator or no separator in a number that does not look like a phone number.
    """
    if not _plausible_date(int(m.group("m")), int(m.group("d"))):
        return False
    if not m.group("serial")[0].isdigit():  # interim number: date + letter + three digits
        return True
    if _valid_pnr(m):
        return True
    before = text[max(0, m.start() - 40) : m.start()]
    if _PNR_CONTEXT_RE.search(before):
        return True
    if _NOT_PNR_CONTEXT_RE.search(before[-25:]):
        return False  # a case number written like a date and a serial
    sep = (m.group("sep") or "").strip()
    if sep in ("-", "+", "–"):
        return True  # a plausible date followed by four digits: a typo'd identity number
    if "g" in m.groupdict():
        return False  # a date in groups, a space or point, four digits: a date and a time
    return not m.group("sep") and not _looks_like_phone(m.group(0))


def _loose_identity_numbers(text: str) -> list[tuple[int, int]]:
    """Numbers of 9 to 13 digits right after an identity-number keyword (typos)."""
    spans: list[tuple[int, int]] = []
    for m in _PNR_LOOSE_RE.finditer(text):
        num = m.group("num").rstrip(" -+–")
        ndigits = sum(ch.isdigit() for ch in num)
        if 9 <= ndigits <= 13:
            start = m.start("num")
            spans.append((start, start + len(num)))
    return spans


def _identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of identity numbers written with digits."""
    gate = _PNR_GATE_RE.search(text) if text else None
    if gate is None:
        return []
    grouped = _GROUPED_HINT_RE.search(text, gate.start()) is not None
    first = max(0, gate.start() - 2)  # a century may stand before the first date
    spans = [
        (m.start(), m.end()) for m in _pnr_matches(text, first) if _is_identity_number(text, m)
    ]
    if grouped:
        spans += [
            (m.start(), m.end())
            for m in _PNR_GROUPED_RE.finditer(text)
            if _is_identity_number(text, m)
        ]
    if _PNR_KEYWORD_RE.search(text.lower()):
        spans += _loose_identity_numbers(text)
    return _dedupe(spans)


def find_identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of personal identity numbers, samordningsnummer and interim numbers, also
    with a letter for a digit ("76O115-4821")."""
    if not text:
        return []
    spans = _identity_numbers(text)
    digits, _, spread = _disguises(text)
    if digits is not None:
        spans = _dedupe(spans + _identity_numbers(digits))
    for s, e in spread:  # digit by digit: a valid check digit
        number = _digits(text[s:e])
        if len(number) in (10, 12) and _valid_digits(number):
            spans = _dedupe([*spans, (s, e)])
    return spans


def _valid_digits(number: str) -> bool:
    """A valid identity number or samordningsnummer of 10 or 12 digits."""
    try:
        return bool(_personnummer.valid(number))
    except Exception:  # the package raises on odd input
        return False


# --- phone numbers -------------------------------------------------------------------------

_HAS_DIGIT = re.compile(r"\d")
# Candidates: runs of digits and separators starting with +, 00 or 0.
# A slash next to a space separates two numbers ("07N-NNN NN NN / 07N-NNN NN NN").
_PHONE_MIDDLE = r"(?:[\d\-–()]|/(?! )| (?!/ ))"
_PHONE_CAND_RE = re.compile(
    r"(?<![\w+\-–/])(?<!\d[.,:])(?:\+|00)\d" + _PHONE_MIDDLE + r"{5,20}\d(?![\w]|[.,:]\d)"
    r"|(?<![\w+\-–/])(?<!\d[.,:])\(?0\d" + _PHONE_MIDDLE + r"{4,16}\d(?![\w]|[.,:/]\d)"
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
    """The digits of ``s``."""
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


# Numbers in disguise: a letter for a digit (O for 0, I or l for 1: "O7N-NNN NN NN",
# "ÅÅOMDD-NNNN") and, in phone numbers, points between the groups ("07N.NNN.NN.NN"). They
# are looked for in copies of the text of the same length in which those letters are
# digits and those points spaces, so the copies' spans are the text's.
# Each pattern below begins with one character class, so that the regex engine scans fast.
_DISGUISE_HINT_RE = re.compile(r"\d(?:\.\d|[OoIl]|[ \-]\d[ \-]\d[ \-]\d)")
# Digits written one by one ("0 7 0 1 2 3 4 5 6 7"): single digits, one separator each.
_SPREAD_RE = re.compile(r"(?<![\w+])\+?\d(?:[ .\-]\d){7,13}(?!\w|[ .\-]\d)")
_LEADING_O_RE = re.compile(r"O\d")
_LETTER_AFTER_DIGIT_RE = re.compile(r"\d[OoIl]")
_LETTER_TOKEN_RE = re.compile(r"(?<!\w)[0-9OoIl]*(?:[OoIl]\d|\d[OoIl])[0-9OoIl]*(?!\w)")
_AS_DIGITS = str.maketrans("OoIl", "0011")
_DOTTED_RUN_RE = re.compile(r"\d+(?:\.\d+)+")  # its boundaries are checked in code
_DOTTED_DATE_RE = re.compile(r"\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})|\d{4}\.\d{1,2}\.\d{1,2}")
_DOTTED_PREFIX_RE = re.compile(r"\+?0\d{1,3}\.\d{3}")


@lru_cache(maxsize=8)  # asked for by both the identity-number and the phone pass
def _disguises(text: str) -> tuple[str | None, str | None, tuple[tuple[int, int], ...]]:
    """Copies of ``text`` (same length) with its disguises removed, or None for each when
    nothing changes: (letters read as digits, and also points between phone groups as
    spaces); and the spans of numbers written digit by digit.

    A letter is read as a digit only in a token of digits and such letters ("O7O", "2O24",
    not "Olle"); points go where the run of numbers is no date ("12.03.2024") and no
    decimal number: two or more points, or one after a leading 0 and an area code.
    """
    leading_o = "O" in text and _LEADING_O_RE.search(text) is not None
    hint = _DISGUISE_HINT_RE.search(text)
    if hint is None and not leading_o:
        return None, None, ()
    spread = tuple(m.span() for m in _SPREAD_RE.finditer(text, hint.start() if hint else 0))
    digits = text
    if leading_o or _LETTER_AFTER_DIGIT_RE.search(text, hint.start() if hint else 0):
        digits = _LETTER_TOKEN_RE.sub(lambda m: m.group(0).translate(_AS_DIGITS), text)
    plain = digits
    runs = _dotted_runs(digits, hint.start() if hint and not leading_o else 0)
    if runs:
        chars = list(digits)
        for s, e in runs:
            for k in range(s, e):
                if chars[k] == ".":
                    chars[k] = " "
        plain = "".join(chars)
    return (digits if digits != text else None), (plain if plain != text else None), spread


def _phone_disguise_removed(text: str) -> str | None:
    """``text`` with the disguises of phone numbers removed (same length), or None."""
    return _disguises(text)[1]


def _dotted_runs(text: str, pos: int) -> list[tuple[int, int]]:
    """Runs of digits and points that are no date, decimal or part of a longer word."""
    runs: list[tuple[int, int]] = []
    n = len(text)
    while pos and (text[pos - 1].isdigit() or text[pos - 1] == "."):
        pos -= 1  # back to the start of the run
    for m in _DOTTED_RUN_RE.finditer(text, pos):
        s, e = m.span()
        if s and text[s - 1] == "+":
            s -= 1
        if s and (text[s - 1].isalnum() or text[s - 1] in "_.,"):
            continue
        if e < n and (text[e].isalnum() or text[e] == "_"):
            continue
        if e + 1 < n and text[e] in ".," and text[e + 1].isdigit():
            continue
        run = text[s:e]
        if _DOTTED_DATE_RE.fullmatch(run):
            continue
        if run.count(".") >= 2 or _DOTTED_PREFIX_RE.match(run):
            runs.append((s, e))
    return runs


def find_phone_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers (Swedish and international forms, also in disguise)."""
    first = _HAS_DIGIT.search(text) if text else None
    if first is None:
        return []
    spans = _plain_phone_numbers(text)
    _, plain, spread = _disguises(text)
    if plain is not None:
        spans = _dedupe(spans + _plain_phone_numbers(plain))
    if spread:
        spans = _dedupe(spans + [(s, e) for s, e in spread if _looks_like_phone(text[s:e])])
    return spans


def _plain_phone_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers written with spaces, hyphens, slashes or parentheses."""
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


def _phone_candidate_matches(text: str) -> list[re.Match[str]]:
    """Matches of the phone candidate pattern.

    The full pattern starts with look-behinds (slow to scan a whole text), so it runs only in
    windows around the runs the cheap hint pattern found.
    """
    matches: list[re.Match[str]] = []
    last = 0
    for hint in _PHONE_HINT_RE.finditer(text):
        start = max(hint.start() - 1, last)
        end = min(len(text), hint.end() + 3)
        # "040-12 34 56/040-65 43 21": numbers joined by a slash are read one by one
        pos, after_slash = start, False
        while pos < end:
            cut = _second_number_at(text[pos:end])
            stop = pos + cut if cut else end
            head = _PHONE_AFTER_SLASH_RE.match(text, pos, stop) if after_slash else None
            if head:
                matches.append(head)
                last = head.end()
            for m in _PHONE_CAND_RE.finditer(text, head.end() if head else pos, stop):
                matches.append(m)
                last = m.end()
            pos, after_slash = stop + 1, True
    return matches


_SLASH_ZERO_RE = re.compile(r"/\(?0")
_PHONE_AFTER_SLASH_RE = re.compile(r"\(?0\d" + _PHONE_MIDDLE + r"{4,16}\d(?![\w]|[.,:/]\d)")


def _second_number_at(cand: str) -> int:
    """Where a slash begins a second number ("/0..." after seven digits or more), or 0."""
    for m in _SLASH_ZERO_RE.finditer(cand):
        if sum(ch.isdigit() for ch in cand[: m.start()]) >= 7:
            return m.start()
    return 0


def _phone_spans(cand: str) -> list[tuple[int, int]]:
    """Phone numbers in one candidate, as spans relative to it."""
    # Fast path: a whole candidate in a Swedish written form needs no library call.
    if (
        _SE_PHONE_RE.fullmatch(cand)
        and not cand.startswith(("+", "00"))
        and _looks_like_phone(cand)
    ):
        return [(0, len(cand))]
    spans: list[tuple[int, int]] = []
    try:
        for pm in phonenumbers.PhoneNumberMatcher(cand, "SE"):
            spans.append((pm.start, pm.end))
    except Exception:  # phonenumbers should not raise, but never let it break redaction
        logger.debug("phonenumbers failed on a candidate")
    if spans:
        return spans
    # Pattern pass for Swedish forms phonenumbers does not accept.
    sm = _SE_PHONE_RE.match(cand)
    if sm:
        piece = sm.group(0).rstrip(" -–/")
        if _looks_like_phone(piece):
            return [(0, len(piece))]
    return []


def _phone_candidates(text: str, spans: list[tuple[int, int]]) -> None:
    """Add the phone numbers among the candidates (not after a case-number keyword)."""
    for m in _phone_candidate_matches(text):
        cand = m.group(0).rstrip(" -–/(")
        if cand.startswith("(") and ")" not in cand:
            cand = cand[1:]
            offset = m.start() + 1
        else:
            offset = m.start()
        if _NOT_PHONE_CONTEXT_RE.search(text[max(0, offset - 25) : offset]):
            continue
        spans.extend((offset + s, offset + e) for s, e in _phone_spans(cand))


# --- e-mail ------------------------------------------------------------------------------

# The "@" and the points of an address, also written out: "(at)", "[at]", " at ",
# " snabel-a ", "(dot)", "[punkt]", " punkt ", " . ".
_AT_FORMS = r"(?:\s?@\s?|\s?[(\[{<]\s?(?:at|a|snabel-?a|@)\s?[)\]}>]\s?|\s(?:at|snabel-?a)\s)"
_DOT_FORMS = r"(?:\.|\s?[(\[{<]\s?(?:dot|punkt|\.)\s?[)\]}>]\s?|\s(?:dot|punkt)\s|\s\.\s)"
_EMAIL_AT_RE = re.compile(
    _AT_FORMS + r"[\w\-]+(?:" + _DOT_FORMS + r"[\w\-]+)*" + _DOT_FORMS + r"(?P<tld>[A-Za-z]{2,})\b",
    re.IGNORECASE,
)
_EMAIL_LOCAL_RE = re.compile(
    r"(?:[\w+\-']+(?:\.|\s(?:punkt|dot)\s|[(\[](?:dot|punkt)[)\]]))*[\w+\-']+$", re.IGNORECASE
)
# Top-level domains accepted after an address written out with spaces ("anna at exempel
# punkt se"), where a word "at" alone is not enough.
_AT_HINT_RE = re.compile(r"at[ )\]}]")  # a literal prefix: a fast scan
_SPELLED_TLDS = frozenset(
    "se nu com org net eu dk no fi is ax de uk fr es it nl pl be at ch info io me biz".split()
)


def _email_anchors(text: str) -> list[int]:
    """Where an "@" or a written-out "at" ("(at)", "[at]", " at ", "snabel-a") stands."""
    low = text.lower()
    bracketed_a = "(a)" in low or "[a]" in low
    if (
        "@" not in text
        and _AT_HINT_RE.search(low) is None
        and "snabel" not in low
        and not bracketed_a
    ):
        return []  # the common case, decided by a few fast scans
    anchors: list[int] = []
    k = text.find("@")
    while k >= 0:
        anchors.append(k)
        k = text.find("@", k + 1)
    if len(low) != len(text):  # lower-casing changed the length (rare letters)
        low = "".join(ch.lower()[:1] or ch for ch in text)
    for m in _AT_HINT_RE.finditer(low):  # "at" and a space or a closing bracket
        s = m.start()
        if (
            low[m.end() - 1] != " "
            or (s and low[s - 1] in " \t\n([{<")
            or low.startswith(" )", m.end() - 1)
            or low.startswith(" ]", m.end() - 1)
        ):
            anchors.append(s)
    for word in ("snabel", "(a)", "[a]") if bracketed_a else ("snabel",):
        k = low.find(word)
        while k >= 0:
            anchors.append(k + (word[0] in "(["))  # the "a" of "(a)"
            k = low.find(word, k + 1)
    return anchors


def find_emails(text: str) -> list[tuple[int, int]]:
    """Spans of e-mail addresses, also written out (``(at)``, ``snabel-a``, ``punkt``).

    The pattern is tried only where an "@" or an "at" stands (at most three characters
    before it: a space and a bracket), not over the whole text.
    """
    if not text:
        return []
    spans: set[tuple[int, int]] = set()
    for anchor in _email_anchors(text):
        for pos in range(max(0, anchor - 3), anchor + 1):
            m = _EMAIL_AT_RE.match(text, pos)
            if m is None or m.end() <= anchor:
                continue
            spelled = any(ch.isspace() for ch in m.group(0))
            if not spelled or m.group("tld").lower() in _SPELLED_TLDS:
                local = _EMAIL_LOCAL_RE.search(text, max(0, m.start() - 64), m.start())
                if local:
                    spans.add((local.start(), m.end()))
            break
    return sorted(spans)


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
_NUMBER_RE = re.compile(r"\s\d{1,5}(?!\d)")


_Spans = list[tuple[int, int]]


def _street_windows(text: str) -> tuple[_Spans, _Spans, _Spans]:
    """Stretches of text around a house number whose word before looks like a street, those
    whose word before looks like an abbreviated street ("Storg. 5", "Kungsv 3"), and the
    spans of post boxes ("Box 123")."""
    windows: _Spans = []
    short: _Spans = []
    boxes: _Spans = []
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
        if word.endswith(".") and word[:-1].endswith(_ABBREVIATED_ENDINGS):
            short.append((max(0, start - 45), min(len(text), m.end() + 40)))
        if not before[-1][0].isupper():
            continue
        if word.endswith(_ABBREVIATED_ENDINGS):
            short.append((max(0, start - 45), min(len(text), m.end() + 40)))
        elif word in _BOX_WORDS and text.endswith(before[-1], 0, m.start()):
            boxes.append((m.start() - len(word), m.end()))
    return windows, short, boxes


# The tail of a street address: a letter of the entrance, an apartment, a floor.
_ADDRESS_TAIL = (
    r"(?:\s?[A-Ha-h](?![\wåäö]))?"
    r"(?:(?:,\s*|\s+)(?:lgh|lägenhet|lägenhetsnummer)\.?\s*(?:nr\.?\s*)?\d{3,4})?"
    r"(?:,?\s*(?:\d\s?tr|[1-9]\s?(?:trappor|trappa|tr\.)|bv|nb|ög))?"
)
# Abbreviated streets: "Storg. 5 B", "Drottningg 12", "Kungsv. 3 lgh 1102", "Parkgat. 4".
_ABBREVIATED_STREET_RE = re.compile(
    r"(?<![\w.])(?:(?:Västra|Östra|Norra|Södra|Gamla|Nya|Stora|Lilla|Övre|Nedre|Sankt|S:t)\s+)?"
    r"(?P<word>[A-ZÅÄÖa-zåäö][a-zåäöéü]{2,}(?:g|gat|gt|v|vg))(?P<point>\.?)"
    r"\s+\d{1,4}(?![\d.,:]\d|\d|\s?%)" + _ADDRESS_TAIL
)
_ABBREVIATED_ENDINGS = ("g", "gat", "gt", "v", "vg")
_BOX_WORDS = frozenset(("box", "postbox", "postfack"))


def _abbreviated_streets(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Streets written short ("Storg. 5") in ``text[start:end]``; without the point only a
    word no dictionary knows ("Drottningg 12", not "Steg 2" or "Tisdag 5")."""
    spans: list[tuple[int, int]] = []
    for m in _ABBREVIATED_STREET_RE.finditer(text, start, end):
        word = m.group("word").lower()
        if word.endswith("dag"):
            continue  # "Tisdag 5"
        lower = m.group("word")[0].islower()
        if (not m.group("point") or lower) and (len(word) < 5 or not _unknown_word(word)):
            continue
        if lower and not m.group("point"):
            continue  # in lower case only with the point: "storg. 5"
        spans.append((m.start(), m.end()))
    return spans


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
    windows, short, boxes = _street_windows(text)
    spans += boxes
    for ws, we in windows:
        for m in _STREET_RE.finditer(text, max(ws, last_end), we):
            spans.append((m.start(), m.end()))
            last_end = m.end()
    for ws, we in short:
        spans += _abbreviated_streets(text, ws, we)
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
_WORD_SPLIT_RE = re.compile(f"({_WORD_RE.pattern})")  # the same words, kept by split
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
    """True if the word after ``gap`` begins a sentence (or the text)."""
    if first or gap == " ":
        return first
    return not _SENTENCE_GAP.isdisjoint(gap) or gap.strip() in ("-", "–")


def _capitalised(word: str) -> bool:
    """A capital first letter, not all capitals ("Anna", not "ANNA" or "SIP")."""
    return word[0].isupper() and not (len(word) > 1 and word.isupper())


class _Words:
    """The words of one text, their lower-case forms and what the rules ask about them."""

    __slots__ = ("_starts", "gaps", "lex", "lowers", "n", "text", "words")

    def __init__(self, text: str, lex: _Lexicon) -> None:
        self.text = text
        self.lex = lex
        # gaps[i]: the text before word i (gaps[n]: after the last word). Splitting on the
        # word pattern in a group gives gaps and words interleaved in one pass over the
        # text, cheaper than a match object per word or a findall and a split
        parts = _WORD_SPLIT_RE.split(text)
        self.words = words = parts[1::2]
        self.gaps = parts[0::2]
        self.n = len(words)
        # Words hold no space, and lower() maps each letter on its own (Greek, whose final
        # sigma depends on the next letter, is not in the word pattern): one call on the
        # joined words splits back into each word's lower case
        self.lowers = " ".join(words).lower().split(" ") if words else []
        self._starts: list[int] | None = None  # word offsets, computed where spans are needed

    def gap(self, i: int) -> str:
        """The text between word ``i - 1`` and word ``i`` (before the first word for 0)."""
        return self.gaps[i]

    def span(self, i: int) -> tuple[int, int]:
        """(start, end) of word ``i`` in the text."""
        if self._starts is None:
            starts, at = [], 0
            for gap, word in zip(self.gaps, self.words, strict=False):
                at += len(gap)
                starts.append(at)
                at += len(word)
            self._starts = starts
        start = self._starts[i]
        return start, start + len(self.words[i])

    def base_of(self, lw: str) -> str | None:
        """The name a lower-case word is a form of (itself or its genitive), or None."""
        names = self.lex.names
        if lw in names:
            return lw
        if lw[-1] != "s":
            return None
        if len(lw) > 3 and lw[:-1] in names:
            return lw[:-1]
        if lw.endswith(("'s", "’s")) and lw[:-2] in names:
            return lw[:-2]
        return None

    def role_before(self, i: int) -> bool:
        """True if a role word or title comes right before word ``i`` ("mamman Fatima")."""
        if i == 0:
            return False
        lex = self.lex
        prev = self.lowers[i - 1]
        if prev not in lex.role_prev:
            return False
        g = self.gap(i)
        if g in (" ", ", ", ": ", "\u00a0"):
            if prev in lex.roles:
                return True
            if i >= 2 and (self.lowers[i - 2], prev) in lex.roles2 and self.gap(i - 1) == " ":
                return True  # "god man Lars"
        if g in (". ", "."):
            return prev in lex.abbrev_roles
        return False

    def next_is(self, i: int, gaps: tuple[str, ...]) -> bool:
        """True if a word follows word ``i`` with one of ``gaps`` between them."""
        return i + 1 < self.n and self.gap(i + 1) in gaps


# --- names: rules for one word -------------------------------------------------------------


def _candidates(doc: _Words) -> list[int]:
    """Words that can start a name or a protected phrase.

    Capitalised words, words in the name lists, first words of protected phrases and words
    right after a role word; every other word is never a name on its own.
    """
    trigger, role_prev, lowers = doc.lex.trigger, doc.lex.role_prev, doc.lowers
    return [
        i
        for i, w in enumerate(doc.words)
        if w[0].isupper() or lowers[i] in trigger or (i and lowers[i - 1] in role_prev)
    ]


def _protected_phrase_length(doc: _Words, i: int) -> int:
    """Number of words of the protected phrase starting at word ``i`` ("Region Skåne"), or 0.

    The last word may carry a hyphenated tail ("Lex Sarah-utredning").
    """
    lowers = doc.lowers
    for phrase in doc.lex.phrases.get(lowers[i], ()):
        k = len(phrase)
        if i + k > doc.n or tuple(lowers[i : i + k - 1]) != phrase[:-1]:
            continue
        last = lowers[i + k - 1]
        if last == phrase[-1] or last.startswith(phrase[-1] + "-"):
            return k
    return 0


def _capitalised_is_name(doc: _Words, i: int) -> bool:
    """A word with a capital first letter, decided by the first rule that applies.

    Single letters and protected words (unless after a role word) are no names; then come
    hyphenated names, words in capitals, genitives of protected words, listed names and
    words in no list.
    """
    w, lw, lex = doc.words[i], doc.lowers[i], doc.lex
    if len(w) == 1 or w in lex.protected_exact:
        return False  # initials are decided next to a name; "SoL", "BoU" are kept
    if lw in lex.protected and not w.isupper():
        # A unit, place or word in the protected list is a name only after a role word
        # ("kuratorn Lund"); decided here, before the costlier checks below.
        return doc.role_before(i)
    gap = doc.gap(i)
    start = _is_sentence_start(gap, i == 0)
    role = doc.role_before(i)
    base = doc.base_of(lw)
    if base is None and "-" in lw and _hyphenated_name(doc, i, start):
        return True
    if w.isupper():
        return _all_caps_name(doc, i, base, role)
    if base is not None and base != lw and base in lex.protected:
        return role  # the genitive of a protected word ("Lunds")
    after_org = i > 0 and doc.lowers[i - 1] in lex.org_words and gap == " "
    if base is not None:
        return _listed_name(doc, i, base, start, role, after_org)
    return _unlisted_name(doc, i, start, role, after_org)


def _hyphenated_name(doc: _Words, i: int, start: bool) -> bool:
    """A hyphenated name ("Anna-Karin", "Svensson-Lind").

    Every part capitalised, a part in the name lists and no part protected; when every
    listed part is also a word ("Rosa-Sol"), only inside a sentence.
    """
    lex = doc.lex
    parts = doc.lowers[i].split("-")
    wparts = doc.words[i].split("-")
    if not all(p and wp[:1].isupper() for p, wp in zip(parts, wparts, strict=False)):
        return False
    known = [p for p in parts if p in lex.names]
    if not known or any(p in lex.protected for p in parts):
        return False
    return any(p not in lex.name_words for p in known) or not start


def _all_caps_name(doc: _Words, i: int, base: str | None, role: bool) -> bool:
    """A word in capitals: abbreviations are all caps, so a name needs context.

    A name after a role word, next to another name in capitals ("HANS SVENSSON"), or a
    first name of four letters or more that is no word ("ANNA ringde").
    """
    lex, lowers, words, lw = doc.lex, doc.lowers, doc.words, doc.lowers[i]
    if role and lw not in lex.protected:
        return True
    if base is None or base in lex.name_words or len(lw) < 3:
        return False
    names = lex.names
    if i + 1 < doc.n and words[i + 1].isupper() and lowers[i + 1] in names:
        if doc.gap(i + 1) == " ":
            return True
    if i and words[i - 1].isupper() and lowers[i - 1] in names and doc.gap(i) == " ":
        return True
    flags = names[base]
    return len(lw) >= 4 and bool(flags & _LOWER_OK and flags & _FIRST) and lw not in lex.protected


def _listed_name(doc: _Words, i: int, base: str, start: bool, role: bool, after_org: bool) -> bool:
    """A capitalised word in the name lists (or its genitive).

    After a unit word a surname or a name that is a word names the unit ("Vårdcentralen
    Dalby"); a name that is also a word needs context; every other listed name is a name.
    """
    lex = doc.lex
    if after_org and not role and (base in lex.name_words or not lex.names[base] & _FIRST):
        return False
    if base in lex.name_words:
        return _name_word_is_name(doc, i, base, start, role)
    return True


def _name_word_is_name(doc: _Words, i: int, base: str, start: bool, role: bool) -> bool:
    """A capitalised name that is also a word ("Björn", "Rosa", "Per", "Jan").

    Not after a day number ("15 Jan"); a name after a role word or inside a sentence; first
    in a sentence only as a genitive ("Pers mamma") or before a surname, a verb or an
    initial ("Björn har ringt", "Per N.").
    """
    lw = doc.lowers[i]
    if not role and _DAY_GAP_RE.search(doc.gap(i)):
        return False  # "15 Jan", "3 Maj": a date
    if role or not start:
        return True
    if base != lw and lw not in doc.lex.function_words:
        return True  # a genitive: "Pers mamma", "Björns skola"
    if doc.next_is(i, (" ", "-")):
        return _name_word_first_in_sentence(doc, i, base)
    return False


def _name_word_first_in_sentence(doc: _Words, i: int, base: str) -> bool:
    """A name-or-word first in a sentence, decided by the word after it."""
    lex = doc.lex
    nw, nl = doc.words[i + 1], doc.lowers[i + 1]
    if _capitalised(nw) and (
        (nl in lex.names and (nl not in lex.name_words or lex.names[nl] & _SUR))
        or nl.endswith(_SURNAME_ENDINGS)
    ):
        return True  # "Bo Ek", "Stig Larsson"
    if nl in lex.verbs and base not in lex.function_words:
        return True  # "Björn har ringt"
    # "Per N."
    return len(nw) == 1 and nw.isupper() and doc.text.startswith(".", doc.span(i + 1)[1])


def _unlisted_name(doc: _Words, i: int, start: bool, role: bool, after_org: bool) -> bool:
    """A capitalised word in no list: a name after a role word, by a surname ending, before
    a listed surname, or when it is no Swedish word; never right after a unit word."""
    if role:
        return True
    if after_org:
        return False
    lex, lowers, lw = doc.lex, doc.lowers, doc.lowers[i]
    morph = len(lw) >= 5 and lw.endswith(_SURNAME_ENDINGS)
    if morph and not start:
        return True  # "... med Petrović"
    if morph and len(lw) >= 6 and i + 1 < doc.n and lowers[i + 1] in lex.verbs:
        return True  # "Petrović ringde"
    if not start and doc.next_is(i, (" ",)):
        nl = lowers[i + 1]
        if (
            _capitalised(doc.words[i + 1])
            and lex.names.get(nl, 0) & _SUR
            and nl not in lex.name_words
            and nl not in lex.protected
        ):
            return True  # "... träffade Xiomara Svensson"
    return _unknown_word_is_name(doc, i, start)


def _unknown_word_is_name(doc: _Words, i: int, start: bool) -> bool:
    """Inside a sentence (or first, before a verb), a capitalised word that is no Swedish
    word, no place or unit and not after a place preposition is most likely a name in no
    list ("Vi pratade med Xiomara", "Asli har ...")."""
    lex, lowers, w, lw = doc.lex, doc.lowers, doc.words[i], doc.lowers[i]
    n = doc.n
    # For the first word, lowers[i - 1] is the last word of the text (as it always was).
    return (
        (not start or (len(lw) <= 10 and i + 1 < n and lowers[i + 1] in lex.verbs))
        and 3 <= len(lw) <= 12
        and w[1:].islower()
        and lowers[i - 1] not in lex.place_words
        and not lw.endswith(lex.unit_suffixes)
        and "-" not in lw
        and not (
            i + 1 < n
            and _capitalised(doc.words[i + 1])
            and lowers[i + 1].endswith(lex.unit_suffixes)
        )
        and _unknown_word(lw)
    )


def _lower_case_is_name(doc: _Words, i: int) -> bool:
    """A word in lower case: a listed name that is no word ("pratade med anna"), or after a
    role word a listed or unknown word ("mamman fadumo")."""
    lex, lw = doc.lex, doc.lowers[i]
    flags = lex.names.get(lw, 0)
    if (
        flags & _LOWER_OK
        and lw not in lex.protected
        and lw not in lex.function_words
        and lw not in lex.roles
        and lw not in lex.verbs
        and lw not in lex.org_words
    ):
        return True
    if doc.lowers[i - 1] not in lex.roles or not doc.role_before(i):
        return False
    if lw in lex.protected or lw in lex.verbs or lw in lex.roles:
        return False
    return bool(flags and lw not in lex.function_words) or _unknown_word(lw)


# --- names: rules next to a found name ----------------------------------------------------


def _coordinated_names(
    doc: _Words, found: list[int], is_name: list[bool], blocked: set[int]
) -> None:
    """A capitalised listed name joined by "och"/"eller" to a found name is a name too, even
    when it is also a word ("Rosa och Sol från boendet", "Bo eller Stig Larsson")."""
    lex, lowers, n = doc.lex, doc.lowers, doc.n
    for k in found:
        for i, c in ((k - 2, k - 1), (k + 2, k + 1)):
            if i < 0 or i >= n or is_name[i] or lowers[c] not in _COORD or i in blocked:
                continue
            w = doc.words[i]
            if not _capitalised(w) or w in lex.protected_exact:
                continue
            base = doc.base_of(lowers[i])
            if base is None or base in lex.protected:
                continue
            if doc.gap(max(i, k)) == " " and doc.gap(c) == " ":
                is_name[i] = True


def _follows_name(doc: _Words, j: int, anchor: int) -> bool:
    """Is word ``j``, in the run of words after the found name word ``anchor``, a name?

    Initials ("Karin L."), capitalised words that are no unit, role or protected word
    ("Anna Xyz"; protected surnames like "Lund" too), and after a lower-case name a listed
    lower-case surname that is no word ("per karlsson").
    """
    lex, w, lw = doc.lex, doc.words[j], doc.lowers[j]
    if len(w) == 1 and w.isupper():
        return True
    if (
        _capitalised(w)
        and lw not in lex.org_words
        and lw not in lex.roles
        and w not in lex.protected_exact
        and (lw not in lex.protected or lex.names.get(lw, 0) & _SUR)
    ):
        return True
    if w.islower() and lex.names.get(lw, 0) & _SUR and doc.words[anchor].islower():
        return lw not in lex.name_words
    return False


def _names_after(doc: _Words, found: list[int], is_name: list[bool], blocked: set[int]) -> None:
    """Surnames and initials after each found name ("Anna Xyz", "Karin L."), chained."""
    for i in found:
        j = i + 1
        while j < doc.n and not is_name[j] and j not in blocked and doc.gap(j) in (" ", "-"):
            if not _follows_name(doc, j, i):
                break
            is_name[j] = True
            j += 1


def _precedes_name(doc: _Words, i: int) -> bool:
    """Is word ``i - 1``, right before the name word ``i``, part of the name?

    An initial ("K. Lindqvist"); a listed first name in the same case as the name ("per
    karlsson", "HANS SVENSSON"); a capitalised listed first name, or an unknown word that is
    no unit or role ("Yusra Ali Hassan").
    """
    lex, w, lw, g = doc.lex, doc.words[i - 1], doc.lowers[i - 1], doc.gap(i)
    flags = lex.names.get(lw, 0)
    if len(w) == 1 and w.isupper() and g in (". ", "."):
        return True
    if g != " ":
        return False
    if w.islower() and doc.words[i].islower():
        return (
            bool(flags & _FIRST)
            and lw not in lex.function_words
            and len(lw) >= 2
            and (lw not in lex.protected and lw not in lex.verbs and lw not in lex.roles)
        )
    if len(w) > 1 and w.isupper() and doc.words[i].isupper():
        return (
            bool(flags & _FIRST)
            and lw not in lex.function_words
            and (lw not in lex.protected and w not in lex.protected_exact)
        )
    if not _capitalised(w):
        return False
    if lw in lex.protected or lw in lex.function_words or w in lex.protected_exact:
        return False
    if flags & _FIRST:
        return True
    return (
        len(lw) >= 3
        and lw not in lex.names
        and not lw.endswith(lex.unit_suffixes)
        and lw not in lex.roles
        and _unknown_word(lw)
    )


def _names_before(doc: _Words, is_name: list[bool], blocked: set[int]) -> None:
    """An initial or a first name right before a name word (each name word once, last first)."""
    for i in reversed([k for k in range(1, doc.n) if is_name[k]]):
        if not is_name[i - 1] and (i - 1) not in blocked and _precedes_name(doc, i):
            is_name[i - 1] = True


def _name_spans(doc: _Words, is_name: list[bool]) -> list[tuple[int, int]]:
    """One span per run of name words joined by a space, a hyphen or an initial's point.

    A genitive apostrophe ("Anders'") and the point of a final initial ("Karin L.") belong
    to the span.
    """
    text, words = doc.text, doc.words
    spans: list[tuple[int, int]] = []
    done = -1
    for i in [k for k in range(doc.n) if is_name[k]]:
        if i <= done:
            continue
        s, e = doc.span(i)
        j = i + 1
        while j < doc.n and is_name[j]:
            g = doc.gap(j)
            if g not in (" ", "-", ". ", "\u00a0") or (g == ". " and len(words[j - 1]) != 1):
                break
            e = doc.span(j)[1]
            j += 1
        last = words[j - 1]
        if e < len(text) and text[e] in "'’" and last[-1] in "sxzSXZ":
            e += 1  # "Anders'"
        elif e < len(text) and text[e] == "." and len(last) == 1:
            e += 1  # "Karin L."
        spans.append((s, e))
        done = j - 1
    return spans


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names (one span per run of adjacent name words)."""
    if not text:
        return []
    doc = _Words(text, _lexicon())
    cand = _candidates(doc)
    if not cand:
        return []
    blocked: set[int] = set()
    is_name = [False] * doc.n
    phrases = doc.lex.phrases
    for i in cand:
        if i in blocked:
            continue
        if doc.lowers[i] in phrases:
            k = _protected_phrase_length(doc, i)
            if k:
                blocked.update(range(i, i + k))
                continue
        c0 = doc.words[i][0]
        if c0.isupper():
            is_name[i] = _capitalised_is_name(doc, i)
        elif c0.islower():
            is_name[i] = _lower_case_is_name(doc, i)
    found = [i for i in range(doc.n) if is_name[i]]
    if not found:
        return []
    _coordinated_names(doc, found, is_name, blocked)
    _names_after(doc, found, is_name, blocked)
    _names_before(doc, is_name, blocked)
    return _name_spans(doc, is_name)


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


# Letters of other scripts than Latin (Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic,
# Georgian, CJK, ...). In a Swedish case note a word in another script is a name, or a
# quote that may hold one: it is redacted as a name (a single letter, "β", is kept).
_OTHER = (
    "\u0370-\u03ff\u0400-\u052f\u0530-\u1dff\u2c00-\u2dff\u2e80-\ud7ff\uf900-\ufdff\ufe70-\ufefc"
)
_OTHER_SCRIPT_RE = re.compile(f"[{_OTHER}]")
_OTHER_SCRIPT_WORD_RE = re.compile(f"[{_OTHER}][{_OTHER}\u0300-\u036f'’\\-]*")


def find_other_script_words(text: str) -> list[tuple[int, int]]:
    """Spans of words of two letters or more written in another script than Latin."""
    if text.isascii() or _OTHER_SCRIPT_RE.search(text) is None:
        return []
    return [
        (m.start(), m.end())
        for m in _OTHER_SCRIPT_WORD_RE.finditer(text)
        if len(m.group(0).strip("-'’")) >= 2
    ]


def _find(text: str, plain: bool = False) -> list[tuple[int, int, str]]:
    """All findings as ``(start, end, label)``, non-overlapping, in order (``plain``: the
    caller knows the text is plain Latin text, so there are no words of other scripts)."""
    digits = _HAS_DIGIT.search(text) is not None
    return _accept(
        find_emails(text),
        find_identity_numbers(text) if digits else (),
        find_phone_numbers(text) if digits else (),
        find_addresses(text) if digits or "c/o" in text.lower() else (),
        _names(text, plain),
    )


def _names(text: str, plain: bool) -> list[tuple[int, int]]:
    """Names, and (unless ``plain``) the words of other scripts, in order."""
    names = find_names(text)
    return names if plain else sorted(names + find_other_script_words(text))


_Found = Sequence[tuple[int, int]]


def _accept(
    emails: _Found, pnrs: _Found, phones: _Found, addresses: _Found, names: _Found
) -> list[tuple[int, int, str]]:
    """The findings of one text merged: where two overlap, the kind found first in
    ``_PRIORITY`` order (e-mail, identity number, phone number, address, name) wins, then
    the earlier, then the longer; the accepted spans in order."""
    if not (emails or pnrs or phones or addresses):
        return [(s, e, NAME) for s, e in names]
    candidates: list[tuple[int, int, int, int, str]] = []
    for rank, (found, label) in enumerate(
        ((emails, EMAIL), (pnrs, PNR), (phones, PHONE), (addresses, ADDRESS), (names, NAME))
    ):
        candidates.extend((rank, s, s - e, e, label) for s, e in found)
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
    """All findings in ``text``, non-overlapping, in order.

    ``text`` is read as it is: :func:`redact` normalises before it looks, so pass
    ``normalise(text)`` to see what redaction sees.
    """
    if not text:
        return []
    return [Span(s, e, label) for s, e, label in _find(text)]


def redact(text: str) -> str:
    """Replace personal data in Swedish free text with bracketed placeholders.

    The text is normalised first (:func:`samverkan.privacy.normalise.normalise`: invisible
    and control characters removed, fullwidth digits folded): what comes back is the
    normalised text with the placeholders, and that is what the processed data stores.
    """
    if not text or not isinstance(text, str):
        return text
    plain = is_plain(text)
    if not plain:
        text = normalise(text)
    return _replace(text, _find(text, plain))


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced by its label."""
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


def redact_many(texts: Sequence[Any]) -> list[Any]:
    """``[redact(t) for t in texts]``, the same result, faster for many texts: each finder
    runs over all texts in turn (one rule set at a time keeps the interpreter's caches warm),
    then each text's findings are merged as ``redact`` merges them."""
    plain = [isinstance(t, str) and bool(t) and is_plain(t) for t in texts]
    todo = [
        (k, t if p else normalise(t))
        for k, (t, p) in enumerate(zip(texts, plain, strict=True))
        if t and isinstance(t, str)
    ]
    work = [t for _, t in todo]
    digits = [_HAS_DIGIT.search(t) is not None for t in work]
    emails = [find_emails(t) for t in work]
    # identity numbers and phone numbers text by text, so that the second pass finds the
    # text's disguises (``_disguises``) in the cache the first one filled
    numbers = [
        (find_identity_numbers(t), find_phone_numbers(t)) if d else ((), ())
        for t, d in zip(work, digits, strict=True)
    ]
    pnrs = [p for p, _ in numbers]
    phones = [p for _, p in numbers]
    addresses = [
        find_addresses(t) if d or "c/o" in t.lower() else ()
        for t, d in zip(work, digits, strict=True)
    ]
    names = [_names(t, plain[k]) for k, t in todo]
    out = list(texts)
    for n, (k, t) in enumerate(todo):
        out[k] = _replace(t, _accept(emails[n], pnrs[n], phones[n], addresses[n], names[n]))
    return out


def redact_series(s: pd.Series) -> pd.Series:
    """``redact`` applied to every string in a Series; missing values stay missing."""

    def one(value: Any) -> Any:
        return redact(value) if isinstance(value, str) else value

    return s.map(one)
