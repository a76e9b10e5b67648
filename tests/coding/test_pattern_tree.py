from __future__ import annotations

import random
import re

import pytest
from coding_helpers import BOOK, random_patterns

from samverkan.coding import pattern_tree as t
from samverkan.coding.autocode import (
    _first_literals,
    _gate_keys,
    _gate_words,
    _matcher,
    _may_start,
    _required,
    fold,
)


def _lits(text: str) -> list[tuple[str, int]]:
    return [(t.LITERAL, ord(c)) for c in text]


def _plain(items: list) -> list:
    """Items as plain lists (t.Items compare by identity)."""
    out = []
    for op, av in items:
        if op == t.SUBPATTERN:
            av = (av[0], av[1], av[2], _plain(av[3]))
        elif op == t.BRANCH:
            av = (None, [_plain(b) for b in av[1]])
        out.append((op, av))
    return out


def parse(pattern: str) -> list:
    return _plain(t.parse(pattern))


def test_literals_escapes_and_anchors():
    assert parse("ab") == _lits("ab")
    assert parse(r"\.\-\\\x41\u00e5\n") == _lits(".-\\Aå\n")
    assert parse(r"\bx$") == [(t.AT, "boundary"), *_lits("x"), (t.AT, "end")]
    assert parse(r"\w") == [(t.IN, [(t.CATEGORY, "w")])]


def test_sets_and_single_member_sets():
    assert parse("[a]") == _lits("a")
    assert parse("[^a]") == [(t.NOT_LITERAL, ord("a"))]
    assert parse(r"[\w:-]") == [
        (t.IN, [(t.CATEGORY, "w"), (t.LITERAL, ord(":")), (t.LITERAL, ord("-"))])
    ]
    assert parse("[^.;]") == [(t.IN, [(t.NEGATE, None), *_lits(".;")])]
    assert parse("[a-c]") == [(t.IN, [(t.RANGE, (ord("a"), ord("c")))])]


def test_repeats_and_literal_braces():
    items = parse("ab?c{0,2}")
    assert [op for op, _ in items] == [t.LITERAL, t.REPEAT, t.REPEAT]
    assert parse("a{x}") == _lits("a{x}")
    assert parse("a{") == _lits("a{")
    with pytest.raises(t.PatternTreeError):
        parse("*a")


def test_alternatives_share_their_prefix_and_single_characters_become_a_set():
    (group,) = parse("(svar|svarade)")
    assert group[0] == t.SUBPATTERN and group[1][0] == 1
    inner = group[1][3]
    assert inner[:4] == _lits("svar")
    op, (_, branches) = inner[4]
    assert op == t.BRANCH and branches == [[], _lits("ade")]
    assert parse("a|b|[cd]") == [(t.IN, _lits("abcd"))]


def test_non_capturing_groups_are_spliced_in_and_others_are_opaque():
    assert parse("x(?:ab)y") == _lits("xaby")
    assert parse("x(?#note)y") == _lits("xy")
    for pattern in ("x(?!a)", "x(?<=a)", "x(?>a)", "(a)(?(1)b|c)"):
        assert parse(pattern)[-1][0] == t.OTHER
    (group,) = parse("(?i:ab)")
    assert group[0] == t.SUBPATTERN and group[1][1] == "i"


def test_verbose_patterns_skip_spaces_and_comments():
    assert parse("(?x) a b # comment\n c") == _lits("abc")
    assert parse("(?x)[ ]") == _lits(" ")


def test_groups_are_never_equal_to_each_other():
    a, b = t.parse("(x)(x)")
    assert a != b and a == a


def _stdlib_shape(items: list) -> list:
    """The standard parser's tree in the shape compared below (test oracle only)."""
    from re import _constants as c

    shape = []
    for op, av in items:
        if op is c.SUBPATTERN:
            shape.append(("sub", av[0] is not None, _stdlib_shape(av[3])))
        elif op is c.BRANCH:
            shape.append(("branch", [_stdlib_shape(b) for b in av[1]]))
        elif op is c.LITERAL:
            shape.append(("lit", av))
        elif op is c.AT:
            shape.append(("at",))
        elif op is c.IN:
            shape.append(("in", len(av)))
        else:
            shape.append(("other",))
    return shape


def _shape(items: list) -> list:
    shape = []
    for op, av in items:
        if op == t.SUBPATTERN:
            shape.append(("sub", av[0] is not None, _shape(av[3])))
        elif op == t.BRANCH:
            shape.append(("branch", [_shape(b) for b in av[1]]))
        elif op == t.LITERAL:
            shape.append(("lit", av))
        elif op == t.AT:
            shape.append(("at",))
        elif op == t.IN:
            shape.append(("in", len(av)))
        else:
            shape.append(("other",))
    return shape


def _codebook_patterns() -> list[str]:
    return [fold(p) for c in BOOK.causes for p in c.triggers.patterns]


def _random_patterns(n: int, seed: int = 3) -> list[str]:
    atoms = ["a", "b", "ab", " ", "-", r"\w", r"\b", r"\.", ".", "[ab]", "[^.;]", "[a]", "å", "{"]
    quants = ["", "", "", "?", "*", "+", "{0,2}", "{2}", "*?"]
    return random_patterns(n, seed, atoms, quants, ["(", "(?:", "(?!"])


def test_same_tree_as_the_standard_parser():
    from re import _parser  # the oracle: private, so only in this test

    for pattern in _codebook_patterns() + _random_patterns(1500):
        assert _shape(t.parse(pattern)) == _stdlib_shape(_parser.parse(pattern).data), pattern


def test_gates_of_codebook_patterns():
    assert _gate_keys("(svar|svarade) inte") == {"=svar", "=svarade"}
    assert _gate_keys(r"stuprör\w*") == {"stu"}
    assert _gate_keys(r"(\w+ )?x") is None  # no literal start: matched everywhere
    assert _required("utan (att få |något )?(svar|besked)") == (("besked", "svar"), ("tan",))
    assert _required("(ingen|inget|inga) svar") == (("svar",),)  # the shared-prefix group
    assert all(_gate_keys(p) is not None for p in ("fick veta i efterhand", r"\bnpö\b"))


def test_whole_prefix_gate():
    assert _gate_words(r"stuprör\w*") == {"stuprör"}
    assert _may_start("stupröret", _gate_words(r"stuprör\w*"))
    assert not _may_start("stuga", _gate_words(r"stuprör\w*"))  # its 3-letter key "stu" fits
    assert _may_start("svar", _gate_words("(svar|svarade) inte"))
    assert not _may_start("svaret", _gate_words("(svar|svarade) inte"))
    assert _may_start("vad som helst", None)  # an ungated pattern is tried everywhere


def test_candidates_keep_every_pattern_that_matches_at_a_word_start():
    """The gate only skips patterns that cannot match: try every gated pattern at every word
    start of the codebook's own example sentences (the oracle) and compare."""
    m = _matcher(BOOK)
    texts = [fold(x) for c in BOOK.causes for x in c.examples]
    texts += [fold(x) for x in BOOK.negative_examples]
    tried = 0
    for text in texts:
        for word in re.finditer(r"\w+", text):
            groups = dict(m._candidates(word.group()))
            for cause, rx, keys in m.patterns:
                if keys is not None and rx.match(text, word.start()):
                    tried += 1
                    assert cause in groups, (rx.pattern, text)
                    assert groups[cause].match(text, word.start()), (rx.pattern, text)
    assert tried > 20


def test_first_literals():
    assert _first_literals(r"(\w*rutin\w*|avtal\w*)([^.;]{0,60})(brast)") == ("rutin", "avtal")
    assert _first_literals("[\"'](\\w+ ){0,4}ska") == ('"', "'")
    assert _first_literals(r"ab?cd") == ("cd",)
    for none in (r"(\w+ )?x", "[^ab]c", "(?i:ab)c", "(ab)?c", "(a|)x", r"(\w|b)c"):
        assert _first_literals(none) == (), none


def test_first_literals_occur_in_every_match():
    """The oracle: wherever a pattern matches, one of its first literals is in the text (the
    codebook's patterns on its examples, random patterns on short random texts)."""
    rng = random.Random(5)
    examples = [fold(x) for c in BOOK.causes for x in c.examples]
    short = ["".join(rng.choice("ab -.å{") for _ in range(rng.randint(0, 15))) for _ in range(300)]
    checked = 0
    for patterns, texts in ((_codebook_patterns(), examples), (_random_patterns(1500), short)):
        for pattern in patterns:
            first = _first_literals(pattern)
            rx = re.compile(pattern)
            for text in texts if first else ():
                if rx.search(text):
                    checked += 1
                    assert any(lit in text for lit in first), (pattern, text, first)
    assert checked > 200
