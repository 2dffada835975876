"""`jeugdkpi explain` on the demo region (session fixture demo_run, read-only): for KPI rows of every family the
listed units reconcile with the kpi_values row, youth keys are pseudonyms and the source files exist.

The named, hand-computed scenario checks (which youths and stays, by name) are in tests/test_e2e_residential.py
(test_explain_*), which reuses that module's pipeline run.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import pytest

from jeugdkpi.cli import main
from jeugdkpi.warehouse import connect

PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")   # HMAC-SHA256 hex; a BSN would be 9 digits


def pick_row(warehouse: Path, kpi: str, grain: str) -> dict:
    """The 2025 row of `kpi` at `grain` (region / gemeente / aanbieder) with the most units (largest denominator,
    else n_youths): a deterministic, non-trivial row of the demo."""
    cond = {"region": "municipality_code IS NULL AND provider_agb IS NULL",
            "gemeente": "municipality_code IS NOT NULL", "aanbieder": "provider_agb IS NOT NULL"}[grain]
    with connect(warehouse, read_only=True) as con:
        cur = con.execute(
            f"SELECT * FROM marts.kpi_values WHERE kpi_id = ? AND period IN ('2025', '2025-H1', '2025-H2') "
            f"AND care_form IS NULL AND {cond} "
            f"ORDER BY coalesce(denominator, n_youths) DESC, period, municipality_code, provider_agb LIMIT 1", [kpi])
        names = [d[0] for d in cur.description]
        found = cur.fetchone()
    assert found is not None, f"the demo has no 2025 {grain} row of {kpi}"
    return dict(zip(names, found))


def run_explain(demo_run, capsys, row: dict, fmt: str = "csv") -> tuple[int, str, str]:
    args = ["explain", row["kpi_id"], row["period"], "--warehouse", str(demo_run.settings.warehouse),
            "--format", fmt]
    if row["municipality_code"]:
        args += ["--gemeente", row["municipality_code"]]
    if row["provider_agb"]:
        args += ["--aanbieder", row["provider_agb"]]
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def explain_units(demo_run, capsys, kpi: str, grain: str) -> tuple[dict, list[dict], str]:
    """The picked kpi_values row, its units as listed by `explain --format csv`, and stderr (exit code 0)."""
    row = pick_row(demo_run.settings.warehouse, kpi, grain)
    code, out, err = run_explain(demo_run, capsys, row)
    assert code == 0, err
    return row, list(csv.DictReader(io.StringIO(out))), err


def assert_sources_exist(landing: Path, units: list[dict]) -> None:
    for u in units:
        if not u["bronbestand"]:
            continue   # AL01: a delivery that never arrived has no file
        for f in u["bronbestand"].split("; "):
            assert (landing / u["bronmap"] / f.split("!")[0]).is_file(), (u["bronmap"], f)


# (KPI, grain): a stay KPI at region and municipality grain, a mean over stays, segment- and youth-based KPIs,
# AP KPIs from messages and from the municipal exports, a declaration sum and delivered KPIs (CBS cells,
# template rows, deliveries)
COUNTED = [("EG01", "region"), ("VB07", "gemeente"), ("VB04", "region"), ("VB11", "gemeente"),
           ("AP04", "aanbieder"), ("AP09", "region"), ("AP02", "region"), ("AP10", "aanbieder")]
NOT_A_YOUTH = {"AP09", "AP02", "AP10"}   # a declaration (many youths), a request in the municipal export
MEASURED = [("VB05", "region"), ("VB05", "gemeente"), ("VB10", "aanbieder")]
DELIVERED = [("OI01", "aanbieder"), ("OI02", "region"), ("DB01", "region"), ("AL01", "region")]


@pytest.mark.parametrize("kpi,grain", COUNTED)
def test_counted_units_equal_numerator_and_denominator(demo_run, capsys, kpi, grain):
    row, units, err = explain_units(demo_run, capsys, kpi, grain)
    assert len({u["eenheid"] for u in units}) == len(units)          # each unit listed once
    assert sum(u["in_noemer"] == "ja" for u in units) == row["denominator"] > 0
    assert sum(u["in_teller"] == "ja" for u in units) == row["numerator"]
    assert f"{int(row['denominator'])} eenheden in noemer = noemer" in err and "✓" in err
    youths = [u["jeugdige"] for u in units if u["jeugdige"]]
    assert all(PSEUDONYM.match(y) for y in youths)
    assert kpi in NOT_A_YOUTH or len(youths) == len(units)
    assert_sources_exist(demo_run.settings.landing, units)


@pytest.mark.parametrize("kpi,grain", MEASURED)
def test_measured_units_recompute_the_value(demo_run, capsys, kpi, grain):
    row, units, err = explain_units(demo_run, capsys, kpi, grain)
    measures = [float(u["maat"]) for u in units if u["in_noemer"] == "ja"]
    if kpi == "VB05":   # mean duration over the stays; n = distinct youths
        assert sum(measures) / len(measures) == pytest.approx(row["value"])
    else:               # VB10: net etmalen = sum over the prestaties (credits negative)
        assert sum(measures) == pytest.approx(row["value"])
    assert len({u["jeugdige"] for u in units}) == row["n_youths"]
    assert all(PSEUDONYM.match(u["jeugdige"]) for u in units)
    assert_sources_exist(demo_run.settings.landing, units)


@pytest.mark.parametrize("kpi,grain", DELIVERED)
def test_delivered_rows_sum_to_numerator_and_denominator(demo_run, capsys, kpi, grain):
    row, units, err = explain_units(demo_run, capsys, kpi, grain)
    assert units and all(u["jeugdige"] == "" for u in units)         # delivered rows are not youths
    assert sum(float(u["teller_bijdrage"]) for u in units) == pytest.approx(row["numerator"])
    assert sum(float(u["noemer_bijdrage"]) for u in units) == pytest.approx(row["denominator"])
    assert_sources_exist(demo_run.settings.landing, units)
    if kpi != "AL01":
        # the row (and cell) in the file: "row 3" (CSV), "row 6, column aantal" (CBS), "KPI!3" (XLSX sheet!row)
        assert all(re.match(r"^(row \d+|\w+!\d+)", u["bronlocatie"]) for u in units)


def test_text_output_header_table_and_footer(demo_run, capsys):
    row = pick_row(demo_run.settings.warehouse, "VB07", "region")
    code, out, _ = run_explain(demo_run, capsys, row, fmt="text")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("VB07 ") and f"Periode {row['period']}" in lines[1] and "regio" in lines[1]
    assert "Maat: duur verblijfsperiode in maanden (teller: < 9)" in lines  # the catalogue's measure_label
    header = next(i for i, ln in enumerate(lines) if ln.startswith("nr "))
    table = lines[header + 1:lines.index("", header)]
    assert len(table) == row["denominator"]                           # VB07: every unit is in the noemer
    assert f"{int(row['denominator'])} eenheden in noemer = noemer {int(row['denominator'])} ✓" in out


def test_unit_table_is_not_published(demo_run):
    pub = demo_run.settings.publish / "current"
    assert not list(pub.rglob("kpi_units*"))
    with duckdb.connect(str(pub / "kpi.duckdb"), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "kpi_values" in tables and "kpi_units" not in tables
