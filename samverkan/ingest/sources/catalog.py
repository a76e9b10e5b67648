"""The reading configuration: config/sources.yaml, organisations.yaml and parties.yaml.

Export systems have one home, config/sources.yaml: each entry names its display label,
the reader kind that reads it (``READER_KINDS``) and its columns. Category ids that a
source maps to are checked against the codebook (``Vocabulary.categories``).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from samverkan.ingest.sources.prefilter import guarded
from samverkan.project.errors import InputError
from samverkan.project.settings import load_yaml
from samverkan.project.vocabulary import Vocabulary, load_vocabulary

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_SEPARATORS = re.compile(r"[-_]+")

# The reader kinds in code (samverkan.ingest.sources.readers.READERS); a system's
# ``reader:`` in sources.yaml names one. "grid": a table with a header row (CSV or xlsx);
# "form": the same, for an export without ids (the key is the date plus the text).
READER_KINDS = ("grid", "form")
SIDES = ("kommun", "region", "annan")
ORGANISATION_KINDS = ("kommun", "region")


def normalise_header(text: object) -> str:
    """Header text for comparison: NFC, case-folded, spaces and a trailing colon removed.

    Non-breaking and zero-width spaces count as spaces; hyphens and underscores count as
    spaces; runs of spaces become one. ``" Ärende-ID: "`` -> ``"ärende id"``.
    """
    if text is None:
        return ""
    if isinstance(text, str) and len(text) <= _CACHED_HEADER_CHARS:
        return _normalise_header(text)  # header search reads the same cells again and again
    return _normalise_header.__wrapped__(str(text))


_CACHED_HEADER_CHARS = 80  # longer cells are texts, not headers: not worth remembering


@lru_cache(maxsize=65_536)
def _normalise_header(text: str) -> str:
    s = unicodedata.normalize("NFC", text)
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
    # once per distinct value (a file's categories and directions repeat on every row)
    texts = values.astype("string").to_numpy(dtype=object, na_value=None)
    done = {t: func(t) for t in dict.fromkeys(texts) if t is not None}
    out = [None if t is None else done[t] for t in texts]
    return pd.Series(out, index=values.index, dtype=object).astype("string")


@dataclass(frozen=True)
class SystemSpec:
    """How one system's export is read (one entry of config/sources.yaml)."""

    name: str
    label: str  # the system's name for people ("LifeCare")
    reader: str  # one of READER_KINDS
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
    vocab: Vocabulary
    stop_words: frozenset[str] = frozenset()  # linking.stop_words: ignored by ngram linking


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
                path,
                f"ogiltigt reguljärt uttryck i {where}: {str(p)!r} (fel vid tecken {exc.pos})",
                "Rätta uttrycket",
            ) from None
    return tuple(out)


_NO_CAPTURE = re.compile(r"(?<!\\)\((?!\?)")


def _join(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    # non-capturing groups: pandas warns about (and does not need) capture groups
    joined = "|".join(f"(?:{_NO_CAPTURE.sub('(?:', p.pattern)})" for p in patterns)
    # a lookahead for the letters a match can start with: the same matches, found faster
    return re.compile(guarded(joined, re.IGNORECASE), re.IGNORECASE)


def _section(path: Path, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(whole file, its mapping ``key``) of a YAML file; InputError when the key is missing."""
    data = load_yaml(path)
    _need(isinstance(data, dict) and isinstance(data.get(key), dict), path, f"{key} saknas")
    return data, data[key]


def _fields(name: str, raw: dict[str, Any], path: Path) -> dict[str, tuple[str, ...]]:
    """A system's ``fields``: canonical field -> normalised aliases."""
    fields_raw = raw.get("fields")
    _need(isinstance(fields_raw, dict) and fields_raw, path, f"{name}: fields saknas")
    fields = {}
    for fname, aliases in fields_raw.items():
        _need(isinstance(aliases, list), path, f"{name}.fields.{fname} ska vara en lista")
        fields[str(fname)] = tuple(normalise_header(a) for a in aliases)
    return fields


def _required(
    name: str, raw: dict[str, Any], fields: dict[str, Any], path: Path
) -> tuple[tuple[str, ...], ...]:
    """A system's ``required`` fields; a list inside the list means "one of these"."""
    required = []
    for item in raw.get("required") or []:
        group = tuple(item) if isinstance(item, list) else (item,)
        for f in group:
            _need(f in fields, path, f"{name}.required nämner okänt fält {f}")
        required.append(tuple(str(f) for f in group))
    return tuple(required)


def _category_values(
    name: str, category: dict[str, Any], vocab: Vocabulary, path: Path
) -> dict[str, str]:
    """Normalised source value -> codebook category id."""
    values: dict[str, str] = {}
    for cat_id, texts in (category.get("values") or {}).items():
        _need(
            cat_id in vocab.categories,
            path,
            f"{name}.category: okänd kategori {cat_id} (kända i codebook.yaml: "
            f"{', '.join(vocab.categories)})",
        )
        for v in texts:
            values[normalise_category_value(v)] = cat_id
    return values


def _system_spec(name: str, raw: Any, vocab: Vocabulary, path: Path) -> SystemSpec:
    """One entry of sources.yaml ``systems``, checked."""
    _need(isinstance(raw, dict), path, f"systemet {name} ska vara en mappning")
    reader = raw.get("reader")
    _need(
        reader in READER_KINDS,
        path,
        f"{name}.reader ska vara en av {', '.join(READER_KINDS)} (nu: {reader})",
    )
    fields = _fields(name, raw, path)
    id_field, type_field = raw.get("id_field"), raw.get("type_field")
    for f in (id_field, type_field):
        _need(f is None or f in fields, path, f"{name}: fältet {f} finns inte under fields")
    direction = raw.get("direction") or {}
    category = raw.get("category") or {}
    return SystemSpec(
        name=name,
        label=str(raw.get("label") or name),
        reader=str(reader),
        fields=fields,
        required=_required(name, raw, fields, path),
        id_field=id_field,
        type_field=type_field,
        reporter_is_organisation=bool(raw.get("reporter_is_organisation", True)),
        default_own_party=str(raw.get("default_own_party") or "okand"),
        direction_field=direction.get("field"),
        outgoing=frozenset(normalise_value(v) for v in direction.get("outgoing") or []),
        incoming=frozenset(normalise_value(v) for v in direction.get("incoming") or []),
        category_field=category.get("field"),
        category_values=_category_values(name, category, vocab, path),
    )


def _organisation(slug: str, raw: Any, systems: dict[str, SystemSpec], path: Path) -> Organisation:
    """One entry of organisations.yaml; its systems must be systems of sources.yaml."""
    _need(
        isinstance(raw, dict) and raw.get("kind") in ORGANISATION_KINDS,
        path,
        f"{slug}: kind ska vara kommun eller region",
    )
    osys = {}
    for sname, types in (raw.get("systems") or {}).items():
        _need(
            sname in systems,
            path,
            f"{slug}: okänt system {sname} (kända i sources.yaml: {', '.join(systems)})",
        )
        osys[sname] = None if types is None else tuple(normalise_category_value(t) for t in types)
    return Organisation(str(slug), str(raw.get("name", slug)), raw["kind"], osys)


def _party(pid: str, raw: Any, path: Path) -> Party:
    """One entry of parties.yaml."""
    _need(
        isinstance(raw, dict) and raw.get("side") in SIDES,
        path,
        f"{pid}: side ska vara kommun, region eller annan",
    )
    return Party(
        str(pid),
        str(raw.get("label", pid)),
        raw["side"],
        bool(raw.get("child", False)),
        _compile(raw.get("patterns") or [], path, f"{pid}.patterns"),
    )


def _load_parties(path: Path, systems: dict[str, SystemSpec], src_path: Path) -> dict[str, Party]:
    """parties.yaml; it must hold "okand" and every system's default_own_party."""
    _, raw = _section(path, "parties")
    parties = {str(pid): _party(pid, p, path) for pid, p in raw.items()}
    _need("okand" in parties, path, "parten okand saknas (den används när inget matchar)")
    for spec in systems.values():
        _need(
            spec.default_own_party in parties,
            src_path,
            f"{spec.name}.default_own_party {spec.default_own_party} finns inte i parties.yaml",
        )
    return parties


def _child_systems(
    child: dict[str, Any], systems: dict[str, SystemSpec], path: Path
) -> frozenset[str]:
    names = frozenset(str(s) for s in child.get("always_child_systems") or [])
    unknown = sorted(names - set(systems))
    _need(
        not unknown,
        path,
        f"involves_child.always_child_systems: okänt system {', '.join(unknown)}",
    )
    return names


def load_source_config(config_dir: str | Path, vocab: Vocabulary | None = None) -> SourceConfig:
    """Load and check sources.yaml, organisations.yaml and parties.yaml from ``config_dir``.

    ``vocab`` gives the codebook's category ids (default: ``load_vocabulary(config_dir)``).
    """
    config_dir = Path(config_dir)
    vocab = vocab if vocab is not None else load_vocabulary(config_dir)
    src_path = config_dir / "sources.yaml"
    src, systems_raw = _section(src_path, "systems")
    systems = {str(n): _system_spec(str(n), raw, vocab, src_path) for n, raw in systems_raw.items()}
    org_path = config_dir / "organisations.yaml"
    _, orgs_raw = _section(org_path, "organisations")
    organisations = {str(s): _organisation(s, o, systems, org_path) for s, o in orgs_raw.items()}
    parties = _load_parties(config_dir / "parties.yaml", systems, src_path)
    child = src.get("involves_child") or {}

    def patterns(key: str) -> tuple[re.Pattern[str], ...]:
        return _compile(child.get(key) or [], src_path, f"involves_child.{key}")

    return SourceConfig(
        systems=systems,
        organisations=organisations,
        parties=parties,
        header_search_rows=int(src.get("header_search_rows", 30)),
        min_header_matches=int(src.get("min_header_matches", 2)),
        footer_patterns=_compile(src.get("footer_patterns") or [], src_path, "footer_patterns"),
        no_action_values=frozenset(normalise_value(v) for v in src.get("no_action_values") or []),
        child_systems=_child_systems(child, systems, src_path),
        child_pattern=_join(patterns("child_patterns")),
        adult_pattern=_join(patterns("adult_patterns")),
        config_dir=config_dir,
        vocab=vocab,
        stop_words=frozenset(
            normalise_value(w) for w in (src.get("linking") or {}).get("stop_words") or []
        ),
    )
