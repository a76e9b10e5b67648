"""Text normalisation done before redaction and before every leak scan.

People paste text from Word, PDFs and web pages: it carries zero-width spaces, soft
hyphens, bidirectional controls and fullwidth digits that split an identity number or a
name into pieces no pattern recognises. :func:`normalise` turns every such text into the
plain form redaction and the leak scanner read, and the de-identified text stored in the
processed data is this normalised text.

What it does, in order:

1. Unicode NFKC: fullwidth digits and letters become ASCII, superscripts and ligatures are
   folded, every Unicode space (no-break space, thin space, ideographic space) becomes a
   plain space.
2. Invisible format characters are removed: zero-width space and joiners, word joiner,
   soft hyphen, bidirectional marks, embeddings, overrides and isolates, byte-order mark,
   variation selectors, Mongolian and Hangul fillers.
3. Line breaks (CR LF, CR, vertical tab, form feed, NEL, line and paragraph separators)
   become ``\\n``; every other control character (C0, C1, NUL) is removed; tab stays.
4. Decimal digits of other scripts (Arabic-Indic, Devanagari, ...) become ASCII digits;
   hyphen look-alikes (Unicode hyphen, non-breaking hyphen, figure dash, minus sign)
   become ``-``. En and em dashes stay: they are ordinary Swedish punctuation.
5. A word that mixes Latin letters or digits with Cyrillic or Greek look-alikes ("Аnna"
   with a Cyrillic А) is read as Latin; words wholly in another script stay as they are.

Plain ASCII or Latin-1 text without controls, soft hyphens or compatibility characters
(the normal case) is returned as it is after one regular-expression search.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible format characters that split words and numbers: zero-width space, joiners,
# word joiner, soft hyphen, bidirectional marks, embeddings, overrides and isolates, BOM,
# variation selectors, combining grapheme joiner, Hangul and Mongolian fillers.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufeff\ufe00-\ufe0f\uffa0]"
)
# Line breaks: CR LF, CR, vertical tab, form feed, NEL, line and paragraph separators.
_LINE_BREAKS = re.compile("\r\n|[\r\v\f\u0085\u2028\u2029]")
# Other control characters (C0 and C1) except tab and newline.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Plain text needs no work: tab, newline, printable ASCII and the Latin-1 characters that
# NFKC keeps and step 2 does not remove (everything but no-break space, diaeresis, ª, soft
# hyphen, macron, ², ³, acute, µ, cedilla, ¹, º and the fractions).
# Typographic characters NFKC keeps are plain too: en and em dash, curly quotes, bullet, euro.
_NEEDS_WORK = re.compile(
    "[^\t\n\x20-\x7e\xa1-\xa7\xa9\xab\xac\xae\xb0\xb1\xb6\xb7\xbb\xbf-\xff"
    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u20ac"
    # Latin Extended-A and -B and Latin Extended Additional (ć, ž, ş, ơ, ạ), except the
    # ligatures, long s and the few letters NFKC changes (ĳ, ŀ, ŉ, ſ, ǆ, ǉ, ǌ, ǳ, ẚ, ẛ).
    "\u0100-\u0131\u0134-\u013e\u0141-\u0148\u014a-\u017e\u0180-\u01c3\u01cd-\u01f0"
    "\u01f4-\u024f\u1e00-\u1e99\u1e9c-\u1eff]"
)
# A decimal digit that is not ASCII.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
# Hyphen look-alikes: hyphen, non-breaking hyphen, figure dash, minus sign, small hyphen-minus.
_HYPHENS = re.compile("[\u2010\u2011\u2012\u2212\ufe63]")


def _fold_digits(text: str) -> str:
    """Decimal digits of other scripts as ASCII digits (only when there are any)."""
    if text.isascii() or _OTHER_DIGIT.search(text) is None:
        return text
    out: list[str] = []
    changed = False
    for ch in text:
        if ch > "\x7f" and ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))
            changed = True
        else:
            out.append(ch)
    return "".join(out) if changed else text


# Cyrillic and Greek letters that look like Latin ones. A word that mixes them with Latin
# letters or digits ("Аnna" with a Cyrillic А, "О7N-NNN NN NN" with a Cyrillic О) is
# written to look Latin: it is read as Latin. Words wholly in another script are kept.
_CONFUSABLES = str.maketrans(
    "АВЕКМНОРСТХУаеорсухіјѕԁһӏ"  # Cyrillic
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρτυχ",  # Greek
    "ABEKMHOPCTXYaeopcyxijsdhlABEZHIKMNOPTYXoikvptux",
)
# A word here includes combining marks (Python's \w does not): "А\u0301ο" is one word.
_MIXED_WORD = re.compile(r"[\w\u0300-\u036f]*[\u0370-\u03ff\u0400-\u04ff][\w\u0300-\u036f]*")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")


def fold_look_alikes(text: str) -> str:
    """Words mixing Latin letters or digits with Cyrillic or Greek look-alikes, in Latin."""

    def fold(m: re.Match[str]) -> str:
        word = m.group(0)
        return word.translate(_CONFUSABLES) if _LATIN_OR_DIGIT.search(word) else word

    return _MIXED_WORD.sub(fold, text)


def is_plain(text: str) -> bool:
    """True if :func:`normalise` returns ``text`` as it is (one fast scan): no control,
    invisible or compatibility character, nothing outside the Latin script."""
    return _NEEDS_WORK.search(text) is None


def normalise(text: str) -> str:
    """The plain form of ``text`` (see the module docstring).

    Idempotent: ``normalise(normalise(t)) == normalise(t)``; cheap for plain text.
    """
    if not text:
        return text
    if _NEEDS_WORK.search(text) is None:
        return text  # fast path: nothing to change
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _CONTROLS.sub("", text)
    text = _HYPHENS.sub("-", text)
    text = _fold_digits(text)
    # Folding a look-alike can make a composable pair (Cyrillic А + combining acute
    # becomes Latin Á), and removing characters can leave one (a letter, a soft hyphen,
    # a combining mark). Fold and compose until nothing changes, so that a second call
    # changes nothing; each round only folds or composes, so two or three rounds suffice.
    for _ in range(4):
        before = text
        if _MIXED_WORD.search(text):
            text = fold_look_alikes(text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        if text == before:
            break
    return text
