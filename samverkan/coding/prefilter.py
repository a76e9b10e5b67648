"""One pass of RE2 over a text tells which of the codebook's patterns may match in it.

Why: Python's ``re`` tries the auto-coder's patterns one cause at a time at every word start
one of them can begin (:mod:`samverkan.coding.autocode`), and almost every attempt fails.
RE2's ``Set`` reads the text once, as one automaton for all the patterns together, and
returns those that match somewhere in it (about three of the codebook's 266 in a typical
case text). Only those are then tried with ``re``, exactly as before.

Exact by construction: each pattern is written for RE2 so that it matches *at least* what
Python's ``re`` matches, read from its parse tree (:mod:`samverkan.coding.pattern_tree`):

- assertions are left out (``\\b``, ``^``, ``$``, lookarounds): a pattern without them
  matches wherever the pattern with them does;
- atomic groups, possessive and lazy repeats become plain groups and repeats (the same
  strings can match; only which match is taken differs, and a prefilter only asks whether);
- ``\\w``, ``\\d`` and ``\\s`` take every Unicode letter, number and space (Python's own
  classes are subsets of these); the negated ones (``\\W``, ``[^\\w]`` ...) leave out only
  the ASCII members, so they too take at least what Python's do.

A pattern that cannot be written so (case-insensitive flags, back references, conditionals,
a negated class inside a negated set) is tried in every text, as all of them are when the
``google-re2`` package is missing: then the result is the same, only slower. RE2's
set search cannot fall back to another engine; when its automaton outgrows the memory it
clears its cache and goes on, so the memory given here bounds it. A check when the
prefilter is built (the codebook's own example sentences must give every pattern ``re``
finds in them) turns it off should RE2 ever report less; tests check the same on random
patterns and texts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

from samverkan.coding import pattern_tree as _t

log = logging.getLogger(__name__)

try:  # optional: without it every pattern is tried in every text
    import re2
except ImportError:  # pragma: no cover - the project's environment installs it
    re2 = None

# RE2's memory for the set's program and its automaton (states are built as texts need them)
_MAX_MEM = 64 << 20

# what each category of Python's re takes at most (positive) and at least (inside a negation)
_WIDE = {"w": r"\pL\pN_", "d": r"\pN", "s": r"\t\n\x0b\f\r\x1c-\x1f\x85\pZ"}
_ASCII = {"w": "0-9A-Za-z_", "d": "0-9", "s": r"\t\n\x0b\f\r\x1c-\x1f "}


class _Unwritable(Exception):
    """The pattern has syntax that cannot be widened for RE2."""


def _char(code: int) -> str:
    c = chr(code)
    return c if c.isascii() and c.isalnum() else f"\\x{{{code:x}}}"


def _category(kind: str) -> str:
    """A category outside a set, at least as wide as Python's."""
    if kind.islower():
        return f"[{_WIDE[kind]}]"
    return f"[^{_ASCII[kind.lower()]}]"


def _members(members: Iterable[tuple], narrow: bool) -> tuple[str, list[str]]:
    """A set's members for RE2: the body of one class and the negated categories (written
    apart, as RE2 cannot put a negated Unicode class inside a class). ``narrow``: the set is
    negated, so each member may only shrink."""
    body, negated = "", []
    for op, av in members:
        if op == _t.LITERAL:
            body += _char(av)
        elif op == _t.RANGE:
            body += f"{_char(av[0])}-{_char(av[1])}"
        elif op == _t.CATEGORY and av.islower():
            body += (_ASCII if narrow else _WIDE)[av]
        elif op == _t.CATEGORY and not narrow:
            negated.append(_category(av))
        else:
            raise _Unwritable(op)
    return body, negated


def _char_set(members: list) -> str:
    if members and members[0][0] == _t.NEGATE:
        body, _ = _members(members[1:], narrow=True)
        return f"[^{body}]" if body else "(?s:.)"
    body, negated = _members(members, narrow=False)
    parts = ([f"[{body}]"] if body else []) + negated
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _write(items: Iterable[tuple]) -> str:
    """Items of a parse tree as an RE2 pattern that matches at least what they match."""
    out = []
    for op, av in items:
        if op == _t.LITERAL:
            out.append(_char(av))
        elif op == _t.NOT_LITERAL:
            out.append(f"[^{_char(av)}]")
        elif op == _t.ANY:
            out.append("(?s:.)")  # every character, a newline too
        elif op == _t.IN:
            out.append(_char_set(list(av)))
        elif op == _t.SUBPATTERN:
            _group, added, removed, inner = av
            if set(added + removed) & set("iL"):
                raise _Unwritable("flags")
            out.append(f"(?:{_write(inner)})")
        elif op == _t.BRANCH:
            out.append("(?:" + "|".join(_write(b) for b in av[1]) + ")")
        elif op == _t.REPEAT:
            least, most, inner = av
            body = f"(?:{_write(inner)})"
            out.append(body + (f"{{{least},}}" if most is None else f"{{{least},{most}}}"))
        elif op == _t.AT:
            continue  # an anchor left out: matches at least as much
        elif op == _t.OTHER and av[0] == "lookaround":
            continue
        elif op == _t.OTHER and av[0] == "atomic":
            out.append(f"(?:{_write(av[1])})")
        else:
            raise _Unwritable(op)
    return "".join(out)


def widened(pattern: str, flags: int = 0) -> str | None:
    """``pattern`` (Python syntax) as an RE2 pattern matching at least what it matches in
    any text; None when it cannot be written so."""
    if flags & (re.IGNORECASE | re.LOCALE):
        return None
    try:
        return _write(_t.parse(pattern))
    except (_t.PatternTreeError, _Unwritable):
        return None


class Prefilter:
    """The patterns that may match in a text, from one RE2 pass over it."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = list(patterns)
        self.size = len(patterns)
        self.always: frozenset[int] = frozenset()
        self._set = None
        self._ids: list[int] = []
        if re2 is None or not patterns:
            self.always = frozenset(range(self.size))
            return
        options = re2.Options()
        options.max_mem = _MAX_MEM
        found = re2.Set.SearchSet(options)
        always = []
        for pid, rx in enumerate(patterns):
            wide = widened(rx.pattern, rx.flags)
            if wide is None:
                always.append(pid)
                continue
            try:
                found.Add(wide)
            except re2.error:
                always.append(pid)
                continue
            self._ids.append(pid)
        self.always = frozenset(always)
        if self._ids:
            try:
                found.Compile()
            except re2.error:  # e.g. the program outgrows _MAX_MEM: every pattern tried
                log.warning("RE2-förfiltret kunde inte kompileras och används inte")
                self._ids, self.always = [], frozenset(range(self.size))
                return
            self._set = found

    def live(self, text: str) -> set[int]:
        """Ids (positions in the list given) of the patterns that may match in ``text``."""
        if self._set is None:
            return set(self.always)
        hits = self._set.Match(text)
        ids = self._ids
        out = set(self.always)
        if hits:
            out.update(ids[i] for i in hits)
        return out

    def confirm(self, texts: Iterable[str]) -> bool:
        """Whether every pattern that ``re`` finds in ``texts`` is reported; if one is not,
        the prefilter is turned off (every pattern tried) and False returned."""
        for text in texts:
            live = self.live(text)
            for pid, rx in enumerate(self.patterns):
                if pid not in live and rx.search(text) is not None:
                    log.warning(
                        "RE2-förfiltret missade mönster %d i en exempelmening och används inte",
                        pid,
                    )
                    self._set, self.always = None, frozenset(range(self.size))
                    return False
        return True
