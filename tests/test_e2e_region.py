"""End to end: a region other than the demo's, selected by JEUGDKPI_REGIO alone (docs/regions.md).

Scenario "Noord-Veluwe naast Flevoland": the demo generator writes a small Noord-Veluwe region (12 youths,
2025-2026, the six Noord-Veluwe municipalities of the shipped seed) into the landing folder, and a small
Flevoland region's messages beside it (berichten/flevoland/, e.g. misrouted or a shared provider's export).
`jeugdkpi run` with only JEUGDKPI_REGIO=Noord-Veluwe and the test's temporary folders set:
  - kpi_values has municipality rows of Noord-Veluwe municipalities only, and the region rows count only their
    youths: for every period the region's VB01 youth count is the sum of its municipality rows, and no youth of
    a Flevoland message is behind any KPI (marts.kpi_units);
  - the Flevoland messages stay in raw.berichten, and the run summary says how many were left out.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil

import pytest

from jeugdkpi.cli import main
from jeugdkpi.generate import generate_region
from jeugdkpi.warehouse import connect

NOORD_VELUWE = {"0230", "0233", "0243", "0269", "0273", "0302"}
FLEVOLAND = {"0034", "0303", "0995", "0171", "0184", "0050"}


@pytest.fixture(scope="module")
def region_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("region")
    landing = root / "landing"
    generate_region(landing, seed=5, youths=12, years=(2025, 2026), municipalities=sorted(NOORD_VELUWE),
                    with_errors=False)
    generate_region(root / "flevoland", seed=6, youths=6, years=(2025, 2026), with_errors=False)
    shutil.copytree(root / "flevoland" / "berichten", landing / "berichten" / "flevoland")
    env = {"JEUGDKPI_REGIO": "Noord-Veluwe", "JEUGDKPI_LANDING": str(landing),
           "JEUGDKPI_WAREHOUSE": str(root / "warehouse.duckdb"), "JEUGDKPI_PUBLISH": str(root / "published")}
    saved = dict(os.environ)
    os.environ.update(env)
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            code = main(["run"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, buf.getvalue(), root / "warehouse.duckdb"


def test_kpis_cover_the_selected_region_only(region_run):
    code, stdout, warehouse = region_run
    assert code == 0, stdout
    with connect(warehouse, read_only=True) as con:
        municipalities = {r[0] for r in con.execute(
            "SELECT DISTINCT municipality_code FROM marts.kpi_values WHERE municipality_code IS NOT NULL").fetchall()}
        assert municipalities and municipalities <= NOORD_VELUWE
        region = dict(con.execute(
            "SELECT period, n_youths FROM marts.kpi_values WHERE kpi_id = 'VB01' AND municipality_code IS NULL "
            "AND provider_agb IS NULL AND care_form IS NULL").fetchall())
        per_municipality = con.execute(
            "SELECT period, municipality_code, n_youths FROM marts.kpi_values WHERE kpi_id = 'VB01' "
            "AND municipality_code IS NOT NULL AND provider_agb IS NULL AND care_form IS NULL").fetchall()
        flevoland_youths = {r[0] for r in con.execute(
            f"SELECT DISTINCT youth_key FROM raw.jw305_start_product WHERE gemeente_code IN "
            f"({', '.join(repr(c) for c in FLEVOLAND)})").fetchall()}
        kpi_youths = {r[0] for r in con.execute(
            "SELECT DISTINCT youth_key FROM marts.kpi_units WHERE youth_key IS NOT NULL").fetchall()}
    sums: dict[str, int] = {}
    for period, _, n in per_municipality:
        sums[period] = sums.get(period, 0) + n
    assert region and sum(region.values()) > 0
    assert region == {p: sums.get(p, 0) for p in region}
    assert flevoland_youths and kpi_youths and not flevoland_youths & kpi_youths


def test_other_municipalities_are_kept_in_raw_and_named_in_the_summary(region_run):
    code, stdout, warehouse = region_run
    with connect(warehouse, read_only=True) as con:
        codes = dict(con.execute("SELECT gemeente_code, count(*) FROM raw.berichten GROUP BY ALL").fetchall())
    left_out = sum(n for c, n in codes.items() if c in FLEVOLAND)
    assert left_out > 0 and set(codes) <= NOORD_VELUWE | FLEVOLAND
    assert f"{left_out:,}".replace(",", ".") + " berichten van gemeenten buiten regio Noord-Veluwe niet meegeteld" \
        in stdout
