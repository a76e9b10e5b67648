from __future__ import annotations

from pathlib import Path

import pytest

from samverkan.project.errors import InputError
from samverkan.runner import find_notebook, parse_parameters, record_path


def test_terms_and_years_stay_strings_other_values_are_yaml() -> None:
    params = parse_parameters(
        [("year", "2025"), ("term", "2025HT"), ("min_cell", "3"), ("flag", "false")]
    )
    assert params == {"year": "2025", "term": "2025HT", "min_cell": 3, "flag": False}


def test_comparing_a_period_with_itself_means_no_comparison() -> None:
    assert parse_parameters([("term", "2024VT"), ("compare_term", "2024VT")])["compare_term"] == ""
    assert (
        parse_parameters([("term", "2025VT"), ("compare_term", "2024VT")])["compare_term"]
        == "2024VT"
    )
    assert parse_parameters([("year", "2024"), ("compare_year", "2024")])["compare_year"] == ""


def test_find_notebook_by_number_or_name(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    for name in ("01_ingest", "02_code"):
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text("{}")
    assert find_notebook(tmp_path, "ingest").name == "01_ingest.ipynb"
    assert find_notebook(tmp_path, "02").name == "02_code.ipynb"
    with pytest.raises(InputError, match="01_ingest, 02_code"):
        find_notebook(tmp_path, "report")


def test_run_records_go_beside_the_reports(tmp_path: Path) -> None:
    nb = tmp_path / "notebooks" / "03_term_report.ipynb"
    assert record_path(tmp_path, nb, {"term": "2025HT"}) == (
        tmp_path / "reports" / "2025HT" / "notebooks" / "03_term_report.ipynb"
    )


def test_kernel_talks_over_private_unix_sockets(tmp_path: Path, monkeypatch) -> None:
    import stat

    import nbformat
    import papermill

    from samverkan.runner import run_notebook

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02_code.ipynb").write_text("{}", encoding="utf-8")
    seen: dict = {}

    def fake_execute(src, out, **kwargs):
        manager = kwargs["config"]["KernelManager"]
        socket_dir = Path(manager["ip"]).parent
        seen.update(transport=manager["transport"], mode=stat.S_IMODE(socket_dir.stat().st_mode))
        nb = nbformat.v4.new_notebook()
        nb.metadata["papermill"] = {"input_path": str(src), "output_path": str(out)}
        nbformat.write(nb, out)

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    record = run_notebook(tmp_path, "02", {"term": "2025HT"})
    # not TCP on localhost, where any local user could connect to a kernel holding raw data
    assert seen == {"transport": "ipc", "mode": 0o700}
    # the record names itself by its place in the project, not by papermill's temporary file
    meta = nbformat.read(record, as_version=4).metadata["papermill"]
    assert meta["input_path"] == "notebooks/02_code.ipynb"
    assert meta["output_path"] == "reports/2025HT/notebooks/02_code.ipynb"
