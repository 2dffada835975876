"""The `publish` asset: write-audit-publish of the checked marts for BI tools (docs/publication.md).

It depends on every asset that carries a blocking quality check, so in a whole run it only starts when the gate
passed. It does not trust that: whatever selection or entry point runs it, `build_publication` first proves from
the warehouse's state ledger that the state it publishes passed every blocking check with this run's peildatum and
the current seeds and dbt code (publish.gate), and refuses otherwise (a failed step; the CLI exits 1)."""


import dagster as dg

from jeugdkpi import progress
from jeugdkpi.assets import code_version
from jeugdkpi.assets.quality import CHECKED_ASSETS
from jeugdkpi.progress import nl
from jeugdkpi.publish.build import PUBLISHED, build_publication, log_outcome
from jeugdkpi.publish.gate import GateRefused
from jeugdkpi.resources import JeugdkpiConfig

PUBLISH_DEPS = [*CHECKED_ASSETS, dg.AssetKey(["marts", "stay_periods"]), dg.AssetKey(["marts", "kpi_benchmark"]),
                dg.AssetKey(["seeds", "kpi_catalogue"]),
                dg.AssetKey(["seeds", "municipalities"]), dg.AssetKey(["seeds", "providers"]),
                dg.AssetKey(["intermediate", "int_reporting_periods"])]


@dg.asset(key=["published", "kpi"], group_name="publication", deps=list(dict.fromkeys(PUBLISH_DEPS)),
          pool="duckdb", kinds={"duckdb", "parquet"}, code_version=code_version("publish"),
          description="Gepubliceerde KPI-marts voor BI (kpi.duckdb, Parquet, manifest.json, validatiepagina, "
                      "dbt-docs) met de kleine-aantallenregel; alleen uit een magazijn dat de kwaliteitspoort "
                      "doorliep; atomair omgezet, elke publicatie ook als snapshot.")
def publish(context: dg.AssetExecutionContext, jeugdkpi: JeugdkpiConfig) -> dg.MaterializeResult:
    settings = jeugdkpi.settings()
    run_id = context.run.run_id
    with progress.step("publiceren") as step:
        try:
            publication = build_publication(settings, run_id)
        except GateRefused as exc:
            step.failed = True
            step.detail = "geweigerd"
            log_outcome(settings, run_id, "refused", False, {"reason": exc.reason})
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        manifest = publication.manifest
        where = publication.label
        if publication.status == PUBLISHED:
            step.detail = (f"{nl(manifest['row_counts']['kpi_values'])} KPI-rijen, {nl(manifest['suppressed_rows'])} "
                           f"onderdrukt -> {where}" + ("" if publication.is_current else " (niet current: ouder "
                                                                                              "halfjaar)"))
        else:
            step.detail = f"ongewijzigd: niets nieuws sinds {where}"
    log_outcome(settings, run_id, publication.status, True, publication.ledger_detail())
    context.log.info(f"{publication.status}: {publication.snapshot}")
    return dg.MaterializeResult(metadata={
        "status": publication.status,
        "snapshot": dg.MetadataValue.path(str(publication.snapshot)),
        "is_current": publication.is_current,
        "current": dg.MetadataValue.path(str(settings.publish / "current")),
        "peildatum": settings.peildatum.isoformat(),
        "fingerprint": manifest.get("fingerprint", ""),
        "row_counts": dg.MetadataValue.json(manifest["row_counts"]),
        "suppressed_rows": manifest["suppressed_rows"],
        "warnings": [w["expectation"] for w in manifest["checks"]["warnings"]],
        "dagster/row_count": manifest["row_counts"]["kpi_values"],
    })

