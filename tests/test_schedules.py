"""The half-yearly schedule and the landing-folder sensor (docs/operations.md)."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from jeugdkpi.definitions import defs, halfjaarlijkse_run, nieuwe_bestanden
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.settings import peildatum_for

# the sensor's and schedule's `jeugdkpi` resource as the code location has it: empty fields = the environment
RESOURCES = {"jeugdkpi": JeugdkpiConfig()}

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize("moment, peildatum", [
    (dt.datetime(2026, 4, 15, 6, 0, tzinfo=AMS), "2025-12-31"),   # after H2 2025: deliveries due 1 April
    (dt.datetime(2026, 10, 15, 6, 0, tzinfo=AMS), "2026-06-30"),  # after H1 2026: deliveries due 1 October
])
def test_schedule_sets_the_peildatum_of_the_half_year_that_ended(moment, peildatum):
    request = halfjaarlijkse_run(dg.build_schedule_context(resources=RESOURCES, scheduled_execution_time=moment))
    assert request.run_config == {"resources": {"jeugdkpi": {"config": {"peildatum": peildatum}}}}
    assert request.tags["jeugdkpi/peildatum"] == peildatum
    assert request.run_key == f"halfjaar-{peildatum}"
    # the run config is valid for the job (resource `jeugdkpi`, field `peildatum`)
    dg.validate_run_config(defs.resolve_job_def("jeugdkpi_pipeline"), request.run_config)


def test_peildatum_for_edge_days():
    assert peildatum_for(dt.date(2026, 6, 30)) == dt.date(2025, 12, 31)
    assert peildatum_for(dt.date(2026, 7, 1)) == dt.date(2026, 6, 30)
    assert peildatum_for(dt.date(2027, 1, 1)) == dt.date(2026, 12, 31)


def test_schedule_ticks_on_15_april_and_15_october_at_six():
    assert halfjaarlijkse_run.cron_schedule == "0 6 15 4,10 *"
    assert halfjaarlijkse_run.execution_timezone == "Europe/Amsterdam"
    assert defs.resolve_schedule_def("halfjaarlijkse_run").job_name == "jeugdkpi_pipeline"


def test_sensor_is_off_by_default():
    assert nieuwe_bestanden.default_status == dg.DefaultSensorStatus.STOPPED
    assert defs.resolve_sensor_def("nieuwe_bestanden").job_name == "jeugdkpi_pipeline"


def test_sensor_requests_a_run_when_a_file_lands(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("JEUGDKPI_LANDING", str(landing))
    # no folder yet
    assert isinstance(nieuwe_bestanden(dg.build_sensor_context(resources=RESOURCES)), dg.SkipReason)

    (landing / "berichten").mkdir(parents=True)
    (landing / "berichten" / "a.xml").write_text("<Bericht/>")
    context = dg.build_sensor_context(resources=RESOURCES)
    first = nieuwe_bestanden(context)
    assert isinstance(first, dg.RunRequest) and first.run_key == f"landing-{context.cursor}"

    # nothing changed since the cursor: no run
    assert isinstance(nieuwe_bestanden(dg.build_sensor_context(cursor=context.cursor, resources=RESOURCES)),
                      dg.SkipReason)

    # a second file lands: a new run with a new key
    (landing / "berichten" / "b.xml").write_text("<Bericht/>")
    again = dg.build_sensor_context(cursor=context.cursor, resources=RESOURCES)
    second = nieuwe_bestanden(again)
    assert isinstance(second, dg.RunRequest) and second.run_key != first.run_key
    assert again.cursor.startswith("2:")  # two files counted
