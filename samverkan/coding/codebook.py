"""The codebook: categories and causes with their triggers, loaded from config/codebook.yaml.

The YAML file belongs to the analysts (Swedish keys); this module checks its shape and gives
one clear ``InputError`` naming the file and the bad entry when something is wrong.
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from samverkan.project.errors import InputError
from samverkan.project.settings import load_yaml

log = logging.getLogger(__name__)

_FIX = "Jämför posten med kommentarerna överst i config/codebook.yaml och rätta den"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Triggers(_Model):
    """Words and patterns that make the auto-coder suggest a cause."""

    terms: tuple[str, ...] = Field(default=(), alias="termer")
    problem_terms: tuple[str, ...] = Field(default=(), alias="problemtermer")
    patterns: tuple[str, ...] = Field(default=(), alias="mönster")

    @field_validator("terms", "problem_terms")
    @classmethod
    def _terms_ok(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for term in value:
            core = term.strip("*")
            if not core or "*" in core or not re.fullmatch(r"[\w\-:åäöéÅÄÖÉ]+", core):
                raise ValueError(f"triggerordet {term!r} är inte ett ord med * bara i ändarna")
        return value

    @field_validator("patterns")
    @classmethod
    def _patterns_ok(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"mönstret {pattern!r} är inget giltigt reguljärt uttryck ({exc})"
                ) from None
        return value


class Cause(_Model):
    """One qualitative code (zero or more per case)."""

    id: str
    label: str
    category: str
    definition: str
    inclusion: str = ""
    exclusion: str = ""
    color: str = "#777777"
    triggers: Triggers = Triggers()
    # sentences written for the codebook that show the cause: the model learns from them
    # together with the analysts' own coding (they are examples, not a test set)
    examples: tuple[str, ...] = Field(default=(), alias="exempel")
    # causes whose suggestion is dropped in a sentence where this cause is suggested
    # (e.g. a message that did not arrive because of an IT failure is not "kommunikation")
    supersedes: tuple[str, ...] = Field(default=(), alias="ersätter")

    @field_validator("color")
    @classmethod
    def _color_ok(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ValueError(f"färgen {value!r} har inte formen #RRGGBB")
        return value.upper()


class Category(_Model):
    """One category of the joint routine (one per case)."""

    id: str
    label: str
    definition: str = ""


class Negation(_Model):
    """Cues that cancel a trigger hit in the same clause."""

    cues: tuple[str, ...] = Field(default=(), alias="negationer")
    positive: tuple[str, ...] = Field(default=(), alias="positiva")
    phrases: tuple[str, ...] = Field(default=(), alias="fraser")
    window: int = Field(default=4, alias="fönster", ge=1, le=20)
    clause_breaks: tuple[str, ...] = Field(default=(), alias="satsgränser")


class ModelSettings(_Model):
    """How the learned suggestions are made (see :mod:`samverkan.coding.learned`)."""

    enabled: bool = Field(default=True, alias="använd")
    # inverse regularisation strength of the logistic regression (larger: fits more closely)
    c: float = Field(default=4.0, alias="c", gt=0, le=1000)
    # a cause is suggested by the model from this probability (per cause, calibrated on
    # the training cases when there are enough, kept within these bounds)
    threshold: float = Field(default=0.8, alias="tröskel", gt=0, lt=1)
    min_threshold: float = Field(default=0.7, alias="lägsta_tröskel", gt=0, lt=1)
    max_threshold: float = Field(default=0.95, alias="högsta_tröskel", gt=0, lt=1)
    # a model-only suggestion from this probability is "stark" (strong)
    strong: float = Field(default=0.9, alias="stark", gt=0, lt=1)


class Codebook(_Model):
    """The whole codebook. Build it with :func:`load_codebook`.

    The order of ``categories`` and ``causes`` is the order of every table and sheet; the
    last category is the catch-all suggested when no cause points to a category.
    """

    version: str
    negation: Negation = Negation()
    abbreviations: dict[str, str] = Field(default_factory=dict, alias="förkortningar")
    categories: tuple[Category, ...]
    causes: tuple[Cause, ...]
    # sentences that show none of the causes (hard negatives for the model)
    negative_examples: tuple[str, ...] = Field(default=(), alias="exempel_utan_orsak")
    model: ModelSettings = Field(default=ModelSettings(), alias="modell")
    source: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, value: Any) -> str:
        return str(value)

    @property
    def cause_ids(self) -> list[str]:
        return [c.id for c in self.causes]

    @property
    def category_ids(self) -> list[str]:
        return [c.id for c in self.categories]

    @cached_property
    def _by_id(self) -> dict[str, Cause]:
        return {c.id: c for c in self.causes}

    def cause(self, cause_id: str) -> Cause:
        return self._by_id[cause_id]

    def cause_labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.causes}

    def category_labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.categories}


def _entry_name(data: Any, loc: tuple[Any, ...]) -> str:
    """Describe where in the YAML a validation error sits, using ids where possible."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(node, list) and isinstance(key, int) and key < len(node):
            item = node[key]
            ident = item.get("id") if isinstance(item, dict) else None
            parts.append(f"[{ident}]" if ident else f"[{key + 1}]")
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")


# pydantic's own messages, by error type, in Swedish (the rest are the validators' own)
_PYDANTIC_MESSAGES = {
    "missing": "saknas",
    "extra_forbidden": "är ingen känd nyckel",
    "string_type": "ska vara text",
    "int_type": "ska vara ett heltal",
    "int_parsing": "ska vara ett heltal",
    "tuple_type": "ska vara en lista",
    "list_type": "ska vara en lista",
    "dict_type": "ska vara en tabell med nyckel: värde",
    "model_type": "ska vara en tabell med nyckel: värde",
    "bool_type": "ska vara true eller false",
    "bool_parsing": "ska vara true eller false",
    "float_type": "ska vara ett tal",
    "float_parsing": "ska vara ett tal",
    "greater_than": "är för litet",
    "less_than": "är för stort",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
}


def _validation_message(data: Any, exc: ValidationError) -> str:
    """The first validation error as "post WHERE: WHAT" in Swedish."""
    err = exc.errors()[0]
    where = _entry_name(data, tuple(err["loc"]))
    msg = _PYDANTIC_MESSAGES.get(err["type"]) or str(err["msg"]).removeprefix("Value error, ")
    return f"posten {where}: {msg}"


def _check_unique(source: str | Path, noun: str, ids: list[str]) -> None:
    """Every id occurs once; ``noun`` names the kind of id ("orsaks-id", "kategori-id")."""
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(source, f"{noun} {dupes[0]!r} förekommer mer än en gång", _FIX)


def _check_references(source: str | Path, book: Codebook) -> None:
    """Each cause names an existing category, and "ersätter" names other causes."""
    known = set(book.cause_ids)
    for cause in book.causes:
        for other in cause.supersedes:
            if other not in known or other == cause.id:
                raise InputError(
                    source,
                    f"posten causes[{cause.id}].ersätter: {other!r} är inte id för en annan orsak",
                    f"Använd id för andra orsaker: {', '.join(book.cause_ids)}",
                )
        if cause.category not in book.category_ids:
            raise InputError(
                source,
                f"posten causes[{cause.id}].category: {cause.category!r} är inget kategori-id",
                f"Använd något av {', '.join(book.category_ids)}",
            )


def codebook_from_dict(data: Any, source: str | Path = "<kodbok>") -> Codebook:
    """Validate a parsed codebook; see :func:`load_codebook`."""
    if not isinstance(data, dict):
        raise InputError(source, "innehåller ingen tabell med version, categories och causes", _FIX)
    try:
        book = Codebook.model_validate({**data, "source": str(source)})
    except ValidationError as exc:
        raise InputError(source, _validation_message(data, exc), _FIX) from None
    _check_unique(source, "kategori-id", book.category_ids)
    _check_unique(source, "orsaks-id", book.cause_ids)
    _check_references(source, book)
    return book


def codebook_path(config_dir: str | Path) -> Path:
    """The codebook file of a config folder."""
    return Path(config_dir) / "codebook.yaml"


def load_codebook(path: str | Path) -> Codebook:
    """Read and check the codebook YAML file.

    The codebook is the one home of the cause and category ids: their order is the order of
    the file, and every table, sheet and report takes them from here.
    """
    path = Path(path)
    book = codebook_from_dict(load_yaml(path), path)
    log.debug("codebook version %s loaded with %d causes", book.version, len(book.causes))
    return book
