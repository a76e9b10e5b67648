"""Keyed person pseudonyms for linking: HMAC-SHA256 of an identity number with a secret.

Where an export carries the person's identity number (sources.yaml field ``person_id``),
the number is replaced right after reading by ``_person_key``, the HMAC-SHA256 of its
last ten digits (personnummer or samordningsnummer, with or without century and
separators) under the project's secret. The key is used only to link the two parties'
reports of one incident and is never written: not to cases.parquet, not to quarantine.

The secret is a file of at least 32 random bytes, kept out of git and out of every
output: the path given to ``ingest_term``, else ``$SAMVERKAN_SECRET_FILE``, else
``.samverkan-secret`` in the project folder (create it at set-up, mode 0600, e.g.
``head -c 32 /dev/urandom > .samverkan-secret && chmod 600 .samverkan-secret``).
Linking by person is on with params.yaml ``ingest.duplicates.link_by_person_id: true``;
off (the default), or without a secret (then with a warning), the identity numbers are
dropped unused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from samverkan.ingest.sources import ExportTable
from samverkan.project.errors import InputError

logger = logging.getLogger(__name__)

SECRET_ENV = "SAMVERKAN_SECRET_FILE"
SECRET_FILE = ".samverkan-secret"
MIN_SECRET_BYTES = 32
KEY_COLUMN = "_person_key"
_NOT_DIGIT = re.compile(r"\D")


def secret_path(config_dir: Path, given: Path | None = None) -> Path:
    """Where the secret is: ``given``, else $SAMVERKAN_SECRET_FILE, else the project's."""
    if given is not None:
        return Path(given)
    env = os.environ.get(SECRET_ENV)
    return Path(env) if env else Path(config_dir).parent / SECRET_FILE


def load_secret(path: Path) -> bytes | None:
    """The secret's bytes; None when the file does not exist. InputError when too short;
    a warning when others may read it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(
            path, f"nyckelfilen kan inte läsas ({exc.strerror})", "Kontrollera behörigheten"
        ) from None
    if len(data) < MIN_SECRET_BYTES:
        raise InputError(
            path,
            f"nyckelfilen är för kort (minst {MIN_SECRET_BYTES} byte)",
            f"Skapa den på nytt: head -c {MIN_SECRET_BYTES} /dev/urandom > {path.name}",
        )
    if path.stat().st_mode & 0o077:
        logger.warning("%s: nyckelfilen kan läsas av andra; kör chmod 600 %s", path, path.name)
    return data


def person_keys(values: pd.Series, secret: bytes) -> pd.Series:
    """HMAC-SHA256 (hex) of the last ten digits of each identity number; NA where the
    text does not hold ten or twelve digits."""

    def key(text: str) -> str | None:
        digits = _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", text))
        if len(digits) not in (10, 12):
            return None
        return hmac.new(secret, digits[-10:].encode(), hashlib.sha256).hexdigest()

    return values.astype("string").map(key, na_action="ignore").astype("string")


@dataclass
class Pseudonymiser:
    """Replaces an export's ``person_id`` by ``_person_key`` (the secret read once, lazily)."""

    path: Path
    enabled: bool = True  # params.yaml ingest.duplicates.link_by_person_id
    _secret: bytes | None = field(default=None, repr=False)
    _loaded: bool = False

    def secret(self) -> bytes | None:
        if not self._loaded:
            self._secret, self._loaded = load_secret(self.path), True
        return self._secret

    def apply(self, table: ExportTable, shown: str) -> ExportTable:
        """``table`` without its identity numbers, with their keys where a secret exists
        and linking by person is on (else the numbers are dropped unused)."""
        rows = table.rows
        ids = rows["person_id"] if "person_id" in rows else pd.Series(dtype="string")
        keys = pd.array([None] * len(rows), dtype="string")
        if self.enabled and ids.notna().any():
            secret = self.secret()
            if secret is None:
                logger.warning(
                    "%s: personnummerkolumnen används inte för länkning, eftersom projektets "
                    "nyckelfil %s saknas (se README, Utveckling)",
                    shown,
                    SECRET_FILE,
                )
            else:
                keys = person_keys(ids, secret).array
        rows = rows.drop(columns=["person_id"], errors="ignore").assign(**{KEY_COLUMN: keys})
        return replace(table, rows=rows)
