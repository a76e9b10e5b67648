"""The leak scan's memory of clean files: a content it found clean is not read again, and
anything that could change the verdict (the file, its name, the raw data's identifiers,
the settings, the scanner's code) makes it read the file again."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from identity import pnr
from typer.testing import CliRunner

from samverkan.cli import app
from samverkan.privacy import leaks, scan_cache
from samverkan.privacy.leaks import KnownIdentifiers, load_settings, scan_paths
from samverkan.privacy.scan_cache import CleanScans, fingerprint

SECRET = b"s" * 32
PNR = pnr()


@pytest.fixture
def read_counter(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files whose content the scan reads (in this process)."""
    seen: list[str] = []
    original = leaks._blob_segments

    def counting(name, data, settings, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not args:  # the file itself, not a member of an archive
            seen.append(name)
        return original(name, data, settings, *args, **kwargs)

    monkeypatch.setattr(leaks, "_blob_segments", counting)
    monkeypatch.setattr(leaks, "PARALLEL_BYTES", 10**12)  # one process: the counter sees it
    return seen


def _scan(folder: Path, cache: CleanScans, known: KnownIdentifiers | None = None) -> list:
    found = scan_paths([folder], known, settings=load_settings(), cache=cache)
    cache.save()
    return found


def _cache(tmp_path: Path, known: KnownIdentifiers | None = None) -> CleanScans:
    scanner = fingerprint(load_settings(), known)
    return CleanScans.load(tmp_path / "cache" / "leak-scan.json", SECRET, scanner)


def test_a_clean_file_is_not_read_again_until_it_changes(
    tmp_path: Path, read_counter: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "tabell.csv").write_text("fall;antal\nx;3\n", encoding="utf-8")
    (out / "rapport.html").write_text("<p>Inga uppgifter</p>", encoding="utf-8")
    assert _scan(out, _cache(tmp_path)) == []
    assert sorted(read_counter) == ["rapport.html", "tabell.csv"]

    read_counter.clear()
    cache = _cache(tmp_path)
    assert _scan(out, cache) == [] and cache.hits == 2
    assert read_counter == []

    # the same name, new content with an identity number: read, and found
    (out / "rapport.html").write_text(f"<p>Gäller {PNR}</p>", encoding="utf-8")
    found = _scan(out, _cache(tmp_path))
    assert read_counter == ["rapport.html"]
    assert [f.kind for f in found] == ["personnummer"]

    # a finding is never remembered: the file is read every time
    read_counter.clear()
    assert _scan(out, _cache(tmp_path)) and read_counter == ["rapport.html"]


def test_the_same_content_under_another_name_is_read(
    tmp_path: Path, read_counter: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("inget här\n", encoding="utf-8")
    _scan(out, _cache(tmp_path))
    (out / "a.txt").rename(out / "a.csv")  # another kind of file: read another way
    read_counter.clear()
    _scan(out, _cache(tmp_path))
    assert read_counter == ["a.csv"]


def test_new_names_in_the_raw_data_make_every_file_read_again(
    tmp_path: Path, read_counter: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "text.txt").write_text("Mötet med Gunnel Frisk hölls i mars.\n", encoding="utf-8")
    assert _scan(out, _cache(tmp_path)) == []  # no raw data: a name alone is not known

    read_counter.clear()
    known = KnownIdentifiers(names=frozenset({"gunnel", "frisk"}))
    found = _scan(out, _cache(tmp_path, known), known)
    assert read_counter == ["text.txt"]
    assert [f.kind for f in found] == ["namn från rådata"]


def test_other_settings_or_scanner_code_change_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    before = fingerprint(settings, None)
    assert fingerprint(settings, None) == before  # the same in every call
    fewer = dataclasses.replace(settings, min_number_digits=settings.min_number_digits + 1)
    assert fingerprint(fewer, None) != before
    monkeypatch.setattr(scan_cache, "_code_digest", lambda: b"other code")
    assert fingerprint(settings, None) != before


def test_the_cache_holds_only_keys(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "Gunnel_Frisk.txt").write_text("Gunnel Frisk, Storgatan 3\n", encoding="utf-8")
    _scan(out, _cache(tmp_path))
    text = (tmp_path / "cache" / "leak-scan.json").read_text(encoding="utf-8")
    assert "Gunnel" not in text and "Storgatan" not in text and "out" not in text
    assert CleanScans.load(tmp_path / "cache" / "leak-scan.json", SECRET, b"x").clean
    # another secret: the same content gives another key
    other = CleanScans(b"t" * 32, b"x")
    assert other.key(b"data", "a.txt") != CleanScans(SECRET, b"x").key(b"data", "a.txt")


def test_a_damaged_cache_file_means_reading_everything(tmp_path: Path) -> None:
    path = tmp_path / "leak-scan.json"
    path.write_text("{not json", encoding="utf-8")
    assert CleanScans.load(path, SECRET, b"x").clean == {}
    path.write_text('{"version": 99, "clean": ["abc"]}', encoding="utf-8")
    assert CleanScans.load(path, SECRET, b"x").clean == {}


def _project(root: Path) -> None:
    (root / "config").mkdir(parents=True)
    repo_config = Path(__file__).resolve().parents[2] / "config"
    for name in ("leaks.yaml", "organisations.yaml"):
        (root / "config" / name).write_bytes((repo_config / name).read_bytes())
    (root / "params.yaml").write_text("terms: {}\nyears: {}\n", encoding="utf-8")
    (root / "reports").mkdir()
    (root / "reports" / "r.html").write_text("<p>Inga uppgifter</p>", encoding="utf-8")


def test_check_leaks_remembers_only_with_the_projects_secret(
    tmp_path: Path, read_counter: list[str]
) -> None:
    _project(tmp_path)
    env = {"SAMVERKAN_ROOT": str(tmp_path), "SAMVERKAN_SECRET_FILE": str(tmp_path / "none")}

    def check_leaks(*args: str) -> list[str]:
        """The files whose content this run read (but the log, which each run extends)."""
        read_counter.clear()
        result = CliRunner().invoke(app, ["check-leaks", *args], env=env)
        assert result.exit_code == 0, result.output
        return [name for name in read_counter if name != "samverkan.log"]

    assert check_leaks() == ["r.html"]
    assert check_leaks() == ["r.html"]  # no secret: nothing kept
    assert not (tmp_path / ".samverkan-cache").exists()

    secret = tmp_path / ".samverkan-secret"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    env["SAMVERKAN_SECRET_FILE"] = str(secret)
    assert check_leaks() == ["r.html"]
    assert (tmp_path / ".samverkan-cache" / "leak-scan.json").exists()
    assert check_leaks() == []  # unchanged since a clean scan: not read again
    assert check_leaks("--no-cache") == ["r.html"]


@pytest.mark.parametrize("reader", ["pypdf", "pypdfium2", "openpyxl", "pyarrow"])
def test_another_version_of_a_reader_changes_every_key(
    monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    from samverkan.project import memo

    settings = load_settings()
    before = fingerprint(settings, None)
    real = memo.metadata.version
    monkeypatch.setattr(
        memo.metadata, "version", lambda name: "0.0.1" if name == reader else real(name)
    )
    assert fingerprint(settings, None) != before
