"""Dates for the demo generator: working days (G9, seeds/holidays.csv) and calendar-month arithmetic (G12)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from pathlib import Path

from jeugdkpi import seeds

ONE_DAY = timedelta(days=1)


def load_holidays(seeds_dir: Path) -> set[date]:
    return {date.fromisoformat(row["date"]) for row in seeds.rows("holidays.csv", seeds_dir) if row.get("date")}


class WorkCalendar:
    """Monday–Friday minus the seed holidays, precomputed for [first, last]."""

    def __init__(self, holidays: set[date], first: date, last: date):
        self.holidays = frozenset(holidays)
        ords: list[int] = []
        d = first
        while d <= last:
            if d.weekday() < 5 and d not in self.holidays:
                ords.append(d.toordinal())
            d += ONE_DAY
        self._ords = ords

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.holidays

    def add(self, d: date, n: int) -> date:
        """The date on which exactly n working days lie in (d, result]; n <= 0 gives d itself."""
        if n <= 0:
            return d
        i = bisect_right(self._ords, d.toordinal())
        return date.fromordinal(self._ords[i + n - 1])

    def next_wd(self, d: date) -> date:
        """d when it is a working day, else the next working day."""
        return date.fromordinal(self._ords[bisect_left(self._ords, d.toordinal())])

    def prev_wd(self, d: date) -> date:
        """d when it is a working day, else the previous working day."""
        return date.fromordinal(self._ords[bisect_right(self._ords, d.toordinal()) - 1])

    def between(self, a: date, b: date) -> int:
        """Number of working days in (a, b]."""
        return bisect_right(self._ords, b.toordinal()) - bisect_right(self._ords, a.toordinal())


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    """Calendar-month arithmetic with the day clamped to the month's length (2025-10-31 + 4 = 2026-02-28)."""
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, _days_in_month(y, m)))


def month_end(d: date) -> date:
    return date(d.year, d.month, _days_in_month(d.year, d.month))


def _days_in_month(y: int, m: int) -> int:
    if m == 12:
        return 31
    return (date(y, m + 1, 1) - date(y, m, 1)).days
