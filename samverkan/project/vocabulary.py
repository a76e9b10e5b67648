"""The controlled vocabularies that cross stages, read from their one home in config/.

Cause and category ids come from ``config/codebook.yaml`` (the analysts' codebook, whose
full model is :mod:`samverkan.coding.codebook`); export system ids from
``config/sources.yaml``. Schemas, sheets and reports take them from a :class:`Vocabulary`
loaded once per stage, never from a list written in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from samverkan.project.errors import InputError
from samverkan.project.settings import load_yaml


@dataclass(frozen=True)
class Vocabulary:
    """Ids in the order of their config file."""

    causes: tuple[str, ...]
    categories: tuple[str, ...]
    systems: tuple[str, ...]

    @property
    def cause_columns(self) -> tuple[str, ...]:
        return tuple(f"cause_{c}" for c in self.causes)


def _ids(path: Path, data: object, key: str) -> tuple[str, ...]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError(path, f"listan '{key}' saknas eller är tom", "Återställ filen från git")
    ids = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("id") or "").strip():
            raise InputError(path, f"{key} nr {n} saknar id", "Ge posten ett id")
        ids.append(str(item["id"]).strip())
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise InputError(
            path, f"{key}: id förekommer flera gånger: {', '.join(duplicated)}", "Gör id:n unika"
        )
    return tuple(ids)


def load_vocabulary(config_dir: str | Path) -> Vocabulary:
    """Causes and categories from codebook.yaml, systems from sources.yaml."""
    config_dir = Path(config_dir)
    codebook_path = config_dir / "codebook.yaml"
    codebook = load_yaml(codebook_path)
    sources_path = config_dir / "sources.yaml"
    sources = load_yaml(sources_path)
    systems = sources.get("systems") if isinstance(sources, dict) else None
    if not isinstance(systems, dict) or not systems:
        raise InputError(sources_path, "avsnittet 'systems' saknas", "Återställ filen från git")
    return Vocabulary(
        causes=_ids(codebook_path, codebook, "causes"),
        categories=_ids(codebook_path, codebook, "categories"),
        systems=tuple(str(s) for s in systems),
    )
