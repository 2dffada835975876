"""The Dagster code location of jeugdkpi (`dagster dev -m jeugdkpi.definitions`)."""

from __future__ import annotations

import dagster as dg

from jeugdkpi.assets.ingest import ingest_berichten_asset
from jeugdkpi.assets.inputs import input_assets
from jeugdkpi.assets.publish import publish
from jeugdkpi.assets.quality import quality_checks
from jeugdkpi.assets.reports import reports
from jeugdkpi.assets.transform import dbt_resource, dbt_warehouse
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.schedules import build_automation

all_assets = [ingest_berichten_asset, *input_assets, dbt_warehouse, publish, reports]

pipeline_job = dg.define_asset_job("jeugdkpi_pipeline", selection=dg.AssetSelection.all(),
                                   description="De volledige halfjaarlijkse run: inlezen, transformeren, "
                                               "controleren en publiceren.")
halfjaarlijkse_run, nieuwe_bestanden = build_automation(pipeline_job)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=quality_checks,
    jobs=[pipeline_job],
    schedules=[halfjaarlijkse_run],
    sensors=[nieuwe_bestanden],
    resources={"jeugdkpi": JeugdkpiConfig(), "dbt": dbt_resource()},
    # DuckDB allows one writing process: every step runs in the run's own process, one after another.
    executor=dg.in_process_executor,
)
