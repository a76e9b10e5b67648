"""Benchmark of the de-identification on a labelled Swedish set (``samverkan-dev bench-deid``).

The labelled set (``samverkan_dev/bench/data/deid_labelled.jsonl``) has one case-note
sentence per line with the character spans of the personal data in it and their type. The
benchmark measures both sides:

- leaked identity numbers, phone numbers and e-mail addresses (must be 0): a labelled span
  that is not completely covered by a redaction;
- share of names and of addresses caught (each must be at least 0.99);
- share of must-survive words removed (must be at most 0.02): every word or number outside
  the labelled spans must survive;
- texts per second over a large generated batch of realistic 300-character texts.

The spans are character positions in the text as written (with its zero-width spaces,
soft hyphens and fullwidth digits). Redaction reads the normalised text
(``samverkan.privacy.normalise``), so the benchmark normalises every text, moves the
spans along, and scores what ``redact`` stores.

Numbers shaped like identity numbers (10 or 12 digits, also with the date in groups:
``ÅÅ.MM.DD-NNNN``, ``ÅÅ MM DD-NNNN``) are not stored as digits, so that the repository
holds nothing that looks like a personnummer: a record's ``coded`` field lists character
ranges whose digits are written as letters, a-j for 0-9 and k-t for the fullwidth digits
0-9. ``load_labelled`` turns them back into digits; lengths and offsets are unchanged.

Two sets ship with the package: the project's own (``deid_labelled.jsonl``, the default)
and a set of the written forms people use to get past a redactor
(``deid_variants.jsonl``: separators, zero-width characters, fullwidth digits, written-out
e-mail addresses, abbreviated streets); ``run_benchmark(path)`` scores any file.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from importlib import resources
from pathlib import Path
from typing import Any

from samverkan.privacy import redaction as deid
from samverkan.privacy.normalise import fold_look_alikes, normalise
from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

# The quality bar the de-identification must meet.
MIN_NAME_RECALL = 0.99
MIN_ADDRESS_RECALL = 0.99
MAX_KEEP_REMOVED = 0.02
ZERO_LEAK_TYPES = ("PERSONNUMMER", "TELEFON", "E-POST")
TYPES = ("PERSONNUMMER", "NAMN", "TELEFON", "E-POST", "ADRESS")

_TOKEN_RE = re.compile(r"\w+")
_WIDE = "".join(chr(0xFF10 + k) for k in range(10))
_DECODE = str.maketrans("abcdefghijklmnopqrst", "0123456789" + _WIDE)
_ENCODE = str.maketrans("0123456789" + _WIDE, "abcdefghijklmnopqrst")
# What the labelled files must not hold as digits: 6 or 8 digits, or a date in groups
# (76.01.15, 1992-11-03), then a separator or none, then 4 digits.
PNR_SHAPE_RE = re.compile(
    r"(?<!\d)(?:\d{6}|\d{8}|(?:\d\d)?\d\d[. /-]\d\d[. /-]\d\d)(?:[ ]?[-+.][ ]?|[ ])?\d{4}(?!\d)"
)


# Interim numbers (a letter as the first character of the serial: ÅÅÅÅMMDD-TNNC) are
# letter-coded too; the letter itself is left out of the coded ranges (two ranges, before
# and after it), so decoding never turns it into a digit.
INTERIM_SHAPE_RE = re.compile(
    r"(?<!\d)(?:\d{6}|\d{8}|(?:\d\d)?\d\d[. /-]\d\d[. /-]\d\d)(?:[ ]?[-+.][ ]?|[ ])?"
    r"(?P<letter>[^\W\d_])\d{3}(?!\d)"
)


def encode_record(
    text: str, spans: list[tuple[int, int]] | None = None
) -> tuple[str, list[list[int]]]:
    """``text`` with every identity-number-shaped run, interim numbers included (and every
    span in ``spans``, for numbers split by invisible characters) letter-coded, and the
    coded ranges."""
    coded = [[m.start(), m.end()] for m in PNR_SHAPE_RE.finditer(text)]
    for m in INTERIM_SHAPE_RE.finditer(text):
        letter = m.start("letter")
        coded += [r for r in ([m.start(), letter], [letter + 1, m.end()]) if r not in coded]
    coded += [[s, e] for s, e in spans or () if [s, e] not in coded]
    for start, end in coded:
        text = text[:start] + text[start:end].translate(_ENCODE) + text[end:]
    return text, sorted(coded)


def _decode(text: str, coded: list[list[int]]) -> str:
    for start, end in coded:
        text = text[:start] + text[start:end].translate(_DECODE) + text[end:]
    return text


def default_path() -> Path:
    """The project's own labelled set shipped with the package."""
    return Path(str(resources.files("samverkan_dev.bench") / "data" / "deid_labelled.jsonl"))


def variants_path() -> Path:
    """The labelled set of written forms that try to get past a redactor."""
    return Path(str(resources.files("samverkan_dev.bench") / "data" / "deid_variants.jsonl"))


def normalised_record(rec: dict[str, Any]) -> dict[str, Any]:
    """The record as redaction sees it: normalised text, spans moved along.

    Each character is normalised on its own (and look-alike letters are read in whole
    words, which keeps the length), which gives the text ``normalise`` gives whenever the
    text holds no decomposed letters (write "é", not "e" and an accent).
    """
    text = rec["text"]
    pieces = [normalise(ch) for ch in text]
    norm = fold_look_alikes("".join(pieces))  # the one step that reads whole words
    if norm != normalise(text):
        raise ValueError(f"{rec['id']}: normalising character by character differs")
    starts: list[int] = []
    pos = 0
    for piece in pieces:
        starts.append(pos)
        pos += len(piece)
    starts.append(pos)
    spans = []
    for start, end, kind in rec["spans"]:
        s, e = starts[start], starts[end]
        if e > s:
            spans.append((s, e, kind))
    return {"id": rec["id"], "text": norm, "spans": spans}


def load_labelled(path: Path) -> list[dict[str, Any]]:
    """Read the labelled set: one JSON object per line with ``id``, ``text`` and ``spans``."""
    records: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(
            path, f"testmängden kan inte läsas ({exc.strerror})", "Kontrollera sökvägen"
        ) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            coded = [(int(a), int(b)) for a, b in rec.get("coded", [])]
            if not all(0 <= a < b <= len(rec["text"]) for a, b in coded):
                raise ValueError("coded range outside the text")
            text = _decode(rec["text"], coded)
            spans = [(int(s["start"]), int(s["end"]), str(s["type"])) for s in rec["spans"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                path,
                f"rad {number} är ingen märkt post",
                'Skriv ett JSON-objekt per rad: {"id", "text", "spans": [{"start", "end", "type"}]}'
                ' och, för bokstavskodade nummer, "coded": [[start, end]]',
            ) from exc
        for start, end, kind in spans:
            if not (0 <= start < end <= len(text)) or kind not in TYPES:
                raise InputError(
                    path,
                    f"rad {number} har ett spann utanför texten eller av okänd typ",
                    f"Ange teckenpositioner inom texten och en av {', '.join(TYPES)}",
                )
        record = {"id": rec.get("id", f"line{number}"), "text": text, "spans": spans}
        try:
            normalised_record(record)
        except ValueError as exc:
            raise InputError(
                path,
                f"rad {number} har en bokstav skriven som bokstav och separat accent",
                "Skriv bokstaven som ett tecken (NFC), t.ex. é i stället för e och en accent",
            ) from exc
        records.append(record)
    return records


def _covered(text: str, start: int, end: int, found: list[deid.Span]) -> bool:
    """True if every non-space character of ``text[start:end]`` lies in a redaction."""
    for pos in range(start, end):
        if text[pos].isspace():
            continue
        if not any(sp.start <= pos < sp.end for sp in found):
            return False
    return True


def _overlaps(start: int, end: int, spans: list[tuple[int, int]] | list[deid.Span]) -> bool:
    for sp in spans:
        s, e = (sp.start, sp.end) if isinstance(sp, deid.Span) else sp
        if start < e and s < end:
            return True
    return False


def _speed_batch(records: list[dict[str, Any]], n: int, seed: int = 1) -> list[str]:
    """Realistic ~300-character texts made by joining random labelled sentences."""
    rng = random.Random(seed)
    texts = [r["text"] for r in records]
    batch: list[str] = []
    for _ in range(n):
        parts: list[str] = []
        length = 0
        while length < 280:
            t = rng.choice(texts)
            parts.append(t)
            length += len(t) + 1
        batch.append(" ".join(parts)[:320])
    return batch


def _score(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Spans caught per type, misses, and must-survive words that were removed."""
    totals = dict.fromkeys(TYPES, 0)
    caught = dict.fromkeys(TYPES, 0)
    misses: list[dict[str, str]] = []
    keep_total = 0
    over: list[dict[str, str]] = []
    for rec in map(normalised_record, records):
        text = rec["text"]
        found = deid.find_spans(text)
        for start, end, kind in rec["spans"]:
            totals[kind] += 1
            if _covered(text, start, end, found):
                caught[kind] += 1
            else:
                misses.append({"id": rec["id"], "type": kind, "text": text[start:end]})
        gold = [(s, e) for s, e, _ in rec["spans"]]
        for m in _TOKEN_RE.finditer(text):
            if _overlaps(m.start(), m.end(), gold):
                continue
            keep_total += 1
            if _overlaps(m.start(), m.end(), found):
                over.append({"id": rec["id"], "text": m.group(0)})
    return {
        "totals": totals,
        "caught": caught,
        "misses": misses,
        "keep_total": keep_total,
        "keep_removed": len(over),
        "over_redacted": over,
    }


def _speed(records: list[dict[str, Any]], n_texts: int) -> dict[str, float]:
    """Texts per second (wall and CPU time) over a batch of realistic texts."""
    batch = _speed_batch(records, n_texts)
    deid.warm_up()  # load the word lists before timing
    t0 = time.perf_counter()
    c0 = time.process_time()
    for t in batch:
        deid.redact(t)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    return {
        "speed_texts": float(len(batch)),
        "speed_seconds": seconds,
        "mean_chars": sum(map(len, batch)) / len(batch),
        "texts_per_second": len(batch) / seconds if seconds else float("inf"),
        # CPU time of this process: the fairer figure on a machine shared with other work
        "cpu_texts_per_second": len(batch) / cpu_seconds if cpu_seconds else float("inf"),
    }


def run_benchmark(path: Path | None = None, *, n_speed_texts: int = 20_000) -> dict[str, Any]:
    """Run the benchmark and return the measured numbers (see the module docstring)."""
    path = Path(path) if path is not None else default_path()
    records = load_labelled(path)
    score = _score(records)
    totals, caught = score["totals"], score["caught"]
    leaked = {k: totals[k] - caught[k] for k in ZERO_LEAK_TYPES}
    recall = {k: (caught[k] / totals[k] if totals[k] else 1.0) for k in TYPES}
    keep_total = score["keep_total"]
    keep_share = score["keep_removed"] / keep_total if keep_total else 0.0
    speed = _speed(records, n_speed_texts) if n_speed_texts > 0 else {}
    passed = (
        all(v == 0 for v in leaked.values())
        and recall["NAMN"] >= MIN_NAME_RECALL
        and recall["ADRESS"] >= MIN_ADDRESS_RECALL
        and keep_share <= MAX_KEEP_REMOVED
    )
    result: dict[str, Any] = {
        "path": str(path),
        "texts": len(records),
        **score,
        "recall": recall,
        "leaked": leaked,
        "leaked_total": sum(leaked.values()),
        "name_recall": recall["NAMN"],
        "keep_removed_share": keep_share,
        "passed": passed,
        **speed,
    }
    logger.debug("de-identification benchmark: passed=%s", passed)
    return result


def _n(x: float) -> str:
    """A whole number with a space between thousands, as written in Swedish."""
    return f"{x:,.0f}".replace(",", "\u00a0")


def format_report(result: dict[str, Any]) -> str:
    """A short Swedish report of a benchmark result (ids of misses only, never their text)."""
    lines = [
        f"Avidentifiering: testmängd med {result['texts']} texter ({result['path']})",
        f"  Läckta personnummer: {result['leaked']['PERSONNUMMER']} "
        f"av {result['totals']['PERSONNUMMER']}",
        f"  Läckta telefonnummer: {result['leaked']['TELEFON']} av {result['totals']['TELEFON']}",
        f"  Läckta e-postadresser: {result['leaked']['E-POST']} av {result['totals']['E-POST']}",
        f"  Namn som fångades: {result['caught']['NAMN']} av {result['totals']['NAMN']} "
        f"({result['name_recall']:.1%}, krav minst {MIN_NAME_RECALL:.0%})",
        f"  Adresser som fångades: {result['caught']['ADRESS']} av {result['totals']['ADRESS']} "
        f"({result['recall']['ADRESS']:.1%}, krav minst {MIN_ADDRESS_RECALL:.0%})",
        f"  Ord som skulle stå kvar men togs bort: {result['keep_removed']} av "
        f"{result['keep_total']} ({result['keep_removed_share']:.2%}, krav högst "
        f"{MAX_KEEP_REMOVED:.0%})",
    ]
    if "texts_per_second" in result:
        lines.append(
            f"  Hastighet: {_n(result['texts_per_second'])} texter per sekund, "
            f"{_n(result['cpu_texts_per_second'])} per sekund processortid "
            f"({_n(result['speed_texts'])} texter à cirka {result['mean_chars']:.0f} tecken "
            f"på {result['speed_seconds']:.2f} s)"
        )
    if result["misses"]:
        ids = ", ".join(f"{m['id']} ({m['type']})" for m in result["misses"][:30])
        lines.append(f"  Missade: {ids}")
    if result["over_redacted"]:
        ids = ", ".join(sorted({o["id"] for o in result["over_redacted"]})[:30])
        lines.append(f"  För mycket borttaget i: {ids}")
    lines.append("  Resultat: " + ("godkänt" if result["passed"] else "INTE godkänt"))
    return "\n".join(lines)


def bench_report(
    path: Path | None = None, *, all_sets: bool = False, n_speed_texts: int = 20_000
) -> str:
    """The Swedish report of ``samverkan-dev bench-deid [--file PATH] [--all]``.

    One set (``path``, or the project's own set), or with ``all_sets`` the project's own
    set and the variants set; the speed is measured once, on the first set.
    """
    paths = [default_path(), variants_path()] if all_sets else [path or default_path()]
    if all_sets and path is not None:
        paths.append(Path(path))
    reports = [
        format_report(run_benchmark(p, n_speed_texts=n_speed_texts if k == 0 else 0))
        for k, p in enumerate(paths)
    ]
    return "\n\n".join(reports)
