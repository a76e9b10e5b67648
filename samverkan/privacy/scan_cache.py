"""The leak scan's memory of files it found clean (``samverkan check-leaks``).

Most of a `make report` leaves most outputs byte for byte as they were (a rebuild of the
demo reproduces every file; a new group text changes only the annual reports), yet
scanning them again costs seconds, most of it reading the PDFs' text. So the scan keeps
one key per file content it found clean, and next time takes a file whose key is listed as
clean without reading it again. The key is an HMAC, under the project's secret
(``.samverkan-secret``), of the file's bytes and name together with everything that
decides the verdict: the scanner's own code and word lists (every file of
``samverkan/privacy`` and ``samverkan/project``), the versions of the libraries that read
the files, config/leaks.yaml as loaded, and the names and numbers of the current raw data.
Any change to one of them changes every key, so the scan then reads every file again.

Only clean contents are remembered, never a finding; a file's name is checked every time;
the project's own temporary files are never remembered. The file holds nothing but the
keys (hex), which cannot be reversed without the secret, so it reveals nothing of the raw
data; without a secret nothing is remembered. ``check-leaks --no-cache`` reads every file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from samverkan.project.memo import JsonMemo, cache_dir, code_digest, stable

CACHE_FILE = "leak-scan.json"
_MAX_KEYS = 50_000  # the newest kept: a project's outputs are a few thousand files
# the libraries whose reading of a file the verdict depends on
_READERS = (
    "pypdf",
    "pypdfium2",
    "openpyxl",
    "pyarrow",
    "pandas",
    "nbformat",
    "phonenumbers",
    "personnummer",
)
_CODE_PACKAGES = ("privacy", "project")


def cache_path(root: Path) -> Path:
    return cache_dir(root) / CACHE_FILE


def _code_digest() -> bytes:
    return code_digest(_CODE_PACKAGES, _READERS)


def fingerprint(settings: Any, known: Any) -> bytes:
    """What decides a verdict besides the file itself: the scanner's code and readers,
    the settings (a dataclass) and the raw data's identifiers (a dataclass, or None)."""
    state = {
        "settings": {f.name: stable(getattr(settings, f.name)) for f in fields(settings)},
        "known": None
        if known is None
        else {f.name: stable(getattr(known, f.name)) for f in fields(known)},
    }
    digest = hashlib.sha256(_code_digest())
    digest.update(json.dumps(state, sort_keys=True, ensure_ascii=False).encode())
    return digest.digest()


class CleanScans:
    """The keys of the file contents found clean, for one scanner (``fingerprint``), kept
    at ``path`` (samverkan.project.memo; none kept without a path)."""

    def __init__(self, secret: bytes, scanner: bytes, path: Path | None = None) -> None:
        self.secret, self.scanner, self.hits = secret, scanner, 0
        self._memo = JsonMemo(path, limit=_MAX_KEYS) if path is not None else None
        # in the order last found clean (the newest kept)
        self.clean: dict[str, Any] = self._memo.entries if self._memo is not None else {}

    def key(self, data: bytes, name: str) -> str:
        message = self.scanner + hashlib.sha256(data).digest() + name.encode("utf-8", "replace")
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def __contains__(self, key: str) -> bool:
        return key in self.clean

    def add(self, keys: list[str]) -> None:
        for key in keys:
            self.clean.pop(key, None)
            self.clean[key] = 1

    @classmethod
    def load(cls, path: Path, secret: bytes, scanner: bytes) -> CleanScans:
        """The keys kept at ``path`` (none when it is missing or unreadable)."""
        return cls(secret, scanner, path)

    def save(self) -> None:
        """Keep the newest keys, atomically (a failure to write only loses the memory)."""
        if self._memo is not None:
            self._memo.save()
