"""The `publish` asset: write-audit-publish of the checked marts for BI tools (docs/publication.md).

It depends on every asset that carries a blocking quality check, so it runs only when the whole gate passed."""


import dagster as dg

from jeugdkpi import progress
from jeugdkpi.progress import nl
from jeugdkpi.assets import code_version
from jeugdkpi.assets.quality import CHECKED_ASSETS
from jeugdkpi.publish.build import build_publication
from jeugdkpi.resources import JeugdkpiConfig

PUBLISH_DEPS = [*CHECKED_ASSETS, dg.AssetKey(["marts", "stay_periods"]), dg.AssetKey(["seeds", "kpi_catalogue"]),
                dg.AssetKey(["seeds", "municipalities"]), dg.AssetKey(["seeds", "providers"]),
                dg.AssetKey(["intermediate", "int_reporting_periods"])]


@dg.asset(key=["published", "kpi"], group_name="publication", deps=list(dict.fromkeys(PUBLISH_DEPS)),
          pool="duckdb", kinds={"duckdb", "parquet"}, code_version=code_version("publish"),
          description="Gepubliceerde KPI-marts voor BI (kpi.duckdb, Parquet, manifest.json, validatiepagina, "
                      "dbt-docs) met de kleine-aantallenregel; atomair omgezet, elke publicatie ook als snapshot.")
def publish(context: dg.AssetExecutionContext, jeugdkpi: JeugdkpiConfig) -> dg.MaterializeResult:
    settings = jeugdkpi.settings()
    with progress.step("publiceren") as step:
        publication = build_publication(settings, context.run.run_id)
        manifest = publication.manifest
        step.detail = (f"{nl(manifest['row_counts']['kpi_values'])} KPI-rijen, {nl(manifest['suppressed_rows'])} "
                       f"onderdrukt -> {publication.snapshot.parent.name}/{publication.snapshot.name}")
    context.log.info(f"gepubliceerd: {publication.snapshot}")
    return dg.MaterializeResult(metadata={
        "snapshot": dg.MetadataValue.path(str(publication.snapshot)),
        "current": dg.MetadataValue.path(str(settings.publish / "current")),
        "row_counts": dg.MetadataValue.json(manifest["row_counts"]),
        "suppressed_rows": manifest["suppressed_rows"],
        "warnings": [w["expectation"] for w in manifest["checks"]["warnings"]],
        "dagster/row_count": manifest["row_counts"]["kpi_values"],
    })
