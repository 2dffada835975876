"""The region's reference tables (seeds/): complete, well-formed and internally consistent. Checked on the
seeds alone: the national code lists they follow (JZ020 product categories, CBS municipality codes) are
described in docs/inputs.md and docs/kpi-definitions.md."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from dateutil.easter import easter

from jeugdkpi import seeds
from jeugdkpi.settings import SEEDS_DIR, ConfigError


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


def test_catalogue_measure_kind_delivery_and_scales():
    cat = seeds.catalogue()
    kinds = {k: v.measure_kind for k, v in cat.items() if v.measure_kind != "ratio"}
    assert kinds == {"VB01": "count", "VB05": "mean", "VB06": "median", "VB10": "sum", "EG02": "mean",
                     "EG03": "mean", "CT01": "score", "KL01": "count", "KL04": "count", "KG01": "score",
                     "KG02": "score", "KG03": "score", "KG04": "score"}
    # the scale of every score: the template's CT01 cell 1-10, the quality conversations 0/4/7/10
    assert {k: (v.score_min, v.score_max) for k, v in cat.items() if v.measure_kind == "score"} == {
        "CT01": (1, 10), "KG01": (0, 10), "KG02": (0, 10), "KG03": (0, 10), "KG04": (0, 10)}
    assert all(v.score_min is None for v in cat.values() if v.measure_kind != "score")
    assert [k for k, v in cat.items() if v.in_template] == [
        "EG03", "DB01", "DB02", "DB03", "LR01", "LR02", "LR03", "LR04", "PP01", "OI06", "OI07", "CT01", "CT02"]
    assert all(v.numerator_label and v.denominator_label for v in cat.values() if v.in_template)
    delivery = {"berichtenverkeer": "computed", "berichtenverkeer+cbs_bevolking": "computed", "cbs_spiegel": "cbs",
                "aanlevering": "delivery_status"}
    for k, v in cat.items():  # delivery refines source: template rows and the complaint sheet, scores, exports
        expected = delivery.get(v.source) or ("template_complaints" if k[:2] == "KL" else "template"
                                              if v.source == "aanbieder" else "score_file" if k[:2] == "KG"
                                              else "municipal_export")
        assert v.delivery == expected, k
        assert v.unit_label == "%" if v.unit == "percentage" else v.unit_label not in ("", "%"), k
    assert (cat["VB05"].unit_label, cat["VB10"].unit_label, cat["CT01"].unit_label) == ("maanden", "etmalen", "cijfer")
    labelled = [k for k, v in cat.items() if v.measure_label]
    assert labelled == ["VB05", "VB06", "VB07", "VB09", "VB10", "EG01", "EG02", "EG04", *(f"AP{n:02d}" for n in
                                                                                             range(1, 13))]
    assert cat["AP09"].measure_label == "werkdagen tussen declaratie en antwoord"
    # VB03 compares two populations: the only ratio whose teller is not bounded by its noemer
    assert [k for k, v in cat.items() if v.measure_kind == "ratio" and not v.bounded] == ["VB03"]
    assert all(v.active and v.active_from is None and v.active_until is None for v in cat.values())


def _catalogue_with(tmp_path, **changes):
    folder = tmp_path / "seeds"
    folder.mkdir()
    lines = (SEEDS_DIR / "kpi_catalogue.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    first = next(csv.DictReader(lines))
    first.update(changes)
    with open(folder / "kpi_catalogue.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerow(first)
    return folder


def test_catalogue_types_and_active_dates(tmp_path):
    folder = _catalogue_with(tmp_path, active_from="2026-07-01", active_until="2027-12-31", target_value="-15",
                             small_cell_rule="")
    vb01 = seeds.catalogue(folder)["VB01"]
    assert (vb01.target_value, vb01.target_year, vb01.base_year, vb01.norm_value) == (-15.0, 2026, 2023, None)
    assert vb01.small_cell_rule is True and vb01.theme_order == 1  # empty: the rule applies
    # a half-year counts when the KPI applies on its last day
    assert [vb01.active_on(dt.date.fromisoformat(d)) for d in ("2026-06-30", "2026-12-31", "2027-12-31",
                                                                "2028-06-30")] == [False, True, True, False]


@pytest.mark.parametrize("changes, message", [
    ({"measure_kind": "percentage"}, "measure_kind 'percentage'"),
    ({"delivery": ""}, "delivery ''"),
    ({"measure_kind": "score"}, "fill in score_min and score_max"),
    ({"active": "ja"}, "column active"),
    ({"active_from": "2026-H2"}, "column active_from"),
])
def test_a_bad_catalogue_row_is_a_configuration_error(tmp_path, changes, message):
    with pytest.raises(ConfigError, match=message):
        seeds.catalogue(_catalogue_with(tmp_path, **changes))


def test_a_seed_edit_is_read_again(tmp_path):
    folder = _catalogue_with(tmp_path)
    assert seeds.catalogue(folder)["VB01"].name_nl == "Aantal jeugdigen in verblijf"
    path = folder / "kpi_catalogue.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Aantal jeugdigen in verblijf", "Jeugdigen in verblijf"),
                    encoding="utf-8")
    assert seeds.catalogue(folder)["VB01"].name_nl == "Jeugdigen in verblijf"  # another size: read again
    assert seeds.column("kpi_catalogue.csv", "kpi_id", folder) == ["VB01"]
    assert seeds.rows("absent.csv", folder, missing_ok=True) == []
    with pytest.raises(FileNotFoundError):
        seeds.rows("absent.csv", folder)


def test_providers_have_valid_agb_codes():
    providers = rows("providers.csv")
    assert len(providers) >= 12
    assert all(len(p["provider_agb"]) == 8 and p["provider_agb"].isdigit() for p in providers)
    assert {p["reports_to_cbs"] for p in providers} <= {"true", "false"}
