"""Reporting periods: the one place that knows what a half-year is (docs/kpi-definitions.md).

A period is a year `JJJJ` or a half-year `JJJJ-H1` (1 January - 30 June) / `JJJJ-H2` (1 July - 31 December).
Providers deliver a half-year by 1 October (H1) or 1 April of the next year (H2). dbt has the same rules in
macros/periods.sql.
"""

from __future__ import annotations

import datetime as dt
import re

HALF_YEAR_RE = re.compile(r"^(\d{4})-H([12])$")
PERIOD_RE = re.compile(r"^\d{4}(-H[12])?$")  # a year or a half-year, as in kpi_values.period


def half_of(day: dt.date) -> int:
    """1 for January-June, 2 for July-December."""
    return 1 if day.month <= 6 else 2


def half_year(day: dt.date) -> str:
    """The half-year `day` falls in: 2026-06-30 -> '2026-H1', 2026-07-01 -> '2026-H2'."""
    return f"{day.year}-H{half_of(day)}"


def is_half_year(text: str) -> bool:
    return HALF_YEAR_RE.match(text) is not None


def parse_half_year(text: str) -> tuple[int, int]:
    """'2025-H2' -> (2025, 2); a ValueError for anything that is not JJJJ-H1 or JJJJ-H2."""
    match = HALF_YEAR_RE.match(text)
    if match is None:
        raise ValueError(f"not a half-year JJJJ-H1 or JJJJ-H2: {text!r}")
    return int(match.group(1)), int(match.group(2))


def bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of the half-year: '2025-H2' -> (2025-07-01, 2025-12-31)."""
    year, half = parse_half_year(period)
    return (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (dt.date(year, 7, 1), dt.date(year, 12, 31))


def end(period: str) -> dt.date:
    """The last day of the half-year: '2025-H1' -> 2025-06-30."""
    return bounds(period)[1]


def deadline(period: str) -> dt.date:
    """The provider's delivery deadline of the half-year: '2025-H1' -> 2025-10-01, '2025-H2' -> 2026-04-01."""
    year, half = parse_half_year(period)
    return dt.date(year, 10, 1) if half == 1 else dt.date(year + 1, 4, 1)


def peildatum_for(moment: dt.datetime | dt.date) -> dt.date:
    """The last day of the most recent complete half-year before `moment`: the default peildatum and the one the
    half-yearly schedule runs with. A half-year is complete the day after its last day (on 30 June the first
    half-year is still running, so 30 June 2026 -> 2025-12-31; 1 July 2026 -> 2026-06-30)."""
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return dt.date(day.year - 1, 12, 31) if half_of(day) == 1 else dt.date(day.year, 6, 30)


def shift(period: str, halves: int) -> str:
    """The half-year `halves` half-years after `period` (negative: before): shift('2025-H2', 1) = '2026-H1'."""
    year, half = parse_half_year(period)
    index = year * 2 + half - 1 + halves
    return f"{index // 2}-H{index % 2 + 1}"


def last_half_years(period: str, n: int) -> list[str]:
    """The n half-years ending with `period`, oldest first: ('2025-H2', 4) -> 2024-H1, 2024-H2, 2025-H1, 2025-H2."""
    return [shift(period, k) for k in range(1 - n, 1)]


def half_years_until(first_year: int, until: dt.date) -> list[str]:
    """Every half-year from `first_year`-H1 that has ended on or before `until`, oldest first."""
    return [f"{year}-H{half}" for year in range(first_year, until.year + 1) for half in (1, 2)
            if end(f"{year}-H{half}") <= until]
