"""The parse tree of a codebook pattern, as far as the auto-coder's gates need it.

The auto-coder reads the first words and the required literal strings of every trigger
pattern from its parse tree (:mod:`samverkan.coding.autocode`). This module builds that
tree with plain string handling, in the shape of the standard library's regular-expression
parser (same items, same grouping: alternatives that share their first items have them
moved out in front, alternatives of one character each become a character set,
non-capturing groups without flags are spliced into the enclosing sequence), so the gates
are the ones Python's own parse of the pattern gives. Only the item kinds the gates look at
are told apart; everything else is an item that never equals another.

Each item is ``(op, av)``: ``(LITERAL, code point)``, ``(AT, kind)`` for anchors,
``(SUBPATTERN, (group, add_flags, del_flags, items))``, ``(BRANCH, (None, [items, ...]))``,
``(IN, members)``, ``(REPEAT, (least, most, items))`` (``most`` None: unbounded; ``items``
the one repeated item), ``(OTHER, (kind, items))`` for a group the gates do not look into
(kind ``"lookaround"``, ``"atomic"`` or ``"conditional"``; ``items`` what a lookaround or
atomic group holds), or another op. The patterns are valid (the codebook compiles them
first); anything this module cannot read raises :class:`PatternTreeError`. The prefilter
(:mod:`samverkan.coding.prefilter`) reads the whole tree to write each pattern for RE2.
"""

from __future__ import annotations

import unicodedata

LITERAL = "literal"
NOT_LITERAL = "not_literal"
AT = "at"
IN = "in"
ANY = "any"
SUBPATTERN = "subpattern"
BRANCH = "branch"
REPEAT = "repeat"
OTHER = "other"  # lookarounds, atomic groups, conditionals: never equal to another item
GROUPREF = "groupref"
NEGATE = "negate"
CATEGORY = "category"
RANGE = "range"

_SPECIAL = set(".\\[{()*+?^$|")
_REPEAT = set("*+?{")
_DIGITS = set("0123456789")
_OCT = set("01234567")
_HEX = set("0123456789abcdefABCDEF")
_WHITESPACE = set(" \t\n\r\v\f")
_FLAGS = set("aiLmsux")
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
_ANCHORS = {"A": "begin_string", "b": "boundary", "B": "non_boundary", "Z": "end_string"}
_CATEGORIES = "dDsSwW"


class PatternTreeError(ValueError):
    """The pattern uses syntax this module does not read."""


class Items(list):
    """A sequence of items. Two sequences are equal only when they are the same object, as
    in the standard parser, so groups and alternations are never moved out as a prefix."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other


class _Source:
    """The pattern text read token by token (an escape is one two-character token)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.groups = 1
        self.verbose = False

    @property
    def next(self) -> str | None:
        if self.pos >= len(self.text):
            return None
        if self.text[self.pos] == "\\":
            if self.pos + 1 >= len(self.text):
                raise PatternTreeError("pattern ends with a backslash")
            return self.text[self.pos : self.pos + 2]
        return self.text[self.pos]

    def get(self) -> str | None:
        token = self.next
        if token is not None:
            self.pos += len(token)
        return token

    def match(self, char: str) -> bool:
        if self.next == char:
            self.pos += len(char)
            return True
        return False

    def getwhile(self, n: int, chars: set[str]) -> str:
        out = ""
        while len(out) < n and self.next is not None and self.next in chars:
            out += self.get() or ""
        return out

    def getuntil(self, end: str) -> str:
        stop = self.text.find(end, self.pos)
        if stop < 0:
            raise PatternTreeError(f"missing {end}")
        out = self.text[self.pos : stop]
        self.pos = stop + 1
        return out


def _code_escape(source: _Source, c: str) -> tuple[str, int] | None:
    """A hexadecimal, unicode or named escape (``\\x`` ``\\u`` ``\\U`` ``\\N``), else None."""
    width = {"x": 2, "u": 4, "U": 8}.get(c)
    if width:
        digits = source.getwhile(width, _HEX)
        if len(digits) != width:
            raise PatternTreeError("incomplete escape")
        return LITERAL, int(digits, 16)
    if c == "N":
        if not source.match("{"):
            raise PatternTreeError("missing {")
        return LITERAL, ord(unicodedata.lookup(source.getuntil("}")))
    return None


def _class_escape(source: _Source, escape: str) -> tuple:
    """A member of a character set from an escape inside ``[...]``."""
    c = escape[1]
    if c in _CATEGORIES:
        return CATEGORY, c
    if c == "b":
        return LITERAL, 8
    if c in _SIMPLE_ESCAPES:
        return LITERAL, _SIMPLE_ESCAPES[c]
    code = _code_escape(source, c)
    if code:
        return code
    if c in _OCT:
        return LITERAL, int(c + source.getwhile(2, _OCT), 8)
    if c in _DIGITS or (c.isascii() and c.isalpha()):
        raise PatternTreeError(f"bad escape {escape}")
    return LITERAL, ord(c)


def _escape(source: _Source, escape: str) -> tuple:
    """The item of an escape outside a character set."""
    c = escape[1]
    if c in _ANCHORS:
        return AT, _ANCHORS[c]
    if c in _CATEGORIES:
        return IN, [(CATEGORY, c)]
    if c in _SIMPLE_ESCAPES:
        return LITERAL, _SIMPLE_ESCAPES[c]
    code = _code_escape(source, c)
    if code:
        return code
    if c == "0":
        return LITERAL, int(source.getwhile(2, _OCT) or "0", 8)
    if c in _DIGITS:
        return _number_escape(source, c)
    if c.isascii() and c.isalpha():
        raise PatternTreeError(f"bad escape {escape}")
    return LITERAL, ord(c)


def _number_escape(source: _Source, first: str) -> tuple:
    """``\\NNN`` with three octal digits is a character, else a group reference."""
    digits = first
    if source.next is not None and source.next in _DIGITS:
        digits += source.get() or ""
        if digits[0] in _OCT and digits[1] in _OCT and source.next and source.next in _OCT:
            return LITERAL, int(digits + (source.get() or ""), 8)
    return GROUPREF, int(digits)


def _set_member(source: _Source, this: str) -> tuple:
    if this[0] == "\\":
        return _class_escape(source, this)
    return LITERAL, ord(this)


def _uniq(items: list) -> list:
    return list(dict.fromkeys(items))


def _char_set(source: _Source) -> tuple:
    """The item of ``[...]`` (the ``[`` is read): a set, or one (negated) literal."""
    members: list[tuple] = []
    negate = source.match("^")
    while True:
        this = source.get()
        if this is None:
            raise PatternTreeError("unterminated character set")
        if this == "]" and members:
            break
        first = _set_member(source, this)
        if not source.match("-"):
            members.append(first)
            continue
        that = source.get()
        if that is None:
            raise PatternTreeError("unterminated character set")
        if that == "]":
            members += [first, (LITERAL, ord("-"))]
            break
        last = _set_member(source, that)
        if first[0] != LITERAL or last[0] != LITERAL:
            raise PatternTreeError("bad character range")
        members.append((RANGE, (first[1], last[1])))
    members = _uniq(members)
    if len(members) == 1 and members[0][0] == LITERAL:
        return (NOT_LITERAL if negate else LITERAL), members[0][1]
    return IN, ([(NEGATE, None)] if negate else []) + members


_QUANTIFIERS: dict[str, tuple[int, int | None]] = {"*": (0, None), "+": (1, None), "?": (0, 1)}


def _repeat_bounds(source: _Source, this: str) -> tuple[int, int | None] | None:
    """(least, most) of the quantifier ``this`` (the character just read) starts, most None
    when unbounded; None when a ``{`` is not ``{m}``, ``{m,}``, ``{,n}`` or ``{m,n}``: then
    it is a literal, and nothing is consumed."""
    if this != "{":
        return _QUANTIFIERS[this]
    here = source.pos
    if source.next == "}":
        return None
    least = source.getwhile(10**6, _DIGITS)
    most: str | None = least
    if source.match(","):
        most = source.getwhile(10**6, _DIGITS) or None
    if source.match("}"):
        return int(least or 0), None if most is None else int(most)
    source.pos = here
    return None


def _repeat(source: _Source, items: Items, this: str) -> None:
    """Turn the last item into a repeat (after ``*``, ``+``, ``?`` or a valid ``{...}``)."""
    bounds = _repeat_bounds(source, this)
    if bounds is None:
        items.append((LITERAL, ord(this)))
        return
    if not items or items[-1][0] in (AT, REPEAT):
        raise PatternTreeError("nothing to repeat")
    if not source.match("?"):
        source.match("+")
    items[-1] = (REPEAT, (*bounds, Items([items[-1]])))


def _flags(source: _Source, char: str) -> tuple[bool, str, str]:
    """Inline flags after ``(?``: (global, added, removed); global flags end with ``)``."""
    added, removed = "", ""
    while char in _FLAGS:
        added += char
        char = source.get() or ""
    if char == "-":
        char = source.get() or ""
        while char in _FLAGS:
            removed += char
            char = source.get() or ""
    if char == ")" and not removed:
        return True, added, ""
    if char != ":":
        raise PatternTreeError("bad inline flags")
    return False, added, removed


def _close(source: _Source) -> None:
    if not source.match(")"):
        raise PatternTreeError("missing ), unterminated subpattern")


def _opaque_group(source: _Source, char: str) -> tuple[str, Items]:
    """Read the rest of a lookaround (``=``, ``!``, ``<=``, ``<!``), atomic (``>``) or
    conditional (``(``) group, up to and including its ``)``: its kind and what it holds
    (nothing for a conditional)."""
    if char == "(":
        source.getuntil(")")
        _parse(source, False)
        if source.match("|"):
            _parse(source, False)
        _close(source)
        return "conditional", Items()
    if char == "<" and source.get() not in ("=", "!"):
        raise PatternTreeError("unknown extension (?<")
    inner = _parse_sub(source)
    _close(source)
    return ("atomic" if char == ">" else "lookaround"), inner


def _extension(source: _Source, items: Items, first: bool) -> tuple[int | None, str, str] | None:
    """After ``(?``: (group, added flags, removed flags) of a group whose contents follow,
    or None when the whole group was read (its item, if any, appended)."""
    char = source.get() or ""
    if char == "P" and source.match("<"):
        source.getuntil(">")
        return source.groups, "", ""
    if char == "P" and source.match("="):
        items.append((GROUPREF, source.getuntil(")")))
        return None
    if char == ":":
        return None, "", ""
    if char == "#":
        while source.get() not in (")", None):
            pass
        return None
    if char and char in "=!<(>":
        items.append((OTHER, _opaque_group(source, char)))
        return None
    if char in _FLAGS or char == "-":
        is_global, added, removed = _flags(source, char)
        if not is_global:
            return None, added, removed
        if not first or items:
            raise PatternTreeError("global flags not at the start")
        source.verbose = source.verbose or "x" in added
        return None
    raise PatternTreeError(f"unknown extension (?{char}")


def _group(source: _Source, items: Items, first: bool) -> None:
    """A group (the ``(`` is read): its item, or nothing for a comment or global flags."""
    if source.match("?"):
        opened = _extension(source, items, first)
        if opened is None:
            return
        group, add, remove = opened
    else:
        group, add, remove = source.groups, "", ""
    if group is not None:
        source.groups += 1
    verbose = source.verbose
    source.verbose = (verbose or "x" in add) and "x" not in remove
    sub = _parse_sub(source)
    source.verbose = verbose
    _close(source)
    items.append((SUBPATTERN, (group, add, remove, sub)))


def _skip_verbose(source: _Source, this: str) -> bool:
    """In verbose mode, skip whitespace and ``#`` comments; whether ``this`` was skipped."""
    if this in _WHITESPACE:
        return True
    if this == "#":
        while source.get() not in (None, "\n"):
            pass
        return True
    return False


def _parse(source: _Source, first: bool) -> Items:
    """One alternative: items up to ``|``, ``)`` or the end."""
    items = Items()
    while (this := source.next) is not None and this not in "|)":
        source.get()
        if source.verbose and _skip_verbose(source, this):
            continue
        if this[0] == "\\":
            items.append(_escape(source, this))
        elif this not in _SPECIAL:
            items.append((LITERAL, ord(this)))
        elif this == "[":
            items.append(_char_set(source))
        elif this in _REPEAT:
            _repeat(source, items, this)
        elif this == ".":
            items.append((ANY, None))
        elif this == "(":
            _group(source, items, first)
        else:
            items.append((AT, "begin" if this == "^" else "end"))
    # splice in non-capturing groups without flags
    for i in range(len(items) - 1, -1, -1):
        op, av = items[i]
        if op == SUBPATTERN and av[0] is None and not av[1] and not av[2]:
            items[i : i + 1] = av[3]
    return items


def _parse_sub(source: _Source, top: bool = False) -> Items:
    """An alternation ``a|b|c``: shared first items moved in front, one-character
    alternatives turned into a set, the rest a BRANCH."""
    alternatives = [_parse(source, top)]
    while source.match("|"):
        alternatives.append(_parse(source, False))
    if len(alternatives) == 1:
        return alternatives[0]
    out = Items()
    while all(alternatives) and all(a[0] == alternatives[0][0] for a in alternatives):
        out.append(alternatives[0][0])
        for a in alternatives:
            del a[0]
    members: list[tuple] = []
    for a in alternatives:
        if len(a) != 1:
            break
        op, av = a[0]
        if op == LITERAL:
            members.append((op, av))
        elif op == IN and av[0][0] != NEGATE:
            members.extend(av)
        else:
            break
    else:
        out.append((IN, _uniq(members)))
        return out
    out.append((BRANCH, (None, alternatives)))
    return out


def parse(pattern: str) -> Items:
    """The top-level items of ``pattern``."""
    source = _Source(pattern)
    items = _parse_sub(source, top=True)
    if source.next is not None:
        raise PatternTreeError("unbalanced parenthesis")
    return items
