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
words are kept. The word lists are data files under ``pipeline/resources/names`` (see the
README there for their sources and licences).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import personnummer
import phonenumbers

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
    path = resources.files("pipeline") / "resources" / "names" / name
    items: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        items.extend(line.split())
    return items


def _read_lines(name: str) -> list[str]:
    """Entries of a one-entry-per-line list file."""
    path = resources.files("pipeline") / "resources" / "names" / name
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
    roles: frozenset[str]
    roles2: frozenset[tuple[str, str]]
    abbrev_roles: frozenset[str]
    verbs: frozenset[str]
    org_words: frozenset[str]
    phrases: re.Pattern[str] | None


@cache
def _lexicon() -> _Lexicon:
    """Load and index the word lists once."""
    names: dict[str, int] = {}
    name_words = frozenset(w.casefold() for w in _read_lines("name_words.txt"))
    function_words = frozenset(w.casefold() for w in _read_list("function_words.list"))
    sources = [
        ("first_names_sv.txt", _FIRST, True),
        ("first_names_international.txt", _FIRST, True),
        ("surnames_sv.txt", _SUR, False),
        ("surnames_international.txt", _SUR, False),
        ("first_names_extra.txt", _FIRST, False),
        ("surnames_extra.txt", _SUR, False),
    ]
    for file, kind, lower_ok in sources:
        for entry in _read_lines(file):
            key = entry.casefold()
            flags = names.get(key, 0) | kind
            if lower_ok and len(key) >= 3 and key not in name_words:
                flags |= _LOWER_OK
            names[key] = flags
            # "Anna-Karin" also teaches "anna" and "karin"; nothing else to do here.
    protected = frozenset(w.casefold() for w in _read_list("protected.list"))
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
    phrase_list = sorted(_read_lines("protected_phrases.list"), key=len, reverse=True)
    phrases = (
        re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrase_list) + r")(?!\w)", re.IGNORECASE
        )
        if phrase_list
        else None
    )
    # Names that are protected words (places, months) stay names only with context.
    return _Lexicon(
        names=names,
        name_words=name_words,
        function_words=function_words,
        protected=protected,
        roles=frozenset(roles),
        roles2=frozenset(roles2),
        abbrev_roles=frozenset(abbrev_roles),
        verbs=verbs,
        org_words=org_words,
        phrases=phrases,
    )


def known_names() -> frozenset[str]:
    """All first names and surnames in the shipped lists, casefolded (for the leak scanner)."""
    return frozenset(_lexicon().names)


# --- identity numbers --------------------------------------------------------------------

_PNR_RE = re.compile(
    r"(?<![\w+\-–/.,])"
    r"(?P<c>18|19|20)?(?P<y>\d{2})(?P<m>[01]\d)(?P<d>[0-9]\d)"
    r"(?P<sep>[-+–]|[ \u00a0])?"
    r"(?P<serial>\d{4}|[A-Za-z]\d{3})"
    r"(?![\w\-–/]|[.,]\d)"
)
_PNR_CONTEXT_RE = re.compile(
    r"(?:personnummer|personnr|pers\.?\s?nr|p-?nr|pnr|samordningsnummer|samordningsnr|"
    r"samordnings-?nr|reservnummer|reservnr|födelsenummer|id-?nummer|id-?nr|ssn|född|f\.)"
    r"\s*[:=.]?\s*$",
    re.IGNORECASE,
)
# A loose number right after an identity-number keyword (typos: too few or too many digits).
_PNR_LOOSE_RE = re.compile(
    r"(?P<kw>\b(?:personnummer|personnr|pers\.?\s?nr|p-?nr|pnr|samordningsnummer|samordningsnr|"
    r"reservnummer|reservnr|födelsenummer|ssn)\b\s*[:=.]?\s*(?:är\s+)?)"
    r"(?P<num>\d[\d\- +–]{6,15}\d[A-Za-z]?)",
    re.IGNORECASE,
)
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
        return personnummer.valid(candidate)
    except Exception:  # the package raises on odd input; treat as not valid
        return False


def find_identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of personal identity numbers, samordningsnummer and interim numbers."""
    if not text or not _HAS_DIGIT.search(text):
        return []
    spans: list[tuple[int, int]] = []
    for m in _PNR_RE.finditer(text):
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
        before = text[max(0, m.start() - 30) : m.start()]
        if _PNR_CONTEXT_RE.search(before):
            spans.append((m.start(), m.end()))
            continue
        if sep in ("-", "+", "–"):
            # A plausible date followed by four digits: a typo'd identity number.
            spans.append((m.start(), m.end()))
        elif sep == "" and not _looks_like_phone(m.group(0)):
            spans.append((m.start(), m.end()))
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
    r"(?<![\w+\-–/.,:])(?:\+|00)\d[\d \-–/()]{5,20}\d(?![\w]|[.,:]\d)"
    r"|(?<![\w+\-–/.,:])\(?0\d[\d \-–/()]{4,16}\d(?![\w]|[.,:/]\d)"
)
# Swedish written forms: +46 / 0046 / 0 + area code + groups.
_SE_PHONE_RE = re.compile(
    r"(?:(?:\+|00)46[ \-–]?(?:\(0\)[ \-–]?)?|\(?0)"
    r"[1-9]\d{0,3}\)?(?:[ \-–/]{1,3}\d{1,4}){0,4}(?:\d{1,8})?"
)
_PHONE_CONTEXT_RE = re.compile(
    r"(?:\btel|\btfn|\btelefon\w*|\bmobil\w*|\bmobilnr|\bring\w*\s+(?:på|till)|\bsms\w*\s+till|"
    r"\bnås\s+på|\bnummer)\s*(?:nr|nummer)?\.?\s*[:=]?\s*$",
    re.IGNORECASE,
)
_LOCAL_PHONE_RE = re.compile(r"(?<![\w\-–/.,:])\d{2,3}(?:[ \-]\d{2,3}){1,3}(?![\w]|[.,:]\d)")
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
    for m in _PHONE_CAND_RE.finditer(text):
        cand = m.group(0).rstrip(" -–/(")
        if cand.startswith("(") and ")" not in cand:
            cand = cand[1:]
            offset = m.start() + 1
        else:
            offset = m.start()
        before = text[max(0, offset - 25) : offset]
        if _NOT_PHONE_CONTEXT_RE.search(before):
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
    # Local numbers without area code, only right after a phone keyword.
    for m in _LOCAL_PHONE_RE.finditer(text):
        if len(_digits(m.group(0))) < 5:
            continue
        if _PHONE_CONTEXT_RE.search(text[max(0, m.start() - 25) : m.start()]):
            spans.append((m.start(), m.end()))
    return _dedupe(spans)


# --- e-mail ------------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"[\w.+\-']+(?:@|\s?[(\[]\s?(?:at|snabel-a)\s?[)\]]\s?)[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}\b"
)


def find_emails(text: str) -> list[tuple[int, int]]:
    """Spans of e-mail addresses (also written with ``(at)``)."""
    if not text or ("@" not in text and "at" not in text):
        return []
    return [(m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]


# --- addresses ---------------------------------------------------------------------------

_STREET_SUFFIX = (
    r"gatan|gata|vägen|väg|gränd|gränden|stigen|backe|backen|torg|torget|allé|allén|alle|"
    r"leden|stråket|promenaden|esplanaden|kajen|gången|slingan|plan|platsen|vägg?en"
)
_STREET_RE = re.compile(
    r"(?:\b(?:Västra|Östra|Norra|Södra|Gamla|Nya|Stora|Lilla|Övre|Nedre|Sankt|S:t)\s+"
    r"[A-ZÅÄÖ][\wåäöéü]*"
    r"|(?<![\w])[A-ZÅÄÖ][\wåäöéü\-]*?[\wåäöéü](?:" + _STREET_SUFFIX + r")"
    r"|(?<![\w])[a-zåäö][\wåäöéü\-]*?[\wåäöéü](?:gatan|vägen|gränd|gränden|torget|allén))"
    r"\s+\d{1,4}(?:\s?[A-Ha-h](?![\wåäö]))?"
    r"(?:(?:,\s*|\s+)(?:lgh|lägenhet|lägenhetsnummer)\.?\s*(?:nr\.?\s*)?\d{3,4})?"
    r"(?:,?\s*(?:\d\s?tr|[1-9]\s?(?:trappor|trappa|tr\.)|bv|nb|ög))?"
)
_APARTMENT_RE = re.compile(
    r"\b(?:lgh|lägenhet|lägenhetsnummer|lägenhetsnr)\.?\s*(?:nr\.?\s*)?\d{3,4}\b", re.IGNORECASE
)
_CO_RE = re.compile(r"\bc/o\s+(?:[A-ZÅÄÖ][\wåäöéü\-]+\s?){1,3}", re.IGNORECASE)
_POSTCODE_SPACED_RE = re.compile(
    r"(?<![\w\-–/.,:+])(?:SE-?\s?)?[1-9]\d{2} \d{2}(?![\w\-–/]|[.,:]\d| \d)"
    r"(?!\s?(?:kr\b|kronor|sek\b|st\b|%|mg|ml|timmar|tim\b|min\b|dagar|år\b|procent))"
)
_POSTCODE_TOWN_RE = re.compile(
    r"(?<![\w\-–/.,:+])(?:SE-?\s?)?[1-9]\d{4}(?=\s+[A-ZÅÄÖ][A-ZÅÄÖa-zåäö]+)(?![\w])"
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
    spans += [(m.start(), m.end()) for m in _STREET_RE.finditer(text)]
    spans += [(m.start(), m.end()) for m in _APARTMENT_RE.finditer(text)]
    spans += [(m.start(), m.end()) for m in _POSTCODE_SPACED_RE.finditer(text)]
    spans += [(m.start(1), m.end(1)) for m in _POSTCODE_KW_RE.finditer(text)]
    for m in _POSTCODE_TOWN_RE.finditer(text):
        town = re.match(r"\s+([A-ZÅÄÖ][A-ZÅÄÖa-zåäö]+)", text[m.end() :])
        if town and town.group(1).casefold() in _lexicon().protected:
            spans.append((m.start(), m.end()))
    return _dedupe([(s, e if text[e - 1] != " " else e - 1) for s, e in spans])


# --- names -------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+(?:[\-'’][^\W\d_]+)*")
_SENTENCE_GAP = frozenset('.!?:;\n•*"“”»«(')
_SURNAME_MORPH_RE = re.compile(
    r"(?:sson|ström|strom|qvist|kvist|quist|gren|blom|blad|dahl|stedt|holm|lund|berg|bäck|ander|"
    r"ović|ovic|ević|evic|vić|ić|ski|sky|wicz|czyk|czak|ainen|äinen|nen|oglu|oğlu|zadeh|zada|pour|"
    r"enko|chuk|yan|ian|ijan)$"
)


def _is_sentence_start(gap: str, first: bool) -> bool:
    if first:
        return True
    return any(ch in _SENTENCE_GAP for ch in gap) or gap.strip() in ("-", "–")


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names (one span per run of adjacent name words)."""
    if not text:
        return []
    lex = _lexicon()
    names = lex.names
    tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(text)]
    n = len(tokens)
    if n == 0:
        return []
    blocked = [False] * n
    if lex.phrases is not None:
        phrase_spans = [(m.start(), m.end()) for m in lex.phrases.finditer(text)]
        if phrase_spans:
            for i, (s, e, _) in enumerate(tokens):
                for ps, pe in phrase_spans:
                    if s >= ps and e <= pe:
                        blocked[i] = True
                        break
    lowers = [t[2].casefold() for t in tokens]
    gaps = [text[tokens[i - 1][1] : tokens[i][0]] if i else text[: tokens[0][0]] for i in range(n)]
    is_name = [False] * n

    def base_of(lw: str) -> str | None:
        """The name a word is a form of (itself, genitive, or a hyphenated name)."""
        if lw in names:
            return lw
        if len(lw) > 3 and lw[-1] == "s" and lw[:-1] in names:
            return lw[:-1]
        if lw.endswith(("'s", "’s")) and lw[:-2] in names:
            return lw[:-2]
        return None

    def role_before(i: int) -> bool:
        if i == 0:
            return False
        gap = gaps[i]
        prev = lowers[i - 1]
        if gap in (" ", ", ", "\u00a0"):
            if prev in lex.roles:
                return True
            if i >= 2 and (lowers[i - 2], prev) in lex.roles2 and gaps[i - 1] == " ":
                return True
        if gap in (". ", "."):
            return prev in lex.abbrev_roles
        return False

    def capitalised(w: str) -> bool:
        return w[0].isupper() and not (len(w) > 1 and w.isupper())

    for i in range(n):
        if blocked[i]:
            continue
        w = tokens[i][2]
        lw = lowers[i]
        c0 = w[0]
        if c0.isupper():
            allcaps = len(w) > 1 and w.isupper()
            if len(w) == 1:
                continue  # initials are handled below
            start = _is_sentence_start(gaps[i], i == 0)
            role = role_before(i)
            base = base_of(lw)
            if base is None and "-" in lw:
                parts = lw.split("-")
                if all(p and w.split("-")[k][:1].isupper() for k, p in enumerate(parts)):
                    known = [p for p in parts if p in names]
                    if known and not any(p in lex.protected for p in parts):
                        if any(p not in lex.name_words for p in known) or not start:
                            is_name[i] = True
                            continue
            if allcaps:
                # Abbreviations are all caps; a name in capitals needs context.
                if role and lw not in lex.protected:
                    is_name[i] = True
                elif base is not None and base not in lex.name_words and len(lw) >= 3:
                    nxt = lowers[i + 1] if i + 1 < n else ""
                    prv = lowers[i - 1] if i else ""
                    if (
                        i + 1 < n
                        and tokens[i + 1][2].isupper()
                        and nxt in names
                        and gaps[i + 1] == " "
                    ) or (i and tokens[i - 1][2].isupper() and prv in names and gaps[i] == " "):
                        is_name[i] = True
                continue
            if lw in lex.protected or (base is not None and base != lw and base in lex.protected):
                if role:
                    is_name[i] = True
                continue
            prev_lw = lowers[i - 1] if i else ""
            after_org = i > 0 and prev_lw in lex.org_words and gaps[i] == " "
            if base is not None:
                if after_org and not role:
                    continue
                if base in lex.name_words:
                    if role or not start:
                        is_name[i] = True
                        continue
                    if i + 1 < n and gaps[i + 1] in (" ", "-"):
                        nw = tokens[i + 1][2]
                        nl = lowers[i + 1]
                        if capitalised(nw) and (
                            (nl in names and nl not in lex.name_words)
                            or _SURNAME_MORPH_RE.search(nl)
                        ):
                            is_name[i] = True
                            continue
                        if nl in lex.verbs and base not in lex.function_words:
                            is_name[i] = True
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
            if len(lw) >= 5 and _SURNAME_MORPH_RE.search(lw) and not start:
                is_name[i] = True
                continue
            if len(lw) >= 6 and _SURNAME_MORPH_RE.search(lw) and start:
                nl = lowers[i + 1] if i + 1 < n else ""
                if nl in lex.verbs:
                    is_name[i] = True
                    continue
            if not start and i + 1 < n and gaps[i + 1] == " ":
                nw = tokens[i + 1][2]
                nl = lowers[i + 1]
                if (
                    capitalised(nw)
                    and names.get(nl, 0) & _SUR
                    and nl not in lex.name_words
                    and nl not in lex.protected
                ):
                    is_name[i] = True
            continue
        # Lower-case word.
        if c0.islower():
            flags = names.get(lw, 0)
            if flags & _LOWER_OK and lw not in lex.protected and lw not in lex.function_words:
                if lw not in lex.roles and lw not in lex.verbs and lw not in lex.org_words:
                    is_name[i] = True
                    continue
            if role_before(i) and lw not in lex.protected and lw not in lex.verbs:
                if (flags and lw not in lex.function_words) or _unknown_word(lw):
                    is_name[i] = True

    # Surnames after a name, initials.
    for i in range(n):
        if blocked[i] or is_name[i]:
            continue
        w = tokens[i][2]
        if i > 0 and is_name[i - 1] and gaps[i] in (" ", "-"):
            lw = lowers[i]
            if len(w) == 1 and w.isupper():
                is_name[i] = True  # "Karin L."
                continue
            if capitalised(w) and lw not in lex.org_words and lw not in lex.roles:
                if lw not in lex.protected or names.get(lw, 0) & _SUR:
                    is_name[i] = True
                    continue
            if w.islower() and names.get(lw, 0) & _SUR and lw not in lex.name_words:
                if not lowers[i - 1] or tokens[i - 1][2].islower():
                    is_name[i] = True
                    continue
        if (
            len(w) == 1
            and w.isupper()
            and i + 1 < n
            and is_name[i + 1]
            and gaps[i + 1] in (". ", ".")
        ):
            is_name[i] = True  # "K. Lindqvist"
    # A first name before a name that is now known ("Dag Lindqvist" with Dag a word).
    for i in range(n - 2, -1, -1):
        if is_name[i] or blocked[i] or not is_name[i + 1] or gaps[i + 1] != " ":
            continue
        lw = lowers[i]
        w = tokens[i][2]
        if capitalised(w) and names.get(lw, 0) & _FIRST and lw not in lex.function_words:
            if lw not in lex.protected:
                is_name[i] = True

    spans: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if not is_name[i]:
            i += 1
            continue
        s, e = tokens[i][0], tokens[i][1]
        j = i + 1
        while j < n and is_name[j] and gaps[j] in (" ", "-", ". ", "\u00a0"):
            if gaps[j] == ". " and len(tokens[j - 1][2]) != 1:
                break
            e = tokens[j][1]
            j += 1
        spans.append((s, e))
        i = j
    return spans


@cache
def _unknown_word(word: str) -> bool:
    """True if a lower-case word is not a known Swedish word (by simplemma's dictionary)."""
    if len(word) <= 3:
        return False
    try:
        import simplemma

        return not simplemma.is_known(word, lang="sv")
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


def find_spans(text: str) -> list[Span]:
    """All findings in ``text``, non-overlapping, in order."""
    if not text:
        return []
    candidates: list[Span] = []
    candidates += [Span(s, e, EMAIL) for s, e in find_emails(text)]
    if _HAS_DIGIT.search(text):
        candidates += [Span(s, e, PNR) for s, e in find_identity_numbers(text)]
        candidates += [Span(s, e, PHONE) for s, e in find_phone_numbers(text)]
    candidates += [Span(s, e, ADDRESS) for s, e in find_addresses(text)]
    candidates += [Span(s, e, NAME) for s, e in find_names(text)]
    candidates.sort(key=lambda sp: (_PRIORITY[sp.label], sp.start, -(sp.end - sp.start)))
    accepted: list[Span] = []
    for sp in candidates:
        if any(sp.start < a.end and a.start < sp.end for a in accepted):
            continue
        accepted.append(sp)
    accepted.sort(key=lambda sp: sp.start)
    return accepted


def redact(text: str) -> str:
    """Replace personal data in Swedish free text with bracketed placeholders."""
    if not text or not isinstance(text, str):
        return text
    spans = find_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for sp in spans:
        parts.append(text[pos : sp.start])
        parts.append(sp.label)
        pos = sp.end
    parts.append(text[pos:])
    return "".join(parts)


def redact_series(s: pd.Series) -> pd.Series:
    """``redact`` applied to every string in a Series; missing values stay missing."""

    def one(value: Any) -> Any:
        return redact(value) if isinstance(value, str) else value

    return s.map(one)
