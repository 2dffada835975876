"""End to end: the administrative-process KPIs (AP01, AP03, AP04, AP05, AP08, AP09, AP11, AP12) on a named scenario.

Scenario "Vier dossiers" (peildatum 2026-06-30; working days G9 from seeds/holidays.csv). Providers P7
(ambulant) and P5 (behandeld wonen); gemeente 0034 Almere unless noted.

  Ada   315 VOT-A Mon 2025-03-03 -> 301 with ReferentieAanbieder VOT-A sent Mon 03-10 (5 wd: AP12 on time),
        Ingangsdatum 03-17 (301 before it: AP03 on time). 305 Begindatum Mon 04-07 (21 days after Ingangsdatum:
        AP01 on time) sent Wed 04-09 (2 wd: AP04 on time). 307 Einddatum Mon 06-30 sent Tue 07-08
        (Tue 1, Wed 2, Thu 3, Fri 4, Mon 7, Tue 8 = 6 wd: AP05 late).
  Bo    315 VOT-B Mon 2025-03-03 -> 319 VerzoekAntwoord 2 "in onderzoek" Thu 03-06 (3 wd: AP12 on time, the
        clock stops) -> 301 VOT-B sent Mon 04-14 = its Ingangsdatum (AP03 late). 305 Begindatum Mon 05-26
        (42 days: AP01 late) sent Mon 06-02 (Tue 27, Wed 28, [Thu 29 Hemelvaart], Fri 30, Mon 2 = 4 wd: AP04 on
        time), still in care. May 2026 declared Thu 2026-06-25, no 325 yet (3 wd by peildatum: AP09 pending).
  Cor   (0995 Lelystad) 301 sent 2024-12-20, Ingangsdatum 2025-01-06 (AP03 on time); 305 Begindatum Mon 01-06
        (0 days: AP01 on time) sent Mon 01-20 (10 wd: AP04 late); 307 Einddatum Thu 04-17 sent Fri 04-25
        (Fri 18, [Mon 21 Tweede Paasdag], Tue 22, Wed 23, Thu 24, Fri 25 = 5 wd: AP05 on time).
        Declarations (323 -> 325):
          D1 Wed 02-05 -> Wed 02-12 (5 wd, on time): C1 Jan (credited later)
          D2 Wed 03-05 -> Thu 03-20 (11 wd, late): credit of C1, re-debit C1b Jan, C2 Feb
          D3 Fri 04-04 -> Thu 04-10 (4 wd, on time): C3 Mar, rejected (0611)
          D4 Thu 07-03, no 325 (overdue at peildatum: late): C4 1-17 Apr, declared 3 months late (AP11 pending)
  Dirk  315 VOT-D Mon 2025-09-01, never answered (AP12 late). 315 VOT-E Wed 2026-06-24, unanswered, 4 wd by
        peildatum (AP12 pending).
"""

from __future__ import annotations

import pytest

from jeugdkpi.warehouse import connect
from scenario import Scenario, run_scenario

P5, P7 = "75750005", "75750007"


def build(landing):
    s = Scenario(landing)
    ada, bo, cor, dirk = s.youth("Ada", "0034"), s.youth("Bo", "0034"), s.youth("Cor", "0995"), \
        s.youth("Dirk", "0034")
    # Ada
    s.request(ada, P7, "45", "45A01", "ambulant", "2025-03-17", sent="2025-03-03", ref="VOT-A")
    a = s.assignment(ada, P7, "45", "45A01", "ambulant", "2025-03-17", "2025-12-31", sent="2025-03-10", ref="VOT-A")
    s.start(a, "2025-04-07", sent="2025-04-09")
    s.stop(a, "2025-04-07", "2025-06-30", sent="2025-07-08")
    # Bo
    s.request(bo, P7, "45", "45A02", "ambulant", "2025-04-14", sent="2025-03-03", ref="VOT-B")
    s.answer("0034", P7, "VOT-B", "2", sent="2025-03-06")
    b = s.assignment(bo, P7, "45", "45A02", "ambulant", "2025-04-14", "2027-12-31", sent="2025-04-14", ref="VOT-B")
    s.start(b, "2025-05-26", sent="2025-06-02")
    s.declaration(P7, "0034", "2026-05", "2026-06-25", [s.prestatie(b, "B2605", "2026-05-01", "2026-05-31", 10)],
                  answered=None)
    # Cor
    c = s.assignment(cor, P5, "43", "43B01", "behandeld_wonen", "2025-01-06", "2025-12-31", sent="2024-12-20")
    s.start(c, "2025-01-06", sent="2025-01-20")
    s.stop(c, "2025-01-06", "2025-04-17", sent="2025-04-25")
    s.declaration(P5, "0995", "2025-01", "2025-02-05", [s.prestatie(c, "C1", "2025-01-06", "2025-01-31", 26)],
                  answered="2025-02-12")
    s.declaration(P5, "0995", "2025-02", "2025-03-05",
                  [s.prestatie(c, "C1C", "2025-01-06", "2025-01-31", 26, dc="C", vorig="C1"),
                   s.prestatie(c, "C1B", "2025-01-06", "2025-01-31", 25),
                   s.prestatie(c, "C2", "2025-02-01", "2025-02-28", 28)], answered="2025-03-20")
    s.declaration(P5, "0995", "2025-03", "2025-04-04",
                  [s.prestatie(c, "C3", "2025-03-01", "2025-03-31", 31, outcome="0611")], answered="2025-04-10")
    s.declaration(P5, "0995", "2025-04", "2025-07-03", [s.prestatie(c, "C4", "2025-04-01", "2025-04-17", 16)],
                  answered=None)
    # Dirk
    s.request(dirk, P5, "43", "43B01", "behandeld_wonen", "2025-10-01", sent="2025-09-01", ref="VOT-D")
    s.request(dirk, P5, "43", "43B01", "behandeld_wonen", "2026-07-15", sent="2026-06-24", ref="VOT-E")
    return s


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e_ap")
    settings = run_scenario(root, build)
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("SELECT * FROM marts.kpi_values WHERE kpi_id LIKE 'AP%'").df()
        detail = con.execute("SELECT * FROM marts.kpi_values_detail").df()
        items = con.execute("SELECT * FROM marts.ap_items").df()
    return rows, detail, items


def row(rows, kpi, period, municipality=None, provider=None):
    sel = rows[(rows.kpi_id == kpi) & (rows.period == period)]
    for col, val in (("municipality_code", municipality), ("provider_agb", provider)):
        sel = sel[sel[col].isna()] if val is None else sel[sel[col] == val]
    assert len(sel) == 1, f"{kpi} {period} {municipality} {provider}: {len(sel)} rows"
    return sel.iloc[0]


def ratio(rows, kpi, period, **grain):
    """(numerator = on time, denominator = counted, value); late = denominator - numerator."""
    r = row(rows, kpi, period, **grain)
    return r.numerator, r.denominator, round(r.value, 4)


def absent(rows, kpi, period, municipality=None, provider=None) -> bool:
    sel = rows[(rows.kpi_id == kpi) & (rows.period == period)]
    for col, val in (("municipality_code", municipality), ("provider_agb", provider)):
        sel = sel[sel[col].isna()] if val is None else sel[sel[col] == val]
    return len(sel) == 0


def test_ap01_waiting_time_and_median(marts):
    rows, detail, _ = marts
    # Ada 21 days (on time), Bo 42 (late), Cor 0 (on time)
    assert ratio(rows, "AP01", "2025") == (2, 3, round(200 / 3, 4))
    assert ratio(rows, "AP01", "2025-H1") == (2, 3, round(200 / 3, 4))
    assert absent(rows, "AP01", "2025-H2")
    assert ratio(rows, "AP01", "2025", municipality="0034") == (1, 2, 50.0)
    assert ratio(rows, "AP01", "2025", provider=P5) == (1, 1, 100.0)
    assert row(rows, "AP01", "2025")["unit"] == "percentage"
    # medians (kpi_values_detail): region {0, 21, 42} -> 21; Almere {21, 42} -> 31.5 (G12)
    med = row(detail, "AP01", "2025")
    assert (med.value, med.unit, med.statistic, med.n_youths) == (21.0, "days", "median", 3)
    assert row(detail, "AP01", "2025", municipality="0034").value == 31.5
    assert row(detail, "AP01", "2025", provider=P5).value == 0.0


def test_ap03_assignment_before_ingangsdatum(marts):
    rows, _, _ = marts
    # Ada (03-10 < 03-17) and Cor (2024-12-20 < 2025-01-06) on time; Bo sent on its Ingangsdatum: late
    assert ratio(rows, "AP03", "2025") == (2, 3, round(200 / 3, 4))
    assert ratio(rows, "AP03", "2025", provider=P7) == (1, 2, 50.0)
    assert ratio(rows, "AP03", "2025-H1", municipality="0995") == (1, 1, 100.0)
    assert row(rows, "AP03", "2025")["target"] == 80.0 and not row(rows, "AP03", "2025")["target_met"]


def test_ap04_ap05_start_and_stop_messages(marts):
    rows, _, _ = marts
    # AP04: Ada 2 wd, Bo 4 wd (over Hemelvaart), Cor 10 wd (late)
    assert ratio(rows, "AP04", "2025") == (2, 3, round(200 / 3, 4))
    assert ratio(rows, "AP04", "2025", municipality="0995") == (0, 1, 0.0)
    assert ratio(rows, "AP04", "2025", municipality="0034") == (2, 2, 100.0)
    # AP05: Cor 5 wd over Easter Monday (on time), Ada 6 wd (late); both Einddatum in H1
    assert ratio(rows, "AP05", "2025") == (1, 2, 50.0)
    assert ratio(rows, "AP05", "2025-H1") == (1, 2, 50.0)
    assert ratio(rows, "AP05", "2025", provider=P5) == (1, 1, 100.0)
    assert ratio(rows, "AP05", "2025", provider=P7) == (0, 1, 0.0)
    assert absent(rows, "AP05", "2026")


def test_ap08_declared_within_a_month(marts):
    rows, _, _ = marts
    # C1 Jan->Feb 1, C1B Jan->Mar 2 (late), C2 Feb->Mar 1, C3 Mar->Apr 1, C4 Apr->Jul 3 (late); the credit is no item
    assert ratio(rows, "AP08", "2025") == (3, 5, 60.0)
    assert ratio(rows, "AP08", "2025-H1", provider=P5) == (3, 5, 60.0)
    # Bo May 2026 -> June 2026: on time; the period is running
    r26 = row(rows, "AP08", "2026")
    assert (r26.numerator, r26.denominator, bool(r26.is_partial), bool(r26.is_provisional)) == (1, 1, True, True)


def test_ap09_declarations_judged_within_10_working_days(marts):
    rows, detail, _ = marts
    # D1 5 wd, D3 4 wd on time; D2 11 wd late; D4 no 325 and overdue: late
    r = row(rows, "AP09", "2025")
    assert (r.numerator, r.denominator, r.value, r.n_youths, bool(r.is_provisional)) == (2, 4, 50.0, 1, False)
    assert ratio(rows, "AP09", "2025-H1") == (2, 3, round(200 / 3, 4))
    assert ratio(rows, "AP09", "2025-H2") == (0, 1, 0.0)
    assert ratio(rows, "AP09", "2025", municipality="0995") == (2, 4, 50.0)
    # Bo's 2026 declaration is still within its 10 working days: listed, not counted -> no row
    assert absent(rows, "AP09", "2026") and absent(rows, "AP09", "2026-H1")
    # median working days of the answered declarations {5, 11, 4} = 5
    med = row(detail, "AP09", "2025")
    assert (med.value, med.unit) == (5.0, "working_days")
    assert absent(detail, "AP09", "2025-H2")  # D4 has no 325: no working days to take the median of


def test_ap11_right_first_time(marts):
    rows, _, _ = marts
    # C1 credited later and C3 rejected: not right first time; C1B, C2 ok; C4's 323 (D4) has no 325: pending
    # (ruling R2: out of numerator and denominator until its 325 arrives, also after the 10 working days)
    r = row(rows, "AP11", "2025")
    assert (r.numerator, r.denominator, r.value, bool(r.is_provisional)) == (2, 4, 50.0, True)
    assert r.target == 90.0 and not r.target_met
    # Bo's only 2026 debit (B2605) has no 325 yet either: only a pending item, so no row
    assert absent(rows, "AP11", "2026")


def test_ap12_requests_answered_within_5_working_days(marts):
    rows, _, _ = marts
    # VOT-A by its 301 after 5 wd, VOT-B by the 319 "in onderzoek" after 3 wd; VOT-D never answered
    assert ratio(rows, "AP12", "2025") == (2, 3, round(200 / 3, 4))
    assert ratio(rows, "AP12", "2025-H1") == (2, 2, 100.0)
    assert ratio(rows, "AP12", "2025-H2", provider=P5) == (0, 1, 0.0)
    assert absent(rows, "AP12", "2026")  # VOT-E is pending: not counted


def test_ap_items_list_the_late_messages(marts):
    rows, _, items = marts
    late_p5 = items[(items.kpi_id == "AP04") & (items.provider_agb == P5) & (items.on_time == False)]  # noqa: E712
    assert len(late_p5) == 1
    item = late_p5.iloc[0]
    assert (str(item.reference_date.date()), str(item.sent_date.date()), item.days_taken, item.working_days_taken) == (
        "2025-01-06", "2025-01-20", 14, 10)
    assert item.source_file_path.endswith(".xml") and "/305/" in item.source_file_path
    assert len(item.source_file_sha256) == 64 and item.toewijzingnummer > 0 and item.youth_key
    assert item.kpi_name == "Tijdig startzorgbericht (305)" and item.norm_value == 5
    pending = items[items.on_time.isna()]
    assert sorted(pending.kpi_id) == ["AP09", "AP11", "AP11", "AP12"] and pending.is_provisional.all()
    unanswered = items[(items.kpi_id == "AP12") & (items.referentie == "VOT-D")].iloc[0]
    assert unanswered.on_time == False and unanswered.toelichting.startswith("Niet beantwoord")  # noqa: E712
    # every AP row reconciles with its items (also checked in dbt by ap_items_reconcile_with_kpi_values)
    for r in rows[rows.period == "2025"].itertuples():
        sel = items[(items.kpi_id == r.kpi_id) & items.on_time.notna()
                    & (items.reference_date.dt.year == 2025)]
        if isinstance(r.municipality_code, str):
            sel = sel[sel.municipality_code == r.municipality_code]
        if isinstance(r.provider_agb, str):
            sel = sel[sel.provider_agb == r.provider_agb]
        assert (r.denominator, r.numerator) == (len(sel), int(sel.on_time.sum())), r
