"""The named parts of the leak scanner: settings, name lists, raw identifiers, the digit
alphabet in code, the staged-file guard. All identifiers are synthetic."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CONFIG, FIXTURES

from samverkan.privacy import leaks
from samverkan.privacy.leaks import (
    KnownIdentifiers,
    load_settings,
    scan_paths,
    scan_staged,
)
from samverkan.project.errors import InputError

LEAKS_FIXTURES = FIXTURES / "privacy" / "leaks"
PHONE = "070-123 45 67"


@pytest.fixture(scope="module")
def small_settings() -> leaks.LeakSettings:
    return load_settings(LEAKS_FIXTURES / "config" / "leaks.yaml")


# --- settings ----------------------------------------------------------------------------


def test_load_settings_normalises_every_key(small_settings: leaks.LeakSettings) -> None:
    s = small_settings
    assert s.identifying_columns == {"namn", "telefon", "kontakt person"}
    assert s.case_number_columns == {"ärendenummer"}
    assert (s.min_number_digits, s.min_name_length, s.match_genitive) == (5, 3, False)
    assert s.allowed_email_domains == {"exempel.se"}
    assert s.html_skip_attributes == {"d", "style"}
    assert s.staged_exclude == ("tests/fixtures/**",)
    assert s.code_suffixes == {".py", ".yaml"} and s.data_folders == ("data", "reports")
    assert s.name_context_words == {"dr", "mamman"}
    assert s.street_suffixes == ("gatan",)
    assert s.fallback_names == {"zelda", "rosenqvist"}


def test_organisation_slugs_and_names_are_stop_words(small_settings: leaks.LeakSettings) -> None:
    assert {"region", "bup"} <= small_settings.stop_words  # from leaks.yaml
    assert {"norra", "by", "norrby", "kommun", "sodra", "södra"} <= small_settings.stop_words


def test_organisation_words_without_the_file(tmp_path: Path) -> None:
    assert leaks._organisation_words(tmp_path) == set()


def test_default_settings_come_from_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(LEAKS_FIXTURES / "config", tmp_path / "config")
    for marker in ("params.yaml", "dvc.yaml"):
        (tmp_path / marker).write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_ROOT", str(tmp_path))
    assert load_settings().min_number_digits == 5


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- a\n- b\n", "innehåller inga inställningar"),
        ("stop_words: bup\n", "'stop_words' är inte en lista"),
        ("min_number_digits: sex\n", "'min_number_digits' är inte ett heltal"),
        ("min_name_length: -1\n", "'min_name_length' är inte ett heltal"),
        # exclusions narrow to files or folders two levels down, never a whole tree
        (
            'staged_exclude: ["tests/**"]\n',
            r"undantaget 'tests/\*\*' i staged_exclude är för brett",
        ),
        ('staged_exclude: ["*.csv"]\n', "för brett"),
        ('staged_exclude: ["**"]\n', "för brett"),
        ('staged_exclude: ["*/fixtures/**"]\n', "för brett"),
    ],
)
def test_malformed_settings_are_swedish_input_errors(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "leaks.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=problem) as caught:
        load_settings(path)
    assert caught.value.path == str(path)


def test_missing_settings_use_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "leaks.yaml"
    path.write_text("stop_words: [bup]\n", encoding="utf-8")
    s = load_settings(path)
    assert (s.min_number_digits, s.min_name_length, s.match_genitive) == (6, 2, True)
    assert s.identifying_columns == frozenset() and s.stop_words == {"bup"}


# --- name lists (package resources, not the file system next to the module) --------------


def test_name_lists_are_package_resources() -> None:
    folder = leaks._names_folder()
    assert folder.is_dir()
    assert (folder / "name_words.txt").is_file()
    assert "dag" in leaks._name_words()
    assert leaks._protected_phrases_re().search("ingen behörighet i Mina Planer")


def test_name_list_is_the_redactions(small_settings: leaks.LeakSettings) -> None:
    from samverkan.privacy import redaction

    names = leaks._name_list(small_settings)
    assert names == {n.casefold() for n in redaction.known_names()}
    assert {"anna", "andersson"} <= names


def test_name_list_falls_back_to_the_files_then_to_leaks_yaml(
    small_settings: leaks.LeakSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samverkan.privacy import redaction

    def broken() -> frozenset[str]:
        raise OSError("lists missing")

    monkeypatch.setattr(redaction, "known_names", broken)
    from_files = leaks._name_list(small_settings)
    assert from_files == leaks._read_name_files()
    assert "anna" in from_files
    monkeypatch.setattr(leaks, "_read_name_files", set)
    assert leaks._name_list(small_settings) == {"zelda", "rosenqvist"}


# --- raw identifiers ---------------------------------------------------------------------


def _collector(settings: leaks.LeakSettings) -> leaks._RawIdentifiers:
    return leaks._RawIdentifiers(settings, frozenset({"per", "anna", "zelda"}))


def test_identifying_cell_gives_words_and_full_names(small_settings) -> None:
    raw = _collector(small_settings)
    raw.add_cell("Per Bup, anna.x@exempel.se; Zelda Ek", identifying=True, case_number=False)
    # words shorter than min_name_length (3) and stop words are no names; the e-mail
    # address is cut out; "Per Bup" is a full name because "bup" alone is a stop word
    assert raw.names == {"per", "zelda"}
    assert raw.phrases == {("per", "bup")}


def test_case_number_cell_gives_long_numbers_only(small_settings) -> None:
    raw = _collector(small_settings)
    raw.add_cell("Ärende 4711-0815, rum 12", identifying=False, case_number=True)
    assert raw.numbers == {"47110815"}
    assert not raw.names


def test_free_text_cell_gives_phones_and_context_names(small_settings) -> None:
    raw = _collector(small_settings)
    raw.add_cell(f"Mamman Zelda nås på {PHONE}", identifying=False, case_number=False)
    assert "zelda" in raw.names
    assert {"0701234567", "46701234567"} <= raw.numbers


def test_raw_file_header_row_below_a_title(tmp_path: Path, small_settings) -> None:
    path = tmp_path / "a__form.csv"
    path.write_text("Export;;\nÄrendenummer;Namn;Text\n123456;Zelda Rosenqvist;ok\n", "utf-8")
    raw = _collector(small_settings)
    raw.add_file(path)
    known = raw.known()
    assert isinstance(known, KnownIdentifiers)
    assert known.names == {"zelda", "rosenqvist"} and known.numbers == {"123456"}


def test_raw_exports_are_the_tables_only(tmp_path: Path) -> None:
    for name in ("b/x.xlsx", "a.csv", "c.TSV", "notes.md", "d.xlsm", "e.parquet"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in leaks._raw_exports(tmp_path)]
    assert found == ["a.csv", "b/x.xlsx", "c.TSV", "d.xlsm"]


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("x.csv", b"\x00\x01binary", "är ingen textfil"),
        ("x.xlsx", b"not a workbook", "kalkylbladet kan inte öppnas"),
    ],
)
def test_unreadable_raw_exports_are_swedish_input_errors(
    tmp_path: Path, name: str, data: bytes, problem: str
) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError, match=problem):
        list(leaks._read_raw_rows(tmp_path / name))


# --- the digit alphabet in code is no phone number ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0123456789", True),
        ("012345678", True),
        ("+12345678", True),
        ("0123-45 67 89", False),  # written like a phone number: still checked
        ("0123456780", False),
        ("0701234567", False),
        ("０１２３４５６７８９", False),  # only the ASCII digit alphabet
    ],
)
def test_is_digit_sequence(text: str, expected: bool) -> None:
    assert leaks._is_digit_sequence(text) is expected


def test_digit_alphabet_in_code_is_not_a_phone_but_a_real_phone_is(tmp_path: Path) -> None:
    path = tmp_path / "deid.py"
    path.write_text(
        '_DECODE = str.maketrans("abcdefghij", "0123456789")\n'
        '_ENCODE = str.maketrans("0123456789", "abcdefghij")\n'
        'CONTACT = "0701234567"  # a real phone number written in code\n'
        f'OTHER = "{PHONE}"\n'
        'SEPARATED = "0123-45 67 89"\n',
        encoding="utf-8",
    )
    findings = scan_paths([path], None)
    assert [(f.location, f.kind) for f in findings] == [
        ("rad 3", "telefon"),
        ("rad 4", "telefon"),
        ("rad 5", "telefon"),
    ]


def test_digit_alphabet_from_the_raw_data_is_still_found(tmp_path: Path) -> None:
    known = KnownIdentifiers(numbers=frozenset({"0123456789"}))
    path = tmp_path / "x.py"
    path.write_text('DIGITS = "0123456789"\n', encoding="utf-8")
    assert [f.kind for f in scan_paths([path], known)] == ["nummer från rådata"]


# --- the staged-file guard ---------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_staged_python_files(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "config").mkdir()
    for name in ("leaks.yaml", "organisations.yaml"):
        shutil.copy2(CONFIG / name, tmp_path / "config" / name)
    (tmp_path / "bench.py").write_text(
        '_DECODE = str.maketrans("abcdefghij", "0123456789")\n', encoding="utf-8"
    )
    (tmp_path / "contact.py").write_text(f'PHONE = "{PHONE}"\n', encoding="utf-8")
    _git(tmp_path, "add", "bench.py", "contact.py")
    findings = scan_staged(tmp_path)
    assert [(f.file, f.location, f.kind) for f in findings] == [("contact.py", "rad 1", "telefon")]


def test_staged_names_skip_the_excluded(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    for name in ("a.py", "tests/b.py", "tests/fixtures/x/c.csv", "docs/c.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")
    _git(tmp_path, "add", ".")
    every = ["a.py", "docs/c.md", "tests/b.py", "tests/fixtures/x/c.csv"]
    assert sorted(leaks._staged_names(tmp_path)) == every
    # `*` stays inside one folder, `**` spans folders
    assert sorted(leaks._staged_names(tmp_path, ("tests/*.py",))) == every[:2] + every[3:]
    assert sorted(leaks._staged_names(tmp_path, ("tests/fixtures/**",))) == every[:3]
    assert sorted(leaks._staged_names(tmp_path, ("*",))) == every[1:]


@pytest.mark.parametrize(
    ("pattern", "narrow"),
    [
        ("config/leaks.yaml", True),
        ("tests/fixtures/**", True),
        ("tests/privacy/test_*.py", True),
        ("samverkan/privacy/names/**", True),
        ("tests/**", False),
        ("**", False),
        ("*.py", False),
        ("", False),
    ],
)
def test_narrow_exclusions(pattern: str, narrow: bool) -> None:
    assert leaks._narrow_exclusion(pattern) is narrow


def test_a_case_id_of_digits_only_is_not_a_phone() -> None:
    """Case ids are a term and 10 hex digits; some are all digits and look like a mobile
    number (found in a demo sheet once the scanner covered data/coding)."""
    from samverkan.privacy.leaks import _Scanner, load_settings

    scanner = _Scanner(None, load_settings(CONFIG / "leaks.yaml"))
    assert scanner.scan("Fall 2024HT-0701234591 och 2024HT-07a1234591") == []
    assert [h[2] for h in scanner.scan("Ring 070-123 45 91")] == ["telefon"]


def test_a_row_of_table_cells_in_pdf_text_is_not_a_phone() -> None:
    """PDF text joins a table row's cells with spaces; counts like these once stopped
    make report as a "phone". A phone written in groups is still found."""
    from samverkan.privacy.leaks import _Scanner, load_settings

    scanner = _Scanner(None, load_settings(CONFIG / "leaks.yaml"))
    assert scanner.scan("Vuxenpsykiatri 0 5 0 13 6 0 0 24") == []
    assert scanner.scan("Totalt 0 7 7 4 0 0 0 0 18") == []
    assert [h[2] for h in scanner.scan("ring 0 70 123 45 67")] == ["telefon"]
