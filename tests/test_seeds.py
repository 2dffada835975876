"""The region's reference tables: complete, well-formed and consistent with the national code lists."""

from __future__ import annotations

import csv
import datetime as dt

from dateutil.easter import easter

from jeugdkpi.settings import SEEDS_DIR

from conftest import SHARED


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


def test_every_jz020_category_has_a_default_care_form():
    products = rows("products.csv")
    with open(SHARED / "reference" / "codes" / "jz020_productcategorie.csv", encoding="utf-8") as fh:
        categories = {r["code"] for r in csv.DictReader(fh)}
    defaults = {r["product_category"] for r in products if not r["product_code"]}
    assert defaults == categories
    allowed = {"behandeld_wonen", "verblijf_overig", "gesloten", "gezinshuis", "pleegzorg", "tom_instroom",
               "tom_uitstroom", "ambulant", "geen_jeugdhulp"}
    assert {r["care_form"] for r in products} <= allowed
    keys = [(r["product_category"], r["product_code"]) for r in products]
    assert len(keys) == len(set(keys))
    assert {"tom_instroom", "tom_uitstroom"} <= {r["care_form"] for r in products if r["product_code"]}


def test_municipalities_match_the_reference_list():
    with open(SHARED / "reference" / "codes" / "gemeenten_regios.csv", encoding="utf-8") as fh:
        reference = {(r["gemeentecode"], r["jeugdregio"]) for r in csv.DictReader(fh)}
    seed = rows("municipalities.csv")
    assert {(r["municipality_code"], r["region"]) for r in seed} == reference
    assert all(len(r["municipality_code"]) == 4 and r["municipality_code"].isdigit() for r in seed)


def test_kpi_catalogue_matches_the_specification():
    with open(SHARED / "spec" / "kpi_catalogue.csv", encoding="utf-8") as fh:
        spec_ids = [r["kpi_id"] for r in csv.DictReader(fh)]
    assert [r["kpi_id"] for r in rows("kpi_catalogue.csv")] == spec_ids


def test_providers_have_valid_agb_codes():
    providers = rows("providers.csv")
    assert len(providers) >= 12
    assert all(len(p["provider_agb"]) == 8 and p["provider_agb"].isdigit() for p in providers)
    assert {p["reports_to_cbs"] for p in providers} <= {"true", "false"}
