"""The quality gate: GX suites as blocking checks, over real iJw messages through `jeugdkpi run`.

Scenario "Poort" (peildatum 2026-06-30):
  run 1  Anouk (0034 Almere) pleegzorg 35P01 @75750002 2025-01-15..2025-06-30, and
         Bram (0995 Lelystad) ambulant 45A01 @75759999 2025-02-01..2025-05-31. 75759999 is a valid AGB code
         without a contract row in seeds/providers.csv: warning `berichten.aanbieder_met_contract` on the
         3 messages of that provider (JW301, JW305, JW307) - published, with the warning in manifest.json.
  run 2  adds Cas, a youth of 0363 (Amsterdam, not in the region's seeds/municipalities.csv) with a JW301
         sent to 75750002: a misrouted message that would give KPI rows for a municipality outside the region.
         Critical `berichten.gemeente_in_regio` on its 3 messages: exit 1, nothing published, the published
         folder byte-for-byte unchanged.
"""

from __future__ import annotations

import json
import os
import re

import duckdb
import jinja2
import pytest
import yaml

from jeugdkpi.cli import main
from jeugdkpi.quality.custom import CheckContext, catalogue_kpis_present, volume_vs_last_publication
from jeugdkpi.quality.suites import CustomCheckSpec, SuiteError, load_suite, load_suites
from jeugdkpi.settings import DBT_PROJECT_DIR
from jeugdkpi.warehouse import connect
from scenario import Scenario
from test_publish import tree_state

P2, NO_CONTRACT = "75750002", "75759999"


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    landing, warehouse, published = root / "landing", root / "w.duckdb", root / "published"
    args = ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--publish", str(published),
            "--peildatum", "2026-06-30"]
    s = Scenario(landing)
    s.care(s.youth("Anouk", "0034"), P2, "35", "35P01", "pleegzorg", "2025-01-15", "2025-06-30")
    s.care(s.youth("Bram", "0995"), NO_CONTRACT, "45", "45A01", "ambulant", "2025-02-01", "2025-05-31", volume=10)
    saved = dict(os.environ)
    os.environ.update({"JEUGDKPI_PSEUDONYM_KEY": "gate", "JEUGDKPI_WORKERS": "1"})
    out = {}
    try:
        import contextlib
        import io

        for name in ("first", "second"):
            if name == "second":
                s.care(s.youth("Cas", "0363"), P2, "35", "35P01", "pleegzorg", "2025-03-01", "2025-04-30")
                out["before"] = tree_state(published)
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                code = main(args)
            out[name] = (code, buf.getvalue())
        out["after"] = tree_state(published)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with connect(warehouse, read_only=True) as con:
        out["results"] = con.execute('SELECT run_id, suite, expectation, severity, success, n_failed, failing_rows '
                                     'FROM audit.validation_results ORDER BY checked_at').df()
    out["published"], out["warehouse"] = published, warehouse
    return out


def test_warning_publishes_with_the_warning_in_the_manifest(gate):
    code, stdout = gate["first"]
    assert code == 0, stdout
    manifest = json.loads((gate["published"] / "manifest.json").read_text())
    assert manifest["checks"]["passed"] is True and manifest["checks"]["critical_failures"] == []
    warning = [w for w in manifest["checks"]["warnings"] if w["expectation"] == "berichten.aanbieder_met_contract"]
    assert len(warning) == 1
    # one row per message of 75759999: its JW301, JW305 and JW307
    assert warning[0]["n_failed"] == 3 and warning[0]["severity"] == "warning"
    # the failing rows stay in the working warehouse (audit.validation_results), never in the publication
    assert "failing_rows" not in warning[0]
    results = gate["results"]
    failing = results[results.expectation == "berichten.aanbieder_met_contract"].failing_rows
    assert {row["provider_agb"] for rows in failing for row in json.loads(rows)} == {NO_CONTRACT}
    # the first publication has nothing to compare volumes with: skipped with a note
    assert {n["expectation"] for n in manifest["checks"]["notes"]} >= {"raw.volume_vs_last_publication",
                                                                       "marts.volume_vs_last_publication"}
    assert "berichten.aanbieder_met_contract" in stdout
    # docs and validation page published next to the data, self-contained (no external scripts or styles)
    for page in ("validation.html", "docs/index.html"):
        text = (gate["published"] / page).read_text()
        assert "<script src=\"http" not in text and "<link href=\"http" not in text
    assert "berichten.aanbieder_met_contract" in (gate["published"] / "validation.html").read_text()


def test_published_rows_equal_the_suppressed_warehouse_rows(gate):
    # 2 youths: every published cell is below 10 and suppressed, but the rows and their keys are all there
    con = duckdb.connect(str(gate["published"] / "kpi.duckdb"), read_only=True)
    try:
        published = con.execute("SELECT kpi_id, period, municipality_code, provider_agb, care_form, is_suppressed, "
                                 "value FROM kpi_values").fetchall()
    finally:
        con.close()
    manifest = json.loads((gate["published"] / "manifest.json").read_text())
    assert len(published) == manifest["row_counts"]["kpi_values"] == manifest["suppressed_rows"] > 0
    assert all(r[5] and r[6] is None for r in published)


def test_critical_violation_fails_the_run_and_names_the_expectation(gate):
    code, stdout = gate["second"]
    assert code == 1
    assert "berichten.gemeente_in_regio" in stdout and "MISLUKT" in stdout
    results = gate["results"]
    second_run = results.run_id.iloc[-1]
    failed = results[(results.run_id == second_run) & ~results.success]
    row = failed[failed.expectation == "berichten.gemeente_in_regio"].iloc[0]
    assert row.severity == "critical" and row.n_failed == 3  # Cas's JW301, JW305 and JW307
    assert {r["gemeente_code"] for r in json.loads(row.failing_rows)} == {"0363"}
    # the validation page of the failed run is kept next to the warehouse
    page = gate["warehouse"].parent / "validation" / f"{second_run}.html"
    assert "berichten.gemeente_in_regio" in page.read_text() and "niets gepubliceerd" in page.read_text()


def test_failed_run_leaves_the_publication_byte_for_byte_unchanged(gate):
    assert gate["before"] and gate["after"] == gate["before"]


# --- the custom checks on small hand-made tables -------------------------------------------------------------

def spec(check, table, **params):
    return CustomCheckSpec(check=check, name=check, severity="critical", table=table, params=params)


def generic_test_sql(name: str, **arguments) -> str:
    """The SQL of the dbt generic test `name` (dbt_project/tests/generic/<name>.sql) with its arguments filled in:
    the failing rows, as dbt selects them."""
    text = (DBT_PROJECT_DIR / "tests" / "generic" / f"{name}.sql").read_text()
    body = re.search(r"{%\s*test\s+" + name + r"\(.*?\)\s*%}(.*?){%\s*endtest\s*%}", text, re.DOTALL).group(1)
    return jinja2.Template(body).render(**arguments)


def test_stay_period_gap_rule_is_the_dbt_test():
    # G4 is checked once, by dbt (stay_periods_no_overlap): two periods of one youth never overlap and lie more
    # than 4 calendar months apart, and nothing follows an open period
    con = duckdb.connect()
    con.execute("CREATE TABLE sp (youth_key VARCHAR, period_number INTEGER, start_date DATE, end_date DATE)")
    con.execute("""INSERT INTO sp VALUES
        ('a', 1, '2024-01-15', '2024-06-30'), ('a', 2, '2024-11-01', '2025-03-31'),  -- 4 months + 1 day: ok
        ('b', 1, '2024-02-01', '2024-05-31'), ('b', 2, '2024-09-30', NULL),          -- exactly 4 months: merge
        ('c', 1, '2024-01-01', NULL),         ('c', 2, '2025-01-01', '2025-02-01')   -- after an open period""")
    out = con.execute(generic_test_sql("no_overlapping_stay_periods", model="sp", youth_column="youth_key")
                      + " order by 1, 2").fetchall()
    assert out == [("b", 1, 2), ("c", 1, 2)]


def test_targets_evaluated_is_the_dbt_test():
    con = duckdb.connect()
    con.execute("""CREATE TABLE cat AS SELECT * FROM (VALUES
        ('VB01', 'absolute', 10.0, 2025, NULL), ('VB05', 'change_pct_vs_base', -5.0, 2025, 2024),
        ('EG01', NULL, NULL, NULL, NULL)) t(kpi_id, target_type, target_value, target_year, base_year)""")
    con.execute("""CREATE TABLE kv AS SELECT *, NULL::VARCHAR AS municipality_code, NULL::VARCHAR AS provider_agb,
                   NULL::VARCHAR AS care_form FROM (VALUES
        ('VB01', '2024', 12.0, NULL, NULL),     -- before the target year: no target needed
        ('VB01', '2025', 12.0, 10.0, false),    -- evaluated
        ('VB01', '2026', 9.0, 11.0, true),      -- a target other than the catalogue's: broken
        ('VB05', '2024', 20.0, NULL, NULL),     -- the base year itself (before the target year)
        ('VB05', '2025', 18.0, 19.0, NULL),     -- base year has a value, target_met missing: broken
        ('EG01', '2025', 3.0, NULL, NULL)       -- no target in the catalogue
        ) t(kpi_id, period, value, target, target_met)""")
    out = con.execute(generic_test_sql("targets_evaluated", model="kv", catalogue="cat") + " order by 1, 2").fetchall()
    assert [(k, p) for k, p, *_ in out] == [("VB01", "2026"), ("VB05", "2025")]


def test_catalogue_kpi_missing_in_a_period_with_data():
    con = duckdb.connect()
    con.execute("CREATE TABLE cat AS SELECT * FROM (VALUES ('VB01', 'berichtenverkeer'), ('VB02', "
                "'berichtenverkeer+cbs_bevolking'), ('OI01', 'cbs_spiegel')) t(kpi_id, source)")
    con.execute("""CREATE TABLE kv AS SELECT * FROM (VALUES
        ('VB01', '2024', 'berichtenverkeer'), ('VB01', '2026', 'berichtenverkeer'),
        ('EG01', '2025', 'berichtenverkeer'),
        ('VB02', '2024', 'cbs_bevolking')) t(kpi_id, period, source)""")
    out = catalogue_kpis_present(CheckContext(con, 2.0, None), spec("catalogue_kpis_present", "kv", catalogue="cat"))
    # berichtenverkeer has data in 2024, 2025, 2026: VB01 misses 2025. VB02 needs cbs_bevolking too (only
    # 2024: complete). OI01 never computed (no CBS input): not reported.
    assert list(zip(out.kpi_id, out.period)) == [("VB01", "2025")]


def test_volume_check_warns_beyond_the_factor():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM range(250)")
    con.execute("CREATE TABLE u AS SELECT * FROM range(150)")
    check = spec("volume_vs_last_publication", "t", tables=["t", "u"])
    ctx = CheckContext(con, 2.0, {"volumes": {"rows:t": 100.0, "rows:u": 100.0}})
    out = volume_vs_last_publication(ctx, check)
    # t: 250 / 100 = 2.5 > 2 warns; u: 150 / 100 = 1.5 does not
    assert out.to_dict(orient="records") == [{"measure": "rows:t", "previous": 100.0, "current": 250.0,
                                              "factor": 2.5}]
    assert volume_vs_last_publication(CheckContext(con, 2.0, None), check).note.startswith("geen eerdere")


def test_every_suite_expectation_has_a_severity_and_a_table():
    suites = load_suites()
    assert {s.name for s in suites} >= {"raw_berichten", "raw_jw301_toegewezen_product", "staging_toewijzingen",
                                        "staging_prestaties", "marts_stay_periods", "marts_kpi_values"}
    for s in suites:
        for e in [*s.expectations, *s.custom_checks]:
            assert e.severity in ("critical", "warning") and e.table


def test_a_suite_checks_one_table(tmp_path):
    suite = {"name": "raw_x", "meta": {"asset": ["raw", "x"], "table": "raw.x"}, "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"},
         "meta": {"name": "x.a_present", "severity": "critical"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "b"},
         "meta": {"name": "y.b_present", "severity": "critical", "table": "raw.y"}}]}
    path = tmp_path / "raw_x.json"
    path.write_text(json.dumps(suite))
    with pytest.raises(SuiteError, match="raw.y, but a suite checks one table"):
        load_suite(path)
    del suite["expectations"][1]
    path.write_text(json.dumps(suite))
    assert [(e.name, e.table) for e in load_suite(path).expectations] == [("x.a_present", "raw.x")]


def dbt_models() -> set[str]:
    """`<schema>.<model>` of every dbt model (the schema is the model's folder: docs/dbt-project.md)."""
    return {f"{p.parent.relative_to(DBT_PROJECT_DIR / 'models').parts[0]}.{p.stem}"
            for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")}


def test_one_suite_per_table_and_no_check_with_two_owners():
    # docs/quality-gate.md "Who checks what": a suite checks the one table of the asset it is attached to; on a
    # table dbt builds, keys, nulls, value sets, relationships and invariants are dbt tests, so a suite there holds
    # only what dbt cannot check (catalogue completeness, drift against the last publication) - no GX built-in
    suites = load_suites()
    tables = [s.table for s in suites]
    assert len(tables) == len(set(tables)), "two suites on one table"
    models = dbt_models()
    assert "marts.kpi_values" in models and "staging.stg_ijw__toewijzingen" in models
    for s in suites:
        assert s.table == ".".join(s.asset), s.name
        assert {e.table for e in [*s.expectations, *s.custom_checks]} <= {s.table}, s.name
        if s.table in models:
            assert not s.expectations, f"{s.name}: {[e.name for e in s.expectations]} belong in dbt"
            assert {c.check for c in s.custom_checks} <= {"volume_vs_last_publication", "catalogue_kpis_present",
                                                        "catalogue_kpis_have_rows", "inactive_kpis_without_rows"}


def test_no_dbt_test_names_a_kpi():
    # exemptions come from the catalogue (numerator_bounded is false for VB03), not from KPI ids in the tests
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            tests = [*model.get("data_tests", []),
                     *(t for c in model.get("columns", []) for t in c.get("data_tests", []))]
            for test in tests:
                expression = json.dumps(test)
                assert not re.search(r"kpi_id\s*(=|<>|!=)\s*'", expression), (path.name, expression)
