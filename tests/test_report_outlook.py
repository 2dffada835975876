"""The outlook in the reports (issue 19): the regional report and the factsheet show, per KPI with a target ahead,
the published target, the projection with its 80 % interval, the verdict, the previous half-year's verdict and a
small chart (history, projection band, target line), from the publication's kpi_outlook table.

Scenario "Polderland 2026-H1": the region's VB07 (stays shorter than 9 months, >= 60 % in 2026) rises 4 points a
year from 40 % in 2023-H1 with small fixed noise; VB01 (youths in verblijf, -15 % against 2023) falls from 200 in
2022 to 170 in 2025 (year values: a count); provider 75750002's VB07 has three half-years only. The kpi_outlook rows
are made by the real `outlook_table`; one earlier half-year (2025-H2) said "onzeker" for VB07.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from jeugdkpi.outlook import NIET_OP_KOERS, ONZEKER, TE_WEINIG, outlook_table, with_history
from jeugdkpi.report.data import Published, with_chapters
from jeugdkpi.report.render import format_value, render_factsheet, render_regional
from jeugdkpi.report.svg import outlook_svg
from jeugdkpi.settings import SEEDS_DIR

P1, P2 = "75750001", "75750002"
HALVES = ["2023-H1", "2023-H2", "2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]
NOISE = [0.3, -0.2, 0.1, -0.3, 0.2, -0.1, 0.25]


def row(kpi, period, value, unit="percentage", provider=None, target=None):
    return {"kpi_id": kpi, "period": period, "municipality_code": None, "provider_agb": provider, "care_form": None,
            "value": value, "numerator": None, "denominator": None, "unit": unit, "n_youths": 50, "target": target,
            "target_met": None, "is_provisional": False, "is_partial": False, "is_suppressed": False,
            "source": "berichtenverkeer"}


def publication() -> Published:
    rows = [row("VB07", p, 40 + 4 * (i / 2) + n) for i, (p, n) in enumerate(zip(HALVES, NOISE, strict=True))]
    rows += [row("VB07", p, 50.0, provider=P2) for p in HALVES[-3:]]
    # provider 75750001: every VB07 cell suppressed by the small-cell rule
    rows += [row("VB07", p, None, provider=P1) | {"is_suppressed": True} for p in HALVES[-3:]]
    rows += [row("VB01", y, v, unit="count") for y, v in (("2022", 200.0), ("2023", 190.0), ("2024", 180.0),
                                                          ("2025", 170.0))]
    kv = pd.DataFrame(rows)
    catalogue = with_chapters(pd.read_csv(SEEDS_DIR / "kpi_catalogue.csv", dtype=str))
    now = outlook_table(kv, catalogue, dt.date(2026, 6, 30))
    earlier = now[(now["kpi_id"] == "VB07") & now["provider_agb"].isna()].assign(
        period="2025-H2", peildatum=dt.date(2025, 12, 31), verdict=ONZEKER)
    return Published(folder=SEEDS_DIR, manifest={"peildatum": "2026-06-30", "snapshot": "2026-H1/v1", "min_cell": 10},
                     kpi_values=kv, catalogue=catalogue,
                     municipalities=pd.read_csv(SEEDS_DIR / "municipalities.csv", dtype=str)
                     .query("region == 'Flevoland'"),
                     providers=pd.read_csv(SEEDS_DIR / "providers.csv", dtype=str), outlook=with_history(now, earlier))


@pytest.fixture(scope="module")
def regional() -> str:
    return render_regional(publication(), "2026-H1")


def outlook_row(html: str, kpi: str) -> str:
    section = html[html.index("<h2>Op weg naar de doelen</h2>"):]
    return re.search(rf"<tr><td>{kpi} .*?</tr>", section).group(0)


def test_the_regional_report_leads_with_the_outlook_of_each_target_ahead(regional):
    assert regional.index("Op weg naar de doelen") < regional.index("Alle KPI's voor de regio")
    pub = publication()
    vb07 = pub.outlook.query("kpi_id == 'VB07' and period == '2026-H1' and provider_agb.isna()").iloc[0]
    # 40 % in 2023-H1 + 4 a year: mid-2026 ~53 %, the interval well under the target 60 %
    assert vb07["projected_value"] == pytest.approx(53.0, abs=0.5) and vb07["upper_80"] < 60
    line = outlook_row(regional, "VB07")
    assert f'data-value="{vb07["projected_value"]:.6f}">{format_value(vb07["projected_value"], "percentage")}' in line
    assert f'{format_value(vb07["lower_80"], "percentage")} – {format_value(vb07["upper_80"], "percentage")}' in line
    assert f'data-scope="oordeel:regio">{NIET_OP_KOERS}</td>' in line
    assert "≥ 60,0 % (2026)" in line and "7 halfjaarwaarden" in line
    # how the outlook moved: the previous half-year said "onzeker"
    assert '<span class="onzeker">onzeker</span> <span class="flag">(2025-H2)</span>' in line
    # the summary line counts the verdicts
    assert ('<p class="samenvatting"><span class="op-koers">1 op koers</span> · '
            '<span class="niet-op-koers">1 niet op koers</span></p>') in regional


def test_a_count_is_projected_from_its_years(regional):
    line = outlook_row(regional, "VB01")
    # 200, 190, 180, 170 (2022-2025), a perfect line: 160 in mid-2026 with no spread to widen the interval, under
    # the target 190 x 0.85 = 161.5 (lower is better): on course
    assert "4 jaarwaarden" in line and "≤ 161,5 (2026)" in line and 'data-value="160.000000">160,0<' in line
    assert 'data-scope="oordeel:regio">op koers</td>' in line


def test_the_chart_shows_history_projection_band_and_the_published_target(regional):
    svg = re.search(r"<svg.*?</svg>", outlook_row(regional, "VB07")).group(0)
    assert 'class="vooruitblik"' in svg and '<polygon class="interval"' in svg and '<line class="doel"' in svg
    assert svg.count("<circle") == 7 + 1  # seven half-years and the projection
    assert "<title>Vooruitblik VB07 Percentage verblijfsperioden korter dan 9 maanden</title>" in svg
    assert "doel: 60,0 %" in svg and "verwachting 2026:" in svg
    # value axis: labelled at the lowest and highest value shown, the target (60 %) the highest here
    assert '<text class="as-max"' in svg and ">60,0 %</text>" in svg and '<text class="as-min"' in svg


def test_the_factsheet_shows_the_provider_s_own_outlook():
    html = render_factsheet(publication(), P2, "2026-H1")
    line = outlook_row(html, "VB07")
    assert f'data-scope="oordeel:aanbieder">{TE_WEINIG}</td>' in line  # three half-years: no projection
    assert 'data-scope="verwachting' not in line and "3 halfjaarwaarden" in line


def test_outlook_svg_draws_an_outlier_hollow_and_no_band_without_projection():
    history = [("2024-H1", 50.0), ("2024-H2", 52.0), ("2025-H1", 90.0), ("2025-H2", 54.0), ("2026-H1", 56.0)]
    projection = {"last_time": 2026.25, "fit_last": 56.0, "time": 2026.5, "value": 57.0, "lower": 55.0,
                  "upper": 59.0, "label": "2026", "left_out": ["2025-H1"]}
    svg = str(outlook_svg(history, projection=projection, target=60.0))
    assert svg.count('class="uitschieter"') == 1 and "2025-H1 90 (uitschieter, niet meegeteld)" in svg
    assert "verwachting 2026: 57 (80%-interval 55 tot 59)" in svg
    bare = str(outlook_svg(history[:2], projection=None, target=None))
    assert "interval" not in bare and 'class="doel"' not in bare and "as van 50 tot 52" in bare


def test_a_grain_without_any_value_gets_no_outlook_row_in_the_report():
    """The table keeps the row (te weinig gegevens, 0 values); the factsheet has nothing to look ahead from."""
    pub = publication()
    assert pub.outlook.query("provider_agb == @P1")["n_points"].tolist() == [0]
    html = render_factsheet(pub, P1, "2026-H1")
    assert "Op weg naar de doelen" not in html and 'data-scope="oordeel:aanbieder"' not in html
