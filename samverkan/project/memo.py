"""What the project remembers between runs to skip repeated work, in ``.samverkan-cache/``
(never in git, DVC or any output): the leak scan's clean files
(samverkan.privacy.scan_cache) and the suggestions' leave-one-term-out figures
(samverkan.coding.suggest). Each entry is keyed by a digest of everything its result
depends on, the package's own code and the libraries' versions included, so a remembered
result is the one the work would give; deleting the folder only costs time."""

from __future__ import annotations

import contextlib
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_FOLDER = ".samverkan-cache"
_VERSION = 1


def cache_dir(root: Path) -> Path:
    return Path(root) / CACHE_FOLDER


def code_digest(packages: tuple[str, ...], libraries: tuple[str, ...]) -> bytes:
    """A digest of every file of the package's sub-packages ``packages`` (their code and
    data files) and of the installed versions of ``libraries``."""
    package = Path(__file__).resolve().parent.parent  # samverkan/
    digest = hashlib.sha256()
    for name in packages:
        for path in sorted((package / name).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(package).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    for library in libraries:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{library}=={metadata.version(library)}\0".encode())
    return digest.digest()


def stable(value: Any) -> Any:
    """``value`` as JSON the same in every process: sets sorted, tuples as lists."""
    if isinstance(value, frozenset | set):
        return sorted(stable(v) for v in value)
    if isinstance(value, tuple | list):
        return [stable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): stable(v) for k, v in value.items()}
    return value


class JsonMemo:
    """Results by key in one JSON file, the newest ``limit`` kept. Reading a missing or
    damaged file gives no entries; a failed write only loses the memory."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path, self.limit = Path(path), limit
        self.entries: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") == _VERSION and isinstance(data.get("entries"), dict):
                self.entries = data["entries"]

    def get(self, key: str) -> Any:
        return self.entries.get(key)

    def put(self, key: str, value: Any) -> None:
        self.entries.pop(key, None)
        self.entries[key] = value  # the newest last

    def save(self) -> None:
        from samverkan.project.atomic import write_text_atomic

        kept = dict(list(self.entries.items())[-self.limit :])
        text = json.dumps({"version": _VERSION, "entries": kept}, ensure_ascii=False)
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, text + "\n")
