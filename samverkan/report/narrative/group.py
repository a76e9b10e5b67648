"""Files the working group keeps: proposals menu, follow-up log, hand-written sections.

* ``config/proposals.yaml``: the good-practice menu as proposals, each tied to causes.
* ``data/group/uppfoljning.csv``: the follow-up log (year, proposal, status, comment).
* ``data/group/<YEAR>/roster/*.md``: sections written by hand, merged unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from samverkan.project.errors import InputError
from samverkan.project.settings import load_yaml

logger = logging.getLogger(__name__)

FOLLOW_UP_COLUMNS = ("år", "förslag_id", "förslag", "status", "kommentar")


@dataclass(frozen=True)
class Proposal:
    """One improvement proposal of the menu."""

    id: str
    title: str
    text: str
    causes: tuple[str, ...]


@dataclass(frozen=True)
class ProposalMenu:
    proposals: tuple[Proposal, ...]
    top_causes: int = 3
    max_proposals: int = 4


def load_proposals(path: str | Path, causes: Iterable[str]) -> ProposalMenu:
    """Read config/proposals.yaml; unknown cause ids or missing fields are an InputError."""
    path = Path(path)
    data = load_yaml(path)
    causes_known = list(causes)
    if not isinstance(data, dict) or not isinstance(data.get("proposals"), list):
        raise InputError(path, "listan 'proposals' saknas", "Återställ filen från git")
    settings = data.get("settings") or {}
    out = []
    for k, entry in enumerate(data["proposals"], start=1):
        if not isinstance(entry, dict):
            raise InputError(path, f"förslag nummer {k} är inte en post med fält", "Jämför med git")
        missing = [f for f in ("id", "title", "text", "causes") if not entry.get(f)]
        if missing:
            raise InputError(
                path,
                f"förslag nummer {k} saknar {', '.join(missing)}",
                "Ge varje förslag id, title, text och causes",
            )
        named = tuple(str(c) for c in entry["causes"])
        unknown = [c for c in named if c not in causes_known]
        if unknown:
            raise InputError(
                path,
                f"förslaget '{entry['id']}' anger okända orsaker: {', '.join(unknown)}",
                f"Använd orsakernas id ur kodboken: {', '.join(causes_known)}",
            )
        out.append(
            Proposal(
                id=str(entry["id"]),
                title=" ".join(str(entry["title"]).split()),
                text=" ".join(str(entry["text"]).split()),
                causes=named,
            )
        )
    return ProposalMenu(
        proposals=tuple(out),
        top_causes=int(settings.get("top_causes", 3)),
        max_proposals=int(settings.get("max_proposals", 4)),
    )


def select_proposals(
    menu: ProposalMenu, ranked_causes: Sequence[str]
) -> list[tuple[Proposal, list[str]]]:
    """Proposals tied to the most frequent causes, with the causes each one answers.

    ``ranked_causes``: cause ids with cases, most frequent first. Proposals answering
    more of the top causes, and higher-ranked ones, come first; at most
    ``menu.max_proposals``.
    """
    top = list(ranked_causes)[: menu.top_causes]
    scored = []
    for order, p in enumerate(menu.proposals):
        hits = [c for c in top if c in p.causes]
        if hits:
            best = min(top.index(c) for c in hits)
            scored.append((-len(hits), best, order, p, hits))
    scored.sort(key=lambda t: t[:3])
    return [(p, hits) for *_, p, hits in scored[: menu.max_proposals]]


def load_follow_up(path: str | Path) -> pd.DataFrame:
    """The follow-up log; a missing file gives an empty log."""
    path = Path(path)
    if not path.exists():
        logger.info("ingen uppföljningslogg (%s)", path.name)
        return pd.DataFrame({c: pd.Series(dtype="string") for c in FOLLOW_UP_COLUMNS})
    try:
        log = pd.read_csv(path, dtype="string", keep_default_na=False, comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError):
        raise InputError(path, "går inte att läsa som CSV", "Spara den som CSV i UTF-8") from None
    missing = [c for c in FOLLOW_UP_COLUMNS if c not in log.columns]
    if missing:
        raise InputError(
            path,
            f"saknar kolumnerna {', '.join(missing)}",
            f"Rubrikraden ska vara: {','.join(FOLLOW_UP_COLUMNS)}",
        )
    return log[list(FOLLOW_UP_COLUMNS)]


def follow_up_for(log: pd.DataFrame, year: str | int) -> pd.DataFrame:
    """The log rows of one year (the proposals made that year), with Swedish headers."""
    rows = log[log["år"].str.strip() == str(year)]
    table = rows[["förslag", "status", "kommentar"]].rename(
        columns={"förslag": "Förslag", "status": "Status", "kommentar": "Kommentar"}
    )
    return table.reset_index(drop=True)


def roster_sections(group_dir: str | Path, year: str | int) -> list[tuple[str, str]]:
    """Hand-written Markdown sections of a year, in file-name order: (file name, text)."""
    folder = Path(group_dir) / str(year) / "roster"
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.md")):
        try:
            out.append((path.name, path.read_text(encoding="utf-8").strip()))
        except UnicodeDecodeError:
            raise InputError(path, "är inte text i UTF-8", "Spara den som UTF-8") from None
    return out
