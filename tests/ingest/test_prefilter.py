"""The first-character guard of the child and adult patterns changes no match."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import CONFIG

from samverkan.ingest.sources import load_source_config
from samverkan.ingest.sources.prefilter import guarded

CFG = load_source_config(CONFIG)
IC = re.IGNORECASE

# letters whose case-insensitive matching is special: Kelvin sign (k), long s (s),
# dotted and dotless i, Swedish capitals, digits and separators
TRICKY = [*"kKsSiIåÅäÄöÖéÉbBuUvVeEhH0123456789 -\n.,", "\u212a", "\u017f", "\u0130", "\u0131"]
WORDS = ["barn", "barnet", "elev", "ungdom", "vuxen", "äldre", "bup", "12-årig", "7 år gammal"]


def _texts(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(int(rng.integers(1, 8))):
            if rng.random() < 0.5:
                word = str(rng.choice(WORDS))
                parts.append(word.upper() if rng.random() < 0.3 else word)
            else:
                parts.append("".join(rng.choice(TRICKY, size=int(rng.integers(1, 6)))))
        out.append(("" if rng.random() < 0.5 else " ").join(parts))
    return out


@pytest.mark.parametrize("which", ["child_pattern", "adult_pattern"])
def test_guarded_config_patterns_find_the_same_matches(which: str) -> None:
    pattern = getattr(CFG, which)
    assert pattern.pattern.startswith("(?=[")  # the guard is in use for these patterns
    plain = re.compile(pattern.pattern.split("])(?:", 1)[1][:-1], IC)
    texts = _texts(1, 3000)
    found = 0
    for text in texts:
        a = [m.span() for m in plain.finditer(text)]
        assert [m.span() for m in pattern.finditer(text)] == a, text
        found += bool(a)
    assert 100 < found < len(texts)  # the texts hold matches and non-matches


@pytest.mark.parametrize(
    "source",
    [r"\w+barn", r"(?:a)?barn", r".barn", r"(?-i:Barn)|\bbup", r"\b", r"x*y", r"[^a]b"],
)
def test_no_guard_where_the_first_letters_are_not_a_short_list(source: str) -> None:
    assert guarded(source, IC) == source


@pytest.mark.parametrize(
    ("source", "letters"),
    [
        (r"\bbarn|\b(1[0-7]|[2-9])-?årig", "b12-9"),
        (r"(?:\belev)+|\bk", "ek"),
        (r"\b[a-c]x|\bå", "a-cå"),
    ],
)
def test_guard_lists_every_first_letter(source: str, letters: str) -> None:
    assert guarded(source, IC) == f"(?=[{letters}])(?:{source})"
    text = "\u212a ELEV 12-årig C\u0130 xåbarn Bx"  # Kelvin sign: k case-insensitively
    expected = [m.span() for m in re.finditer(source, text, IC)]
    assert [m.span() for m in re.finditer(guarded(source, IC), text, IC)] == expected
