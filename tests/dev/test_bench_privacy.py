"""The benchmarks of the leak scanner and of disclosure control (samverkan_dev.bench)."""

from __future__ import annotations

from pathlib import Path

from samverkan_dev.bench.disclosure import benchmark as bench_disclosure
from samverkan_dev.bench.leaks import benchmark as bench_leaks

from samverkan.privacy.leaks import KnownIdentifiers


def test_disclosure_benchmark_reports_every_shape() -> None:
    rows = bench_disclosure(shapes=((3, 3), (2, 4)), repeats=1)
    assert [(r["rows"], r["cols"]) for r in rows] == [(3, 3), (2, 4)]
    assert rows[0]["cells"] == 16 and rows[0]["hidden"] >= rows[0]["primary"]
    assert rows[1]["cells"] == 15
    assert all(r["ms"] >= 0 for r in rows)


def test_disclosure_benchmark_is_deterministic() -> None:
    first = bench_disclosure(shapes=((4, 4),), repeats=1, seed=7)
    again = bench_disclosure(shapes=((4, 4),), repeats=2, seed=7)
    assert [(r["primary"], r["hidden"]) for r in first] == [
        (r["primary"], r["hidden"]) for r in again
    ]


def test_leak_benchmark_scans_clean_outputs(tmp_path: Path) -> None:
    result = bench_leaks(tmp_path / "b", megabytes=0.05)
    names = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert names == ["cases.parquet", "report.html", "run.ipynb", "run.log"]
    assert result["findings"] == 0.0
    assert result["megabytes_on_disk"] > 0 and result["mb_per_second"] > 0


def test_leak_benchmark_finds_a_known_name(tmp_path: Path) -> None:
    # "Svedala" is in the benchmark text: as a raw name it is found in every file
    known = KnownIdentifiers(names=frozenset({"svedala"}))
    result = bench_leaks(tmp_path / "b", megabytes=0.02, known=known)
    assert result["findings"] >= 4
