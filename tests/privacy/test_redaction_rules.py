"""The named rules of the name detection in ``samverkan.privacy.redaction``, one by one.

Each rule is tried on a tiny sentence: the word it decides is given by its index.
"""

from __future__ import annotations

import re

import pytest
from identity import interim, pnr

from samverkan.privacy import redaction as deid


def doc(text: str) -> deid._Words:
    return deid._Words(text, deid._lexicon())


def at(d: deid._Words, word: str) -> int:
    """Index of the first word ``word`` in ``d``."""
    return d.words.index(word)


def names_in(text: str) -> list[str]:
    return [text[s:e] for s, e in deid.find_names(text)]


def marks(d: deid._Words, *words: str) -> list[bool]:
    """A name mask with only ``words`` marked."""
    return [w in words for w in d.words]


# --- the word lists -----------------------------------------------------------------------


def test_name_flags() -> None:
    names = deid._lexicon().names
    assert names["anna"] == deid._FIRST | deid._LOWER_OK
    assert names["svensson"] & deid._SUR and names["svensson"] & deid._LOWER_OK
    # a name that is also a word is never redacted in lower case without context
    assert "rosa" in deid._lexicon().name_words
    assert not names["rosa"] & deid._LOWER_OK


def test_roles_two_word_roles_and_abbreviations() -> None:
    roles, abbrev = deid._load_roles()
    assert {"mamman", "handläggaren", "kuratorn"} <= roles
    assert not roles & {"god", "man", "personligt", "case", "den"}
    assert "dr" in abbrev
    lex = deid._lexicon()
    assert ("god", "man") in lex.roles2
    assert {"man", "ombud", "mamman", "dr"} <= lex.role_prev


def test_protected_words_with_inner_capitals_match_exactly() -> None:
    lex = deid._lexicon()
    assert "SoL" in lex.protected_exact and "sol" not in lex.protected
    assert "malmö" in lex.protected
    assert deid._has_inner_capital("SoL") and not deid._has_inner_capital("Malmö")


def test_protected_phrases_are_indexed_by_first_word_longest_first() -> None:
    phrases = deid._load_phrases()
    assert ("region", "skåne") in phrases["region"]
    for group in phrases.values():
        assert [len(p) for p in group] == sorted((len(p) for p in group), reverse=True)


# --- the words of a text ------------------------------------------------------------------


def test_words_gaps_and_lower_case_forms() -> None:
    d = doc("  Mamman  Fatima\tringde.")
    assert d.words == ["Mamman", "Fatima", "ringde"]
    assert d.lowers == ["mamman", "fatima", "ringde"]
    assert [d.gap(i) for i in range(3)] == ["  ", "  ", "\t"]
    assert doc("... 12 !").n == 0


@pytest.mark.parametrize(
    ("gap", "first", "expected"),
    [("", True, True), (" ", False, False), (", ", False, False), (". ", False, True),
     ("\n", False, True), (" - ", False, True), (" (", False, True)],
)  # fmt: skip
def test_sentence_start(gap: str, first: bool, expected: bool) -> None:
    assert deid._is_sentence_start(gap, first) is expected


def test_capitalised() -> None:
    assert deid._capitalised("Anna") and deid._capitalised("A")
    assert not deid._capitalised("ANNA") and not deid._capitalised("anna")


def test_base_of_a_name_and_its_genitive() -> None:
    d = doc("x")
    assert d.base_of("anna") == "anna"
    assert d.base_of("annas") == "anna"
    assert d.base_of("anna's") == "anna"
    assert d.base_of("bordet") is None
    assert d.base_of("bus") is None


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("Mamman Fatima ringde.", "Fatima", True),
        ("Mamman, Fatima, ringde.", "Fatima", True),
        ("Mamman. Fatima ringde.", "Fatima", False),  # a sentence ends after the role
        ("Dr. Svensson ringde.", "Svensson", True),  # an abbreviated title
        ("God man Lars ringde.", "Lars", True),  # a two-word role
        ("Man Lars ringde.", "Lars", False),  # "man" alone is no role
        ("Vi såg Fatima.", "Fatima", False),
        ("Fatima ringde.", "Fatima", False),
    ],
)
def test_role_before(text: str, word: str, expected: bool) -> None:
    d = doc(text)
    assert d.role_before(at(d, word)) is expected


# --- rules for one word -------------------------------------------------------------------


def test_candidates_are_capitalised_listed_or_after_a_role() -> None:
    d = doc("vi ringde mamman xiomara och anna om SIP.")
    assert [d.words[i] for i in deid._candidates(d)] == ["xiomara", "anna", "SIP"]
    assert deid._candidates(doc("här finns bara vanliga ord")) == []


@pytest.mark.parametrize(
    ("text", "word", "length"),
    [
        ("Vi ringde Region Skåne i går.", "Region", 2),
        ("Lex Sarah-utredning gjordes.", "Lex", 2),  # a hyphenated tail on the last word
        ("Region ringde inte.", "Region", 0),
        ("Vi ringde Skåne.", "Skåne", 0),
    ],
)
def test_protected_phrase_length(text: str, word: str, length: int) -> None:
    d = doc(text)
    assert deid._protected_phrase_length(d, at(d, word)) == length


def test_words_of_a_protected_phrase_are_no_names() -> None:
    assert names_in("Mina Planer var nere.") == []
    assert names_in("Vi ringde Mina i går.") == ["Mina"]


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("Vi träffade Anna-Karin.", "Anna-Karin", True),
        ("Vi träffade Svensson-Lind.", "Svensson-Lind", True),
        ("Vi träffade Anna-karin.", "Anna-karin", False),  # a part in lower case
        ("Vi träffade Malmö-Anna.", "Malmö-Anna", False),  # a protected part
        ("Vi såg Rosa-Sol.", "Rosa-Sol", True),  # only names that are words: inside a sentence
        ("Rosa-Sol kom.", "Rosa-Sol", False),  # ... not first in it
        ("Vi såg Xyz-Qwe.", "Xyz-Qwe", False),  # no listed part
    ],
)
def test_hyphenated_name(text: str, word: str, expected: bool) -> None:
    d = doc(text)
    i = at(d, word)
    start = deid._is_sentence_start(d.gap(i), i == 0)
    assert deid._hyphenated_name(d, i, start) is expected


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("HANS SVENSSON ringde.", "SVENSSON", True),  # next to a name in capitals
        ("HANS SVENSSON ringde.", "HANS", False),  # a name that is a word: decided later
        ("ANNA ringde.", "ANNA", True),  # a first name that is no word
        ("OBS SIP LSS", "SIP", False),
        ("Vi ringde BUP.", "BUP", False),
    ],
)
def test_all_caps_name(text: str, word: str, expected: bool) -> None:
    d = doc(text)
    i = at(d, word)
    assert deid._all_caps_name(d, i, d.base_of(d.lowers[i]), d.role_before(i)) is expected


def test_all_caps_name_after_a_role() -> None:
    d = doc("Mamman XIOMARA ringde.")
    assert deid._all_caps_name(d, 1, None, True) is True


def test_listed_name_and_unit_words() -> None:
    d = doc("Vårdcentralen Svensson svarade.")
    # after a unit word a surname names the unit ...
    assert deid._listed_name(d, 1, "svensson", False, False, True) is False
    # ... unless a role word says otherwise; a first name stays a name
    assert deid._listed_name(d, 1, "svensson", False, True, True) is True
    assert deid._listed_name(d, 1, "anna", False, False, True) is True
    assert deid._listed_name(d, 1, "svensson", False, False, False) is True


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("Mötet 15 Jan var inställt.", "Jan", False),  # a date
        ("Vi pratade med Jan i går.", "Jan", True),  # inside a sentence
        ("Kuratorn Dag Olsson ringde.", "Dag", True),  # after a role word
        ("Dag efter dag väntade familjen.", "Dag", False),
        ("Pers mamma ringde.", "Pers", True),  # a genitive
        ("Hans mamma har ringt.", "Hans", False),  # a function word
        ("Björn har varit här.", "Björn", True),  # before a verb
        ("Stig Larsson ringer.", "Stig", True),  # before a surname
        ("Stig gärna in.", "Stig", False),
        ("Per N. ringde.", "Per", True),  # before an initial
    ],
)
def test_name_word_is_name(text: str, word: str, expected: bool) -> None:
    d = doc(text)
    i = at(d, word)
    start = deid._is_sentence_start(d.gap(i), i == 0)
    base = d.base_of(d.lowers[i])
    assert base is not None and base in deid._lexicon().name_words
    assert deid._name_word_is_name(d, i, base, start, d.role_before(i)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bo Ek ringde.", True),
        ("Bo Svensson ringde.", True),
        ("Bo Zqxström ringde.", True),  # a surname ending
        ("Bo har ringt.", True),
        ("Bo kvar hemma.", False),
        ("Bo N. ringde.", True),
        ("Bo N ringde.", False),  # an initial needs its point
    ],
)
def test_name_word_first_in_sentence(text: str, expected: bool) -> None:
    assert deid._name_word_first_in_sentence(doc(text), 0, "bo") is expected


@pytest.mark.parametrize(
    ("text", "word", "role", "expected"),
    [
        ("Handläggaren Qwerty ringde.", "Qwerty", True, True),  # after a role word
        ("Vi ringde Zqlović i går.", "Zqlović", False, True),  # a surname ending
        ("Zqlović ringde i går.", "Zqlović", False, True),  # ... first, before a verb
        ("Zqlović och vi.", "Zqlović", False, False),
        ("Vi såg Bord Svensson.", "Bord", False, True),  # before a listed surname
        ("Vi såg Bord här.", "Bord", False, False),  # a Swedish word
        ("Vi pratade med Xiomara om planen.", "Xiomara", False, True),  # no Swedish word
    ],
)
def test_unlisted_name(text: str, word: str, role: bool, expected: bool) -> None:
    d = doc(text)
    i = at(d, word)
    start = deid._is_sentence_start(d.gap(i), i == 0)
    assert deid._unlisted_name(d, i, start, role, False) is expected


def test_unlisted_name_after_a_unit_word() -> None:
    d = doc("Vi ringde Vårdcentralen Xiomara.")
    assert deid._unlisted_name(d, 3, False, False, True) is False
    assert deid._unlisted_name(d, 3, False, True, True) is True


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("Vi pratade med Xiomara om planen.", "Xiomara", True),
        ("Xiomara har ringt.", "Xiomara", True),  # first, before a verb
        ("Xiomara om planen.", "Xiomara", False),  # first, no verb after it
        ("Vi åkte till Xiomara i går.", "Xiomara", False),  # after a place preposition
        ("Vi kontaktade Xiomaraenheten i går.", "Xiomaraenheten", False),  # a unit ending
        ("Vi ringde Xiomara Familjebehandlingen.", "Xiomara", False),  # before a unit name
        ("Vi ringde Xi om planen.", "Xi", False),  # too short
        ("Vi pratade med Rutinen om planen.", "Rutinen", False),  # a Swedish word
    ],
)
def test_unknown_word_is_name(text: str, word: str, expected: bool) -> None:
    d = doc(text)
    i = at(d, word)
    start = deid._is_sentence_start(d.gap(i), i == 0)
    assert deid._unknown_word_is_name(d, i, start) is expected


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("pratade med anna på vc", "anna", True),  # a listed name that is no word
        ("mamman xiomara ringde", "xiomara", True),  # an unknown word after a role
        ("ringde xiomara igen", "xiomara", False),
        ("mamman ringde igen", "ringde", False),  # a verb after a role
        ("vi såg rosa kläder", "rosa", False),  # a name that is a word
        ("mamman rosa ringde", "rosa", True),  # ... after a role word
    ],
)
def test_lower_case_is_name(text: str, word: str, expected: bool) -> None:
    d = doc(text)
    assert deid._lower_case_is_name(d, at(d, word)) is expected


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("Lucia firades.", "Lucia", False),  # a protected word first in a sentence
        ("Kuratorn Lund ringde.", "Lund", True),  # ... after a role word
        ("Vi läser SoL.", "SoL", False),  # matched exactly
        ("Vi såg A här.", "A", False),  # single letters are decided next to a name
        ("Vi ringde Malmös kontor.", "Malmös", False),  # the genitive of a protected word
        ("Vi ringde Annas mamma.", "Annas", True),
    ],
)
def test_capitalised_is_name(text: str, word: str, expected: bool) -> None:
    d = doc(text)
    assert deid._capitalised_is_name(d, at(d, word)) is expected


# --- rules next to a found name -----------------------------------------------------------


def test_coordinated_names() -> None:
    d = doc("Rosa och Sol kom inte.")
    is_name = marks(d, "Sol")
    deid._coordinated_names(d, [2], is_name, set())
    assert is_name == marks(d, "Rosa", "Sol")
    # not into a protected phrase, not to a word in no list, not across a comma
    is_name = marks(d, "Sol")
    deid._coordinated_names(d, [2], is_name, {0})
    assert is_name == marks(d, "Sol")
    d = doc("Blå och Sol kom.")
    is_name = marks(d, "Sol")
    deid._coordinated_names(d, [2], is_name, set())
    assert is_name == marks(d, "Sol")
    d = doc("Rosa, och Sol kom.")
    is_name = marks(d, "Sol")
    deid._coordinated_names(d, [2], is_name, set())
    assert is_name == marks(d, "Sol")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna Xyz Qwe ringde.", ["Anna", "Xyz", "Qwe"]),  # chained
        ("Karin L. från BUP.", ["Karin", "L"]),  # an initial
        ("Anna Lund ringde.", ["Anna", "Lund"]),  # a protected surname
        ("Anna Malmö ringde.", ["Anna"]),  # a protected word that is no surname
        ("Anna Vårdcentralen ringde.", ["Anna"]),  # a unit word
        ("anna karlsson ringde", ["anna", "karlsson"]),  # lower case after lower case
        ("Anna karlsson ringde", ["Anna"]),
    ],
)
def test_names_after(text: str, expected: list[str]) -> None:
    d = doc(text)
    is_name = marks(d, d.words[0])
    deid._names_after(d, [0], is_name, set())
    assert [w for w, m in zip(d.words, is_name, strict=True) if m] == expected


def test_names_after_stops_at_a_blocked_word_and_other_gaps() -> None:
    d = doc("Anna Xyz ringde.")
    is_name = marks(d, "Anna")
    deid._names_after(d, [0], is_name, {1})
    assert is_name == marks(d, "Anna")
    d = doc("Anna, Xyz ringde.")
    is_name = marks(d, "Anna")
    deid._names_after(d, [0], is_name, set())
    assert is_name == marks(d, "Anna")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Enligt K. Lindqvist fanns ingen plats.", "Lindqvist", True),  # an initial
        ("ring per karlsson imorgon", "karlsson", True),  # a first name, same case
        ("HANS SVENSSON ringde.", "SVENSSON", True),
        ("Yusra Hassan bor kvar.", "Hassan", True),  # an unknown word
        ("Enligt Lindqvist fanns ingen plats.", "Lindqvist", False),  # a Swedish word
        ("Vi såg Malmö Lindqvist.", "Lindqvist", False),  # a protected word
        ("Vi såg Anna, Lindqvist.", "Lindqvist", False),  # not across a comma
    ],
)
def test_precedes_name(text: str, name: str, expected: bool) -> None:
    d = doc(text)
    assert deid._precedes_name(d, at(d, name)) is expected


def test_names_before_each_name_word_once() -> None:
    d = doc("Vi såg K. Lindqvist.")
    is_name = marks(d, "Lindqvist")
    deid._names_before(d, is_name, set())
    assert is_name == marks(d, "K", "Lindqvist")
    is_name = marks(d, "Lindqvist")
    deid._names_before(d, is_name, {2})
    assert is_name == marks(d, "Lindqvist")


@pytest.mark.parametrize(
    ("text", "marked", "spans"),
    [
        ("Karin L. från BUP", ("Karin", "L"), [(0, 8)]),  # the point of a final initial
        ("Anders' pappa ringde", ("Anders",), [(0, 7)]),  # a genitive apostrophe
        ("Anna-Karin Svensson ringde", ("Anna-Karin", "Svensson"), [(0, 19)]),
        ("Anna, Karin ringde", ("Anna", "Karin"), [(0, 4), (6, 11)]),
        ("Anna. Karin ringde", ("Anna", "Karin"), [(0, 4), (6, 11)]),  # no initial
        ("K. Lindqvist ringde", ("K", "Lindqvist"), [(0, 12)]),
    ],
)
def test_name_spans(text: str, marked: tuple[str, ...], spans: list[tuple[int, int]]) -> None:
    d = doc(text)
    assert deid._name_spans(d, marks(d, *marked)) == spans


# --- find_names: the rules together -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Klienten Anna Svensson ringde.", ["Anna Svensson"]),
        ("Rosa och Sol från boendet kom inte.", ["Rosa", "Sol"]),
        ("Enligt K. Lindqvist fanns ingen plats.", ["K. Lindqvist"]),
        ("Region Skåne och Mina Planer.", []),
        ("ring per karlsson imorgon", ["per karlsson"]),
        ("", []),
        ("123 456", []),
        ("inga namn här", []),
    ],
)
def test_find_names(text: str, expected: list[str]) -> None:
    assert names_in(text) == expected


# --- identity and phone numbers: the helpers ----------------------------------------------


def _pnr_match(text: str) -> re.Match[str]:
    (m,) = deid._pnr_matches(text)
    return m


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Numret {pnr('19121212', 121)} i journalen", True),  # a valid check digit
        (f"Numret {interim('20000101', 'T', 22)} i journalen", True),  # an interim number
        ("pnr 850312-1239 enligt remissen", True),  # a keyword before it
        ("dnr 850312 1239 enligt remissen", False),  # a case-number keyword
        ("Numret 19551122-0000 i journalen", True),  # a plausible date and a separator
        ("Numret 19551122 0000 i journalen", False),  # a space: needs a keyword
        ("Numret 551399-0000 i journalen", False),  # no date
    ],
)
def test_is_identity_number(text: str, expected: bool) -> None:
    assert deid._is_identity_number(text, _pnr_match(text)) is expected


def test_loose_identity_numbers_after_a_keyword() -> None:
    text = "personnr 19850312-123 i kallelsen"
    assert [text[s:e] for s, e in deid._loose_identity_numbers(text)] == ["19850312-123"]
    assert deid._loose_identity_numbers("personnr 1985-03 i kallelsen") == []


@pytest.mark.parametrize(
    ("cand", "spans"),
    [
        ("070-123 45 67", [(0, 13)]),  # a Swedish written form: no library call
        ("+47 912 34 567", [(0, 14)]),  # found by phonenumbers
        ("0046 70 123 45 67", [(0, 17)]),
        ("12 34", []),
    ],
)
def test_phone_spans(cand: str, spans: list[tuple[int, int]]) -> None:
    assert deid._phone_spans(cand) == spans


# --- disguised phones, written-out e-mail, abbreviated streets (issue 10) ---------------


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("ring 070.123.45.67 nu", "ring 070 123 45 67 nu"),
        ("ring O7O-123 45 67 nu", "ring 070-123 45 67 nu"),
        ("ring O7O.345.12.90 nu", "ring 070 345 12 90 nu"),
        ("ring 070.1234567 nu", "ring 070 1234567 nu"),  # one point after an area code
        ("kl. 08.00 och 12.03.2024, 2.5 mg", None),  # times, dates, decimals stay
        ("version 2.3.1 kom", "version 2 3 1 kom"),  # changed, but no phone in it
        ("Bo 2O24", "Bo 2024"),  # for the phone search only: the stored text keeps it
        ("Boo 24", None),  # an O inside a word is no zero
    ],
)
def test_phone_disguise_removed_keeps_the_length(text: str, plain: str | None) -> None:
    out = deid._phone_disguise_removed(text)
    assert out == plain
    assert out is None or len(out) == len(text)


def test_a_version_number_is_no_phone() -> None:
    assert deid.find_phone_numbers("version 2.3.1 kom") == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("anna at exempel punkt se", True),
        ("anna at exempel.se", True),
        ("anna snabel-a exempel.se", True),
        ("anna (snabel-a) exempel.se", True),
        ("anna{at}exempel{dot}com", True),
        ("anna [at] exempel [punkt] nu", True),
        ("anna at exempel punkt xyz", False),  # written out: only a known top-level domain
        ("Hon kom at home", False),
        ("resultat punkt se", False),  # no "at" before the domain
        ("anna@exempel.se. Sedan", True),
    ],
)
def test_written_out_emails(text: str, found: bool) -> None:
    assert bool(deid.find_emails(text)) is found


def test_email_span_stops_before_the_next_sentence() -> None:
    text = "anna@exempel.se. Sedan ringde hon"
    assert [text[s:e] for s, e in deid.find_emails(text)] == ["anna@exempel.se"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bor Storg. 5 B nu", ["Storg. 5 B"]),
        ("bor Drottningg 12 nu", ["Drottningg 12"]),
        ("bor Kungsv. 3 lgh 1102 nu", ["Kungsv. 3 lgh 1102"]),
        ("bor Norra Vallg. 3 nu", ["Norra Vallg. 3"]),
        ("bor Parkgat. 4, 2 tr nu", ["Parkgat. 4, 2 tr"]),
        ("post till Box 1234, 231 22 Trelleborg", ["Box 1234", "231 22"]),
        ("post till BOX 55 och Postfack 7", ["BOX 55", "Postfack 7"]),
        ("Steg 2, Tisdag 5 mars, Uppdrag 3, Förslag 4, Katalog 2", []),
        ("en box 3 med papper", []),  # a box in lower case is a box
        ("bor storg. 5 nu", ["storg. 5"]),  # lower case: only with the point
        ("bor kungsv 3, osv. 5, fig. 3, närv. 4", []),
    ],
)
def test_abbreviated_streets_and_post_boxes(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in deid.find_addresses(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mötet 2024-03-15 " + "1431 hölls", False),  # an ISO date and a time
        ("Mötet 24.03.15 kl 14 hölls", False),
        ("Kl 08.00.15 startade", False),
    ],
)
def test_grouped_dates_that_are_no_identity_numbers(text: str, expected: bool) -> None:
    assert bool(deid.find_identity_numbers(text)) is expected
