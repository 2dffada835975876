"""jeugdkpi.periods: the one definition of a half-year in Python (dbt: macros/periods.sql)."""

import datetime as dt

import pytest

from jeugdkpi import periods


def test_half_year_of_a_day_turns_on_1_july():
    assert periods.half_year(dt.date(2026, 6, 30)) == "2026-H1"
    assert periods.half_year(dt.date(2026, 7, 1)) == "2026-H2"
    assert periods.half_year(dt.date(2026, 1, 1)) == "2026-H1"


def test_bounds_end_and_deadline():
    assert periods.bounds("2025-H1") == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert periods.bounds("2025-H2") == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    assert periods.end("2024-H1") == dt.date(2024, 6, 30)
    assert periods.deadline("2025-H1") == dt.date(2025, 10, 1)
    assert periods.deadline("2025-H2") == dt.date(2026, 4, 1)  # the next year


@pytest.mark.parametrize("text", ["2025-H3", "2025", "25-H1", "2025-h1 ", "2025H1"])
def test_parse_rejects_what_is_not_a_half_year(text):
    with pytest.raises(ValueError):
        periods.parse_half_year(text)
    assert not periods.is_half_year(text)


def test_period_pattern_takes_years_and_half_years():
    assert [bool(periods.PERIOD_RE.match(t)) for t in ("2025", "2025-H2", "2025-H3", "2025-1")] == \
        [True, True, False, False]


def test_shift_and_the_last_half_years_cross_years():
    assert periods.shift("2025-H2", 1) == "2026-H1"
    assert periods.shift("2025-H1", -1) == "2024-H2"
    assert periods.last_half_years("2025-H2", 4) == ["2024-H1", "2024-H2", "2025-H1", "2025-H2"]
    assert periods.last_half_years("2025-H1", 1) == ["2025-H1"]


def test_half_years_until_counts_only_ended_half_years():
    assert periods.half_years_until(2024, dt.date(2025, 6, 29)) == ["2024-H1", "2024-H2"]
    assert periods.half_years_until(2024, dt.date(2025, 6, 30)) == ["2024-H1", "2024-H2", "2025-H1"]


def test_peildatum_is_the_end_of_the_last_complete_half_year():
    assert periods.peildatum_for(dt.date(2026, 6, 30)) == dt.date(2025, 12, 31)
    assert periods.peildatum_for(dt.datetime(2026, 7, 1, 0, 1)) == dt.date(2026, 6, 30)
