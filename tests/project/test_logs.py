"""The log file keeps this package's detail and only other libraries' warnings: their
debug lines (DVC asked in-process by `samverkan repro`) name random temporary files, whose
tokens the leak scan can read as names from the raw data."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from conftest import CONFIG

from samverkan.project import logs


def test_other_libraries_debug_lines_stay_out_of_the_log_file(tmp_path: Path) -> None:
    shutil.copytree(CONFIG, tmp_path / "config")
    try:
        logs.configure(root=tmp_path)
        logging.getLogger("fsspec.memoryfs").debug("open file /.E5vyHG68g23-9JT3D1_IDA.tmp")
        logging.getLogger("dvc").info("a line of DVC's")
        logging.getLogger("dvc").warning("a warning of DVC's")
        logging.getLogger("samverkan.ingest").debug("our own detail")
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
    text = (tmp_path / "logs" / "samverkan.log").read_text(encoding="utf-8")
    assert "our own detail" in text and "a warning of DVC's" in text
    assert "IDA" not in text and "a line of DVC's" not in text
