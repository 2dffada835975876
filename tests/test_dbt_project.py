"""The dbt project (dbt_project/): builds on empty raw tables, and a hand-computed scenario.

Each test runs `dbt build` (seeds, models, unit tests, data tests) in a subprocess against a temporary DuckDB
file holding the raw DDL of the ingest, with its own --target-path/--log-path so the developer's
dbt_project/target is not touched. Expected values are computed by hand in the comments (peildatum 2026-06-30).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from jeugdkpi.ingest.berichten.schema import ddl, table_columns

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
PEILDATUM = "2026-06-30"

KPI_VALUES_COLUMNS = [
    ("kpi_id", "VARCHAR"),
    ("period", "VARCHAR"),
    ("period_start", "DATE"),
    ("period_end", "DATE"),
    ("municipality_code", "VARCHAR"),
    ("provider_agb", "VARCHAR"),
    ("care_form", "VARCHAR"),
    ("numerator", "DOUBLE"),
    ("denominator", "DOUBLE"),
    ("value", "DOUBLE"),
    ("unit", "VARCHAR"),
    ("n_youths", "INTEGER"),
    ("target", "DOUBLE"),
    ("target_met", "BOOLEAN"),
    ("is_provisional", "BOOLEAN"),
    ("is_partial", "BOOLEAN"),
    ("is_suppressed", "BOOLEAN"),
    ("source", "VARCHAR"),
]
STAY_PERIODS_COLUMNS = [
    "youth_key", "period_number", "start_date", "end_date", "is_closed", "is_final", "duration_months",
    "n_segments", "n_providers", "main_care_form", "has_zwaar", "municipality_code", "history_start",
]

A, B, TOM = "75750001", "75750005", "75750009"  # providers from seeds/providers.csv
GEMEENTE = "0034"


def start_dbt_build(warehouse: Path, tmp: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, JEUGDKPI_WAREHOUSE=str(warehouse), JEUGDKPI_PEILDATUM=PEILDATUM)
    cmd = [
        str(DBT), "build",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(tmp / "target"),
        "--log-path", str(tmp / "logs"),
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def create_raw(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    for stmt in ddl():
        con.execute(stmt)
    # the (empty) raw tables of the tabular inputs, as their ingest assets always create them
    from jeugdkpi.assets.inputs import INPUT_SPECS
    from jeugdkpi.ingest.tabular import ensure_tables
    for spec in INPUT_SPECS:
        ensure_tables(con, spec)
    return con


class Raw:
    """Inserts hand-made raw rows; lineage columns get harmless defaults."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.counter = itertools.count(1)

    def insert(self, table: str, message_type: str, message_id: str, dagtekening: str,
               provider_agb: str | None, **values):
        n = next(self.counter)
        row = {
            "file_sha256": f"sha{message_id}", "file_path": f"berichten/{message_id}.xml",
            "record_locator": f"/Bericht/r{n}", "message_type": message_type, "message_id": message_id,
            "dagtekening": dagtekening, "gemeente_code": GEMEENTE, "provider_agb": provider_agb,
            "run_id": "test",
        }
        row.update(values)
        cols = [c for c, _ in table_columns(table)]
        unknown = set(row) - set(cols)
        assert not unknown, unknown
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT INTO raw.{table} ({names}) VALUES ({marks})", list(row.values()))

    def start(self, youth, agb, nr, cat, code, begin, dag, status="1", msg=None):
        self.insert("jw305_start_product", "JW305", msg or f"s{youth}{nr}{status}", dag, agb,
                    youth_key=youth, toewijzingnummer=nr, product_categorie=cat, product_code=code,
                    begindatum=begin, status_aanlevering=status)

    def stop(self, youth, agb, nr, cat, code, begin, end, dag, reden="31", status="1"):
        self.insert("jw307_stop_product", "JW307", f"e{youth}{nr}{reden}{status}", dag, agb,
                    youth_key=youth, toewijzingnummer=nr, product_categorie=cat, product_code=code,
                    begindatum=begin, reden_beeindiging=reden, einddatum=end, status_aanlevering=status)

    def toewijzing(self, youth, agb, nr, cat, code, ingang, eind, datum, tijd, reden=None, msg=None):
        self.insert("jw301_toegewezen_product", "JW301", msg or f"t{youth}{nr}{datum}", datum, agb,
                    youth_key=youth, toewijzingnummer=nr, product_categorie=cat, product_code=code,
                    toewijzingsdatum=datum, toewijzingstijd=tijd, ingangsdatum=ingang, einddatum=eind,
                    reden_wijziging=reden)

    def prestatie(self, msg, dag, youth, agb, ref, nr, cat, code, begin, end, volume, dc="D", vorig=None):
        self.insert("jw323_prestatie", "JW323", msg, dag, agb,
                    declaratienummer=f"D{msg}", declaratie_begindatum=begin, declaratie_einddatum=end,
                    declaratie_dagtekening=dag, totaal_ingediend_bedrag=0, youth_key=youth,
                    referentienummer=ref, vorig_referentienummer=vorig, toewijzingnummer=nr,
                    product_categorie=cat, product_code=code, begindatum=begin, einddatum=end,
                    geleverd_volume=volume, eenheid="14", product_tarief=10000,
                    ingediend_bedrag=volume * 10000, debet_credit=dc)


def build_scenario(raw: Raw) -> None:
    # Y1: 43B01 at A, 2024-01-01..2024-06-30, restart exactly 4 months later (2024-10-30..2025-03-31): one stay.
    raw.start("Y1", A, 101, "43", "43B01", "2024-01-01", "2024-01-03")
    raw.stop("Y1", A, 101, "43", "43B01", "2024-01-01", "2024-06-30", "2024-07-02")
    raw.start("Y1", A, 102, "43", "43B01", "2024-10-30", "2024-11-01")
    raw.stop("Y1", A, 102, "43", "43B01", "2024-10-30", "2025-03-31", "2025-04-02")
    # Y2: category 44 at A, 2024-01-01..2024-06-30, restart 4 months + 1 day later: two stays.
    raw.start("Y2", A, 201, "44", None, "2024-01-01", "2024-01-03")
    raw.stop("Y2", A, 201, "44", None, "2024-01-01", "2024-06-30", "2024-07-02")
    raw.start("Y2", A, 202, "44", None, "2024-10-31", "2024-11-01")
    raw.stop("Y2", A, 202, "44", None, "2024-10-31", "2025-02-28", "2025-03-03")
    # Y3: provider switch inside one stay (A -> B), then ambulant care at B (open).
    raw.start("Y3", A, 301, "43", None, "2025-01-01", "2025-01-03")
    raw.stop("Y3", A, 301, "43", None, "2025-01-01", "2025-03-31", "2025-04-01", reden="38")
    raw.start("Y3", B, 302, "43", None, "2025-04-01", "2025-04-02")
    raw.stop("Y3", B, 302, "43", None, "2025-04-01", "2025-09-30", "2025-10-01")
    raw.start("Y3", B, 303, "45", "45A01", "2025-10-01", "2025-10-02")
    # Y4: TOM instroom 2025-02-01..2025-05-31, no uithuisplaatsing afterwards -> VB04 success.
    raw.start("Y4", TOM, 401, "45", "45T01", "2025-02-01", "2025-02-03")
    raw.stop("Y4", TOM, 401, "45", "45T01", "2025-02-01", "2025-05-31", "2025-06-02")
    # Y5: TOM instroom 2025-03-01..2025-04-30, then residential care from exactly end + 4 months (open):
    # VB04 failure, and one (open) stay. Plus a start that was deleted again (StatusAanlevering 3).
    raw.start("Y5", TOM, 501, "45", "45T01", "2025-03-01", "2025-03-03")
    raw.stop("Y5", TOM, 501, "45", "45T01", "2025-03-01", "2025-04-30", "2025-05-02")
    raw.start("Y5", A, 502, "43", None, "2025-08-30", "2025-09-01")
    raw.start("Y5", A, 503, "43", None, "2025-01-15", "2025-01-16")
    raw.start("Y5", A, 503, "43", None, "2025-01-15", "2025-01-20", status="3")
    # Y6: assignment deleted (latest 301 RedenWijziging 13) -> its start counts as never sent.
    raw.toewijzing("Y6", A, 601, "43", None, "2025-01-01", None, "2025-01-01", "10:00:00")
    raw.toewijzing("Y6", A, 601, "43", None, "2025-01-01", "2025-01-01", "2025-01-10", "09:00:00", reden="13")
    raw.start("Y6", A, 601, "43", None, "2025-01-05", "2025-01-06")
    # Y7: gezinshuis in 2023 only (base year of the VB01 change target).
    raw.start("Y7", A, 701, "36", None, "2023-03-01", "2023-03-02")
    raw.stop("Y7", A, 701, "36", None, "2023-03-01", "2023-12-31", "2024-01-02")
    # Declarations of Y1 (VB10): January 31 etmalen, credited and re-debited as 30; February 28 rejected.
    raw.prestatie("P1", "2025-02-05", "Y1", A, "R1", 102, "43", "43B01", "2025-01-01", "2025-01-31", 31)
    raw.prestatie("P2", "2025-03-05", "Y1", A, "R2", 102, "43", "43B01", "2025-01-01", "2025-01-31", 31,
                  dc="C", vorig="R1")
    raw.prestatie("P2", "2025-03-05", "Y1", A, "R3", 102, "43", "43B01", "2025-01-01", "2025-01-31", 30)
    raw.prestatie("P2", "2025-03-05", "Y1", A, "R4", 102, "43", "43B01", "2025-02-01", "2025-02-28", 28)
    raw.insert("jw325_declaratie_antwoord", "JW325", "A2", "2025-03-10", A,
               declaratie_message_id="P2", declaratie_message_dagtekening="2025-03-05",
               header_retourcodes="0200", declaratienummer="DP2", totaal_ingediend_bedrag=0,
               totaal_toegekend_bedrag=0, antwoord_retourcodes="0200")
    raw.insert("jw325_prestatie", "JW325", "A2", "2025-03-10", A,
               declaratie_message_id="P2", declaratienummer="DP2", youth_key="Y1", client_retourcodes="0200",
               referentienummer="R4", toewijzingnummer=102, product_categorie="43", product_code="43B01",
               begindatum="2025-02-01", einddatum="2025-02-28", geleverd_volume=28, eenheid="14",
               product_tarief=10000, ingediend_bedrag=280000, debet_credit="D", retourcodes="8940")
    # A message after peildatum is ignored (G10): this would otherwise stop Y5's open stay.
    raw.stop("Y5", A, 502, "43", None, "2025-08-30", "2026-06-15", "2026-07-01")


def land_recorded_benchmark(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
    """The CBS reference values of the recorded StatLine responses (tests/fixtures/cbs_851*_download.json: the
    shape cbsodata returns, placeholder numbers) for Almere, Lelystad and Urk, written by `fetch_benchmark` /
    `write_benchmark` and loaded by the real cbs_benchmark ingest: the benchmark join is tested on what the refresh
    really produces."""
    import json

    from jeugdkpi.ingest.cbs_benchmark.load import SPEC
    from jeugdkpi.ingest.cbs_benchmark.refresh import fetch_benchmark, write_benchmark
    from jeugdkpi.ingest.tabular import ingest_source
    from jeugdkpi.settings import load_settings

    fixtures = Path(__file__).parent / "fixtures"

    def download(table, **_):
        return json.loads((fixtures / f"cbs_{table.lower()}_download.json").read_text(encoding="utf-8"))

    settings = load_settings({"JEUGDKPI_LANDING": str(tmp / "landing"), "JEUGDKPI_WAREHOUSE": str(tmp / "w.duckdb"),
                              "JEUGDKPI_PEILDATUM": PEILDATUM, "JEUGDKPI_PSEUDONYM_KEY": "test"})
    rows = fetch_benchmark(["0034", "0995", "0184"], [2024, 2025], download=download, today="2026-07-01")
    write_benchmark(settings.landing / "cbs_benchmark" / "statline.csv", rows)
    stats = ingest_source(con, settings, "r1", SPEC)
    assert stats.records_loaded == len(rows) and stats.records_quarantined == 0


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Both dbt builds (empty raw tables, scenario) run concurrently to keep the file fast."""
    results = {}
    procs = {}
    for name in ("empty", "scenario"):
        tmp = tmp_path_factory.mktemp(f"dbt_{name}")
        warehouse = tmp / "warehouse.duckdb"
        con = create_raw(warehouse)
        if name == "scenario":
            build_scenario(Raw(con))
            land_recorded_benchmark(con, tmp)
        con.close()
        procs[name] = (warehouse, start_dbt_build(warehouse, tmp))
    for name, (warehouse, proc) in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        results[name] = (warehouse, proc.returncode, stdout, stderr)
    return results


@pytest.fixture(scope="module")
def empty_build(builds):
    return builds["empty"]


@pytest.fixture(scope="module")
def scenario(builds):
    warehouse, returncode, stdout, stderr = builds["scenario"]
    assert returncode == 0, stdout[-6000:] + stderr[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def kpi(con, kpi_id, period, municipality=None, provider=None, care_form=None) -> dict:
    rows = con.execute(
        """select * from marts.kpi_values
           where kpi_id = ? and period = ? and municipality_code is not distinct from ?
             and provider_agb is not distinct from ? and care_form is not distinct from ?""",
        [kpi_id, period, municipality, provider, care_form],
    ).fetchall()
    assert len(rows) == 1, (kpi_id, period, municipality, provider, care_form, rows)
    names = [c for c, _ in KPI_VALUES_COLUMNS]
    return dict(zip(names, rows[0]))


def test_build_succeeds_on_empty_raw_tables(empty_build):
    warehouse, returncode, stdout, stderr = empty_build
    assert returncode == 0, stdout[-6000:] + stderr[-3000:]
    assert " unit tests " in stdout and "ERROR=0" in stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cols = con.execute(
            """select column_name, data_type from information_schema.columns
               where table_schema = 'marts' and table_name = 'kpi_values' order by ordinal_position"""
        ).fetchall()
        assert cols == KPI_VALUES_COLUMNS
        stay_cols = [r[0] for r in con.execute(
            """select column_name from information_schema.columns
               where table_schema = 'marts' and table_name = 'stay_periods' order by ordinal_position"""
        ).fetchall()]
        assert stay_cols == STAY_PERIODS_COLUMNS
        assert con.execute("select count(*) from marts.kpi_values").fetchone()[0] == 0
        schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
        assert {"raw", "seeds", "staging", "intermediate", "marts"} <= schemas
        # codes with leading zeros stay text
        assert con.execute(
            "select municipality_code from seeds.municipalities where name = 'Almere'"
        ).fetchone()[0] == "0034"
    finally:
        con.close()


def test_stay_periods(scenario):
    rows = scenario.execute(
        """select youth_key, period_number, start_date::varchar, end_date::varchar, n_segments, n_providers,
                  main_care_form, has_zwaar, is_closed, is_final, round(duration_months, 4), history_start::varchar
           from marts.stay_periods order by youth_key, period_number"""
    ).fetchall()
    assert rows == [
        # exactly 4 months gap joins: 2024-01-01..2025-03-31 = 455 days
        ("Y1", 1, "2024-01-01", "2025-03-31", 2, 1, "behandeld_wonen", True, True, True,
         round(455 / 30.4375, 4), "2023-03-01"),
        # 4 months + 1 day: two periods (181 and 120 days)
        ("Y2", 1, "2024-01-01", "2024-06-30", 1, 1, "verblijf_overig", True, True, True,
         round(181 / 30.4375, 4), "2023-03-01"),
        ("Y2", 2, "2024-10-31", "2025-02-28", 1, 1, "verblijf_overig", True, True, True,
         round(120 / 30.4375, 4), "2023-03-01"),
        # provider switch inside one stay (272 days); the ambulant segment is no stay
        ("Y3", 1, "2025-01-01", "2025-09-30", 2, 2, "behandeld_wonen", True, True, True,
         round(272 / 30.4375, 4), "2023-03-01"),
        # TOM-only stay
        ("Y4", 1, "2025-02-01", "2025-05-31", 1, 1, "tom_instroom", False, True, True,
         round(119 / 30.4375, 4), "2023-03-01"),
        # TOM then residential exactly 4 months later: one open stay; the deleted start and the stop sent
        # after peildatum play no part
        ("Y5", 1, "2025-03-01", None, 2, 2, "behandeld_wonen", True, False, False, None, "2023-03-01"),
        ("Y7", 1, "2023-03-01", "2023-12-31", 1, 1, "gezinshuis", False, True, True,
         round(305 / 30.4375, 4), "2023-03-01"),
    ]
    # Y6's assignment was deleted: no segment at all
    assert scenario.execute(
        "select count(*) from intermediate.int_care_segments where youth_key = 'Y6'").fetchone()[0] == 0


def test_youth_counts(scenario):
    v = kpi(scenario, "VB01", "2025")
    assert (v["value"], v["n_youths"], v["unit"], v["numerator"], v["is_provisional"], v["is_partial"]) == (
        5.0, 5, "count", None, False, False)
    assert kpi(scenario, "VB01", "2024")["value"] == 2.0
    assert kpi(scenario, "VB01", "2025-H2")["value"] == 2.0  # Y3 (until 09-30) and Y5 (from 08-30)
    assert kpi(scenario, "VB01", "2025", municipality="0034")["value"] == 5.0
    assert kpi(scenario, "VB01", "2025", provider=A)["value"] == 4.0  # Y1, Y2, Y3, Y5
    assert kpi(scenario, "VB01", "2025", provider=B)["value"] == 1.0
    assert kpi(scenario, "VB01", "2025", provider=TOM)["value"] == 2.0
    assert kpi(scenario, "VB01", "2025", care_form="tom_instroom")["value"] == 2.0
    # change target: 2026 <= 0.85 x 2023 (Y7 alone in 2023)
    v26 = kpi(scenario, "VB01", "2026")
    assert v26["value"] == 1.0 and v26["target"] == pytest.approx(0.85) and v26["target_met"] is False
    assert v26["is_partial"] is True and v26["is_provisional"] is True
    assert kpi(scenario, "VB01", "2025")["target"] is None  # before the target year
    # VB03: 5 youths in verblijf / 1 with ambulant care (Y3)
    v3 = kpi(scenario, "VB03", "2025")
    assert (v3["numerator"], v3["denominator"], v3["value"]) == (5.0, 1.0, 500.0)
    # VB11: Y7 in gezinshuis / Y7 in verblijf
    assert kpi(scenario, "VB11", "2023")["value"] == 100.0


def test_stay_kpis(scenario):
    durations = [455 / 30.4375, 120 / 30.4375, 272 / 30.4375]  # Y1, Y2 period 2, Y3 (zwaar, closed, end 2025)
    v5 = kpi(scenario, "VB05", "2025")
    assert v5["value"] == pytest.approx(sum(durations) / 3) and v5["unit"] == "months" and v5["n_youths"] == 3
    assert v5["target"] is None
    assert kpi(scenario, "VB06", "2025")["value"] == pytest.approx(272 / 30.4375)
    v7 = kpi(scenario, "VB07", "2025")
    assert (v7["numerator"], v7["denominator"]) == (2.0, 3.0) and v7["value"] == pytest.approx(200 / 3)
    # EG01/EG02 over all closed stays ending in 2025: Y1 (1 provider), Y2-2 (1), Y3 (2), Y4 (1)
    e1 = kpi(scenario, "EG01", "2025")
    assert (e1["numerator"], e1["denominator"], e1["value"], e1["is_provisional"]) == (3.0, 4.0, 75.0, False)
    assert kpi(scenario, "EG01", "2025", provider=B)["value"] == 0.0
    assert kpi(scenario, "EG01", "2025", provider=A)["value"] == pytest.approx(200 / 3)
    assert kpi(scenario, "EG02", "2025")["value"] == 1.25
    # EG04: stays starting in 2024 = Y1 (first), Y2-1 (first), Y2-2 (second)
    e4 = kpi(scenario, "EG04", "2024")
    assert (e4["numerator"], e4["denominator"], e4["n_youths"]) == (2.0, 3.0, 2)
    assert kpi(scenario, "EG04", "2025")["value"] == 100.0


def test_tom_and_declarations(scenario):
    v4 = kpi(scenario, "VB04", "2025")
    assert (v4["numerator"], v4["denominator"], v4["value"], v4["is_provisional"]) == (1.0, 2.0, 50.0, False)
    assert kpi(scenario, "VB04", "2025", provider=TOM)["value"] == 50.0
    # VB10: 31 - 31 + 30 (credit and re-debit), the rejected February line does not count
    v10 = kpi(scenario, "VB10", "2025")
    assert v10["value"] == 30.0 and v10["n_youths"] == 1 and v10["unit"] == "count"
    assert kpi(scenario, "VB10", "2024")["value"] == 0.0  # region count rows are zero-filled


def test_grains_and_flags(scenario):
    bad = scenario.execute(
        """select count(*) from marts.kpi_values
           where is_suppressed or source <> 'berichtenverkeer'
              or (period = '2026' and not is_partial) or (period = '2025' and is_partial)"""
    ).fetchone()[0]
    assert bad == 0
    periods = [r[0] for r in scenario.execute(
        "select distinct period from marts.kpi_values order by period").fetchall()]
    # first year with data (2023) through the peildatum year; 2026-H2 has not started at 2026-06-30
    assert periods == ["2023", "2023-H1", "2023-H2", "2024", "2024-H1", "2024-H2", "2025", "2025-H1",
                       "2025-H2", "2026", "2026-H1"]


def test_benchmark_join_from_the_recorded_cbs_response(scenario):
    """Issue 19: marts.kpi_benchmark beside the scenario's own VB01 (Almere, 0034) and the region, from the
    recorded StatLine responses. Values read off the fixtures by hand: 85100NED youths with verblijf 2025-H2 =
    Almere 395, jeugdzorgregio "Flevoland (JZ)" 765, NL 35415 (voorlopig, rounded to 5); 2026-H1 is not in CBS
    yet, so the 2026-H1 rows show CBS's 2025-H2 (the lag)."""
    def bench(kpi_id, period, municipality=None):
        rows = con_rows(scenario, "SELECT * FROM marts.kpi_benchmark WHERE kpi_id = ? AND period = ? AND "
                        "municipality_code IS NOT DISTINCT FROM ?", [kpi_id, period, municipality])
        assert len(rows) == 1, (kpi_id, period, municipality, rows)
        return rows[0]

    almere = bench("VB01", "2025-H2", GEMEENTE)
    assert (almere["cbs_table"], almere["cbs_period"], almere["cbs_status"]) == ("85100NED", "2025-H2", "voorlopig")
    assert (almere["value_municipality"], almere["status_municipality"]) == (395.0, "afgerond")
    assert (almere["value_region"], almere["status_region"]) == (765.0, "afgerond")
    assert (almere["value_nl"], almere["status_nl"]) == (35415.0, "afgerond")
    region = bench("VB01", "2025-H2")
    assert (region["status_municipality"], region["value_municipality"]) == ("n.v.t.", None)
    assert (region["value_region"], region["value_nl"]) == (765.0, 35415.0)
    lagging = bench("VB01", "2026-H1", GEMEENTE)
    assert (lagging["cbs_period"], lagging["value_municipality"]) == ("2025-H2", 395.0)
    # a year row takes CBS's year: 85100NED 2025 = Almere 480, NL 41890
    year = bench("VB01", "2025", GEMEENTE)
    assert (year["cbs_period"], year["value_municipality"], year["value_nl"]) == ("2025", 480.0, 41890.0)


def con_rows(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
