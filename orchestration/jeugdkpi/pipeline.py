"""Run the whole asset graph in-process (what `jeugdkpi run` and `make run` do)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster._core.utils import make_new_run_id

from jeugdkpi.quality.report import CheckCounts, count_checks
from jeugdkpi.settings import REPO_ROOT, Settings, resolve_path
from jeugdkpi.warehouse import connect, table_exists


@dataclass
class PipelineResult:
    success: bool
    run_id: str
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)  # checks with severity ERROR that did not pass
    warned_checks: list[str] = field(default_factory=list)  # checks with severity WARN that did not pass
    summary: dict[str, object] = field(default_factory=dict)
    # quality gate (docs/quality-gate.md): "suite.expectation (table: n rij(en))" of this run
    failed_expectations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    validation_page: Path | None = None
    publication: Path | None = None       # the snapshot this run published (None when nothing was published)
    # what the publish step did: gepubliceerd | ongewijzigd | refused (None: it did not run)
    publication_status: str | None = None
    publication_detail: dict = field(default_factory=dict)  # snapshot, is_current, or the refusal's reason
    # the quality gate's checks of this run (GX expectations and custom checks in audit.validation_results),
    # counted as the validation page and the reports count them (quality.report.count_checks)
    checks: CheckCounts = field(default_factory=lambda: CheckCounts(0, 0, 0, 0))
    dbt_tests_passed: int = 0             # dbt tests of this run (Dagster asset checks other than the GX suites)
    dbt_tests_failed: int = 0
    # kpis, rows, suppressed rows, period (half-year) and peildatum of this run's publication
    published: dict[str, object] = field(default_factory=dict)


def dagster_home() -> Path:
    """DAGSTER_HOME when it is set, else the repository's `.dagster_home/` (what `make run` and `make dev` use)."""
    home = os.environ.get("DAGSTER_HOME")
    return resolve_path(home) if home else REPO_ROOT / ".dagster_home"


def dagster_instance() -> dg.DagsterInstance:
    """The persistent Dagster instance every run is recorded in, so the UI's run history is complete. The home
    folder is created with `orchestration/dagster.yaml` in it when missing (as the Makefile does)."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))


def run_pipeline(settings: Settings, instance: dg.DagsterInstance | None = None,
                 run_id: str | None = None, rebuild: bool = False) -> PipelineResult:
    """Run `jeugdkpi_pipeline` in this process, holding the run lock of the warehouse and publication folder for
    the whole run (raises runlock.RunLockedError, before anything is touched, when another run holds it).
    `rebuild`: build, check and publish even when nothing is new (else the run skips them, assets/transform.py)."""
    from jeugdkpi import runlock
    from jeugdkpi.assets.landing import run_tags
    from jeugdkpi.definitions import defs
    from jeugdkpi.resources import JeugdkpiConfig

    run_id = run_id or make_new_run_id()
    with contextlib.ExitStack() as stack:
        if instance is None:
            instance = stack.enter_context(dagster_instance())
        # execute_in_process runs the steps with Dagster's own in-process executor, not the job's: hold the
        # run lock here (the job's executor takes the same lock for runs launched from the UI or a schedule).
        stack.enter_context(runlock.run_lock(instance, run_id,
                                             runlock.lock_paths(settings.warehouse, settings.publish)))
        # the run's settings reach every asset as the `jeugdkpi` resource (dbt gets its env vars from it)
        config = JeugdkpiConfig.from_settings(settings)
        job = defs.resolve_job_def("jeugdkpi_pipeline")
        stack.enter_context(_quiet_skipped_dbt_checks())
        log_level = os.environ.get("JEUGDKPI_LOG_LEVEL", "WARNING").upper()
        result = job.execute_in_process(resources={"jeugdkpi": config}, instance=instance, run_id=run_id,
                                        tags=run_tags(settings, rebuild), raise_on_error=False,
                                        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
        failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        failed_checks, warned_checks, dbt_tests = [], [], {True: 0, False: 0}
        for event in result.all_events:
            if event.event_type_value == "ASSET_CHECK_EVALUATION":
                evaluation = event.event_specific_data
                if not evaluation.check_name.startswith("gx_"):  # the GX suites are counted per expectation
                    dbt_tests[bool(evaluation.passed)] += 1
                if not evaluation.passed:
                    name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
                    # a WARN check does not block publication: it is a warning, not a failure
                    (warned_checks if evaluation.severity == dg.AssetCheckSeverity.WARN
                     else failed_checks).append(name)
        # read the outcome while the lock is held: the next run may write the warehouse as soon as it is free
        out = PipelineResult(success=result.success, run_id=result.run_id, failed_steps=failed_steps,
                             failed_checks=failed_checks, warned_checks=warned_checks,
                             summary=summarise(settings, result.run_id), dbt_tests_passed=dbt_tests[True],
                             dbt_tests_failed=dbt_tests[False])
        _gate_outcome(out, settings)
    return out


class _SkippedDbtChecks(logging.Filter):
    """Drops Dagster's warning that a blocking dbt test "emitted no result" in the dbt step: when a run finds
    nothing new the dbt step yields nothing on purpose, and everything downstream of it (the publication too) is
    skipped, not run ungated as the warning says (assets/transform.py, skip_unchanged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Blocking asset check") and "in step 'dbt_warehouse'" in message)


@contextlib.contextmanager
def _quiet_skipped_dbt_checks():
    logger, quiet = logging.getLogger("dagster._core.execution.plan.active"), _SkippedDbtChecks()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _gate_outcome(out: PipelineResult, settings: Settings) -> None:
    """Which expectations failed (audit.validation_results) and what this run published."""
    from jeugdkpi.publish.writer import read_manifest
    from jeugdkpi.quality.report import validation_dir
    from jeugdkpi.quality.runner import load_results

    outcome = None
    if settings.warehouse.exists():
        with connect(settings.warehouse, read_only=True) as con:
            results = load_results(con, out.run_id)
            outcome = con.execute("SELECT name, detail FROM audit.state_log WHERE run_id = ? AND event = 'publish' "
                                  "ORDER BY seq DESC LIMIT 1", [out.run_id]).fetchone() \
                if table_exists(con, "audit.state_log") else None
        out.checks = count_checks(results)
        out.failed_expectations = [r.label() for r in results if r.is_critical_failure]
        out.warnings = [r.label() for r in results if not r.success and r.severity == "warning"]
    page = validation_dir(settings.warehouse) / f"{out.run_id}.html"
    out.validation_page = page if page.is_file() else None
    if outcome:
        out.publication_status, out.publication_detail = outcome[0], json.loads(outcome[1] or "{}")
    snapshot = out.publication_detail.get("snapshot")
    manifest = read_manifest(settings.publish / "snapshots" / snapshot) if snapshot else None
    if manifest and manifest.get("run_id") == out.run_id:
        out.publication = settings.publish / manifest["snapshot"]
        out.published = {"rows": manifest["row_counts"]["kpi_values"], "suppressed": manifest["suppressed_rows"],
                         "kpis": manifest["kpis_published"], "period": manifest["period"],
                         "peildatum": manifest["peildatum"]}


def summarise(settings: Settings, run_id: str) -> dict[str, object]:
    if not settings.warehouse.exists():
        return {}
    with connect(settings.warehouse, read_only=True) as con:
        tables = {r[0] + "." + r[1] for r in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
        summary: dict[str, object] = {}
        if "audit.ingest_runs" in tables:
            rows = con.execute(
                "SELECT source, files_seen, files_new, files_duplicate, files_quarantined, records_in, "
                "records_loaded, records_quarantined FROM audit.ingest_runs WHERE run_id = ? ORDER BY source",
                [run_id]).fetchall()
            summary["ingest"] = [dict(zip(["source", "files_seen", "files_new", "files_duplicate",
                                           "files_quarantined", "records_in", "records_loaded",
                                           "records_quarantined"], r)) for r in rows]
            deferred = _deferred_records(con, run_id) if "audit.ingest_files" in tables else {}
            for row in summary["ingest"]:
                row["records_deferred"] = deferred.get(row["source"], 0)
            summary["quarantine_total"] = con.execute("SELECT count(*) FROM audit.quarantine").fetchone()[0]
        if "raw.berichten" in tables:  # kept in the warehouse, left out of the KPIs (docs/regions.md)
            from jeugdkpi.regions import outside_region_messages
            summary["outside_region"] = outside_region_messages(con, settings.regio)
        if "marts.kpi_values" in tables:
            summary["kpi_rows"] = con.execute("SELECT count(*) FROM marts.kpi_values").fetchone()[0]
            summary["kpis"] = con.execute("SELECT count(DISTINCT kpi_id) FROM marts.kpi_values").fetchone()[0]
    return summary


def _deferred_records(con, run_id: str) -> dict[str, int]:
    """Per source: the records of this run held back only because they lie after the peildatum (reason codes
    in RETRIABLE_REASONS); a later run whose peildatum covers them loads them. They are part of
    records_quarantined in audit.ingest_runs (records in = loaded + quarantined keeps holding). A file
    rejected whole for another reason as well counts as quarantine."""
    from jeugdkpi.ingest.files import RETRIABLE_REASONS

    retriable = ", ".join(f"'{r}'" for r in sorted(RETRIABLE_REASONS))
    rows = con.execute(f"""
        WITH records AS (
            SELECT source, file_path, sha256, record_locator, bool_and(reason_code IN ({retriable})) AS deferred
            FROM audit.quarantine WHERE run_id = $run GROUP BY ALL),
        files AS (
            SELECT r.source, file_path, sha256, f.status, f.n_quarantined, bool_and(r.deferred) AS all_deferred,
                   count(*) FILTER (WHERE r.deferred) AS n_deferred
            FROM records r JOIN audit.ingest_files f USING (file_path, sha256, source)
            WHERE f.run_id = $run GROUP BY ALL)
        SELECT source, sum(CASE WHEN all_deferred THEN n_quarantined
                                WHEN status = 'quarantined' THEN 0
                                ELSE least(n_deferred, n_quarantined) END)::BIGINT
        FROM files GROUP BY source""", {"run": run_id}).fetchall()
    return {source: n for source, n in rows}


def repo_relative(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
