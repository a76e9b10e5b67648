"""A first-character guard for an alternation of configured patterns.

sources.yaml's child and adult words are one alternation of some twenty patterns, each
starting with a word boundary (``\\bbarn...``, ``\\belev...``). Python's ``re`` then tries
every alternative at every position of a text: reading the exports of a large term spent
more time there than in any other step of classifying rows. Most positions cannot start a
match, because every alternative starts with one of a few letters; a lookahead for those
letters (``(?=[bu...])``) rejects such a position in one step, with the same matches.

The letters are read from the parsed pattern (Python's own ``re`` parser). Where an
alternative may start otherwise (a character class by category, ``.``, an optional first
part, inline flags), no guard is added and the pattern is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+: the parser is re._parser (sre_parse is its deprecated alias)
    from re import _constants as _c
    from re import _parser
except ImportError:  # pragma: no cover - an interpreter without them: no guard
    _parser = None
    _c = None


def _class_items(items: list[tuple[Any, Any]]) -> list[str] | None:
    """A character class's literals and ranges as regex source, None for anything else."""
    out = []
    for op, av in items:
        if op is _c.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is _c.RANGE:
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        else:  # NEGATE, CATEGORY (\w, \d, ...): not a short list of letters
            return None
    return out


def _first(items: list[tuple[Any, Any]]) -> list[str] | None:
    """The characters a match of ``items`` can start with (class source), or None when
    that is not a plain set of characters or the items can match the empty string."""
    for op, av in items:
        if op is _c.AT:
            continue  # zero-width: \b, ^, $ (the next item consumes the first character)
        if op is _c.LITERAL:
            return [re.escape(chr(av))]
        if op is _c.IN:
            return _class_items(av)
        if op is _c.SUBPATTERN:
            _, add_flags, del_flags, sub = av
            return None if add_flags or del_flags else _first(sub.data)
        if op is _c.BRANCH:
            parts = [_first(branch.data) for branch in av[1]]
            return None if any(p is None for p in parts) else [x for p in parts for x in p]
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _, sub = av
            return _first(sub.data) if low >= 1 else None
        return None
    return None  # nothing consumed: the pattern matches the empty string


def guarded(source: str, flags: int) -> str:
    """``source`` with a lookahead for the characters its matches can start with, or
    ``source`` itself when they are not a plain set of characters."""
    if _parser is None:
        return source
    try:
        first = _first(_parser.parse(source, flags).data)
    except Exception:  # anything unexpected in the parse: leave the pattern alone
        return source
    if not first:
        return source
    return f"(?=[{''.join(dict.fromkeys(first))}])(?:{source})"
