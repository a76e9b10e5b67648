"""The reading configuration: config/sources.yaml, organisations.yaml and parties.yaml."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from samverkan.project.errors import InputError
from samverkan.project.schema import CATEGORIES, SYSTEMS
from samverkan.project.settings import load_yaml

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_SEPARATORS = re.compile(r"[-_]+")


def normalise_header(text: object) -> str:
    """Header text for comparison: NFC, case-folded, spaces and a trailing colon removed.

    Non-breaking and zero-width spaces count as spaces; hyphens and underscores count as
    spaces; runs of spaces become one. ``" Ärende-ID: "`` -> ``"ärende id"``.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    s = _SPACES.sub(" ", s).strip().rstrip(":").strip()
    s = _SEPARATORS.sub(" ", s)
    return _SPACES.sub(" ", s).strip().casefold()


def normalise_value(text: object) -> str:
    """A cell value for comparison with configured values: NFC, case-folded, spaces collapsed."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    return _SPACES.sub(" ", s).strip().casefold()


_CONNECTIVES = re.compile(r"\s*(?:&|/|\+|,|\boch\b)\s*")


def normalise_category_value(text: object) -> str:
    """Like normalise_value, but "och", "&", "/" and "," are treated as the same separator."""
    s = normalise_value(text)
    return _SPACES.sub(" ", _CONNECTIVES.sub(" ", s)).strip()


def map_text(values: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """Apply ``func`` to each non-missing value; the result is a ``string`` Series.

    (pandas gives an all-missing column a null dtype, which ``isin`` then rejects.)
    """
    return values.astype("string").map(func, na_action="ignore").astype("string")


@dataclass(frozen=True)
class SystemSpec:
    """How one system's export is read (one entry of config/sources.yaml)."""

    name: str
    fields: dict[str, tuple[str, ...]]  # canonical field -> normalised aliases, in priority order
    required: tuple[tuple[str, ...], ...]  # each entry: at least one of these fields
    id_field: str | None
    type_field: str | None
    reporter_is_organisation: bool
    default_own_party: str
    direction_field: str | None = None
    outgoing: frozenset[str] = frozenset()
    incoming: frozenset[str] = frozenset()
    category_field: str | None = None
    category_values: dict[str, str] = field(default_factory=dict)  # normalised value -> id

    def alias_index(self) -> dict[str, tuple[str, int]]:
        """Normalised alias -> (field, priority); the first field listing an alias wins."""
        index: dict[str, tuple[str, int]] = {}
        for fname, aliases in self.fields.items():
            for prio, alias in enumerate(aliases):
                index.setdefault(alias, (fname, prio))
        return index


@dataclass(frozen=True)
class Party:
    id: str
    label: str
    side: str
    child: bool
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Organisation:
    slug: str
    name: str
    kind: str
    # system -> collaboration types, normalised with normalise_category_value (None: all rows)
    systems: dict[str, tuple[str, ...] | None]


@dataclass(frozen=True)
class SourceConfig:
    """Everything ingest needs from config/: systems, organisations, parties, word lists."""

    systems: dict[str, SystemSpec]
    organisations: dict[str, Organisation]
    parties: dict[str, Party]
    header_search_rows: int
    min_header_matches: int
    footer_patterns: tuple[re.Pattern[str], ...]
    no_action_values: frozenset[str]
    child_systems: frozenset[str]
    child_pattern: re.Pattern[str] | None
    adult_pattern: re.Pattern[str] | None
    config_dir: Path


def _need(cond: bool, path: Path, problem: str) -> None:
    if not cond:
        raise InputError(path, problem, "Rätta filen (se kommentarerna överst i den)")


def _compile(patterns: Any, path: Path, where: str) -> tuple[re.Pattern[str], ...]:
    _need(isinstance(patterns, list), path, f"{where} ska vara en lista")
    out = []
    for p in patterns:
        try:
            out.append(re.compile(str(p), re.IGNORECASE))
        except re.error as exc:
            raise InputError(
                path, f"ogiltigt reguljärt uttryck i {where}: {exc}", "Rätta uttrycket"
            ) from None
    return tuple(out)


_NO_CAPTURE = re.compile(r"(?<!\\)\((?!\?)")


def _join(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    # non-capturing groups: pandas warns about (and does not need) capture groups
    joined = "|".join(f"(?:{_NO_CAPTURE.sub('(?:', p.pattern)})" for p in patterns)
    return re.compile(joined, re.IGNORECASE)


def _system_spec(name: str, raw: Any, path: Path) -> SystemSpec:
    _need(isinstance(raw, dict), path, f"systemet {name} ska vara en mappning")
    fields_raw = raw.get("fields")
    _need(isinstance(fields_raw, dict) and fields_raw, path, f"{name}: fields saknas")
    fields = {}
    for fname, aliases in fields_raw.items():
        _need(isinstance(aliases, list), path, f"{name}.fields.{fname} ska vara en lista")
        fields[str(fname)] = tuple(normalise_header(a) for a in aliases)
    required = []
    for item in raw.get("required") or []:
        group = tuple(item) if isinstance(item, list) else (item,)
        for f in group:
            _need(f in fields, path, f"{name}.required nämner okänt fält {f}")
        required.append(tuple(str(f) for f in group))
    id_field = raw.get("id_field")
    type_field = raw.get("type_field")
    for f in (id_field, type_field):
        _need(f is None or f in fields, path, f"{name}: fältet {f} finns inte under fields")
    direction = raw.get("direction") or {}
    category = raw.get("category") or {}
    cat_values: dict[str, str] = {}
    for cat_id, values in (category.get("values") or {}).items():
        _need(cat_id in CATEGORIES, path, f"{name}.category: okänd kategori {cat_id}")
        for v in values:
            cat_values[normalise_category_value(v)] = cat_id
    return SystemSpec(
        name=name,
        fields=fields,
        required=tuple(required),
        id_field=id_field,
        type_field=type_field,
        reporter_is_organisation=bool(raw.get("reporter_is_organisation", True)),
        default_own_party=str(raw.get("default_own_party") or "okand"),
        direction_field=direction.get("field"),
        outgoing=frozenset(normalise_value(v) for v in direction.get("outgoing") or []),
        incoming=frozenset(normalise_value(v) for v in direction.get("incoming") or []),
        category_field=category.get("field"),
        category_values=cat_values,
    )


def load_source_config(config_dir: str | Path) -> SourceConfig:
    """Load and check sources.yaml, organisations.yaml and parties.yaml from ``config_dir``."""
    config_dir = Path(config_dir)
    src_path = config_dir / "sources.yaml"
    src = load_yaml(src_path)
    _need(
        isinstance(src, dict) and isinstance(src.get("systems"), dict), src_path, "systems saknas"
    )
    systems = {}
    for name, raw in src["systems"].items():
        _need(name in SYSTEMS, src_path, f"okänt system {name} (kända: {', '.join(SYSTEMS)})")
        systems[name] = _system_spec(name, raw, src_path)

    org_path = config_dir / "organisations.yaml"
    orgs_raw = load_yaml(org_path)
    _need(
        isinstance(orgs_raw, dict) and isinstance(orgs_raw.get("organisations"), dict),
        org_path,
        "organisations saknas",
    )
    organisations = {}
    for slug, o in orgs_raw["organisations"].items():
        _need(
            isinstance(o, dict) and o.get("kind") in ("kommun", "region"),
            org_path,
            f"{slug}: kind ska vara kommun eller region",
        )
        osys = {}
        for sname, types in (o.get("systems") or {}).items():
            _need(sname in SYSTEMS, org_path, f"{slug}: okänt system {sname}")
            osys[sname] = (
                None if types is None else tuple(normalise_category_value(t) for t in types)
            )
        organisations[str(slug)] = Organisation(
            str(slug), str(o.get("name", slug)), o["kind"], osys
        )

    party_path = config_dir / "parties.yaml"
    parties_raw = load_yaml(party_path)
    _need(
        isinstance(parties_raw, dict) and isinstance(parties_raw.get("parties"), dict),
        party_path,
        "parties saknas",
    )
    parties = {}
    for pid, p in parties_raw["parties"].items():
        _need(
            isinstance(p, dict) and p.get("side") in ("kommun", "region", "annan"),
            party_path,
            f"{pid}: side ska vara kommun, region eller annan",
        )
        parties[str(pid)] = Party(
            str(pid),
            str(p.get("label", pid)),
            p["side"],
            bool(p.get("child", False)),
            _compile(p.get("patterns") or [], party_path, f"{pid}.patterns"),
        )
    _need("okand" in parties, party_path, "parten okand saknas (den används när inget matchar)")
    for spec in systems.values():
        _need(
            spec.default_own_party in parties,
            src_path,
            f"{spec.name}.default_own_party {spec.default_own_party} finns inte i parties.yaml",
        )

    child = src.get("involves_child") or {}
    return SourceConfig(
        systems=systems,
        organisations=organisations,
        parties=parties,
        header_search_rows=int(src.get("header_search_rows", 30)),
        min_header_matches=int(src.get("min_header_matches", 2)),
        footer_patterns=_compile(src.get("footer_patterns") or [], src_path, "footer_patterns"),
        no_action_values=frozenset(normalise_value(v) for v in src.get("no_action_values") or []),
        child_systems=frozenset(child.get("always_child_systems") or []),
        child_pattern=_join(
            _compile(child.get("child_patterns") or [], src_path, "involves_child.child_patterns")
        ),
        adult_pattern=_join(
            _compile(child.get("adult_patterns") or [], src_path, "involves_child.adult_patterns")
        ),
        config_dir=config_dir,
    )
