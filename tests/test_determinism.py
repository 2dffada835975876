"""A re-run on the same data gives bit-identical marts (issue 14): every sum and mean of the KPI models is exact.

DuckDB adds the doubles of a parallel aggregate in an order that depends on its threads, so a double sum or
mean over the same rows can differ in the last digit between two runs, and "unchanged" could not be decided
by comparing values. The KPI macros sum DECIMAL instead (macro `exact`, dbt_project/macros/kpi_aggregate.sql).

- structural: the compiled macros `kpi_aggregate` and `delivered_kpi_aggregate` on values where the order of a
  double sum matters (1e16, 1, -1e16: in double 1e16 + 1 = 1e16, so the sum is 0 or 1 depending on the order;
  exactly it is 1), in every row order, with 4 DuckDB threads;
- end to end: a small generated region, ingested once, built by `dbt build` into two copies of the warehouse
  (DuckDB 1 and 4 threads): every row and column of every mart is the same, floats compared exactly.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess

import duckdb
import pytest

from test_dbt_project import DBT, DBT_PROJECT_DIR, PEILDATUM

SPLIT = "-- split --"


@pytest.fixture(scope="module")
def macro_sql(tmp_path_factory) -> dict[str, str]:
    """The CTEs the two aggregate macros render to (dbt compile --inline, no warehouse needed)."""
    from dbt.cli.main import dbtRunner

    tmp = tmp_path_factory.mktemp("compile")
    saved = dict(os.environ)
    os.environ.update(JEUGDKPI_WAREHOUSE=str(tmp / "unused.duckdb"), JEUGDKPI_PEILDATUM=PEILDATUM)
    try:
        result = dbtRunner().invoke([
            "compile", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
            "--inline", f"{{{{ kpi_aggregate('facts') }}}} {SPLIT} {{{{ delivered_kpi_aggregate('contrib') }}}}"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert result.success, result.exception
    kpi, delivered = result.result.results[0].node.compiled_code.split(SPLIT)
    return {"kpi_aggregate": kpi, "delivered_kpi_aggregate": delivered}


CANCELLING = (1e16, 1.0, -1e16)


def test_double_sums_depend_on_the_order_of_these_values():
    # the premise: in double arithmetic this sum is 0 or 1 depending on the order of the rows
    con = duckdb.connect()
    sums = {con.execute("SELECT sum(m) FROM (SELECT unnest(?::DOUBLE[]) AS m)", [list(order)]).fetchone()[0]
            for order in itertools.permutations(CANCELLING)}
    assert sums == {0.0, 1.0}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_kpi_aggregate_sums_and_means_exactly_in_any_row_order(macro_sql, order):
    con = duckdb.connect()
    con.execute("SET threads = 4")
    con.execute("""CREATE TABLE facts (kpi_id VARCHAR, kind VARCHAR, period VARCHAR, period_start DATE,
        period_end DATE, unit_id VARCHAR, youth_key VARCHAR, municipality_code VARCHAR, providers VARCHAR[],
        care_form VARCHAR, in_numerator BOOLEAN, in_denominator BOOLEAN, measure DOUBLE, item_provisional BOOLEAN)""")
    for i in order:  # the same three units for a sum and a mean KPI, inserted in this order
        for kpi, kind in (("SUM", "sum"), ("MEAN", "mean")):
            con.execute("INSERT INTO facts VALUES (?, ?, '2025', '2025-01-01', '2025-12-31', ?, ?, '0034', "
                        "['75750001'], NULL, true, true, ?, false)", [kpi, kind, f"u{i}", f"y{i}", CANCELLING[i]])
    rows = con.execute(f"WITH {macro_sql['kpi_aggregate']} SELECT kpi_id, municipality_code, provider_agb, value, "
                       "n_youths FROM kpi_final ORDER BY ALL").fetchall()
    # region, municipality 0034 and provider 75750001 rows: 1e16 + 1 - 1e16 = 1 exactly; mean 1/3
    assert rows == [("MEAN", "0034", None, 1 / 3, 3), ("MEAN", None, "75750001", 1 / 3, 3),
                    ("MEAN", None, None, 1 / 3, 3),
                    ("SUM", "0034", None, 1.0, 3), ("SUM", None, "75750001", 1.0, 3), ("SUM", None, None, 1.0, 3)]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_delivered_kpi_aggregate_sums_exactly_in_any_row_order(macro_sql, order):
    con = duckdb.connect()
    con.execute("SET threads = 4")
    con.execute("""CREATE TABLE contrib (kpi_id VARCHAR, kind VARCHAR, period VARCHAR, provider_agb VARCHAR,
        municipality_code VARCHAR, num DOUBLE, den DOUBLE, is_suppressed BOOLEAN, is_provisional BOOLEAN)""")
    for i in order:  # three providers deliver a mean (teller = score x respondents, noemer = respondents)
        con.execute("INSERT INTO contrib VALUES ('CT01', 'mean', '2025-H1', ?, '0034', ?, 1, false, false)",
                    [f"7575000{i + 1}", CANCELLING[i]])
    rows = con.execute(f"WITH {macro_sql['delivered_kpi_aggregate']} SELECT period, value, n_youths FROM kpi_final "
                       "WHERE provider_agb IS NULL ORDER BY ALL").fetchall()
    # region and municipality 0034, half-year and year: (1e16 + 1 - 1e16) / 3 respondents = 1/3 exactly
    assert rows == [("2025", 1 / 3, 3), ("2025", 1 / 3, 3), ("2025-H1", 1 / 3, 3), ("2025-H1", 1 / 3, 3)]


# --- end to end: the same region built twice ----------------------------------------------------------------

PROFILE = """jeugdkpi:
  target: warehouse
  outputs:
    warehouse:
      type: duckdb
      path: "{{{{ env_var('JEUGDKPI_WAREHOUSE') }}}}"
      schema: main
      threads: 1
      keep_open: false
      settings:
        threads: {threads}
"""


def dbt_build(warehouse, tmp, duckdb_threads: int) -> None:
    """`dbt build` on `warehouse` with DuckDB limited to `duckdb_threads` threads (a profile of its own)."""
    profiles = tmp / f"profile_{duckdb_threads}"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(PROFILE.format(threads=duckdb_threads))
    env = dict(os.environ, JEUGDKPI_WAREHOUSE=str(warehouse), JEUGDKPI_PEILDATUM=PEILDATUM)
    proc = subprocess.run([str(DBT), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(profiles),
                           "--target-path", str(tmp / f"target_{duckdb_threads}"),
                           "--log-path", str(tmp / f"logs_{duckdb_threads}")],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    from jeugdkpi.assets.inputs import INPUT_SPECS
    from jeugdkpi.generate import generate_region
    from jeugdkpi.ingest.berichten.load import ingest_berichten
    from jeugdkpi.ingest.tabular import ingest_source
    from jeugdkpi.settings import load_settings
    from jeugdkpi.warehouse import connect

    tmp = tmp_path_factory.mktemp("determinism")
    settings = load_settings({"JEUGDKPI_LANDING": str(tmp / "landing"), "JEUGDKPI_WAREHOUSE": str(tmp / "a.duckdb"),
                              "JEUGDKPI_PUBLISH": str(tmp / "pub"), "JEUGDKPI_PEILDATUM": PEILDATUM,
                              "JEUGDKPI_PSEUDONYM_KEY": "determinism", "JEUGDKPI_WORKERS": "1"})
    generate_region(settings.landing, youths=150, years=(2024, 2026))
    with connect(settings.warehouse) as con:
        ingest_berichten(con, settings, "ingest")
        for spec in INPUT_SPECS:
            ingest_source(con, settings, "ingest", spec)
    copy = tmp / "b.duckdb"
    shutil.copyfile(settings.warehouse, copy)
    dbt_build(settings.warehouse, tmp, duckdb_threads=1)
    dbt_build(copy, tmp, duckdb_threads=4)
    return settings.warehouse, copy


def test_two_builds_of_the_same_region_give_bit_identical_marts(two_builds):
    first, second = two_builds
    con = duckdb.connect()
    con.execute(f"ATTACH '{first}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{second}' AS b (READ_ONLY)")
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'a' "
                                        "AND schema_name = 'marts' ORDER BY 1").fetchall()]
    assert {"kpi_values", "kpi_values_detail", "stay_periods", "delivery_status", "ap_items"} <= set(tables)
    n_values = con.execute("SELECT count(*) FROM a.marts.kpi_values WHERE value <> round(value)").fetchone()[0]
    assert n_values > 0  # the comparison covers values with decimals (means, percentages, CT01)
    for t in tables:
        counts = con.execute(f"SELECT (SELECT count(*) FROM a.marts.{t}), "
                             f"(SELECT count(*) FROM b.marts.{t})").fetchone()
        assert counts[0] == counts[1] > 0, t
        # EXCEPT ALL compares every column exactly (doubles bit for bit, lists in order), both ways
        for x, y in (("a", "b"), ("b", "a")):
            diff = con.execute(f"SELECT count(*) FROM (SELECT * FROM {x}.marts.{t} EXCEPT ALL "
                               f"SELECT * FROM {y}.marts.{t})").fetchone()[0]
            assert diff == 0, f"marts.{t}: {diff} rows of {x} not in {y}"
