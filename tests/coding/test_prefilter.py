from __future__ import annotations

import json
import random
import re

import pytest
from coding_helpers import BOOK, random_patterns
from conftest import SHARED_TESTDATA

from samverkan.coding import prefilter
from samverkan.coding.autocode import _Matcher, fold
from samverkan.coding.prefilter import Prefilter, widened

pytestmark = pytest.mark.skipif(prefilter.re2 is None, reason="google-re2 saknas")

EXTERNAL = SHARED_TESTDATA / "coding" / "external_dev.jsonl"  # written outside the project

# characters where Python's classes and RE2's differ: letters and digits outside ASCII,
# spaces outside ASCII, a newline
_ALPHABET = "ab aé-.;\nß٣\xa0_1\u2009x"
_ATOMS = [
    "a", "b", "ab", " ", "-", "é", r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", r"\b", r"\B",
    r"\.", ".", "[ab]", "[^.;]", r"[\w-]", r"[^\w]", r"[\W\d]", r"[^\s.]", "^", "$",
    "(?=a)", "(?<!b)", "(?>ab|a)", "ß",
]  # fmt: skip
_QUANTS = ["", "", "", "?", "*", "+", "{0,2}", "{2}", "*?", "++", "{1,}"]


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(_ALPHABET, k=rng.randint(0, 12))) for _ in range(n)]


def test_every_match_of_re_is_reported_on_random_patterns_and_texts():
    openers = ["(", "(?:", "(?!", "(?<=a)("]
    patterns = [re.compile(p) for p in random_patterns(400, 5, _ATOMS, _QUANTS, openers)]
    pf = Prefilter(patterns)
    assert len(pf.always) < len(patterns) // 10  # nearly all are written for RE2
    matched = skipped = 0
    for text in _random_texts(600, seed=6):
        live = pf.live(text)
        for pid, rx in enumerate(patterns):
            if rx.search(text) is not None:
                matched += 1
                assert pid in live, (rx.pattern, text)
            elif pid not in live:
                skipped += 1
    assert matched > 10_000 and skipped > 10_000  # both sides were exercised


def test_unicode_classes_are_at_least_as_wide_as_pythons():
    pf = Prefilter([re.compile(p) for p in (r"x\w+y", r"x\d", r"x\s+y", r"x\W", r"[^\w ]")])
    assert pf.live("xßéy") >= {0}
    assert pf.live("x٣") >= {1}
    assert pf.live("x\xa0\u2009y") >= {2}
    assert pf.live("x!") >= {3}
    assert pf.live("é!") >= {4}


def test_what_cannot_be_widened_is_always_tried():
    for pattern in (r"(?i)svar", r"(?i:svar)", r"(a)\1", r"(a)?(?(1)b|c)", r"[^\W]"):
        assert widened(pattern, re.compile(pattern).flags) is None, pattern
    pf = Prefilter([re.compile("(?i)svar"), re.compile("svar")])
    assert pf.live("inget här") == {0}
    assert pf.live("svar") == {0, 1}


def test_assertions_are_left_out_and_repeats_kept():
    assert widened(r"\bnpö\b") == r"np\x{f6}"
    assert widened(r"(ab)++(?=c)") == r"(?:(?:ab)){1,}"
    assert widened(r"a{0,4}") == r"(?:a){0,4}"


def test_codebook_patterns_are_all_written_and_filter_most_of_them_out():
    pf = _Matcher.build(BOOK).use_prefilter()
    assert pf.always == frozenset()
    assert pf.live(fold("Mötet hölls som planerat.")) == set()
    live = pf.live(fold("Vi har inte fått något svar från hemtjänsten."))
    assert live and len(live) < 10


def test_a_prefilter_that_misses_is_turned_off():
    patterns = [re.compile("svar"), re.compile("besked")]
    pf = Prefilter(patterns)

    class Silent:  # an RE2 that reports nothing
        def Match(self, text: str) -> None:
            return None

    pf._set = Silent()
    assert pf.live("svar") == set()
    assert not pf.confirm(["inget", "svar"])
    assert pf.live("inget") == {0, 1}


def test_a_set_that_cannot_be_compiled_leaves_every_pattern_tried(monkeypatch):
    class Failing:  # an RE2 set whose program outgrows its memory
        def Add(self, pattern: str) -> int:
            return 0

        def Compile(self) -> None:
            raise prefilter.re2.error("failed to compile Set")

    monkeypatch.setattr(prefilter.re2.Set, "SearchSet", lambda options=None: Failing())
    pf = Prefilter([re.compile("svar"), re.compile("besked")])
    assert pf.live("inget här") == {0, 1}


def _without_prefilter() -> _Matcher:
    m = _Matcher.build(BOOK)
    m.prefilter = Prefilter([])
    m.prefilter.always = frozenset(range(len(m.patterns)))
    return m


def test_suggestions_are_the_same_with_and_without_the_prefilter():
    with open(EXTERNAL, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    texts += [x for c in BOOK.causes for x in c.examples] + list(BOOK.negative_examples)
    # the sentences of every text joined, so that the "ersätter" clashes are cut by sentence
    texts += [" ".join(texts[i : i + 3]) for i in range(0, len(texts), 3)]
    fast, slow = _Matcher.build(BOOK), _without_prefilter()
    fast.use_prefilter()
    assert [fast.explain(t) for t in texts] == [slow.explain(t) for t in texts]
    assert [fast.code(t) for t in texts] == [slow.code(t) for t in texts]


def test_the_prefilter_is_compiled_once_enough_texts_are_read(monkeypatch):
    from samverkan.coding import autocode

    monkeypatch.setattr(autocode, "_PREFILTER_FROM", 3)
    m = _Matcher.build(BOOK)
    texts = ["Vi har inte fått något svar.", "SIP-mötet ställdes in.", "Inget svar."] * 2
    got = [m.explain(texts[0]), m.explain(texts[1])]
    assert m.prefilter is None  # two texts read: every pattern tried
    got += [m.explain(t) for t in texts[2:]]
    assert m.prefilter is not None and m.prefilter.always == frozenset()
    assert got == [_without_prefilter().explain(t) for t in texts]


def test_code_many_reads_in_batches_with_the_same_result(monkeypatch):
    """code_many runs RE2 over a batch of texts at once; its causes and words are those of
    code_and_words one text at a time, also across the batch where the prefilter is
    compiled and for missing or empty texts."""
    from samverkan.coding import autocode

    monkeypatch.setattr(autocode, "_PREFILTER_FROM", 5)
    monkeypatch.setattr(autocode, "_BATCH", 4)
    with open(EXTERNAL, encoding="utf-8") as f:
        texts: list[object] = [json.loads(line)["text"] for line in f][:30]
    texts[3:3] = [None, "", float("nan"), "[NAMN] har inte [ROLL] fått något svar."]
    m = _Matcher.build(BOOK)
    got = m.code_many(texts)
    assert m.prefilter is not None  # compiled within the run, after five texts
    slow = _without_prefilter()
    want = [slow.code_and_words(t) if isinstance(t, str) else (set(), []) for t in texts]
    assert got == want
    assert any(causes for causes, _ in got) and got[4] == (set(), [])
