"""End to end over the whole pipeline (iJw XML -> ingest -> dbt -> marts.kpi_values) on a named scenario.

Scenario "Zeven jeugdigen" (peildatum 2026-06-30; gemeente 0034 Almere unless noted):
  Anouk  pleegzorg 35P01 @P2 2024-01-15..2024-06-30, then gezinshuis 36G01 @P3 2024-10-30..2025-03-31
         (gap of exactly 4 months: one stay 2024-01-15..2025-03-31, 441 days, 2 providers, no zwaar verblijf)
  Bram   (0995 Lelystad) behandeld wonen 43B01 @P5 2024-02-01..2024-05-31 and 2024-10-01..2025-02-28
         (4 months + 1 day: two stays, 120 and 150 days, zwaar). Declared Jan 2025: 31 etmalen, credited,
         re-declared as 30.
  Cas    TOM-instroom 45T01 @P9 2025-01-06..2025-04-30, no verblijf afterwards (114-day TOM stay)
  Daan   gesloten 37S01 @P8 from 2025-03-01, still open
  Eva    ambulant 45A01 @P7 2025-02-01..2025-05-31 and part-time pleegzorg 35P02 @P2 2025-03-01..2025-08-31
         (2 etmalen/week assigned); declared March 2025: 8 etmalen (8 / (31/7) = 1.81 a week), April: 9
         etmalen rejected in the 325
  Fenna  gezinshuis 36G01 @P3 2024-03-01..2025-01-31, then TOM-uitstroom 45T02 @P9 2025-02-01..2025-05-31
         (one stay 2024-03-01..2025-05-31, 456 days, 2 providers), no verblijf in the 12 months after
  Gijs   ambulant only 45A02 @P7 2023-03-01..2023-06-30 (no verblijf)
"""

from __future__ import annotations

import pytest

from jeugdkpi.warehouse import connect
from scenario import Scenario, run_scenario

P2, P3, P5, P7, P8, P9 = "75750002", "75750003", "75750005", "75750007", "75750008", "75750009"
DAYS = 30.4375


def build(landing):
    s = Scenario(landing)
    anouk, bram, cas = s.youth("Anouk", "0034"), s.youth("Bram", "0995"), s.youth("Cas", "0034")
    daan, eva, fenna, gijs = s.youth("Daan", "0034"), s.youth("Eva", "0034"), s.youth("Fenna", "0034"), \
        s.youth("Gijs", "0034")
    s.care(anouk, P2, "35", "35P01", "pleegzorg", "2024-01-15", "2024-06-30")
    s.care(anouk, P3, "36", "36G01", "gezinshuis", "2024-10-30", "2025-03-31")
    s.care(bram, P5, "43", "43B01", "behandeld_wonen", "2024-02-01", "2024-05-31")
    b2 = s.care(bram, P5, "43", "43B01", "behandeld_wonen", "2024-10-01", "2025-02-28")
    s.care(cas, P9, "45", "45T01", "tom_instroom", "2025-01-06", "2025-04-30")
    s.care(daan, P8, "37", "37S01", "gesloten", "2025-03-01", None)
    s.care(eva, P7, "45", "45A01", "ambulant", "2025-02-01", "2025-05-31", volume=10)
    e2 = s.care(eva, P2, "35", "35P02", "pleegzorg", "2025-03-01", "2025-08-31", volume=2)
    s.care(fenna, P3, "36", "36G01", "gezinshuis", "2024-03-01", "2025-01-31")
    s.care(fenna, P9, "45", "45T02", "tom_uitstroom", "2025-02-01", "2025-05-31")
    s.care(gijs, P7, "45", "45A02", "ambulant", "2023-03-01", "2023-06-30", volume=8)
    jan = s.prestatie(b2, "B2501", "2025-01-01", "2025-01-31", 31)
    s.declaration(P5, "0995", "2025-01", "2025-02-05", [jan], answered="2025-02-12")
    s.declaration(P5, "0995", "2025-02", "2025-03-05",
                  [s.prestatie(b2, "B2502C", "2025-01-01", "2025-01-31", 31, dc="C", vorig="B2501"),
                   s.prestatie(b2, "B2502", "2025-01-01", "2025-01-31", 30)], answered="2025-03-12")
    s.declaration(P2, "0034", "2025-03", "2025-04-04", [s.prestatie(e2, "E2503", "2025-03-01", "2025-03-31", 8)],
                  answered="2025-04-10")
    s.declaration(P2, "0034", "2025-04", "2025-05-06",
                  [s.prestatie(e2, "E2504", "2025-04-01", "2025-04-30", 9, outcome="0611")], answered="2025-05-13")
    return s


@pytest.fixture(scope="module")
def residential(tmp_path_factory):
    """The settings of the one pipeline run of this module (read-only use: kpis, the explain tests)."""
    return run_scenario(tmp_path_factory.mktemp("e2e"), build)


@pytest.fixture(scope="module")
def kpis(residential):
    settings = residential
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("SELECT * FROM marts.kpi_values").df()
        stays = con.execute("SELECT * FROM marts.stay_periods ORDER BY start_date").df()
        ingest = con.execute("SELECT records_in, records_loaded, records_quarantined FROM audit.ingest_runs "
                             "WHERE source = 'berichten'").fetchall()
    return rows, stays, ingest


def row(rows, kpi, period, municipality=None, provider=None, care_form=None):
    sel = rows[(rows.kpi_id == kpi) & (rows.period == period)]
    for col, val in (("municipality_code", municipality), ("provider_agb", provider), ("care_form", care_form)):
        sel = sel[sel[col].isna()] if val is None else sel[sel[col] == val]
    assert len(sel) == 1, f"{kpi} {period} {municipality} {provider} {care_form}: {len(sel)} rows"
    return sel.iloc[0]


def value(rows, kpi, period, **grain):
    return row(rows, kpi, period, **grain)["value"]


def test_ingest_reconciles(kpis):
    _, _, ingest = kpis
    assert ingest == [(ingest[0][0], ingest[0][0], 0)]


def test_stay_periods(kpis):
    _, stays, _ = kpis
    got = [(str(r.start_date.date()),
            None if r.end_date is None or str(r.end_date) == "NaT" else str(r.end_date.date()),
            r.n_segments, r.n_providers, bool(r.has_zwaar), r.period_number) for r in stays.itertuples()]
    key = lambda t: (t[0], t[1] or "9999")  # noqa: E731
    assert sorted(got, key=key) == [
        ("2024-01-15", "2025-03-31", 2, 2, False, 1),   # Anouk: exactly 4 months joins
        ("2024-02-01", "2024-05-31", 1, 1, True, 1),    # Bram 1
        ("2024-03-01", "2025-05-31", 2, 2, False, 1),   # Fenna, TOM-uitstroom joins
        ("2024-10-01", "2025-02-28", 1, 1, True, 2),    # Bram 2: one day more than 4 months
        ("2025-01-06", "2025-04-30", 1, 1, False, 1),   # Cas (TOM only)
        ("2025-03-01", "2025-08-31", 1, 1, False, 1),   # Eva
        ("2025-03-01", None, 1, 1, True, 1),            # Daan, open
    ]
    assert stays.duration_months.round(4).tolist()[:5] == [round(441 / DAYS, 4), round(120 / DAYS, 4),
                                                          round(456 / DAYS, 4), round(150 / DAYS, 4),
                                                          round(114 / DAYS, 4)]


def test_vb01_youths_in_verblijf(kpis):
    rows, _, _ = kpis
    expected = {"2024": 3, "2024-H1": 3, "2024-H2": 3, "2025": 6, "2025-H1": 6, "2025-H2": 2, "2026": 1,
                "2026-H1": 1}
    assert {p: value(rows, "VB01", p) for p in expected} == expected
    assert value(rows, "VB01", "2025", municipality="0995") == 1
    assert value(rows, "VB01", "2025", municipality="0034") == 5
    assert value(rows, "VB01", "2025", provider=P3) == 2          # Anouk and Fenna at the gezinshuis provider
    assert value(rows, "VB01", "2025", care_form="pleegzorg") == 1  # Eva
    assert row(rows, "VB01", "2025")["n_youths"] == 6


def test_vb03_verblijf_versus_ambulant(kpis):
    rows, _, _ = kpis
    r = row(rows, "VB03", "2025")
    assert (r.numerator, r.denominator, r.value) == (6, 1, 600)
    assert not ((rows.kpi_id == "VB03") & (rows.period == "2024") & rows.municipality_code.isna()
                & rows.provider_agb.isna()).any()  # no ambulant youth in 2024: no row, not 0


def test_vb04_tom_instroom(kpis):
    rows, _, _ = kpis
    r = row(rows, "VB04", "2025")
    assert (r.numerator, r.denominator, r.value, bool(r.is_provisional)) == (1, 1, 100, False)


def test_vb05_vb06_vb07_duration_of_zwaar_stays(kpis):
    rows, _, _ = kpis
    assert value(rows, "VB05", "2024") == pytest.approx(120 / DAYS)
    assert value(rows, "VB05", "2025") == pytest.approx(150 / DAYS)  # Anouk, Cas, Fenna, Eva: no zwaar verblijf
    assert value(rows, "VB06", "2025") == pytest.approx(150 / DAYS)
    r = row(rows, "VB07", "2025")
    assert (r.numerator, r.denominator, r.value) == (1, 1, 100)


def test_vb08_tom_uitstroom(kpis):
    rows, _, _ = kpis
    r = row(rows, "VB08", "2025")
    assert (r.numerator, r.denominator, r.value, bool(r.is_provisional)) == (1, 1, 100, False)


def test_vb09_part_time_foster_care(kpis):
    rows, _, _ = kpis
    r = row(rows, "VB09", "2024")   # Anouk: no declarations, assigned 7 a week -> not part-time
    assert (r.numerator, r.denominator, r.value) == (0, 1, 0)
    r = row(rows, "VB09", "2025")   # Eva: 8 etmalen in 31 days = 1.81 a week
    assert (r.numerator, r.denominator, r.value) == (1, 1, 100)


def test_vb10_declared_etmalen(kpis):
    rows, _, _ = kpis
    r = row(rows, "VB10", "2025")   # Bram 31 - 31 + 30, Eva 8 (April's 9 rejected)
    assert (r.value, r.n_youths) == (38, 2)
    assert value(rows, "VB10", "2025-H1") == 38
    assert value(rows, "VB10", "2025", provider=P5) == 30


def test_vb11_gezinsgericht(kpis):
    rows, _, _ = kpis
    r = row(rows, "VB11", "2025")   # Anouk, Eva, Fenna of 6
    assert (r.numerator, r.denominator, r.value) == (3, 6, 50)
    assert value(rows, "VB11", "2024") == pytest.approx(200 / 3)


def test_eg01_eg02_one_provider_per_stay(kpis):
    rows, _, _ = kpis
    r = row(rows, "EG01", "2025")   # ended 2025: Anouk(2), Bram 2(1), Cas(1), Fenna(2), Eva(1)
    assert (r.numerator, r.denominator, r.value) == (3, 5, 60)
    assert value(rows, "EG01", "2025-H2") == 100  # Eva
    assert value(rows, "EG02", "2025") == pytest.approx(7 / 5)
    assert value(rows, "EG02", "2024") == 1


def test_eg04_first_stay(kpis):
    rows, _, _ = kpis
    r = row(rows, "EG04", "2024")   # started 2024: Anouk, Bram 1, Fenna (first) and Bram 2 (second)
    assert (r.numerator, r.denominator, r.value) == (3, 4, 75)
    assert value(rows, "EG04", "2025") == 100


def test_targets_are_evaluated(kpis):
    rows, _, _ = kpis
    r = row(rows, "EG01", "2026") if ((rows.kpi_id == "EG01") & (rows.period == "2026")).any() else None
    vb01 = row(rows, "VB01", "2026")
    # VB01 target 2026 = 0.85 x the 2023 value; 2023 had no youth in verblijf (Gijs is ambulant) -> value 0
    assert vb01.target == pytest.approx(0.0)
    assert bool(vb01.target_met) is False  # 1 youth > 0
    assert r is None or r.target == 70


# --- jeugdkpi explain (docs/explain.md) on this scenario: the listed units, by name ----------------------------

def youth_keys() -> dict[str, str]:
    """Name -> youth_key: build() draws the BSNs from valid_bsns() in the order Anouk..Gijs, and run_scenario
    pseudonymises with the key 'e2e'."""
    from jeugdkpi.pseudonym import Pseudonymiser
    from scenario import valid_bsns

    p = Pseudonymiser(b"e2e")
    return {name: p.youth_key(bsn)
            for name, bsn in zip(["Anouk", "Bram", "Cas", "Daan", "Eva", "Fenna", "Gijs"], valid_bsns())}


def explain_csv(settings, capsys, *args):
    import csv
    import io

    from jeugdkpi.cli import main

    code = main(["explain", *args, "--warehouse", str(settings.warehouse), "--format", "csv"])
    out, err = capsys.readouterr()
    names = {v: k for k, v in youth_keys().items()}
    units = [dict(r, naam=names.get(r["jeugdige"], r["jeugdige"])) for r in csv.DictReader(io.StringIO(out))]
    return code, units, err


def test_explain_eg01_lists_the_five_stays_ended_in_2025(residential, capsys):
    code, units, err = explain_csv(residential, capsys, "EG01", "2025")
    assert code == 0, err
    # ended in 2025: Anouk (2 providers), Bram's 2nd stay (1), Cas (1), Fenna (2), Eva (1) -> 3 of 5 with one
    # provider; the measure is the number of providers
    got = {(u["naam"], u["eenheid"].rsplit("-", 1)[1], u["in_teller"], float(u["maat"])) for u in units}
    assert got == {("Anouk", "1", "nee", 2.0), ("Bram", "2", "ja", 1.0), ("Cas", "1", "ja", 1.0),
                   ("Fenna", "1", "nee", 2.0), ("Eva", "1", "ja", 1.0)}
    assert all(u["soort"] == "verblijfsperiode" and u["in_noemer"] == "ja" for u in units)
    assert "5 eenheden in noemer = noemer 5 ✓" in err and "3 eenheden in teller = teller 3 ✓" in err


def test_explain_vb05_mean_duration_is_brams_second_stay(residential, capsys):
    code, units, err = explain_csv(residential, capsys, "VB05", "2025")
    assert code == 0, err
    # the only zwaar stay ended in 2025: Bram 2024-10-01..2025-02-28 = 150 days (Daan's is still open)
    assert [(u["naam"], float(u["maat"])) for u in units] == [("Bram", pytest.approx(150 / DAYS))]
    assert units[0]["bronbestand"].count(".xml") == 1   # the JW305 of that one segment


def test_explain_vb03_municipality_lists_youths_once(residential, capsys):
    code, units, err = explain_csv(residential, capsys, "VB03", "2025", "--gemeente", "0034")
    assert code == 0, err
    # 0034 in 2025: verblijf Anouk, Cas, Daan, Eva, Fenna (teller 5); ambulant Eva (noemer 1); Bram is 0995
    got = {u["naam"]: (u["in_teller"], u["in_noemer"]) for u in units}
    assert got == {"Anouk": ("ja", "nee"), "Cas": ("ja", "nee"), "Daan": ("ja", "nee"), "Eva": ("ja", "ja"),
                   "Fenna": ("ja", "nee")}
    assert "1 eenheden in noemer = noemer 1 ✓" in err and "5 eenheden in teller = teller 5 ✓" in err


def test_explain_vb10_provider_lists_the_prestaties(residential, capsys):
    code, units, err = explain_csv(residential, capsys, "VB10", "2025", "--aanbieder", P5)
    assert code == 0, err
    # Bram at P5: 31 declared, 31 credited, 30 re-declared -> 31 - 31 + 30 = 30 etmalen
    assert {u["naam"] for u in units} == {"Bram"}
    assert sorted(float(u["maat"]) for u in units) == [-31.0, 30.0, 31.0]
    assert all(u["soort"] == "prestatie" and u["bronbestand"].endswith(".xml") for u in units)


def test_explain_text_header_and_exit_codes(residential, capsys):
    from jeugdkpi.cli import main

    wh = ["--warehouse", str(residential.warehouse)]
    assert main(["explain", "vb04", "2025", *wh]) == 0
    out = capsys.readouterr().out
    # Cas's TOM-instroom segment, no verblijf within 4 months after it: 1 of 1
    assert out.startswith("VB04 ") and "Periode 2025 (2025-01-01 t/m 2025-12-31), regio" in out
    assert "zorgsegment" in out and youth_keys()["Cas"] in out
    assert "1 eenheden in noemer = noemer 1 ✓" in out
    assert main(["explain", "XX99", "2025", *wh]) == 2          # unknown KPI
    assert main(["explain", "VB03", "2025-Q3", *wh]) == 2       # bad period
    assert main(["explain", "VB03", "2024", *wh]) == 2          # no ambulant youth in 2024: no row
    err = capsys.readouterr().err
    assert "onbekende KPI 'XX99'" in err and "2025-Q3" in err and "geen rij in marts.kpi_values" in err


def test_explain_reports_a_mismatch_with_exit_1(residential, capsys, tmp_path):
    import shutil

    import duckdb

    from jeugdkpi.cli import main

    copy = tmp_path / "tampered.duckdb"   # never write into the module's warehouse
    shutil.copy(residential.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE marts.kpi_values SET denominator = 6 WHERE kpi_id = 'EG01' AND period = '2025' "
                    "AND municipality_code IS NULL AND provider_agb IS NULL")
    assert main(["explain", "EG01", "2025", "--warehouse", str(copy)]) == 1
    assert "5 eenheden in noemer = noemer 6 ✗ AFWIJKING" in capsys.readouterr().out
