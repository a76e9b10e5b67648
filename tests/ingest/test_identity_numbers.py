"""The test helper tests/identity.py builds real identity numbers: they agree with the
official test vectors and the personnummer package, and the leak scanner finds them (so a
test that uses one still tests a real identity number), while the helper's own source and
the test modules that use it hold none."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from identity import digits, dotted, grouped, interim, official, pnr, samordningsnummer
from personnummer import personnummer as package

from samverkan.privacy.leaks import identity_numbers
from samverkan.privacy.normalise import normalise

USERS = [
    "tests/identity.py",
    "tests/ingest/test_identity_numbers.py",
    "tests/ingest/test_linking.py",
    "tests/ingest/test_sources.py",
    "tests/ingest/test_stage.py",
    "tests/adversarial/test_ingest.py",
    "tests/adversarial/test_sheet.py",
    "tests/test_cli.py",
]


def _parts(separated: str) -> tuple[str, int, str]:
    """(birth ÅÅMMDD, serial, separator) of an official vector's separated form."""
    return separated[:6], int(separated[7:10]), separated[6]


@pytest.mark.parametrize("kind", ["ssn", "con"])
def test_the_official_valid_numbers_are_rebuilt(kind: str) -> None:
    for row in official(kind):
        birth, serial, sep = _parts(row["separated_format"])
        build = samordningsnummer if kind == "con" else pnr
        if kind == "con":  # the vector holds the day + 60 already
            birth = birth[:4] + f"{int(birth[4:]) - 60:02d}"
        assert build(birth, serial, sep) == row["separated_format"]
        century = row["long_format"][:2]
        assert build(century + birth, serial, "") == row["long_format"]


def test_the_official_invalid_numbers_are_never_built() -> None:
    for row in official("ssn", valid=False) + official("con", valid=False):
        separated = row["separated_format"]
        if separated[6] in "-+" and separated[:6].isdigit() and separated[7:].isdigit():
            birth, serial, sep = _parts(separated)
            try:
                built = pnr(birth, serial, sep)
            except ValueError:  # serial 000
                continue
            assert built != separated


def test_the_official_interim_numbers_are_rebuilt() -> None:
    for row in official("interim"):
        separated = row["separated_format"]
        letter, serial = separated[7], int(separated[8:10])
        assert interim(separated[:6], letter, serial) == separated
        assert interim(row["long_format"][:8], letter, serial, "") == row["long_format"]


@pytest.mark.parametrize("birth", ["19760115", "20000229", "19121212", "760115", "921103"])
@pytest.mark.parametrize("serial", [1, 121, 482, 771, 999])
def test_every_built_number_is_valid_for_the_package(birth: str, serial: int) -> None:
    assert package.valid(pnr(birth, serial))
    assert package.valid(pnr(birth, serial, "+"))
    coordination = samordningsnummer(birth, serial)
    assert package.valid(coordination)
    assert package.parse(coordination).is_coordination_number()


def test_the_written_forms() -> None:
    number = pnr("19760115", 482)
    assert dotted("760115", 482) == ".".join(["76", "01", "15"]) + "-" + number[-4:]
    assert grouped("921103", 771) == " ".join(["92", "11", "03"]) + "-" + pnr("921103", 771)[-4:]
    assert digits(dotted("19760115", 482)) == digits(number) == number.replace("-", "")
    assert len(digits(number)) == 12 and len(pnr("760115", 482, "")) == 10
    with pytest.raises(ValueError):
        pnr("7601", 482)
    with pytest.raises(ValueError):
        pnr("760115", 0)
    with pytest.raises(ValueError):
        interim("760115", "TT")


@pytest.mark.parametrize(
    "number",
    [
        pnr(),
        pnr("19121212", 121),
        pnr("121212", 121),
        pnr("121212", 121, sep=""),
        pnr("19121212", 121, sep=" - ", date_sep=" "),
        pnr("760115", 482, "+"),
        dotted("760115", 482),
        grouped("921103", 771),
        samordningsnummer(),
        samordningsnummer("730228", 993),
        interim(),
        interim("760115", "X", 48),
    ],
)
def test_the_scanner_finds_every_built_number(number: str) -> None:
    text = normalise(f"Gäller {number} i ärendet.")
    assert len(identity_numbers(text)) == 1


@pytest.mark.parametrize("name", USERS)
def test_no_identity_number_is_written_in_the_source(name: str) -> None:
    text = normalise((Path(ROOT) / name).read_text(encoding="utf-8"))
    assert identity_numbers(text) == []
