"""The de-identification on the labelled set and the demo exports (``samverkan_dev``).

These tests use the benchmark and the demo generator of the dev distribution.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from identity import pnr
from samverkan_dev.bench.deid import (
    MAX_KEEP_REMOVED,
    MIN_ADDRESS_RECALL,
    MIN_NAME_RECALL,
    format_report,
    run_benchmark,
)

from samverkan.privacy.redaction import redact

# --- the benchmark ------------------------------------------------------------------------


def test_benchmark_quality_bar_on_the_labelled_set() -> None:
    result = run_benchmark(n_speed_texts=0)
    assert result["texts"] >= 250
    assert result["leaked_total"] == 0, result["misses"]
    assert result["name_recall"] >= MIN_NAME_RECALL, result["misses"]
    assert result["keep_removed_share"] <= MAX_KEEP_REMOVED, result["over_redacted"]
    assert result["passed"]
    report = format_report(result)
    assert "godkänt" in report
    assert "Namn som fångades" in report


def test_benchmark_quality_bar_on_the_variants_set() -> None:
    """The written forms people use to get past a redactor (issue 10)."""
    from samverkan_dev.bench.deid import variants_path

    result = run_benchmark(variants_path(), n_speed_texts=0)
    assert result["texts"] >= 80
    totals = result["totals"]
    assert totals["PERSONNUMMER"] >= 20 and totals["TELEFON"] >= 15
    assert totals["E-POST"] >= 10 and totals["ADRESS"] >= 15 and totals["NAMN"] >= 10
    assert result["leaked_total"] == 0, result["misses"]
    assert result["name_recall"] >= MIN_NAME_RECALL, result["misses"]
    assert result["recall"]["ADRESS"] >= MIN_ADDRESS_RECALL, result["misses"]
    assert result["keep_removed_share"] <= MAX_KEEP_REMOVED, result["over_redacted"]
    assert result["passed"]


def test_variants_set_covers_invisible_characters_and_holds_no_identity_number() -> None:
    from samverkan_dev.bench.deid import PNR_SHAPE_RE, load_labelled, variants_path

    from samverkan.privacy.normalise import normalise

    raw = variants_path().read_text(encoding="utf-8")
    assert not PNR_SHAPE_RE.search(raw)
    assert not PNR_SHAPE_RE.search(normalise(raw))  # not even once normalised
    texts = [rec["text"] for rec in load_labelled(variants_path())]
    joined = "".join(texts)
    for ch in ("\u200b", "\u00ad", "\u2060", "\u202e", "\uff10"):
        assert ch in joined, hex(ord(ch))
    # decoded, the identity numbers are back as digits, in dotted and grouped forms too
    numbers = [
        normalise(rec["text"][s:e])
        for rec in load_labelled(variants_path())
        for s, e, kind in rec["spans"]
        if kind == "PERSONNUMMER"
    ]
    assert sum(bool(PNR_SHAPE_RE.fullmatch(n)) for n in numbers) >= 20
    assert any("." in n for n in numbers) and any(n.count(" ") >= 2 for n in numbers)


def test_spans_follow_the_text_through_normalisation() -> None:
    from samverkan_dev.bench.deid import normalised_record

    text = "Mamman Fa\u00adtima ringde \uff10\uff17\uff10-123 45 67."
    rec = {"id": "x", "text": text, "spans": [(7, 14, "NAMN"), (22, 35, "TELEFON")]}
    out = normalised_record(rec)
    assert out["text"] == "Mamman Fatima ringde 070-123 45 67."
    assert [out["text"][s:e] for s, e, _ in out["spans"]] == ["Fatima", "070-123 45 67"]


def test_letter_coding_of_fullwidth_digits_and_given_spans_round_trips(tmp_path: Path) -> None:
    from samverkan_dev.bench.deid import encode_record, load_labelled

    text = (
        "Pnr \uff11\uff19\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12 och 1912\u200b1212-1212."
    )
    start = text.index("1912")
    coded_text, coded = encode_record(text, [(start, len(text) - 1)])
    assert not any(ch.isdigit() for ch in coded_text)
    path = tmp_path / "set.jsonl"
    rec = {"id": "a", "text": coded_text, "coded": coded, "spans": []}
    path.write_text(json.dumps(rec), encoding="utf-8")
    assert load_labelled(path)[0]["text"] == text


def test_benchmark_reports_misses_and_over_redaction(tmp_path: Path) -> None:
    path = tmp_path / "bench.jsonl"
    records = [
        # a phone that is labelled but written so that nothing can find it
        {
            "id": "a",
            "text": "Nummer: sju noll.",
            "spans": [{"start": 8, "end": 16, "type": "TELEFON"}],
        },
        # a labelled name that is caught, and a word that survives
        {
            "id": "b",
            "text": "Mamman Fatima ringde.",
            "spans": [{"start": 7, "end": 13, "type": "NAMN"}],
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    result = run_benchmark(path, n_speed_texts=10)
    assert result["leaked"]["TELEFON"] == 1
    assert result["caught"]["NAMN"] == 1
    assert not result["passed"]
    assert result["texts_per_second"] > 0
    assert "INTE godkänt" in format_report(result)


def test_benchmark_rejects_a_malformed_file(tmp_path: Path) -> None:
    from samverkan.project.errors import InputError

    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "text": "abc"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="rad 1"):
        run_benchmark(path, n_speed_texts=0)


@pytest.mark.slow
def test_identifiers_planted_in_the_demo_exports_are_redacted(tmp_path: Path) -> None:
    """The demo generator (written independently) plants identifiers in free text."""
    from samverkan_dev.demo.generator import write_demo_data

    write_demo_data(tmp_path, terms=("2025HT",))
    planted = json.loads((tmp_path / ".demo-planted.json").read_text(encoding="utf-8"))
    texts: dict[str, list[str]] = {}
    for path in sorted((tmp_path / "2025HT").glob("*.csv")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        texts[f"2025HT/{path.stem}"] = text.splitlines()
    checked = 0
    for kind in ("personnummer", "phones", "emails", "addresses", "names"):
        for item in planted[kind]:
            lines = [t for t in texts.get(item["file"], []) if item["text"] in t]
            for line in lines:
                out = redact(line)
                checked += 1
                # a name may also occur inside a longer word of the line (Anders in Anderslöv)
                if kind == "names":
                    pattern = r"(?<!\w)" + re.escape(item["text"]) + r"(?!\w)"
                    assert not re.search(pattern, out), (kind, item.get("form"))
                else:
                    assert item["text"] not in out, kind
    assert checked > 50


def test_labelled_set_holds_no_identity_number_as_digits() -> None:
    from samverkan_dev.bench.deid import PNR_SHAPE_RE, default_path, load_labelled

    raw = default_path().read_text(encoding="utf-8")
    assert not PNR_SHAPE_RE.search(raw)
    # ...yet the benchmark still sees them as digits, in every written form
    numbers = [
        text[s:e]
        for rec in load_labelled(default_path())
        for text in [rec["text"]]
        for s, e, kind in rec["spans"]
        if kind == "PERSONNUMMER"
    ]
    assert sum(bool(PNR_SHAPE_RE.fullmatch(n)) for n in numbers) >= 15  # the rest: interim
    assert {"-", " "} <= {ch for n in numbers for ch in n if not ch.isdigit()}


def test_letter_coding_round_trips_and_bad_ranges_are_refused(tmp_path: Path) -> None:
    from samverkan_dev.bench.deid import encode_record, load_labelled

    from samverkan.project.errors import InputError

    text = f"Pnr {pnr('19121212', 121)} och tel 070-123 45 67."
    coded_text, coded = encode_record(text)
    assert coded == [[4, 17]] and "19121212" not in coded_text
    path = tmp_path / "set.jsonl"
    rec = {"id": "a", "text": coded_text, "coded": coded, "spans": []}
    path.write_text(json.dumps(rec), encoding="utf-8")
    assert load_labelled(path)[0]["text"] == text
    path.write_text(json.dumps({**rec, "coded": [[30, 99]]}), encoding="utf-8")
    with pytest.raises(InputError, match="rad 1"):
        load_labelled(path)


def test_files_the_staged_hook_skips_hold_no_identity_number_as_digits() -> None:
    """The hook's exclusions are for invented names and phones, never identity numbers."""
    import fnmatch

    import yaml
    from conftest import ROOT
    from samverkan_dev.bench.deid import PNR_SHAPE_RE

    patterns = yaml.safe_load((ROOT / "config" / "leaks.yaml").read_text("utf-8"))
    excluded = [p for p in patterns["staged_exclude"] if not p.startswith("tests/")]
    files = [
        path
        for path in ROOT.rglob("*")
        if path.is_file()
        and ".venv" not in path.parts
        and ".git" not in path.parts
        and any(fnmatch.fnmatch(path.relative_to(ROOT).as_posix(), p) for p in excluded)
    ]
    assert len(files) >= 10
    for path in files:
        if path.name == "leaks.yaml":
            continue
        assert not PNR_SHAPE_RE.search(path.read_text("utf-8", errors="replace")), path


def test_bench_report_runs_one_file_or_every_set(tmp_path: Path) -> None:
    from samverkan_dev.bench.deid import bench_report

    path = tmp_path / "own.jsonl"
    rec = {
        "id": "a",
        "text": "Mamman Fatima ringde.",
        "spans": [{"start": 7, "end": 13, "type": "NAMN"}],
    }
    path.write_text(json.dumps(rec), encoding="utf-8")
    one = bench_report(path, n_speed_texts=0)
    assert one.count("Avidentifiering:") == 1 and "1 texter" in one and "godkänt" in one
    every = bench_report(path, all_sets=True, n_speed_texts=0)
    assert every.count("Avidentifiering:") == 3
    assert "deid_labelled.jsonl" in every and "deid_variants.jsonl" in every
