"""The synthetic demo region (jeugdkpi.generate): determinism, XSD validity, scenario coverage, consistency."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from jeugdkpi.generate import ERROR_FILES, MESSAGE_TYPES, generate_region, personal_strings
from jeugdkpi.generate.calendar import WorkCalendar, add_months, load_holidays
from jeugdkpi.pseudonym import elfproef
from jeugdkpi.settings import SEEDS_DIR

SMALL = {"youths": 60, "years": (2024, 2025)}
UNTIL = date(2025, 12, 31)
RETOUR_TYPES = {"JW302": "JW301", "JW306": "JW305", "JW308": "JW307", "JW316": "JW315", "JW318": "JW317",
                "JW320": "JW319"}


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def region(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    summary = generate_region(out, seed=42, **SMALL)
    return out, summary


def _files(out: Path) -> list[Path]:
    return sorted(p for p in (out / "berichten").rglob("*.xml"))


class Msg:
    def __init__(self, path: Path):
        self.path = path
        self.type = path.name[:5]
        self.root = etree.parse(str(path)).getroot()
        self.header = self.root.find("{*}Header")

    def h(self, path: str) -> str | None:
        return self.header.findtext("/".join("{*}" + p for p in path.split("/")))

    @property
    def dag(self) -> date:
        return date.fromisoformat(self.h("BerichtIdentificatie/Dagtekening"))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.type, self.h("Afzender"), self.h("BerichtIdentificatie/Identificatie"))


def t(el, path: str) -> str | None:
    return el.findtext("/".join("{*}" + p for p in path.split("/")))


@pytest.fixture(scope="module")
def msgs(region) -> dict[str, list[Msg]]:
    out, _ = region
    by_type: dict[str, list[Msg]] = defaultdict(list)
    for p in _files(out):
        if p.parent.name != "fouten":
            m = Msg(p)
            by_type[m.type].append(m)
    return by_type


@pytest.fixture(scope="module")
def rejected(msgs) -> set[tuple[str, str, str]]:
    """Heenberichten whose retour carries a code other than 0200/0233: rejected, not processed."""
    out = set()
    for rtype, heen in RETOUR_TYPES.items():
        for m in msgs[rtype]:
            if any(c.text not in ("0200", "0233") for c in m.root.iter("{*}RetourCode")):
                out.add((heen, m.h("Afzender"), m.h("BerichtIdentificatie/Identificatie")))
    return out


@pytest.fixture(scope="module")
def care_forms() -> dict[str, str]:
    with open(SEEDS_DIR / "products.csv", newline="", encoding="utf-8") as fh:
        return {r["product_code"]: r["care_form"] for r in csv.DictReader(fh) if r["product_code"]}


# ---------------------------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_bytes_and_other_seed_differs(region, tmp_path):
    out1, _ = region
    out2 = tmp_path / "again"
    generate_region(out2, seed=42, **SMALL)
    files1 = [p.relative_to(out1) for p in _files(out1)]
    files2 = [p.relative_to(out2) for p in _files(out2)]
    assert files1 == files2
    for rel in files1:
        assert (out1 / rel).read_bytes() == (out2 / rel).read_bytes(), rel

    out3 = tmp_path / "other_seed"
    generate_region(out3, seed=7, **SMALL)
    files3 = [p.relative_to(out3) for p in _files(out3)]
    assert files3 != files1 or any((out1 / r).read_bytes() != (out3 / r).read_bytes() for r in files1)


def test_summary_matches_files_on_disk(region):
    out, summary = region
    on_disk = Counter(p.name[:5] for p in _files(out) if p.parent.name != "fouten")
    assert summary.files == dict(on_disk)
    assert set(summary.files) == set(MESSAGE_TYPES), "all 14 message types must be present"
    assert summary.until == UNTIL
    assert summary.error_files == len(ERROR_FILES)
    assert summary.municipalities == ("0034", "0303", "0995", "0171", "0184", "0050")
    assert 40 <= summary.n_youths <= 60
    assert summary.total_records >= summary.total_files


def test_file_names_and_layout(region):
    out, _ = region
    for p in _files(out):
        rel = p.relative_to(out / "berichten").parts
        if rel[0] == "fouten":
            continue
        year, mtype, month, name = rel
        assert name.startswith(mtype + "_") and mtype in MESSAGE_TYPES
        assert month.startswith(year + "-")


# ---------------------------------------------------------------------------------------------- XSD
def test_every_message_is_valid_against_the_ijw_xsds(msgs, xsd_dir):
    assert set(msgs) == set(MESSAGE_TYPES)
    errors = []
    for mtype, items in sorted(msgs.items()):
        schema = etree.XMLSchema(etree.parse(str(xsd_dir / f"{mtype}.xsd")))
        for m in items:
            if not schema.validate(m.root.getroottree()):
                errors.append(f"{m.path.name}: {schema.error_log.last_error}")
    assert not errors, errors[:5]


# ---------------------------------------------------------------------------------------------- dates, BSNs
def test_no_message_dated_after_until(msgs):
    for items in msgs.values():
        for m in items:
            assert m.dag <= UNTIL, m.path
            retour = m.h("DagtekeningRetour")
            if retour:
                assert m.dag <= date.fromisoformat(retour) <= UNTIL, m.path


def test_all_bsns_pass_the_11_proof_except_the_deliberate_error(region):
    out, _ = region
    failing = []
    for p in _files(out):
        if p.name == "kapot_bericht.xml":
            continue
        for el in etree.parse(str(p)).getroot().iter("{*}Bsn"):
            if not elfproef(el.text):
                failing.append(p.name)
    assert failing == ["jw305_bsn_faalt_elfproef.xml"]


def test_bsns_come_from_the_test_range(msgs):
    for m in msgs["JW301"]:
        assert 999900006 <= int(t(m.root, "Client/Bsn")) <= 999999990


def test_error_files(region):
    out, _ = region
    folder = out / "berichten" / "fouten"
    assert sorted(p.name for p in folder.iterdir()) == sorted(ERROR_FILES)
    with pytest.raises(etree.XMLSyntaxError):
        etree.parse(str(folder / "kapot_bericht.xml"))
    old = etree.parse(str(folder / "jw305_release_3_1.xml")).getroot()
    assert etree.QName(old).namespace == "http://www.istandaarden.nl/ijw/3_1/jw305/schema"
    stop = etree.parse(str(folder / "jw307_einddatum_voor_begindatum.xml")).getroot().find(".//{*}StopProduct")
    assert t(stop, "Einddatum") < t(stop, "Begindatum")


# ---------------------------------------------------------------------------------------------- scenarios
def _lines(msgs, mtype: str, tag: str):
    for m in msgs[mtype]:
        for el in m.root.iter("{*}" + tag):
            yield m, el


def test_assignment_changes_under_the_same_number(msgs):
    redenen = Counter(t(el, "RedenWijziging") for _, el in _lines(msgs, "JW301", "ToegewezenProduct"))
    for code in ("04", "05", "13", "12"):
        assert redenen[code] > 0, f"no RedenWijziging {code}"
    for _, el in _lines(msgs, "JW301", "ToegewezenProduct"):
        if t(el, "RedenWijziging") == "13":
            assert t(el, "Einddatum") == t(el, "Ingangsdatum")


def test_deleted_assignments_have_no_starts_or_declarations(msgs):
    deleted = {int(t(el, "ToewijzingNummer")) for _, el in _lines(msgs, "JW301", "ToegewezenProduct")
               if t(el, "RedenWijziging") == "13"}
    assert deleted
    for mtype, tag in (("JW305", "StartProduct"), ("JW307", "StopProduct"), ("JW323", "Prestatie")):
        used = {int(t(el, "ToewijzingNummer")) for _, el in _lines(msgs, mtype, tag)}
        assert not used & deleted, mtype


def test_301_is_a_snapshot_and_versions_are_consistent(msgs):
    versions: dict[tuple[str, str, str], set] = defaultdict(set)
    multi = 0
    for m in msgs["JW301"]:
        lines = m.root.findall(".//{*}ToegewezenProduct")
        multi += len(lines) > 1
        for el in lines:
            assert t(el, "Toewijzingsdatum") <= m.h("BerichtIdentificatie/Dagtekening")
            key = (t(el, "ToewijzingNummer"), t(el, "Toewijzingsdatum"), t(el, "Toewijzingstijd"))
            versions[key].add((t(el, "Ingangsdatum"), t(el, "Einddatum"), t(el, "RedenWijziging"),
                               t(el, "Product/Code")))
    assert multi > 0, "no 301 carries more than one assignment"
    assert all(len(v) == 1 for v in versions.values()), "one version key with two contents"


def test_timeliness_spread_for_assignments(msgs):
    first: dict[str, tuple[date, date]] = {}
    for m in sorted(msgs["JW301"], key=lambda m: m.dag):
        for el in m.root.iter("{*}ToegewezenProduct"):
            first.setdefault(t(el, "ToewijzingNummer"), (m.dag, date.fromisoformat(t(el, "Ingangsdatum"))))
    late = sum(1 for dag, ingang in first.values() if dag >= ingang)
    assert 0 < late < len(first), "need both timely and late (AP03) assignments"


def test_start_stop_corrections_and_temporary_stops(msgs, rejected):
    for mtype, tag in (("JW305", "StartProduct"), ("JW307", "StopProduct")):
        status3 = 0
        later_one = 0
        seen: dict[tuple, list[date]] = defaultdict(list)
        for m in sorted(msgs[mtype], key=lambda m: m.dag):
            if m.key in rejected:
                continue
            keys_in_msg = Counter()
            for el in m.root.iter("{*}" + tag):
                key = (t(el.getparent().getparent(), "Bsn"), t(el, "ToewijzingNummer"), t(el, "Product/Code"),
                       t(el, "Begindatum"), t(el, "RedenBeeindiging"))
                keys_in_msg[key] += 1
                if t(el, "StatusAanlevering") == "3":
                    status3 += 1
                    seen[key].append(m.dag)
                elif key in seen:
                    later_one += 1
            assert max(keys_in_msg.values()) == 1, f"two lines with one logical key in {m.path.name}"
        assert status3 >= 2, f"{mtype}: no StatusAanlevering 3 corrections"
        assert later_one >= 1, f"{mtype}: no correction whose new line comes in a later message"
    redenen = Counter(t(el, "RedenBeeindiging") for _, el in _lines(msgs, "JW307", "StopProduct"))
    assert redenen["20"] >= 2
    # after a temporary stop: a restart (new 305 on the same assignment) and a definitive stop of the same start
    temp = {(t(el, "ToewijzingNummer"), t(el, "Begindatum")) for _, el in _lines(msgs, "JW307", "StopProduct")
            if t(el, "RedenBeeindiging") == "20"}
    starts = defaultdict(set)
    for _, el in _lines(msgs, "JW305", "StartProduct"):
        starts[t(el, "ToewijzingNummer")].add(t(el, "Begindatum"))
    definitive = {(t(el, "ToewijzingNummer"), t(el, "Begindatum")) for _, el in _lines(msgs, "JW307", "StopProduct")
                  if t(el, "RedenBeeindiging") != "20"}
    assert any(any(b > begin for b in starts[nr]) for nr, begin in temp), "no restart after a temporary stop"
    assert temp & definitive, "no definitive stop after a temporary stop"


def test_requests_and_answers(msgs):
    refs_301 = {t(el, "ReferentieAanbieder") for _, el in _lines(msgs, "JW301", "ToegewezenProduct")} - {None}
    vot_refs = {t(el, "ReferentieAanbieder") for _, el in _lines(msgs, "JW315", "AangevraagdProduct")}
    vow_refs = {t(el, "ReferentieAanbieder") for _, el in _lines(msgs, "JW317", "Verzoek")}
    answers = {(t(m.root, "Antwoord/ReferentieAanbieder"), t(m.root, "Antwoord/VerzoekAntwoord"))
               for m in msgs["JW319"]}
    assert vot_refs & refs_301, "no VOT answered by a 301"
    in_onderzoek = {ref for ref, a in answers if a == "2"}
    assert in_onderzoek & refs_301, "no 319 'in onderzoek' followed by a 301"
    assert {ref for ref, a in answers if a == "1"} & vot_refs, "no VOT rejected by a 319"
    assert vow_refs & refs_301, "no VOW honoured by a 301"
    assert {ref for ref, a in answers if a == "1"} & vow_refs, "no VOW rejected by a 319"
    honoured = [el for _, el in _lines(msgs, "JW301", "ToegewezenProduct") if t(el, "ReferentieAanbieder") in vow_refs]
    assert all(t(el, "RedenWijziging") == "12" for el in honoured)


def test_retour_messages(msgs, rejected):
    for rtype, heen in RETOUR_TYPES.items():
        heen_keys = {m.key for m in msgs[heen]}
        plain = 0
        for m in msgs[rtype]:
            assert (heen, m.h("Afzender"), m.h("BerichtIdentificatie/Identificatie")) in heen_keys
            plain += len(m.root) == 1  # header only: accepted
        assert plain > 0, rtype
    assert {k[0] for k in rejected} == set(RETOUR_TYPES.values()), "each retour type should reject something"


def test_regional_products_and_part_time_foster_care(msgs, care_forms):
    codes = Counter(t(el, "Product/Code") for _, el in _lines(msgs, "JW301", "ToegewezenProduct"))
    forms = {care_forms[c] for c in codes}
    for form in ("ambulant", "pleegzorg", "gezinshuis", "behandeld_wonen", "gesloten", "verblijf_overig",
                 "tom_instroom", "tom_uitstroom"):
        assert form in forms, form
    part_time = [el for _, el in _lines(msgs, "JW301", "ToegewezenProduct") if t(el, "Product/Code") == "35P02"]
    assert part_time and all(int(t(el, "Omvang/Volume")) < 4 for el in part_time)
    assert all(t(el, "Omvang/Eenheid") == "14" for el in part_time)
    declared = [el for _, el in _lines(msgs, "JW323", "Prestatie") if t(el, "ProductCode") == "35P02"]
    assert declared, "no declared part-time foster care"


def test_replacements_within_and_beyond_four_months(msgs, rejected, care_forms):
    verblijf = {c for c, f in care_forms.items() if f not in ("ambulant", "geen_jeugdhulp")}
    starts, stops = {}, {}
    events = []
    for mtype, tag in (("JW305", "StartProduct"), ("JW307", "StopProduct")):
        for m in msgs[mtype]:
            if m.key in rejected:
                continue
            bsn = t(m.root, "Client/Bsn")
            for el in m.root.iter("{*}" + tag):
                key = (bsn, t(el, "ToewijzingNummer"), t(el, "Product/Code"), t(el, "Begindatum"),
                       t(el, "RedenBeeindiging"))
                events.append((m.dag, t(el, "StatusAanlevering") == "1", mtype, key, t(el, "Einddatum")))
    for _dag, is_new, mtype, key, eind in sorted(events, key=lambda e: (e[0], e[1])):
        target = starts if mtype == "JW305" else stops
        if is_new:
            target[key] = eind
        else:
            target.pop(key, None)
    per_youth = defaultdict(list)
    for key in starts:
        bsn, nr, code, begin, _ = key
        if code not in verblijf:
            continue
        ends = [e for k, e in stops.items() if k[:4] == key[:4] and k[4] != "20"]
        per_youth[bsn].append((date.fromisoformat(begin), date.fromisoformat(ends[0]) if ends else None))
    within = beyond = 0
    for segs in per_youth.values():
        segs.sort()
        end_so_far = None
        for begin, end in segs:
            if end_so_far is not None and begin > end_so_far:
                if begin <= add_months(end_so_far, 4):
                    within += 1
                else:
                    beyond += 1
            if end is None:
                break
            end_so_far = max(end_so_far or end, end)
    assert within >= 1 and beyond >= 1, (within, beyond)


def _signed(el, amount: str, dc: str) -> int:
    return int(t(el, amount)) * (1 if t(el, dc) == "D" else -1)


def test_declarations_are_consistent(msgs):
    prestaties: dict[tuple[str, str], tuple] = {}
    totals: dict[tuple[str, str], int] = {}
    credits = late = 0
    for m in msgs["JW323"]:
        agb = m.h("Afzender")
        d = m.root.find("{*}Declaratie")
        pb = date.fromisoformat(t(d, "DeclaratiePeriode/Begindatum"))
        pe = date.fromisoformat(t(d, "DeclaratiePeriode/Einddatum"))
        assert pb.day == 1 and add_months(pb, 1) == date.fromordinal(pe.toordinal() + 1), m.path
        total = 0
        for x in d.iter("{*}Prestatie"):
            b = date.fromisoformat(t(x, "ProductPeriode/Begindatum"))
            e = date.fromisoformat(t(x, "ProductPeriode/Einddatum"))
            assert (b.year, b.month) == (e.year, e.month) and b <= e <= pe
            amount = int(t(x, "IngediendBedrag/Bedrag"))
            assert amount == int(t(x, "GeleverdVolume")) * int(t(x, "ProductTarief"))
            sign = 1 if t(x, "IngediendBedrag/DebetCredit") == "D" else -1
            total += sign * amount
            ref = t(x, "ProductReferentie/ReferentieNummer")
            assert (agb, ref) not in prestaties, "ReferentieNummer reused"
            prestaties[(agb, ref)] = (t(x, "ProductReferentie/VorigReferentieNummer"), m.dag, sign)
            credits += sign < 0
            late += (m.dag.year * 12 + m.dag.month) - (e.year * 12 + e.month) > 2
            assert t(x, "Eenheid") in ("14", "04")
        tot = int(t(d, "TotaalIngediendBedrag/TotaalBedrag"))
        assert (tot if t(d, "TotaalIngediendBedrag/DebetCredit") == "D" else -tot) == total
        totals[(agb, m.h("BerichtIdentificatie/Identificatie"))] = total
    assert credits > 0 and late > 0

    answered = Counter()
    rejected_refs = set()
    fully = partly = 0
    for m in msgs["JW325"]:
        agb, decl = m.h("Ontvanger"), m.h("DeclaratieIdentificatie/Identificatie")
        answered[(agb, decl)] += 1
        a = m.root.find("{*}DeclaratieAntwoord")
        ti = _signed(a, "TotaalIngediendBedrag/TotaalBedrag", "TotaalIngediendBedrag/DebetCredit")
        tt = _signed(a, "TotaalToegekendBedrag/TotaalBedrag", "TotaalToegekendBedrag/DebetCredit")
        assert ti == totals[(agb, decl)]
        returned = 0
        for x in a.findall(".//{*}Prestatie"):
            returned += int(t(x, "IngediendBedrag/Bedrag")) * (1 if t(x, "IngediendBedrag/DebetCredit") == "D" else -1)
            rejected_refs.add((agb, t(x, "ProductReferentie/ReferentieNummer")))
        assert returned == ti - tt
        if a.find("{*}Clienten") is None:
            assert t(a, "RetourCodes/RetourCode") == "8001" and ti == tt
            fully += 1
        else:
            partly += 1
    assert all(v == 1 for v in answered.values()), "more than one 325 on a 323"
    assert fully > 0 and partly > 0
    codes = Counter(c.text for m in msgs["JW325"] for x in m.root.iter("{*}Prestatie")
                    for c in x.find("{*}RetourCodes"))
    assert codes["0611"] > 0
    # credits refer to an approved (never rejected) debit of the same provider
    for (agb, _ref), (vorig, dag, sign) in prestaties.items():
        if vorig:
            assert sign < 0 and (agb, vorig) in prestaties and (agb, vorig) not in rejected_refs
            assert prestaties[(agb, vorig)][1] < dag


def test_every_start_and_declaration_refers_to_an_assignment(msgs, rejected):
    numbers = {(m.h("Afzender"), t(el, "ToewijzingNummer")) for m, el in _lines(msgs, "JW301", "ToegewezenProduct")}
    for mtype, tag in (("JW305", "StartProduct"), ("JW307", "StopProduct")):
        for m, el in _lines(msgs, mtype, tag):
            if m.key not in rejected:
                assert (m.h("Ontvanger"), t(el, "ToewijzingNummer")) in numbers, m.path.name
    for m, el in _lines(msgs, "JW323", "Prestatie"):
        assert (m.h("Ontvanger"), t(el, "ToewijzingNummer")) in numbers


# ---------------------------------------------------------------------------------------------- privacy
def test_personal_strings_are_fake_and_present(region, msgs):
    out, _ = region
    strings = personal_strings(out)
    assert "Voorbeeldstraat" in strings
    surnames = {s for s in strings if s.startswith("Testpersoon-")}
    assert len(surnames) >= 40
    assert not any(s in {"Almere", "Lelystad"} for s in strings)
    adres = [m for m in msgs["JW301"] if m.root.find(".//{*}Contactgegevens/{*}Contact/{*}Adres") is not None]
    assert len(adres) == len(msgs["JW301"])


# ---------------------------------------------------------------------------------------------- arguments
def test_refuses_a_non_empty_folder_and_bad_arguments(region, tmp_path):
    out, _ = region
    with pytest.raises(FileExistsError):
        generate_region(out, youths=5, years=(2024, 2025))
    with pytest.raises(ValueError):
        generate_region(tmp_path / "a", youths=5, years=(2026, 2024))
    with pytest.raises(ValueError):
        generate_region(tmp_path / "b", youths=5, municipalities=["9999"])


def test_municipality_subset_and_until(tmp_path):
    summary = generate_region(tmp_path, youths=15, years=(2025, 2026), municipalities=["0184"],
                              until=date(2026, 6, 30), with_errors=False)
    assert summary.municipalities == ("0184",) and summary.error_files == 0
    for p in _files(tmp_path):
        m = Msg(p)
        assert "0184" in (m.h("Afzender"), m.h("Ontvanger"))
        assert m.dag <= date(2026, 6, 30)


def test_plans_reaching_far_beyond_the_last_year_do_not_stop_the_generator(tmp_path):
    """A chain of stays planned from late 2025 can reach 2030, past the working-day calendar that used to end
    four years after the last year (IndexError in WorkCalendar.next_wd for this seed); none of it is sent."""
    summary = generate_region(tmp_path, seed=11, youths=250, years=(2023, 2025), with_errors=False)
    assert summary.until == date(2025, 12, 31) and summary.total_files > 0
    assert max(Msg(p).dag for p in _files(tmp_path)[-200:]) <= date(2025, 12, 31)


def test_working_day_calendar():
    cal = WorkCalendar(load_holidays(SEEDS_DIR), date(2025, 1, 1), date(2026, 12, 31))
    assert cal.add(date(2025, 12, 24), 1) == date(2025, 12, 29)  # Christmas and Boxing Day, weekend
    assert cal.between(date(2025, 12, 24), date(2025, 12, 29)) == 1
    assert cal.add(date(2025, 4, 30), 3) == date(2025, 5, 6)  # 5 May (Bevrijdingsdag) is a holiday in the seed
    assert add_months(date(2025, 10, 31), 4) == date(2026, 2, 28)
