"""The region beside the Netherlands in the reports (issue 19): from the publication's kpi_benchmark table, the
regional report shows per comparable KPI the region's own value, CBS's value for the region and NL, the CBS period
(CBS lags) and status and how far the definitions differ, and per municipality its own value above CBS's. A cell
CBS withheld says so and is never 0; a count CBS rounded says so.

Scenario "Flevoland 2026-H1": VB01 (youths in verblijf) region 190, Almere (0034) 120, Urk (0184) suppressed by
our own small-cell rule; CBS has 2025-H2 only (voorlopig): region 185 (rounded), NL 36,000, Almere 115, Urk
withheld by CBS. VB03 is compared with 85098NED, which has no region rows.
"""

from __future__ import annotations

import pandas as pd
import pytest

from jeugdkpi.report.data import Published, with_chapters
from jeugdkpi.report.render import render_factsheet, render_regional
from jeugdkpi.settings import SEEDS_DIR

P2 = "75750002"


def kv_row(kpi, value, municipality=None, provider=None, suppressed=False, unit="count"):
    return {"kpi_id": kpi, "period": "2026-H1", "municipality_code": municipality, "provider_agb": provider,
            "care_form": None, "value": None if suppressed else value, "numerator": None, "denominator": None,
            "unit": unit, "n_youths": 50, "target": None, "target_met": None, "is_provisional": False,
            "is_partial": False, "is_suppressed": suppressed, "source": "berichtenverkeer"}


def bm_row(kpi, municipality, value_m, status_m, value_r, status_r, value_nl, status_nl, table, measure):
    return {"kpi_id": kpi, "period": "2026-H1", "municipality_code": municipality, "cbs_table": table,
            "cbs_measure": measure, "comparison": f"{kpi}: anders gedefinieerd dan CBS.", "cbs_period": "2025-H2",
            "cbs_status": "voorlopig", "value_municipality": value_m, "status_municipality": status_m,
            "value_region": value_r, "status_region": status_r, "value_nl": value_nl, "status_nl": status_nl}


def publication() -> Published:
    kv = pd.DataFrame([kv_row("VB01", 190.0), kv_row("VB01", 120.0, "0034"),
                       kv_row("VB01", 3.0, "0184", suppressed=True), kv_row("VB03", 12.5, unit="percentage"),
                       kv_row("VB01", 40.0, provider=P2), kv_row("VB01", 20.0, "0303")])
    vb01 = ("85100NED", "jeugdigen_verblijf")
    bm = pd.DataFrame([
        bm_row("VB01", None, None, "n.v.t.", 185.0, "afgerond", 36000.0, "afgerond", *vb01),
        bm_row("VB01", "0034", 115.0, "afgerond", 185.0, "afgerond", 36000.0, "afgerond", *vb01),
        bm_row("VB01", "0184", None, "onderdrukt", 185.0, "afgerond", 36000.0, "afgerond", *vb01),
        bm_row("VB03", None, None, "n.v.t.", None, "niet gepubliceerd", 9.7, "gepubliceerd", "85098NED",
               "pct_verblijf_van_jeugdhulp"),
    ])
    municipalities = pd.read_csv(SEEDS_DIR / "municipalities.csv", dtype=str)
    return Published(folder=SEEDS_DIR, manifest={"peildatum": "2026-06-30", "snapshot": "2026-H1/v1", "min_cell": 10},
                     kpi_values=kv, catalogue=with_chapters(pd.read_csv(SEEDS_DIR / "kpi_catalogue.csv", dtype=str)),
                     municipalities=municipalities[municipalities["region"] == "Flevoland"],
                     providers=pd.read_csv(SEEDS_DIR / "providers.csv", dtype=str), benchmark=bm)


@pytest.fixture(scope="module")
def regional():
    import lxml.html

    html = render_regional(publication(), "2026-H1")
    return html, lxml.html.fromstring(html)


def cell(tree, kpi, scope):
    found = tree.xpath(f"//td[@data-kpi='{kpi}'][@data-scope='{scope}']")
    assert len(found) == 1, (kpi, scope, len(found))
    return found[0]


def test_region_beside_cbs_region_and_nl_with_the_cbs_period_and_status(regional):
    html, tree = regional
    assert "<h2>De regio naast Nederland (CBS)</h2>" in html
    own = tree.xpath("//td[@data-kpi='VB01'][@data-scope='regio']")  # here and in "Alle KPI's": the same cell
    assert [float(td.get("data-value")) for td in own] == [190.0, 190.0]
    region, nl = cell(tree, "VB01", "cbs:regio"), cell(tree, "VB01", "cbs:nl")
    assert region.text_content() == "185 (afgerond)" and float(region.get("data-value")) == 185.0
    assert nl.text_content() == "36.000 (afgerond)" and nl.get("data-cbs-status") == "afgerond"
    period = cell(tree, "VB01", "cbs:periode").text_content()
    assert period == "2025-H2voorlopig; CBS loopt achter"
    row = region.getparent().text_content()
    assert "VB01: anders gedefinieerd dan CBS." in row and "CBS 85100NED jeugdigen_verblijf" in row


def test_a_table_without_region_rows_says_so_and_never_shows_0(regional):
    _, tree = regional
    region = cell(tree, "VB03", "cbs:regio")
    assert region.text_content() == "niet door CBS gepubliceerd" and region.get("data-value") is None
    assert cell(tree, "VB03", "cbs:nl").text_content() == "9,7 %"


def test_per_municipality_own_value_above_cbs(regional):
    _, tree = regional
    assert cell(tree, "VB01", "cbs:gemeente:0034").text_content() == "115 (afgerond)"
    withheld = cell(tree, "VB01", "cbs:gemeente:0184")
    assert withheld.text_content() == "onderdrukt door CBS" and withheld.get("data-value") is None
    assert withheld.get("data-cbs-status") == "onderdrukt"
    # our own small-cell rule still applies to our own value beside it
    own = tree.xpath("//table[contains(@class, 'benchmark-gemeenten')]"
                     "//td[@data-kpi='VB01'][@data-scope='gemeente:0184']")
    assert [td.text_content() for td in own] == ["onderdrukt"]
    # a municipality without a kpi_benchmark row (Dronten, 0303)
    assert cell(tree, "VB01", "cbs:gemeente:0303").text_content() == "niet door CBS gepubliceerd"


def test_the_factsheet_shows_the_region_beside_cbs_for_the_provider_s_kpis():
    import lxml.html

    tree = lxml.html.fromstring(render_factsheet(publication(), P2, "2026-H1"))
    assert cell(tree, "VB01", "cbs:nl").text_content() == "36.000 (afgerond)"
    assert not tree.xpath("//td[@data-kpi='VB03'][@data-scope='cbs:nl']")  # not a KPI of this provider


def test_no_benchmark_table_no_section():
    pub = publication()
    pub.benchmark = None
    assert "De regio naast Nederland" not in render_regional(pub, "2026-H1")
