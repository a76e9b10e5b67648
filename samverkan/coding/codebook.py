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
from samverkan.project.schema import CATEGORIES, CAUSES
from samverkan.project.settings import load_yaml

log = logging.getLogger(__name__)

_FIX = "Compare the entry with the comments at the top of config/codebook.yaml and correct it"


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
                raise ValueError(f"trigger term {term!r} is not a word with optional * at the ends")
        return value

    @field_validator("patterns")
    @classmethod
    def _patterns_ok(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a valid regular expression ({exc})"
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
    # causes whose suggestion is dropped in a sentence where this cause is suggested
    # (e.g. a message that did not arrive because of an IT failure is not "kommunikation")
    supersedes: tuple[str, ...] = Field(default=(), alias="ersätter")

    @field_validator("color")
    @classmethod
    def _color_ok(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ValueError(f"color {value!r} is not of the form #RRGGBB")
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


class Codebook(_Model):
    """The whole codebook. Build it with :func:`load_codebook`."""

    version: str
    negation: Negation = Negation()
    abbreviations: dict[str, str] = Field(default_factory=dict, alias="förkortningar")
    categories: tuple[Category, ...]
    causes: tuple[Cause, ...]
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


def codebook_from_dict(
    data: Any, source: str | Path = "<codebook>", *, strict: bool = True
) -> Codebook:
    """Validate a parsed codebook; see :func:`load_codebook`."""
    if not isinstance(data, dict):
        raise InputError(
            source, "does not hold a mapping with version, categories and causes", _FIX
        )
    try:
        book = Codebook.model_validate({**data, "source": str(source)})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _entry_name(data, tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(source, f"entry {where}: {msg}", _FIX) from None

    def _check_ids(kind: str, found: list[str], expected: tuple[str, ...]) -> None:
        dupes = sorted({i for i in found if found.count(i) > 1})
        if dupes:
            raise InputError(source, f"{kind} id {dupes[0]!r} appears more than once", _FIX)
        missing = [i for i in expected if i not in found]
        if missing:
            raise InputError(
                source, f"{kind} id {missing[0]!r} is missing", "Restore it: ids are fixed"
            )
        extra = [i for i in found if i not in expected]
        if extra and (strict or kind == "category"):
            raise InputError(
                source,
                f"{kind} id {extra[0]!r} is not one of the fixed ids",
                f"Use one of {', '.join(expected)}",
            )

    _check_ids("category", book.category_ids, CATEGORIES)
    _check_ids("cause", book.cause_ids, CAUSES)
    known = set(book.cause_ids)
    for cause in book.causes:
        for other in cause.supersedes:
            if other not in known or other == cause.id:
                raise InputError(
                    source,
                    f"entry causes[{cause.id}].ersätter: {other!r} is not another cause id",
                    f"Use ids of other causes: {', '.join(book.cause_ids)}",
                )
        if cause.category not in CATEGORIES:
            raise InputError(
                source,
                f"entry causes[{cause.id}].category: {cause.category!r} is not a category id",
                f"Use one of {', '.join(CATEGORIES)}",
            )
    return book


def load_codebook(path: Path, *, strict: bool = True) -> Codebook:
    """Read and check the codebook YAML file.

    ``strict`` (default) requires exactly the cause ids of ``samverkan.project.schema.CAUSES``; with
    ``strict=False`` extra causes are allowed (the spreadsheet gets columns for them, the
    coded table ignores them until the schema knows them).
    """
    path = Path(path)
    book = codebook_from_dict(load_yaml(path), path, strict=strict)
    log.debug("codebook version %s loaded with %d causes", book.version, len(book.causes))
    return book
