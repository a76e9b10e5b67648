"""The ingest benchmark runs and reports (the numbers themselves are not asserted)."""

from __future__ import annotations

import sys
import types

import pytest
from conftest import CONFIG
from samverkan_dev.bench.ingest import format_report, run_benchmark


def test_benchmark_runs_on_a_small_term(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("samverkan.privacy.redaction")
    module.redact = lambda text: text  # type: ignore[attr-defined]
    module.redact_many = list  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "samverkan.privacy.redaction", module)
    result = run_benchmark(30, config_dir=CONFIG)
    assert result.rows_read == 120 and result.files == 4
    assert 0 < result.cases <= result.rows_read
    report = format_report(result)
    assert "120 rader lästa" in report and "rader/s" in report
