"""The outlook of a KPI towards a target in a later year (issue 19, first part; jeugdkpi/outlook.py), on named
series with a known trend: the verdict must be the one the prediction interval supports."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from jeugdkpi.outlook import (
    GEEN_DOEL,
    NIET_OP_KOERS,
    ONZEKER,
    OP_KOERS,
    TE_WEINIG,
    absolute_target,
    has_outlook,
    outlook_table,
    period_time,
    project,
    with_history,
)

HALF_YEARS = ["2022-H1", "2022-H2", "2023-H1", "2023-H2", "2024-H1", "2024-H2", "2025-H1", "2025-H2"]
# fixed small deviations (no random numbers: the expected verdicts are worked out from them)
NOISE = [0.3, -0.2, 0.1, -0.3, 0.2, -0.1, 0.25, -0.25]


def line(start: float, per_year: float, noise: float = 1.0) -> dict[str, float]:
    """start at 2022-H1, `per_year` a year, plus NOISE x noise."""
    return {p: start + per_year * (period_time(p) - 2022.25) + noise * n for p, n in zip(HALF_YEARS, NOISE)}


def test_a_falling_series_well_below_a_lower_is_better_target_is_on_course():
    """Placements (lower is better) fall 4 a year from 100 with noise of at most 0.3: in mid-2027 the line is at
    ~79 and the 80 % interval is about a point wide, far under the target 90."""
    outlook = project(line(100, -4), target=90, target_year=2027, direction="lower")
    assert outlook.verdict == OP_KOERS
    assert outlook.projected == pytest.approx(100 - 4 * (2027.5 - 2022.25), abs=0.5)
    assert outlook.upper < 90 and outlook.slope_per_year == pytest.approx(-4, abs=0.2)
    assert outlook.n_points == 8 and outlook.left_out == ()


def test_a_rising_series_that_rises_too_slowly_is_not_on_course():
    """A percentage (higher is better) rises 1 point a year from 60: ~65 in mid-2027, target 80: even the top of the
    interval stays below it."""
    outlook = project(line(60, 1), target=80, target_year=2027, direction="higher")
    assert outlook.verdict == NIET_OP_KOERS
    assert outlook.upper < 80


def test_an_interval_that_straddles_the_target_is_uncertain():
    """A flat series around 70 with noise of up to 3 points (NOISE x 10): the projection is ~69 and the interval
    (~63-74) covers the target 70.5 on both sides, so the verdict cannot be more than "onzeker"."""
    outlook = project(line(70, 0, noise=10), target=70.5, target_year=2027, direction="higher")
    assert outlook.verdict == ONZEKER
    assert outlook.lower < 70.5 < outlook.upper


def test_the_same_noise_with_a_clear_trend_is_decided():
    """The same noise but a trend of +6 a year: mid-2027 ~101, well above 80 even at the bottom of the interval."""
    assert project(line(70, 6, noise=10), target=80, target_year=2027, direction="higher").verdict == OP_KOERS


def test_fewer_than_four_half_years_give_no_projection():
    series = {p: v for p, v in list(line(100, -4).items())[:3]}
    outlook = project(series, target=90, target_year=2027, direction="lower")
    assert outlook.verdict == TE_WEINIG and outlook.projected is None and outlook.n_points == 3


def test_missing_values_do_not_count_as_half_years():
    series = {**{p: v for p, v in list(line(100, -4).items())[:3]}, "2023-H2": None, "2024-H1": math.nan}
    assert project(series, target=90, target_year=2027, direction="lower").verdict == TE_WEINIG


def test_one_wild_half_year_is_left_out_and_named():
    """One half-year registered at 10x its real value (a data error) would drag the line up; it is left out and
    named, and the verdict is the one of the other seven half-years."""
    series = line(100, -4)
    series["2024-H1"] = 1000.0
    outlook = project(series, target=90, target_year=2027, direction="lower")
    assert outlook.left_out == ("2024-H1",) and outlook.n_points == 7
    assert outlook.verdict == OP_KOERS
    assert outlook.projected == pytest.approx(100 - 4 * (2027.5 - 2022.25), abs=0.5)


def test_targets_relative_to_a_base_year():
    assert absolute_target("change_pct_vs_base", -15, 200) == pytest.approx(170)
    assert absolute_target("absolute", 80, None) == 80
    assert absolute_target("change_pct_vs_base", -15, None) is None
    with pytest.raises(ValueError):
        period_time("2025-0H1")


def test_a_perfect_line_leaves_nothing_out_and_has_no_spread():
    """Five half-years exactly on a line (2 a year): no outlier test on residuals that are all zero, the projection
    is the line itself and the interval has no width, so the verdict is certain either way."""
    series = {"2022-H1": 1.0, "2022-H2": 2.0, "2023-H1": 3.0, "2023-H2": 4.0, "2024-H1": 5.0}
    outlook = project(series, target=10, target_year=2026, direction="higher")
    assert outlook.left_out == () and outlook.n_points == 5
    assert outlook.projected == pytest.approx(1 + 2 * (2026.5 - 2022.25))  # 9.5
    assert outlook.lower == pytest.approx(9.5) and outlook.upper == pytest.approx(9.5)
    assert outlook.verdict == NIET_OP_KOERS
    assert project(series, target=9, target_year=2026, direction="higher").verdict == OP_KOERS


# --- the published table kpi_outlook (outlook_table, with_history) on a small named region ---------------------

def _kv(rows: list[tuple]) -> pd.DataFrame:
    """kpi_values rows (kpi, period, municipality, value, target, suppressed, partial) at the provider-less grain."""
    return pd.DataFrame([{"kpi_id": k, "period": p, "municipality_code": m, "provider_agb": None, "care_form": None,
                          "value": v, "target": t, "is_suppressed": s, "is_partial": part}
                         for k, p, m, v, t, s, part in rows])


CATALOGUE = pd.DataFrame([
    # a percentage with an absolute 2026 target, higher is better
    {"kpi_id": "PCT", "unit": "percentage", "measure_kind": "ratio", "direction": "higher", "target_value": 80,
     "target_type": "absolute", "target_year": 2026, "base_year": None, "active": True},
    # a distinct count with a change target (-10 % against 2023): projected from its year values
    {"kpi_id": "CNT", "unit": "count", "measure_kind": "count", "direction": "lower", "target_value": -10,
     "target_type": "change_pct_vs_base", "target_year": 2026, "base_year": 2023, "active": True},
    # a target that lies behind the peildatum: no outlook
    {"kpi_id": "OLD", "unit": "percentage", "measure_kind": "ratio", "direction": "higher", "target_value": 100,
     "target_type": "absolute", "target_year": 2025, "base_year": None, "active": True},
    # no target: no outlook
    {"kpi_id": "NON", "unit": "percentage", "measure_kind": "ratio", "direction": "higher", "target_value": None,
     "target_type": None, "target_year": None, "base_year": None, "active": True},
])
HALVES = ["2023-H1", "2023-H2", "2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]


def region_and_municipality() -> pd.DataFrame:
    rows = []
    # PCT rises 4 points a year from 60 (2023-H1) with small fixed noise, for the region; municipality 0001 has
    # three suppressed half-years (small cells) and so only four known half-years
    for p, n in zip(HALVES, NOISE, strict=False):
        value = 60 + 4 * (period_time(p) - 2023.25) + n
        rows.append(("PCT", p, None, value, None, False, False))
        rows.append(("PCT", p, "0001", None if p < "2024-H2" else value, None, p < "2024-H2", False))
    rows += [("PCT", "2026", None, 72.0, 80.0, False, True), ("PCT", "2026-H2", None, 99.0, None, False, True)]
    # CNT: year values 200, 190, 185, 170 (2022-2025) and the running year 2026 (partial: not a point)
    for year, value in (("2022", 200), ("2023", 190), ("2024", 185), ("2025", 170), ("2026", 90)):
        rows.append(("CNT", year, None, value, 171.0 if year == "2026" else None, False, year == "2026"))
    for p in HALVES:  # half-year counts are on another scale and must not be used
        rows.append(("CNT", p, None, 120.0, None, False, False))
    rows += [("OLD", p, None, 50.0, None, False, False) for p in HALVES]
    rows += [("NON", p, None, 50.0, None, False, False) for p in HALVES]
    return _kv(rows)


def test_outlook_table_projects_each_grain_with_a_target_ahead():
    table = outlook_table(region_and_municipality(), CATALOGUE, dt.date(2026, 6, 30))
    assert sorted(zip(table["kpi_id"], table["municipality_code"].fillna("regio"))) == \
        [("CNT", "regio"), ("PCT", "0001"), ("PCT", "regio")]
    region = table[(table["kpi_id"] == "PCT") & table["municipality_code"].isna()].iloc[0]
    # seven half-years 2023-H1..2026-H1 (2026-H2 lies after the peildatum's half-year, the year row is partial)
    assert (region["series"], region["first_period"], region["last_period"], region["n_points"]) == \
        ("halfjaar", "2023-H1", "2026-H1", 7)
    # the line reaches ~73.0 in mid-2026 (60 + 4 x 3.25): the interval lies wholly under the target 80
    assert region["projected_value"] == pytest.approx(73.0, abs=0.5) and region["upper_80"] < 80
    assert region["target"] == 80.0 and region["verdict"] == NIET_OP_KOERS
    assert region["peildatum"] == dt.date(2026, 6, 30) and region["period"] == "2026-H1"
    # the suppressed half-years are no points: four remain, the minimum for a projection
    municipality = table[table["municipality_code"] == "0001"].iloc[0]
    assert municipality["n_points"] == 4 and municipality["first_period"] == "2024-H2"


def test_a_distinct_count_is_projected_from_its_years_against_the_published_target():
    table = outlook_table(region_and_municipality(), CATALOGUE, dt.date(2026, 6, 30))
    count = table[table["kpi_id"] == "CNT"].iloc[0]
    # years 2022-2025 (2026 is running), mean 186.25 at 2024.0: slope -47.5 / 5 = -9.5 a year, mid-2026 at
    # 186.25 - 9.5 x 2.5 = 162.5; target 171 = 190 x 0.9
    assert (count["series"], count["n_points"], count["last_period"]) == ("jaar", 4, "2025")
    assert count["slope_per_year"] == pytest.approx(-9.5) and count["projected_value"] == pytest.approx(162.5)
    assert count["target"] == 171.0
    assert count["lower_80"] < 162.5 < count["upper_80"]


def test_without_the_target_year_in_the_data_the_target_comes_from_the_catalogue_and_base_year():
    kv = region_and_municipality()
    kv = kv[kv["period"] != "2026"]
    count = outlook_table(kv, CATALOGUE, dt.date(2026, 6, 30)).query("kpi_id == 'CNT'").iloc[0]
    assert count["target"] == pytest.approx(171.0)  # 190 (2023) - 10 %
    suppressed = kv.copy()
    suppressed.loc[(suppressed["kpi_id"] == "CNT") & (suppressed["period"] == "2023"), "is_suppressed"] = True
    count = outlook_table(suppressed, CATALOGUE, dt.date(2026, 6, 30)).query("kpi_id == 'CNT'").iloc[0]
    assert count["verdict"] == GEEN_DOEL and pd.isna(count["projected_value"])


def test_a_second_half_year_peildatum_has_no_outlook_for_the_same_year():
    """From 2026-H2 the 2026 targets are no longer ahead: the year's own values judge them (target_met)."""
    assert has_outlook(2026, "2026-H1") and not has_outlook(2026, "2026-H2") and has_outlook(2027, "2026-H2")
    assert outlook_table(region_and_municipality(), CATALOGUE, dt.date(2026, 12, 31)).empty


def test_a_projected_percentage_stays_within_0_and_100():
    kv = _kv([("PCT", p, None, 60 + 30 * i, None, False, False) for i, p in enumerate(HALVES[:4])])
    row = outlook_table(kv, CATALOGUE, dt.date(2026, 6, 30)).iloc[0]
    assert row["projected_value"] == 100.0 and row["upper_80"] == 100.0 and row["verdict"] == OP_KOERS


def test_history_keeps_earlier_half_years_and_replaces_a_republished_one():
    now = outlook_table(region_and_municipality(), CATALOGUE, dt.date(2026, 6, 30))
    earlier = now.assign(period="2025-H2", peildatum=dt.date(2025, 12, 31), verdict=ONZEKER)
    same_half_year = now.assign(verdict=OP_KOERS)  # an earlier version of this half-year
    merged = with_history(now, pd.concat([earlier, same_half_year], ignore_index=True))
    assert len(merged) == 2 * len(now)
    assert set(merged.loc[merged["period"] == "2026-H1", "verdict"]) == set(now["verdict"])
    assert set(merged.loc[merged["period"] == "2025-H2", "verdict"]) == {ONZEKER}
    assert with_history(now, None) is now


def test_a_wild_latest_half_year_is_never_left_out():
    """The same error in the LATEST half-year is kept: it may be the start of a real change, which the contract
    manager must see. It pulls the line and widens the interval, so the verdict can no longer be "op koers"."""
    series = line(100, -4)
    series["2025-H2"] = 1000.0
    outlook = project(series, target=90, target_year=2027, direction="lower")
    assert outlook.left_out == () and outlook.n_points == 8
    assert outlook.verdict != OP_KOERS and outlook.upper > 90
