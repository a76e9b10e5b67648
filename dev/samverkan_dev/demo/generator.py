"""Synthetic raw exports for demonstration and tests (``samverkan-dev demo-data``).

``write_demo_data`` writes, for each term, one export per organisation and system in the
layouts config/sources.yaml reads and with messy variants of them, plus two files holding
the truth:

- ``<out>/demo-facit/<TERM>.csv``: one line per data record of every file, with the causes
  and category the case was built from, what ingest is expected to do with the row
  (kept, excluded, duplicate or quarantined) and, for an incident reported by both
  parties, the ``incident`` id its two rows share;
- ``<out>/.demo-planted.json``: every invented personal identifier planted in the files,
  so tests can scan all outputs for them independently of the project's own scanner.

An incident reported by both parties (a municipality's LifeCare row and the region's, or
the other way round) is written twice, each time in that party's own words (texts.yaml
``mirror_*``: the receiver describes what happened to it, with the same facts), and both
rows carry the same person's identity number in the system's identity-number column
(config/sources.yaml ``person_id``), written as each system writes it. Every other
collaboration case has a person of its own; the form has no such column.

Everything is invented: names are common first names combined with common surnames,
identity numbers get a correct check digit computed here (Luhn, as the ``personnummer``
package does), phone numbers are in the ranges the Swedish regulator set aside for
fiction, e-mail addresses use example domains. Output is byte-for-byte deterministic for
a seed: only ``random.Random(seed)`` is used, never the clock.

The word lists, units, file specs, case counts and sentence templates are data files in
``samverkan_dev/demo/data/`` (:func:`load_demo_data`); the cause ids, their categories and
the category labels come from the project's ``config/codebook.yaml`` (:func:`load_causes`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from samverkan.project.atomic import workbook_bytes, write_bytes_atomic
from samverkan.project.errors import InputError
from samverkan.project.paths import config_dir as project_config_dir
from samverkan.project.schema import TERM_PATTERN
from samverkan.project.settings import load_yaml

if TYPE_CHECKING:
    from samverkan.coding.codebook import Codebook

log = logging.getLogger(__name__)

DEFAULT_TERMS = ("2024VT", "2024HT", "2025VT", "2025HT")
FACIT_DIR = "demo-facit"
PLANTED_FILE = ".demo-planted.json"
FACIT_COLUMNS = (
    "organisation",
    "system",
    "source_id",
    "causes",
    "category",
    "quote_ok",
    "expected",
    "row",  # 1-based position among the file's data records (title/blank/totals rows not counted)
    "form_key",  # form rows only: the source key ingest derives (received date + text hash)
    "incident",  # both rows of an incident reported by both parties: one id (else empty)
)

# --------------------------------------------------------------------------------------
# The synthetic world, the case texts and the invented personal data live in YAML files
# under samverkan_dev/demo/data/ (see their headers); causes, their categories and the
# category labels come from config/codebook.yaml.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A unit or actor as written in an export, with the short name used in case text."""

    name: str
    short: str  # definite form, lower case, as in "vi har sökt {short}"
    child: bool = False
    ward: bool = False  # inpatient: discharge notices apply


@dataclass(frozen=True)
class Organisation:
    name: str  # as written in exports
    town: str
    postcode: str  # first three digits
    action_share: float  # share of collaboration cases with an action filled in


@dataclass(frozen=True)
class System:
    """An export system: its columns and which column holds each logical field."""

    columns: tuple[str, ...]
    fields: dict[str, str | None]  # id, received, event, type, text, action, person -> column
    rename: tuple[str, str]  # (old, new) header of a newer system version
    other_types: tuple[str, ...]  # deviation types that are not collaboration cases
    other_texts: tuple[str, ...]


@dataclass(frozen=True)
class Export:
    """One source (organisation and system): its file per term position and case counts."""

    files: tuple[str | None, ...]  # spec per term position 0..3, None: no file
    cases: tuple[int, ...]  # collaboration cases it reports itself per term position
    collab_type: str  # the deviation type of a collaboration case ("" for the form)


@dataclass(frozen=True)
class World:
    """The organisations, systems and units (world.yaml) and the export files (exports.yaml)."""

    organisations: dict[str, Organisation]
    systems: dict[str, System]
    kommun_units: dict[str, tuple[Unit, ...]]
    school_units: dict[str, tuple[Unit, ...]]
    region_adult: tuple[Unit, ...]
    region_child: tuple[Unit, ...]
    region_north: dict[str, tuple[Unit, ...]]
    other_actors: tuple[Unit, ...]
    ritz_extern: dict[str, tuple[str, ...]]
    form_roles: tuple[str, ...]
    exports: dict[tuple[str, str], Export]
    date_formats: dict[str, tuple[str, str]]
    extra_columns: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class CauseWeight:
    """How often a cause is drawn in term position t: base + step * t, at least ``floor``."""

    base: float
    step: float = 0.0
    floor: float | None = None
    secondary: bool = True  # may be drawn as a second or third cause

    def at(self, t: int) -> float:
        weight = self.base + self.step * t
        return weight if self.floor is None else max(weight, self.floor)


@dataclass(frozen=True)
class Texts:
    """texts.yaml: sentences and words combined per case."""

    cause_weights: dict[str, CauseWeight]
    cause_sentences: dict[str, tuple[tuple[str, str], ...]]  # cause -> (scope, template)
    context_sentences: dict[str, tuple[str, ...]]  # adult | infant | child
    neutral_sentences: tuple[str, ...]
    action_sentences: tuple[str, ...]
    words: dict[str, tuple[str, ...]]
    person_nouns: dict[str, tuple[tuple[str, str], ...]]  # (definite, genitive)
    relatives: tuple[tuple[str, str], ...]  # (relative, pronoun)
    months: tuple[str, ...]
    orsak_label_categories: frozenset[str]
    orsak_free: tuple[str, ...]
    status: dict[str, dict[str, tuple[str, ...]]]  # system -> done | open -> statuses
    severities: tuple[str, ...]
    receiver_notes: tuple[str, ...]
    bad_date_words: tuple[str, ...]
    # the other party's copy of a mirrored incident, in its own words
    mirror_context: dict[str, tuple[str, ...]]  # adult | infant | child
    mirror_sentences: dict[str, tuple[tuple[str, str], ...]]  # cause -> (scope, template)
    mirror_quotes: tuple[str, ...]  # how a receiver introduces a quote of the first report
    # what came of a case (the follow-up column) and how often feedback is given
    outcome_sentences: tuple[str, ...] = ()
    follow_up: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class People:
    """people.yaml: the material of the invented personal data."""

    first_names: tuple[str, ...]
    hyphen_first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    phone_ranges: tuple[tuple[str, str, int, int], ...]  # area, block, lowest, highest
    email_domains: tuple[str, ...]


@dataclass(frozen=True)
class DemoData:
    """Everything the demo's data files hold (:func:`load_demo_data`)."""

    world: World
    texts: Texts
    people: People


@dataclass(frozen=True)
class CodebookCauses:
    """What the demo takes from the codebook: cause ids in order, categories, labels."""

    ids: tuple[str, ...]
    category: dict[str, str]  # cause id -> category id
    label: dict[str, str]  # category id -> label

    @classmethod
    def from_codebook(cls, book: Codebook) -> CodebookCauses:
        return cls(
            ids=tuple(c.id for c in book.causes),
            category={c.id: c.category for c in book.causes},
            label={c.id: c.label for c in book.categories},
        )


def data_dir() -> Path:
    """The folder of the demo's data files (inside the installed package)."""
    return Path(str(resources.files("samverkan_dev.demo") / "data"))


def _units(items: list[dict[str, Any]]) -> tuple[Unit, ...]:
    return tuple(
        Unit(u["name"], u["short"], bool(u.get("child")), bool(u.get("ward"))) for u in items
    )


def _tuples(items: list[list[Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(item) for item in items)


def _world(world: dict[str, Any]) -> dict[str, Any]:
    """The fields of :class:`World` that world.yaml holds."""
    units = world["units"]
    return dict(
        organisations={k: Organisation(**v) for k, v in world["organisations"].items()},
        systems={
            k: System(
                columns=tuple(v["columns"]),
                fields=dict(v["fields"]),
                rename=(v["rename"][0], v["rename"][1]),
                other_types=tuple(v.get("other_types", ())),
                other_texts=tuple(v.get("other_texts", ())),
            )
            for k, v in world["systems"].items()
        },
        kommun_units={k: _units(v) for k, v in units["kommun"].items()},
        school_units={k: _units(v) for k, v in units["school"].items()},
        region_adult=_units(units["region_adult"]),
        region_child=_units(units["region_child"]),
        region_north={k: _units(v) for k, v in units["region_north"].items()},
        other_actors=_units(units["other_actors"]),
        ritz_extern={k: tuple(v) for k, v in world["ritz_extern"].items()},
        form_roles=tuple(world["form_roles"]),
    )


def _exports(exports: dict[str, Any]) -> dict[str, Any]:
    """The fields of :class:`World` that exports.yaml holds."""
    return dict(
        exports={
            (key.split("__")[0], key.split("__")[1]): Export(
                tuple(v["files"]), tuple(v["cases"]), v.get("type", "")
            )
            for key, v in exports["exports"].items()
        },
        date_formats={k: (v[0], v[1]) for k, v in exports["date_formats"].items()},
        extra_columns={k: tuple(v) for k, v in exports["extra_columns"].items()},
    )


def _texts(texts: dict[str, Any]) -> Texts:
    weights = texts["cause_weights"]
    return Texts(
        cause_weights={
            k: CauseWeight(v["base"], v.get("step", 0.0), v.get("min"), v.get("secondary", True))
            for k, v in weights.items()
        },
        cause_sentences={k: _tuples(v) for k, v in texts["cause_sentences"].items()},
        context_sentences={k: tuple(v) for k, v in texts["context_sentences"].items()},
        neutral_sentences=tuple(texts["neutral_sentences"]),
        action_sentences=tuple(texts["action_sentences"]),
        words={k: tuple(v) for k, v in texts["words"].items()},
        person_nouns={k: _tuples(v) for k, v in texts["person_nouns"].items()},
        relatives=_tuples(texts["relatives"]),
        months=tuple(texts["months"]),
        orsak_label_categories=frozenset(texts["orsak_label_categories"]),
        orsak_free=tuple(texts["orsak_free"]),
        status={k: {s: tuple(v[s]) for s in ("done", "open")} for k, v in texts["status"].items()},
        severities=tuple(texts["severities"]),
        receiver_notes=tuple(texts["receiver_notes"]),
        bad_date_words=tuple(texts["bad_date_words"]),
        mirror_context={k: tuple(v) for k, v in texts["mirror_context"].items()},
        mirror_sentences={k: _tuples(v) for k, v in texts["mirror_sentences"].items()},
        mirror_quotes=tuple(texts["mirror_quotes"]),
        outcome_sentences=tuple(texts.get("outcome_sentences", ())),
        follow_up=dict(texts.get("follow_up") or {}),
    )


def _people(people: dict[str, Any]) -> People:
    return People(
        first_names=tuple(people["first_names"]),
        hyphen_first_names=tuple(people["hyphen_first_names"]),
        surnames=tuple(people["surnames"]),
        streets=tuple(people["streets"]),
        phone_ranges=tuple(
            (str(a), str(b), int(lo), int(hi)) for a, b, lo, hi in people["phone_ranges"]
        ),
        email_domains=tuple(people["email_domains"]),
    )


_BUILDERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "world.yaml": _world,
    "exports.yaml": _exports,
    "texts.yaml": _texts,
    "people.yaml": _people,
}


def _build(name: str) -> Any:
    """One data file read and turned into typed objects (or the fields of some)."""
    path = data_dir() / name
    raw = load_yaml(path)
    try:
        return _BUILDERS[name](raw)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise InputError(
            path,
            f"demodatafilen har fel form ({type(exc).__name__}: {exc})",
            "Rätta filen efter beskrivningen i dess sidhuvud eller återställ den från git",
        ) from None


@cache
def load_demo_data() -> DemoData:
    """Read the demo's data files once (a malformed file is an InputError naming it)."""
    parts = {name: _build(name) for name in _BUILDERS}
    world = World(**parts["world.yaml"], **parts["exports.yaml"])
    return DemoData(world, parts["texts.yaml"], parts["people.yaml"])


def load_causes(config_dir: Path | None = None) -> CodebookCauses:
    """Cause ids, categories and labels from the project's codebook."""
    from samverkan.coding.codebook import load_codebook

    folder = config_dir or project_config_dir()
    return CodebookCauses.from_codebook(load_codebook(folder / "codebook.yaml"))


def _check_causes(texts: Texts, causes: CodebookCauses) -> None:
    """The demo's sentences and weights must cover exactly the codebook's causes."""
    for name, ids in (
        ("cause_weights", texts.cause_weights),
        ("cause_sentences", texts.cause_sentences),
        ("mirror_sentences", texts.mirror_sentences),
    ):
        if set(ids) != set(causes.ids):
            raise InputError(
                data_dir() / "texts.yaml",
                f"orsakerna i {name} är inte desamma som i kodboken ({', '.join(causes.ids)})",
                "Ge varje orsak i config/codebook.yaml vikt och meningar i demons texts.yaml",
            )


@dataclass
class Planted:
    """Everything planted, by kind, with the file it went into."""

    items: dict[str, list[dict[str, object]]] = field(
        default_factory=lambda: {
            k: [] for k in ("personnummer", "names", "phones", "emails", "addresses")
        }
    )

    def mark(self) -> dict[str, int]:
        return {kind: len(found) for kind, found in self.items.items()}

    def rollback(self, mark: dict[str, int]) -> None:
        """Forget what was planted since ``mark`` (for drafts that were thrown away)."""
        for kind, n in mark.items():
            del self.items[kind][n:]

    def add(self, kind: str, text: str, file: str, **extra: object) -> str:
        self.items[kind].append({"text": text, "file": file, **extra})
        return text


def luhn_check_digit(nine_digits: str) -> int:
    """The check digit of YYMMDDNNN (the Luhn algorithm, as in the personnummer package)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        v = int(ch) * (2 - i % 2)
        total += v - 9 if v > 9 else v
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class Person:
    """The person a case is about, as identified in an export's identity-number column."""

    born: dt.date
    serial: str  # three digits
    coordination: bool  # a samordningsnummer (day + 60)

    def written(self, form: str) -> tuple[str, str, str]:
        """(text, id_kind, twelve digits) of the number in a written form: 12dash, 12 or
        10dash (a samordningsnummer is always written YYMMDD-NNNN)."""
        day = self.born.day + (60 if self.coordination else 0)
        nine = f"{self.born:%y%m}{day:02d}{self.serial}"
        check = luhn_check_digit(nine)
        century = f"{self.born.year // 100}"
        tail = f"{self.serial}{check}"
        if self.coordination:
            form = "10dash"
        text = {
            "12dash": f"{century}{nine[:6]}-{tail}",
            "12": f"{century}{nine}{check}",
            "10dash": f"{nine[:6]}-{tail}",
        }[form]
        kind = "samordningsnummer" if self.coordination else "personnummer"
        return text, kind, f"{century}{nine}{check}"


# How each system writes a person's identity number (all name the same ten last digits).
ID_FORMS = {
    "lifecare": ("12dash", "12dash", "10dash", "12"),
    "prorenata": ("12dash",),
    "ritz": ("12", "12", "12dash"),
}


class _Pii:
    """Draws invented identifiers and records each one as planted."""

    def __init__(self, rng: random.Random, planted: Planted, data: DemoData) -> None:
        self.rng = rng
        self.planted = planted
        self.people = data.people
        self.organisations = data.world.organisations
        self.file = ""

    def _birth(self, old: bool = False) -> dt.date:
        r = self.rng
        year = r.randint(1919, 1925) if old else r.randint(1950, 2016)
        return dt.date(year, 1, 1) + dt.timedelta(days=r.randint(0, 364))

    def pnr(self, child: bool = False, form: str | None = None, column: str = "") -> str:
        """A valid identity number in one of the written forms (``column``: the
        identity-number column it is written to, else free text)."""
        r = self.rng
        form = form or r.choice(["12dash", "12", "10dash", "10dash", "samordning", "12dash"])
        old = form == "10plus"
        born = self._birth(old)
        if child:
            born = dt.date(r.randint(2008, 2019), born.month, born.day)
        day = born.day + (60 if form == "samordning" else 0)
        serial = f"{r.randint(1, 999):03d}"
        nine = f"{born:%y%m}{day:02d}{serial}"
        check = luhn_check_digit(nine)
        yymmdd, tail = nine[:6], f"{serial}{check}"
        text = {
            "12dash": f"{born.year // 100}{yymmdd}-{tail}",
            "12": f"{born.year // 100}{yymmdd}{tail}",
            "10dash": f"{yymmdd}-{tail}",
            "10plus": f"{yymmdd}+{tail}",
            "samordning": f"{yymmdd}-{tail}",
        }[form]
        kind = "samordningsnummer" if form == "samordning" else "personnummer"
        digits = f"{born.year // 100}{nine}{check}"
        where = {"column": column} if column else {}
        return self.planted.add(
            "personnummer", text, self.file, valid=True, id_kind=kind, digits=digits, **where
        )

    def person(self, day: dt.date, age: int) -> Person:
        """The person of a new case, ``age`` years old on ``day`` (nothing is planted until
        the number is written)."""
        r = self.rng
        born = dt.date(day.year - age, 1, 1) - dt.timedelta(days=r.randint(0, 364))
        return Person(born, f"{r.randint(1, 999):03d}", r.random() < 0.08)

    def person_id(self, person: Person, system: str, column: str) -> str:
        """The person's identity number as ``system`` writes it in ``column``, planted in
        the current file."""
        text, kind, digits = person.written(self.rng.choice(ID_FORMS[system]))
        return self.planted.add(
            "personnummer",
            text,
            self.file,
            valid=True,
            id_kind=kind,
            digits=digits,
            column=column,
        )

    def bad_pnr(self) -> str:
        """A personnummer with a wrong check digit (a typo), as written after "pnr"."""
        born = self._birth()
        nine = f"{born:%y%m%d}{self.rng.randint(1, 999):03d}"
        wrong = (luhn_check_digit(nine) + self.rng.randint(1, 9)) % 10
        text = f"{nine[:6]}-{nine[6:]}{wrong}"
        return self.planted.add(
            "personnummer",
            text,
            self.file,
            valid=False,
            id_kind="personnummer",
            digits=f"{born.year // 100}{nine}{wrong}",
        )

    def first(self) -> str:
        return self.rng.choice(self.people.first_names)

    def name(self, form: str | None = None) -> str:
        r = self.rng
        form = form or r.choice(
            ["full", "full", "hyphen", "genitive", "title", "lower", "initials"]
        )
        first, last = r.choice(self.people.first_names), r.choice(self.people.surnames)
        if form == "full":
            text = f"{first} {last}"
        elif form == "hyphen":
            if r.random() < 0.5:
                text = f"{r.choice(self.people.hyphen_first_names)} {last}"
            else:
                other = r.choice([s for s in self.people.surnames if s != last])
                text = f"{first} {last}-{other}"
        elif form == "genitive":
            text = first if first.endswith("s") else f"{first}s"
        elif form == "title":
            text = f"dr {last}"
        elif form == "lower":
            text = f"{first} {last}".lower()
        else:
            text = f"{first} {last[0]}."
        return self.planted.add("names", text, self.file, form=form)

    def phone(self) -> str:
        r = self.rng
        area, block, lo, hi = r.choice(self.people.phone_ranges)
        # 7 digits after 070, 040 and 031 (block + 2 digits); 8 after 08 (block + 3 digits)
        rest = block + (f"{r.randint(lo, hi):02d}" if area != "08" else f"{r.randint(lo, hi):03d}")
        if area == "070":
            text = r.choice(
                [
                    f"070-{rest[:3]} {rest[3:5]} {rest[5:]}",
                    f"+46 70 {rest[:3]} {rest[3:5]} {rest[5:]}",
                    f"070{rest}",
                ]
            )
        elif area == "08":
            text = f"08-{rest[:3]} {rest[3:6]} {rest[6:]}"
        else:
            text = f"{area}-{rest[:3]} {rest[3:5]} {rest[5:]}"
        return self.planted.add("phones", text, self.file)

    def email(self) -> str:
        r = self.rng
        first, last = r.choice(self.people.first_names), r.choice(self.people.surnames)
        local = f"{first}.{last}" if r.random() < 0.6 else f"{first}{r.randint(60, 99)}"
        local = local.lower().translate(str.maketrans("åäöé", "aaoe"))
        address = f"{local}@{r.choice(self.people.email_domains)}"
        return self.planted.add("emails", address, self.file)

    def address(self, org: str) -> str:
        r = self.rng
        town, pc = self.organisations[org].town, self.organisations[org].postcode
        text = f"{r.choice(self.people.streets)} {r.randint(1, 48)}{r.choice(['', '', 'B'])}"
        if r.random() < 0.5:
            text += f", lgh {r.randint(11, 13)}{r.randint(1, 8):02d}"
        if r.random() < 0.6:
            text += f", {pc} {r.randint(30, 49)} {town}"
        return self.planted.add("addresses", text, self.file)

    def sentence(self, org: str, slots: dict[str, str]) -> str:
        """One sentence of free text holding one or two identifiers."""
        r = self.rng
        choice = r.randrange(11)
        if choice == 0:
            return f"Gäller {self.name('full')}, {self.pnr()}."
        if choice == 1:
            return f"Pat {self.name('full')} ({self.pnr()}) bor på {self.address(org)}."
        if choice == 2:
            if self.rng.random() < 0.5:
                return f"{slots['P']} nås på {self.phone()} eller {self.email()}."
            return f"{slots['P']} nås på {self.phone()}."
        if choice == 3:
            return (
                f"{self.name('genitive')} mamma ringde från {self.phone()} och var mycket orolig."
            )
        if choice == 4:
            return f"Enligt {self.name('title')} på {slots['other']} skulle detta vara ordnat."
        if choice == 5:
            return f"Anteckning: ring {self.name('lower')} imorgon, nr {self.phone()}."
        if choice == 6:
            return f"{self.name('initials')} på {slots['other']} har tagit emot ärendet."
        if choice == 7:
            return f"Kontaktperson: {self.name('hyphen')}, {self.email()}."
        if choice == 8:
            return f"Gäller pnr {self.bad_pnr()}."
        if choice == 9:
            where = self.address(org)
            return f"{slots['P']} är folkbokförd på {where} men bor tillfälligt hos en släkting."
        return f"Samordningsnummer {self.pnr(form='samordning')}, tolk behövs."


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass
class Record:
    """One data row of a file, with the truth about it."""

    values: dict[str, object]  # column (standard header) -> value (date, datetime or str)
    expected: str  # kept | excluded | duplicate | quarantined
    source_id: str = ""
    causes: tuple[str, ...] = ()
    category: str = ""
    quote_ok: bool = False
    incident: str = ""  # the id shared by both parties' reports of one incident


@dataclass
class _Case:
    """One incident as reported by one party, before it is laid out as a row."""

    received: dt.datetime
    event: dt.date
    own: Unit
    other: Unit
    child: bool
    text: str
    action: str
    causes: tuple[str, ...]
    category: str
    quote_ok: bool
    person: Person | None = None  # whose identity number the row carries
    slots: dict[str, str] = field(default_factory=dict)  # the facts its text was built from
    said: tuple[str, ...] = ()  # its cause sentences (a receiver may quote one)


@dataclass(frozen=True)
class DemoManifest:
    """What ``write_demo_data`` wrote."""

    out_dir: Path
    seed: int
    terms: tuple[str, ...]
    files: tuple[Path, ...]  # the raw exports
    facit: dict[str, Path]  # term -> facit CSV
    planted: Path
    expected_counts: dict[str, dict[str, int]]  # term -> {kept, excluded, duplicate, quarantined}


def _term_range(term: str) -> tuple[dt.date, dt.date]:
    year = int(term[:4])
    if term.endswith("VT"):
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 7, 1), dt.date(year, 12, 31)


def _neighbour_term(term: str, last: bool) -> str:
    year = int(term[:4])
    if last:  # previous term
        return f"{year - 1}HT" if term.endswith("VT") else f"{year}VT"
    return f"{year}HT" if term.endswith("VT") else f"{year + 1}VT"


def _similar(a: str, b: str, threshold: float = 0.5) -> bool:
    """Whether two texts are close enough that ingest might take them for one incident."""
    sm = SequenceMatcher(None, a, b)
    return sm.quick_ratio() >= threshold and sm.ratio() >= threshold


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill(template: str, slots: dict[str, str]) -> str:
    # two passes: a filled word may itself hold {other}
    text = template.format_map(slots)
    return text.format_map(slots) if "{" in text else text


class _Generator:
    def __init__(
        self, seed: int, terms: Sequence[str], data: DemoData, causes: CodebookCauses
    ) -> None:
        _check_causes(data.texts, causes)
        self.rng = random.Random(seed)
        self.seed = seed
        self.terms = tuple(terms)
        self.world = data.world
        self.texts = data.texts
        self.causes = causes
        self.planted = Planted()
        self.pii = _Pii(self.rng, self.planted, data)
        self.serial: dict[tuple[str, str], int] = {}
        self.action_credit: dict[str, float] = {}

    # ---- ids -------------------------------------------------------------------------
    def next_id(self, org: str, system: str, year: int) -> str:
        key = (org, system)
        n = self.serial.get(key, 0) + 1
        self.serial[key] = n
        base = 100 + 37 * list(self.world.organisations).index(org)
        if system == "lifecare":
            return f"AV{year}-{base * 10 + n:05d}"
        if system == "prorenata":
            return f"{400000 + base * 100 + n * 7}"
        if system == "ritz":
            return f"RS-{year}-{n * 13 + 1000:06d}"
        return ""

    # ---- dates -----------------------------------------------------------------------
    def dates(self, term: str, room_after: int = 0) -> tuple[dt.datetime, dt.date]:
        r = self.rng
        start, end = _term_range(term)
        span = (end - start).days - 4 - room_after
        day = start + dt.timedelta(days=2 + r.randint(0, span))
        received = dt.datetime.combine(day, dt.time(r.randint(7, 16), r.randint(0, 59)))
        event = day - dt.timedelta(days=r.choice([0, 0, 1, 1, 2, 3, 5, 7, 12, 20]))
        return received, event

    # ---- text ------------------------------------------------------------------------
    def slots(self, own: Unit, other: Unit, child: bool, before: dt.date) -> dict[str, str]:
        """Words for the templates; dates mentioned in the text lie before ``before``."""
        r, texts = self.rng, self.texts
        p, p_gen = r.choice(texts.person_nouns["child" if child else "adult"])
        rel, pron = r.choice(texts.relatives[:3] if child else texts.relatives)
        day = before - dt.timedelta(days=r.randint(1, 30))
        earlier = before - dt.timedelta(days=r.randint(20, 90))
        later = before + dt.timedelta(days=r.randint(20, 60))
        s = {k: r.choice(v) for k, v in texts.words.items()}
        infant = "BVC" in (own.short, other.short)
        if infant:
            p, p_gen = "barnet", "barnets"
        s.update(
            own=own.short,
            Own=_cap(own.short),
            other=other.short,
            Other=_cap(other.short),
            p=p,
            P=_cap(p),
            p_gen=p_gen,
            P_gen=_cap(p_gen),
            rel=rel,
            Rel=_cap(rel),
            pron=pron,
            date=f"{day.day}/{day.month}",
            month=texts.months[earlier.month - 1],
            next_month=texts.months[later.month - 1],
            age=str(
                r.randint(1, 5) if infant else r.randint(7, 17) if child else r.randint(19, 78)
            ),
            grade=str(r.randint(1, 9)),
            gender_noun=r.choice(["kvinna", "man"]),
        )
        return s

    def cause_sentence(self, cause: str, slots: dict[str, str], child: bool, ward: bool) -> str:
        ok = {"any", "child" if child else "adult"} | ({"ward"} if ward else set())
        options = [t for scope, t in self.texts.cause_sentences[cause] if scope in ok]
        if slots["p"] == "barnet":  # small child at BVC: no school, no 18th birthday
            options = [t for t in options if "skol" not in t and "18" not in t] or options
        return _fill(self.rng.choice(options), slots)

    def draw_causes(self, t: int, forced: str | None) -> tuple[str, ...]:
        r = self.rng
        setting = self.texts.cause_weights
        weights = {cause: w.at(t) for cause, w in setting.items()}
        primary = forced or r.choices(list(weights), list(weights.values()))[0]
        causes = [primary]
        extra = 0 if r.random() < 0.45 else (1 if r.random() < 0.75 else 2)
        for _ in range(extra):
            rest = {c: w for c, w in weights.items() if c not in causes and setting[c].secondary}
            causes.append(r.choices(list(rest), list(rest.values()))[0])
        return tuple(causes)

    def case(
        self,
        term: str,
        t: int,
        org: str,
        own: Unit,
        other: Unit,
        forced: str | None,
        room_after: int = 0,
    ) -> _Case:
        r = self.rng
        child = own.child or other.child
        received, event = self.dates(term, room_after)
        causes = self.draw_causes(t, forced)
        s = self.slots(own, other, child, event)
        context = "infant" if "BVC" in (own.short, other.short) else "child" if child else "adult"
        parts = [_fill(r.choice(self.texts.context_sentences[context]), s)]
        said = [self.cause_sentence(c, s, child, other.ward) for c in causes]
        parts += said
        if r.random() < 0.35 and len(parts) < 5:
            parts.append(_fill(r.choice(self.texts.neutral_sentences), s))
        if r.random() < 0.45:
            parts.insert(r.randint(1, len(parts)), self.pii.sentence(org, s))
            if r.random() < 0.2:
                parts.append(self.pii.sentence(org, s))
        text = self.join(parts)
        action = self.action(org, s)
        return _Case(
            received=received,
            event=event,
            own=own,
            other=other,
            child=child,
            text=text,
            action=action,
            causes=tuple(sorted(set(causes), key=self.causes.ids.index)),
            category=self.causes.category[causes[0]],
            quote_ok=r.random() < 0.3,
            person=self.pii.person(event, int(s["age"])),
            slots=s,
            said=tuple(said),
        )

    def retell(self, case: _Case, org: str, writer: Unit, reporter: Unit) -> str:
        """The incident of ``case`` as the receiving party (``writer``) describes it in
        its own words: other opening and cause sentences (texts.yaml mirror_*), another
        noun for the person, the same facts; sometimes an identifier of its own."""
        r, texts = self.rng, self.texts
        s = dict(case.slots)
        nouns = texts.person_nouns["child" if case.child else "adult"]
        if s["p"] != "barnet":  # a small child at BVC stays "barnet"
            p, p_gen = r.choice([n for n in nouns if n[0] != s["p"]] or list(nouns))
            s.update(p=p, P=_cap(p), p_gen=p_gen, P_gen=_cap(p_gen))
        s.update(own=writer.short, Own=_cap(writer.short))
        s.update(other=reporter.short, Other=_cap(reporter.short))
        context = (
            "infant"
            if "BVC" in (writer.short, reporter.short)
            else "child"
            if case.child
            else "adult"
        )
        ok = {"any", "child" if case.child else "adult"}
        parts = [_fill(r.choice(texts.mirror_context[context]), s)]
        for cause in case.causes:
            options = [t for scope, t in texts.mirror_sentences[cause] if scope in ok]
            parts.append(_fill(r.choice(options), s))
        if case.said and r.random() < 0.4:  # the receiver quotes the first report
            quote = r.choice(case.said)
            parts.append(f"{_fill(r.choice(texts.mirror_quotes), s)} {quote}")
        if r.random() < 0.3:
            parts.insert(r.randint(1, len(parts)), self.pii.sentence(org, s))
        return self.join(parts)

    def action(self, org: str, slots: dict[str, str]) -> str:
        """What was done, or "" (error diffusion keeps each organisation's share of actions
        close to its setting)."""
        r = self.rng
        share = self.world.organisations[org].action_share
        self.action_credit[org] = self.action_credit.get(org, 0.0) + share
        if self.action_credit[org] + r.uniform(-0.25, 0.25) < 1:
            return ""
        self.action_credit[org] -= 1
        picked = r.sample(self.texts.action_sentences, r.choice([1, 1, 2]))
        acts = [_fill(a, slots) for a in picked]
        if r.random() < 0.15:
            acts.append(f"Handläggare {self.pii.name('full')} har kontaktat {slots['rel']}.")
        return " ".join(acts)

    def follow_up(self, term: str, key: str, case: _Case) -> tuple[str, dt.date | None]:
        """(outcome text, feedback date or None) of one row (texts.yaml ``follow_up``).

        Drawn from a random stream of the row's own (seeded by the demo's seed, the file
        and the case), so the follow-up columns leave every other value of the demo as it
        was. Feedback comes more often when an action was taken, some weeks after the
        report (log-normal days); feedback after the day the term was exported is not yet
        in the export. An outcome is written more often when feedback was given; a few
        cells hold a placeholder that means "not known".
        """
        fu = self.texts.follow_up
        if not fu:
            return "", None
        r = random.Random(f"{self.seed}|{key}|{case.received.isoformat()}|{case.text}")
        feedback = None
        if r.random() < fu["feedback_share"]["action" if case.action else "no_action"]:
            days = r.lognormvariate(math.log(fu["median_days"]), fu["spread"])
            day = case.received.date() + dt.timedelta(days=max(1, min(fu["max_days"], round(days))))
            if day <= _term_range(term)[1] + dt.timedelta(days=fu["export_lag_days"]):
                feedback = day
        slots = {"own": case.own.short, "other": case.other.short}
        slots |= {"Own": _cap(case.own.short), "Other": _cap(case.other.short)}
        if r.random() < fu["outcome_share"]["feedback" if feedback else "none"]:
            return _fill(r.choice(self.texts.outcome_sentences), slots), feedback
        if r.random() < fu["placeholder_share"]:
            return r.choice(fu["placeholders"]), feedback
        return "", feedback

    def join(self, parts: list[str]) -> str:
        """Join sentences, sometimes with line breaks as hasty notes have."""
        r = self.rng
        out = parts[0]
        for p in parts[1:]:
            out += (
                r.choice([" ", " ", " ", " ", "\n", "\r\n\r\n" if r.random() < 0.3 else "\n"]) + p
            )
        return out


# --------------------------------------------------------------------------------------
# Building the rows of one term
# --------------------------------------------------------------------------------------


def _parse_spec(spec: str) -> dict[str, object]:
    tokens = spec.split()
    kind, enc, delim, dates = tokens[:4]
    out: dict[str, object] = {
        "kind": kind,
        "encoding": enc,
        "delimiter": {";": ";", ",": ",", "tab": "\t"}.get(delim, ";"),
        "dates": dates,
        "hdr": "",
        "shuffle": False,
        "extra": "",
        "rename": False,
        "title": 0,
        "foot": "",
        "trail": 0,
        "xdate": False,
    }
    for tok in tokens[4:]:
        key, _, value = tok.partition("=")
        if key in ("title", "trail"):
            out[key] = int(value)
        elif value:
            out[key] = value
        else:
            out[key] = True
    return out


def _excluded_values(system: str, unit: str) -> dict[str, object]:
    """The system-specific columns of a row that is not a collaboration case."""
    if system == "lifecare":
        return {
            "Rapporterande enhet": unit,
            "Berörd part": "",
            "Riktning": "",
            "Status": "Avslutad",
        }
    if system == "prorenata":
        return {"Skola/enhet": unit, "Extern aktör": "", "Status": "Avslutad"}
    return {"Vårdenhet": unit, "Extern part": "", "Orsak": "", "Allvarlighetsgrad": "Lindrig"}


class _TermBuilder:
    """Collects the records of one term, file by file."""

    def __init__(self, gen: _Generator, term: str, t: int) -> None:
        self.gen = gen
        self.world = gen.world
        self.term = term
        self.t = t
        self.records: dict[tuple[str, str], list[Record]] = {}
        self.specs: dict[tuple[str, str], dict[str, object]] = {}
        for key, export in self.world.exports.items():
            spec = export.files[t % 4]
            if spec is not None:
                self.specs[key] = _parse_spec(spec)
                self.records[key] = []
        self.texts: list[tuple[dt.date, str]] = []
        self.pairs = 0

    @property
    def rng(self) -> random.Random:
        return self.gen.rng

    def _distinct_case(
        self, org: str, own: Unit, other: Unit, forced: str | None, room_after: int = 0
    ) -> _Case:
        """A case whose text is not close to another case reported within a few days."""
        for attempt in range(20):
            mark, credit = self.gen.planted.mark(), dict(self.gen.action_credit)
            case = self.gen.case(self.term, self.t, org, own, other, forced, room_after)
            if attempt == 19 or not any(
                abs((day - case.event).days) <= 4 and _similar(txt, case.text)
                for day, txt in self.texts
            ):
                break
            self.gen.planted.rollback(mark)  # a discarded draft plants nothing
            self.gen.action_credit = credit
        self.texts.append((case.event, case.text))
        return case

    def _pick_units(self, org: str, system: str) -> tuple[Unit, Unit]:
        """The reporting unit and the counterpart of a new case in this file."""
        r, w = self.rng, self.world
        if system == "ritz":
            own = r.choice(w.region_adult + w.region_child)
            names = w.ritz_extern[r.choice(list(w.ritz_extern))]
            extern = names[2] if own.child and r.random() < 0.6 else r.choice(names[:2])
            school = "Elevhälsan" in extern
            return own, Unit(extern, "elevhälsan" if school else "socialtjänsten", child=school)
        if system == "prorenata":
            school_partners = [u for u in w.region_child if u.short != "BVC"]
            return r.choice(w.school_units[org]), r.choice(school_partners)
        if system == "form":
            own = r.choice(w.kommun_units[org])
            region = w.region_north[org]
            pool = (
                [u for u in region if u.child] if own.child else [u for u in region if not u.child]
            )
            return own, r.choice(pool or region)
        own = r.choice(w.kommun_units[org])
        if own.child:
            return own, r.choice(w.region_child)
        return own, r.choice(w.region_adult + (w.other_actors if r.random() < 0.2 else ()))

    def _row(
        self, org: str, system: str, case: _Case, *, direction: str = "Utgående", extern: str = ""
    ) -> dict[str, object]:
        r, texts = self.rng, self.gen.texts
        f = self.world.systems[system].fields
        v: dict[str, object] = {
            f["received"]: case.received,
            f["text"]: case.text,
            f["action"]: case.action,
        }
        if f["event"]:
            v[f["event"]] = case.event
        if f["type"]:
            v[f["type"]] = self.world.exports[(org, system)].collab_type
        if f.get("person") and case.person is not None:
            v[str(f["person"])] = self.gen.pii.person_id(case.person, system, str(f["person"]))
        if f.get("outcome") or f.get("feedback"):
            outcome, feedback = self.gen.follow_up(self.term, f"{org}__{system}", case)
            if f.get("outcome"):
                v[str(f["outcome"])] = outcome
            if f.get("feedback"):
                v[str(f["feedback"])] = feedback
        if system == "lifecare":
            # the reporting unit wrote the text; for incoming rows that is the region's unit
            v["Rapporterande enhet"] = case.own.name
            v["Berörd part"] = case.other.name
            v["Riktning"] = direction
            v["Status"] = r.choice(texts.status[system]["done" if case.action else "open"])
        elif system == "prorenata":
            v["Skola/enhet"] = case.own.name
            v["Extern aktör"] = case.other.name
            v["Status"] = r.choice(texts.status[system]["done" if case.action else "open"])
        elif system == "ritz":
            v["Vårdenhet"] = case.own.name
            v["Extern part"] = extern
            roll = r.random()
            if roll < 0.5 and case.category in texts.orsak_label_categories:
                v["Orsak"] = self.gen.causes.label[case.category]
            elif roll < 0.75:
                v["Orsak"] = r.choice(texts.orsak_free)
            else:
                v["Orsak"] = ""
            v["Allvarlighetsgrad"] = r.choice(texts.severities)
        else:
            v["Kommun"] = self.world.organisations[org].name
            v["Berörda aktörer"] = f"{case.own.name}; {case.other.name}"
            v["Anmälarens roll"] = r.choice(self.world.form_roles)
        return v

    def add_case(
        self, org: str, system: str, case: _Case, row: dict[str, object], expected: str = "kept"
    ) -> Record:
        f = self.world.systems[system].fields
        sid = self.gen.next_id(org, system, case.received.year) if f["id"] else ""
        if f["id"]:
            row[f["id"]] = sid
        rec = Record(
            row, expected, sid, case.causes, case.category, case.quote_ok and expected == "kept"
        )
        self.records[(org, system)].append(rec)
        return rec

    def _plan(self) -> list[tuple[str, str]]:
        """The file of each collaboration case this term reports, in random order."""
        r = self.rng
        plan: list[tuple[str, str]] = []
        for key in self.records:
            n = self.world.exports[key].cases[self.t % 4]
            if n:
                n = max(1, n + r.randint(-1, 1))
            plan += [key] * n
        r.shuffle(plan)
        return plan

    def build(self) -> None:
        r, w = self.rng, self.world
        plan = self._plan()
        forced = list(self.gen.causes.ids)
        r.shuffle(forced)
        lifecare_out: list[tuple[str, _Case, Record]] = []
        ritz_cases: list[tuple[_Case, Record, str]] = []
        for i, (org, system) in enumerate(plan):
            self.gen.pii.file = f"{self.term}/{org}__{system}"
            own, other = self._pick_units(org, system)
            if system == "ritz":
                case = self._distinct_case(
                    "region-skane", own, other, forced[i] if i < len(forced) else None, 14
                )
                extern = other.name
                rec = self.add_case(org, system, case, self._row(org, system, case, extern=extern))
                muni = next(m for m, names in w.ritz_extern.items() if extern in names)
                ritz_cases.append((case, rec, muni))
                continue
            incoming = system == "lifecare" and r.random() < 0.1 and other not in w.other_actors
            if incoming:  # the region reported it to the municipality: the region writes
                own, other = other, own
            case = self._distinct_case(
                org, own, other, forced[i] if i < len(forced) else None, room_after=14
            )
            direction = "Inkommande" if incoming else "Utgående"
            if system == "lifecare" and r.random() < 0.15:
                self._same_person_again(case, org, ritz_cases)
            rec = self.add_case(
                org, system, case, self._row(org, system, case, direction=direction)
            )
            if system == "lifecare" and not incoming and other in w.region_adult + w.region_child:
                lifecare_out.append((org, case, rec))
        self.mirror(lifecare_out, ritz_cases)
        self.add_excluded()
        self.add_bad_rows()
        for recs in self.records.values():
            r.shuffle(recs)
        self.add_exact_duplicate()

    def _same_person_again(
        self, case: _Case, org: str, ritz_cases: list[tuple[_Case, Record, str]]
    ) -> None:
        """Make ``case`` about the person of an earlier, other incident the region reported
        from this municipality weeks apart (a pair linking must not take for one)."""
        earlier = [
            c
            for c, _, muni in ritz_cases
            if muni == org and c.child == case.child and abs((c.event - case.event).days) > 20
        ]
        if earlier:
            case.person = self.rng.choice(earlier).person

    def mirror(
        self,
        lifecare_out: list[tuple[str, _Case, Record]],
        ritz_cases: list[tuple[_Case, Record, str]],
    ) -> None:
        """Incidents reported by one side that the other side reported too, in its own words
        (:meth:`_Generator.retell`) and with the same person's identity number; the two
        records share a facit ``incident`` id."""
        r, w = self.rng, self.world
        if ("region-skane", "ritz") not in self.records:
            return
        for org, case, rec in r.sample(lifecare_out, min(len(lifecare_out), r.randint(3, 5))):
            self.gen.pii.file = f"{self.term}/region-skane__ritz"
            extern = w.ritz_extern[org][0 if case.own.short != "hemtjänsten" else 1]
            text = self.gen.retell(case, "region-skane", case.other, case.own)
            if r.random() < 0.4:  # the receiver adds a line of its own
                text += r.choice(self.gen.texts.receiver_notes)
            delay = r.randint(1, 10)
            copy = _Case(
                received=case.received + dt.timedelta(days=delay, hours=r.randint(0, 3)),
                event=case.event + dt.timedelta(days=r.choice([0, 0, 1])),
                own=case.other,
                other=case.own,
                child=case.child,
                text=text,
                action=case.action if r.random() < 0.3 else "",
                causes=case.causes,
                category=case.category,
                quote_ok=False,
                person=case.person,
            )
            row = self._row("region-skane", "ritz", copy, extern=extern)
            dup = self.add_case("region-skane", "ritz", copy, row, expected="duplicate")
            self._pair(rec, dup)
        eligible = [(c, rec, m) for c, rec, m in ritz_cases if (m, "lifecare") in self.records]
        for case, rec, muni in r.sample(eligible, min(len(eligible), r.randint(2, 3))):
            self.gen.pii.file = f"{self.term}/{muni}__lifecare"
            units = w.kommun_units[muni]
            own = next((u for u in units if u.child == case.child), units[0])
            text = self.gen.retell(case, muni, own, case.own)
            if r.random() < 0.5:
                text = "Inkommen från regionen: " + text
            copy = _Case(
                received=case.received + dt.timedelta(days=r.randint(1, 10)),
                event=case.event + dt.timedelta(days=r.choice([0, 1])),
                own=case.own,
                other=own,
                child=case.child,
                text=text,
                action="",
                causes=case.causes,
                category=case.category,
                quote_ok=False,
                person=case.person,
            )
            row = self._row(muni, "lifecare", copy, direction="Inkommande")
            dup = self.add_case(muni, "lifecare", copy, row, expected="duplicate")
            self._pair(rec, dup)

    def _pair(self, original: Record, copy: Record) -> None:
        """Mark two records as one incident reported by both parties (facit ``incident``)."""
        self.pairs += 1
        original.incident = copy.incident = f"{self.term}-{self.pairs:02d}"

    def add_excluded(self) -> None:
        """Rows of other deviation types (not collaboration cases): 20-40 % of the rows."""
        r = self.rng
        for (org, system), recs in self.records.items():
            if system == "form":
                continue
            self.gen.pii.file = f"{self.term}/{org}__{system}"
            n = max(2, round(len(recs) * r.uniform(0.3, 0.6)))
            sys_ = self.world.systems[system]
            f = sys_.fields
            for _ in range(n):
                received, event = self.gen.dates(self.term)
                text = r.choice(sys_.other_texts)
                if r.random() < 0.2:
                    text += f" Gäller {self.gen.pii.name('full')}, {self.gen.pii.pnr()}."
                own = (
                    self._pick_units(org, system)[0]
                    if system != "ritz"
                    else r.choice(self.world.region_adult)
                )
                v: dict[str, object] = {
                    f["received"]: received,
                    f["event"]: event,
                    f["type"]: r.choice(sys_.other_types),
                    f["text"]: text,
                    f["action"]: "Genomgång med personalgruppen." if r.random() < 0.5 else "",
                }
                v.update(_excluded_values(system, own.name))
                sid = self.gen.next_id(org, system, received.year)
                v[f["id"]] = sid
                recs.append(Record(v, "excluded", sid))

    def add_bad_rows(self) -> None:
        """A handful of unusable collaboration rows, spread over the files."""
        r = self.rng
        keys = list(self.records)
        is_last = self.t == len(self.gen.terms) - 1
        kinds = [
            "no_date",
            "bad_date_word",
            "bad_date_day",
            "no_text",
            "out_of_term",
            "out_of_term",
        ]
        for j, kind in enumerate(kinds):
            key = keys[(self.t * 3 + j * 2) % len(keys)]
            org, system = key
            if kind == "bad_date_word":
                key = next(k for k in keys if k[1] == "form")
                org, system = key
            self.gen.pii.file = f"{self.term}/{org}__{system}"
            own, other = self._pick_units(org, system)
            mark = self.gen.planted.mark()
            case = self._distinct_case(org, own, other, None)
            row = self._row(org, system, case, extern=other.name)
            f = self.world.systems[system].fields
            causes, category = case.causes, case.category
            if kind == "no_date":
                row[f["received"]] = ""
                if f["event"]:
                    row[f["event"]] = ""
            elif kind == "bad_date_word":
                row[f["received"]] = r.choice(self.gen.texts.bad_date_words)
            elif kind == "bad_date_day":
                year = self.term[:4]
                row[f["received"]] = (
                    f"31/02/{year}" if self.term.endswith("VT") else f"31/09/{year}"
                )
                if f["event"]:
                    row[f["event"]] = ""
            elif kind == "no_text":
                row[f["text"]], row[f["action"]] = "", ""
                causes, category = (), ""
                self.gen.planted.rollback(mark)  # the identifiers went with the text
                if f.get("person") and case.person is not None:  # but not the number column
                    row[str(f["person"])] = self.gen.pii.person_id(
                        case.person, system, str(f["person"])
                    )
            else:
                other_term = _neighbour_term(self.term, last=is_last)
                received, event = self.gen.dates(other_term)
                row[f["received"]] = received
                if f["event"]:
                    row[f["event"]] = event
            sid = self.gen.next_id(org, system, case.received.year) if f["id"] else ""
            if f["id"]:
                row[f["id"]] = sid
            self.records[key].append(Record(row, "quarantined", sid, causes, category))

    def add_exact_duplicate(self) -> None:
        """The same deviation number twice in one file: an exact copy of a kept row."""
        r = self.rng
        for key in [k for k in self.records if k[1] == "lifecare"][self.t % 3 :][:1] + [
            k for k in self.records if k[1] == "prorenata"
        ][:1]:
            recs = self.records[key]
            kept = [i for i, rec in enumerate(recs) if rec.expected == "kept"]
            i = r.choice(kept)
            orig = recs[i]
            copy = Record(
                orig.values, "duplicate", orig.source_id, orig.causes, orig.category, False
            )
            recs.insert(min(len(recs), i + r.randint(1, 4)), copy)


# --------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------


def _header_text(name: str, style: str, i: int) -> str:
    if style == "upper":
        return name.upper()
    if style == "lower":
        return name.lower()
    if style == "spaces":
        return f" {name}  " if i % 2 == 0 else f"  {name}"
    if style == "colon":
        return f"{name}:" if i % 3 != 1 else name
    if style == "nbsp":
        return name.replace(" ", "\u00a0") + ("\u00a0" if i % 2 else "")
    return name


def _columns(gen: _Generator, system: str, spec: dict[str, object]) -> list[tuple[str, str]]:
    """(standard column or extra, header text) in file order."""
    extra = gen.world.extra_columns.get(str(spec["extra"]), ())
    fields = gen.world.systems[system].fields
    follow = [str(fields[k]) for k in ("outcome", "feedback") if fields.get(k)]
    cols = [c for c in (*gen.world.systems[system].columns, *extra) if c not in follow]
    if fields.get("person"):  # the identity number, right after the system's own number
        cols.insert(cols.index(str(fields["id"])) + 1, str(fields["person"]))
    if spec["shuffle"]:
        gen.rng.shuffle(cols)
    # the follow-up columns right after the action (placed after the shuffle, so the
    # random stream, and with it every other value of the demo, is as without them)
    at = cols.index(str(fields["action"])) + 1
    cols[at:at] = follow
    old, new = gen.world.systems[system].rename
    out = []
    for i, c in enumerate(cols):
        name = new if spec["rename"] and c == old else c
        out.append((c, _header_text(name, str(spec["hdr"]), i)))
    return out


def _is_date_col(fields: dict[str, str | None], col: str) -> bool:
    return col in (fields["received"], fields["event"], fields.get("feedback"))


def _text_value(value: object, col: str, world: World, system: str, spec: dict[str, object]) -> str:
    if isinstance(value, dt.datetime | dt.date):
        formats = world.date_formats
        fmt_received, fmt_event = formats[str(spec["dates"]) if spec["dates"] in formats else "iso"]
        fmt = fmt_received if col == world.systems[system].fields["received"] else fmt_event
        return value.strftime(fmt)
    return "" if value is None else str(value)


def _extra_value(col: str, system: str, gen: _Generator, child: bool) -> object:
    """The value of a column the record does not set: the identity number of a row that
    is no collaboration case, or an extra column's invented value."""
    pii = gen.pii
    r = gen.rng
    if col == gen.world.systems[system].fields.get("person"):
        return (
            ""
            if r.random() < 0.1
            else pii.pnr(
                child=child,
                form=r.choice(["12dash", "12", "10dash", "10plus", "samordning"])
                if not child
                else "12dash",
                column=col,
            )
        )
    if col == "Patientnamn":
        return pii.name("full")
    if col == "Telefon":
        return pii.phone()
    if col in ("Handläggare", "Registrerad av"):
        return pii.name(r.choice(["full", "full", "initials"]))
    if col == "Enhetskod":
        return f"E{r.randint(100, 999)}"
    return ""


def _write_csv(
    path: Path, header: list[str], rows: list[list[str]], spec: dict[str, object]
) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=str(spec["delimiter"]), lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    for _ in range(int(spec["trail"])):
        buf.write(str(spec["delimiter"]) * (len(header) - 1) + "\r\n")
    write_bytes_atomic(path, buf.getvalue().encode(str(spec["encoding"])))


def _write_xlsx(
    path: Path,
    org_name: str,
    system: str,
    term: str,
    header: list[str],
    rows: list[list[object]],
    spec: dict[str, object],
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Avvikelser" if system != "form" else "Inkomna"
    titles = [f"Avvikelser {org_name}", f"Utdrag för perioden {term}", ""]
    titles = titles[: int(spec["title"])]
    for t in titles:
        ws.append([t] if t else [])
    ws.append(header)
    for row in rows:
        ws.append(row)
    for row_cells in ws.iter_rows(min_row=len(titles) + 2):
        for cell in row_cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    if spec["foot"] == "total":
        ws.append([])
        ws.append([f"Totalt: {len(rows)}"])
    elif spec["foot"] == "blank":
        for _ in range(3):
            ws.append([None] * len(header))
    wb.properties.creator = "samverkan demo"
    write_bytes_atomic(path, workbook_bytes(wb))


def _write_file(
    out_dir: Path,
    term: str,
    key: tuple[str, str],
    recs: list[Record],
    spec: dict[str, object],
    gen: _Generator,
) -> Path:
    org, system = key
    ext = "xlsx" if spec["kind"] == "xlsx" else "csv"
    rel = f"{term}/{org}__{system}.{ext}"
    gen.pii.file = f"{term}/{org}__{system}"
    cols = _columns(gen, system, spec)
    header = [h for _, h in cols]
    rows: list[list[object]] = []
    for rec in recs:
        child = system == "prorenata"
        row: list[object] = []
        for col, _ in cols:
            if col in rec.values:
                value = rec.values[col]
            else:
                value = _extra_value(col, system, gen, child)
                rec.values[col] = value  # an exact duplicate copy gets its own draw otherwise
            if (
                spec["kind"] == "xlsx"
                and spec["xdate"]
                and isinstance(value, dt.date)
                and _is_date_col(gen.world.systems[system].fields, col)
            ):
                row.append(value)
            elif (
                spec["kind"] == "xlsx"
                and system == "prorenata"
                and col == "Ärende-ID"
                and str(value).isdigit()
            ):
                row.append(int(str(value)))
            else:
                row.append(_text_value(value, col, gen.world, system, spec))
        rows.append(row)
    path = out_dir / rel
    if ext == "csv":
        _write_csv(path, header, [[str(v) for v in row] for row in rows], spec)
    else:
        _write_xlsx(path, gen.world.organisations[org].name, system, term, header, rows, spec)
    return path


def _form_keys(recs: list[Record]) -> list[str]:
    """The key ingest gives each form row (samverkan.ingest.sources.readers.form_source_key), so the
    demo tooling can find form cases, which have no number; "" where the row has no date."""
    import pandas as pd

    from samverkan.ingest.sources.readers import form_source_key

    received = [r.values.get("Inkommet") for r in recs]
    dates = pd.to_datetime(
        pd.Series([v if isinstance(v, dt.datetime) else None for v in received], dtype=object)
    )
    texts = pd.Series([str(r.values.get("Beskrivning") or "") or None for r in recs], dtype=object)
    keys = form_source_key(dates, texts)
    return ["" if pd.isna(k) else str(k) for k in keys]


def _facit_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FACIT_COLUMNS)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _check_out_dir(out_dir: Path, terms: Sequence[str], world: World) -> None:
    """Refuse to mix demo files into a folder that holds other exports."""
    demo_names = {f"{org}__{sys_}.{ext}" for org, sys_ in world.exports for ext in ("csv", "xlsx")}
    for term in terms:
        folder = out_dir / term
        if not folder.is_dir():
            continue
        foreign = [
            p.name
            for p in folder.iterdir()
            if p.name not in demo_names and not p.name.startswith(".")
        ]
        if foreign:
            raise InputError(
                folder,
                f"mappen innehåller {len(foreign)} fil(er) som inte är demodata",
                "Skriv demodata till en tom mapp (--out) eller flytta de riktiga exporterna",
            )


def _facit_row(key: tuple[str, str], rec: Record, i: int, form_key: str) -> list[str]:
    return [
        key[0],
        key[1],
        rec.source_id,
        ";".join(rec.causes),
        rec.category,
        "true" if rec.quote_ok else "false",
        rec.expected,
        str(i),
        form_key,
        rec.incident,
    ]


def _write_term(
    out_dir: Path, gen: _Generator, term: str, t: int
) -> tuple[list[Path], Path, dict[str, int]]:
    """Build and write one term: its export files, its facit file and the expected counts."""
    builder = _TermBuilder(gen, term, t)
    builder.build()
    files: list[Path] = []
    facit_rows: list[list[str]] = []
    counts = dict.fromkeys(("kept", "excluded", "duplicate", "quarantined"), 0)
    for key in sorted(builder.records):
        recs = builder.records[key]
        files.append(_write_file(out_dir, term, key, recs, builder.specs[key], gen))
        form_keys = _form_keys(recs) if key[1] == "form" else [""] * len(recs)
        for i, (rec, form_key) in enumerate(zip(recs, form_keys, strict=True), start=1):
            counts[rec.expected] += 1
            facit_rows.append(_facit_row(key, rec, i, form_key))
    facit = write_bytes_atomic(out_dir / FACIT_DIR / f"{term}.csv", _facit_csv(facit_rows))
    return files, facit, counts


def _write_planted(out_dir: Path, seed: int, terms: tuple[str, ...], planted: Planted) -> Path:
    everything = sorted({str(item["text"]) for items in planted.items.values() for item in items})
    payload = {"seed": seed, "terms": list(terms), "all": everything, **planted.items}
    return write_bytes_atomic(
        out_dir / PLANTED_FILE,
        (json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"),
    )


def _owner_only(out_dir: Path, terms: Sequence[str], files: Sequence[Path]) -> None:
    """Raw exports are personal data: the demo's term folders, its facit folder and every
    file it wrote are readable by their owner only (as ingest asks of real exports)."""
    for folder in [*(out_dir / t for t in terms), out_dir / FACIT_DIR]:
        folder.chmod(0o700)
    for path in files:
        path.chmod(0o600)


def write_demo_data(
    out_dir: Path,
    seed: int = 20240101,
    terms: Sequence[str] = DEFAULT_TERMS,
    *,
    causes: CodebookCauses | None = None,
) -> DemoManifest:
    """Write a deterministic synthetic set of raw exports for ``terms`` under ``out_dir``.

    Files: ``out_dir/<TERM>/<organisation>__<system>.<csv|xlsx>``, the truth in
    ``out_dir/demo-facit/<TERM>.csv`` and the planted identifiers in
    ``out_dir/.demo-planted.json``. The same seed gives byte-identical files. ``causes``
    (default: :func:`load_causes` of the project's config) gives the cause ids, their
    categories and the category labels.
    """
    out_dir = Path(out_dir)
    terms = tuple(str(t) for t in terms)
    for term in terms:
        if not re.match(TERM_PATTERN, term):
            raise ValueError(f"not a term code: {term!r} (expected e.g. 2025HT)")
    data = load_demo_data()
    _check_out_dir(out_dir, terms, data.world)
    gen = _Generator(seed, terms, data, causes or load_causes())
    files: list[Path] = []
    facit: dict[str, Path] = {}
    counts: dict[str, dict[str, int]] = {}
    for t, term in enumerate(terms):
        term_files, facit[term], counts[term] = _write_term(out_dir, gen, term, t)
        files += term_files
    planted = _write_planted(out_dir, seed, terms, gen.planted)
    _owner_only(out_dir, terms, [*files, *facit.values(), planted])
    log.info("%d demoexporter för %d terminer skrivna till %s", len(files), len(terms), out_dir)
    return DemoManifest(out_dir, seed, terms, tuple(files), facit, planted, counts)
