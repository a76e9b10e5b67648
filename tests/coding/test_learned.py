"""The learned suggestions: features equal the fitted vectorizer, deterministic fits, training
from the analysts' sheets and the codebook's examples, leave-one-term-out, the blend."""

from __future__ import annotations

import shutil

import numpy as np
from coding_helpers import BOOK, make_cases
from openpyxl import load_workbook
from sklearn.feature_extraction.text import TfidfVectorizer

from samverkan.coding import learned, suggest
from samverkan.coding.codebook import codebook_from_dict
from samverkan.coding.sheet import SHEET, update_sheet

# a tiny codebook: "vatten" has no triggers at all, only examples; "el" has one rule
TINY = {
    "version": "1",
    "categories": [{"id": "a", "label": "A"}, {"id": "ovr", "label": "Övrigt"}],
    "causes": [
        {
            "id": "vatten",
            "label": "Vatten",
            "category": "a",
            "definition": "d",
            "exempel": [
                "Källaren översvämmades efter regnet.",
                "Vattnet forsade in genom taket.",
                "Det läckte vatten från röret i köket.",
                "Översvämning i tvättstugan igen.",
            ],
        },
        {
            "id": "el",
            "label": "El",
            "category": "a",
            "definition": "d",
            "triggers": {"termer": ["strömavbrott*"]},
            "exempel": [
                "Strömavbrott hela natten.",
                "Elen gick i hela huset.",
                "Säkringen löste ut och lamporna slocknade.",
            ],
        },
    ],
    "exempel_utan_orsak": ["Allt fungerade som det skulle.", "Mötet gick bra och alla kom."],
}


def _tiny():
    return codebook_from_dict(TINY)


def test_fast_transform_equals_the_fitted_vectorizer():
    book = _tiny()
    examples = learned.codebook_examples(book)
    model = learned.fit_model(examples, book)
    texts = [e.text for e in examples] + ["Ingen källare och inget vatten, [NAMN] ringde.", ""]
    vec = TfidfVectorizer(analyzer=learned.analyze, sublinear_tf=True, min_df=2)
    vec.fit([e.text for e in examples])
    want = vec.transform(texts).toarray()
    got = model.transform(texts).toarray()
    assert got.shape == want.shape
    assert np.allclose(got, want)


def test_repeated_features_are_summed_exactly_as_by_sorting_each_row():
    """transform looks up a batch's features in numpy and sums the repeated ones by way of
    CSC: bit for bit the TF-IDF rows of analyze()'s features summed in a row-sorted CSR (the
    probabilities must not move)."""
    from array import array

    import scipy.sparse as sp

    book = _tiny()
    model = learned.fit_model(learned.codebook_examples(book), book)
    texts = ["Källaren källaren källare, vatten i källaren.", "", "Elen elen gick i huset."]
    texts += ["Ingen källare och inget vatten, [NAMN] ringde.", "inte", "Inte el inte vatten ej"]
    texts += [e.text for e in learned.codebook_examples(book)]
    ids, indptr = array("i"), [0]  # the oracle: analyze()'s features the model knows
    for text in texts:
        ids.extend(model.vocabulary[f] for f in learned.analyze(text) if f in model.vocabulary)
        indptr.append(len(ids))
    ref = sp.csr_matrix(
        (np.ones(len(ids), dtype=np.int32), np.frombuffer(ids, dtype=np.intc), indptr),
        shape=(len(texts), len(model.idf)),
    )
    ref.sum_duplicates()  # sorts each row
    assert ref.data.max() > 1  # some feature repeats
    ref = ref.astype(np.float64)
    ref.data = (np.log(ref.data) + 1.0) * model.idf[ref.indices]
    norms = np.sqrt(np.asarray(ref.multiply(ref).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    ref = sp.diags(1.0 / norms) @ ref
    got = model.transform(texts)
    for a, b in ((got.indptr, ref.indptr), (got.indices, ref.indices), (got.data, ref.data)):
        assert np.array_equal(a, b)


def test_fit_is_deterministic_and_learns_a_cause_without_triggers():
    book = _tiny()
    one = learned.fit_model(learned.codebook_examples(book), book)
    two = learned.fit_model(learned.codebook_examples(book), book)
    assert one.thresholds == two.thresholds and np.array_equal(one.coef, two.coef)
    prob = one.probabilities(["Källaren var översvämmad av vatten.", "Mötet gick bra."])
    k = one.causes.index("vatten")
    assert prob[0, k] > prob[1, k]


def test_no_model_without_examples_or_when_turned_off():
    book = _tiny()
    assert learned.fit_model([], book) is None
    off = codebook_from_dict({**TINY, "modell": {"använd": False}})
    assert learned.fit_model(learned.codebook_examples(off), off) is None


def test_blend_explains_rule_and_model_suggestions():
    book = _tiny()
    model = learned.fit_model(learned.codebook_examples(book), book)
    model.thresholds["vatten"] = 0.0  # make the model suggest it, to test the explanation
    found = suggest.explain(["Strömavbrott i källaren."], book, model)[0]
    assert found["el"].words == "strömavbrott"  # the rule's own word
    assert found["vatten"].words  # the model's strongest words in the text
    assert {s.strength for s in found.values()} <= {suggest.STRONG, suggest.POSSIBLE}
    assert suggest.suggest_causes(["Strömavbrott i källaren."], book, model) == [set(found)]
    assert suggest.suggest_causes(["Strömavbrott."], book, None) == [{"el"}]


def _coded_sheet(tmp_path, term: str, texts: dict[str, str], ticks: dict[str, list[str]]):
    """A term's coding sheet with analyst 1's ticks: {case suffix: [cause ids]}."""
    path = tmp_path / "coding" / term / "kodning.xlsx"
    path.parent.mkdir(parents=True)
    update_sheet(make_cases(texts, term=term), path, BOOK)
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols = {c.value: c.column for c in ws[1] if c.value}
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for key, causes in ticks.items():
        for cause in causes:
            header = f"A1: {BOOK.cause(cause).label} [{cause}]"
            ws.cell(rows[f"{term}-{key}"], cols[header]).value = "x"
        if not causes:
            ws.cell(rows[f"{term}-{key}"], cols["A1: inga orsaker"]).value = "x"
    wb.save(path)
    return path


def test_sheet_examples_are_the_hand_coded_rows_only(tmp_path):
    texts = {"0000000001": "Ingen svarade i telefon.", "0000000002": "Allt gick bra.",
             "0000000003": "Inte kodad än."}  # fmt: skip
    path = _coded_sheet(tmp_path, "2025VT", texts, {"0000000001": ["kommunikation"],
                                                    "0000000002": []})  # fmt: skip
    got = learned.sheet_examples(path, BOOK, "2025VT")
    assert [(e.text, set(e.causes)) for e in got] == [
        ("Ingen svarade i telefon.", {"kommunikation"}),
        ("Allt gick bra.", set()),
    ]
    assert learned.project_sheets(tmp_path / "coding") == [path]


def test_leave_one_term_out_holds_each_term_out(tmp_path):
    for term in ("2024HT", "2025VT"):
        _coded_sheet(
            tmp_path,
            term,
            {"0000000001": "Psykiatrin uteblev från SIP-mötet.", "0000000002": "Allt gick bra."},
            {"0000000001": ["sip"], "0000000002": []},
        )
    got = suggest.leave_one_term_out(tmp_path / "coding", BOOK)
    assert got["n_terms"] == 2 and got["n_cases"] == 4
    assert got["rules_only"]["f1"] == 1.0
    assert 0.0 <= got["blend"]["f1"] <= 1.0
    assert suggest.leave_one_term_out(tmp_path / "nothing", BOOK)["n_cases"] == 0


def test_sheet_shows_words_and_strength_and_can_be_filtered(tmp_path):
    path = tmp_path / "kodning.xlsx"
    texts = {"00000000a1": "Psykiatrin uteblev från SIP-mötet och skickade ingen ersättare.",
             "00000000a2": "Allt fungerade bra."}  # fmt: skip
    model = learned.fit_model(learned.codebook_examples(BOOK), BOOK)
    update_sheet(make_cases(texts), path, BOOK, model)
    ws = load_workbook(path)[SHEET]
    cols = {c.value: c.column for c in ws[1] if c.value}
    why = ws.cell(2, cols["Förslag: grund (orden bakom förslaget)"]).value
    assert why.startswith("SIP: »") and why.endswith(")")
    strong, possible = (ws.cell(2, cols[h]).value for h in ("Förslag: starka", "Förslag: möjliga"))
    assert "SIP" in f"{strong}, {possible}"
    assert all(ws.cell(3, cols[h]).value is None for h in ("Förslag: starka", "Förslag: grund "
                                                           "(orden bakom förslaget)"))  # fmt: skip
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}3"


def test_parallel_suggestions_equal_one_process(monkeypatch):
    """Large batches go to forked workers in chunks (forced here on a small batch): the same
    causes, in the same order, as coding in this process."""
    book = BOOK
    model = learned.fit_model(learned.codebook_examples(book), book)
    texts = [e.text for e in learned.codebook_examples(book)] + [None, "", "[NAMN] ringde."]
    serial = suggest._causes_part(texts, book, model)
    calls = []
    forked = suggest._forked
    monkeypatch.setattr(suggest, "_forked", lambda *a: calls.append(a[3]) or forked(*a))
    monkeypatch.setattr(suggest, "_CHUNK", 7)
    monkeypatch.setattr(suggest, "_PARALLEL_FROM", 10)
    monkeypatch.setenv("SAMVERKAN_WORKERS", "2")
    assert suggest.suggest_causes(texts, book, model) == serial
    assert calls == [2]  # the forked path ran, with two workers
    assert suggest.suggest_causes(texts, book, None) == suggest._causes_part(texts, book, None)
    assert any(serial) and suggest._JOB is None


def test_leave_one_term_out_is_fitted_once_for_the_same_cases(tmp_path, monkeypatch):
    texts = {"0000000001": "Psykiatrin uteblev från SIP-mötet.", "0000000002": "Allt gick bra."}
    for term in ("2024HT", "2025VT"):
        _coded_sheet(tmp_path, term, texts, {"0000000001": ["sip"], "0000000002": []})
    fits: list[int] = []
    fit = learned.fit_model
    monkeypatch.setattr(
        learned, "fit_model", lambda ex, book: fits.append(len(ex)) or fit(ex, book)
    )
    memo = tmp_path / "cache" / "quality.json"
    plain = suggest.leave_one_term_out(tmp_path / "coding", BOOK)
    assert len(fits) == 2  # one per term held out
    first = suggest.leave_one_term_out(tmp_path / "coding", BOOK, memo)
    assert first == plain and len(fits) == 4
    again = suggest.leave_one_term_out(tmp_path / "coding", BOOK, memo)
    assert again == plain and len(fits) == 4  # from the memo: nothing fitted
    assert "Psykiatrin" not in memo.read_text(encoding="utf-8")  # figures only

    # an analyst codes one case otherwise: fitted again, and the figures follow
    shutil.rmtree(tmp_path / "coding" / "2025VT")
    _coded_sheet(tmp_path, "2025VT", texts, {"0000000001": ["sip"], "0000000002": ["sip"]})
    changed = suggest.leave_one_term_out(tmp_path / "coding", BOOK, memo)
    assert len(fits) == 6
    assert changed == suggest.leave_one_term_out(tmp_path / "coding", BOOK)
    assert changed["rules_only"] != plain["rules_only"]

    # another codebook: fitted again
    other = BOOK.model_copy(update={"negative_examples": ("Inget hände.",)})
    suggest.leave_one_term_out(tmp_path / "coding", other, memo)
    assert len(fits) == 10


def test_the_auto_coders_reading_gives_the_words_the_model_reads():
    """The coding step reads each text once (code_and_words) for the rules and the model:
    the words must be what the model reads on its own, and the causes what code() finds."""
    from samverkan.coding.autocode import _matcher
    from samverkan.coding.learned import words_of

    m = _matcher(BOOK)
    texts = [
        "SIP-mötet: [NAMN] ringde inte tillbaka om e-tjänsten.",
        "Kl. 10:30 kom besked -- via 1177:s e-tjänst: inget svar.",
        "İstanbul ΣΑΣ Straße ﬁx",  # lower-casing changes the length or depends on neighbours
        "",
        "...",
        "[PERSONNUMMER] [NAMN]",
        "a:b-c d--e f-:g -h i-",
    ]
    texts += [x for c in BOOK.causes for x in c.examples] + list(BOOK.negative_examples)
    for text in texts:
        causes, words = m.code_and_words(text)
        assert words == words_of(text), text
        assert causes == m.code(text), text
