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
        # loggers of no real library: the suite's other tests may have configured DVC's
        other = logging.getLogger("some_library.memoryfs")
        own = logging.getLogger("samverkan.test_logs")
        for logger in (other, own):  # (other tests may have raised "samverkan" to WARNING)
            logger.setLevel(logging.DEBUG)
        other.debug("open file /.E5vyHG68g23-9JT3D1_IDA.tmp")
        other.info("a line of the library's")
        other.warning("a warning of the library's")
        own.debug("our own detail")
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
    text = (tmp_path / "logs" / "samverkan.log").read_text(encoding="utf-8")
    assert "our own detail" in text and "a warning of the library's" in text
    assert "IDA" not in text and "a line of the library's" not in text
