"""Automatic cause suggestions for Swedish case notes, driven by the codebook's triggers.

How a text is read:

- lower-cased, placeholders such as ``[NAMN]`` removed, then *folded* (å, ä -> a, ö -> o,
  é -> e) so that notes typed without Swedish letters match the same triggers;
- split into tokens (hyphenated forms such as ``SIP-mötet`` and ``SIP:en`` stay one token
  but their parts are matched too) and clauses (punctuation and words such as *men*);
- every distinct token is looked up once (cached): the token, its simplemma lemma (lang
  "sv") and its hyphen parts are matched against the cause's terms; words unknown to the
  lemmatizer get a cheap edit-distance-1 match against longer trigger words (typos);
- one pass of RE2 over the folded text reports which of the codebook's patterns may match
  in it at all (:mod:`samverkan.coding.prefilter`, at least every match ``re`` would find);
  only those are tried;
- the cause's regular-expression patterns run over the folded text, tried only at word
  starts whose word one of them can begin with (the first word of every pattern is read
  from its parse tree once, see :mod:`samverkan.coding.pattern_tree`), one combined
  regex per cause and word; a pattern that cannot be gated so is searched for in the whole
  text, but only when literal strings every match contains (read from the same tree) occur;
- a hit is cancelled when, in the same clause and a few tokens before it, a positive cue
  (*bra*, *snabb* ...) or a cancelling phrase (*inga problem med*, *ingen brist på*) stands,
  or, for "problem terms", a negation (*inte*, *ingen* ...);
- a cause's "ersätter" list drops other causes in sentences where it is suggested (an IT
  failure is not also a communication failure); such a text is then coded sentence by
  sentence, each sentence cut from the whole text's scan (its tokens, hits and word starts)
  rather than read again, which gives the same as reading it alone (a test checks).
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import simplemma

from samverkan.coding import pattern_tree as _t
from samverkan.coding.codebook import Codebook, codebook_path, load_codebook
from samverkan.coding.prefilter import Prefilter

log = logging.getLogger(__name__)

_FOLD = str.maketrans(
    {"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", "æ": "a", "ø": "o"}
)
_PLACEHOLDER = re.compile(r"\[[A-ZÅÄÖa-zåäö_\- ]{2,30}\]")
_TOKEN = re.compile(r"\w+(?:[-:]\w+)*")
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")  # the same tokens, kept by split
_PART = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE_PUNCT = re.compile(r"[.;!?,()\n\u2013\u2014]|\s-\s")
# common Swedish inflection endings allowed after a whole-word trigger
_SUFFIXES = (
    "erna|arna|orna|ende|ades|ande|ats|ade|ad|at|en|et|er|ar|or|na|ns|ts|es|s|n|t|e|a|r"
    "|de|te|des|tes"
)
_NOTHING: tuple[tuple, tuple] = ((), ())
# texts read before the RE2 prefilter is compiled (about 0.3 s, which it pays back only over
# thousands of texts); until then every pattern is tried, with the same result
_PREFILTER_FROM = 10_000
_BATCH = 5_000  # texts read at once by code_many (RE2 runs over them in one go)
_TYPO_MIN = 7  # shortest token length that gets typo matching
_TYPO_MIN_CORE = 6  # shortest trigger word that typos are matched against


def fold_lower(low: str) -> str:
    """Fold Swedish letters of an already lower-cased text (length-preserving)."""
    if low.isascii():
        return low
    low = low.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e")
    return low if low.isascii() else low.translate(_FOLD)


def fold(text: str) -> str:
    """Lower-case and fold Swedish letters (length-preserving on lower-cased text)."""
    return fold_lower(text.lower())


def _term_regex(term: str) -> str:
    core = re.escape(fold(term.strip("*")))
    if term.startswith("*") and term.endswith("*"):
        return rf"[\w:-]*{core}[\w:-]*"
    if term.endswith("*"):
        return rf"{core}[\w:-]*"
    if term.startswith("*"):
        return rf"[\w:-]*{core}(?:{_SUFFIXES})?"
    return rf"{core}(?:{_SUFFIXES})?"


_KEY_LEN = 3


def _walk(items: list, states: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Possible literal first words over parsed regex items (conservative).

    A state is (letters so far, status): "open" (still reading letters), "word" (the letters
    are a whole word: a space, hyphen or boundary follows) or "prefix" (something else
    follows, so the letters only begin the word).
    """
    for op, av in items:
        if all(st != "open" for _, st in states):
            break
        nxt: set[tuple[str, str]] = set()
        for s, st in states:
            if st != "open":
                nxt.add((s, st))
            elif op == _t.LITERAL and chr(av).isalnum():
                nxt.add((s + chr(av), "open"))
            elif op == _t.LITERAL:
                nxt.add((s, "word" if s else "prefix"))
            elif op == _t.AT:
                nxt.add((s, "word" if s else "open"))
            elif op == _t.SUBPATTERN:
                nxt |= _walk(list(av[3]), {(s, "open")})
            elif op == _t.BRANCH:
                for branch in av[1]:
                    nxt |= _walk(list(branch), {(s, "open")})
            else:
                nxt.add((s, "prefix"))
        states = nxt
    return states


def _gate_words(pattern: str) -> frozenset[str] | None:
    """How the words a match can start with begin: "=word" for a whole first word, else the
    whole literal prefix the word must start with; None when the pattern cannot be gated."""
    try:
        parsed = _t.parse(pattern)
    except _t.PatternTreeError:  # syntax the tree does not read: run the pattern everywhere
        return None
    keys = set()
    for s, st in _walk(list(parsed), {("", "open")}):
        if not s:
            return None
        keys.add(f"={s}" if st == "word" else s)
    return frozenset(keys)


def _gate_keys(pattern: str) -> frozenset[str] | None:
    """Keys of the words a match can start with: "=word" for a whole first word, or its first
    one to three letters; None when the pattern cannot be gated."""
    words = _gate_words(pattern)
    if words is None:
        return None
    return frozenset(w if w.startswith("=") else w[:_KEY_LEN] for w in words)


def _may_start(word: str, gate_words: frozenset[str] | None) -> bool:
    """Whether a pattern with these gate words can match at the start of (folded) ``word``:
    the word is one of its whole first words or begins with one of its literal prefixes
    (exact: a prefix is all letters and ``word`` the whole run of word characters there)."""
    if gate_words is None:
        return True
    return f"={word}" in gate_words or any(
        word.startswith(w) for w in gate_words if not w.startswith("=")
    )


def _branch_literals(op: object, av: object) -> set[str] | None:
    """The strings a group of purely literal alternatives can match, else None."""
    if op == _t.SUBPATTERN:
        items = list(av[3])  # type: ignore[index]
        if len(items) == 1:
            return _branch_literals(*items[0])
        return _sequence_literal(items)
    if op == _t.BRANCH:
        out: set[str] = set()
        for branch in av[1]:  # type: ignore[index]
            lit = _sequence_literal(list(branch))
            if lit is None:
                return None
            out |= lit
        return out
    return None


def _sequence_literal(items: list) -> set[str] | None:
    text = ""
    for op, av in items:
        if op != _t.LITERAL:
            return None
        text += chr(av)
    return {text}


def _required(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Sets of literal strings, one of each set must occur in a text for the pattern to match.

    Only top-level parts of the pattern after its first element are used (the first is the
    word-start gate); runs of literal characters and groups of literal alternatives count.
    """
    try:
        items = list(_t.parse(pattern))
    except _t.PatternTreeError:  # syntax the tree does not read: no extra gate then
        return ()
    out: list[tuple[str, ...]] = []
    run = ""
    for op, av in [*items[1:], (None, None)]:
        if op == _t.LITERAL:
            run += chr(av)
            continue
        if len(run.strip()) >= 3:
            out.append((run.strip(),))
        run = ""
        if op is None:
            continue
        lits = _branch_literals(op, av)
        if lits and min(len(x.strip()) for x in lits) >= 3:
            out.append(tuple(sorted(x.strip() for x in lits)))
    out.sort(key=lambda alts: -min(len(a) for a in alts))
    return tuple(out[:3])


def _longest_run(items: list) -> str:
    """The longest run of literal characters among ``items`` (a sequence, top level)."""
    best = run = ""
    for op, av in [*items, (None, None)]:
        if op == _t.LITERAL:
            run += chr(av)
        else:
            best, run = max(best, run, key=len), ""
    return best


def _first_literals(pattern: str) -> tuple[str, ...]:
    """Strings one of which every match of ``pattern`` contains, read from its first item
    (which ``_required`` leaves out, being the gate of gated patterns): the literal run it
    starts with, the longest literal run of each alternative of a group, or the characters
    of a set; () when the first item has none of these."""
    try:
        items = list(_t.parse(pattern))
    except _t.PatternTreeError:
        return ()
    op, av = items[0] if items else (None, None)
    if op == _t.LITERAL:
        return (_longest_run(items),)  # every top-level item is in every match
    if op == _t.IN:
        chars = tuple(chr(v) for kind, v in av if kind == _t.LITERAL)  # type: ignore[union-attr]
        return chars if len(chars) == len(av) else ()  # type: ignore[arg-type]
    if op == _t.SUBPATTERN and not av[1] and not av[2]:  # type: ignore[index]
        inner = list(av[3])  # type: ignore[index]
        op, av = inner[0] if len(inner) == 1 else (None, None)
        branches = av[1] if op == _t.BRANCH else [inner]  # type: ignore[index]
        runs = tuple(_longest_run(list(b)) for b in branches)
        return runs if all(runs) else ()
    return ()


# a repeat of word characters (\w, or a class of letters, digits, \w, \d, : _ . ' -, none of
# which is a space) that a match can only leave by a literal space: directly (rule A), after
# closing a group that is done by then (")" or ")?", rule B), or as the whole body of a group
# that starts with that space ("( \w+){0,4} ", rule C); the space itself not optional
_WORDY = r"(?<!\\)(?:\\[wd]|\[(?:\\[wd]|[\w:.'-])+\])"
_SPACE_NEXT = re.compile(
    rf"(?P<a>{_WORDY}[+*])(?= (?![?*+{{]))"
    rf"|(?P<b>{_WORDY}[+*])(?=\)\?? (?![?*+{{]))"
    rf"|(?<=\( )(?P<c>{_WORDY}[+*])(?=\)(?:[*+?]|\{{\d*,?\d*\}})? (?![?*+{{]))"
)


def _possessive(pattern: str) -> str:
    """``pattern`` with its repeats of word characters made possessive (``\\w+`` to
    ``\\w++``) where a space must follow them: they then never give back letters, which
    no match could use (the space cannot be a word character), so every match is the same
    and a failing one fails sooner. Python's ``re`` does not do this itself."""
    return _SPACE_NEXT.sub(lambda m: m.group() + "+", pattern)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one insertion, deletion, substitution or swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def _index_typos(
    index: dict[str, list[tuple[str, str, bool, bool]]],
    lengths: set[int],
    cause_id: str,
    words: Sequence[str],
    negatable: bool,
) -> None:
    """Index every trigger word long enough for typo matching under itself and its
    one-letter deletions: variant -> (cause, word, negatable, prefix)."""
    for w in words:
        if w.startswith("*"):
            continue
        core = fold(w.strip("*"))
        if len(core) < _TYPO_MIN_CORE:
            continue
        lengths.add(len(core))
        for variant in {core, *_deletes(core)}:
            index.setdefault(variant, []).append((cause_id, core, negatable, w.endswith("*")))


@dataclass
class _Scan:
    """One text read for matching: folded text, folded tokens and where they start."""

    folded: str
    low: str  # the lower-cased text the offsets refer to (evidence is cut from it)
    toks: list[str]
    starts: list[int]
    hits_at: list[tuple[int, tuple[tuple[str, bool], ...]]] = field(default_factory=list)
    # (offset, token index, candidate patterns) of each word start
    word_starts: list[tuple[int, int, tuple]] = field(default_factory=list)
    # the patterns that may match in the text (the prefilter's) and their causes; a sentence
    # cut from a text keeps the text's (a superset of its own), so they are not compared
    live_pids: set[int] = field(default_factory=set, compare=False)
    live: set[str] = field(default_factory=set, compare=False)
    keys: list[str] = field(default_factory=list, compare=False)  # the lower-cased tokens

    def words(self) -> list[str]:
        """The runs of word characters of the lower-cased text (the parts of its tokens)."""
        if "-" not in self.low and ":" not in self.low:
            return self.keys
        return [w for k in self.keys for w in (_PART.findall(k) if "-" in k or ":" in k else (k,))]


def _sentence_bounds(text: str) -> list[tuple[int, int]] | None:
    """Where the sentences of ``text`` (the pieces of ``_SENTENCE.split(text)``) lie in its
    lower-cased, placeholder-free form that ``_Matcher._scan`` reads; None when lower-casing
    may change lengths or depend on neighbours (then offsets would not carry over)."""
    if "Σ" in text or len(text.lower()) != len(text):
        return None
    cuts = [0]
    for m in _SENTENCE.finditer(text):
        cuts += [m.start(), m.end()]
    cuts.append(len(text))
    holes = list(_PLACEHOLDER.finditer(text)) if "[" in text else []
    if holes:  # a placeholder becomes one space; none spans a cut (no . ! ? or newline in it)
        ends = [h.end() for h in holes]
        lost = [0]
        for h in holes:
            lost.append(lost[-1] + len(h.group()) - 1)
        cuts = [c - lost[bisect.bisect_right(ends, c)] for c in cuts]
    return list(zip(cuts[::2], cuts[1::2], strict=True))


def _sentence_scans(text: str, scan: _Scan | None) -> list[_Scan | None] | None:
    """The scan of each sentence of ``text``, cut from ``scan`` (the whole text's): what
    ``_Matcher._scan`` of the sentence alone gives (tokens never cross the whitespace between
    sentences; lower-casing and folding go letter by letter). None when the cut may differ."""
    bounds = _sentence_bounds(text)
    if scan is None or bounds is None:
        return None
    hit_keys = [i for i, _ in scan.hits_at]
    start_keys = [i for _, i, _ in scan.word_starts]
    out: list[_Scan | None] = []
    for a, b in bounds:
        i0, i1 = bisect.bisect_left(scan.starts, a), bisect.bisect_left(scan.starts, b)
        if i0 == i1:
            out.append(None)
            continue
        h0, h1 = bisect.bisect_left(hit_keys, i0), bisect.bisect_left(hit_keys, i1)
        w0, w1 = bisect.bisect_left(start_keys, i0), bisect.bisect_left(start_keys, i1)
        out.append(
            _Scan(
                scan.folded[a:b],
                scan.low[a:b],
                scan.toks[i0:i1],
                [s - a for s in scan.starts[i0:i1]],
                [(i - i0, h) for i, h in scan.hits_at[h0:h1]],
                [(off - a, i - i0, c) for off, i, c in scan.word_starts[w0:w1]],
                scan.live_pids,  # what may match in a sentence may match in the whole text
                scan.live,
            )
        )
    return out


@dataclass
class _Matcher:
    """The codebook's triggers compiled once; token analyses cached."""

    cause_ids: list[str]
    terms: list[tuple[str, re.Pattern[str], bool]]  # (cause, fullmatch regex, negatable)
    patterns: list[tuple[str, re.Pattern[str], frozenset[str] | None]]  # (cause, regex, gate)
    typo_index: dict[
        str, list[tuple[str, str, bool, bool]]
    ]  # variant -> (cause, core, negatable, prefix)
    typo_lengths: list[int]
    negations: frozenset[str]
    positives: frozenset[str]
    phrases: tuple[str, ...]
    breaks: frozenset[str]
    window: int
    cause_category: dict[str, str]
    supersedes: dict[str, frozenset[str]]
    category_order: list[str]
    _cache: dict[str, tuple[tuple[str, bool], ...]] = field(default_factory=dict)
    _cand_cache: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = field(default_factory=dict)
    _combined: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict)
    _info_cache: dict[str, tuple] = field(default_factory=dict)
    # the codebook's example sentences, folded: the check of the prefilter when it is made
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # one search for all cancelling phrases (each is " words ", so they never overlap a
        # word boundary wrongly)
        self._phrase_rx = re.compile("|".join(map(re.escape, self.phrases)) or "(?!)")
        self.key_index: dict[str, list[int]] = {}
        self.ungated: list[int] = []
        self.required = [
            tuple(
                re.compile("|".join(map(re.escape, alts))) for alts in _required(rx.pattern[3:-1])
            )
            for _, rx, _ in self.patterns
        ]
        self.gate_words = [_gate_words(rx.pattern[3:-1]) for _, rx, _ in self.patterns]
        # what is matched: the same patterns, faster to fail (the analyses read the originals)
        self.fast = [re.compile(_possessive(rx.pattern), rx.flags) for _, rx, _ in self.patterns]
        # which patterns may match in a text, from one pass of RE2 over it (use_prefilter)
        self.prefilter: Prefilter | None = None
        self._reads = 0
        self.pattern_cause = [cause for cause, _, _ in self.patterns]
        self._all_pids = set(range(len(self.patterns)))
        self._all_causes = set(self.pattern_cause)
        # for patterns tried everywhere: one of these must occur too (not under IGNORECASE,
        # where the letters would compare without case)
        self.first_needed = {
            pid: () if rx.flags & re.IGNORECASE else _first_literals(rx.pattern[3:-1])
            for pid, (_, rx, keys) in enumerate(self.patterns)
            if keys is None
        }
        for pid, (_, _, keys) in enumerate(self.patterns):
            if keys is None:
                self.ungated.append(pid)
            else:
                for key in keys:
                    self.key_index.setdefault(key, []).append(pid)

    def _candidates(self, word: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """(cause, regex) of the patterns that can start at the (folded) word ``word``: one
        regex per cause, the alternation of that cause's candidate patterns (fewer calls)."""
        cached = self._cand_cache.get(word)
        if cached is None:
            ids: set[int] = set(self.key_index.get(f"={word}", ()))
            for n in range(1, min(len(word), _KEY_LEN) + 1):
                ids.update(self.key_index.get(word[:n], ()))
            ids = {pid for pid in ids if _may_start(word, self.gate_words[pid])}
            by_cause: dict[str, list[int]] = {}
            for pid in sorted(ids):
                by_cause.setdefault(self.patterns[pid][0], []).append(pid)
            groups = []
            for cause, pids in by_cause.items():
                key = tuple(pids)
                rx = self._combined.get(key)
                if rx is None:
                    rx = self._combined[key] = (
                        self.fast[pids[0]]
                        if len(pids) == 1
                        else re.compile("|".join(self.fast[i].pattern for i in pids))
                    )
                groups.append((cause, rx))
            cached = self._cand_cache[word] = tuple(groups)
        return cached

    @classmethod
    def build(cls, book: Codebook) -> _Matcher:
        """Compile the codebook's triggers: term regexes, patterns with their gates, typos."""
        terms: list[tuple[str, re.Pattern[str], bool]] = []
        patterns: list[tuple[str, re.Pattern[str], frozenset[str] | None]] = []
        typo_index: dict[str, list[tuple[str, str, bool, bool]]] = {}
        lengths: set[int] = set()
        for cause in book.causes:
            for negatable, words in (
                (False, cause.triggers.terms),
                (True, cause.triggers.problem_terms),
            ):
                if words:
                    rx = re.compile("|".join(f"(?:{_term_regex(w)})" for w in words))
                    terms.append((cause.id, rx, negatable))
                _index_typos(typo_index, lengths, cause.id, words, negatable)
            for pattern in cause.triggers.patterns:
                folded = fold(pattern)
                patterns.append((cause.id, re.compile(rf"(?:{folded})"), _gate_keys(folded)))
        neg = book.negation
        examples = [x for c in book.causes for x in c.examples] + list(book.negative_examples)
        return cls(
            cause_ids=book.cause_ids,
            terms=terms,
            patterns=patterns,
            typo_index=typo_index,
            typo_lengths=sorted(lengths),
            negations=frozenset(fold(w) for w in neg.cues),
            positives=frozenset(fold(w) for w in neg.positive),
            phrases=tuple(" " + fold(p).strip() + " " for p in neg.phrases),
            breaks=frozenset(fold(w) for w in neg.clause_breaks),
            window=neg.window,
            cause_category={c.id: c.category for c in book.causes},
            supersedes={c.id: frozenset(c.supersedes) for c in book.causes if c.supersedes},
            category_order=book.category_ids,
            examples=tuple(fold(_PLACEHOLDER.sub(" ", x)) for x in examples),
        )

    def use_prefilter(self) -> Prefilter:
        """The RE2 prefilter, compiled now if it is not yet (it is by itself once
        ``_PREFILTER_FROM`` texts have been read) and checked on the codebook's examples."""
        if self.prefilter is None:
            prefilter = Prefilter([rx for _, rx, _ in self.patterns])
            prefilter.confirm(self.examples)
            self.prefilter = prefilter
        return self.prefilter

    # -- tokens -------------------------------------------------------------------------
    def _typo_hits(self, tok: str) -> set[tuple[str, bool]]:
        hits: set[tuple[str, bool]] = set()
        for length in self.typo_lengths:
            for cut in (length - 1, length, length + 1):
                if cut > len(tok) or cut < _TYPO_MIN_CORE - 1:
                    continue
                head = tok[:cut]
                for variant in {head, *_deletes(head)}:
                    for cause, core, negatable, prefix in self.typo_index.get(variant, ()):
                        if (cause, negatable) in hits or not _within_one(head, core):
                            continue
                        rest = tok[cut:]
                        if prefix or not rest or re.fullmatch(_SUFFIXES, rest):
                            hits.add((cause, negatable))
        return hits

    def token_hits(self, tok: str) -> tuple[tuple[str, bool], ...]:
        """(cause, negatable) pairs that one lower-cased (unfolded) token triggers."""
        cached = self._cache.get(tok)
        if cached is not None:
            return cached
        forms = {fold(tok)}
        pieces = [tok, *re.split(r"[-:]", tok)] if ("-" in tok or ":" in tok) else [tok]
        for piece in pieces:
            if piece:
                forms.add(fold(piece))
                forms.add(fold(simplemma.lemmatize(piece, lang="sv")))
        hits: set[tuple[str, bool]] = set()
        for cause, rx, negatable in self.terms:
            if any(rx.fullmatch(f) for f in forms):
                hits.add((cause, negatable))
        if not hits and len(tok) >= _TYPO_MIN and not simplemma.is_known(tok, lang="sv"):
            hits = self._typo_hits(fold(tok))
        result = tuple(sorted(hits))
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[tok] = result
        return result

    # -- texts --------------------------------------------------------------------------
    def _token_info(
        self, tok: str
    ) -> tuple[tuple[tuple[str, bool], ...], tuple[tuple[int, tuple[int, ...]], ...]]:
        """Cached: the token's trigger hits and, per word start in it, the candidate patterns."""
        info = self._info_cache.get(tok)
        if info is None and tok.isdigit() and not self._candidates(tok):
            return _NOTHING  # numbers, dates, times: never triggers, not worth caching
        if info is None:
            folded = fold(tok)
            starts = tuple(
                (part.start(), cands)
                for part in _PART.finditer(folded)
                if (cands := self._candidates(part.group()))
            )
            info = (self.token_hits(tok), starts)
            if len(self._info_cache) > 200_000:
                self._info_cache.clear()
            self._info_cache[tok] = info
        return info

    def code(self, text: str) -> set[str]:
        """The cause ids suggested for one text (after the codebook's "ersätter" rules): the
        keys of :meth:`explain`, found the same way without keeping every sentence's words."""
        return self._causes(text, self._scan(text) if text else None)

    def code_and_words(self, text: str) -> tuple[set[str], list[str]]:
        """:meth:`code`, and the words of the text as the learned model reads them (the runs
        of word characters of the lower-cased text, placeholders removed), from the same
        reading of the text."""
        scan = self._scan(text) if text else None
        return self._causes(text, scan), [] if scan is None else scan.words()

    def code_many(self, texts: Sequence[object]) -> list[tuple[set[str], list[str]]]:
        """:meth:`code_and_words` of each text (a non-text or empty one: no causes, no words).

        The same result, faster for many texts: they are read in batches, and RE2 runs over
        a whole batch in one go. Its automaton for all the codebook's patterns is several
        megabytes; run between the Python work of each text it is read back from memory
        every time (about 18 µs a text on this project's bench), run in one go it stays in
        the processor's cache (about 3 µs)."""
        out: list[tuple[set[str], list[str]]] = []
        for k in range(0, len(texts), _BATCH):
            block = texts[k : k + _BATCH]
            reads = [self._read(t) if isinstance(t, str) and t else None for t in block]
            lives = self._lives([r[1] for r in reads if r is not None])
            live_of = iter(lives) if lives is not None else None
            for text, read in zip(block, reads, strict=True):
                if read is None:
                    out.append((set(), []))
                    continue
                live = next(live_of) if live_of is not None else None
                scan = self._scan_read(read[0], read[1], live)
                out.append((self._causes(text, scan), [] if scan is None else scan.words()))  # type: ignore[arg-type]
        return out

    def _causes(self, text: str, scan: _Scan | None) -> set[str]:
        found = self._code_scan(scan)
        if not self._clash(found):
            return set(found)
        causes: set[str] = set()
        for part in self._sentence_parts(text, scan):
            # a cause an earlier sentence found stays found, and if it supersedes nothing
            # this sentence's hit on it changes nothing: it is not looked for again
            here = self._code_scan(part, skip=causes - self.supersedes.keys())
            for cause, lost in self.supersedes.items():
                if cause in here:
                    for other in lost:
                        here.pop(other, None)
            causes.update(here)
        return causes

    def explain(self, text: str) -> dict[str, str]:
        """{cause id: the words that triggered it} for one text (after "ersätter")."""
        scan = self._scan(text) if text else None
        found = self._code_scan(scan)
        if self._clash(found):  # decide sentence by sentence
            found = {}
            for part in self._sentence_parts(text, scan):
                here = self._code_scan(part)
                for cause, lost in self.supersedes.items():
                    if cause in here:
                        for other in lost:
                            here.pop(other, None)
                found = here | found
        return found

    def _clash(self, found: dict[str, str]) -> bool:
        """Whether a found cause supersedes another found one (then sentences decide)."""
        return (
            bool(self.supersedes)
            and len(found) > 1
            and any(
                found.keys() & lost for cause, lost in self.supersedes.items() if cause in found
            )
        )

    def _sentence_parts(self, text: str, scan: _Scan | None) -> list[_Scan | None]:
        """The scan of every sentence of ``text`` (``_SENTENCE.split``): cut from the whole
        text's scan where that gives the same, else each sentence scanned alone."""
        parts = _sentence_scans(text, scan)
        if parts is None:
            return [
                self._scan(sentence) if sentence else None for sentence in _SENTENCE.split(text)
            ]
        return parts

    @staticmethod
    def _read(text: str) -> tuple[str, str]:
        """(lower-cased, folded) ``text``, placeholders removed: what ``_scan`` reads."""
        if "[" in text:
            text = _PLACEHOLDER.sub(" ", text)
        low = text.lower()
        return low, fold_lower(low)

    def _lives(self, folded: Sequence[str]) -> list[set[int]] | None:
        """The prefilter's live pattern ids of each folded text, None while it is not used
        (every pattern may match); compiled once ``_PREFILTER_FROM`` texts have been read."""
        prefilter = self.prefilter
        if prefilter is None:
            self._reads += len(folded)
            if self._reads < _PREFILTER_FROM:
                return None
            prefilter = self.use_prefilter()
        live = prefilter.live
        return [live(f) for f in folded]

    def _scan(self, text: str) -> _Scan | None:
        """Tokens, clause starts, trigger hits and pattern word starts of one text (None when
        the text has no tokens)."""
        low, folded = self._read(text)
        return self._scan_read(low, folded, None)

    def _scan_read(self, low: str, folded: str, live: set[int] | None) -> _Scan | None:
        """``_scan`` of a text already read (``_read``); ``live``: its prefilter result, when
        found already (None: found here)."""
        # gaps and tokens interleaved, in one pass and without a match object per token;
        # ends[k]: where part k ends, so token i spans ends[2i] to ends[2i + 1]
        parts = _TOKEN_SPLIT.split(folded)
        if len(parts) == 1:
            return None
        ends = list(accumulate(map(len, parts)))
        starts = ends[0:-1:2]
        info_get, token_info = self._info_cache.get, self._token_info
        keys = [low[s:e] for s, e in zip(starts, ends[1::2], strict=True)]
        scan = _Scan(folded, low, parts[1::2], starts)
        scan.keys = keys
        if live is None:
            lives = self._lives((folded,))
            live = None if lives is None else lives[0]
        if live is None:  # every pattern may match (the sets are only read)
            scan.live_pids, scan.live = self._all_pids, self._all_causes
        else:
            scan.live_pids = live
            if live:
                cause_of = self.pattern_cause
                scan.live = {cause_of[pid] for pid in live}
        for i, key in enumerate(keys):
            info = info_get(key)
            if info is None:
                info = token_info(key)
            if info[0]:
                scan.hits_at.append((i, info[0]))
            if info[1]:
                start = starts[i]
                for off, cands in info[1]:
                    scan.word_starts.append((start + off, i, cands))
        return scan

    def _clause_starts(self, scan: _Scan) -> list[int]:
        """Sorted indices of the tokens that begin a clause: the first token after
        punctuation, and clause-break words."""
        bounds = {0}
        for m in _CLAUSE_PUNCT.finditer(scan.folded):
            bounds.add(bisect.bisect_left(scan.starts, m.end()))
        breaks = self.breaks
        bounds.update(i for i, t in enumerate(scan.toks) if t in breaks)
        return sorted(bounds)

    def _term_causes(self, scan: _Scan, clause_of: list[int], found: dict[str, str]) -> None:
        """Add the causes of trigger-term hits that are not cancelled."""
        for i, hits in scan.hits_at:
            for cause, negatable in hits:
                if cause not in found and not self._cancelled(
                    scan.toks, clause_of, i, negatable, i + 1
                ):
                    start = scan.starts[i]
                    found[cause] = scan.low[start : start + len(scan.toks[i])]

    def _gated_causes(self, scan: _Scan, clause_of: list[int], found: dict[str, str]) -> None:
        """Add the causes of patterns matching at word starts that one of them can begin."""
        folded, live = scan.folded, scan.live
        if not live:
            return
        for pos, idx, groups in scan.word_starts:
            for cause, rx in groups:
                if cause in found or cause not in live:
                    continue
                m = rx.match(folded, pos)
                if m is None:
                    continue
                end = bisect.bisect_left(scan.starts, m.end())
                if not self._cancelled(scan.toks, clause_of, idx, False, end):
                    found[cause] = scan.low[m.start() : m.end()].strip()

    def _ungated_causes(self, scan: _Scan, clause_of: list[int], found: dict[str, str]) -> None:
        """Add the causes of patterns without a word-start gate, matched anywhere."""
        starts, live = scan.starts, scan.live_pids
        for pid in self.ungated:
            cause, rx = self.patterns[pid][0], self.fast[pid]
            first = self.first_needed[pid]
            if (
                cause in found
                or pid not in live
                or (first and not any(lit in scan.folded for lit in first))
            ):
                continue
            if any(need.search(scan.folded) is None for need in self.required[pid]):
                continue
            for m in rx.finditer(scan.folded):
                idx = bisect.bisect_right(starts, m.start()) - 1
                end = bisect.bisect_left(starts, m.end())
                if idx < 0 or not self._cancelled(scan.toks, clause_of, idx, False, end):
                    found[cause] = scan.low[m.start() : m.end()].strip()
                    break

    def _code(self, text: str) -> dict[str, str]:
        """{cause id: triggering words} the triggers suggest for one text."""
        return self._code_scan(self._scan(text) if text else None)

    def _code_scan(self, scan: _Scan | None, skip: Iterable[str] = ()) -> dict[str, str]:
        """{cause id: triggering words} the triggers suggest for one scanned text; the causes
        in ``skip`` are not looked for (nor returned)."""
        if scan is None or (not scan.hits_at and not scan.word_starts and not self.ungated):
            return {}
        found = dict.fromkeys(skip, "")  # the matchers pass over causes already in found
        clause_of = self._clause_starts(scan)
        self._term_causes(scan, clause_of, found)
        self._gated_causes(scan, clause_of, found)
        self._ungated_causes(scan, clause_of, found)
        for cause in skip:
            del found[cause]
        return found

    def _cancelled(
        self, toks: list[str], clause_of: list[int], idx: int, negatable: bool, end: int
    ) -> bool:
        """Whether a hit at token ``idx`` (its match ending before token ``end``) is cancelled
        by a positive cue, a cancelling phrase or (``negatable``) a negation in its clause.
        ``clause_of`` holds the sorted indices of the tokens that begin a clause."""
        first = clause_of[bisect.bisect_right(clause_of, idx) - 1]
        before = toks[max(first, idx - self.window) : idx]
        if not self.positives.isdisjoint(before):
            return True
        if negatable and not self.negations.isdisjoint(before):
            return True
        if self.phrases:
            span = " " + " ".join(toks[first:end]) + " "
            if self._phrase_rx.search(span) is not None:
                return True
        return False

    def category(self, causes: set[str]) -> str:
        """The category most of ``causes`` belong to (the earlier one on a tie); the
        codebook's catch-all category when there are none."""
        if not causes:
            return self.category_order[-1]
        score: dict[str, int] = {}
        for cause in causes:
            cat = self.cause_category[cause]
            score[cat] = score.get(cat, 0) + 1
        return max(
            self.category_order, key=lambda c: (score.get(c, 0), -self.category_order.index(c))
        )


_LOCK = threading.Lock()
_MATCHERS: dict[int, tuple[Codebook, _Matcher]] = {}


@lru_cache(maxsize=4)
def _load_default(path: Path) -> Codebook:
    return load_codebook(path)


def default_codebook() -> Codebook:
    """config/codebook.yaml of the project root, loaded once."""
    from samverkan.project.paths import config_dir

    return _load_default(codebook_path(config_dir()))


def _matcher(codebook: Codebook | None) -> _Matcher:
    book = codebook if codebook is not None else default_codebook()
    with _LOCK:
        entry = _MATCHERS.get(id(book))
        if entry is None or entry[0] is not book:
            if len(_MATCHERS) > 16:
                _MATCHERS.clear()
            entry = (book, _Matcher.build(book))
            _MATCHERS[id(book)] = entry
    return entry[1]


def auto_code(texts: Sequence[str], codebook: Codebook | None = None) -> list[set[str]]:
    """Suggested cause ids for each text (an empty set when nothing fits).

    ``codebook`` defaults to config/codebook.yaml of the project root (loaded once).
    Missing texts (None, NA) get an empty set.
    """
    return [causes for causes, _ in _matcher(codebook).code_many(texts)]


def suggest_category(texts: Sequence[str], codebook: Codebook | None = None) -> list[str]:
    """A category id for each text from its suggested causes; the codebook's last category
    (the catch-all, "ovrigt" in the project's codebook) when nothing fits."""
    m = _matcher(codebook)
    return [m.category(m.code(t) if isinstance(t, str) else set()) for t in texts]


def code_and_categorise(
    texts: Sequence[str], codebook: Codebook | None = None
) -> tuple[list[set[str]], list[str]]:
    """Suggested causes and the category they point to, for each text, in one pass."""
    m = _matcher(codebook)
    causes = [found for found, _ in m.code_many(texts)]
    return causes, [m.category(c) for c in causes]
