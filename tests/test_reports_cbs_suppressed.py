"""Reports (issue 16): a CBS report that arrived with cells CBS blanked is not "missing data", and the delivery
status says on time or late from the landing moment.

Scenario "Polderland 2025-H2, CBS-onderdrukt": provider 75750002 (Pleegzorg Polderland) delivered its CBS
spiegelrapportage for 2025-H2 on time, but CBS blanked small cells behind OI01 and OI08, so the warehouse has no
provider row for those two KPIs (int_kpi__cbs leaves a provider with a blanked cell out of every total) while
delivery_status names them in cbs_suppressed_kpis. Its provider template arrived after the deadline. OI01 and OI08
of 2025-H1 were published normally, so both KPIs are on the factsheet.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pandas as pd
import pytest

from jeugdkpi.publish import writer
from jeugdkpi.report.data import load_published
from jeugdkpi.report.render import render_factsheet, render_regional
from jeugdkpi.settings import SEEDS_DIR
from test_dbt_project import KPI_VALUES_COLUMNS
from test_reports import r

P1, P2 = "75750001", "75750002"


def _delivery(agb, delivery, received_at, is_late, suppressed=None):
    return {"provider_agb": agb, "period": "2025-H2", "period_start": dt.date(2025, 7, 1),
            "period_end": dt.date(2025, 12, 31), "delivery": delivery, "deadline": dt.date(2026, 4, 1),
            "status": "received", "received_at": received_at, "is_late": is_late, "n_deliveries": 1,
            "n_rejected": 0, "cbs_suppressed_kpis": suppressed}


@pytest.fixture(scope="module")
def pub(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports_cbs") / "pub"
    kv = pd.DataFrame([
        # 2025-H1: both providers published normally; 2025-H2: P2's OI01 / OI08 blanked by CBS -> no P2 rows,
        # the region rows (P1 only) are partial
        r("OI01", "2025-H1", 6, 40, n=40, provider=P2, source="cbs_spiegel"),
        r("OI08", "2025-H1", 20, 40, n=40, provider=P2, source="cbs_spiegel"),
        r("OI01", "2025-H2", 12, 60, n=60, provider=P1, source="cbs_spiegel"),
        r("OI01", "2025-H2", 12, 60, n=60, source="cbs_spiegel"),
        r("OI08", "2025-H2", 30, 60, n=60, source="cbs_spiegel"),
        r("OI05", "2025-H2", 30, 40, n=40, provider=P2, source="cbs_spiegel"),
        r("OI05", "2025-H2", 70, 100, n=100, source="cbs_spiegel"),
    ])
    status = pd.DataFrame([
        _delivery(P2, "cbs_spiegel", dt.datetime(2026, 3, 27, 14, 5), False, "OI01,OI08"),
        _delivery(P2, "aanbieder_template", dt.datetime(2026, 4, 3, 9, 30), True),
        _delivery(P1, "cbs_spiegel", dt.datetime(2026, 3, 30, 8, 0), False),
    ])
    tables = {"kpi_values": kv, "kpi_catalogue": pd.read_csv(SEEDS_DIR / "kpi_catalogue.csv", dtype=str),
              "municipalities": pd.read_csv(SEEDS_DIR / "municipalities.csv", dtype=str),
              "providers": pd.read_csv(SEEDS_DIR / "providers.csv", dtype=str), "delivery_status": status}
    types = {"kpi_values": dict(KPI_VALUES_COLUMNS),
             "delivery_status": {"provider_agb": "VARCHAR", "period": "VARCHAR", "period_start": "DATE",
                                 "period_end": "DATE", "delivery": "VARCHAR", "deadline": "DATE", "status": "VARCHAR",
                                 "received_at": "TIMESTAMP", "is_late": "BOOLEAN", "n_deliveries": "INTEGER",
                                 "n_rejected": "INTEGER", "cbs_suppressed_kpis": "VARCHAR"}}
    manifest = {"min_cell": 10, "row_counts": {"kpi_values": len(kv)}, "suppressed_rows": 0,
                "input_files": {"count": 3}, "volumes": {},
                "checks": {"passed": True, "n_expectations": 1, "critical_failures": [], "warnings": []}}
    writer.publish(root, run_id="cbs-test", peildatum=dt.date(2025, 12, 31), version=1, tables=tables,
                   types=types, manifest=manifest, info={"gate_result": "geslaagd"})
    return load_published(root)


def test_cbs_blanked_kpis_are_named_not_missing(pub):
    assert pub.cbs_suppressed(P2, "2025-H2") == {"OI01", "OI08"}
    assert pub.cbs_suppressed(P1, "2025-H2") == frozenset()
    tree = lxml.html.fromstring(render_factsheet(pub, P2, "2025-H2"))
    own = {td.get("data-kpi"): td for td in tree.xpath("//td[@data-scope='aanbieder'][@data-period='2025-H2']")}
    assert own["OI01"].text_content() == "onderdrukt door CBS (kleine aantallen)"
    assert own["OI01"].get("data-cbs-suppressed") == "true" and own["OI01"].get("data-value") is None
    assert own["OI08"].text_content() == "onderdrukt door CBS (kleine aantallen)"
    assert own["OI05"].text_content() == "75,0 %"  # 30/40: not blanked, shown as published
    # the meetpercentage beside OI01 is P2's OI08: blanked too
    assert tree.xpath("//td[@data-scope='meetpercentage:OI01']")[0].text_content() == \
        "onderdrukt door CBS (kleine aantallen)"
    assert "Gegevens ontbreken" not in tree.text_content()
    assert [td.get("data-kpi") for td in tree.xpath("//td") if td.text_content() == "geen gegevens"] == []
    items = tree.xpath("//ul[@class='bespreken']/li")
    assert [(li.get("data-kind"), li.get("data-item")) for li in items] == []  # nothing missing, no target


def test_delivery_status_on_time_late_and_cbs_note(pub):
    tree = lxml.html.fromstring(render_factsheet(pub, P2, "2025-H2"))
    status = {td.get("data-delivery"): td.text_content() for td in tree.xpath("//td[@data-delivery]")}
    assert status == {"cbs_spiegel": "ontvangen (op tijd); onderdrukt door CBS (kleine aantallen): OI01, OI08",
                      "aanbieder_template": "ontvangen (te laat)"}
    received = [tr.xpath("td")[3].text_content() for tr in tree.xpath("//table[@data-scope='aanlevering']//tbody/tr")]
    assert received == ["03-04-2026", "27-03-2026"]  # aanbieder_template, cbs_spiegel (sorted by delivery)


def test_regional_report_names_cbs_suppression_per_provider(pub):
    tree = lxml.html.fromstring(render_regional(pub, "2025-H2"))
    cell = tree.xpath("//td[@data-kpi='OI01'][@data-scope='aanbieder:75750002']")[0]
    assert cell.text_content() == "onderdrukt door CBS (kleine aantallen)"
    assert tree.xpath("//td[@data-kpi='OI01'][@data-scope='aanbieder:75750001']")[0].text_content() == "20,0 %"
