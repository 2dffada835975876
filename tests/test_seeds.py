"""The region's reference tables (seeds/): complete, well-formed and internally consistent. Checked on the
seeds alone: the national code lists they follow (JZ020 product categories, CBS municipality codes) are
described in docs/inputs.md and docs/kpi-definitions.md."""

from __future__ import annotations

import csv
import datetime as dt
import re

from dateutil.easter import easter

from jeugdkpi.settings import SEEDS_DIR


def rows(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_holidays_follow_the_algemene_termijnenwet():
    got = {(dt.date.fromisoformat(r["date"]), r["name"]) for r in rows("holidays.csv")}
    expected = set()
    for year in range(2015, 2036):
        e = easter(year)
        kings = dt.date(year, 4, 27) if dt.date(year, 4, 27).weekday() != 6 else dt.date(year, 4, 26)
        expected |= {(dt.date(year, 1, 1), "Nieuwjaarsdag"), (e + dt.timedelta(1), "Tweede Paasdag"),
                     (kings, "Koningsdag"), (dt.date(year, 5, 5), "Bevrijdingsdag"),
                     (e + dt.timedelta(39), "Hemelvaartsdag"), (e + dt.timedelta(50), "Tweede Pinksterdag"),
                     (dt.date(year, 12, 25), "Eerste Kerstdag"), (dt.date(year, 12, 26), "Tweede Kerstdag")}
    assert got == expected
    assert (dt.date(2025, 4, 26), "Koningsdag") in got  # 27 April 2025 is a Sunday


CARE_FORMS = {"behandeld_wonen", "verblijf_overig", "gesloten", "gezinshuis", "pleegzorg", "tom_instroom",
              "tom_uitstroom", "ambulant", "geen_jeugdhulp"}


def test_every_product_category_has_one_default_care_form():
    products = rows("products.csv")
    assert all(re.fullmatch(r"[0-9]{2}", r["product_category"]) for r in products)
    defaults = [r["product_category"] for r in products if not r["product_code"]]
    assert len(defaults) == len(set(defaults))  # one whole-category row per category
    # the JZ020 categories (31-55 without 39): 24 whole-category rows
    assert set(defaults) == {f"{c}" for c in range(31, 56) if c != 39}
    assert {r["care_form"] for r in products} <= CARE_FORMS
    by_default = {r["product_category"]: r["care_form"] for r in products if not r["product_code"]}
    assert (by_default["35"], by_default["36"], by_default["37"], by_default["43"], by_default["45"]) == (
        "pleegzorg", "gezinshuis", "gesloten", "behandeld_wonen", "ambulant")
    keys = [(r["product_category"], r["product_code"]) for r in products]
    assert len(keys) == len(set(keys))
    assert {"tom_instroom", "tom_uitstroom"} <= {r["care_form"] for r in products if r["product_code"]}


def test_product_codes_are_well_formed_and_in_a_known_category():
    coded = [r for r in rows("products.csv") if r["product_code"]]
    assert len(coded) >= 18
    for r in coded:  # regional codes: the category's two digits, a letter, two digits (43B01)
        assert re.fullmatch(r"[0-9]{2}[A-Z][0-9]{2}", r["product_code"]), r
        assert r["product_code"][:2] == r["product_category"], r
        assert r["name"].strip(), r
    defaults = {r["product_category"] for r in rows("products.csv") if not r["product_code"]}
    assert {r["product_category"] for r in coded} <= defaults


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def test_municipalities_have_cbs_codes_and_valid_periods():
    seed = rows("municipalities.csv")
    assert len(seed) >= 38
    for r in seed:
        assert re.fullmatch(r"[0-9]{4}", r["municipality_code"]), r
        assert r["name"].strip() and r["region"].strip(), r
        start, end = _date(r["valid_from"]), _date(r["valid_to"])
        assert start is not None and start >= dt.date(2015, 1, 1), r
        assert end is None or end > start, r
    by_code: dict[str, list[tuple]] = {}
    for r in seed:  # a code may return in a later period, never twice at once
        by_code.setdefault(r["municipality_code"], []).append(
            (_date(r["valid_from"]), _date(r["valid_to"]) or dt.date.max))
    for code, periods in by_code.items():
        periods.sort()
        assert all(a[1] < b[0] for a, b in zip(periods, periods[1:])), (code, periods)
    # the demo region's six municipalities (the generator's synthetic region)
    assert {r["municipality_code"]: r["name"] for r in seed if r["region"] == "Flevoland"} == {
        "0034": "Almere", "0303": "Dronten", "0995": "Lelystad", "0171": "Noordoostpolder", "0184": "Urk",
        "0050": "Zeewolde"}


KPI_THEMES = {  # id prefix -> theme
    "VB": "0-uithuisplaatsingen", "EG": "in-een-keer-goed", "DB": "zo-dichtbij-mogelijk", "LR": "leren",
    "PP": "leren", "OI": "kwaliteit", "CT": "kwaliteit", "AL": "aanlevering", "KL": "klachten",
    "KG": "kwaliteitsgesprek", "AP": "administratief-proces",
}
KPI_SOURCES = {"berichtenverkeer", "cbs_bevolking", "cbs_spiegel", "aanbieder", "gemeente", "aanlevering"}


def test_kpi_catalogue_ids_are_unique_and_complete():
    ids = [r["kpi_id"] for r in rows("kpi_catalogue.csv")]
    ranges = {"VB": 11, "EG": 4, "DB": 3, "LR": 4, "PP": 1, "OI": 8, "CT": 2, "AL": 1, "KL": 4, "KG": 4, "AP": 12}
    assert ids == [f"{prefix}{n:02d}" for prefix, count in ranges.items() for n in range(1, count + 1)]
    assert len(ids) == len(set(ids)) == 54


def test_kpi_catalogue_columns_hold_allowed_values():
    catalogue = rows("kpi_catalogue.csv")
    names = [r["name_nl"] for r in catalogue]
    assert all(n.strip() for n in names) and len(names) == len(set(names))
    for r in catalogue:
        kpi = r["kpi_id"]
        assert r["theme"] == KPI_THEMES[kpi[:2]], kpi
        assert r["unit"] in {"percentage", "count", "months", "days", "score"}, kpi
        assert set(r["source"].split("+")) <= KPI_SOURCES, kpi
        assert r["direction"] in {"higher", "lower"}, kpi
        assert r["target_type"] in {"", "absolute", "change_pct_vs_base"}, kpi
        assert bool(r["target_value"]) == bool(r["target_type"]), kpi
        assert r["norm_unit"] in {"", "days", "working_days", "months"}, kpi
        assert bool(r["norm_value"]) == bool(r["norm_unit"]), kpi
        if r["norm_value"]:
            assert int(r["norm_value"]) > 0, kpi
        assert r["small_cell_rule"] in {"true", "false"} and r["active"] in {"true", "false"}, kpi
        if r["target_year"]:
            assert 2015 <= int(r["target_year"]) <= 2035, kpi
        if r["target_type"] == "change_pct_vs_base":  # a change against a base year, in the KPI's good direction
            assert r["base_year"] and int(r["base_year"]) < int(r["target_year"]), kpi
            assert (float(r["target_value"]) < 0) == (r["direction"] == "lower"), kpi
        else:
            assert not r["base_year"], kpi
        if r["target_type"] == "absolute" and r["unit"] == "percentage":
            assert 0 <= float(r["target_value"]) <= 100, kpi
    # the small-cell rule counts youths: it does not apply to KPIs counted in providers or conversations
    assert sorted(r["kpi_id"] for r in catalogue if r["small_cell_rule"] == "false") == [
        "AL01", "KG01", "KG02", "KG03", "KG04"]
    targets = {r["kpi_id"]: (r["target_value"], r["target_type"], r["target_year"], r["base_year"]) for r in catalogue}
    assert targets["VB01"] == ("-15", "change_pct_vs_base", "2026", "2023")
    assert targets["AP11"] == ("90", "absolute", "", "")


def test_providers_have_valid_agb_codes():
    providers = rows("providers.csv")
    assert len(providers) >= 12
    assert all(len(p["provider_agb"]) == 8 and p["provider_agb"].isdigit() for p in providers)
    assert {p["reports_to_cbs"] for p in providers} <= {"true", "false"}
