"""Synthetic raw exports for demonstration and tests (``samverkan demo-data``).

``write_demo_data`` writes, for each term, one export per organisation and system in the
layout and with the messy variants described in docs/input-formats.md, plus two files
holding the truth:

- ``<out>/demo-facit/<TERM>.csv``: one line per data record of every file, with the causes
  and category the case was built from and what ingest is expected to do with the row
  (kept, excluded, duplicate or quarantined);
- ``<out>/.demo-planted.json``: every invented personal identifier planted in the files,
  so tests can scan all outputs for them independently of the project's own scanner.

Everything is invented: names are common first names combined with common surnames,
identity numbers get a correct check digit computed here (Luhn, as the ``personnummer``
package does), phone numbers are in the ranges the Swedish regulator set aside for
fiction, e-mail addresses use example domains. Output is byte-for-byte deterministic for
a seed: only ``random.Random(seed)`` is used, never the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from openpyxl import Workbook

from samverkan.project.atomic import workbook_bytes, write_bytes_atomic
from samverkan.project.errors import InputError
from samverkan.project.schema import CAUSES, TERM_PATTERN

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
)

# --------------------------------------------------------------------------------------
# The synthetic world: organisations, systems, columns, types (types agree with
# config/organisations.yaml; tests/test_demo.py checks that)
# --------------------------------------------------------------------------------------

COLUMNS = {
    "lifecare": [
        "Avvikelsenummer",
        "Registreringsdatum",
        "Händelsedatum",
        "Avvikelsetyp",
        "Rapporterande enhet",
        "Berörd part",
        "Riktning",
        "Händelsebeskrivning",
        "Vidtagen åtgärd",
        "Status",
    ],
    "prorenata": [
        "Ärende-ID",
        "Skapad",
        "Datum för händelse",
        "Kategori",
        "Skola/enhet",
        "Extern aktör",
        "Beskrivning",
        "Åtgärder",
        "Status",
    ],
    "ritz": [
        "Ärendenummer",
        "Rapporteringsdatum",
        "Händelsedatum",
        "Kategori",
        "Vårdenhet",
        "Extern part",
        "Händelsebeskrivning",
        "Orsak",
        "Åtgärd",
        "Allvarlighetsgrad",
    ],
    "form": [
        "Inkommet",
        "Kommun",
        "Berörda aktörer",
        "Beskrivning",
        "Vad hände sedan",
        "Anmälarens roll",
    ],
}
# Logical fields -> column per system
_F = {
    "lifecare": {
        "id": "Avvikelsenummer",
        "received": "Registreringsdatum",
        "event": "Händelsedatum",
        "type": "Avvikelsetyp",
        "text": "Händelsebeskrivning",
        "action": "Vidtagen åtgärd",
    },
    "prorenata": {
        "id": "Ärende-ID",
        "received": "Skapad",
        "event": "Datum för händelse",
        "type": "Kategori",
        "text": "Beskrivning",
        "action": "Åtgärder",
    },
    "ritz": {
        "id": "Ärendenummer",
        "received": "Rapporteringsdatum",
        "event": "Händelsedatum",
        "type": "Kategori",
        "text": "Händelsebeskrivning",
        "action": "Åtgärd",
    },
    "form": {
        "id": None,
        "received": "Inkommet",
        "event": None,
        "type": None,
        "text": "Beskrivning",
        "action": "Vad hände sedan",
    },
}
# The renames a newer system version makes (used in some files).
RENAMES = {
    "lifecare": ("Händelsebeskrivning", "Beskrivning av händelse"),
    "ritz": ("Rapporteringsdatum", "Rapportdatum"),
    "prorenata": ("Skapad", "Skapad datum"),
    "form": ("Inkommet", "Datum"),
}
COLLAB_TYPES = {
    ("svedala", "lifecare"): "Avvikelse extern aktör",
    ("svedala", "prorenata"): "Avvikelse extern aktör",
    ("vellinge", "lifecare"): "Extern aktör psykiatri",
    ("vellinge", "prorenata"): "Avvikelse extern aktör",
    ("trelleborg", "lifecare"): "Avvikelse extern psykiatri",
    ("trelleborg", "prorenata"): "Avvikelse extern aktör",
    ("region-skane", "ritz"): "Klagomål och externt inkomna avvikelser",
}
OTHER_TYPES = {
    "lifecare": ["Fall", "Läkemedelsavvikelse", "Avvikelse intern", "Hot och våld"],
    "prorenata": ["Avvikelse intern", "Journalföring", "Vaccination"],
    "ritz": ["Vårdskada", "Läkemedelsavvikelse", "Fall", "Klagomål vård", "Avvikelse intern"],
}
OTHER_TEXTS = {
    "lifecare": [
        "Brukaren föll i badrummet under natten, inga synliga skador.",
        "Fel dos av kvällsmedicinen gavs vid ordinarie tid.",
        "Dubbelbemanning saknades vid förflyttning på morgonen.",
        "Nyckeln till brukarens bostad kom bort under passet.",
        "Trygghetslarmet fungerade inte vid kontroll.",
        "Brukaren hotade personal verbalt vid besöket.",
    ],
    "prorenata": [
        "Vaccinationsjournalen saknade uppgift om tidigare dos.",
        "Elevens journalanteckning registrerades på fel elev och rättades.",
        "Hälsobesöket genomfördes inte på grund av schemakrock.",
        "Journalen var inte signerad efter besöket.",
    ],
    "ritz": [
        "Patienten fick fel läkemedel vid utdelningen.",
        "Fall i korridoren på avdelningen, patienten slog i armen.",
        "Remissvar försenat internt mellan två kliniker.",
        "Patienten klagade på lång väntetid på akutmottagningen.",
        "Provsvar saknades vid läkarbesöket.",
    ],
}
ORG_NAMES = {
    "svedala": "Svedala kommun",
    "vellinge": "Vellinge kommun",
    "trelleborg": "Trelleborgs kommun",
    "region-skane": "Region Skåne",
    "helsingborg": "Helsingborgs stad",
    "landskrona": "Landskrona stad",
    "angelholm": "Ängelholms kommun",
}
TOWN = {
    "svedala": ("Svedala", "233"),
    "vellinge": ("Vellinge", "235"),
    "trelleborg": ("Trelleborg", "231"),
    "helsingborg": ("Helsingborg", "252"),
    "landskrona": ("Landskrona", "261"),
    "angelholm": ("Ängelholm", "262"),
    "region-skane": ("Malmö", "214"),
}


@dataclass(frozen=True)
class Unit:
    """A unit or actor as written in an export, with the short name used in case text."""

    name: str
    short: str  # definite form, lower case, as in "vi har sökt {short}"
    child: bool = False
    ward: bool = False  # inpatient: discharge notices apply


def _u(name: str, short: str, child: bool = False, ward: bool = False) -> Unit:
    return Unit(name, short, child, ward)


KOMMUN_UNITS = {
    "svedala": [
        _u("Socialtjänsten Svedala, vuxenenheten", "vuxenenheten"),
        _u("Hemtjänsten Svedala", "hemtjänsten"),
        _u("LSS-handläggare Svedala", "LSS-handläggaren"),
        _u("Boendestöd Svedala", "boendestödet"),
        _u("Socialtjänsten Svedala, barn och familj", "barn och familj", child=True),
    ],
    "vellinge": [
        _u("Socialtjänsten Vellinge, vuxenenheten", "vuxenenheten"),
        _u("Hemtjänsten Vellinge", "hemtjänsten"),
        _u("LSS-handläggare Vellinge", "LSS-handläggaren"),
        _u("Socialtjänsten Vellinge, barn och familj", "barn och familj", child=True),
    ],
    "trelleborg": [
        _u("Socialtjänsten Trelleborg, vuxenenheten", "vuxenenheten"),
        _u("Hemtjänsten Trelleborg", "hemtjänsten"),
        _u("Boendestöd Trelleborg", "boendestödet"),
        _u("LSS-handläggare Trelleborg", "LSS-handläggaren"),
        _u("Socialtjänsten Trelleborg, barn och familj", "barn och familj", child=True),
    ],
    "helsingborg": [
        _u("Socialtjänsten Helsingborg, vuxenenheten", "socialtjänsten"),
        _u("Boendestöd Helsingborg", "boendestödet"),
        _u("Socialtjänsten Helsingborg, barn och familj", "socialtjänsten", child=True),
    ],
    "landskrona": [
        _u("Socialförvaltningen Landskrona", "socialtjänsten"),
        _u("Hemtjänsten Landskrona", "hemtjänsten"),
    ],
    "angelholm": [
        _u("Socialtjänsten Ängelholm", "socialtjänsten"),
        _u("Elevhälsan Ängelholm", "elevhälsan", child=True),
    ],
}
SCHOOL_UNITS = {
    "svedala": [
        _u("Elevhälsan Svedala", "elevhälsan", child=True),
        _u("Skolsköterska, Svedala skolområde", "skolsköterskan", child=True),
    ],
    "vellinge": [
        _u("Elevhälsan Vellinge", "elevhälsan", child=True),
        _u("Skolkurator, Vellinge skolområde", "skolkuratorn", child=True),
    ],
    "trelleborg": [
        _u("Elevhälsan Trelleborg", "elevhälsan", child=True),
        _u("Skolpsykolog, Trelleborgs grundskolor", "skolpsykologen", child=True),
    ],
}
REGION_ADULT = [
    _u("Psykosmottagningen Malmö", "psykosmottagningen"),
    _u("LARO-mottagningen Lund", "LARO-mottagningen"),
    _u("Vårdcentralen Anderslöv", "vårdcentralen"),
    _u("Vårdcentralen Svedala", "vårdcentralen"),
    _u("Vuxenpsykiatrin Trelleborg", "vuxenpsykiatrin"),
    _u("Allmänpsykiatrisk avdelning, SUS Malmö", "avdelningen", ward=True),
    _u("Beroendecentrum Malmö", "beroendecentrum"),
    _u("Vuxenhabiliteringen Malmö", "vuxenhabiliteringen"),
]
REGION_CHILD = [
    _u("BUP Trelleborg", "BUP", child=True),
    _u("BUP Malmö", "BUP", child=True),
    _u("Barn- och ungdomshabiliteringen", "habiliteringen", child=True),
    _u("BVC Svedala", "BVC", child=True),
    _u("Vårdcentralen Vellinge", "vårdcentralen", child=True),
]
REGION_NORTH = {
    "helsingborg": [
        _u("Psykiatrimottagningen Helsingborg", "psykiatrin"),
        _u("BUP Helsingborg", "BUP", child=True),
        _u("Vårdcentralen Drottninghög", "vårdcentralen"),
    ],
    "landskrona": [
        _u("Vuxenpsykiatrin Landskrona", "vuxenpsykiatrin"),
        _u("Vårdcentralen Landskrona", "vårdcentralen"),
    ],
    "angelholm": [
        _u("Psykiatrin Ängelholm", "psykiatrin"),
        _u("BUP Ängelholm", "BUP", child=True),
    ],
}
OTHER_ACTORS = [_u("Kriminalvården frivård Malmö", "frivården")]
# How the region writes a municipal counterpart in Ritz's "Extern part"
RITZ_EXTERN = {
    "svedala": [
        "Svedala kommun, socialtjänst",
        "Svedala kommun, hemtjänsten",
        "Elevhälsan Svedala",
    ],
    "vellinge": ["Vellinge kommun, socialtjänst", "Vellinge kommun, LSS", "Elevhälsan Vellinge"],
    "trelleborg": [
        "Trelleborgs kommun, socialtjänst",
        "Trelleborgs kommun, boendestöd",
        "Elevhälsan Trelleborg",
    ],
}
FORM_ROLES = [
    "Personligt ombud",
    "Brukarrepresentant",
    "Socialsekreterare",
    "Boendestödjare",
    "Sjuksköterska",
    "Anhörig",
]

# --------------------------------------------------------------------------------------
# Which files exist each term and how each is messed up. Terms are positions 0..3 (taken
# modulo 4 for other term lists). Spec tokens: kind, encoding, delimiter, date style, then
# flags: hdr=upper|lower|spaces|colon|nbsp, shuffle, extra=pii|staff|benign, rename,
# title=N, foot=total|blank, trail=N, xdate (Excel dates in xlsx).
# --------------------------------------------------------------------------------------

FILE_SPECS: dict[tuple[str, str], list[str | None]] = {
    ("svedala", "lifecare"): [
        "csv cp1252 ; isotime extra=pii trail=2",
        "csv cp1252 ; iso hdr=upper",
        "csv cp1252 ; dot extra=staff",
        "csv utf-8-sig ; isotime hdr=spaces shuffle",
    ],
    ("vellinge", "lifecare"): [
        "csv cp1252 ; slash hdr=colon",
        "csv utf-8-sig ; iso extra=pii",
        "xlsx - - - title=2 foot=total xdate",
        "csv cp1252 ; compact hdr=nbsp trail=3",
    ],
    ("trelleborg", "lifecare"): [
        "csv cp1252 ; iso shuffle extra=benign",
        "csv cp1252 , isotime hdr=lower",
        "csv cp1252 ; iso rename extra=pii",
        "csv cp1252 ; slash rename hdr=colon trail=1",
    ],
    ("svedala", "prorenata"): [
        "csv cp1252 ; iso",
        "csv utf-8 , iso extra=pii",
        "csv cp1252 ; slash hdr=nbsp",
        "xlsx - - iso title=1 foot=blank",
    ],
    ("vellinge", "prorenata"): [
        "csv cp1252 ; dot shuffle",
        None,
        "csv cp1252 ; iso hdr=upper",
        "csv cp1252 ; isotime rename extra=staff",
    ],
    ("trelleborg", "prorenata"): [
        "csv utf-8-sig ; iso hdr=spaces",
        "csv cp1252 ; compact",
        "csv cp1252 tab iso extra=benign",
        "xlsx - - - title=3 foot=total xdate shuffle",
    ],
    ("region-skane", "ritz"): [
        "xlsx - - - title=1 foot=total xdate extra=pii",
        "xlsx - - isotime title=2 foot=blank hdr=colon",
        "xlsx - - - title=3 foot=total xdate hdr=nbsp shuffle",
        "xlsx - - - title=2 foot=total xdate rename extra=staff",
    ],
    ("helsingborg", "form"): [
        "xlsx - - - title=1 foot=blank xdate",
        "csv utf-8-sig , iso",
        "xlsx - - dot title=2 foot=total hdr=lower",
        "csv utf-8 tab iso trail=2",
    ],
    ("landskrona", "form"): [
        "csv utf-8-sig , slash",
        "csv cp1252 ; iso hdr=colon",
        "csv utf-8 tab compact",
        "csv cp1252 ; iso rename hdr=spaces",
    ],
    ("angelholm", "form"): [
        None,
        None,
        "csv utf-8-sig ; iso shuffle",
        "csv cp1252 , dot",
    ],
}
# Collaboration cases each source reports itself per term position (before mirrors).
CASE_COUNTS = {
    ("svedala", "lifecare"): [10, 11, 12, 13],
    ("vellinge", "lifecare"): [8, 9, 10, 11],
    ("trelleborg", "lifecare"): [11, 12, 13, 14],
    ("svedala", "prorenata"): [4, 5, 5, 6],
    ("vellinge", "prorenata"): [3, 0, 4, 5],
    ("trelleborg", "prorenata"): [4, 5, 6, 6],
    ("region-skane", "ritz"): [16, 18, 19, 21],
    ("helsingborg", "form"): [5, 7, 9, 11],
    ("landskrona", "form"): [2, 3, 5, 7],
    ("angelholm", "form"): [0, 0, 3, 6],
}
# Share of cases with an action filled in, per organisation.
ACTION_SHARE = {
    "svedala": 0.65,
    "vellinge": 0.45,
    "trelleborg": 0.55,
    "region-skane": 0.7,
    "helsingborg": 0.5,
    "landskrona": 0.45,
    "angelholm": 0.5,
}
DATE_FORMATS = {
    "iso": ("%Y-%m-%d", "%Y-%m-%d"),
    "isotime": ("%Y-%m-%d %H:%M", "%Y-%m-%d"),
    "slash": ("%d/%m/%Y", "%d/%m/%Y"),
    "dot": ("%d.%m.%Y", "%d.%m.%Y"),
    "compact": ("%Y%m%d", "%Y%m%d"),
}

# --------------------------------------------------------------------------------------
# Case text: parts combined per case
# --------------------------------------------------------------------------------------

CAUSE_CATEGORY = {
    "sip": "rutiner",
    "rutiner": "rutiner",
    "kommunikation": "kommunikation_samverkan",
    "kompetens": "kommunikation_samverkan",
    "forstaelse": "kommunikation_samverkan",
    "bemotande": "kommunikation_samverkan",
    "helhetssyn": "individfokus_helhetssyn",
    "individfokus": "individfokus_helhetssyn",
    "tekniska_hinder": "tekniska_hinder",
    "resurser": "ovrigt",
}
CATEGORY_LABEL = {
    "rutiner": "Rutiner",
    "kommunikation_samverkan": "Kommunikation och samverkan",
    "individfokus_helhetssyn": "Individfokus och helhetssyn",
    "tekniska_hinder": "Tekniska hinder",
    "ovrigt": "Övrigt",
}
ORSAK_FREE = ["Bristande informationsöverföring", "Brist i samordning", "Oklar ansvarsfördelning"]

# (template, scope) with scope "any", "child", "adult" or "ward" (counterpart inpatient)
CAUSE_SENTENCES: dict[str, list[tuple[str, str]]] = {
    "kommunikation": [
        ("Vi har sökt {other} i {dur} utan återkoppling.", "any"),
        ("Trots {n} påminnelser via telefon och meddelande har {other} inte svarat.", "any"),
        ("Information om {info} fördes inte vidare från {other} till {own}.", "any"),
        (
            "{Other} och {own} har helt olika bild av {p_gen} behov och vi kommer inte vidare.",
            "any",
        ),
        ("Ingen återkoppling har kommit från {other} efter mötet den {date}.", "any"),
        ("Vi fick veta först i efterhand att {p} {event}.", "any"),
        ("Meddelandet till {other} besvarades aldrig och ärendet blev liggande.", "any"),
    ],
    "sip": [
        ("{Other} avbokade SIP-mötet samma dag och skickade ingen ersättare.", "any"),
        ("Kallelsen till SIP skickades {dur} i förväg men {other} har inte besvarat den.", "any"),
        ("SIP-mötet den {date} fick ställas in eftersom ingen från {other} kom.", "any"),
        (
            "Vi har begärt en samordnad individuell plan sedan {month} men ingen har tagit "
            "initiativ.",
            "any",
        ),
        (
            "Den SIP som gjordes i {month} har inte följts upp och ingen vet vem som är ansvarig.",
            "any",
        ),
        ("{Other} uteblev från samordningsmötet utan att meddela förhinder.", "any"),
        (
            "Den kallade läkaren kunde inte komma till SIP:en och ingen kollega skickades "
            "i stället.",
            "any",
        ),
    ],
    "rutiner": [
        ("{P} skrevs ut från {other} utan att utskrivningsmeddelandet kom till {own}.", "ward"),
        ("Inskrivningsmeddelande skickades aldrig till {own}.", "ward"),
        ("Remissen från {other} skickades till fel enhet och blev liggande i {dur}.", "any"),
        ("Rutinen för överföring vid {transition} följdes inte.", "any"),
        (
            "Det saknas en gemensam rutin för vem som kallar till uppföljning efter {transition}.",
            "any",
        ),
        ("Läkemedelslistan följde inte med vid överlämningen så som rutinen kräver.", "adult"),
        ("Vårdplanen skickades inte till {own} före hemgång.", "ward"),
    ],
    "helhetssyn": [
        (
            "{Other} tittade bara på den akuta situationen och inte på {p_gen} hela livssituation.",
            "any",
        ),
        (
            "Boendet och missbruket behandlades som två separata ärenden av {other} och {own}.",
            "adult",
        ),
        ("Varje aktör fokuserade på sitt eget uppdrag och ingen såg helheten.", "any"),
        ("Fokus låg enbart på medicineringen, inte på hur {p} klarar vardagen.", "adult"),
        (
            "Skolsituationen, hemmet och vården diskuterades var för sig utan att någon såg "
            "hela bilden.",
            "child",
        ),
    ],
    "individfokus": [
        ("{P} fick vänta på utredning eftersom skolan och BUP hänvisade till varandra.", "child"),
        (
            "Remissen skickades fram och tillbaka mellan {other} och {own} i {dur} medan {p} "
            "stod utan stöd.",
            "any",
        ),
        ("{P_gen} egna önskemål kom bort i diskussionen om ansvarsfördelningen.", "any"),
        ("{P} fick inte vara delaktig i planeringen och visste inte vad som skulle hända.", "any"),
        ("Insatserna från {other} avbröts när {p} fyllde 18 och ingen tog över.", "child"),
        ("Diskussionen handlade om vem som skulle betala, inte om vad {p} behövde.", "adult"),
    ],
    "kompetens": [
        ("Personalen på {other} kände inte till vad {own} kan erbjuda.", "any"),
        ("Det framkom att {other} saknade kunskap om LSS och vilka insatser som finns.", "adult"),
        ("Handläggaren kände inte till att {other} ansvarar för {responsibility}.", "any"),
        (
            "Det saknades kunskap hos {other} om hur {diag} påverkar {p_gen} förmåga att ta "
            "emot insatser.",
            "any",
        ),
    ],
    "forstaelse": [
        (
            "{Other} skickade ett mejl med krav på vad {own} skulle göra i stället för att vi "
            "löste det tillsammans.",
            "any",
        ),
        (
            "{Other} förväntade sig att {own} skulle ordna {thing}, vilket ligger utanför "
            "vårt uppdrag.",
            "any",
        ),
        (
            "Det finns ingen förståelse hos {other} för vad {own} faktiskt kan göra inom "
            "lagens ramar.",
            "any",
        ),
    ],
    "bemotande": [
        ("{Rel} upplevde att {pron} blev nonchalant behandlad i telefon av {other}.", "any"),
        ("{P} beskriver att personalen på {other} var otrevlig och avfärdande.", "any"),
        (
            '{Rel} blev tillsagd att "sluta ringa" när {pron} frågade efter en tid hos {other}.',
            "any",
        ),
        ("Bemötandet vid besöket hos {other} upplevdes som kränkande av {p}.", "any"),
    ],
    "resurser": [
        ("{Other} har just nu ingen läkare på plats och kan inte ta emot nya patienter.", "any"),
        ("Vakanta tjänster gör att {other} inte kan bemanna uppdraget förrän i {month}.", "any"),
        (
            "Enheten har stor personalbrist efter flera långa sjukskrivningar och har "
            "stängt för nybesök.",
            "any",
        ),
    ],
    "tekniska_hinder": [
        ("Vi kunde inte se planen i Mina Planer på grund av behörighetsfel.", "any"),
        ("Det gick inte att logga in i Mina Planer och kallelsen nådde aldrig {other}.", "any"),
        (
            "Meddelandet kom inte fram eftersom integrationen mot Mina Planer låg nere i {dur}.",
            "any",
        ),
        (
            "Personalen på {own} saknar behörighet i Mina Planer och fick därför ingen "
            "information.",
            "any",
        ),
        ("E-tjänsten för säkra meddelanden fungerade inte och remissen kunde inte skickas.", "any"),
    ],
}
CONTEXT_SENTENCES = {
    "adult": [
        "{P} har {diag} och insatser från både {own} och {other}.",
        "Ärendet gäller en {age}-årig {gender_noun} med {diag}.",
        "{P} är aktuell hos {own} sedan {month} och har kontakt med {other}.",
        "{P} har {diag} och bor i egen lägenhet med stöd.",
    ],
    "infant": [
        "Barnet ({age} år) är inskrivet på BVC och familjen har insatser från {own}.",
        "Vårdnadshavarna till ett barn på {age} år har kontakt med både {own} och BVC.",
    ],
    "child": [
        "{P} ({age} år) har hög frånvaro från skolan och kontakt med {other}.",
        "Ärendet gäller {p} i årskurs {grade} med misstänkt {diag_child}.",
        "{P} är aktuell hos {own} och väntar på bedömning hos {other}.",
        "Vårdnadshavarna har sökt hjälp för {p} vid flera tillfällen sedan {month}.",
    ],
}
NEUTRAL_SENTENCES = [
    "{P} har därefter sökt akutmottagningen vid två tillfällen.",
    "Ärendet har lyfts till närmaste chef.",
    "{Rel} fick ett bra bemötande vid det första besöket.",
    "Situationen är nu under kontroll men risken kvarstår.",
    "Händelsen rapporteras för kännedom och uppföljning i samverkansgruppen.",
]
ACTION_SENTENCES = [
    "Ärendet lyftes på samverkansmöte mellan {own} och {other} den {date}.",
    "Enhetschefen har kontaktat {other} och en ny SIP är bokad.",
    "Rutinen för in- och utskrivningsmeddelanden har gåtts igenom på APT.",
    "Avvikelsen har skickats till {other} för utredning, svar inväntas.",
    "Behörigheter i Mina Planer har beställts för all personal.",
    "En gemensam genomgång av ansvarsfördelningen är planerad till {next_month}.",
    "Verksamhetschefen har bett om ett möte med {other} för att klargöra vem som gör vad.",
    "Kontaktvägar mellan {own} och {other} har uppdaterats och spridits i personalgruppen.",
]
WORDS = {
    "dur": ["tre veckor", "två månader", "över en månad", "fem veckor", "tio dagar", "två veckor"],
    "n": ["tre", "fyra", "flera", "upprepade"],
    "info": [
        "läkemedelsändringen",
        "utskrivningen",
        "den nya diagnosen",
        "att insatsen avslutats",
        "hotbilden",
    ],
    "event": [
        "hade skrivits ut",
        "hade fått ändrad medicinering",
        "hade avslutats hos {other}",
        "hade flyttat",
    ],
    "transition": [
        "utskrivning från slutenvården",
        "övergång från BUP till vuxenpsykiatrin",
        "flytt mellan kommuner",
        "frigivning från anstalt",
    ],
    "thing": ["boende", "ledsagning", "hämtning av läkemedel", "skolskjuts", "en ny utredning"],
    "responsibility": [
        "läkemedelsgenomgångar",
        "psykologutredningar",
        "hjälpmedel",
        "neuropsykiatriska utredningar",
    ],
    "diag": [
        "psykossjukdom",
        "samsjuklighet med missbruk och psykisk ohälsa",
        "bipolär sjukdom",
        "autism och depression",
        "opioidberoende",
        "schizofreni",
    ],
    "diag_child": ["adhd", "autism", "depression", "ätstörning", "språkstörning"],
}
PERSON_NOUNS = {
    "adult": [
        ("brukaren", "brukarens"),
        ("patienten", "patientens"),
        ("klienten", "klientens"),
        ("den enskilde", "den enskildes"),
    ],
    "child": [
        ("eleven", "elevens"),
        ("barnet", "barnets"),
        ("pojken", "pojkens"),
        ("flickan", "flickans"),
        ("ungdomen", "ungdomens"),
    ],
}
RELATIVES = [
    ("mamman", "hon"),
    ("pappan", "han"),
    ("systern", "hon"),
    ("sonen", "han"),
    ("dottern", "hon"),
    ("maken", "han"),
]
MONTHS = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]

# --------------------------------------------------------------------------------------
# Invented personal data
# --------------------------------------------------------------------------------------

FIRST_NAMES = [
    "Anna", "Eva", "Maria", "Karin", "Sara", "Emma", "Lena", "Elin", "Fatima", "Amira",
    "Leila", "Sofia", "Ida", "Hanna", "Maja", "Ebba", "Aisha", "Zeynep", "Mirela", "Agnieszka",
    "Erik", "Lars", "Johan", "Anders", "Per", "Mikael", "Ahmed", "Mohammed", "Ali", "Omar",
    "Hassan", "Mehmet", "Dragan", "Nikola", "Piotr", "Karl", "Oskar", "Lucas", "Hugo", "Ömer",
]  # fmt: skip
HYPHEN_FIRST = ["Eva-Lena", "Ann-Sofie", "Jan-Erik", "Karl-Johan", "Anna-Karin"]
SURNAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jönsson", "Lindberg", "Berg", "Lind", "Holm",
    "Ali", "Hassan", "Yilmaz", "Kaya", "Nowak", "Jovanovic", "Ibrahim", "Hussein", "Lindqvist",
    "Nguyen", "Öberg", "Åkesson", "Mohammadi", "Kowalski",
]  # fmt: skip
STREETS = [
    "Storgatan", "Västergatan", "Kyrkogatan", "Ringvägen", "Lindvägen", "Skolgatan",
    "Järnvägsgatan", "Östra Vallgatan", "Bokvägen", "Hantverkaregatan", "Smedjegatan",
]  # fmt: skip
# Number ranges the Swedish regulator (PTS) reserves for use in fiction.
_PHONE_RANGES = [
    ("070", "17406", 5, 99),
    ("040", "62804", 0, 99),
    ("031", "39006", 0, 99),
    ("08", "46500", 400, 499),
]
EMAIL_DOMAINS = ["exempel.se", "example.com", "example.org"]


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


class _Pii:
    """Draws invented identifiers and records each one as planted."""

    def __init__(self, rng: random.Random, planted: Planted) -> None:
        self.rng = rng
        self.planted = planted
        self.file = ""

    def _birth(self, old: bool = False) -> dt.date:
        r = self.rng
        year = r.randint(1919, 1925) if old else r.randint(1950, 2016)
        return dt.date(year, 1, 1) + dt.timedelta(days=r.randint(0, 364))

    def pnr(self, child: bool = False, form: str | None = None) -> str:
        """A valid identity number in one of the written forms."""
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
        return self.planted.add(
            "personnummer", text, self.file, valid=True, id_kind=kind, digits=digits
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
        return self.rng.choice(FIRST_NAMES)

    def name(self, form: str | None = None) -> str:
        r = self.rng
        form = form or r.choice(
            ["full", "full", "hyphen", "genitive", "title", "lower", "initials"]
        )
        first, last = r.choice(FIRST_NAMES), r.choice(SURNAMES)
        if form == "full":
            text = f"{first} {last}"
        elif form == "hyphen":
            if r.random() < 0.5:
                text = f"{r.choice(HYPHEN_FIRST)} {last}"
            else:
                other = r.choice([s for s in SURNAMES if s != last])
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
        area, block, lo, hi = r.choice(_PHONE_RANGES)
        # 7 digits after 070, 040 and 031; 8 digits after 08 (08-465 004 00 to 08-465 004 99)
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
        first, last = r.choice(FIRST_NAMES), r.choice(SURNAMES)
        local = f"{first}.{last}" if r.random() < 0.6 else f"{first}{r.randint(60, 99)}"
        local = local.lower().translate(str.maketrans("åäöé", "aaoe"))
        return self.planted.add("emails", f"{local}@{r.choice(EMAIL_DOMAINS)}", self.file)

    def address(self, org: str) -> str:
        r = self.rng
        town, pc = TOWN.get(org, ("Malmö", "214"))
        text = f"{r.choice(STREETS)} {r.randint(1, 48)}{r.choice(['', '', 'B'])}"
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
    def __init__(self, seed: int, terms: Sequence[str]) -> None:
        self.rng = random.Random(seed)
        self.terms = tuple(terms)
        self.planted = Planted()
        self.pii = _Pii(self.rng, self.planted)
        self.serial: dict[tuple[str, str], int] = {}
        self.action_credit: dict[str, float] = {}

    # ---- ids -------------------------------------------------------------------------
    def next_id(self, org: str, system: str, year: int) -> str:
        key = (org, system)
        n = self.serial.get(key, 0) + 1
        self.serial[key] = n
        base = 100 + 37 * list(ORG_NAMES).index(org)
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
        r = self.rng
        p, p_gen = r.choice(PERSON_NOUNS["child" if child else "adult"])
        rel, pron = r.choice(RELATIVES[:3] if child else RELATIVES)
        day = before - dt.timedelta(days=r.randint(1, 30))
        earlier = before - dt.timedelta(days=r.randint(20, 90))
        later = before + dt.timedelta(days=r.randint(20, 60))
        s = {k: r.choice(v) for k, v in WORDS.items()}
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
            month=MONTHS[earlier.month - 1],
            next_month=MONTHS[later.month - 1],
            age=str(
                r.randint(1, 5) if infant else r.randint(7, 17) if child else r.randint(19, 78)
            ),
            grade=str(r.randint(1, 9)),
            gender_noun=r.choice(["kvinna", "man"]),
        )
        return s

    def cause_sentence(self, cause: str, slots: dict[str, str], child: bool, ward: bool) -> str:
        ok = {"any", "child" if child else "adult"} | ({"ward"} if ward else set())
        options = [t for t, scope in CAUSE_SENTENCES[cause] if scope in ok]
        if slots["p"] == "barnet":  # small child at BVC: no school, no 18th birthday
            options = [t for t in options if "skol" not in t and "18" not in t] or options
        return _fill(self.rng.choice(options), slots)

    def draw_causes(self, t: int, forced: str | None) -> tuple[str, ...]:
        r = self.rng
        weights = {
            "kommunikation": 0.22 + 0.03 * t,
            "sip": 0.12 + 0.04 * t,
            "rutiner": 0.14,
            "helhetssyn": 0.07,
            "individfokus": 0.08,
            "kompetens": 0.06,
            "forstaelse": 0.05,
            "bemotande": 0.05,
            "resurser": 0.02,
            "tekniska_hinder": max(0.20 - 0.05 * t, 0.03),
        }
        primary = forced or r.choices(list(weights), list(weights.values()))[0]
        causes = [primary]
        extra = 0 if r.random() < 0.45 else (1 if r.random() < 0.75 else 2)
        for _ in range(extra):
            rest = {c: w for c, w in weights.items() if c not in causes and c != "resurser"}
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
        parts = [_fill(r.choice(CONTEXT_SENTENCES[context]), s)]
        parts += [self.cause_sentence(c, s, child, other.ward) for c in causes]
        if r.random() < 0.35 and len(parts) < 5:
            parts.append(_fill(r.choice(NEUTRAL_SENTENCES), s))
        if r.random() < 0.45:
            parts.insert(r.randint(1, len(parts)), self.pii.sentence(org, s))
            if r.random() < 0.2:
                parts.append(self.pii.sentence(org, s))
        text = self.join(parts)
        action = ""
        # error diffusion keeps each organisation's share of actions close to its setting
        self.action_credit[org] = self.action_credit.get(org, 0.0) + ACTION_SHARE[org]
        if self.action_credit[org] + r.uniform(-0.25, 0.25) >= 1:
            self.action_credit[org] -= 1
            acts = [_fill(a, s) for a in r.sample(ACTION_SENTENCES, r.choice([1, 1, 2]))]
            if r.random() < 0.15:
                acts.append(f"Handläggare {self.pii.name('full')} har kontaktat {s['rel']}.")
            action = " ".join(acts)
        return _Case(
            received=received,
            event=event,
            own=own,
            other=other,
            child=child,
            text=text,
            action=action,
            causes=tuple(sorted(set(causes), key=CAUSES.index)),
            category=CAUSE_CATEGORY[causes[0]],
            quote_ok=r.random() < 0.3,
        )

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


def _extra_columns(kind: str) -> list[str]:
    return {
        "pii": ["Personnummer", "Patientnamn", "Telefon"],
        "staff": ["Handläggare", "Registrerad av"],
        "benign": ["Enhetskod", "Handläggare"],
    }.get(kind, [])


class _TermBuilder:
    """Collects the records of one term, file by file."""

    def __init__(self, gen: _Generator, term: str, t: int) -> None:
        self.gen = gen
        self.term = term
        self.t = t
        self.records: dict[tuple[str, str], list[Record]] = {}
        self.specs: dict[tuple[str, str], dict[str, object]] = {}
        for key, specs in FILE_SPECS.items():
            spec = specs[t % 4]
            if spec is not None:
                self.specs[key] = _parse_spec(spec)
                self.records[key] = []
        self.texts: list[tuple[dt.date, str]] = []

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
        r = self.rng
        if system == "ritz":
            own = r.choice(REGION_ADULT + REGION_CHILD)
            names = RITZ_EXTERN[r.choice(list(RITZ_EXTERN))]
            extern = names[2] if own.child and r.random() < 0.6 else r.choice(names[:2])
            school = "Elevhälsan" in extern
            return own, _u(extern, "elevhälsan" if school else "socialtjänsten", child=school)
        if system == "prorenata":
            school_partners = [u for u in REGION_CHILD if u.short != "BVC"]
            return r.choice(SCHOOL_UNITS[org]), r.choice(school_partners)
        if system == "form":
            own = r.choice(KOMMUN_UNITS[org])
            region = REGION_NORTH[org]
            pool = (
                [u for u in region if u.child] if own.child else [u for u in region if not u.child]
            )
            return own, r.choice(pool or region)
        own = r.choice(KOMMUN_UNITS[org])
        if own.child:
            return own, r.choice(REGION_CHILD)
        return own, r.choice(REGION_ADULT + (OTHER_ACTORS if r.random() < 0.2 else []))

    def _row(
        self, org: str, system: str, case: _Case, *, direction: str = "Utgående", extern: str = ""
    ) -> dict[str, object]:
        r = self.rng
        f = _F[system]
        v: dict[str, object] = {
            f["received"]: case.received,
            f["text"]: case.text,
            f["action"]: case.action,
        }
        if f["event"]:
            v[f["event"]] = case.event
        if f["type"]:
            v[f["type"]] = COLLAB_TYPES[(org, system)]
        if system == "lifecare":
            # the reporting unit wrote the text; for incoming rows that is the region's unit
            v["Rapporterande enhet"] = case.own.name
            v["Berörd part"] = case.other.name
            v["Riktning"] = direction
            v["Status"] = r.choice(
                ["Avslutad", "Avslutad", "Åtgärdad"] if case.action else ["Ny", "Under utredning"]
            )
        elif system == "prorenata":
            v["Skola/enhet"] = case.own.name
            v["Extern aktör"] = case.other.name
            v["Status"] = r.choice(["Avslutad", "Pågående"] if case.action else ["Ny", "Pågående"])
        elif system == "ritz":
            v["Vårdenhet"] = case.own.name
            v["Extern part"] = extern
            roll = r.random()
            if roll < 0.5 and case.category in (
                "rutiner",
                "kommunikation_samverkan",
                "tekniska_hinder",
                "individfokus_helhetssyn",
            ):
                v["Orsak"] = CATEGORY_LABEL[case.category]
            elif roll < 0.75:
                v["Orsak"] = r.choice(ORSAK_FREE)
            else:
                v["Orsak"] = ""
            v["Allvarlighetsgrad"] = r.choice(
                ["Ingen skada", "Risk för vårdskada", "Lindrig", "Måttlig", "Allvarlig"]
            )
        else:
            v["Kommun"] = ORG_NAMES[org]
            v["Berörda aktörer"] = f"{case.own.name}; {case.other.name}"
            v["Anmälarens roll"] = r.choice(FORM_ROLES)
        return v

    def add_case(
        self, org: str, system: str, case: _Case, row: dict[str, object], expected: str = "kept"
    ) -> Record:
        f = _F[system]
        sid = self.gen.next_id(org, system, case.received.year) if f["id"] else ""
        if f["id"]:
            row[f["id"]] = sid
        rec = Record(
            row, expected, sid, case.causes, case.category, case.quote_ok and expected == "kept"
        )
        self.records[(org, system)].append(rec)
        return rec

    def build(self) -> None:
        r = self.rng
        plan: list[tuple[str, str]] = []
        for key in self.records:
            n = CASE_COUNTS[key][self.t % 4]
            if n:
                n = max(1, n + r.randint(-1, 1))
            plan += [key] * n
        r.shuffle(plan)
        forced = list(CAUSES)
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
                muni = next(m for m, names in RITZ_EXTERN.items() if extern in names)
                ritz_cases.append((case, rec, muni))
                continue
            incoming = system == "lifecare" and r.random() < 0.1 and other not in OTHER_ACTORS
            if incoming:  # the region reported it to the municipality: the region writes
                own, other = other, own
            case = self._distinct_case(
                org, own, other, forced[i] if i < len(forced) else None, room_after=14
            )
            direction = "Inkommande" if incoming else "Utgående"
            rec = self.add_case(
                org, system, case, self._row(org, system, case, direction=direction)
            )
            if system == "lifecare" and not incoming and other in REGION_ADULT + REGION_CHILD:
                lifecare_out.append((org, case, rec))
        self.mirror(lifecare_out, ritz_cases)
        self.add_excluded()
        self.add_bad_rows()
        for recs in self.records.values():
            r.shuffle(recs)
        self.add_exact_duplicate()

    def mirror(
        self,
        lifecare_out: list[tuple[str, _Case, Record]],
        ritz_cases: list[tuple[_Case, Record, str]],
    ) -> None:
        """Incidents reported by one side that also appear, copied, in the other side's export."""
        r = self.rng
        if ("region-skane", "ritz") not in self.records:
            return
        for org, case, _rec in r.sample(lifecare_out, min(len(lifecare_out), r.randint(3, 5))):
            self.gen.pii.file = f"{self.term}/region-skane__ritz"
            extern = RITZ_EXTERN[org][0] if case.own.short != "hemtjänsten" else RITZ_EXTERN[org][1]
            text = case.text
            if len(text) > 180 and r.random() < 0.6:  # the receiver adds a line of its own
                text += r.choice(
                    [
                        " Inkommen avvikelse från kommunen, vidarebefordrad till verksamhetschef.",
                        "\nMottagen via kommunens avvikelsesystem.",
                        " Ärendet utreds av enheten.",
                    ]
                )
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
            )
            row = self._row("region-skane", "ritz", copy, extern=extern)
            self.add_case("region-skane", "ritz", copy, row, expected="duplicate")
        eligible = [(c, rec, m) for c, rec, m in ritz_cases if (m, "lifecare") in self.records]
        for case, _rec, muni in r.sample(eligible, min(len(eligible), r.randint(2, 3))):
            self.gen.pii.file = f"{self.term}/{muni}__lifecare"
            own = next(
                (u for u in KOMMUN_UNITS[muni] if u.child == case.child), KOMMUN_UNITS[muni][0]
            )
            text = case.text if r.random() < 0.5 else "Inkommen från regionen: " + case.text
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
            )
            row = self._row(muni, "lifecare", copy, direction="Inkommande")
            self.add_case(muni, "lifecare", copy, row, expected="duplicate")

    def add_excluded(self) -> None:
        """Rows of other deviation types (not collaboration cases): 20-40 % of the rows."""
        r = self.rng
        for (org, system), recs in self.records.items():
            if system == "form":
                continue
            self.gen.pii.file = f"{self.term}/{org}__{system}"
            n = max(2, round(len(recs) * r.uniform(0.3, 0.6)))
            f = _F[system]
            for _ in range(n):
                received, event = self.gen.dates(self.term)
                text = r.choice(OTHER_TEXTS[system])
                if r.random() < 0.2:
                    text += f" Gäller {self.gen.pii.name('full')}, {self.gen.pii.pnr()}."
                own = (
                    self._pick_units(org, system)[0] if system != "ritz" else r.choice(REGION_ADULT)
                )
                v: dict[str, object] = {
                    f["received"]: received,
                    f["event"]: event,
                    f["type"]: r.choice(OTHER_TYPES[system]),
                    f["text"]: text,
                    f["action"]: "Genomgång med personalgruppen." if r.random() < 0.5 else "",
                }
                if system == "lifecare":
                    v.update(
                        {
                            "Rapporterande enhet": own.name,
                            "Berörd part": "",
                            "Riktning": "",
                            "Status": "Avslutad",
                        }
                    )
                elif system == "prorenata":
                    v.update({"Skola/enhet": own.name, "Extern aktör": "", "Status": "Avslutad"})
                else:
                    v.update(
                        {
                            "Vårdenhet": own.name,
                            "Extern part": "",
                            "Orsak": "",
                            "Allvarlighetsgrad": "Lindrig",
                        }
                    )
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
            f = _F[system]
            causes, category = case.causes, case.category
            if kind == "no_date":
                row[f["received"]] = ""
                if f["event"]:
                    row[f["event"]] = ""
            elif kind == "bad_date_word":
                row[f["received"]] = r.choice(["snart", "okänt", "vecka 12"])
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


def _columns(system: str, spec: dict[str, object], rng: random.Random) -> list[tuple[str, str]]:
    """(standard column or extra, header text) in file order."""
    cols = list(COLUMNS[system]) + _extra_columns(str(spec["extra"]))
    if spec["shuffle"]:
        rng.shuffle(cols)
    old, new = RENAMES[system]
    out = []
    for i, c in enumerate(cols):
        name = new if spec["rename"] and c == old else c
        out.append((c, _header_text(name, str(spec["hdr"]), i)))
    return out


def _is_date_col(system: str, col: str) -> bool:
    return col in (_F[system]["received"], _F[system]["event"])


def _text_value(value: object, col: str, system: str, spec: dict[str, object]) -> str:
    if isinstance(value, dt.datetime | dt.date):
        fmt_received, fmt_event = DATE_FORMATS[
            str(spec["dates"]) if spec["dates"] in DATE_FORMATS else "iso"
        ]
        fmt = fmt_received if col == _F[system]["received"] else fmt_event
        return value.strftime(fmt)
    return "" if value is None else str(value)


def _extra_value(col: str, org: str, gen: _Generator, child: bool) -> object:
    pii = gen.pii
    r = gen.rng
    if col == "Personnummer":
        return (
            ""
            if r.random() < 0.1
            else pii.pnr(
                child=child,
                form=r.choice(["12dash", "12", "10dash", "10plus", "samordning"])
                if not child
                else "12dash",
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
    org: str,
    system: str,
    term: str,
    header: list[str],
    rows: list[list[object]],
    spec: dict[str, object],
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Avvikelser" if system != "form" else "Inkomna"
    titles = [f"Avvikelser {ORG_NAMES[org]}", f"Utdrag för perioden {term}", ""]
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
    cols = _columns(system, spec, gen.rng)
    header = [h for _, h in cols]
    rows: list[list[object]] = []
    for rec in recs:
        child = system == "prorenata"
        row: list[object] = []
        for col, _ in cols:
            if col in rec.values:
                value = rec.values[col]
            else:
                value = _extra_value(col, org, gen, child)
                rec.values[col] = value  # an exact duplicate copy gets its own draw otherwise
            if (
                spec["kind"] == "xlsx"
                and spec["xdate"]
                and isinstance(value, dt.date)
                and _is_date_col(system, col)
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
                row.append(_text_value(value, col, system, spec))
        rows.append(row)
    path = out_dir / rel
    if ext == "csv":
        _write_csv(path, header, [[str(v) for v in row] for row in rows], spec)
    else:
        _write_xlsx(path, org, system, term, header, rows, spec)
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


def _check_out_dir(out_dir: Path, terms: Sequence[str]) -> None:
    """Refuse to mix demo files into a folder that holds other exports."""
    demo_names = {f"{org}__{system}.{ext}" for org, system in FILE_SPECS for ext in ("csv", "xlsx")}
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


def write_demo_data(
    out_dir: Path, seed: int = 20240101, terms: Sequence[str] = DEFAULT_TERMS
) -> DemoManifest:
    """Write a deterministic synthetic set of raw exports for ``terms`` under ``out_dir``.

    Files: ``out_dir/<TERM>/<organisation>__<system>.<csv|xlsx>``, the truth in
    ``out_dir/demo-facit/<TERM>.csv`` and the planted identifiers in
    ``out_dir/.demo-planted.json``. The same seed gives byte-identical files.
    """
    out_dir = Path(out_dir)
    terms = tuple(str(t) for t in terms)
    for term in terms:
        if not re.match(TERM_PATTERN, term):
            raise ValueError(f"not a term code: {term!r} (expected e.g. 2025HT)")
    _check_out_dir(out_dir, terms)
    gen = _Generator(seed, terms)
    files: list[Path] = []
    facit: dict[str, Path] = {}
    counts: dict[str, dict[str, int]] = {}
    for t, term in enumerate(terms):
        builder = _TermBuilder(gen, term, t)
        builder.build()
        facit_rows: list[list[str]] = []
        counts[term] = dict.fromkeys(("kept", "excluded", "duplicate", "quarantined"), 0)
        for key in sorted(builder.records):
            recs = builder.records[key]
            files.append(_write_file(out_dir, term, key, recs, builder.specs[key], gen))
            form_keys = _form_keys(recs) if key[1] == "form" else [""] * len(recs)
            for i, (rec, form_key) in enumerate(zip(recs, form_keys, strict=True), start=1):
                counts[term][rec.expected] += 1
                facit_rows.append(
                    [
                        key[0],
                        key[1],
                        rec.source_id,
                        ";".join(rec.causes),
                        rec.category,
                        "true" if rec.quote_ok else "false",
                        rec.expected,
                        str(i),
                        form_key,
                    ]
                )
        facit[term] = write_bytes_atomic(
            out_dir / FACIT_DIR / f"{term}.csv", _facit_csv(facit_rows)
        )
    planted_items = gen.planted.items
    everything = sorted({str(item["text"]) for items in planted_items.values() for item in items})
    payload = {"seed": seed, "terms": list(terms), "all": everything, **planted_items}
    planted = write_bytes_atomic(
        out_dir / PLANTED_FILE,
        (json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"),
    )
    log.info("wrote %d demo export files for %d terms under %s", len(files), len(terms), out_dir)
    return DemoManifest(out_dir, seed, terms, tuple(files), facit, planted, counts)


def benchmark(out_dir: Path, repeats: int = 3, seed: int = 20240101) -> dict[str, float]:
    """Time ``write_demo_data`` for the four default terms (seconds: best and mean of runs).

    Writes into ``out_dir/run-N``; run it by hand, e.g.
    ``python -c "from samverkan_dev.demo.generator import benchmark; benchmark(Path('/tmp/b'))"``.
    """
    import time

    times = []
    for n in range(repeats):
        start = time.perf_counter()
        write_demo_data(Path(out_dir) / f"run-{n}", seed=seed)
        times.append(time.perf_counter() - start)
    return {"best_s": min(times), "mean_s": sum(times) / len(times), "runs": float(repeats)}
