"""Settings: the default peildatum is the end of the most recent complete half-year (the schedule's rule)."""

from __future__ import annotations

import datetime as dt

import pytest

from jeugdkpi import schedules
from jeugdkpi.settings import load_settings, peildatum_for


@pytest.mark.parametrize("today, peildatum", [
    (dt.date(2026, 12, 7), dt.date(2026, 6, 30)),    # H2 2026 is running: H1 2026 is the last complete one
    (dt.date(2026, 6, 30), dt.date(2025, 12, 31)),   # the last day of H1 is still part of H1: not complete yet
    (dt.date(2026, 7, 1), dt.date(2026, 6, 30)),     # the first day after H1
    (dt.date(2027, 1, 1), dt.date(2026, 12, 31)),    # the first day after H2
    (dt.date(2026, 1, 1), dt.date(2025, 12, 31)),
])
def test_default_peildatum_is_the_end_of_the_last_complete_half_year(today, peildatum):
    assert load_settings({}, today=today).peildatum == peildatum


def test_default_peildatum_without_a_date_given_is_never_today():
    today = dt.date.today()
    peildatum = load_settings({}).peildatum
    assert peildatum == peildatum_for(today) and peildatum < today
    assert (peildatum.month, peildatum.day) in ((6, 30), (12, 31))


def test_the_setting_and_the_command_line_override_the_default():
    settings = load_settings({"JEUGDKPI_PEILDATUM": "2026-03-10"}, today=dt.date(2026, 12, 7))
    assert settings.peildatum == dt.date(2026, 3, 10)
    assert settings.with_overrides(peildatum="2025-12-31").peildatum == dt.date(2025, 12, 31)
    # --peildatum absent (None) leaves the default alone
    default = load_settings({}, today=dt.date(2026, 12, 7))
    assert default.with_overrides(peildatum=None).peildatum == dt.date(2026, 6, 30)


def test_the_schedule_uses_the_same_rule():
    assert schedules.peildatum_for is peildatum_for
