"""The aggregations the term and annual reports use.

Input is the coded cases table (``samverkan.project.schema.coded_cases_schema``) of one or
more terms and the reconciliation table of ingest. The functions are pure (DataFrames in, DataFrames
or small dataclasses out); the few loaders at the end read the stage outputs from paths
given as arguments. Counts here are exact: disclosure control (``samverkan.privacy.disclosure``)
is applied when a table or number is shown.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from samverkan.project.errors import InputError
from samverkan.project.paths import ProjectPaths
from samverkan.project.schema import (
    DIRECTIONS,
    RECONCILIATION_COLUMNS,
    ReconciliationSchema,
    coded_cases_schema,
)
from samverkan.project.settings import load_yaml
from samverkan.project.vocabulary import Vocabulary, load_vocabulary

logger = logging.getLogger(__name__)

DIRECTION_LABELS = {
    "kommun_till_region": "Kommun till region",
    "region_till_kommun": "Region till kommun",
    "ovrigt": "Övrigt",
}
QUALITY_LABELS = {
    "read": "Inlästa rader",
    "kept": "Behållna fall",
    "excluded": "Andra avvikelsetyper (ej samverkan)",
    "duplicates": "Sammanslagna dubbletter",
    "quarantined": "I karantän",
}


@dataclass(frozen=True)
class CodeInfo:
    """One cause or category of the codebook, as the reports show it."""

    id: str
    label: str
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    category: str = ""
    color: str = ""


@dataclass(frozen=True)
class Labels:
    """Swedish names for every id a report shows (organisations, parties, codes, directions)."""

    organisations: dict[str, str] = field(default_factory=dict)
    parties: dict[str, str] = field(default_factory=dict)
    child_parties: frozenset[str] = frozenset()
    causes: dict[str, CodeInfo] = field(default_factory=dict)
    categories: dict[str, CodeInfo] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=lambda: dict(DIRECTION_LABELS))
    codebook_version: str = ""
    systems: dict[str, str] = field(default_factory=dict)  # id -> label, sources.yaml order
    vocabulary: Vocabulary | None = None

    def organisation(self, slug: str) -> str:
        return self.organisations.get(slug, slug)

    def party(self, pid: str) -> str:
        return self.parties.get(pid, pid)

    def cause(self, cid: str) -> str:
        info = self.causes.get(cid)
        return info.label if info else cid

    def category(self, cid: str) -> str:
        info = self.categories.get(cid)
        return info.label if info else cid

    def system(self, sid: str) -> str:
        return self.systems.get(sid, sid)

    def direction(self, did: str) -> str:
        return self.directions.get(did, did)


def _codes(entries: Any, path: Path, kind: str) -> dict[str, CodeInfo]:
    """Codebook entries (a list of mappings with id, or a mapping id -> mapping)."""
    if isinstance(entries, Mapping):
        entries = [{"id": k, **(v or {})} for k, v in entries.items()]
    if not isinstance(entries, list):
        raise InputError(path, f"'{kind}' är inte en lista med koder", "Återställ filen från git")
    out = {}
    for e in entries:
        if not isinstance(e, Mapping) or "id" not in e:
            raise InputError(path, f"en post under '{kind}' saknar id", "Ge varje kod ett id")
        out[str(e["id"])] = CodeInfo(
            id=str(e["id"]),
            label=str(e.get("label") or e["id"]),
            definition=" ".join(str(e.get("definition") or "").split()),
            inclusion=" ".join(str(e.get("inclusion") or "").split()),
            exclusion=" ".join(str(e.get("exclusion") or "").split()),
            category=str(e.get("category") or ""),
            color=str(e.get("color") or ""),
        )
    return out


def load_labels(root: str | Path) -> Labels:
    """Labels from config/organisations.yaml, config/parties.yaml and config/codebook.yaml."""
    config = ProjectPaths(Path(root)).config
    orgs = (load_yaml(config / "organisations.yaml") or {}).get("organisations", {})
    parties = (load_yaml(config / "parties.yaml") or {}).get("parties", {})
    codebook_path = config / "codebook.yaml"
    book = load_yaml(codebook_path) or {}
    sources = (load_yaml(config / "sources.yaml") or {}).get("systems") or {}
    return Labels(
        organisations={k: str(v.get("name", k)) for k, v in orgs.items()},
        parties={k: str(v.get("label", k)) for k, v in parties.items()},
        child_parties=frozenset(k for k, v in parties.items() if v.get("child")),
        causes=_codes(book.get("causes", []), codebook_path, "causes"),
        categories=_codes(book.get("categories", []), codebook_path, "categories"),
        codebook_version=str(book.get("version", "")),
        systems={str(k): str((v or {}).get("label") or k) for k, v in sources.items()},
        vocabulary=load_vocabulary(config),
    )


def _cause_ids(cases: pd.DataFrame, labels: Labels) -> list[str]:
    """The codebook's causes (in its order); without labels, the cause columns of ``cases``."""
    if labels.causes:
        return list(labels.causes)
    return [c.removeprefix("cause_") for c in cases.columns if c.startswith("cause_")]


def _category_ids(cases: pd.DataFrame, labels: Labels) -> list[str]:
    if labels.categories:
        return list(labels.categories)
    return sorted(cases["category"].dropna().astype(str).unique())


# --- counts ---------------------------------------------------------------------------


def by_organisation_direction(cases: pd.DataFrame, labels: Labels | None = None) -> pd.DataFrame:
    """Cases per organisation (rows, most cases first) and direction (all three columns)."""
    labels = labels or Labels()
    table = pd.crosstab(cases["organisation"], cases["direction"]).reindex(
        columns=list(DIRECTIONS), fill_value=0
    )
    table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    table.index = [labels.organisation(s) for s in table.index]
    table.columns = [labels.direction(d) for d in table.columns]
    table.index.name = "Organisation"
    table.columns.name = None
    return table.astype("int64")


def by_category(cases: pd.DataFrame, labels: Labels | None = None) -> pd.Series:
    """Cases per category (every category of the codebook, in codebook order)."""
    labels = labels or Labels()
    counts = cases["category"].value_counts().reindex(_category_ids(cases, labels), fill_value=0)
    counts.index = [labels.category(c) for c in counts.index]
    counts.index.name = "Kategori"
    return counts.rename("Fall").astype("int64")


def cause_counts(cases: pd.DataFrame, labels: Labels | None = None) -> pd.DataFrame:
    """Per cause: id, label, number of cases and share of all cases; most frequent first.

    A case can carry several causes, so the shares do not add up to 100 %.
    """
    labels = labels or Labels()
    n = len(cases)
    rows = []
    for order, cause in enumerate(_cause_ids(cases, labels)):
        k = int(cases[f"cause_{cause}"].astype(bool).sum()) if n else 0
        rows.append((cause, labels.cause(cause), k, k / n if n else float("nan"), order))
    out = pd.DataFrame(rows, columns=["cause", "label", "n", "share", "order"])
    out = out.sort_values(["n", "order"], ascending=[False, True]).drop(columns="order")
    return out.set_index("cause")


def cause_series(cases: pd.DataFrame, labels: Labels | None = None) -> pd.Series:
    """Cases per cause as a labelled count series (most frequent first), for tables/charts."""
    counts = cause_counts(cases, labels)
    return pd.Series(
        counts["n"].to_numpy(), index=pd.Index(counts["label"], name="Orsak"), name="Fall"
    )


@dataclass(frozen=True)
class ChildSummary:
    """Cases involving children and young people."""

    n_cases: int
    n_child: int
    n_unknown: int

    @property
    def share(self) -> float:
        return self.n_child / self.n_cases if self.n_cases else float("nan")


def children(cases: pd.DataFrame) -> ChildSummary:
    """How many cases involve children or young people (``involves_child``)."""
    flag = cases["involves_child"].astype("boolean")
    return ChildSummary(len(cases), int(flag.fillna(False).sum()), int(flag.isna().sum()))


def children_by_cause(cases: pd.DataFrame, labels: Labels | None = None) -> pd.Series:
    """Cases involving children per cause (most frequent first)."""
    child = cases[cases["involves_child"].astype("boolean").fillna(False)]
    return cause_series(child, labels)


def actions_by_organisation(cases: pd.DataFrame, labels: Labels | None = None) -> pd.DataFrame:
    """Per organisation: cases with and without a described action (two count columns)."""
    labels = labels or Labels()
    has = cases["has_action"].astype(bool)
    table = pd.DataFrame(
        {
            "Med beskriven åtgärd": has.groupby(cases["organisation"]).sum(),
            "Utan beskriven åtgärd": (~has).groupby(cases["organisation"]).sum(),
        }
    ).astype("int64")
    table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    table.index = [labels.organisation(s) for s in table.index]
    table.index.name = "Organisation"
    return table


def action_share(cases: pd.DataFrame) -> float:
    """Share of cases with a described action (NaN when there are no cases)."""
    return float(cases["has_action"].astype(bool).mean()) if len(cases) else float("nan")


OTHER_PARTIES = "Övriga parter"


def _merge(table: pd.DataFrame, axis: int, label: object, into: str) -> pd.DataFrame:
    """``table`` with row (axis 0) or column (axis 1) ``label`` added into ``into`` (last)."""
    t = table if axis == 0 else table.T
    merged = t.loc[[label]].sum(axis=0)
    if into in t.index:
        merged = merged + t.loc[into]
    rest = t.drop(index=[x for x in (label, into) if x in t.index])
    out = pd.concat([rest, merged.rename(into).to_frame().T])
    out.index.name = t.index.name
    return out if axis == 0 else out.T


def _sparsest(table: pd.DataFrame, below: int, small: int, into: str) -> tuple[int, object] | None:
    """(axis, label) of the party with the fewest cases among those with fewer than
    ``below`` cases that hold a small count (1 to ``small - 1``); None when there is none."""
    candidates = []
    for axis, t in ((0, table), (1, table.T)):
        for label, row in t.iterrows():
            n = int(row.sum())
            if label != into and n < below and ((row > 0) & (row < small)).any():
                candidates.append((n, axis, str(label), label))
    if not candidates:
        return None
    _, axis, _, label = min(candidates)
    return axis, label


def group_sparse(
    table: pd.DataFrame, below: int, small: int = 3, label: str = OTHER_PARTIES
) -> pd.DataFrame:
    """Sparse rows and columns merged into one, ``label``, last: the table redesign that
    statistical offices make before suppression.

    The rule: while some party (a row or a column) has fewer than ``below`` cases and holds
    a small count (1 to ``small - 1``, what primary suppression hides), the one with the
    fewest cases is added to ``label`` ("Övriga parter"). A sparse party would otherwise be
    all small cells and drag its neighbours into secondary suppression; grouped, its cases
    are published together. ``below`` 0 leaves the table as it is.
    """
    out = table.astype("int64")
    names = (table.index.name, table.columns.name)
    for _ in range(sum(out.shape)):
        found = _sparsest(out, below, small, label)
        if found is None:
            break
        out = _merge(out, *found, into=label)
        if label in out.index and label in out.columns:  # keep the group last both ways
            out = out[[c for c in out.columns if c != label] + [label]]
    out.index.name, out.columns.name = names
    return out.astype("int64")


def party_matrix(
    cases: pd.DataFrame, labels: Labels | None = None, group_below: int = 0, min_cell: int = 3
) -> pd.DataFrame:
    """Reporting party (rows) against receiving party (columns), parties with cases only.

    Sparse parties are grouped as "Övriga parter" first (see ``group_sparse``; params.yaml
    ``disclosure.group_below`` and ``min_cell``).
    """
    labels = labels or Labels()
    table = pd.crosstab(cases["reporter_party"], cases["receiver_party"])
    rows = table.sum(axis=1).sort_values(ascending=False, kind="stable").index
    cols = table.sum(axis=0).sort_values(ascending=False, kind="stable").index
    table = table.loc[rows, cols]
    table.index = pd.Index([labels.party(p) for p in table.index], name="Rapporterande part")
    table.columns = pd.Index([labels.party(p) for p in table.columns], name="Mottagande part")
    return group_sparse(table.astype("int64"), group_below, small=min_cell)


def cause_trend(
    by_period: Mapping[str, pd.DataFrame], labels: Labels | None = None
) -> pd.DataFrame:
    """Cases per cause (columns, labels) in each period (rows: term or year, in given order)."""
    labels = labels or Labels()
    rows = {}
    for period, cases in by_period.items():
        rows[period] = {
            labels.cause(c): int(cases[f"cause_{c}"].astype(bool).sum())
            for c in _cause_ids(cases, labels)
        }
    out = pd.DataFrame.from_dict(rows, orient="index").astype("int64")
    out.index.name = "Period"
    return out


def cause_cooccurrence(cases: pd.DataFrame, labels: Labels | None = None) -> pd.DataFrame:
    """How many cases carry each pair of causes (diagonal: cases with the cause)."""
    labels = labels or Labels()
    causes = _cause_ids(cases, labels)
    flags = cases[[f"cause_{c}" for c in causes]].astype(int)
    matrix = flags.T @ flags
    names = [labels.cause(c) for c in causes]
    matrix.index = pd.Index(names, name="Orsak")
    matrix.columns = names
    return matrix.astype("int64")


@dataclass(frozen=True)
class Comparison:
    """Number of cases now and in the period compared with."""

    current: int
    previous: int | None

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def relative(self) -> float | None:
        if self.previous in (None, 0):
            return None
        return self.change / self.previous


def compare_totals(current: pd.DataFrame, previous: pd.DataFrame | None) -> Comparison:
    """Total cases now and then (``previous`` None when there is nothing to compare with)."""
    return Comparison(len(current), None if previous is None else len(previous))


def compare_by(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    column: str,
    labels_now: str,
    labels_then: str,
    rename: Mapping[str, str] | None = None,
    index_name: str = "Organisation",
) -> pd.DataFrame:
    """Cases per value of ``column`` now and then (two count columns, named by the periods)."""
    now = current[column].value_counts()
    then = previous[column].value_counts()
    table = pd.DataFrame({labels_then: then, labels_now: now}).fillna(0).astype("int64")
    table = table.sort_values(labels_now, ascending=False, kind="stable")
    if rename:
        table.index = [rename.get(i, i) for i in table.index]
    table.index.name = index_name
    return table


def compare_causes(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    labels_now: str,
    labels_then: str,
    labels: Labels | None = None,
) -> pd.DataFrame:
    """Cases per cause now and then (rows: causes, most frequent now first)."""
    now = cause_series(current, labels)
    then = cause_series(previous, labels)
    table = pd.DataFrame({labels_then: then, labels_now: now}).fillna(0).astype("int64")
    table = table.loc[now.index]
    table.index.name = "Orsak"
    return table


@dataclass(frozen=True)
class CodingCounts:
    """How the cases were coded: by hand, or by the automatic suggestions only."""

    n_cases: int
    n_manual: int
    n_auto_only: int


def coding_counts(cases: pd.DataFrame) -> CodingCounts:
    manual = int((cases["coding"] == "manuell").sum())
    return CodingCounts(len(cases), manual, len(cases) - manual)


_TOTAL_ROWS = {"TOTALT", "TOTAL", "SUMMA"}


def file_rows(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """The per-file rows of a reconciliation table (a total row written by ingest dropped)."""
    names = reconciliation["file"].astype("string").str.strip().str.upper()
    return reconciliation[~names.isin(_TOTAL_ROWS)]


def data_quality(reconciliation: pd.DataFrame) -> pd.Series:
    """Totals over all files of the row reconciliation (read = kept + excluded + ...)."""
    totals = file_rows(reconciliation)[RECONCILIATION_COLUMNS[1:]].sum().astype("int64")
    return totals


def reconciliation_table(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation with Swedish headers and a total row, for the method appendix."""
    table = file_rows(reconciliation).set_index("file")[RECONCILIATION_COLUMNS[1:]]
    table = table.astype("int64")
    table.index.name = "Fil"
    table.columns = [QUALITY_LABELS[c] for c in table.columns]
    return table


def reconciliation_counts(by_term: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per term and file: kept, excluded, duplicates, quarantined (their sum is the rows read).

    Protect it with ``protect(table, policy)``: the total column is then the rows read.
    """
    frames = []
    for term, recon in by_term.items():
        part = file_rows(recon).set_index("file")[RECONCILIATION_COLUMNS[2:]].astype("int64")
        part.index = [f"{term}: {f}" if len(by_term) > 1 else str(f) for f in part.index]
        frames.append(part)
    table = pd.concat(frames) if frames else pd.DataFrame(columns=RECONCILIATION_COLUMNS[2:])
    table.index.name = "Fil"
    table.columns = [QUALITY_LABELS[c] for c in RECONCILIATION_COLUMNS[2:]]
    return table.astype("int64")


def action_shares(protected: Any) -> pd.Series:
    """Share with a described action per organisation from a protected actions table.

    NaN where either count is suppressed (a share would reveal it). ``protected`` is the
    ``samverkan.privacy.disclosure.ProtectedTable`` of ``actions_by_organisation``.
    """
    with_col, without_col = protected.values.columns[:2]
    rows = [r for r in protected.values.index if r != "Totalt"]
    values = protected.values.loc[rows]
    hidden = protected.suppressed.loc[rows, [with_col, without_col]].any(axis=1)
    total = values[with_col] + values[without_col]
    share = (values[with_col] / total.where(total > 0)).astype(float)
    return share.mask(hidden).rename("Andel med beskriven åtgärd")


def codebook_table(labels: Labels) -> pd.DataFrame:
    """The causes of the codebook for the appendix: label, category, definition, notes."""
    rows = [
        {
            "Orsak": info.label,
            "Kategori": labels.category(info.category) if info.category else "",
            "Definition": info.definition,
            "Tas med": info.inclusion,
            "Tas inte med": info.exclusion,
        }
        for info in labels.causes.values()
    ]
    return pd.DataFrame(rows)


def quotes(
    cases: pd.DataFrame, cause: str, limit: int = 2, exclude: Iterable[str] = ()
) -> list[str]:
    """Approved, redacted quotations for one cause: at most ``limit``, shortest first.

    ``exclude``: quotations already shown (e.g. under a more frequent cause), so one case
    is not quoted in several sections.
    """
    flag = cases[f"cause_{cause}"].astype(bool) & cases["quote_approved"].astype(bool)
    chosen = cases.loc[flag & cases["quote"].notna(), ["case_id", "quote"]]
    pairs = [(" ".join(str(q).split()), str(cid)) for cid, q in chosen.itertuples(index=False)]
    pairs.sort(key=lambda p: (len(p[0]), p[1]))
    skip = set(exclude)
    texts = [t for t, _ in pairs if t and t not in skip]
    return list(dict.fromkeys(texts))[:limit]


def approved_quotes(cases: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """Every quote an analyst approved, for checking in the term report's appendix: case
    id (to find the row in the coding sheet), its causes and the redacted quote."""
    chosen = cases[cases["quote_approved"].astype(bool) & cases["quote"].notna()]
    chosen = chosen.sort_values("case_id", kind="stable")
    causes = _cause_ids(cases, labels)
    rows = [
        {
            "Fall": str(row["case_id"]),
            "Orsaker": ", ".join(labels.cause(c) for c in causes if bool(row[f"cause_{c}"])),
            "Citat": " ".join(str(row["quote"]).split()),
        }
        for _, row in chosen.iterrows()
    ]
    return pd.DataFrame(rows, columns=["Fall", "Orsaker", "Citat"])


def terms_of_year(year: str | int) -> list[str]:
    """The two terms of a year, spring first."""
    return [f"{year}VT", f"{year}HT"]


# --- loaders (paths from arguments) ----------------------------------------------------


def load_coded_cases(path: str | Path, vocabulary: Vocabulary) -> pd.DataFrame:
    """One term's coded cases, validated; a missing file is an InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "de kodade fallen saknas", "Kör kodningssteget först")
    return coded_cases_schema(vocabulary).validate(pd.read_parquet(path))


def load_ingest_record(path: str | Path) -> dict[str, Any]:
    """What a term's ingest recorded (``ingest.json``: the duplicate rule it used)."""
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "inläsningens protokoll saknas", "Kör inläsningen först") from None
    except json.JSONDecodeError:
        raise InputError(path, "är inte giltig JSON", "Kör inläsningen igen") from None
    if not isinstance(record, dict) or "duplicates" not in record:
        raise InputError(path, "saknar dubblettregeln", "Kör inläsningen igen")
    return record


def load_coded_terms(paths: Mapping[str, Path], vocabulary: Vocabulary) -> dict[str, pd.DataFrame]:
    """Coded cases of several terms (term -> table); terms whose file is missing are skipped."""
    out = {}
    for term, path in paths.items():
        if Path(path).exists():
            out[term] = load_coded_cases(path, vocabulary)
        else:
            logger.info("inga kodade fall för %s: terminen tas inte med", term)
    return out


def concat_cases(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None]
    if not frames:
        raise ValueError("inga fall att slå ihop")
    return pd.concat(frames, ignore_index=True)


def load_reconciliation(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Reconciliation tables of one or more terms, concatenated and validated."""
    frames = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise InputError(p, "radavstämningen saknas", "Kör inläsningen först")
        frames.append(ReconciliationSchema.validate(pd.read_csv(p, dtype={"file": "string"})))
    return pd.concat(frames, ignore_index=True)


def load_agreement(path: str | Path) -> dict[str, Any] | None:
    """agreement.json of the coding stage, or None when it is not there."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise InputError(path, "är inte giltig JSON", "Kör kodningssteget igen") from None


def combine_agreement(reports: Iterable[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Agreement of several terms for the annual report: counts summed, figures per term kept.

    Kappa and alpha cannot be averaged honestly, so the result holds the summed counts and
    ``terms``: the list of the terms' own reports.
    """
    reports = [r for r in reports if r]
    if not reports:
        return None
    out: dict[str, Any] = {
        k: sum(int(r.get(k, 0) or 0) for r in reports)
        for k in ("n_cases", "n_manual", "n_auto_only", "n_double_coded")
    }
    out["terms"] = reports
    return out
