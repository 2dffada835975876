"""Ruling R7 in the quality gate: an active catalogue KPI without any row in marts.kpi_values fails the gate.

Check level (small hand-made DuckDB tables): which KPIs are *required* (docs/quality-gate.md "Catalogue KPIs
without rows"): a KPI whose units marts.kpi_units lists when it has a unit that gives a row a value; any other
KPI when all its catalogue sources delivered. Pipeline level: a tiny region is published, then the catalogue
the gate reads gets a KPI no model computes; the next run fails on kpi_values.catalogue_kpis_have_rows and the
publication stays byte for byte what it was. The real seeds are never changed: the test points the check's
`catalogue` parameter at a view (seed rows + one extra row) in the test's own warehouse.
"""

from __future__ import annotations

import duckdb
import pytest
import yaml

from jeugdkpi.quality.custom import CheckContext, catalogue_kpis_have_rows, inactive_kpis_without_rows
from jeugdkpi.quality.suites import CustomCheckSpec, load_suites
from jeugdkpi.settings import DBT_PROJECT_DIR
from scenario import Scenario, run_in_process, run_scenario
from test_publish import tree_state

P2 = "75750002"
SOURCE_TABLES = {"berichtenverkeer": ["raw.berichten"], "gemeente": ["raw.gemeente_aanvragen"],
                 "cbs_bevolking": ["raw.cbs_bevolking"]}


def spec(check, **params) -> CustomCheckSpec:
    return CustomCheckSpec(check=check, name=check, severity="critical", table="kv",
                           params={"catalogue": "cat", "units": "units", **params})


def warehouse(catalogue, kpi_rows=(), units=(), delivered=("raw.berichten",)) -> duckdb.DuckDBPyConnection:
    """catalogue: (kpi_id, source, active[, family]); kpi_rows: kpi ids with a row; units: kpi_units rows
    (kpi_id, kind, basis, in_numerator, in_denominator, numerator_part, denominator_part, excluded_provider);
    delivered: the raw tables that hold a row (the others exist, empty). The family int_kpi__t has a facts
    model (table int_kpi_facts__t); int_kpi__n has none."""
    con = duckdb.connect()
    con.execute("CREATE TABLE cat (kpi_id VARCHAR, source VARCHAR, active BOOLEAN, family VARCHAR)")
    for row in catalogue:
        con.execute("INSERT INTO cat VALUES (?, ?, ?, ?)", (list(row) + [None])[:4])
    con.execute("CREATE TABLE int_kpi_facts__t (kpi_id VARCHAR)")
    con.execute("CREATE TABLE kv (kpi_id VARCHAR, period VARCHAR)")
    for k in kpi_rows:
        con.execute("INSERT INTO kv VALUES (?, '2025')", [k])
    con.execute("CREATE TABLE units (kpi_id VARCHAR, kind VARCHAR, basis VARCHAR, in_numerator BOOLEAN, "
                "in_denominator BOOLEAN, numerator_part DOUBLE, denominator_part DOUBLE, excluded_provider BOOLEAN)")
    for row in units:
        con.execute("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(row))
    con.execute("CREATE SCHEMA raw")
    for table in ("raw.berichten", "raw.gemeente_aanvragen", "raw.cbs_bevolking"):
        con.execute(f"CREATE TABLE {table} (x INTEGER)")
        if table in delivered:
            con.execute(f"INSERT INTO {table} VALUES (1)")
    return con


def missing(con, **params) -> list[tuple[str, str]]:
    out = catalogue_kpis_have_rows(CheckContext(con, 2.0, None),
                                   spec("catalogue_kpis_have_rows", source_tables=SOURCE_TABLES, **params))
    return [(r.kpi_id, r.reason.split(",")[0]) for r in out.itertuples()]


def test_a_kpi_no_model_computes_fails_once_its_sources_delivered():
    con = warehouse([("VB01", "berichtenverkeer", True), ("XX01", "berichtenverkeer", True),
                     ("XX02", "berichtenverkeer+cbs_bevolking", True)], kpi_rows=["VB01"])
    # XX01: messages loaded, no row. XX02 also needs the population, which has not been delivered.
    assert missing(con) == [("XX01", "alle bronnen geleverd")]


def test_an_absent_optional_input_is_not_an_error():
    cat = [("XX01", "gemeente", True)]
    assert missing(warehouse(cat, delivered=("raw.berichten",))) == []          # no municipal export
    assert missing(warehouse(cat, delivered=("raw.gemeente_aanvragen",))) == [("XX01", "alle bronnen geleverd")]


def test_a_source_the_check_does_not_know_counts_as_delivered():
    # a misspelt or new source fails loudly instead of passing for "absent"
    assert missing(warehouse([("XX01", "berichtverkeer", True)])) == [("XX01", "alle bronnen geleverd")]


def test_inactive_kpis_pass_without_rows_and_warn_with_rows():
    con = warehouse([("XX01", "berichtenverkeer", False), ("XX02", "berichtenverkeer", False),
                     ("XX03", "berichtenverkeer", None)], kpi_rows=["XX02"])
    # XX01 inactive, no rows: passes. XX03 with an empty active cell counts as active.
    assert missing(con) == [("XX03", "alle bronnen geleverd")]
    warned = inactive_kpis_without_rows(CheckContext(con, 2.0, None), spec("inactive_kpis_without_rows"))
    assert warned.to_dict(orient="records") == [{"kpi_id": "XX02", "source": "berichtenverkeer"}]


def test_kpis_with_a_unit_list_are_required_when_a_unit_gives_a_row_a_value():
    telling = "telling"
    units = [
        # VB03-like ratio: only numerator units (verblijf youths, nobody ambulant) - denominator 0, no row due
        ("R1", "ratio", telling, True, False, None, None, False),
        # a ratio with a unit in its denominator must have a row
        ("R2", "ratio", telling, False, True, None, None, False),
        # a count with a counted unit must have a row
        ("C1", "count", telling, True, False, None, None, False),
        # delivered: a row left out for suppression gives no value; one with a noemer > 0 does
        ("D1", "ratio", "aangeleverd", True, True, 3.0, 4.0, True),
        ("D2", "mean", "aangeleverd", True, True, 30.0, 4.0, False),
        ("D3", "ratio", "aangeleverd", False, False, 0.0, 0.0, False),
        ("D4", "count", "aangeleverd", False, False, 0.0, None, False),
    ]
    ids = ["R1", "R2", "C1", "D1", "D2", "D3", "D4", "N1"]
    con = warehouse([(k, "berichtenverkeer", True, "int_kpi__t") for k in ids], kpi_rows=["R1"], units=units)
    got = missing(con)
    # N1 has no units at all (e.g. no TOM youth in the region): not required, though its source delivered
    assert got == [("C1", "eenheden in marts.kpi_units"), ("D2", "eenheden in marts.kpi_units"),
                   ("D4", "eenheden in marts.kpi_units"), ("R2", "eenheden in marts.kpi_units")]
    # the same KPIs in a family without a facts model (VB02-like): required once their sources delivered
    con = warehouse([(k, "berichtenverkeer", True, "int_kpi__n") for k in ids], kpi_rows=["R1"], units=units)
    assert [k for k, _ in missing(con)] == [k for k in sorted(ids) if k != "R1"]


def test_the_catalogue_names_each_kpis_family_and_no_check_keeps_a_list():
    """The catalogue's `family` is the only list of which model computes a KPI: every family is an int_kpi__*
    model of the dbt project; a family aggregates a facts model int_kpi_facts__<f> exactly when that model
    exists (the check derives the KPIs with units from it). Neither the suite nor the reconciliation test keeps
    a list of KPI ids of its own."""
    from jeugdkpi.seeds import catalogue

    sql = {p.stem: p.read_text() for p in (DBT_PROJECT_DIR / "models" / "intermediate").rglob("int_kpi*.sql")}
    families = {k.family for k in catalogue().values()}
    assert all(f in sql for f in families), families - set(sql)
    with_facts = {f for f in families if f.replace("int_kpi__", "int_kpi_facts__") in sql}
    assert with_facts == {f for f in families if f"ref('{f.replace('int_kpi__', 'int_kpi_facts__')}')" in sql[f]}
    covered = {k for k, kpi in catalogue().items() if kpi.family in with_facts}
    assert "VB02" not in covered and {"VB01", "AP09", "OI01", "KG01", "AL01"} <= covered
    suite = next(s for s in load_suites() if s.name == "marts_kpi_values")
    check = next(c for c in suite.custom_checks if c.check == "catalogue_kpis_have_rows")
    assert check.severity == "critical" and "units_kpis" not in check.params
    model = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_kpi_units.yml").read_text())["models"][0]
    reconcile = next(t["units_reconcile_with_kpi_values"] for t in model["data_tests"]
                     if "units_reconcile_with_kpi_values" in t)
    assert "kpi_ids" not in reconcile["arguments"]
    assert next(c for c in suite.custom_checks if c.check == "inactive_kpis_without_rows").severity == "warning"


# --- pipeline level -------------------------------------------------------------------------------------------

def build(landing):
    s = Scenario(landing)
    s.care(s.youth("Anouk", "0034"), P2, "35", "35P01", "pleegzorg", "2025-01-15", "2025-06-30")
    return s


@pytest.fixture
def catalogue_check():
    """The check object the running gate uses (assets/quality.py loads the suites once)."""
    from jeugdkpi.assets.quality import SUITES

    suite = next(s for s in SUITES if s.name == "marts_kpi_values")
    return next(c for c in suite.custom_checks if c.check == "catalogue_kpis_have_rows")


def test_an_uncomputed_catalogue_kpi_fails_the_run_and_publishes_nothing(tmp_path, monkeypatch, catalogue_check):
    from jeugdkpi.warehouse import connect

    scenario = {}
    settings = run_scenario(tmp_path, lambda landing: scenario.setdefault("s", build(landing)))
    # run 1 passed the gate (run_scenario asserts it): every required KPI has rows
    before = tree_state(settings.publish)
    assert before
    with connect(settings.warehouse) as con:  # the seed's rows plus XX01, a copy of VB01 under a new id, no family
        con.execute("CREATE SCHEMA test")
        con.execute("CREATE VIEW test.kpi_catalogue AS SELECT * FROM seeds.kpi_catalogue UNION ALL "
                    "SELECT * REPLACE ('XX01' AS kpi_id, '' AS family) FROM seeds.kpi_catalogue WHERE kpi_id = 'VB01'")
    monkeypatch.setitem(catalogue_check.params, "catalogue", "test.kpi_catalogue")
    s = scenario["s"]  # one more youth: new input for run 2
    s.care(s.youth("Bram", "0995"), P2, "35", "35P01", "pleegzorg", "2025-02-01", "2025-05-31")
    result = run_in_process(settings)
    assert not result.success
    assert [e for e in result.failed_expectations if "catalogue_kpis_have_rows" in e] == [
        "marts_kpi_values.kpi_values.catalogue_kpis_have_rows (marts.kpi_values: 1 rij(en))"]
    assert "gx_marts_kpi_values" in " ".join(result.failed_checks)
    assert result.publication is None
    assert tree_state(settings.publish) == before
    with connect(settings.warehouse, read_only=True) as con:
        rows = con.execute("SELECT severity, failing_rows FROM audit.validation_results WHERE run_id = ? "
                           "AND expectation = 'kpi_values.catalogue_kpis_have_rows'", [result.run_id]).fetchall()
    assert len(rows) == 1 and rows[0][0] == "critical" and '"kpi_id":"XX01"' in rows[0][1].replace(" ", "")
