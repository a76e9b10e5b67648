"""Loading params.yaml and the YAML files under config/, with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from samverkan.project.errors import InputError
from samverkan.project.paths import project_root

# libyaml's loader when PyYAML was built with it: the same safe subset of YAML, about ten
# times faster (the vocabulary and word lists are read by every stage, ingest once a term)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file; a missing or malformed file is an InputError naming it."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.load(f, Loader=_LOADER)  # (a safe loader)
    except FileNotFoundError:
        raise InputError(path, "filen finns inte", "Återställ den från git") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" på rad {mark.line + 1}" if mark else ""
        raise InputError(
            path, f"är inte giltig YAML{where}", "Rätta indraget eller citattecknen där"
        ) from None


def load_params(root: str | Path | None = None) -> dict[str, Any]:
    root = Path(root) if root else project_root()
    params = load_yaml(root / "params.yaml")
    if not isinstance(params, dict):
        raise InputError(
            root / "params.yaml", "innehåller inga inställningar", "Återställ filen från git"
        )
    return params
