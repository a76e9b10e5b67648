"""Logging set-up, done once by the entry point (never on import).

Messages go to stderr and, when the project root is known, to logs/samverkan.log. Log
records never carry case text or identifiers: modules log counts, file names and stages.
"""

from __future__ import annotations

import logging
from pathlib import Path

from samverkan.project.paths import ProjectPaths

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: int = logging.INFO, root: Path | None = None) -> None:
    handlers: list[logging.Handler] = []
    stream = logging.StreamHandler()
    stream.setFormatter(logging.Formatter("samverkan: %(message)s"))
    stream.setLevel(level)
    handlers.append(stream)
    if root is not None:
        log_dir = ProjectPaths(Path(root)).logs
        log_dir.mkdir(exist_ok=True)
        file_handler = logging.FileHandler(log_dir / "samverkan.log", encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(FORMAT))
        file_handler.setLevel(logging.DEBUG)
        handlers.append(file_handler)
    logging.basicConfig(level=logging.DEBUG, handlers=handlers, force=True)
    for noisy in ("fontTools", "weasyprint", "papermill", "traitlets", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
