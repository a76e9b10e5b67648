"""Synthetic raw exports at national scale for ``samverkan-dev bench`` (not timed).

``write_scale_project(root, cases)`` writes ``cases`` rows in the raw export formats into
``root/raw/<TERM>/<organisation>__<system>.<csv|xlsx>``: 20 terms (2016VT-2025HT), 30
organisations (26 kommuner with LifeCare and Prorenata, every third also with the
reporting form; 4 regions with their xlsx system), so all four systems. A config folder
``root/config`` is the project's config with these organisations, and ``root/secret``
the key of person pseudonyms.

Texts are built from the demo's sentences (``samverkan_dev/demo/data/texts.yaml``) with
the slots filled from pools: 150-900 characters, every description distinct, about a
third with planted personal data (names, identity numbers, phone numbers, e-mail and
street addresses from people.yaml). About 15 % of incidents are reported by both parties:
the kommun's LifeCare row and the region's row share the date (within a day), the person
and most of the text. About 5 % of rows have another deviation type (excluded by ingest).
Everything is invented and seeded: the same ``cases`` and ``seed`` give the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from openpyxl import Workbook

from samverkan_dev.demo.generator import DemoData, load_demo_data, luhn_check_digit

TERMS = tuple(f"{y}{h}" for y in range(2016, 2026) for h in ("VT", "HT"))
KOMMUNER, REGIONER = 26, 4
MIRRORED_SHARE = 0.15
OTHER_TYPE_SHARE = 0.05
PII_SHARE = 0.35
COLLAB = {
    "lifecare": "Avvikelse extern aktör",
    "prorenata": "Avvikelse extern aktör",
    "ritz": "Klagomål och externt inkomna avvikelser",
}
KOMMUN_UNITS = ("Hemtjänsten", "LSS-boendet", "Socialtjänsten vuxenenhet", "Boendestödet")
REGION_UNITS = ("Vuxenpsykiatrin", "Psykosmottagningen", "Vårdcentralen", "Beroendecentrum")
_SLOT = re.compile(r"\{(\w+)\}")
_POOL = 4000  # filled variants of each sentence kind


def kommun_slug(k: int) -> str:
    return f"kommun-{k + 1:02d}"


def region_slug(r: int) -> str:
    return f"region-{r + 1}"


def organisations() -> dict[str, dict]:
    """organisations.yaml of the synthetic world."""
    orgs: dict[str, dict] = {}
    for k in range(KOMMUNER):
        systems: dict[str, list[str] | None] = {
            "lifecare": [COLLAB["lifecare"]],
            "prorenata": [COLLAB["prorenata"]],
        }
        if k % 3 == 0:
            systems["form"] = None
        orgs[kommun_slug(k)] = {"name": f"Kommun {k + 1}", "kind": "kommun", "systems": systems}
    for r in range(REGIONER):
        orgs[region_slug(r)] = {
            "name": f"Region {r + 1}",
            "kind": "region",
            "systems": {"ritz": [COLLAB["ritz"]]},
        }
    return orgs


@dataclass
class _Pools:
    """Filled sentences, drawn from when composing texts (built once per run)."""

    context: list[str] = field(default_factory=list)
    cause: list[str] = field(default_factory=list)
    neutral: list[str] = field(default_factory=list)
    action: list[str] = field(default_factory=list)
    mirror: list[str] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)


def _slot_values(r: random.Random, data: DemoData) -> dict[str, str]:
    t, p = data.texts, data.people
    noun, gen = r.choice(t.person_nouns.get("adult") or next(iter(t.person_nouns.values())))
    rel, pron = r.choice(t.relatives)
    values = {k: r.choice(v) for k, v in t.words.items()}
    values |= {
        "own": r.choice(("hemtjänsten", "socialtjänsten", "boendestödet", "elevhälsan")),
        "other": r.choice(("psykiatrin", "vårdcentralen", "BUP", "beroendecentrum")),
        "p": noun,
        "p_gen": gen,
        "rel": rel,
        "pron": pron,
        "date": f"{r.randint(1, 28)}/{r.randint(1, 12)}",
        "month": r.choice(t.months),
        "next_month": r.choice(t.months),
        "age": str(r.randint(6, 90)),
        "grade": str(r.randint(1, 9)),
        "gender_noun": r.choice(("man", "kvinna", "pojke", "flicka")),
        "dur": r.choice(("två veckor", "tre dagar", "en månad", "flera veckor")),
        "n": str(r.randint(2, 9)),
    }
    if r.random() < 0.3:
        values["p"] = f"{r.choice(p.first_names)} {r.choice(p.surnames)}"
        values["p_gen"] = values["p"] + "s"
    return values


def _fill(template: str, values: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        value = values.get(key.lower(), key)
        return value[:1].upper() + value[1:] if key[:1].isupper() else value

    text = _SLOT.sub(one, _SLOT.sub(one, template))  # a filled word may hold a slot itself
    return text[:1].upper() + text[1:]


def _pools(r: random.Random, data: DemoData) -> _Pools:
    t = data.texts
    kinds = {
        "context": [s for v in t.context_sentences.values() for s in v],
        "cause": [s for v in t.cause_sentences.values() for _, s in v],
        "neutral": list(t.neutral_sentences),
        "action": list(t.action_sentences),
        "mirror": [s for v in t.mirror_sentences.values() for _, s in v],
        "outcome": list(t.outcome_sentences),
    }
    pools = _Pools()
    for kind, templates in kinds.items():
        target = getattr(pools, kind)
        for _ in range(_POOL):
            target.append(_fill(r.choice(templates), _slot_values(r, data)))
    return pools


def pnr(r: random.Random) -> str:
    """A valid invented personnummer (YYYYMMDD-NNNN)."""
    born = dt.date(r.randint(1940, 2015), 1, 1) + dt.timedelta(days=r.randint(0, 364))
    nine = f"{born:%y%m%d}{r.randint(1, 999):03d}"
    return f"{born.year // 100}{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def _pii(r: random.Random, data: DemoData) -> str:
    p = data.people
    name = f"{r.choice(p.first_names)} {r.choice(p.surnames)}"
    kind = r.randrange(5)
    if kind == 0:
        return f"Kontaktperson är {name}."
    if kind == 1:
        return f"Gäller {name}, {pnr(r)}."
    if kind == 2:
        area, block, lo, hi = r.choice(p.phone_ranges)
        return f"{name} nås på {area}-{block}{r.randint(lo, hi):02d}."
    if kind == 3:
        return f"Svar till {name.lower().replace(' ', '.')}@{r.choice(p.email_domains)}."
    return f"{name} bor på {r.choice(p.streets)} {r.randint(1, 60)}."


@dataclass
class _Writer:
    """Composes rows and collects them per export file of one term."""

    r: random.Random
    data: DemoData
    pools: _Pools
    seen: set[int] = field(default_factory=set)
    files: dict[tuple[str, str], list[list[object]]] = field(default_factory=dict)
    serial: int = 0

    def description(self) -> str:
        r, p = self.r, self.pools
        parts = [r.choice(p.context), *r.sample(p.cause, r.randint(1, 3))]
        if r.random() < 0.5:
            parts.append(r.choice(p.neutral))
        if r.random() < PII_SHARE:
            parts.insert(r.randint(1, len(parts)), _pii(r, self.data))
        text = " ".join(parts)
        while hash(text) in self.seen:
            text += f" Uppföljning planeras vecka {r.randint(1, 52)}."
        self.seen.add(hash(text))
        return text

    def action(self) -> str:
        return self.r.choice(self.pools.action) if self.r.random() < 0.6 else ""

    def follow_up(self, day: dt.date) -> tuple[str, dt.date | None]:
        """(outcome text, feedback date or None): feedback in about 40 % of cases, 1-90
        days after the incident; an outcome in about half of the cases."""
        r = self.r
        feedback = day + dt.timedelta(days=r.randint(1, 90)) if r.random() < 0.4 else None
        outcome = r.choice(self.pools.outcome) if r.random() < 0.5 else ""
        return outcome, feedback

    def next_id(self) -> int:
        self.serial += 1
        return self.serial

    def add(self, org: str, system: str, row: list[object]) -> None:
        self.files.setdefault((org, system), []).append(row)


def _type(w: _Writer, system: str) -> str:
    other = w.data.world.systems[system].other_types
    return w.r.choice(other) if w.r.random() < OTHER_TYPE_SHARE else COLLAB[system]


def _lifecare_row(w: _Writer, day: dt.date, text: str, person: str, incoming: bool) -> list:
    r = w.r
    outcome, feedback = w.follow_up(day)
    return [
        f"AV-{w.next_id()}",
        day.strftime("%d/%m/%Y"),
        day.isoformat(),
        _type(w, "lifecare"),
        r.choice(KOMMUN_UNITS),
        r.choice(REGION_UNITS),
        "Inkommande" if incoming else "Utgående",
        text,
        w.action(),
        outcome,
        feedback.strftime("%d/%m/%Y") if feedback else "",
        r.choice(("Ny", "Pågående", "Avslutad")),
        person,
    ]


def _ritz_row(w: _Writer, day: dt.date, text: str, person: str, kommun: int) -> list:
    r = w.r
    outcome, feedback = w.follow_up(day)
    return [
        f"R-{w.next_id()}",
        dt.datetime.combine(day, dt.time(r.randint(7, 17))),
        day,
        _type(w, "ritz"),
        r.choice(REGION_UNITS),
        f"Kommun {kommun + 1} {r.choice(KOMMUN_UNITS).lower()}",
        text,
        r.choice(("Rutiner", "Kommunikation", "")),
        w.action(),
        outcome,
        feedback,
        r.choice(("Lindrig", "Måttlig", "")),
        person,
    ]


def _prorenata_row(w: _Writer, day: dt.date, text: str) -> list:
    return [
        str(400000 + w.next_id()),
        day.strftime("%Y%m%d"),
        day.isoformat(),
        _type(w, "prorenata"),
        "Elevhälsan",
        w.r.choice(("BUP", "Barnhabiliteringen", "Vårdcentralen")),
        text,
        w.action(),
        w.follow_up(day)[0],
        w.r.choice(("Ny", "Avslutad")),
    ]


def _form_row(w: _Writer, day: dt.date, text: str, kommun: int) -> list:
    r = w.r
    roles = ("Personligt ombud", "Anhörig", "Socialsekreterare")
    return [
        day.isoformat(),
        f"Kommun {kommun + 1}",
        "BUP; socialtjänsten",
        text,
        w.action(),
        r.choice(roles),
    ]


def _incident(w: _Writer, start: dt.date, days: int) -> int:
    """One incident's rows (two when reported by both parties); returns their number."""
    r = w.r
    day = start + dt.timedelta(days=r.randrange(days))
    k = r.randrange(KOMMUNER)
    region = region_slug(k % REGIONER)
    text = w.description()
    person = pnr(r) if r.random() < 0.5 else ""
    roll = r.random()
    if roll < MIRRORED_SHARE:
        w.add(kommun_slug(k), "lifecare", _lifecare_row(w, day, text, person, False))
        copy = f"{text} {r.choice(w.data.texts.receiver_notes)}"
        later = min(day + dt.timedelta(days=r.randint(0, 1)), start + dt.timedelta(days=days - 1))
        w.add(region, "ritz", _ritz_row(w, later, copy, person, k))
        return 2
    if roll < 0.55:
        w.add(kommun_slug(k), "lifecare", _lifecare_row(w, day, text, person, r.random() < 0.1))
    elif roll < 0.72:
        w.add(kommun_slug(k), "prorenata", _prorenata_row(w, day, text))
    elif roll < 0.78 and k % 3 == 0:
        w.add(kommun_slug(k), "form", _form_row(w, day, text, k))
    else:
        w.add(region, "ritz", _ritz_row(w, day, text, person, k))
    return 1


def _term_span(term: str) -> tuple[dt.date, int]:
    year = int(term[:4])
    start = dt.date(year, 1, 1) if term.endswith("VT") else dt.date(year, 7, 1)
    end = dt.date(year, 6, 30) if term.endswith("VT") else dt.date(year, 12, 31)
    return start, (end - start).days + 1


def _write_csv(path: Path, header: list[str], rows: list[list], sep: str, enc: str) -> None:
    with path.open("w", encoding=enc, errors="replace", newline="") as fh:
        writer = csv.writer(fh, delimiter=sep, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, header: list[str], rows: list[list], title: str) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Ärenden")
    ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


# The headers of each system's rows, in the order the ``_<system>_row`` builders give
# their values (the systems' own column names, config/sources.yaml; the identity number
# last). Kept here rather than taken from the demo world, whose columns may grow.
COLUMNS = {
    "lifecare": (
        "Avvikelsenummer", "Registreringsdatum", "Händelsedatum", "Avvikelsetyp",
        "Rapporterande enhet", "Berörd part", "Riktning", "Händelsebeskrivning",
        "Vidtagen åtgärd", "Uppföljning", "Återkopplingsdatum", "Status", "Personnummer",
    ),
    "prorenata": (
        "Ärende-ID", "Skapad", "Datum för händelse", "Kategori", "Skola/enhet",
        "Extern aktör", "Beskrivning", "Åtgärder", "Uppföljning", "Status",
    ),
    "ritz": (
        "Ärendenummer", "Rapporteringsdatum", "Händelsedatum", "Kategori", "Vårdenhet",
        "Extern part", "Händelsebeskrivning", "Orsak", "Åtgärd", "Uppföljning",
        "Återkoppling till anmälare", "Allvarlighetsgrad", "Personnummer",
    ),
    "form": (
        "Inkommet", "Kommun", "Berörda aktörer", "Beskrivning", "Vad hände sedan",
        "Anmälarens roll",
    ),
}  # fmt: skip


def _write_files(folder: Path, w: _Writer) -> None:
    columns = {name: list(cols) for name, cols in COLUMNS.items()}
    for (org, system), rows in sorted(w.files.items()):
        path = folder / f"{org}__{system}.{'xlsx' if system == 'ritz' else 'csv'}"
        if system == "ritz":
            _write_xlsx(path, columns[system], rows, f"Ärenden {org}")
        elif system == "lifecare":
            _write_csv(path, columns[system], rows, ";", "cp1252")
        elif system == "prorenata":
            _write_csv(path, columns[system], rows, ";", "utf-8-sig")
        else:
            _write_csv(path, columns[system], rows, ",", "utf-8")
        path.chmod(0o600)  # raw data is personal data (the ingest warns otherwise)


def _write_config(root: Path, config_dir: Path) -> Path:
    target = root / "config"
    shutil.copytree(config_dir, target, dirs_exist_ok=True)
    text = yaml.safe_dump({"organisations": organisations()}, allow_unicode=True, sort_keys=False)
    (target / "organisations.yaml").write_text(text, encoding="utf-8")
    return target


def write_scale_project(root: Path, cases: int, config_dir: Path, seed: int = 14) -> int:
    """Write ``cases`` raw rows over the 20 terms (see the module docstring) and the
    config and secret beside them; returns the number of rows written."""
    r = random.Random(seed)
    data = load_demo_data()
    pools = _pools(r, data)
    _write_config(root, config_dir)
    (root / "secret").write_bytes(bytes(r.randrange(256) for _ in range(32)))
    (root / "secret").chmod(0o600)
    written, seen = 0, set()
    for t, term in enumerate(TERMS):
        quota = cases * (t + 1) // len(TERMS) - written
        w = _Writer(r, data, pools, seen=seen)
        start, days = _term_span(term)
        n = 0
        while n < quota:
            n += _incident(w, start, days) if quota - n > 1 else _single(w, start, days)
        folder = root / "raw" / term
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        _write_files(folder, w)
        written += n
    return written


def _single(w: _Writer, start: dt.date, days: int) -> int:
    """The last row of a term: never a pair, so the quota is met exactly."""
    k = w.r.randrange(KOMMUNER)
    day = start + dt.timedelta(days=w.r.randrange(days))
    w.add(kommun_slug(k), "prorenata", _prorenata_row(w, day, w.description()))
    return 1
