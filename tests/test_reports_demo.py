"""Reports (issue 8) on the demo region: the regional report and two provider factsheets for 2026-H1, rendered
from the publication of the shared `demo_run` (800 youths, peildatum 2026-06-30) into tmp paths, parsed with
lxml and compared with the published kpi_values / delivery_status - and, for the suppressed cells, with the
working warehouse, whose unsuppressed values must not leak. Then both reports in headless Chromium.

The two providers (found in the published kpi_values; the fixture asserts they still are what the test needs):
- SUPPRESSED = 75750008 Gesloten Jeugdhulp De Horst: many suppressed 2026-H1 cells (at least 10, among them its
  KL counts; its KG scores are published as they are since issue 14: their units are conversations, not youths);
  also the CBS outcomes of the hand check;
- MISSED = 75750002: many missed year-2026 targets (at least 5; targets apply to year rows, so for 2026-H1 the
  factsheet shows the 2026 row, year-to-date and provisional).
"""

from __future__ import annotations

import duckdb
import lxml.html
import pandas as pd
import pytest

from chromium import open_page, require_chromium
from jeugdkpi.report.data import last_half_years, load_published
from jeugdkpi.report.render import format_value, render_factsheet, render_regional

PERIOD = "2026-H1"
TREND = last_half_years(PERIOD)  # 2024-H2, 2025-H1, 2025-H2, 2026-H1
NETWORK_MARKERS = ("http:", "https:", "//", "@import", "<script src", "<link")


@pytest.fixture(scope="module")
def demo(demo_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_reports")
    pub = load_published(demo_run.settings.publish)
    kv = pub.kpi_values
    total = kv[kv.care_form.isna()]
    half = total[(total.period == PERIOD) & total.provider_agb.notna() & total.municipality_code.isna()]
    year = total[(total.period == PERIOD[:4]) & total.provider_agb.notna() & total.municipality_code.isna()]
    suppressed = half.groupby("provider_agb").is_suppressed.sum()
    missed = year.assign(miss=year.target_met.eq(False).fillna(False)).groupby("provider_agb").miss.sum()
    providers = {"SUPPRESSED": "75750008", "MISSED": "75750002"}
    assert suppressed["75750008"] >= 10, suppressed
    assert missed["75750002"] >= 5, missed
    pages = {"regio": render_regional(pub, PERIOD)}
    for agb in set(providers.values()):
        pages[agb] = render_factsheet(pub, agb, PERIOD)
    with duckdb.connect(str(demo_run.settings.warehouse), read_only=True) as con:
        raw = con.execute("SELECT * FROM marts.kpi_values WHERE care_form IS NULL").df()
    return {"pub": pub, "pages": pages, "providers": providers, "raw": raw, "out": out,
            "trees": {k: lxml.html.fromstring(v) for k, v in pages.items()}}


def value_cells(tree) -> dict[tuple[str, str, str], lxml.html.HtmlElement]:
    """(kpi, scope, period) -> the value cell (every cell with data-kpi, data-scope and data-period)."""
    return {(td.get("data-kpi"), td.get("data-scope"), td.get("data-period")): td
            for td in tree.xpath("//td[@data-kpi and @data-scope and @data-period]")}


def rows_of(pub, period=PERIOD, municipality=None, provider=None) -> pd.DataFrame:
    kv = pub.kpi_values
    sel = kv[(kv.period == period) & kv.care_form.isna()]
    sel = sel[sel.municipality_code.isna()] if municipality is None else sel[sel.municipality_code == municipality]
    return sel[sel.provider_agb.isna()] if provider is None else sel[sel.provider_agb == provider]


def expected_text(row) -> str:
    if row.is_suppressed:
        return "onderdrukt"
    return format_value(row.value, row.unit) + (" (voorlopig)" if row.is_provisional else "")


def assert_cell(cell, row) -> None:
    """One shown cell equals its published row: same text as format_value gives, same unrounded value."""
    assert cell is not None
    assert cell.text_content() == expected_text(row), (row.kpi_id, cell.text_content())
    if row.is_suppressed:
        assert cell.get("data-suppressed") == "true" and cell.get("data-value") is None
    else:
        assert float(cell.get("data-value")) == pytest.approx(row.value, abs=1e-6)


def test_regional_report_equals_published_kpi_values(demo):
    pub, tree = demo["pub"], demo["trees"]["regio"]
    cells = value_cells(tree)
    catalogue = set(pub.catalogue.kpi_id)
    region = rows_of(pub)
    region = region[region.kpi_id.isin(catalogue)]
    assert len(region) > 40  # the demo region publishes most KPI families for 2026-H1
    for row in region.itertuples():  # every published region value of 2026-H1, at its KPI
        assert_cell(cells.get((row.kpi_id, "regio", PERIOD)), row)
    # per municipality and per provider: every published cell of 2026-H1, suppression as published
    kv = pub.kpi_values
    members = kv[(kv.period == PERIOD) & kv.care_form.isna() & kv.kpi_id.isin(catalogue)
                 & (kv.municipality_code.isna() != kv.provider_agb.isna())]
    n_suppressed = 0
    for row in members.itertuples():
        scope = (f"gemeente:{row.municipality_code}" if pd.notna(row.municipality_code)
                 else f"aanbieder:{row.provider_agb}")
        assert_cell(cells.get((row.kpi_id, scope, PERIOD)), row)
        n_suppressed += bool(row.is_suppressed)
    assert n_suppressed > 0
    # nothing else is shown as a value: every value cell is a published row or says "geen gegevens"
    shown = {(r.kpi_id, "regio" if pd.isna(r.municipality_code) and pd.isna(r.provider_agb) else
              f"gemeente:{r.municipality_code}" if pd.notna(r.municipality_code) else f"aanbieder:{r.provider_agb}")
             for r in pd.concat([region, members]).itertuples()}
    for (kpi, scope, _), cell in cells.items():
        if (kpi, scope) not in shown and not scope.startswith("doel:"):
            assert cell.text_content() == "geen gegevens", (kpi, scope)


def test_suppressed_values_do_not_leak(demo):
    """For every suppressed published cell of 2026-H1, the working warehouse's value is not in that cell."""
    pub, raw = demo["pub"], demo["raw"]
    kv = pub.kpi_values
    hidden = kv[(kv.period == PERIOD) & kv.care_form.isna() & kv.is_suppressed]
    key = ["kpi_id", "period", "municipality_code", "provider_agb"]
    merged = hidden.merge(raw[key + ["value"]], on=key, how="left", suffixes=("", "_raw"))
    merged = merged[merged.value_raw.notna()]
    assert len(merged) > 20
    checked = 0
    for name, tree in demo["trees"].items():
        cells = value_cells(tree)
        for row in merged.itertuples():
            if name == "regio":
                scope = ("regio" if pd.isna(row.municipality_code) and pd.isna(row.provider_agb) else
                         f"gemeente:{row.municipality_code}" if pd.notna(row.municipality_code)
                         else f"aanbieder:{row.provider_agb}")
            elif row.provider_agb == name and pd.isna(row.municipality_code):
                scope = "aanbieder"
            else:
                continue
            cell = cells.get((row.kpi_id, scope, PERIOD))
            if cell is None:
                continue
            checked += 1
            assert cell.text_content() == "onderdrukt" and cell.get("data-value") is None
            shown = [cell.text_content()] + [v for k, v in cell.attrib.items()
                                             if k not in ("data-kpi", "data-scope", "data-period", "class")]
            for leak in (format_value(row.value_raw, row.unit), f"{row.value_raw:.6f}"):
                assert not any(leak in text for text in shown), (row.kpi_id, scope, leak)
    assert checked > 20


@pytest.mark.parametrize("role", ["SUPPRESSED", "MISSED"])
def test_factsheet_values_and_te_bespreken(demo, role):
    pub, agb = demo["pub"], demo["providers"][role]
    tree = demo["trees"][agb]
    cells = value_cells(tree)
    kv = pub.kpi_values
    total = kv[kv.care_form.isna() & kv.municipality_code.isna()]
    own = total[total.provider_agb == agb]
    shown_kpis = set(own[own.period.isin(TREND)].kpi_id) & set(pub.catalogue.kpi_id)
    now = {r.kpi_id: r for r in own[own.period == PERIOD].itertuples()}
    region = {r.kpi_id: r for r in rows_of(pub).itertuples()}
    for kpi in shown_kpis:  # provider and region value of every KPI on the factsheet
        if kpi in now:
            assert_cell(cells[(kpi, "aanbieder", PERIOD)], now[kpi])
        else:
            assert cells[(kpi, "aanbieder", PERIOD)].text_content() == "geen gegevens"
        if kpi in region:
            assert_cell(cells[(kpi, "regio", PERIOD)], region[kpi])
    if role == "SUPPRESSED":
        n_hidden = sum(bool(r.is_suppressed) for k, r in now.items() if k in shown_kpis)
        assert n_hidden > 0
        assert sum(td.text_content() == "onderdrukt" for (_, scope, _), td in cells.items()
                   if scope == "aanbieder") == n_hidden
    # "Te bespreken" = exactly: year-2026 targets missed (the year row carries the target, kpi-definitions),
    # KPIs with data in the last four half-years but none for 2026-H1, and deliveries missing or rejected
    year = own[own.period == PERIOD[:4]].set_index("kpi_id")
    expected = {("doel", k) for k in shown_kpis if k in year.index and not year.loc[k, "is_suppressed"]
                and pd.notna(year.loc[k, "target_met"]) and not year.loc[k, "target_met"]}
    expected |= {("ontbreekt", k) for k in shown_kpis - set(now)}
    ds = pub.delivery_status
    expected |= {("aanlevering", d) for d in ds[(ds.provider_agb == agb) & (ds.period == PERIOD)
                                                & ds.status.isin(["missing", "rejected"])].delivery}
    items = tree.xpath("//h2[.='Te bespreken']/following-sibling::ul[1]/li")
    got = {(li.get("data-kind"), li.get("data-item")) for li in items}
    assert got == expected and len(items) == len(expected)
    if role == "MISSED":
        assert any(kind == "doel" for kind, _ in got)
        li = next(li for li in items if li.get("data-kind") == "doel")
        row = year.loc[li.get("data-item")]
        assert f": {format_value(row.value, row.unit)} in 2026 (tot nu toe) (doel " in li.text_content()
        assert tree.xpath(f"//td[@data-kpi='{li.get('data-item')}'][@data-scope='doel:aanbieder']")[0] \
            .text_content() == "nee (2026)"


def test_factsheet_outcomes_complaints_quality_and_delivery(demo):
    pub, agb = demo["pub"], demo["providers"]["SUPPRESSED"]
    tree = demo["trees"][agb]
    kv = pub.kpi_values
    own = kv[kv.care_form.isna() & kv.municipality_code.isna() & (kv.provider_agb == agb) & (kv.period == PERIOD)]
    own = own.set_index("kpi_id")
    # meetpercentage: OI08 = measured / ended trajectories of the provider's 2026-H1 spiegelrapportage
    oi08 = own.loc["OI08"]
    assert (oi08.numerator, oi08.denominator) == (82, 134)       # demo region, 75750008 "De Horst"
    # 82 / 134 = 0.61194 -> "61,2 %", shown beside every CBS outcome indicator (OI01-OI05) of the provider
    for kpi in ("OI01", "OI02", "OI03", "OI04", "OI05"):
        cell = tree.xpath(f"//td[@data-scope='meetpercentage:{kpi}']")[0]
        flag = " (voorlopig)" if oi08.is_provisional else ""  # CBS status voorlopig -> provisional
        assert cell.text_content() == "61,2 %" + flag and cell.get("data-kpi") == "OI08"
    for kpi in ("OI06", "OI07"):  # provider template: no measured/ended counts delivered
        assert tree.xpath(f"//td[@data-scope='meetpercentage:{kpi}']")[0].text_content() == \
            "meetpercentage niet aangeleverd"
    # outcome n beside the value: OI02 = 152 measurements (published n_youths)
    assert tree.xpath("//td[@data-kpi='OI02'][@data-scope='n']")[0].text_content() == "152" == \
        str(int(own.loc["OI02", "n_youths"]))
    # complaints and quality scores with their n: KL02 shown with n; KG scores (n = 1) shown as suppressed
    for kpi in [k for k in own.index if k.startswith(("KL", "KG"))]:
        row = own.loc[kpi]
        n_cell = tree.xpath(f"//td[@data-kpi='{kpi}'][@data-scope='n']")[0].text_content()
        value_cell = tree.xpath(f"//td[@data-kpi='{kpi}'][@data-scope='aanbieder']")[0].text_content()
        if row.is_suppressed:
            assert value_cell == "onderdrukt" and n_cell == "—"
        else:
            assert n_cell == format_value(row.n_youths, "count") and value_cell == expected_text(row)
    assert {k for k in own.index if k.startswith("KG")} and own.loc["KL02", "n_youths"] == 259  # 2 of 259 clients
    assert tree.xpath("//td[@data-kpi='KL02'][@data-scope='aanbieder']")[0].text_content() == "0,8 %"  # 2/259
    # delivery status: one row per expected delivery, the status as published in delivery_status
    ds = pub.delivery_status
    ds = ds[(ds.provider_agb == agb) & (ds.period == PERIOD)]
    shown = {td.get("data-delivery"): td.get("data-status") for td in tree.xpath("//td[@data-delivery]")}
    assert shown == dict(zip(ds.delivery, ds.status, strict=True))
    assert set(shown) == {"aanbieder_template", "cbs_spiegel"}


def test_dutch_labels_size_and_no_network(demo):
    pub, pages, trees = demo["pub"], demo["pages"], demo["trees"]
    names = dict(zip(pub.catalogue.kpi_id, pub.catalogue.name_nl, strict=True))
    for agb in set(demo["providers"].values()):
        headings = [h.text_content() for h in trees[agb].xpath("//h2")]
        for label in ("Uitkomsten (outcome) en cliënttevredenheid", "Administratief proces (tijdigheid)",
                      "Klachten en kwaliteitsgesprek", f"Aanleverstatus {PERIOD}", "Te bespreken"):
            assert label in headings, label
        assert len(pages[agb].encode("utf-8")) < 1_000_000
        for td in trees[agb].xpath("//td[@data-scope='aanbieder'][@data-kpi]"):
            kpi = td.get("data-kpi")
            assert f"{kpi} {names[kpi]}" == td.getparent()[0].text_content()  # the catalogue's Dutch name
    headings = [h.text_content() for h in trees["regio"].xpath("//h2")]
    assert headings == ["Op weg naar de doelen", "De regio naast Nederland (CBS)", "Alle KPI's voor de regio",
                        f"Per gemeente ({PERIOD})", f"Per aanbieder ({PERIOD})", "Datakwaliteit van deze publicatie"]
    for text in pages.values():
        assert '<html lang="nl">' in text
        for marker in NETWORK_MARKERS:
            assert marker not in text, marker


def test_demo_reports_in_headless_chromium(demo):
    """Both reports open offline in headless Chromium: no console errors, no request but the page itself."""
    binary = require_chromium()
    pub_root = demo["out"]
    agb = demo["providers"]["MISSED"]
    for name, page in (("regio", demo["pages"]["regio"]), (f"factsheet_{agb}", demo["pages"][agb])):
        path = pub_root / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        png = pub_root / f"{name}.png"
        report = open_page(path, png, binary=binary)
        assert report.requests == [path.resolve().as_uri()], report.requests
        assert report.console_errors == []
        assert png.stat().st_size > 10_000 and report.height_px > 1123  # more than one A4 page high


def test_missing_delivery_is_a_discussion_point(demo):
    """75750007 did not deliver its provider template for 2025-H2 (deadline 1 April 2026 < peildatum): the
    published delivery_status says `missing`, so the 2025-H2 factsheet lists it under "Te bespreken"."""
    pub = demo["pub"]
    ds = pub.delivery_status
    mine = ds[(ds.provider_agb == "75750007") & (ds.period == "2025-H2")]
    assert dict(zip(mine.delivery, mine.status, strict=True)) == {"aanbieder_template": "missing",
                                                                   "cbs_spiegel": "received"}
    tree = lxml.html.fromstring(render_factsheet(pub, "75750007", "2025-H2"))
    status = {td.get("data-delivery"): td.text_content() for td in tree.xpath("//td[@data-delivery]")}
    assert status["aanbieder_template"] == "ontbreekt (termijn verstreken)"
    assert status["cbs_spiegel"].startswith("ontvangen")  # "(te laat)" depends on the day the test loads it
    items = {li.get("data-item"): li.text_content()
             for li in tree.xpath("//ul[@class='bespreken']/li[@data-kind='aanlevering']")}
    assert items == {"aanbieder_template": "Aanlevering ontbreekt (termijn verstreken): KPI-aanlevering (sjabloon "
                                           "aanbieder) voor 2025-H2 (termijn 01-04-2026)."}


def test_demo_outlook_is_published_and_shown(demo):
    """Issue 19: the demo (peildatum 2026-06-30, the catalogue's targets for 2026) publishes an outlook for every
    KPI with a 2026 target at the region grain, and the regional report shows each with the published verdict and
    projection. No series point is a suppressed cell."""
    pub, tree = demo["pub"], demo["trees"]["regio"]
    outlook = pub.outlook
    assert outlook is not None and set(outlook["period"]) == {PERIOD}
    targeted = set(pub.catalogue.loc[pub.catalogue["target_year"].astype(float) == 2026, "kpi_id"])
    region = outlook[outlook.municipality_code.isna() & outlook.provider_agb.isna()]
    published = set(pub.kpi_values.loc[pub.kpi_values.period.str.startswith("2026"), "kpi_id"])
    assert set(region.kpi_id) == targeted & published and len(region) >= 8
    assert set(region.verdict) <= {"op koers", "onzeker", "niet op koers", "te weinig gegevens", "geen doel bekend"}
    assert (region.verdict != "te weinig gegevens").sum() >= 5  # the demo has years of history
    kv = pub.kpi_values[pub.kpi_values.care_form.isna()]
    for row in outlook.itertuples():
        grain = kv[(kv.kpi_id == row.kpi_id)
                   & (kv.municipality_code.isna() if pd.isna(row.municipality_code)
                      else kv.municipality_code == row.municipality_code)
                   & (kv.provider_agb.isna() if pd.isna(row.provider_agb) else kv.provider_agb == row.provider_agb)
                   & (kv.period.str.len() == (4 if row.series == "jaar" else 7))]
        shown = grain[~grain.is_suppressed.astype(bool) & grain.value.notna() & ~grain.is_partial.astype(bool)]
        assert row.n_points <= len(shown), (row.kpi_id, row.municipality_code, row.provider_agb)
    verdicts = {td.get("data-kpi"): td.text_content()
                for td in tree.xpath("//td[@data-scope='oordeel:regio']")}
    shown = region[region.n_points > 0]  # a grain without any value has nothing to show
    assert verdicts == dict(zip(shown.kpi_id, shown.verdict, strict=True))
    for td in tree.xpath("//td[@data-scope='verwachting:regio']"):
        expected = region.loc[region.kpi_id == td.get("data-kpi"), "projected_value"].iloc[0]
        assert float(td.get("data-value")) == pytest.approx(expected, abs=1e-6)
