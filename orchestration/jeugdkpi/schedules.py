"""When the pipeline runs by itself: the half-yearly schedule and the landing-folder sensor (docs/operations.md).
Both read the settings from the `jeugdkpi` resource, as the assets do.

- `halfjaarlijkse_run`: 15 April and 15 October at 06:00 Europe/Amsterdam, with peildatum = the last day of
  the half-year that just ended (15 April 2026 -> 2025-12-31, 15 October 2026 -> 2026-06-30), so the
  deliveries due on 1 April / 1 October are in.
- `nieuwe_bestanden`: off by default; when switched on in the UI it requests a run whenever the set of files
  under the landing folder changes (count, total size or newest modification time), and notes its first sight
  of the tabular sources' files beside the warehouse (`assets.landing.note_first_sights`, docs/ingest.md).
"""

import datetime as dt
from pathlib import Path

import dagster as dg

from jeugdkpi.assets.landing import note_first_sights, regular_files, run_tags
from jeugdkpi.periods import peildatum_for
from jeugdkpi.resources import JeugdkpiConfig


def run_config_for(peildatum: dt.date) -> dict:
    return {"resources": {"jeugdkpi": {"config": {"peildatum": peildatum.isoformat()}}}}


def landing_signature(landing) -> str | None:
    """'<files>:<bytes>:<newest mtime ns>' of every regular file under the landing folder (symlinks are not
    followed); None when it is empty."""
    count = size = newest = 0
    for _, file_size, mtime_ns in regular_files(Path(landing)):
        count, size, newest = count + 1, size + file_size, max(newest, mtime_ns)
    return f"{count}:{size}:{newest}" if count else None


def build_automation(job) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition]:
    @dg.schedule(name="halfjaarlijkse_run", job=job, cron_schedule="0 6 15 4,10 *",
                 execution_timezone="Europe/Amsterdam",
                 description="Halfjaarlijkse run op 15 april en 15 oktober, 06:00; peildatum = laatste dag van "
                             "het afgelopen halfjaar.")
    def halfjaarlijkse_run(context: dg.ScheduleEvaluationContext, jeugdkpi: JeugdkpiConfig):
        peildatum = peildatum_for(context.scheduled_execution_time)
        tags = run_tags(jeugdkpi.settings().with_overrides(peildatum=peildatum.isoformat()))
        return dg.RunRequest(run_key=f"halfjaar-{peildatum.isoformat()}", run_config=run_config_for(peildatum),
                             tags={**tags, "jeugdkpi/trigger": "schedule"})

    @dg.sensor(name="nieuwe_bestanden", job=job, minimum_interval_seconds=300,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Start een run wanneer er bestanden in de landing-map bijkomen of veranderen "
                           "(standaard uit).")
    def nieuwe_bestanden(context: dg.SensorEvaluationContext, jeugdkpi: JeugdkpiConfig):
        settings = jeugdkpi.settings()
        signature = landing_signature(settings.landing)
        if signature is None:
            return dg.SkipReason("de landing-map is leeg")
        if signature == context.cursor:
            return dg.SkipReason("geen nieuwe of gewijzigde bestanden")
        try:  # the landing moment of a file touched or copied after it landed (docs/ingest.md)
            note_first_sights(settings)
        except OSError as exc:
            context.log.warning(f"eerste waarneming van de bestanden niet vastgelegd ({exc}); de ontvangstdatum "
                                "wordt dan de wijzigingstijd van het bestand")
        context.update_cursor(signature)
        return dg.RunRequest(run_key=f"landing-{signature}", tags={**run_tags(settings), "jeugdkpi/trigger": "sensor"})

    return halfjaarlijkse_run, nieuwe_bestanden
