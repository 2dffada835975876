"""End to end for the non-message inputs (CBS, population, provider templates, municipal exports, scores):
landing files -> ingest -> dbt -> marts.kpi_values / marts.delivery_status, on the named scenario "Inputs".

Scenario "Inputs" (peildatum 2026-06-30; P1 = 75750001 and P2 = 75750002 report to CBS, P9 = 75750009 and
P11 = 75750011 do not; 11 providers are under contract in 2025-H2, 75750010's contract ended 2025-06-30):

CBS spiegelrapportages 2025-H2
  P1 first report (voorlopig; beeindigd 50, uitval 03 = 20), then a correction (definitief) that replaces it:
     beeindigd 40; uitval 01:28 02:4 03:5 04:2 05:1; tevredenheid jeugdige 9:10 8:6 6:4 3:2 (22),
     ouder 8:5 4:3 (8); zonder_hulp_verder jeugdige 01:4 02:6 03:5 04:7 (22); geen_nieuwe_start 30
  P2 shareable (deelbaar, voorlopig) per municipality:
     0034 beeindigd 20; uitval 01:12, 03:'.', 05:'.' (suppressed); tevredenheid jeugdige 8:10; geen_nieuwe_start 15
     0995 beeindigd 12; uitval 01:12; geen_nieuwe_start 10
Population (cbs_bevolking, 1 Jan 2025 only): 0034 100 per age 0..22, 0995 50 per age, then a later file for
  0995 with 60 per age that replaces it -> aged 0-17: 1800 and 1080
Messages: Anna (0034, born 2010-05-01) pleegzorg @P2 2025-02-01..2025-08-31; Bob (0034, born 2006-03-03)
  behandeld wonen @P1 2025-01-10..2025-05-31; Cees (0995, born 2015-01-01) gezinshuis @P3 from 2025-03-01 (open);
  Dirk (0034) assignment 45A01 @P7 sent 2025-08-22, rejected 2025-08-25, ended by a 301 sent 2025-08-29;
  Eva (0034) assignment 45A02 @P7 sent 2025-09-21, rejected 2025-09-22, never ended.
  Anna's pleegzorg declared for March, April, May 2025; the 325s are dated 2025-04-10, 05-13, 06-12.
Municipal exports: aanvragen R1 0034 2025-01-06 -> 2025-03-04 (57 days), R2 0034 2025-02-01 -> 2025-03-30
  (57 days; re-sent in a later export with besluit 2025-03-20 = 47 days, which replaces it), R3 0995 2025-05-01
  undecided, R4 0995 2025-06-20 -> 2025-07-10 (20 days); afwijzingen Dirk, Eva; betalingen: April's
  declaration paid 2025-04-18, May's... (see build()).
Provider templates 2025-H2: P9 workbook made with `jeugdkpi template` (test_template.py asserts its rows), a
  later P9 workbook with an error (rejected; the first stays in force); P11 CSV delivered twice (DB01 5/5, then
  2/5: the later replaces the earlier).
Scores: P1 2025-10-15 hulpverleningsplan 7, perspectiefplan 10, eigen_kracht 4 (corrected to 7 by a later
  file), landelijke_bijdrage 10; P2 2025-11-03 hulpverleningsplan 10.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from openpyxl import load_workbook

from jeugdkpi.cli import main as cli
from jeugdkpi.generate import render
from jeugdkpi.generate.model import AsgLine, Hdr
from jeugdkpi.warehouse import connect
from scenario import Scenario, run_scenario

P1, P2, P3, P7, P9, P11 = "75750001", "75750002", "75750003", "75750007", "75750009", "75750011"
D = dt.date.fromisoformat

# What the test fills into P9's template (test_template.py checks these come back as KPI rows).
P9_KPI = {"DB01": (8, 10), "DB02": (3, 4), "DB03": (5, 5), "LR01": (7, 10), "LR02": (4, 8), "LR03": (6, 8),
          "LR04": (2, 8), "PP01": (1, 2), "OI06": (9, 12), "OI07": (3, 12), "CT01": (7.5, 20), "CT02": (20, 50),
          "EG03": (15, 10)}
P9_KLACHTEN = (4, 3, 2, 1, 60)  # aantal, clienten met klacht, afgehandeld, gegrond, aantal_clienten

SPIEGEL_HEAD = "aanbieder_agb,periode,versie,cbs_status,gemeentecode,hulpvorm,indicator,informant,categorie,aantal\n"


def _spiegel(agb, versie, status, cells) -> str:
    return SPIEGEL_HEAD + "".join(f"{agb},2025-H2,{versie},{status},{g},,{i},{inf},{c},{n}\n"
                                  for g, i, inf, c, n in cells)


def write(path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)


def fill_template(path, kpi: dict, klachten: tuple) -> None:
    wb = load_workbook(path)
    ws = wb["KPI"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for k, (t, n) in kpi.items():
        ws.cell(rows[k], 4, t)
        ws.cell(rows[k], 5, n)
    for c, v in enumerate(klachten, 1):
        wb["Klachten"].cell(2, c, v)
    wb.save(path)


def build(landing) -> None:
    # --- messages
    s = Scenario(landing)
    anna, bob = s.youth("Anna", "0034", "2010-05-01"), s.youth("Bob", "0034", "2006-03-03")
    cees, dirk, eva = s.youth("Cees", "0995", "2015-01-01"), s.youth("Dirk", "0034"), s.youth("Eva", "0034")
    a = s.care(anna, P2, "35", "35P01", "pleegzorg", "2025-02-01", "2025-08-31")
    s.care(bob, P1, "43", "43B01", "behandeld_wonen", "2025-01-10", "2025-05-31")
    s.care(cees, P3, "36", "36G01", "gezinshuis", "2025-03-01", None)
    d = s.assignment(dirk, P7, "45", "45A01", "ambulant", "2025-09-01", "2025-12-31", sent="2025-08-22")
    e = s.assignment(eva, P7, "45", "45A02", "ambulant", "2025-10-01", "2025-12-31", sent="2025-09-21")
    # Dirk's assignment ended by the municipality (new version, Einddatum 2025-09-01, RedenWijziging 05)
    line = AsgLine(d.nr, None, "45", "45A01", D("2025-08-29"), "11:00:00", D("2025-09-01"), D("2025-09-01"), "05",
                   7, "04", "4")
    xml, _ = render.jw301(Hdr("301", "0034", P7, s._ident("T"), D("2025-08-29")), dirk, [line])
    s._write("301", xml)
    numbers = []
    for month, sent, answered in (("2025-03", "2025-04-04", "2025-04-10"), ("2025-04", "2025-05-06", "2025-05-13"),
                                  ("2025-05", "2025-06-05", "2025-06-12")):
        end = {"2025-03": "31", "2025-04": "30", "2025-05": "31"}[month]
        s.declaration(P2, "0034", month, sent, [s.prestatie(a, f"A{month}", f"{month}-01", f"{month}-{end}", 8)],
                      answered=answered)
        numbers.append(f"D{s._seq - 1:08d}")
    # --- CBS
    write(landing / "cbs_spiegel" / "p1_2025H2_1.csv", _spiegel(P1, "volledig", "voorlopig", [
        ("", "beeindigd", "", "", 50), ("", "uitval", "", "03", 20), ("", "uitval", "", "01", 30)]))
    p1 = [("", "beeindigd", "", "", 40)] + [("", "uitval", "", c, n) for c, n in
                                             (("01", 28), ("02", 4), ("03", 5), ("04", 2), ("05", 1))]
    p1 += [("", "tevredenheid", "jeugdige", c, n) for c, n in (("9", 10), ("8", 6), ("6", 4), ("3", 2))]
    p1 += [("", "tevredenheid", "ouder", c, n) for c, n in (("8", 5), ("4", 3))]
    p1 += [("", "zonder_hulp_verder", "jeugdige", c, n) for c, n in (("01", 4), ("02", 6), ("03", 5), ("04", 7))]
    p1 += [("", "geen_nieuwe_start", "", "", 30)]
    write(landing / "cbs_spiegel" / "p1_2025H2_2_correctie.csv", _spiegel(P1, "volledig", "definitief", p1))
    write(landing / "cbs_spiegel" / "p2_2025H2_deelbaar.csv", _spiegel(P2, "deelbaar", "voorlopig", [
        ("0034", "beeindigd", "", "", 20), ("0034", "uitval", "", "01", 12), ("0034", "uitval", "", "03", "."),
        ("0034", "uitval", "", "05", "."), ("0034", "tevredenheid", "jeugdige", "8", 10),
        ("0034", "geen_nieuwe_start", "", "", 15),
        ("0995", "beeindigd", "", "", 12), ("0995", "uitval", "", "01", 12),
        ("0995", "geen_nieuwe_start", "", "", 10)]))
    # when the reports landed (deadline 2026-04-01; the run is long after it): P1's first report before the
    # deadline, its correction after it; P2's report the day after the deadline
    for name, moment in (("p1_2025H2_1.csv", "2026-03-30 10:00"), ("p1_2025H2_2_correctie.csv", "2026-04-14 09:00"),
                         ("p2_2025H2_deelbaar.csv", "2026-04-02 08:30")):
        stamp = dt.datetime.fromisoformat(moment).timestamp()
        os.utime(landing / "cbs_spiegel" / name, (stamp, stamp))
    # --- population (synthetic test figures)
    pop = "gemeentecode,peildatum,leeftijd,geslacht,aantal,bron_tabel,bron_periode\n" + "".join(
        f"{g},2025-01-01,{age},T,{n},test,2025JJ00\n" for g, n in (("0034", 100), ("0995", 50)) for age in range(23))
    write(landing / "cbs_bevolking" / "bevolking_test.csv", pop)
    # a later file for 0995 on 1 Jan 2025 (60 per age) replaces the first one for that municipality and date
    write(landing / "cbs_bevolking" / "bevolking_test_2.csv", pop.splitlines()[0] + "\n" + "".join(
        f"0995,2025-01-01,{age},T,60,test,2025JJ00\n" for age in range(23)))
    # --- municipal exports
    write(landing / "gemeente" / "1" / "aanvragen.csv", "request_id,gemeentecode,aanvraagdatum,besluitdatum\n"
          "R1,0034,2025-01-06,2025-03-04\nR2,0034,2025-02-01,2025-03-30\nR3,0995,2025-05-01,\n"
          "R4,0995,2025-06-20,2025-07-10\n")
    write(landing / "gemeente" / "2" / "aanvragen_correctie.csv",
          "request_id,gemeentecode,aanvraagdatum,besluitdatum\nR2,0034,2025-02-01,2025-03-20\n")
    write(landing / "gemeente" / "afwijzingen.csv", "gemeentecode,toewijzingnummer,aanbieder_agb,afwijzingsdatum\n"
          f"0034,{d.nr},{P7},2025-08-25\n0034,{e.nr},{P7},2025-09-22\n")
    write(landing / "gemeente" / "betalingen.csv", "aanbieder_agb,declaratienummer,betaaldatum\n"
          f"{P2},{numbers[0]},2025-04-18\n{P2},{numbers[1]},2025-06-10\n")
    # --- scores
    write(landing / "kwaliteitsgesprekken" / "2025.csv", "aanbieder_agb,gespreksdatum,onderdeel,score,toelichting\n"
          f"{P1},2025-10-15,hulpverleningsplan,7,\n{P1},2025-10-15,perspectiefplan,10,\n"
          f"{P1},2025-10-15,eigen_kracht,4,\n{P1},2025-10-15,landelijke_bijdrage,10,\n"
          f"{P2},2025-11-03,hulpverleningsplan,10,\n")
    write(landing / "kwaliteitsgesprekken" / "2025_correctie.csv",  # replaces P1's eigen_kracht score 4 by 7
          f"aanbieder_agb,gespreksdatum,onderdeel,score,toelichting\n{P1},2025-10-15,eigen_kracht,7,\n")
    # --- provider templates: P9 through the command, filled like a provider would
    first = landing / "aanbieders" / "a_p9_2025H2.xlsx"
    assert cli(["template", "--aanbieder", P9, "--periode", "2025-H2", "--out", str(first)]) == 0
    fill_template(first, P9_KPI, P9_KLACHTEN)
    bad = landing / "aanbieders" / "b_p9_2025H2_fout.xlsx"
    assert cli(["template", "--aanbieder", P9, "--periode", "2025-H2", "--out", str(bad)]) == 0
    fill_template(bad, {"DB01": (11, 10)}, P9_KLACHTEN)
    write(landing / "aanbieders" / "c_p11_2025H2.csv",
          f"aanbieder_agb,periode,kpi_id,teller,noemer\n{P11},2025-H2,DB01,5,5\n{P11},2025-H2,CT01,8,30\n")
    write(landing / "aanbieders" / "d_p11_2025H2_nieuw.csv",
          f"aanbieder_agb,periode,kpi_id,teller,noemer\n{P11},2025-H2,DB01,2,5\n{P11},2025-H2,CT01,8,30\n"
          f"{P11},2025-H2,EG03,6,6\n")


_RUN: dict = {}  # module-level cache: test_template.py imports this fixture, and must not run the pipeline again


@pytest.fixture(scope="session")
def inputs_run(tmp_path_factory):
    """One pipeline run for test_e2e_inputs.py and test_template.py."""
    if "result" not in _RUN:
        _RUN["result"] = _run_pipeline(tmp_path_factory)
    return _RUN["result"]


def _run_pipeline(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("e2e_inputs")
    settings = run_scenario(root, build)
    with connect(settings.warehouse, read_only=True) as con:
        kpis = con.execute("SELECT * FROM marts.kpi_values").df()
        status = con.execute("SELECT * FROM marts.delivery_status").df()
        runs = con.execute("SELECT source, records_in, records_loaded, records_quarantined FROM audit.ingest_runs "
                           "ORDER BY source").fetchall()
        quarantine = con.execute("SELECT file_path, record_locator, reason_code FROM audit.quarantine "
                                 "WHERE source <> 'berichten' ORDER BY 1, 2").fetchall()
        scores = con.execute("SELECT provider_agb, onderdeel, score, verbeterdatum "
                             "FROM staging.stg_gemeente__kwaliteitsgesprekken ORDER BY 1, 2").fetchall()
    return {"kpis": kpis, "status": status, "runs": runs, "quarantine": quarantine, "scores": scores}


def row(rows, kpi, period, municipality=None, provider=None):
    sel = rows[(rows.kpi_id == kpi) & (rows.period == period)]
    for col, val in (("municipality_code", municipality), ("provider_agb", provider)):
        sel = sel[sel[col].isna()] if val is None else sel[sel[col] == val]
    sel = sel[sel.care_form.isna()]
    assert len(sel) == 1, f"{kpi} {period} {municipality} {provider}: {len(sel)} rows"
    return sel.iloc[0]


def ratio(rows, kpi, period, **grain):
    r = row(rows, kpi, period, **grain)
    return r.numerator, r.denominator, r.value


def absent(rows, kpi, period, municipality=None, provider=None) -> bool:
    sel = rows[(rows.kpi_id == kpi) & (rows.period == period)]
    for col, val in (("municipality_code", municipality), ("provider_agb", provider)):
        sel = sel[sel[col].isna()] if val is None else sel[sel[col] == val]
    return len(sel) == 0


def test_every_source_reconciles(inputs_run):
    runs = {r[0]: r[1:] for r in inputs_run["runs"]}
    for source in ("aanbieders", "cbs_bevolking", "cbs_spiegel", "gemeente", "kwaliteitsgesprekken"):
        n_in, loaded, quarantined = runs[source]
        assert n_in == loaded + quarantined, source
    # the only rejected input: P9's second workbook (DB01 teller 11 > noemer 10), cell by cell
    assert inputs_run["quarantine"] == [("b_p9_2025H2_fout.xlsx", "KPI!D3", "teller_gt_noemer")]


def test_cbs_outcome_indicators(inputs_run):
    k = inputs_run["kpis"]
    # OI01 uitval (code 03): P1's correction replaces its first report (which had 20 of 50): 5 / 40
    assert ratio(k, "OI01", "2025-H2", provider=P1) == (5, 40, 12.5)
    # P2's 0034 cell 03 is suppressed: P2 has no provider row, the region is P1 alone and is_partial
    assert absent(k, "OI01", "2025-H2", provider=P2)
    region = row(k, "OI01", "2025-H2")
    assert (region.numerator, region.denominator, region.value, bool(region.is_partial)) == (5, 40, 12.5, True)
    assert ratio(k, "OI01", "2025-H2", municipality="0995") == (0, 12, 0)  # 0995's cells are complete
    assert absent(k, "OI01", "2025-H2", municipality="0034")             # only a suppressed contribution
    assert bool(row(k, "OI01", "2025-H2", municipality="0995").is_partial) is False
    # OI02 score >= 8: P1 (10 + 6 + 5) / (22 + 8) = 21/30; P2 10/10; region 31/40 (nothing suppressed)
    assert ratio(k, "OI02", "2025-H2", provider=P1) == (21, 30, 70)
    assert ratio(k, "OI02", "2025-H2") == (31, 40, 77.5)
    assert bool(row(k, "OI02", "2025-H2").is_partial) is False
    assert ratio(k, "OI02", "2025-H2", municipality="0034") == (10, 10, 100)
    # OI03 score <= 4: P1 (2 + 3)/30, P2 0/10 -> 5/40
    assert ratio(k, "OI03", "2025-H2") == (5, 40, 12.5)
    # OI04 zonder hulp verder 03+04: (5 + 7) / 22
    assert ratio(k, "OI04", "2025-H2")[:2] == (12, 22)
    assert ratio(k, "OI04", "2025-H2")[2] == pytest.approx(1200 / 22)
    # OI05 geen nieuwe start / beeindigd: P1 30/40, P2 (15 + 10)/(20 + 12); region 55/72
    assert ratio(k, "OI05", "2025-H2", provider=P2) == (25, 32, 78.125)
    assert ratio(k, "OI05", "2025-H2")[:2] == (55, 72)
    # OI08 measured (youth informant) / ended: P1 22/40, P2 10/32 -> 32/72
    assert ratio(k, "OI08", "2025-H2")[:2] == (32, 72)
    # definitive P1 vs provisional (voorlopig) P2; a year with only H2 is partial
    assert bool(row(k, "OI05", "2025-H2", provider=P1).is_provisional) is False
    assert bool(row(k, "OI05", "2025-H2", provider=P2).is_provisional) is True
    y = row(k, "OI05", "2025", provider=P1)
    assert (y.numerator, y.denominator, bool(y.is_partial)) == (30, 40, True)
    assert set(k[k.kpi_id.str.startswith("OI0") & k.kpi_id.isin(["OI01", "OI02", "OI05"])].source) == {"cbs_spiegel"}


def test_vb02_population_share(inputs_run):
    k = inputs_run["kpis"]
    # 2025: Anna (0034, 14 on 1 Jan 2025) and Cees (0995, born 1 Jan 2015: 10) count; Bob (18) does not
    assert ratio(k, "VB02", "2025", municipality="0034")[:2] == (1, 1800)
    assert ratio(k, "VB02", "2025", municipality="0995")[:2] == (1, 1080)  # the later file (60 x 18)
    r = row(k, "VB02", "2025")
    assert (r.numerator, r.denominator, r.value, bool(r.is_provisional)) == (2, 2880, pytest.approx(200 / 2880), False)
    assert r.source == "cbs_bevolking"
    # 2026: no population of 1 Jan 2026 yet -> 2025's, provisional; only Cees is still in verblijf
    r = row(k, "VB02", "2026")
    assert (r.numerator, r.denominator, bool(r.is_provisional)) == (1, 2880, True)


def test_provider_template_kpis(inputs_run):
    k = inputs_run["kpis"]
    # DB01: P9 8/10 and P11's later CSV 2/5 (replacing 5/5): region (8 + 2)/(10 + 5)
    assert ratio(k, "DB01", "2025-H2", provider=P11) == (2, 5, 40)
    assert ratio(k, "DB01", "2025-H2")[:2] == (10, 15)
    # P9's rejected second workbook (DB01 11/10) left the first in force
    assert ratio(k, "DB01", "2025-H2", provider=P9) == (8, 10, 80)
    # CT01 respondent-weighted: (7.5 x 20 + 8 x 30) / 50 = 7.8; EG03 (15 + 6) / (10 + 6)
    assert row(k, "CT01", "2025-H2").value == pytest.approx(7.8)
    assert row(k, "EG03", "2025-H2").value == pytest.approx(21 / 16)
    assert row(k, "EG03", "2025-H2").n_youths == 16
    # KL from P9's Klachten sheet: 4 complaints, 3 of 60 clients, 2 of 4 handled, 1 upheld
    assert row(k, "KL01", "2025-H2").value == 4
    assert ratio(k, "KL02", "2025-H2", provider=P9) == (3, 60, 5)
    assert ratio(k, "KL03", "2025-H2") == (2, 4, 50)
    assert row(k, "KL04", "2025-H2").value == 1
    assert set(k[k.kpi_id == "DB01"].source) == {"aanbieder"}


def test_municipal_process_kpis(inputs_run):
    k = inputs_run["kpis"]
    # AP02: H1 decisions R1 (57 days, late) and R2 (47 days after the correction replaced 57) -> 1/2;
    # year: + R4 (20 days) -> 2/3; R3 is undecided and not counted
    assert ratio(k, "AP02", "2025-H1", municipality="0034") == (1, 2, 50)
    assert ratio(k, "AP02", "2025")[:2] == (2, 3)
    assert ratio(k, "AP02", "2025-H2", municipality="0995") == (1, 1, 100)
    # AP06: assignments first sent in 2025 = Anna, Cees, Dirk, Eva; Dirk and Eva rejected -> 2/4
    assert ratio(k, "AP06", "2025") == (2, 4, 50)
    assert ratio(k, "AP06", "2024") == (1, 1, 100)  # Bob's 301 was sent 2024-12-31
    # AP07: Dirk's assignment ended 4 working days after the rejection (26-29 Aug), Eva's never -> 1/2
    assert ratio(k, "AP07", "2025-H2") == (1, 2, 50)
    # AP10: 325 of 2025-04-10 paid 04-18 (6 working days), 05-13 paid 06-10 (18: Ascension Day and Whit
    # Monday excluded), 06-12 unpaid at peildatum -> 1/3
    assert ratio(k, "AP10", "2025-H1", provider=P2)[:2] == (1, 3)
    assert set(k[k.kpi_id.isin(["AP02", "AP06", "AP07", "AP10"])].source) == {"gemeente"}


def test_quality_conversation_scores(inputs_run):
    k = inputs_run["kpis"]
    assert row(k, "KG01", "2025-H2").value == 8.5        # (7 + 10) / 2 conversations
    assert row(k, "KG01", "2025-H2", provider=P1).value == 7
    assert row(k, "KG03", "2025").value == 7  # the correction replaced 4
    assert row(k, "KG01", "2025").target == 10 and bool(row(k, "KG01", "2025").target_met) is False
    assert (P1, "eigen_kracht", 7, dt.date(2025, 11, 26)) in [
        (a, b, c, d.date() if hasattr(d, "date") else d) for a, b, c, d in inputs_run["scores"]]


def test_al01_and_delivery_status(inputs_run):
    k, st = inputs_run["kpis"], inputs_run["status"]
    # 11 providers under contract in 2025-H2; delivered: P1, P2 (CBS) and P9, P11 (template) -> 4/11
    assert ratio(k, "AL01", "2025-H2")[:2] == (4, 11)
    assert ratio(k, "AL01", "2025-H2", provider=P9) == (1, 1, 100)
    h2 = st[st.period == "2025-H2"]
    counts = h2.groupby(["delivery", "status"]).size().to_dict()
    # CBS expected from the 9 reporting providers under contract; templates from all 11; deadline 2026-04-01
    assert counts == {("cbs_spiegel", "received"): 2, ("cbs_spiegel", "missing"): 7,
                      ("aanbieder_template", "received"): 2, ("aanbieder_template", "missing"): 9}
    p9 = h2[(h2.provider_agb == P9) & (h2.delivery == "aanbieder_template")].iloc[0]
    assert (p9.n_deliveries, p9.n_rejected, p9.file_path) == (1, 1, "a_p9_2025H2.xlsx")
    p1 = h2[(h2.provider_agb == P1) & (h2.delivery == "cbs_spiegel")].iloc[0]
    assert (p1.n_deliveries, p1.file_path) == (2, "p1_2025H2_2_correctie.csv")
    # received = when the first accepted report landed (its mtime), not when the run read it: P1 on time (its
    # correction came later), P2 late; P2's report has uitval cells blanked by CBS ("."), which feed OI01 only
    p2 = h2[(h2.provider_agb == P2) & (h2.delivery == "cbs_spiegel")].iloc[0]
    assert (str(p1.received_at), bool(p1.is_late)) == ("2026-03-30 10:00:00", False)
    assert (str(p2.received_at), bool(p2.is_late)) == ("2026-04-02 08:30:00", True)
    cbs = h2[h2.delivery == "cbs_spiegel"]
    assert {agb: kpis for agb, kpis in zip(cbs.provider_agb, cbs.cbs_suppressed_kpis) if isinstance(kpis, str)} == \
        {P2: "OI01"}
    # 2026-H1 has ended at peildatum 2026-06-30, its deadline 2026-10-01 has not passed: expected
    assert set(st[st.period == "2026-H1"].status) == {"expected"}
    assert str(st[st.period == "2026-H1"].deadline.iloc[0])[:10] == "2026-10-01"
