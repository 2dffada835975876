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


def test_duckdb_memory_limit_and_spill_folder_reach_every_connection_and_dbt(tmp_path):
    """Issue 18: DuckDB's memory limit and temp folder come from the settings, for the Python steps
    (warehouse.connect with Settings.duckdb_config) and for dbt (profiles.yml reads Settings.dbt_env), so a large
    run spills to that folder instead of being killed; the resource the CLI passes carries them unchanged."""
    import subprocess
    import sys
    from pathlib import Path

    from jeugdkpi.resources import JeugdkpiConfig
    from jeugdkpi.settings import DBT_PROJECT_DIR
    from jeugdkpi.warehouse import connect

    spill = tmp_path / "spill"
    settings = load_settings({"JEUGDKPI_WAREHOUSE": str(tmp_path / "w.duckdb"), "JEUGDKPI_DUCKDB_MEMORY": "700MB",
                              "JEUGDKPI_DUCKDB_TEMP": str(spill), "JEUGDKPI_DBT_THREADS": "3"})
    assert settings.duckdb_config() == {"memory_limit": "700MB", "temp_directory": str(spill)}
    assert JeugdkpiConfig.from_settings(settings).settings() == settings
    with connect(settings.warehouse, config=settings.duckdb_config()) as con:
        assert con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchone() \
            == ("667.5 MiB", str(spill))
    env = {**settings.dbt_env(), "PATH": "", "HOME": str(tmp_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    assert env["JEUGDKPI_DBT_THREADS"] == "3"
    dbt = Path(sys.executable).parent / "dbt"
    out = subprocess.run([str(dbt), "show", "--profiles-dir", ".", "--target-path", str(tmp_path / "t"),
                          "--log-path", str(tmp_path / "t"), "--inline",
                          "select current_setting('memory_limit') = '667.5 MiB' and "
                          f"current_setting('temp_directory') = '{spill}' as from_settings"],
                         cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.rstrip().endswith("True |"), out.stdout


def test_default_duckdb_limit_is_explicit():
    """Unset: 1 GB per core, at most half the machine's memory (below DuckDB's own 80 %: the run's Python process and
    the ingest workers need the rest), the same for dbt and Python, and the spill folder next to the warehouse."""
    import os

    settings = load_settings({"JEUGDKPI_WAREHOUSE": "/tmp/x/w.duckdb"})
    limit = settings.duckdb_config()["memory_limit"]
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 / 1024
    assert limit == f"{max(1024, int(min(total_mb / 2, (os.cpu_count() or 1) * 1024)))}MB"
    assert settings.duckdb_config()["temp_directory"] == "/tmp/x/w.duckdb.tmp"
    assert settings.dbt_env()["JEUGDKPI_DUCKDB_MEMORY"] == limit
