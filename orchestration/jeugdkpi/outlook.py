"""Outlook: where a KPI with a target later than the period is heading, from its series of published values
(docs/outlook.md). `project` is the statistics of one series; `outlook_table` makes the published table
`kpi_outlook` (one row per KPI, grain and peildatum) and `with_history` keeps the rows of earlier peildata, so the
next half-year's report can show how the outlook moved.

The statistics are statsmodels', not written here:
- the trend is an ordinary least-squares line through the half-year values against time (the middle of each
  half-year: 2025-H1 = 2025.25, 2025-H2 = 2025.75);
- robust to one bad half-year: when statsmodels' externally studentized residual of the worst point (the latest
  period excepted: a break in the trend shows there first) exceeds 3 in
  absolute value (and at least MIN_POINTS points remain), that half-year is left out and the line fitted again;
  the left-out period is reported, never hidden;
- the projection is the line's value in the middle of the target year (a yearly target is about the year's mean,
  which a straight line reaches at mid-year), with statsmodels' prediction interval for a single new observation
  (`get_prediction(...).summary_frame(alpha)`, `obs_ci_lower` / `obs_ci_upper`; LEVEL = 80 %).

The verdict is only as confident as that interval: "op koers" when the whole interval is on the right side of the
target, "niet op koers" when the whole interval is on the wrong side, "onzeker" when it straddles the target. With
fewer than MIN_POINTS values there is no projection at all: "te weinig gegevens".

Counts and sums over the period (catalogue measure_kind `count` / `sum`, e.g. VB01) are projected from their year
values: a half-year counts fewer distinct youths than a year, so a half-year series would be on another scale than
the (yearly) target. Every other KPI (percentages, means, medians, scores) uses its half-year values.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from jeugdkpi import periods

OP_KOERS, ONZEKER, NIET_OP_KOERS, TE_WEINIG = "op koers", "onzeker", "niet op koers", "te weinig gegevens"
GEEN_DOEL = "geen doel bekend"  # a target relative to a base year whose value is unknown or suppressed
YEARLY_KINDS = ("count", "sum")  # measure kinds whose half-year value is not on the scale of a year's
MIN_POINTS = 4
LEVEL = 0.80
OUTLIER_T = 3.0

_PERIOD = re.compile(r"^(\d{4})(?:-H([12]))?$")


@dataclass(frozen=True)
class Outlook:
    verdict: str
    target: float
    target_year: int
    n_points: int                           # periods the line is fitted on (after a left-out outlier)
    projected: float | None = None          # the line in the middle of the target year
    lower: float | None = None              # prediction interval (LEVEL) of the target year's value
    upper: float | None = None
    slope_per_year: float | None = None
    left_out: tuple[str, ...] = ()          # periods left out as outliers


def period_time(period: str) -> float:
    """The middle of a period in years: '2025-H1' -> 2025.25, '2025-H2' -> 2025.75, '2025' -> 2025.5."""
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"not a period (YYYY, YYYY-H1 or YYYY-H2): {period!r}")
    half = match.group(2)
    return int(match.group(1)) + (0.5 if half is None else 0.25 if half == "1" else 0.75)


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
    """The outlook of one KPI at one grain: `series` maps periods ('2024-H2', or years for counts) to values (None
    or NaN: no value); `direction` 'lower' or 'higher' is better (the catalogue's column)."""
    import numpy as np
    import statsmodels.api as sm

    if direction not in ("lower", "higher"):
        raise ValueError(f"direction must be 'lower' or 'higher', got {direction!r}")
    points = sorted((period_time(p), float(v), p) for p, v in series.items()
                    if v is not None and math.isfinite(float(v)))
    if len(points) < MIN_POINTS:
        return Outlook(TE_WEINIG, target, target_year, len(points))
    origin = points[0][0]

    def fit(rows):
        x = np.array([t - origin for t, _, _ in rows])
        return sm.OLS(np.array([v for _, v, _ in rows]), sm.add_constant(x, has_constant="add")).fit()

    result, left_out = fit(points), ()
    scale = max(1.0, float(np.abs([v for _, v, _ in points]).max()))
    if len(points) > MIN_POINTS and math.sqrt(result.mse_resid) > 1e-9 * scale:  # a perfect line has none
        with np.errstate(all="ignore"):
            studentized = result.get_influence().resid_studentized_external
        # the latest period is never left out: a break in the trend shows there first, and hiding it would make
        # the outlook blind to exactly the change a contract manager must hear about (the interval widens instead)
        candidates = np.abs(studentized[:-1])
        worst = int(np.nanargmax(candidates)) if np.isfinite(candidates).any() else None
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


# the published table kpi_outlook (publish/build.py; descriptions in publish/dictionary.py)
GRAIN = ["municipality_code", "provider_agb", "care_form"]
COLUMNS = ["kpi_id", *GRAIN, "peildatum", "period", "series", "first_period", "last_period", "n_points",
           "left_out", "target_year", "target", "direction", "trend_at_last_period", "projected_value", "lower_80",
           "upper_80", "slope_per_year", "verdict"]
TYPES = {c: "VARCHAR" for c in COLUMNS} | {
    "peildatum": "DATE", "n_points": "INTEGER", "target_year": "INTEGER", "target": "DOUBLE",
    "trend_at_last_period": "DOUBLE", "projected_value": "DOUBLE", "lower_80": "DOUBLE", "upper_80": "DOUBLE",
    "slope_per_year": "DOUBLE"}


def has_outlook(target_year: int, period: str) -> bool:
    """A target lies ahead of the half-year `period` when its year ends after the half-year: a later year, or the
    same year seen from its first half (2026-H1 looks ahead to 2026: the issue's "2026 targets")."""
    year, half = int(period[:4]), int(period[-1])
    return target_year > year or (target_year == year and half == 1)


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def outlook_table(kpi_values: pd.DataFrame, catalogue: pd.DataFrame, peildatum: dt.date) -> pd.DataFrame:
    """One row per KPI with a target ahead of the peildatum's half-year, per grain of the published kpi_values
    (region, municipality, provider; all care forms together: targets are set on those), from the PUBLISHED values:
    a cell the small-cell rule emptied is no point of the series, so the outlook never reveals it.

    The target is the published one (the target-year row's `target`); before the data reach the target year it is
    the catalogue's, a change target computed from the published base-year value (absolute_target). Rows of a
    running period (is_partial) are left out: a half-year that has only begun is not a half-year's value."""
    period = periods.half_year(peildatum)
    rows = []
    by_kpi = dict(iter(kpi_values[kpi_values["care_form"].isna()].groupby("kpi_id")))
    for cat in catalogue.to_dict(orient="records"):
        inactive = str(cat.get("active")).lower() == "false"
        if inactive or _blank(cat.get("target_value")) or _blank(cat.get("target_year")):
            continue
        target_year = int(cat["target_year"])
        if not has_outlook(target_year, period) or cat["kpi_id"] not in by_kpi:
            continue
        yearly = cat.get("measure_kind") in YEARLY_KINDS
        full = by_kpi[cat["kpi_id"]]  # every row, the partial target-year row too (the published target)
        running = full["is_partial"].fillna(False).astype(bool)
        group = full[~running & (full["period"].str.len() == (4 if yearly else 7))]
        group = group[group["period"].map(period_time) < period_time(period) + 0.5]  # nothing after the half-year
        # each grain's rows (NaN keys made None: NaN != NaN)
        rows_at = {tuple(None if _blank(g) else g for g in grain): at
                   for grain, at in full.groupby(GRAIN[:2], dropna=False)}
        for grain, points in group.groupby(GRAIN[:2], dropna=False):
            key = dict(zip(GRAIN[:2], (None if _blank(g) else g for g in grain), strict=True))
            target = _published_target(cat, rows_at[tuple(key.values())])
            series = {p: (None if bool(s) else v) for p, v, s in
                      zip(points["period"], points["value"], points["is_suppressed"], strict=True)}
            known = sorted(p for p, v in series.items() if not _blank(v))
            row = {"kpi_id": cat["kpi_id"], **key, "care_form": None, "peildatum": peildatum, "period": period,
                   "series": "jaar" if yearly else "halfjaar", "first_period": known[0] if known else None,
                   "last_period": known[-1] if known else None, "target_year": target_year, "target": target,
                   "direction": cat["direction"]}
            if target is None:
                rows.append(row | {"n_points": len(known), "verdict": GEEN_DOEL})
                continue
            out = project(series, target=target, target_year=target_year, direction=cat["direction"])
            clip = _bounds(cat)
            trend_last = None if out.projected is None else \
                out.projected - out.slope_per_year * (target_year + 0.5 - period_time(known[-1]))
            rows.append(row | {"n_points": out.n_points, "left_out": ",".join(out.left_out) or None,
                               "trend_at_last_period": clip(trend_last), "projected_value": clip(out.projected),
                               "lower_80": clip(out.lower),
                               "upper_80": clip(out.upper),
                               "slope_per_year": out.slope_per_year, "verdict": out.verdict})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["kpi_id", *GRAIN], na_position="first", ignore_index=True)


def _bounds(cat: dict):
    """Clip a projection to the values the KPI can take (a percentage 0-100, a count or duration not below 0, a
    score within the catalogue's scale): a straight line does not know them. The verdict is the line's own."""
    unit = cat.get("unit")
    lo = 0.0 if unit in ("percentage", "count", "months", "days", "working_days") else None
    hi = 100.0 if unit == "percentage" else None
    if unit == "score":
        lo = None if _blank(cat.get("score_min")) else float(cat["score_min"])
        hi = None if _blank(cat.get("score_max")) else float(cat["score_max"])

    def clip(v: float | None) -> float | None:
        if v is None:
            return None
        return min(max(v, lo if lo is not None else v), hi if hi is not None else v)
    return clip


def _published_target(cat: dict, rows: pd.DataFrame) -> float | None:
    """The target at one grain: the target-year row's published target; without that row (the data have not
    reached the target year) the catalogue's, from the published base-year value for a change target."""
    year_row = rows[rows["period"] == str(int(cat["target_year"]))]
    if len(year_row):
        value = year_row["target"].iloc[0]
        return None if _blank(value) else float(value)
    base = None
    if not _blank(cat.get("base_year")):
        base_row = rows[rows["period"] == str(int(float(cat["base_year"])))]
        if len(base_row) and not bool(base_row["is_suppressed"].iloc[0]) and not _blank(base_row["value"].iloc[0]):
            base = float(base_row["value"].iloc[0])
    return absolute_target(cat["target_type"], float(cat["target_value"]), base)


def with_history(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """This publication's outlook plus the previous publication's rows of OTHER half-years (their own outlooks,
    kept as they were published): how the outlook moved, one half-year after another. A republication of the same
    half-year replaces that half-year's rows."""
    if previous is None or previous.empty:
        return current
    kept = previous[previous["period"] != current["period"].iloc[0]] if len(current) else previous
    kept = kept.reindex(columns=COLUMNS)
    return pd.concat([kept, current], ignore_index=True) if len(kept) else current

