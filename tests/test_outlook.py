"""The outlook of a KPI towards a target in a later year (issue 19, first part; jeugdkpi/outlook.py), on named
series with a known trend: the verdict must be the one the prediction interval supports."""

from __future__ import annotations

import math

import pytest

from jeugdkpi.outlook import (
    NIET_OP_KOERS,
    ONZEKER,
    OP_KOERS,
    TE_WEINIG,
    absolute_target,
    period_time,
    project,
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
    assert outlook.n_half_years == 8 and outlook.left_out == ()


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
    assert outlook.verdict == TE_WEINIG and outlook.projected is None and outlook.n_half_years == 3


def test_missing_values_do_not_count_as_half_years():
    series = {**{p: v for p, v in list(line(100, -4).items())[:3]}, "2023-H2": None, "2024-H1": math.nan}
    assert project(series, target=90, target_year=2027, direction="lower").verdict == TE_WEINIG


def test_one_wild_half_year_is_left_out_and_named():
    """One half-year registered at 10x its real value (a data error) would drag the line up; it is left out and
    named, and the verdict is the one of the other seven half-years."""
    series = line(100, -4)
    series["2024-H1"] = 1000.0
    outlook = project(series, target=90, target_year=2027, direction="lower")
    assert outlook.left_out == ("2024-H1",) and outlook.n_half_years == 7
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
    assert outlook.left_out == () and outlook.n_half_years == 5
    assert outlook.projected == pytest.approx(1 + 2 * (2026.5 - 2022.25))  # 9.5
    assert outlook.lower == pytest.approx(9.5) and outlook.upper == pytest.approx(9.5)
    assert outlook.verdict == NIET_OP_KOERS
    assert project(series, target=9, target_year=2026, direction="higher").verdict == OP_KOERS
