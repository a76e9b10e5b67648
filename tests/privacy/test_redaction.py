"""De-identification: what must be redacted and what must survive."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import SHARED_TESTDATA
from identity import interim, pnr, samordningsnummer

from samverkan.privacy import redaction as deid
from samverkan.privacy.redaction import redact, redact_series

VECTORS = SHARED_TESTDATA / "personnummer"
FORMATS = ("long_format", "short_format", "separated_format", "separated_long")


# --- identity numbers: the public test vectors ------------------------------------------


def _vector_file(name: str) -> list[dict]:
    path = VECTORS / name
    if not path.exists():
        pytest.skip(f"test vectors not found at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def _valid_vector_strings() -> list[str]:
    out = []
    for name in ("list.json", "interim.json"):
        for rec in _vector_file(name):
            if rec["valid"]:
                out += [str(rec[f]) for f in FORMATS]
    structured = json.loads((VECTORS / "structured.json").read_text(encoding="utf-8"))
    for kind in structured.values():
        out += [str(v) for v in kind["string"]["valid"]]
        out += [str(v) for v in kind["integer"]["valid"]]
    return sorted(set(out))


def test_every_valid_vector_in_every_format_is_redacted() -> None:
    numbers = _valid_vector_strings()
    assert len(numbers) > 40
    for number in numbers:
        for template in ("{}", "Klientens pnr {} saknades.", "Född {}, bor i Malmö.", "({})"):
            text = template.format(number)
            out = redact(text)
            assert number not in out, (template, number)
            assert "[PERSONNUMMER]" in out, (template, number)


def test_valid_vectors_with_a_space_separator_are_redacted() -> None:
    for rec in _vector_file("list.json"):
        if rec["valid"]:
            spaced = rec["separated_long"].replace("-", " ").replace("+", " ")
            assert redact(f"Personnummer {spaced}.") == "Personnummer [PERSONNUMMER]."


def _grouped_forms(short: str, sep: str) -> list[str]:
    """A 10-digit number ``yymmdd-nnnn`` written with its date in groups, and with century."""
    yy, mm, dd, serial = short[:2], short[2:4], short[4:6], short[7:]
    plus = short[6]
    forms = [
        f"{yy}.{mm}.{dd}{plus}{serial}",
        f"{yy} {mm} {dd}{plus}{serial}",
        f"{yy}/{mm}/{dd}{plus}{serial}",
        f"{yy}{mm}{dd} {plus} {serial}",
        f"{yy}.{mm}.{dd}.{serial}" if plus == "-" else f"{yy}.{mm}.{dd}+{serial}",
    ]
    return [f.replace("-", sep) for f in forms]


def test_valid_vectors_in_every_separator_form_are_redacted() -> None:
    """Dotted, grouped and spaced forms of every valid vector; with century, too."""
    ZWSP, SHY = "\u200b", "\u00ad"
    wide = str.maketrans("0123456789", "".join(chr(0xFF10 + k) for k in range(10)))
    checked = 0
    for rec in _vector_file("list.json"):
        if not rec["valid"] or rec["type"] != "ssn":
            continue
        short, long_ = rec["separated_format"], rec["separated_long"]
        digits = short.replace("-", "").replace("+", "")
        forms = [
            *_grouped_forms(short, "-"),
            f"{long_[:4]}-{long_[4:6]}-{long_[6:8]}{long_[8:]}",  # century, date in groups
            f"{long_[:8]} {long_[9:]}",
            short[:3] + ZWSP + short[3:7] + SHY + short[7:],
            short.translate(wide),
            long_.translate(wide).replace("-", "\u2011"),
        ]
        for form in forms:
            out = redact(f"Klienten {form} väntar på svar.")
            assert out == "Klienten [PERSONNUMMER] väntar på svar.", form
            assert digits[-4:] not in out
            checked += 1
    assert checked > 40


def test_samordningsnummer_vectors_in_grouped_forms_are_redacted() -> None:
    from personnummer import personnummer as pn

    structured = json.loads((VECTORS / "structured.json").read_text(encoding="utf-8"))
    numbers = [str(v) for v in structured["con"]["string"]["valid"]] if "con" in structured else []
    numbers = [n for n in numbers if pn.valid(n) and "-" in n and len(n) == 11]
    for number in numbers:
        for form in _grouped_forms(number, "-"):
            assert redact(f"Snr {form} i remissen.") == "Snr [PERSONNUMMER] i remissen.", form


def test_a_wrong_check_digit_is_redacted_after_a_keyword_in_any_form() -> None:
    for rec in _vector_file("list.json"):
        if rec["valid"] or rec["type"] != "ssn" or rec["separated_format"].startswith("00"):
            continue
        short = rec["separated_format"]
        for kw in ("pnr", "personnummer", "p-nr", "samordningsnummer"):
            for form in [short, *_grouped_forms(short, "-")]:
                out = redact(f"Enligt {kw} {form} i ansökan.")
                assert short[-4:] not in out, (kw, form)


def test_redact_returns_normalised_text() -> None:
    text = "Mamman\u00a0ringde\u200b BUP\r\nigen ＳＩＰ\x0b klart"
    assert redact(text) == "Mamman ringde BUP\nigen SIP\n klart"
    assert redact(redact(text)) == redact(text)


def test_find_identity_numbers_returns_spans() -> None:
    first, second = pnr("19090527", 147, sep="+"), pnr("000229", 239)
    text = f"Pnr {first} och {second}."
    spans = deid.find_identity_numbers(text)
    assert [text[s:e] for s, e in spans] == [first, second]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # samordningsnummer (day + 60)
        (
            f"Samordningsnummer {samordningsnummer('730228', 993)}.",
            "Samordningsnummer [PERSONNUMMER].",
        ),
        # wrong check digit, but the context says it is an identity number
        ("pnr: 850312-1239 enligt remissen", "pnr: [PERSONNUMMER] enligt remissen"),
        ("Personnummer 19620303 1234 stod i mejlet.", "Personnummer [PERSONNUMMER] stod i mejlet."),
        # wrong check digit, plausible date + four digits
        ("Numret 19551122-0000 syns i LifeCare.", "Numret [PERSONNUMMER] syns i LifeCare."),
        ("Numret 199001151234 syns i LifeCare.", "Numret [PERSONNUMMER] syns i LifeCare."),
        # a typo: one digit short, but after a keyword
        ("personnr 19850312-123 i kallelsen", "personnr [PERSONNUMMER] i kallelsen"),
        # interim (reserve) number
        (
            f"Reservnummer {interim('20000101', 'T', 22)} användes.",
            "Reservnummer [PERSONNUMMER] användes.",
        ),
    ],
)
def test_identity_numbers_in_context(text: str, expected: str) -> None:
    assert redact(text) == expected


# --- phones, e-mail, addresses -----------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "070-123 45 67",
        "+46 70 123 45 67",
        "0046 70 123 45 67",
        "040-33 10 00",
        "08-123 456 78",
        "0701234567",
        "+46701234567",
        "0418-44 55 66",
        "(040) 33 10 00",
        "076 123 45 67",
        "+47 912 34 567",
    ],
)
def test_phone_forms(phone: str) -> None:
    text = f"Ring mamman på {phone} efter lunch."
    assert redact(text) == "Ring mamman på [TELEFON] efter lunch."
    spans = deid.find_phone_numbers(text)
    assert [text[s:e] for s, e in spans] == [phone]


def test_local_number_after_a_phone_keyword() -> None:
    assert redact("tel 33 10 00 (växeln)") == "tel [TELEFON] (växeln)"


@pytest.mark.parametrize(
    "text",
    [
        "Mötet hölls 2024-03-15 kl 13:00–14:30.",
        "Beslut 15/3 2024, verkställt 2024-04-02.",
        "Dnr SN 2023/0118 avser samma händelse.",
        "Ärendenummer 20240315-0047 i Ritz.",
        "Kostnaden var 45 000 kr per månad och 1 245 dagar gick.",
        "Under 2023 inkom 34 avvikelser, varav 12 rörde SIP.",
        "Patienten tar 50 mg sertralin och 2,5 mg Propavan.",
        "Telefontiden är 08.00–09.00 måndag till fredag.",
        "Ring 112 vid akut fara, ring 114 14 vid mindre brådskande ärenden.",
        "Klienten har ringt 1177 flera gånger.",
        "Klockan 07.45 kom ambulansen, 08.10 lämnade den.",
    ],
)
def test_numbers_that_are_not_personal_data_survive(text: str) -> None:
    assert redact(text) == text


def test_emails() -> None:
    text = "Mejla anna.persson@skane.se eller lars.ek(at)svedala.se i dag."
    assert redact(text) == "Mejla [E-POST] eller [E-POST] i dag."
    assert len(deid.find_emails(text)) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hon bor på Storgatan 12.", "Hon bor på [ADRESS]."),
        ("Adress: Västra Vägen 3 B, Vellinge.", "Adress: [ADRESS], Vellinge."),
        ("Flyttade till Kungsgatan 5 lgh 1102 i maj.", "Flyttade till [ADRESS] i maj."),
        ("Lägenheten, lgh 1102, är för liten.", "Lägenheten, [ADRESS], är för liten."),
        ("Bor på kyrkogatan 3 sedan i höstas.", "Bor på [ADRESS] sedan i höstas."),
        ("Ekgatan 7, 23132 Trelleborg.", "[ADRESS], [ADRESS] Trelleborg."),
        ("Postnummer 231 42 var fel.", "Postnummer [ADRESS] var fel."),
        ("Post skickas c/o Hassan till Malmö.", "Post skickas [ADRESS] till Malmö."),
    ],
)
def test_addresses(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_street_words_without_a_number_survive() -> None:
    text = "Personalen gick ut på gatan och sedan längs vägen mot Storgatan."
    assert redact(text) == text


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Klienten Anna Svensson ringde.", "Klienten [NAMN] ringde."),
        ("Mamman Fatima ringde till BUP.", "Mamman [NAMN] ringde till BUP."),
        ("Handläggaren Xiomara Qwerty ringde.", "Handläggaren [NAMN] ringde."),
        ("dr Berg och överläkare Lindqvist", "dr [NAMN] och överläkare [NAMN]"),
        ("Dr. Svensson var sjuk.", "Dr. [NAMN] var sjuk."),
        ("Annas mamma ringde.", "[NAMN] mamma ringde."),
        ("Anders' pappa ringde.", "[NAMN] pappa ringde."),
        ("Vi träffade Anna-Karin Svensson-Lind.", "Vi träffade [NAMN]."),
        ("Karin L. från BUP lovade återkomma.", "[NAMN] från BUP lovade återkomma."),
        ("Enligt K. Lindqvist fanns ingen plats.", "Enligt [NAMN] fanns ingen plats."),
        ("God man Lars-Erik Holm fick ingen kopia.", "God man [NAMN] fick ingen kopia."),
        ("Personligt ombud Göran Ek ringde.", "Personligt ombud [NAMN] ringde."),
        ("Kontaktperson: Liv Strand, LSS.", "Kontaktperson: [NAMN], LSS."),
        ("pratade med anna på vc", "pratade med [NAMN] på vc"),
        ("mamman fadumo ringde igen", "mamman [NAMN] ringde igen"),
        ("Goitom Tesfamariam skrevs ut.", "[NAMN] skrevs ut."),
        ("Dragana Petrović tog upp ärendet.", "[NAMN] tog upp ärendet."),
        ("Kemal Öztürk saknar BankID.", "[NAMN] saknar BankID."),
        ("Vi mötte Aino Virtanen.", "Vi mötte [NAMN]."),
        ("Klienten Hodan Mohamed Abdi fick ingen tolk.", "Klienten [NAMN] fick ingen tolk."),
        (
            "Patienten träffade Anna Lund på mottagningen.",
            "Patienten träffade [NAMN] på mottagningen.",
        ),
    ],
)
def test_names_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # names that are words: only with context
        ("Björn har varit på möte.", "[NAMN] har varit på möte."),
        ("Dag efter dag väntade familjen.", "Dag efter dag väntade familjen."),
        ("Kuratorn Dag Olsson ringde.", "Kuratorn [NAMN] ringde."),
        ("Rosa kläder, sol och vind.", "Rosa kläder, sol och vind."),
        ("Rosa har inte fått sin insulin.", "[NAMN] har inte fått sin insulin."),
        ("Vid mötet deltog Sol Andersson.", "Vid mötet deltog [NAMN]."),
        ("Hans mamma har ringt.", "Hans mamma har ringt."),
        ("Hans har ringt.", "[NAMN] har ringt."),
        (
            "Per telefon meddelades att Per har slutat.",
            "Per telefon meddelades att [NAMN] har slutat.",
        ),
        ("Stig gärna in på enheten.", "Stig gärna in på enheten."),
        ("Dottern till Stig Larsson hörde av sig.", "Dottern till [NAMN] hörde av sig."),
        ("Bo kvar i lägenheten var önskan.", "Bo kvar i lägenheten var önskan."),
        ("Alla har fått kallelsen.", "Alla har fått kallelsen."),
        ("Man kan inte boka tid.", "Man kan inte boka tid."),
        ("I juni stängde mottagningen.", "I juni stängde mottagningen."),
        ("Mötet 15 jan, sedan 15 Jan och 3 Maj.", "Mötet 15 jan, sedan 15 Jan och 3 Maj."),
        ("Vi pratade med Jan i går.", "Vi pratade med [NAMN] i går."),
        ("Lucia firades. Vi träffade Lucia Gomez.", "Lucia firades. Vi träffade [NAMN]."),
        ("Juni har gått på BUP sedan hon var tio.", "[NAMN] har gått på BUP sedan hon var tio."),
        # joined by och/eller to a name found otherwise
        ("Rosa och Sol från boendet kom inte.", "[NAMN] och [NAMN] från boendet kom inte."),
        ("Bo eller Stig Larsson ringer.", "[NAMN] eller [NAMN] ringer."),
        ("Vi åkte till Malmö och Lund.", "Vi åkte till Malmö och Lund."),
        ("Rosa och blå kläder.", "Rosa och blå kläder."),
    ],
)
def test_names_that_are_words(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pers mamma ringde.", "[NAMN] mamma ringde."),
        ("Björns skola har inte fått utredningen.", "[NAMN] skola har inte fått utredningen."),
        ("Ansvarig: Per N.; LSS", "Ansvarig: [NAMN]; LSS"),
        ("ring per karlsson imorgon", "ring [NAMN] imorgon"),
        (f"Pnr,{pnr('20100726', 895)},Pågående", "Pnr,[PERSONNUMMER],Pågående"),
        ("tel:0701234567", "tel:[TELEFON]"),
        ("Telefon: 070-123 45 67, 040-33 10 00.", "Telefon: [TELEFON], [TELEFON]."),
        ("Kl 08:30 ringde 0701234567.", "Kl 08:30 ringde [TELEFON]."),
        ("Vi pratade med Xiomara om planen.", "Vi pratade med [NAMN] om planen."),
        ("Asli har inte varit i skolan.", "[NAMN] har inte varit i skolan."),
        ("Yusra Ali Hassan bor kvar.", "[NAMN] bor kvar."),
        (
            "Från BUP deltog Fredrik och från skolan Lotta.",
            "Från BUP deltog [NAMN] och från skolan [NAMN].",
        ),
        ("HANS SVENSSON ringde. ANNA ringde.", "[NAMN] ringde. [NAMN] ringde."),
        ("OBS! INGEN FRÅN BUP KOM, SIP LSS LARO.", "OBS! INGEN FRÅN BUP KOM, SIP LSS LARO."),
        ("Mvh Björn", "Mvh [NAMN]"),
        (
            "Mamman (Sara) ringde. Pappan, Jonas, kom.",
            "Mamman ([NAMN]) ringde. Pappan, [NAMN], kom.",
        ),
        ("Ring 070 - 123 45 67 eller 070/1234567.", "Ring [TELEFON] eller [TELEFON]."),
        ("Pnr 850312 - 1234, mallen: ÅÅÅÅMMDD-XXXX.", "Pnr [PERSONNUMMER], mallen: ÅÅÅÅMMDD-XXXX."),
    ],
)
def test_forms_seen_in_exports(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Utskrivningsmeddelandet kom först efter 72 timmar.",
        "Informationen kunde inte överföras mellan LifeCare och Cosmic.",
        "Personen fick inte vara delaktig. Mannen blev bemött med misstro.",
        "Den planerade SIPen genomfördes inte.",
        "Vi har inte fatt nagon aterkoppling fran vardcentralen.",
        "Kontaktade Capio Citykliniken och Familjebehandlingen.",
        "Hon bor i Dalby och flyttade sedan till Kävlinge.",
        "Rutinen följdes inte och medicinen saknades.",
        "Vikt 70,5 kg; 0,5 mg.",
    ],
)
def test_swedish_words_and_units_in_no_list_survive(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "SIP-möte med BUP, LSS, LARO, VC, BVC, MVC, IVO och HVB.",
        "Region Skåne och Vårdsamverkan Skåne har en överenskommelse.",
        "Trelleborg, Svedala, Malmö, Vellinge och Lund deltog.",
        "Psykosmottagningen i Trelleborg skrev ut patienten.",
        "Mina Planer var nere och mina frågor besvarades inte.",
        "Lex Sarah-utredning och lex Maria-anmälan gjordes.",
        "Vårdcentralen Bara och vårdcentralen Anderslöv svarade inte.",
        "Han bor i Bara och var bara hemma i två dagar.",
        "Försäkringskassan, Arbetsförmedlingen och Kriminalvården deltog inte.",
        "Tekniska problem i Prorenata, LifeCare och Cosmic.",
        "Hemtjänsten besöker klienten fyra gånger per dag enligt SoL.",
        "Mötet hölls en måndag i april, och i maj kom beskedet.",
        "Klienten säger att livet känns meningslöst och att ingen lyssnar.",
        "Lägenheten var tom när personalen kom dit.",
        "Eken utanför boendet har fällts.",
        "Patienten tar Concerta och Melatonin.",
    ],
)
def test_units_places_and_words_survive(text: str) -> None:
    assert redact(text) == text


def test_everything_else_is_kept_exactly() -> None:
    text = "  Mamman  Fatima\tringde (igen!) –\n070-123 45 67 ;  SIP?  "
    assert redact(text) == "  Mamman  [NAMN]\tringde (igen!) –\n[TELEFON] ;  SIP?  "


def test_empty_and_missing() -> None:
    assert redact("") == ""
    assert redact("Inga personuppgifter här.") == "Inga personuppgifter här."
    assert deid.find_spans("") == []
    assert deid.find_identity_numbers("") == []
    assert deid.find_phone_numbers("") == []
    assert deid.find_emails("") == []


def test_redact_series_keeps_missing_values_and_index() -> None:
    s = pd.Series(["Mamman Fatima ringde.", None, pd.NA, "", "SIP med BUP."], index=[5, 6, 7, 8, 9])
    out = redact_series(s)
    expected = pd.Series(
        ["Mamman [NAMN] ringde.", None, pd.NA, "", "SIP med BUP."], index=[5, 6, 7, 8, 9]
    )
    pd.testing.assert_series_equal(out, expected)


def test_redact_series_on_string_dtype() -> None:
    s = pd.Series(["pnr 850312-1239", pd.NA], dtype="string", name="text")
    out = redact_series(s)
    assert out.iloc[0] == "pnr [PERSONNUMMER]"
    assert pd.isna(out.iloc[1])
    assert out.name == "text"


def test_known_names_has_swedish_and_international_names() -> None:
    names = deid.known_names()
    assert {"anna", "svensson", "mohammed", "abdi", "tesfay", "hodžić", "nowak"} <= names
    assert len(names) > 3000


def test_redact_many_gives_what_redact_gives_text_by_text() -> None:
    """The batched redaction of the ingest: every finder over all texts, then each text's
    findings merged; the same text out as redact(), overlaps and odd values included."""
    vectors = _valid_vector_strings()[:40]
    texts = [
        None,
        "",
        "   ",
        "Anna Berg ringde från 070-123 45 67 om remissen.",
        "Skickat till anna.berg@example.se och c/o Lars Ek, Storgatan 4, 222 21 Lund.",
        "Ｍａｍｍａｎ Fatima, tel ０７０-１２３４５６７, pnr 19850101-1234.",  # fullwidth
        "Мария и Иван из БУП пришли.",  # another script
        "SIP hölls med BUP och vårdcentralen Dalby den 3 maj.",
        *(f"Personnummer {v} gäller brukaren Per N. på LSS-boendet." for v in vectors),
    ]
    expected = [redact(t) for t in texts]
    assert deid.redact_many(texts) == expected
    found = " ".join(t for t in expected if t)
    assert "[TELEFON]" in found and "[NAMN]" in found and "[PERSONNUMMER]" in found
    assert deid.redact_many([]) == []
