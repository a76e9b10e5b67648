"""Adversarial corpus, privacy probes: identifiers written to get past ``redact``.

Every case is one class of input (a separator form, an invisible character, a disguise)
and asserts that the identifier is gone from what ``redact`` stores and that the words
around it are kept. Identity numbers are built here from a date and a serial with a
computed check digit, so that this file holds no identity number as digits.
"""

from __future__ import annotations

import re

import pytest

from samverkan.privacy import redact
from samverkan.privacy.normalise import normalise

ZWSP, SHY, WJ, LRM, RLO, PDF = "\u200b", "\u00ad", "\u2060", "\u200e", "\u202e", "\u202c"
WIDE = str.maketrans("0123456789", "".join(chr(0xFF10 + k) for k in range(10)))
ARABIC = str.maketrans("0123456789", "".join(chr(0x0660 + k) for k in range(10)))


def _luhn(nine: str) -> int:
    total = 0
    for i, ch in enumerate(nine):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return (10 - total % 10) % 10


def pnr(date: str, serial: str, *, wrong: bool = False) -> tuple[str, str, str, str]:
    """(yy, mm, dd, serial with check digit) for a date ``yymmdd`` and a 3-digit serial."""
    d = _luhn(date + serial)
    check = (d + 3) % 10 if wrong else d
    return date[:2], date[2:4], date[4:], serial + str(check)


def _alnum(s: str) -> str:
    return re.sub(r"[\W_]", "", normalise(s))


A = pnr("760115", "482")
B = pnr("921103", "771")
C = pnr("230411", "812")  # over a hundred years old: written with "+"
D = pnr("870372", "113")  # samordningsnummer: day 12 + 60
E = pnr("680512", "778", wrong=True)
F = pnr("650318", "902")

# (case id, text, what must be gone, words that must be kept)
CASES: list[tuple[str, str, list[str], list[str]]] = [
    # --- identity numbers
    (
        "pnr-dotted",
        f"Klienten, {A[0]}.{A[1]}.{A[2]}-{A[3]}, väntar på BUP.",
        [".".join(A)],
        ["Klienten", "väntar", "BUP"],
    ),
    (
        "pnr-grouped-spaces",
        f"Pojken {B[0]} {B[1]} {B[2]}-{B[3]} har remiss.",
        [" ".join(B)],
        ["Pojken", "har", "remiss"],
    ),
    (
        "pnr-space-serial",
        f"Angavs {''.join(B[:3])} {B[3]} i remissen.",
        ["".join(B)],
        ["Angavs", "remissen"],
    ),
    (
        "pnr-12-digits",
        f"Mamman 19{''.join(A[:3])}-{A[3]} ringde skolan.",
        ["".join(A)],
        ["Mamman", "ringde", "skolan"],
    ),
    (
        "pnr-iso-date-groups",
        f"Född 19{A[0]}-{A[1]}-{A[2]}-{A[3]} enligt journalen.",
        [A[3]],
        ["enligt", "journalen"],
    ),
    (
        "pnr-plus-over-100",
        f"Brukaren {''.join(C[:3])}+{C[3]} skrevs ut i helgen.",
        ["".join(C)],
        ["Brukaren", "skrevs", "helgen"],
    ),
    (
        "pnr-zero-width",
        f"Numret {A[0]}{A[1]}{ZWSP}{A[2]}-{A[3][:2]}{WJ}{A[3][2:]} klistrades in.",
        ["".join(A)],
        ["Numret", "klistrades"],
    ),
    (
        "pnr-soft-hyphen",
        f"Remissen {SHY}{''.join(B[:3])}-{B[3][:1]}{SHY}{B[3][1:]} kom fram.",
        ["".join(B)],
        ["Remissen", "kom", "fram"],
    ),
    (
        "pnr-bidi",
        f"Blanketten {LRM}{RLO}{''.join(F[:3])}-{F[3]}{PDF} var inskannad.",
        ["".join(F)],
        ["Blanketten", "inskannad"],
    ),
    (
        "pnr-fullwidth",
        f"Formuläret: {(''.join(F[:3]) + '-' + F[3]).translate(WIDE)} från webben.",
        ["".join(F)],
        ["Formuläret", "webben"],
    ),
    (
        "pnr-arabic-digits",
        f"Anteckning {(''.join(A[:3]) + '-' + A[3]).translate(ARABIC)} från tolken.",
        ["".join(A)],
        ["Anteckning", "tolken"],
    ),
    (
        "samordningsnummer-grouped",
        f"Samordningsnummer {D[0]} {D[1]} {D[2]}-{D[3]} används.",
        [" ".join(D)],
        ["används"],
    ),
    (
        "pnr-wrong-check-after-keyword",
        f"p-nr {''.join(E[:3])} {E[3]} enligt kuratorn.",
        ["".join(E)],
        ["enligt", "kuratorn"],
    ),
    (
        "pnr-wrong-check-dotted-keyword",
        f"personnummer {E[0]}.{E[1]}.{E[2]}.{E[3]} stämmer inte.",
        [E[3]],
        ["stämmer", "inte"],
    ),
    (
        "pnr-letter-o-for-zero",
        f"Klienten {A[0]}{A[1].replace('0', 'O')}{A[2]}-{A[3]} har flyttat.",
        [A[3]],
        ["Klienten", "har", "flyttat"],
    ),
    (
        "pnr-slash-separator",
        f"Klienten {''.join(B[:3])}/{B[3]} saknar tolk.",
        ["".join(B), B[3]],
        ["Klienten", "saknar", "tolk"],
    ),
    # --- phones
    (
        "phone-dotted",
        "Mamman nås på 070.123.45.67 efter tre.",
        ["070.123.45.67"],
        ["Mamman", "efter", "tre"],
    ),
    ("phone-dash-spaces", "Ring 070-123 45 67 om tiden.", ["123 45 67"], ["Ring", "tiden"]),
    ("phone-plus46", "Pappan har +46 70 123 45 67 numera.", ["123 45 67"], ["Pappan", "numera"]),
    ("phone-0046", "Kontakt 0046 70 123 45 67 gick inte.", ["123 45 67"], ["Kontakt", "gick"]),
    (
        "phone-letter-o",
        "Hon skrev O7O-123 45 67 på lappen.",
        ["O7O", "123 45 67"],
        ["Hon", "skrev", "lappen"],
    ),
    (
        "phone-letter-o-spaced",
        "Sonen lämnade O73 O55 12 88 till avdelningen.",
        ["O55 12 88"],
        ["Sonen", "avdelningen"],
    ),
    ("phone-slash", "Ring 070/612 30 44 för ny tid.", ["612 30 44"], ["Ring", "tid"]),
    (
        "phone-parentheses",
        "Telefon (070) 991 23 40 till gode mannen.",
        ["991 23 40"],
        ["Telefon", "gode", "mannen"],
    ),
    (
        "phone-landline-area-code",
        "Vårdcentralen har 0410-201 55 men kort telefontid.",
        ["201 55"],
        ["Vårdcentralen", "telefontid"],
    ),
    (
        "phone-landline-dotted",
        "Hemtjänsten nås på 040.40.62.77 dagtid.",
        ["40.62.77"],
        ["Hemtjänsten", "dagtid"],
    ),
    (
        "phone-zero-width",
        f"Mobil 0709{ZWSP}44{ZWSP}3312 i dokumentet.",
        ["0709443312"],
        ["Mobil", "dokumentet"],
    ),
    ("phone-fullwidth", "Ring ０７０-４４１ ２２ ９０ står det.", ["441 22 90"], ["Ring", "står"]),
    (
        "phone-letter-l-for-one",
        "Ring O7O-l23 45 67 efter lunch.",
        ["l23 45 67", "O7O"],
        ["Ring", "efter", "lunch"],
    ),
    (
        "phone-digit-by-digit",
        "Hon läste upp 0 7 0 1 2 3 4 5 6 7 för sekreteraren.",
        ["0 7 0 1 2 3 4 5 6 7", "4 5 6 7"],
        ["Hon", "läste", "sekreteraren"],
    ),
    (
        "phone-two-joined-by-slash",
        "Mobil 073-123 45 67/070-765 43 21 enligt blanketten.",
        ["123 45 67", "765 43 21"],
        ["Mobil", "enligt", "blanketten"],
    ),
    # --- e-mail
    (
        "email-at-punkt",
        "Svar till lena.holm at trelleborg punkt se kom i retur.",
        ["lena.holm", "trelleborg punkt"],
        ["Svar", "retur"],
    ),
    (
        "email-parenthesised-at",
        "Mamman skriver från familjen.jonsson(at)gmail.com ofta.",
        ["familjen.jonsson"],
        ["Mamman", "ofta"],
    ),
    (
        "email-snabel-a",
        "Kontakta bup-mottagning snabel-a skane.se för frågor.",
        ["bup-mottagning", "skane.se"],
        ["Kontakta", "frågor"],
    ),
    (
        "email-brackets",
        "Adressen k.berg[at]exempel[dot]se stod i remissen.",
        ["k.berg", "exempel"],
        ["Adressen", "remissen"],
    ),
    (
        "email-spaced",
        "Skolsköterskan nås på skolskoterska @ svedala . se enligt rektorn.",
        ["skolskoterska", "svedala ."],
        ["Skolsköterskan", "rektorn"],
    ),
    (
        "email-fullwidth-at",
        "Hennes mejl m.lindqvist＠outlook.com enligt ansökan.",
        ["lindqvist", "outlook"],
        ["Hennes", "ansökan"],
    ),
    (
        "email-bracketed-a",
        "Skriv till nina.s (a) exempel.se om tiden.",
        ["nina.s", "exempel.se"],
        ["Skriv", "tiden"],
    ),
    # --- addresses
    (
        "address-abbreviated-gatan",
        "Familjen har flyttat till Storg. 5 B i centrum.",
        ["Storg. 5 B"],
        ["Familjen", "flyttat", "centrum"],
    ),
    (
        "address-abbreviated-no-point",
        "Hon bor på Drottningg 12 sedan mars.",
        ["Drottningg 12"],
        ["bor", "sedan", "mars"],
    ),
    (
        "address-abbreviated-vagen-apartment",
        "Ny adress Kungsv. 3 lgh 1102 och nyckelskåp.",
        ["Kungsv. 3", "1102"],
        ["adress", "nyckelskåp"],
    ),
    (
        "address-box-postcode",
        "Fakturan gick till Box 123, 231 22 Trelleborg förra veckan.",
        ["Box 123", "231 22"],
        ["Fakturan", "Trelleborg", "veckan"],
    ),
    (
        "address-soft-hyphen",
        f"Hon bor på Stor{SHY}gatan 15 enligt texten.",
        ["Storgatan 15"],
        ["bor", "enligt", "texten"],
    ),
    (
        "address-prefix-abbreviated",
        "Besök på Norra Vallg. 3 efter mötet.",
        ["Vallg. 3"],
        ["Besök", "efter", "mötet"],
    ),
    # --- names split by Word's invisible characters
    (
        "name-zero-width",
        f"Kuratorn Anna Jo{ZWSP}hansson ringde skolan.",
        ["Johansson", "hansson", "Anna"],
        ["Kuratorn", "ringde", "skolan"],
    ),
    (
        "name-soft-hyphens",
        f"Handläggaren Mar{SHY}ga{SHY}reta Lind fick ingen kallelse.",
        ["Margareta", "reta", "Lind"],
        ["Handläggaren", "kallelse"],
    ),
    (
        "name-first-word-soft-hyphen",
        f"Kris{SHY}tina Berg{SHY}lund från hemsjukvården.",
        ["Kristina", "Berglund", "lund"],
        ["från", "hemsjukvården"],
    ),
    # --- look-alike letters and other scripts
    (
        "name-cyrillic-look-alikes",
        "Mamman \u0410nna J\u043ehansson ringde BUP.",
        ["Anna", "Johansson", "hansson"],
        ["Mamman", "ringde", "BUP"],
    ),
    (
        "phone-cyrillic-o",
        "Ring \u041e7\u041e-123 45 67 efter lunch.",
        ["123 45 67"],
        ["Ring", "efter", "lunch"],
    ),
    (
        "name-in-cyrillic-script",
        "Pappan \u041e\u043b\u0435\u043a\u0441\u0430\u043d\u0434\u0440 kom till mötet.",
        ["\u041e\u043b\u0435\u043a\u0441\u0430\u043d\u0434\u0440"],
        ["Pappan", "kom", "mötet"],
    ),
    (
        "name-in-arabic-script",
        "Tolken skrev \u0645\u062d\u0645\u062f i anteckningen.",
        ["\u0645\u062d\u0645\u062f"],
        ["Tolken", "skrev", "anteckningen"],
    ),
]


LABELS = {
    "pnr": "[PERSONNUMMER]",
    "samordningsnummer": "[PERSONNUMMER]",
    "phone": "[TELEFON]",
    "email": "[E-POST]",
    "address": "[ADRESS]",
    "name": "[NAMN]",
}


@pytest.mark.parametrize(("case", "text", "gone", "keep"), CASES, ids=[c[0] for c in CASES])
def test_identifier_is_gone_and_the_words_around_it_stay(
    case: str, text: str, gone: list[str], keep: list[str]
) -> None:
    out = redact(text)
    assert out == normalise(out), "redact stores normalised text"
    assert LABELS[case.split("-")[0]] in out  # redacted as what it is
    flat = _alnum(out)
    for item in gone:
        assert normalise(item) not in out, item
        assert _alnum(item) not in flat, item
    for word in keep:
        assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", out), word


NOT_PERSONAL = [
    "Telefontiden är 08.00–09.00 och 12.30–13.00 måndag till fredag.",
    "Mötet hölls 2024.03.15 kl. 14.30 med skolan; remissen kom 02.03.2024.",
    "Tisdag 5 mars var Steg 2 i planen och Uppdrag 3 i överenskommelsen.",
    "Insatsen kostar 1.250 kr per månad, 0.5 mg morgon, version 2.3.1 av systemet.",
]


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_numbers_and_words_that_look_alike_survive(text: str) -> None:
    assert redact(text) == text


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20
    assert len({c[0] for c in CASES}) == len(CASES)
