"""The quality gate in Dagster: one blocking asset check per expectation suite (expectations/*.json).

A critical failure gives severity ERROR: the check step fails, the `publish` asset downstream does not run and
the run fails. Warnings give severity WARN: the run goes on and the warning is listed in the manifest. Every
result is kept per run in `audit.validation_results` and on a self-contained HTML page next to the warehouse
(docs/quality-gate.md)."""


import dagster as dg

from jeugdkpi import progress
from jeugdkpi.publish.writer import read_current_manifest
from jeugdkpi.quality.report import validation_dir, write_html
from jeugdkpi.quality.runner import load_results, record_results, run_suite
from jeugdkpi.quality.suites import Suite, load_suites
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.warehouse import connect, log_state

SUITES = load_suites()


def _markdown(results) -> str:
    failed = [r for r in results if not r.success]
    if not failed:
        return "Alle verwachtingen geslaagd."
    lines = ["| verwachting | ernst | tabel | rijen fout |", "|---|---|---|---|"]
    lines += [f"| {r.expectation} | {r.severity} | {r.table} | {r.n_failed} |" for r in failed]
    return "\n".join(lines)


def check_description(suite: Suite) -> str:
    """What the UI says about a suite's check, in Dutch: the tables, how many expectations and what a failure does
    (each expectation's own Dutch description is on the validation page and in audit.validation_results)."""
    specs = [*suite.expectations, *suite.custom_checks]
    critical = sum(s.severity == "critical" for s in specs)
    tables = ", ".join(dict.fromkeys(s.table for s in specs)) or suite.table
    return (f"Kwaliteitspoort (Great Expectations, expectations/{suite.name}.json) op {tables}: {len(specs)} "
            f"verwachtingen, waarvan {critical} kritiek (een kritieke fout houdt de publicatie tegen) en "
            f"{len(specs) - critical} als waarschuwing. De uitslag staat per run in audit.validation_results en op "
            f"de validatiepagina.")


def _make_check(suite: Suite):
    @dg.asset_check(asset=dg.AssetKey(list(suite.asset)), name=f"gx_{suite.name}", blocking=True, pool="duckdb",
                    description=check_description(suite))
    def _check(context: dg.AssetCheckExecutionContext, jeugdkpi: JeugdkpiConfig) -> dg.AssetCheckResult:
        settings = jeugdkpi.settings()
        run_id = context.run.run_id
        with connect(settings.warehouse, config=settings.duckdb_config()) as con, \
                progress.step(f"kwaliteitscontrole {suite.name}", unit="verwachtingen") as step:
            results = run_suite(con, suite, volume_factor=settings.volume_factor,
                                previous_manifest=read_current_manifest(settings.publish))
            record_results(con, run_id, results)
            log_state(con, run_id, "check", suite.name, peildatum=settings.peildatum,
                      passed=not any(r.is_critical_failure for r in results),
                      detail={"expectations": len(results), "failed": sum(not r.success for r in results)})
            all_results = load_results(con, run_id)
            n_failed = sum(not r.success for r in results)
            progress.update(len(results) - n_failed, len(results))
            step.failed = any(r.is_critical_failure for r in results)
            step.detail = f"{n_failed} mislukt" if n_failed else ""
        page = write_html(validation_dir(settings.warehouse) / f"{run_id}.html", run_id,
                          settings.peildatum.isoformat(), all_results)
        critical = [r for r in results if r.is_critical_failure]
        warnings = [r for r in results if not r.success and r.severity == "warning"]
        for r in critical:
            context.log.error(f"kritieke verwachting mislukt: {r.label()}")
        return dg.AssetCheckResult(
            passed=not critical and not warnings,
            severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
            description=("; ".join(r.label() for r in critical + warnings) or "alle verwachtingen geslaagd")[:1000],
            metadata={
                "expectations": len(results),
                "failed_critical": [r.expectation for r in critical],
                "failed_warning": [r.expectation for r in warnings],
                "failures": dg.MetadataValue.md(_markdown(results)),
                "failing_rows": dg.MetadataValue.json({r.expectation: r.failing_rows
                                                       for r in critical + warnings}),
                "validation_page": dg.MetadataValue.path(str(page)),
                "suite_file": dg.MetadataValue.path(str(suite.path)),
            },
        )

    return _check


quality_checks = [_make_check(s) for s in SUITES]
CHECKED_ASSETS = [dg.AssetKey(list(s.asset)) for s in SUITES]
