"""Reports (issue 8): the provider factsheet and the regional half-year report, rendered from a publication.

Scenario "Polderland 2025-H2": a small hand-made publication written by the real publisher (`writer.publish`)
after the real small-cell rule (`suppress`, minimum 10), with the real seeds as catalogue, providers and
municipalities. Provider 75750002 = Pleegzorg Polderland (synthetisch); the factsheet is for 2025-H2, so its
trend covers 2024-H1, 2024-H2, 2025-H1, 2025-H2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from fnmatch import fnmatch

import pandas as pd
import pytest

from jeugdkpi.cli import main
from jeugdkpi.publish import writer
from jeugdkpi.publish.build import _checks_summary
from jeugdkpi.publish.suppression import suppress
from jeugdkpi.quality.runner import ExpectationResult
from jeugdkpi.report.data import last_half_years, load_published, with_chapters
from jeugdkpi.report.render import format_value, render_factsheet, render_regional, report_path, write_report
from jeugdkpi.report.svg import trend_svg
from jeugdkpi.report.templating import TEMPLATES
from jeugdkpi.settings import REPO_ROOT, SEEDS_DIR

P1, P2 = "75750001", "75750002"
HALF = {"2024-H1": (dt.date(2024, 1, 1), dt.date(2024, 6, 30)), "2024-H2": (dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
        "2025-H1": (dt.date(2025, 1, 1), dt.date(2025, 6, 30)), "2025-H2": (dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
        "2023": (dt.date(2023, 1, 1), dt.date(2023, 12, 31)), "2026": (dt.date(2026, 1, 1), dt.date(2026, 12, 31))}


def r(kpi, period, num=None, den=None, value=None, n=None, municipality=None, provider=None, unit="percentage",
      target=None, target_met=None, source="berichtenverkeer"):
    if value is None and num is not None:
        value = num / den * 100
    start, end = HALF[period]
    return {"kpi_id": kpi, "period": period, "period_start": start, "period_end": end,
            "municipality_code": municipality, "provider_agb": provider, "care_form": None,
            "numerator": num, "denominator": den, "value": value, "unit": unit, "n_youths": n, "target": target,
            "target_met": target_met, "is_provisional": False, "is_partial": False, "is_suppressed": False,
            "source": source}


def kpi_frame() -> pd.DataFrame:
    rows = [
        # VB09 deeltijdpleegzorg (target >= 10 %): region 4/50 = 8.0, 5/50 = 10.0, 6/50 = 12.0, 9/60 = 15.0
        r("VB09", "2024-H1", 4, 50, n=50, target=10, target_met=False),
        r("VB09", "2024-H2", 5, 50, n=50, target=10, target_met=True),
        r("VB09", "2025-H1", 6, 50, n=50, target=10, target_met=True),
        r("VB09", "2025-H2", 9, 60, n=60, target=10, target_met=True),
        # provider 75750002: 2025-H1 2/25 = 8.0 (missed), 2025-H2 3/30 = 10.0 (met)
        r("VB09", "2025-H1", 2, 25, n=25, provider=P2, target=10, target_met=False),
        r("VB09", "2025-H2", 3, 30, n=30, provider=P2, target=10, target_met=True),
        # VB07 stays < 9 months (target >= 60 %): region 30/50 = 60.0; provider 75750002 12/25 = 48.0 (missed)
        r("VB07", "2025-H2", 30, 50, n=50, target=60, target_met=True),
        r("VB07", "2025-H2", 12, 25, n=25, provider=P2, target=60, target_met=False),
        r("VB07", "2025-H2", 18, 25, n=25, provider=P1, target=60, target_met=True),
        # per municipality: 0034 12/25 = 48.0; 0995 6/11; 0303 2/4 (4 < 10: primary). They do not add up to the
        # region (20/40 against 30/50), so 0303 cannot be recomputed and 0995 needs no complementary suppression
        r("VB07", "2025-H2", 12, 25, n=25, municipality="0034", target=60, target_met=False),
        r("VB07", "2025-H2", 6, 11, n=11, municipality="0995", target=60, target_met=False),
        r("VB07", "2025-H2", 2, 4, n=4, municipality="0303", target=60, target_met=False),
        # EG01: region 30/40 = 75.0; provider 75750002 has 8 stays (primary), 75750001 32 (secondary)
        r("EG01", "2025-H2", 30, 40, n=40, target=70, target_met=True),
        r("EG01", "2025-H2", 6, 8, n=8, provider=P2, target=70, target_met=True),
        r("EG01", "2025-H2", 24, 32, n=32, provider=P1, target=70, target_met=True),
        # AP08 declarations on time (target >= 95 %): provider 90/100 = 90.0 -> 100 - 90 = 10 late
        r("AP08", "2025-H2", 180, 200, n=200, target=95, target_met=False),
        r("AP08", "2025-H2", 90, 100, n=100, provider=P2, target=95, target_met=False),
        # OI08 meetpercentage: provider delivered it for 2025-H1 (40 %, 20 trajects) but not for 2025-H2
        r("OI08", "2025-H1", 8, 20, n=20, provider=P2, source="aanbieder"),
        # KL01 complaints (a count delivered by the provider): 3 complaints about 12 clients
        r("KL01", "2025-H2", value=3.0, n=12, provider=P2, unit="count", source="aanbieder"),
        # VB01 youths in residential care (target: -15 % against 2023, from 2026): region 2023 = 200, so the
        # warehouse sets 200 x 0.85 = 170 on the 2026 year row; the half-years 190, 180, 175, 160 carry none
        r("VB01", "2023", value=200.0, n=200, unit="count"),
        r("VB01", "2024-H1", value=190.0, n=190, unit="count"), r("VB01", "2024-H2", value=180.0, n=180, unit="count"),
        r("VB01", "2025-H1", value=175.0, n=175, unit="count"), r("VB01", "2025-H2", value=160.0, n=160, unit="count"),
        r("VB01", "2026", value=165.0, n=165, unit="count", target=170.0, target_met=True),
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def pub_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports") / "pub"
    kv = suppress(kpi_frame(), 10, pd.read_csv(SEEDS_DIR / "kpi_catalogue.csv", dtype=str))
    tables = {"kpi_values": kv,
              "kpi_catalogue": pd.read_csv(SEEDS_DIR / "kpi_catalogue.csv", dtype=str),
              "municipalities": pd.read_csv(SEEDS_DIR / "municipalities.csv", dtype=str),
              "providers": pd.read_csv(SEEDS_DIR / "providers.csv", dtype=str)}
    types = {"kpi_values": {"kpi_id": "VARCHAR", "period": "VARCHAR", "period_start": "DATE", "period_end": "DATE",
                            "municipality_code": "VARCHAR", "provider_agb": "VARCHAR", "care_form": "VARCHAR",
                            "numerator": "DOUBLE", "denominator": "DOUBLE", "value": "DOUBLE", "unit": "VARCHAR",
                            "n_youths": "INTEGER", "target": "DOUBLE", "target_met": "BOOLEAN",
                            "is_provisional": "BOOLEAN", "is_partial": "BOOLEAN", "is_suppressed": "BOOLEAN",
                            "source": "VARCHAR"},
             "kpi_catalogue": {"kpi_id": "VARCHAR", "theme": "VARCHAR", "name_nl": "VARCHAR", "unit": "VARCHAR",
                               "source": "VARCHAR", "direction": "VARCHAR", "target_value": "DOUBLE",
                               "target_type": "VARCHAR", "target_year": "INTEGER", "base_year": "INTEGER",
                               "norm_value": "DOUBLE", "norm_unit": "VARCHAR", "from_document": "VARCHAR"}}
    manifest = {"min_cell": 10, "row_counts": {"kpi_values": len(kv)}, "suppressed_rows": int(kv.is_suppressed.sum()),
                "input_files": {"count": 7}, "volumes": {},
                # the gate's summary as the publisher writes it: 41 checks passed, 1 warning
                "checks": _checks_summary(
                    [ExpectationResult("marts_kpi_values", f"e{i}", "critical", "kpi_values", True, 0)
                     for i in range(41)]
                    + [ExpectationResult("marts_kpi_values", "volume_vs_last_publication", "warning", "kpi_values",
                                         False, 1, description="Volume wijkt af")])}
    writer.publish(root, run_id="rapport-test", peildatum=dt.date(2025, 12, 31), version=1, tables=tables,
                   types=types, manifest=manifest, info={"gate_result": "geslaagd"})
    return root


@pytest.fixture(scope="module")
def reports(pub_root):
    pub = load_published(pub_root)
    return pub, render_factsheet(pub, P2, "2025-H2"), render_regional(pub, "2025-H2")


CELL = re.compile(r'<td class="num( onderdrukt)?" data-kpi="(\w+)" data-scope="([^"]+)"([^>]*)>([^<]*)</td>')


def cells(text: str) -> dict[tuple[str, str], tuple[bool, str, str]]:
    """(kpi, scope) -> (suppressed, data-value, shown text) of every KPI value cell of a report."""
    out = {}
    for m in CELL.finditer(text):
        value = re.search(r'data-value="([^"]+)"', m.group(4))
        out[(m.group(2), m.group(3))] = (bool(m.group(1)), value.group(1) if value else "", m.group(5))
    return out


def published(pub, kpi, period="2025-H2", municipality=None, provider=None):
    kv = pub.kpi_values
    sel = kv[(kv.kpi_id == kpi) & (kv.period == period) & kv.care_form.isna()]  # all care forms
    sel = sel[sel.municipality_code.isna()] if municipality is None else sel[sel.municipality_code == municipality]
    sel = sel[sel.provider_agb.isna()] if provider is None else sel[sel.provider_agb == provider]
    return sel.iloc[0] if len(sel) == 1 else None


def test_trend_periods_and_dutch_number_format():
    assert last_half_years("2025-H2") == ["2024-H1", "2024-H2", "2025-H1", "2025-H2"]
    assert last_half_years("2025-h1") == ["2023-H2", "2024-H1", "2024-H2", "2025-H1"]
    assert format_value(48.0, "percentage") == "48,0 %"
    assert format_value(1234.0, "count") == "1.234"
    assert format_value(6 / 11 * 100, "percentage") == "54,5 %"
    assert format_value(None, "percentage") == "geen gegevens"


def test_factsheet_values_equal_published(reports):
    pub, factsheet, _ = reports
    got = cells(factsheet)
    # every value cell agrees with the published kpi_values row of its scope
    for (kpi, scope), (suppressed, value, shown) in got.items():
        if scope == "te_laat" or scope.startswith("meetpercentage:"):
            continue
        row = published(pub, kpi, provider=P2 if scope == "aanbieder" else None)
        if row is None:
            assert shown == "geen gegevens" and not suppressed
        elif row.is_suppressed:
            assert suppressed and shown == "onderdrukt"
        else:
            assert not suppressed and float(value) == pytest.approx(row.value, abs=1e-6)
    # hand-computed: VB07 provider 12/25 = 48,0 %, region 30/50 = 60,0 %; VB09 provider 3/30 = 10,0 %
    assert got[("VB07", "aanbieder")][2] == "48,0 %" and got[("VB07", "regio")][2] == "60,0 %"
    assert got[("VB09", "aanbieder")][2] == "10,0 %" and got[("VB09", "regio")][2] == "15,0 %"
    # EG01: 8 stays < 10 -> suppressed, shown as such (never 0); the region (40) is shown: 30/40 = 75,0 %
    assert got[("EG01", "aanbieder")] == (True, "", "onderdrukt")
    assert got[("EG01", "regio")][2] == "75,0 %"
    # AP08: 100 declarations, 90 on time -> 10 late
    assert got[("AP08", "aanbieder")][2] == "90,0 %" and got[("AP08", "te_laat")][2] == "10"
    # OI08 was delivered for 2025-H1 only: no 2025-H2 value, shown as missing (not suppressed, not 0)
    assert got[("OI08", "aanbieder")] == (False, "", "geen gegevens")
    assert got[("KL01", "aanbieder")][2] == "3"


def test_factsheet_dutch_labels_and_discussion_points(reports):
    _, factsheet, _ = reports
    assert '<html lang="nl">' in factsheet
    assert "Factsheet Pleegzorg Polderland (synthetisch)" in factsheet
    for label in ("Aanbieder", "Regio", "Doel / norm", "Doel gehaald", "Te laat", "Trend (4 halfjaren)",
                  "Administratief proces (tijdigheid)", "Uitkomsten (outcome) en cliënttevredenheid",
                  "Klachten en kwaliteitsgesprek", "Aanleverstatus 2025-H2", "Te bespreken"):
        assert label in factsheet, label
    discuss = factsheet.split("<h2>Te bespreken</h2>")[1]
    assert ("Doel niet gehaald: VB07 Percentage verblijfsperioden korter dan 9 maanden: 48,0 % (doel ≥ 60,0 %)"
            in discuss)
    assert "Doel niet gehaald: AP08" in discuss
    assert "Gegevens ontbreken voor 2025-H2: OI08" in discuss
    # a suppressed KPI (EG01, 8 stays) is shown as "onderdrukt" in its table, but is no discussion point
    assert "EG01" not in discuss
    assert "VB09" not in discuss  # target met in 2025-H2
    assert "KPI's van de aanbieder: aangeleverd" in factsheet  # KL01 came from the provider itself
    # one trend chart per KPI row (VB07, VB09, EG01, AP08, OI08, KL01), drawn inline
    assert factsheet.count("<svg") == 6


def chart(report: str, kpi: str) -> str:
    """The trend chart in the first table row of `kpi` (the factsheet's theme table, the regional overview)."""
    row = re.search(rf"<tr><td>{kpi} .*?</tr>", report).group(0)
    return re.search(r"<svg.*?</svg>", row).group(0)


def test_trend_chart_has_a_value_axis_and_the_target_line(reports):
    _, factsheet, regional = reports
    # VB09 on the factsheet of 75750002: provider 8,0 and 10,0 % (2025-H1, H2), region 8, 10, 12, 15 %; target
    # >= 10 % (the 2025-H2 row carries it). Axis 8..15; plot 6..44 px (56 high, 6 top, 12 bottom): a value v is
    # at y = 6 + (15 - v) / 7 * 38, the target 10 at 6 + 5/7 * 38 = 33.1; x runs from 38 to 170
    svg = chart(factsheet, "VB09")
    assert '<text class="as-max" x="34" y="8.5" font-size="7" fill="#666" text-anchor="end">15,0 %</text>' in svg
    assert '<text class="as-min" x="34" y="46.5" font-size="7" fill="#666" text-anchor="end">8,0 %</text>' in svg
    assert '<line class="basislijn" x1="36" y1="44.0" x2="170" y2="44.0"' in svg
    assert '<line class="doel" x1="36" y1="33.1" x2="170" y2="33.1"' in svg
    assert '<text class="doel" x="172" y="35.6" font-size="7" fill="#c55a11">doel</text>' in svg
    assert '<circle cx="170.0" cy="33.1" r="2.2"' in svg  # the provider's 2025-H2 value meets the target: on it
    # accessible: the chart says what it is and what it shows
    assert "<title>Trend VB09 Percentage deeltijdpleegzorg, 2024-H1 tot 2025-H2</title>" in svg
    assert ("<desc>aanbieder: 2024-H1 geen waarde, 2024-H2 geen waarde, 2025-H1 8,0 %, 2025-H2 10,0 %; regio: "
            "2024-H1 8,0 %, 2024-H2 10,0 %, 2025-H1 12,0 %, 2025-H2 15,0 %; doel: 10,0 %; as van 8,0 % tot "
            "15,0 %</desc>") in svg
    assert 'role="img"' in svg and "oranje streepjes = doel" in factsheet


def test_a_change_target_is_drawn_at_base_times_one_plus_pct(reports):
    _, _, regional = reports
    # VB01 (-15 % against 2023): the published 2026 target 200 x (1 - 15/100) = 170 is drawn on the half-year
    # chart of 2025-H2 (no row of its own carries it). Axis 160..190: y = 6 + (190 - 170) / 30 * 38 = 31.3
    svg = chart(regional, "VB01")
    assert ">190</text>" in svg and ">160</text>" in svg and "as van 160 tot 190" in svg
    assert '<line class="doel" x1="36" y1="31.3" x2="170" y2="31.3"' in svg and "doel: 170;" in svg
    # no target in the catalogue (EG01 has one, AP08 too; KL01 none): no line
    _, factsheet, _ = reports
    assert 'class="doel"' not in chart(factsheet, "KL01") and 'class="doel"' in chart(factsheet, "AP08")


def test_no_target_line_beside_a_main_series_without_values():
    # a provider's target (VB01 on a factsheet: the provider's own base) is not drawn beside the region alone
    svg = trend_svg(["2025-H1", "2025-H2"], [("aanbieder", [None, None], "main"), ("regio", [190.0, 160.0], "ref")],
                    target=11.9, fmt=lambda v: f"{v:.0f}")
    assert 'class="doel"' not in svg and "as van 160 tot 190" in svg
    with_value = trend_svg(["2025-H1", "2025-H2"],
                           [("aanbieder", [None, 14.0], "main"), ("regio", [190.0, 160.0], "ref")],
                           target=11.9, fmt=lambda v: f"{v:.1f}")
    assert 'class="doel"' in with_value and "as van 11.9 tot 190.0" in with_value


def test_axis_ends_that_would_read_the_same_get_more_decimals():
    def pct(v, decimals=None):
        return format_value(v, "percentage", decimals)
    # VB02 in the demo: 0,23 % and 0,18 % both read "0,2 %" with the report's one decimal
    svg = trend_svg(["2025-H1", "2025-H2"], [("regio", [0.231, 0.183], "main")], fmt=pct)
    assert ">0,23 %</text>" in svg and ">0,18 %</text>" in svg and "as van 0,18 % tot 0,23 %" in svg
    assert "2025-H1 0,2 %, 2025-H2 0,2 %" in svg  # the values themselves as the report shows them
    assert format_value(0.1834, "percentage", 2) == "0,18 %" and format_value(1234.5, "count", 1) == "1.234,5"


def test_trend_chart_without_values_or_with_one_value():
    empty = trend_svg(["2025-H1", "2025-H2"], [("regio", [None, None], "main")], title="VB09")
    assert "<title>Trend VB09, 2025-H1 tot 2025-H2</title>" in empty and "geen gegevens" in empty
    flat = trend_svg(["2025-H1", "2025-H2"], [("regio", [5.0, 5.0], "main")], fmt=lambda v: f"{v:.0f}")
    # one value: the axis spans 4..6 so the line sits in the middle (y = 6 + 1/2 * 38 = 25), labelled once
    assert 'class="as-max" x="34" y="27.5"' in flat and ">5</text>" in flat and "as-min" not in flat


def test_regional_report_all_scopes_with_suppression(reports):
    pub, _, regional = reports
    got = cells(regional)
    for (kpi, scope), (suppressed, value, shown) in got.items():
        kind, _, code = scope.partition(":")
        row = published(pub, kpi, municipality=code if kind == "gemeente" else None,
                        provider=code if kind == "aanbieder" else None)
        if row is None:
            assert shown == "geen gegevens"
        elif row.is_suppressed:
            assert suppressed and shown == "onderdrukt"
        else:
            assert not suppressed and float(value) == pytest.approx(row.value, abs=1e-6)
    # municipalities: 0034 12/25 = 48,0 %; 0303 (4 youths) primary; 0995 6/11 published (no exact sum to attack)
    assert got[("VB07", "gemeente:0034")][2] == "48,0 %"
    assert got[("VB07", "gemeente:0303")][2] == "onderdrukt" and got[("VB07", "gemeente:0995")][2] == "54,5 %"
    # providers: VB07 75750001 18/25 = 72,0 %; EG01 75750002 (8) primary, 75750001 (32) secondary
    assert got[("VB07", f"aanbieder:{P1}")][2] == "72,0 %"
    assert got[("EG01", f"aanbieder:{P2}")][2] == "onderdrukt" and got[("EG01", f"aanbieder:{P1}")][2] == "onderdrukt"
    assert got[("VB09", "regio")][2] == "15,0 %" and got[("AP08", "regio")][2] == "90,0 %"  # 180/200
    for label in ("Halfjaarrapportage jeugdhulpregio Flevoland", "Alle KPI's voor de regio", "Per gemeente (2025-H2)",
                  "Per aanbieder (2025-H2)", "Datakwaliteit van deze publicatie", "Almere", "Lelystad"):
        assert label in regional, label
    # the data-quality summary comes from the manifest: 42 checks, 1 warning, 7 files
    assert "Kwaliteitspoort: geslaagd (42 controles: 41 geslaagd, 0 kritiek mislukt, 1 met waarschuwing)" in regional
    assert "Invoerbestanden: 7." in regional and "volume_vs_last_publication" in regional


def test_reports_are_self_contained_and_small(reports):
    _, factsheet, regional = reports
    for text in (factsheet, regional):
        assert len(text.encode("utf-8")) < 1_000_000
        assert "http://" not in text and "https://" not in text
        assert "<script" not in text and " src=" not in text and "<link" not in text


def test_cli_writes_reports_outside_the_snapshots(pub_root, capsys):
    assert main(["report", "--publish", str(pub_root), "--aanbieder", P2, "--periode", "2025-H2"]) == 0
    factsheet = report_path(pub_root, "2025-H2", P2)
    assert factsheet == pub_root / "reports" / "2025-H2" / f"factsheet_{P2}_2025-H2.html"
    assert "48,0 %" in factsheet.read_text(encoding="utf-8")
    assert main(["report", "--publish", str(pub_root), "--periode", "2025-h2"]) == 0
    assert (pub_root / "reports" / "2025-H2" / "regio_2025-H2.html").is_file()
    # the snapshot itself is untouched: still verifies against its manifest
    writer.verify(writer.current_dir(pub_root))
    # unknown provider, bad period: usage errors with a Dutch message
    assert main(["report", "--publish", str(pub_root), "--aanbieder", "99999999", "--periode", "2025-H2"]) == 2
    assert main(["report", "--publish", str(pub_root), "--periode", "2025"]) == 2
    assert "halfjaar" in capsys.readouterr().err


def test_reports_render_in_headless_chromium(pub_root, tmp_path):
    """Skips without chromium, but fails when CI is set (tests/chromium.py: require_chromium)."""
    from chromium import open_page, require_chromium

    binary = require_chromium()
    for agb in (P2, None):
        page = write_report(pub_root, "2025-H2", agb, out=tmp_path / f"{agb or 'regio'}.html")
        png = tmp_path / f"{agb or 'regio'}.png"
        report = open_page(page, png, binary=binary)
        assert report.requests == [page.resolve().as_uri()] and report.console_errors == []
        assert png.is_file() and png.stat().st_size > 1000


@pytest.fixture(scope="module")
def residential_pub(tmp_path_factory):
    """Scenario "residential" (tests/test_e2e_residential.py) through the whole pipeline, peildatum 2026-06-30:
    the `reports` asset runs after `publish` and writes the 2026-H1 reports into <publish>/reports/2026-H1/."""
    from scenario import run_scenario
    from test_e2e_residential import build

    return run_scenario(tmp_path_factory.mktemp("reports_e2e"), build).publish


def test_reports_asset_writes_the_peildatum_half_year(residential_pub):
    pub = load_published(residential_pub)
    folder = residential_pub / "reports" / "2026-H1"
    regional = (folder / "regio_2026-H1.html").read_text(encoding="utf-8")
    kv = pub.kpi_values
    # Daan's gesloten stay at 75750008 (from 2025-03-01, still open) is the only care in 2026-H1
    providers = sorted(set(kv[kv.period == "2026-H1"].provider_agb.dropna()))
    assert "75750008" in providers
    assert sorted(p.name for p in folder.glob("factsheet_*.html")) == [f"factsheet_{p}_2026-H1.html" for p in providers]
    got = cells(regional)
    assert got, "the regional report shows KPI values"
    for (kpi, scope), (suppressed, value, shown) in got.items():
        kind, _, code = scope.partition(":")
        row = published(pub, kpi, "2026-H1", municipality=code if kind == "gemeente" else None,
                        provider=code if kind == "aanbieder" else None)
        if row is None:
            assert shown == "geen gegevens"
        elif row.is_suppressed:  # seven youths in all: every published cell is below 10
            assert suppressed and shown == "onderdrukt"
        else:
            assert float(value) == pytest.approx(row.value, abs=1e-6)
    assert any(s for s, _, _ in got.values()) and ">0,0 %<" not in regional  # suppressed is never shown as 0
    # the reports sit outside the snapshots, which still verify against their manifests
    writer.verify(writer.current_dir(residential_pub))


def test_the_chart_draws_only_a_published_target():
    """The report computes no target: without the 2026 year row (the first the VB01 target applies to) the
    2025-H2 chart has no target line, with it the line is the published 170."""
    from jeugdkpi.report.render import _chart, _Index

    catalogue = pd.read_csv(SEEDS_DIR / "kpi_catalogue.csv", dtype=str)
    cat = catalogue[catalogue["kpi_id"] == "VB01"].iloc[0].to_dict()
    frame = kpi_frame()
    assert _chart(_Index(frame), cat, "2025-H2")["target"] == 170.0
    assert _chart(_Index(frame[frame["period"] != "2026"]), cat, "2025-H2")["target"] is None


def test_chapters_and_their_order_come_from_the_catalogue(reports):
    """The factsheet's KPIs (VB07, VB09, EG01, OI08, AP08, KL01) in the catalogue's chapters: by theme_order, within
    a chapter in catalogue order. Moving AP08 to a chapter numbered 0 puts that chapter first (with its "Te laat"
    column, AP08's theme being administratief-proces); KL01 without a chapter goes to "Overige KPI's", last."""
    pub, factsheet, _ = reports
    assert re.findall(r"<h2>(.*?)</h2>", factsheet)[:4] == [
        "Uithuisplaatsingen, in één keer goed, dichtbij en leren", "Uitkomsten (outcome) en cliënttevredenheid",
        "Administratief proces (tijdigheid)", "Klachten en kwaliteitsgesprek"]
    cat = pub.catalogue.copy()
    cat.loc[cat.kpi_id == "AP08", ["theme_order", "theme_title"]] = ["0", "Eerst: tijdigheid"]
    cat.loc[cat.kpi_id == "KL01", ["theme_order", "theme_title"]] = [None, None]
    text = render_factsheet(dataclasses.replace(pub, catalogue=cat), P2, "2025-H2")
    assert re.findall(r"<h2>(.*?)</h2>", text)[:4] == [
        "Eerst: tijdigheid", "Uithuisplaatsingen, in één keer goed, dichtbij en leren",
        "Uitkomsten (outcome) en cliënttevredenheid", "Overige KPI&#39;s"]
    first = text.split("<h2>Uithuisplaatsingen")[0]
    assert "<th>Te laat</th>" in first and 'data-scope="te_laat">10</td>' in first
    assert re.findall(r"<tr><td>(\w+) ", text) == ["AP08", "VB07", "VB09", "EG01", "OI08", "KL01"]


def test_an_older_publication_takes_its_chapters_from_the_seed_catalogue():
    old = pd.DataFrame({"kpi_id": ["KL01", "XX99", "AP01"], "name_nl": ["a", "b", "c"]})  # no chapter columns
    got = with_chapters(old)
    assert got.kpi_id.tolist() == ["KL01", "XX99", "AP01"]
    assert got.theme_order.tolist()[::2] == ["4", "3"] and pd.isna(got.theme_order[1])
    assert got.theme_title[2] == "Administratief proces (tijdigheid)" and pd.isna(got.theme_title[1])


def test_data_is_escaped_never_markup(reports):
    """Autoescaping: a provider name or KPI name with markup characters is shown as text."""
    pub, _, _ = reports
    providers = pub.providers.copy()
    providers.loc[providers.provider_agb == P2, "name"] = 'Zorg & <b>Co</b> "x"'
    cat = pub.catalogue.copy()
    cat.loc[cat.kpi_id == "VB07", "name_nl"] = "<script>alert(1)</script>"
    text = render_factsheet(dataclasses.replace(pub, providers=providers, catalogue=cat), P2, "2025-H2")
    assert "<h1>Factsheet Zorg &amp; &lt;b&gt;Co&lt;/b&gt; &#34;x&#34;</h1>" in text
    assert "<script" not in text and "<tr><td>VB07 &lt;script&gt;alert(1)&lt;/script&gt;</td>" in text


def test_the_templates_ship_with_the_package():
    """A non-editable install gets report/templates/ through the package-data patterns in pyproject.toml."""
    patterns = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["jeugdkpi"]
    package = TEMPLATES.parents[1]
    templates = sorted(TEMPLATES.iterdir())
    assert {t.name for t in templates} >= {"factsheet.html.j2", "regional.html.j2", "validation.html.j2"}
    for t in templates:
        assert any(fnmatch(t.relative_to(package).as_posix(), p) for p in patterns), t
