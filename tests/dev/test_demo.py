"""The synthetic demo data: deterministic, complete, messy in every documented way, and
consistent with its own facit (checked by reading the files back independently)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from itertools import pairwise
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import CONFIG, ROOT
from personnummer import personnummer
from samverkan_dev.demo.generator import FACIT_COLUMNS, load_demo_data, write_demo_data

from samverkan.project.errors import InputError
from samverkan.project.vocabulary import load_vocabulary

TERMS = ("2024VT", "2024HT", "2025VT", "2025HT")
VOCAB = load_vocabulary(CONFIG)
CAUSES, CATEGORIES = VOCAB.causes, VOCAB.categories
WORLD = load_demo_data().world
COLLAB_TYPES = {key: e.collab_type for key, e in WORLD.exports.items() if e.collab_type}
RENAMES = {name: system.rename for name, system in WORLD.systems.items()}
FILE_RE = re.compile(r"^(\d{4}(?:VT|HT))/([a-z-]+)__(lifecare|prorenata|ritz|form)\.(csv|xlsx)$")
TEXT_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d")
RECEIVED = {
    "lifecare": "registreringsdatum",
    "prorenata": "skapad",
    "ritz": "rapporteringsdatum",
    "form": "inkommet",
}
TEXT = {
    "lifecare": "händelsebeskrivning",
    "prorenata": "beskrivning",
    "ritz": "händelsebeskrivning",
    "form": "beskrivning",
}
ID = {"lifecare": "avvikelsenummer", "prorenata": "ärende-id", "ritz": "ärendenummer"}
TYPE = {"lifecare": "avvikelsetyp", "prorenata": "kategori", "ritz": "kategori"}
EVENT = {"lifecare": "händelsedatum", "prorenata": "datum för händelse", "ritz": "händelsedatum"}
ACTION = {
    "lifecare": "vidtagen åtgärd",
    "prorenata": "åtgärder",
    "ritz": "åtgärd",
    "form": "vad hände sedan",
}
# the renamed headers map back to the standard ones
ALIASES = {new.casefold(): old.casefold() for old, new in RENAMES.values()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo") / "raw"
    manifest = write_demo_data(out, seed=20240101, terms=TERMS)
    return out, manifest


# ---- an independent reader (deliberately not samverkan.ingest.sources) ----------------------


def _norm(header: object) -> str:
    text = str(header or "").replace("\u00a0", " ").strip().rstrip(":").strip().casefold()
    return ALIASES.get(text, text)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, object]], bytes]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [_norm(h) for h in rows[0]]
    records = [dict(zip(header, r, strict=True)) for r in rows[1:] if any(c.strip() for c in r)]
    return rows[0], records, raw


def _read_xlsx(path: Path) -> tuple[list[str], list[dict[str, object]], list[list[object]]]:
    ws = openpyxl.load_workbook(path).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if sum(c is not None for c in r) >= 4)
    header = [_norm(h) for h in rows[start]]
    records = []
    for r in rows[start + 1 :]:
        if all(c is None for c in r) or str(r[0] or "").startswith("Totalt"):
            continue
        records.append(dict(zip(header, r, strict=True)))
    return rows[start], records, rows


def _read(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    header, records, _ = _read_csv(path) if path.suffix == ".csv" else _read_xlsx(path)
    return header, records


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    for fmt in TEXT_DATE_FORMATS:
        try:
            return dt.datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    return None


def _term_of(day: dt.date) -> str:
    return f"{day.year}{'VT' if day.month <= 6 else 'HT'}"


@pytest.fixture(scope="module")
def files(demo):
    """(term, org, system) -> (path, header, records, facit rows)."""
    out, manifest = demo
    facit: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for term in TERMS:
        with (out / "demo-facit" / f"{term}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                facit[(term, row["organisation"], row["system"])].append(row)
    result = {}
    for path in manifest.files:
        term, org, system, _ = FILE_RE.match(path.relative_to(out).as_posix()).groups()
        header, records = _read(path)
        result[(term, org, system)] = (path, header, records, facit[(term, org, system)])
    assert set(result) == set(facit)
    return result


def _sha(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---- tests ---------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(demo, tmp_path):
    out, _ = demo
    write_demo_data(tmp_path / "again", seed=20240101, terms=TERMS)
    first, second = _sha(out), _sha(tmp_path / "again")
    assert len(first) > 30
    assert first == second


def test_raw_files_are_readable_by_their_owner_only(demo):
    out, manifest = demo
    written = [*manifest.files, *manifest.facit.values(), manifest.planted]
    assert {p.stat().st_mode & 0o777 for p in written} == {0o600}
    folders = [out / t for t in TERMS] + [out / "demo-facit"]
    assert {p.stat().st_mode & 0o777 for p in folders} == {0o700}


def test_other_seed_gives_other_data(tmp_path):
    a = write_demo_data(tmp_path / "a", seed=1, terms=("2025VT",))
    b = write_demo_data(tmp_path / "b", seed=2, terms=("2025VT",))
    assert _sha(a.out_dir) != _sha(b.out_dir)


def test_layout_and_organisations_follow_config(demo):
    out, manifest = demo
    orgs = yaml.safe_load((CONFIG / "organisations.yaml").read_text("utf-8"))["organisations"]
    config_types = {
        (org, system): types[0]
        for org, spec in orgs.items()
        for system, types in spec["systems"].items()
        if types
    }
    assert config_types == COLLAB_TYPES
    for path in manifest.files:
        m = FILE_RE.match(path.relative_to(out).as_posix())
        assert m, path
        _, org, system, _ = m.groups()
        assert system in orgs[org]["systems"]
    assert sorted(p.name for p in (out / "demo-facit").iterdir()) == sorted(
        f"{t}.csv" for t in TERMS
    )
    assert (out / ".demo-planted.json").is_file()
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_every_system_and_six_organisations_each_term(files):
    for term in TERMS:
        keys = [k for k in files if k[0] == term]
        assert {k[2] for k in keys} == {"lifecare", "prorenata", "ritz", "form"}, term
        assert len({k[1] for k in keys}) >= 6, term


def test_facit_matches_the_files_row_by_row(files):
    for (term, org, system), (path, _, records, facit) in files.items():
        assert len(records) == len(facit), path
        for rec, truth in zip(records, facit, strict=True):
            assert list(truth) == list(FACIT_COLUMNS)
            if system in ID:
                assert str(rec[ID[system]]) == truth["source_id"], path
                is_collab = rec[TYPE[system]] == COLLAB_TYPES[(org, system)]
                assert is_collab == (truth["expected"] != "excluded"), (path, truth)
            else:
                assert truth["source_id"] == ""
            assert truth["expected"] in ("kept", "excluded", "duplicate", "quarantined")
            received = _date(rec[RECEIVED[system]])
            if system in EVENT and received is None and not str(rec[RECEIVED[system]]).strip():
                received = _date(rec[EVENT[system]])
            if truth["expected"] in ("kept", "excluded"):
                assert received is not None and _term_of(received) == term, (path, truth)
                assert str(rec[TEXT[system]] or "").strip(), (path, truth)
            if truth["expected"] == "quarantined":
                unusable = (
                    received is None
                    or _term_of(received) != term
                    or not str(rec[TEXT[system]] or "").strip()
                )
                assert unusable, (path, truth)
            if truth["expected"] == "kept":
                assert truth["causes"], (path, truth)
                assert set(truth["causes"].split(";")) <= set(CAUSES)
                assert truth["category"] in CATEGORIES


def test_kept_cases_per_term_within_range_with_trends(files):
    kept = Counter()
    causes: dict[str, Counter] = defaultdict(Counter)
    form = Counter()
    for (term, _, system), (*_, facit) in files.items():
        for row in facit:
            if row["expected"] == "kept":
                kept[term] += 1
                form[term] += system == "form"
                causes[term].update(row["causes"].split(";"))
    for term in TERMS:
        assert 40 <= kept[term] <= 150, (term, kept[term])
    all_causes = sum(causes.values(), Counter())
    assert set(all_causes) == set(CAUSES)
    share = {t: {c: causes[t][c] / kept[t] for c in CAUSES} for t in TERMS}
    assert share["2025HT"]["sip"] > share["2024VT"]["sip"]
    assert share["2025HT"]["tekniska_hinder"] < share["2024VT"]["tekniska_hinder"]
    assert form["2025HT"] > form["2024VT"]
    assert all_causes["resurser"] < all_causes["kommunikation"] / 4


def test_excluded_share_and_partial_actions(files):
    share: dict[str, list[float]] = defaultdict(list)
    for (term, _, system), (path, _, _, facit) in files.items():
        if system == "form":
            continue
        excluded = sum(r["expected"] == "excluded" for r in facit)
        assert 0.1 <= excluded / len(facit) <= 0.5, (path, excluded, len(facit))
        share[term].append(excluded / len(facit))
    for term, shares in share.items():
        assert 0.2 <= sum(shares) / len(shares) <= 0.4, term
    filled: dict[str, list[bool]] = defaultdict(list)
    for (_, org, system), (_, _, records, facit) in files.items():
        for rec, truth in zip(records, facit, strict=True):
            if truth["expected"] == "kept":
                filled[org].append(bool(str(rec[ACTION[system]] or "").strip()))
    for org, flags in filled.items():
        assert 0.3 <= sum(flags) / len(flags) <= 0.8, org


PERSON = {"lifecare": "personnummer", "prorenata": "personnr", "ritz": "personnummer"}


def _last_ten(number: object) -> str:
    return re.sub(r"\D", "", str(number or ""))[-10:]


def test_cross_party_duplicates_mirror_a_kept_case_in_other_words(files):
    """Each mirrored duplicate shares a facit incident id with one kept row of the other
    party: the same person's identity number, event dates at most a day apart, and a
    text in the other party's own words (no near-copy)."""
    incidents: dict[tuple[str, str], list[tuple[str, str, dict, dict]]] = defaultdict(list)
    for (term, org, system), (path, _, records, facit) in files.items():
        for rec, truth in zip(records, facit, strict=True):
            if truth["incident"]:
                assert truth["incident"].startswith(term), (path, truth)
                incidents[(term, truth["incident"])].append((org, system, rec, truth))
    mirrors = Counter()
    for (term, _), rows in incidents.items():
        assert len(rows) == 2, rows
        assert sorted(t["expected"] for *_, t in rows) == ["duplicate", "kept"], rows
        (_, sa, ra, ta), (_, sb, rb, tb) = rows
        assert {sa, sb} == {"lifecare", "ritz"}, rows
        assert ta["causes"] == tb["causes"]
        assert _last_ten(ra[PERSON[sa]]) == _last_ten(rb[PERSON[sb]]) != "", rows
        assert abs((_date(ra[EVENT[sa]]) - _date(rb[EVENT[sb]])).days) <= 1, rows
        text_a, text_b = str(ra[TEXT[sa]]), str(rb[TEXT[sb]])
        assert SequenceMatcher(None, text_a, text_b).ratio() < 0.5, (text_a, text_b)
        words_a, words_b = (set(re.findall(r"\w{2,}", t.casefold())) for t in (text_a, text_b))
        assert len(words_a & words_b) / len(words_a | words_b) < 0.6, (text_a, text_b)
        dup_system, dup = next((s, r) for _, s, r, t in rows if t["expected"] == "duplicate")
        if dup_system == "lifecare":
            assert dup["riktning"] == "Inkommande"
        mirrors[(term, dup_system)] += 1
    for term in TERMS:
        assert mirrors[(term, "ritz")] >= 2 and mirrors[(term, "lifecare")] >= 1, mirrors
    for path, _, _, facit in files.values():
        ids = Counter(t["source_id"] for t in facit)
        for truth in facit:  # every duplicate is a mirror or an exact copy within its file
            if truth["expected"] == "duplicate" and ids[truth["source_id"]] == 1:
                assert truth["incident"], (path, truth)


def test_collaboration_rows_carry_their_own_persons_number(files):
    """Grid exports carry an identity number on every collaboration row: the same number
    in the two reports of a mirrored incident; otherwise one person per incident, except
    a few people the region and a municipality reported in other incidents weeks apart
    (which linking must not take for one)."""
    owners: dict[tuple[str, str], dict[str, dt.date]] = defaultdict(dict)
    for (term, org, system), (path, _, records, facit) in files.items():
        if system == "form":
            assert not any(h.startswith("person") for h in records[0]), path
            continue
        for rec, truth in zip(records, facit, strict=True):
            number = _last_ten(rec[PERSON[system]])
            if truth["expected"] in ("kept", "duplicate"):
                assert len(number) == 10, (path, truth)
                owner = truth["incident"] or f"{org}/{system}/{truth['source_id']}"
                owners[(term, number)][owner] = _date(rec[EVENT[system]])
    again = 0
    for (term, _), incidents in owners.items():
        days = sorted(incidents.values())
        assert all((b - a).days > 20 for a, b in pairwise(days)), (term, incidents)
        again += len(days) > 1
    assert 1 <= again <= len(TERMS) * 4, again


def test_exact_duplicate_rows_within_a_file(files):
    found = 0
    for path, _, records, facit in files.values():
        by_id: dict[str, dict] = {}
        for rec, truth in zip(records, facit, strict=True):
            sid = truth["source_id"]
            if sid and sid in by_id:
                assert truth["expected"] == "duplicate"
                assert rec == by_id[sid], path
                found += 1
            by_id.setdefault(sid, rec)
    assert found >= len(TERMS)


def test_kept_texts_from_different_files_are_not_near_copies(files):
    for term in TERMS:
        cases = []
        for (t, org, system), (_, _, records, facit) in files.items():
            if t != term:
                continue
            for rec, truth in zip(records, facit, strict=True):
                if truth["expected"] == "kept" and system in EVENT:
                    cases.append(
                        (f"{org}/{system}", _date(rec[EVENT[system]]), str(rec[TEXT[system]]))
                    )
        for i, (fa, da, ta) in enumerate(cases):
            for fb, db, tb in cases[i + 1 :]:
                if fa != fb and abs((da - db).days) <= 3:
                    sm = SequenceMatcher(None, ta, tb)
                    assert sm.quick_ratio() < 0.6 or sm.ratio() < 0.6, (term, fa, fb)


def test_planted_identity_numbers(demo):
    out, _ = demo
    planted = json.loads((out / ".demo-planted.json").read_text("utf-8"))
    numbers = planted["personnummer"]
    valid = [n for n in numbers if n["valid"]]
    typos = [n for n in numbers if not n["valid"]]
    assert typos, "some numbers with a wrong check digit"
    for n in valid:
        assert personnummer.valid(n["text"]), n
        born = dt.date(int(n["digits"][:4]), int(n["digits"][4:6]), int(n["digits"][6:8]) % 60)
        assert dt.date(1915, 1, 1) <= born <= dt.date(2025, 12, 31), n
    for n in typos:
        assert not personnummer.valid(n["text"]), n
    texts = [n["text"] for n in valid]
    assert any(re.fullmatch(r"\d{8}-\d{4}", t) for t in texts)
    assert any(re.fullmatch(r"\d{12}", t) for t in texts)
    assert any(re.fullmatch(r"\d{6}-\d{4}", t) for t in texts)
    assert any(re.fullmatch(r"\d{6}\+\d{4}", t) for t in texts)
    coordination = [n["text"] for n in valid if n["id_kind"] == "samordningsnummer"]
    day = [re.fullmatch(r"\d{4}(\d\d)-\d{4}", t) for t in coordination]
    assert day and all(int(m.group(1)) > 60 for m in day)


def test_every_planted_item_is_in_the_files(demo, files):
    out, _ = demo
    planted = json.loads((out / ".demo-planted.json").read_text("utf-8"))
    blob = []
    for _, _, records, _ in files.values():
        blob += [str(v) for rec in records for v in rec.values() if v is not None]
    text = "\n".join(blob)
    kinds = ("personnummer", "names", "phones", "emails", "addresses")
    for kind in kinds:
        assert len(planted[kind]) >= 10, kind
        for item in planted[kind]:
            assert item["text"] in text, (kind, item)
    assert set(planted["all"]) == {i["text"] for k in kinds for i in planted[k]}
    forms = {n["form"] for n in planted["names"]}
    assert forms == {"full", "hyphen", "genitive", "title", "lower", "initials"}
    phones = [p["text"] for p in planted["phones"]]
    assert any(p.startswith("+46 70 ") for p in phones) and any(
        p.startswith("040-") for p in phones
    )
    assert any("lgh " in a["text"] for a in planted["addresses"])
    assert any(re.search(r"\d{3} \d{2} \w", a["text"]) for a in planted["addresses"])


def test_every_messy_variant_is_present(demo, files):
    out, _ = demo
    raw = {
        p: p.read_bytes() for p in out.rglob("*") if p.suffix == ".csv" and "facit" not in str(p)
    }
    assert any(b.startswith(b"\xef\xbb\xbf") for b in raw.values()), "utf-8 with BOM"
    plain_utf8 = [b for b in raw.values() if not b.startswith(b"\xef\xbb\xbf") and _utf8(b)]
    assert any(not b.isascii() for b in plain_utf8), "utf-8 without BOM"
    assert any(not _utf8(b) for b in raw.values()), "cp1252"
    assert sum(not _utf8(b) for b in raw.values()) > len(raw) / 2, "cp1252 is the most common"
    first_lines = [b.split(b"\n", 1)[0] for b in raw.values()]
    assert any(b"\t" in line for line in first_lines)
    assert any(b"," in line and b";" not in line for line in first_lines)
    assert any(b.rstrip(b"\r\n").endswith(b";;;;;;") for b in raw.values()), "trailing empty rows"
    assert any(re.search(rb'"[^"]*\r?\n[^"]*"', b) for b in raw.values()), (
        "line break in quoted field"
    )
    assert any(b'""' in b for b in raw.values()), "quotes inside quoted fields"

    flat = [str(h) for _, header, _, _ in files.values() for h in header]
    assert any("\u00a0" in h for h in flat)
    assert any(h.rstrip().endswith(":") for h in flat)
    assert any(h != h.strip() for h in flat)
    assert any(h.isupper() for h in flat) and any(h.islower() and len(h) > 8 for h in flat)
    for _, new in RENAMES.values():
        assert any(
            h.replace("\u00a0", " ").strip(" :").casefold() == new.casefold() for h in flat
        ), new
    for extra in ("Personnummer", "Patientnamn", "Telefon", "Handläggare"):
        assert extra in flat
    standard_orders = {
        tuple(_norm(h) for h in header)[:3] for (_, _, system), (_, header, _, _) in files.items()
    }
    assert len(standard_orders) > 4, "columns in different orders"

    xlsx = [p for p in out.rglob("*.xlsx")]
    title_rows, totals, excel_dates, text_dates_in_xlsx = set(), False, False, False
    for p in xlsx:
        _, _, rows = _read_xlsx(p)
        start = next(i for i, r in enumerate(rows) if sum(c is not None for c in r) >= 4)
        title_rows.add(start)
        totals |= any(str(r[0] or "").startswith("Totalt: ") for r in rows)
        excel_dates |= any(isinstance(c, dt.datetime) for r in rows for c in r)
        text_dates_in_xlsx |= any(
            isinstance(c, str) and re.fullmatch(r"\d{4}-\d\d-\d\d.*", c) for r in rows for c in r
        )
    assert {1, 2, 3} <= title_rows
    assert totals and excel_dates and text_dates_in_xlsx

    values = [
        str(v) for _, _, records, _ in files.values() for rec in records for v in rec.values()
    ]
    for pattern in (
        r"\d{4}-\d\d-\d\d \d\d:\d\d",
        r"\d\d/\d\d/\d{4}",
        r"\d\d\.\d\d\.\d{4}",
        r"\d{8}",
    ):
        assert any(re.fullmatch(pattern, v) for v in values), pattern
    assert "snart" in values or "okänt" in values or "vecka 12" in values
    assert any(re.fullmatch(r"31/0[29]/\d{4}", v) for v in values)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_xlsx_has_fixed_properties_and_zip_times(demo):
    import zipfile

    out, _ = demo
    for p in out.rglob("*.xlsx"):
        with zipfile.ZipFile(p) as z:
            assert {i.date_time for i in z.infolist()} == {(2024, 1, 1, 0, 0, 0)}
        wb = openpyxl.load_workbook(p)
        assert wb.properties.created == wb.properties.modified == dt.datetime(2024, 1, 1)


def test_refuses_a_folder_holding_other_exports(tmp_path):
    (tmp_path / "2025VT").mkdir()
    (tmp_path / "2025VT" / "malmo__lifecare.csv").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="inte är demodata"):
        write_demo_data(tmp_path, terms=("2025VT",))
    assert sorted(p.name for p in (tmp_path / "2025VT").iterdir()) == ["malmo__lifecare.csv"]


def test_rejects_a_bad_term_code(tmp_path):
    with pytest.raises(ValueError, match="term"):
        write_demo_data(tmp_path, terms=("2025",))


def test_form_rows_carry_the_key_ingest_derives(files):
    for (_, _, system), (path, _, _, facit) in files.items():
        keys = [t["form_key"] for t in facit if t["expected"] == "kept"]
        if system == "form":
            assert all(re.fullmatch(r"\d{4}-\d\d-\d\d\|[0-9a-f]{16}", k) for k in keys), path
            assert len(set(keys)) == len(keys), path
        else:
            assert set(keys) <= {""}, path


@pytest.mark.slow
def test_ingest_accounts_for_every_row_as_the_facit_says(demo, tmp_path):
    """Contract with samverkan.ingest.stage: its reconciliation per file equals the facit's."""
    import pandas as pd

    from samverkan.ingest.linking import DuplicateRule
    from samverkan.ingest.stage import ingest_term, make_case_id
    from samverkan.project.settings import load_params

    out, _ = demo
    params = dict(load_params(ROOT)["ingest"]["duplicates"])
    # the mirrored reports are in each party's own words: the keyed person pseudonym links them
    rule = DuplicateRule.from_params(params | {"link_by_person_id": True})
    secret = tmp_path / "secret"
    secret.write_bytes(os.urandom(32))
    secret.chmod(0o600)
    for term in ("2024VT", "2025HT"):  # the first and the last: enough, ingest is not cheap
        result = ingest_term(
            term,
            out / term,
            tmp_path / term,
            tmp_path / "q" / term,
            config_dir=CONFIG,
            duplicates=rule,
            secret_file=secret,
        )
        facit = pd.read_csv(out / "demo-facit" / f"{term}.csv", dtype=str, keep_default_na=False)
        facit["file"] = facit["organisation"] + "__" + facit["system"]
        want = facit.groupby(["file", "expected"]).size().unstack(fill_value=0)
        got = result.reconciliation[result.reconciliation["file"] != "TOTALT"].copy()
        got["file"] = got["file"].str.rsplit(".", n=1).str[0]
        got = got.set_index("file").sort_index()
        for column, expected in (
            ("kept", "kept"),
            ("excluded", "excluded"),
            ("duplicates", "duplicate"),
            ("quarantined", "quarantined"),
        ):
            wanted = want.get(expected, pd.Series(0, index=want.index)).sort_index()
            assert got[column].tolist() == wanted.tolist(), (term, column)
        kept = facit[facit["expected"] == "kept"]
        ids = {
            make_case_id(term, o, s, sid or key)
            for o, s, sid, key in zip(
                kept["organisation"],
                kept["system"],
                kept["source_id"],
                kept["form_key"],
                strict=True,
            )
        }
        assert ids == set(result.cases["case_id"]), term


# ---- follow-up fields (issue 12) ------------------------------------------------------------

FOLLOW_UP = {  # system -> (outcome column, feedback column or None), as _norm reads them
    "lifecare": ("uppföljning", "återkopplingsdatum"),
    "prorenata": ("uppföljning", None),
    "ritz": ("uppföljning", "återkoppling till anmälare"),
}


def test_follow_up_fields_where_the_system_has_them(files):
    """LifeCare, Prorenata and Ritz exports carry an outcome and (LifeCare, Ritz) a feedback
    date on part of their collaboration rows; the feedback comes after the report, within
    the term plus a month, more often when an action was written; the form has neither."""
    outcome_share, feedback_with, feedback_without = [], [], []
    for (term, _, system), (path, header, records, facit) in files.items():
        names = {_norm(h) for h in header}
        if system == "form":
            assert not names & {"uppföljning", "återkopplingsdatum"}, path
            continue
        out_col, fb_col = FOLLOW_UP[system]
        assert out_col in names and (fb_col is None or fb_col in names), path
        for rec, truth in zip(records, facit, strict=True):
            if truth["expected"] != "kept":
                continue
            outcome_share.append(bool(str(rec[out_col] or "").strip()))
            if fb_col is None:
                continue
            day = _date(rec[fb_col]) if str(rec[fb_col] or "").strip() else None
            received = _date(rec[RECEIVED[system]])
            if day is not None:
                assert received is not None and received < day, (path, rec[fb_col])
                last = dt.date(int(term[:4]), 6 if term.endswith("VT") else 12, 30)
                assert day <= last + dt.timedelta(days=32), (path, day)
            acted = bool(str(rec[ACTION[system]] or "").strip())
            (feedback_with if acted else feedback_without).append(day is not None)
    assert 0.2 <= sum(outcome_share) / len(outcome_share) <= 0.7
    assert sum(feedback_with) / len(feedback_with) > sum(feedback_without) / len(feedback_without)
    assert 0.1 <= sum(feedback_without) / len(feedback_without)
