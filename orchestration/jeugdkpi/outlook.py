"""Outlook (issue 19, first part): where a KPI with a target in a later year is heading, from its half-year series.

The statistics are statsmodels', not written here:
- the trend is an ordinary least-squares line through the half-year values against time (the middle of each
  half-year: 2025-H1 = 2025.25, 2025-H2 = 2025.75);
- robust to one bad half-year: when statsmodels' externally studentized residual of the worst point exceeds 3 in
  absolute value (and at least MIN_HALF_YEARS points remain), that half-year is left out and the line fitted again;
  the left-out period is reported, never hidden;
- the projection is the line's value in the middle of the target year (a yearly target is about the year's mean,
  which a straight line reaches at mid-year), with statsmodels' prediction interval for a single new observation
  (`get_prediction(...).summary_frame(alpha)`, `obs_ci_lower` / `obs_ci_upper`; LEVEL = 80 %).

The verdict is only as confident as that interval: "op koers" when the whole interval is on the right side of the
target, "niet op koers" when the whole interval is on the wrong side, "onzeker" when it straddles the target. With
fewer than MIN_HALF_YEARS half-years there is no projection at all: "te weinig gegevens".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

OP_KOERS, ONZEKER, NIET_OP_KOERS, TE_WEINIG = "op koers", "onzeker", "niet op koers", "te weinig gegevens"
MIN_HALF_YEARS = 4
LEVEL = 0.80
OUTLIER_T = 3.0

_PERIOD = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True)
class Outlook:
    verdict: str
    target: float
    target_year: int
    n_half_years: int                       # half-years the line is fitted on (after a left-out outlier)
    projected: float | None = None          # the line in the middle of the target year
    lower: float | None = None              # prediction interval (LEVEL) of the target year's value
    upper: float | None = None
    slope_per_year: float | None = None
    left_out: tuple[str, ...] = ()          # half-years left out as outliers


def period_time(period: str) -> float:
    """The middle of a half-year in years: '2025-H1' -> 2025.25, '2025-H2' -> 2025.75."""
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"not a half-year period (YYYY-H1 or YYYY-H2): {period!r}")
    return int(match.group(1)) + (0.25 if match.group(2) == "1" else 0.75)


def absolute_target(target_type: str, target_value: float, base_value: float | None) -> float | None:
    """The target as a KPI value: `absolute` as it is; `change_pct_vs_base` (e.g. VB01 -15: 15 % fewer than in the
    base year) from the base year's value, None when that value is unknown."""
    if target_type == "absolute":
        return float(target_value)
    if target_type == "change_pct_vs_base":
        return None if base_value is None else float(base_value) * (1 + float(target_value) / 100)
    raise ValueError(f"unknown target_type {target_type!r}")


def project(series: Mapping[str, float | None], *, target: float, target_year: int, direction: str,
            level: float = LEVEL) -> Outlook:
    """The outlook of one KPI at one grain: `series` maps half-years ('2024-H2') to values (None or NaN: no value);
    `direction` 'lower' or 'higher' is better (the catalogue's column)."""
    import numpy as np
    import statsmodels.api as sm

    if direction not in ("lower", "higher"):
        raise ValueError(f"direction must be 'lower' or 'higher', got {direction!r}")
    points = sorted((period_time(p), float(v), p) for p, v in series.items()
                    if v is not None and math.isfinite(float(v)))
    if len(points) < MIN_HALF_YEARS:
        return Outlook(TE_WEINIG, target, target_year, len(points))
    origin = points[0][0]

    def fit(rows):
        x = np.array([t - origin for t, _, _ in rows])
        return sm.OLS(np.array([v for _, v, _ in rows]), sm.add_constant(x, has_constant="add")).fit()

    result, left_out = fit(points), ()
    scale = max(1.0, float(np.abs([v for _, v, _ in points]).max()))
    if len(points) > MIN_HALF_YEARS and math.sqrt(result.mse_resid) > 1e-9 * scale:  # a perfect line has none
        with np.errstate(all="ignore"):
            studentized = result.get_influence().resid_studentized_external
        worst = int(np.nanargmax(np.abs(studentized))) if np.isfinite(studentized).any() else None
        if worst is not None and abs(studentized[worst]) > OUTLIER_T:
            left_out = (points[worst][2],)
            points = points[:worst] + points[worst + 1:]
            result = fit(points)
    at = np.array([[1.0, target_year + 0.5 - origin]])
    frame = result.get_prediction(at).summary_frame(alpha=1 - level)
    projected = float(frame["mean"].iloc[0])
    lower, upper = float(frame["obs_ci_lower"].iloc[0]), float(frame["obs_ci_upper"].iloc[0])
    if not (math.isfinite(lower) and math.isfinite(upper)):  # a perfect line: no spread to estimate
        lower = upper = projected
    good_side_low, good_side_high = (lower, upper) if direction == "higher" else (-upper, -lower)
    goal = target if direction == "higher" else -target
    verdict = OP_KOERS if good_side_low >= goal else NIET_OP_KOERS if good_side_high < goal else ONZEKER
    return Outlook(verdict, target, target_year, len(points), projected, lower, upper,
                   float(result.params[1]), left_out)
