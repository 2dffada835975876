"""The `reports` asset: the regional half-year report and the provider factsheets of the peildatum's half-year,
rendered from the publication just made (docs/reports.md). Downstream of `publish`, so it only runs after a
publication that passed the quality gate."""

import dagster as dg

from jeugdkpi import progress
from jeugdkpi.assets import code_version
from jeugdkpi.periods import half_year
from jeugdkpi.publish.writer import latest_dir
from jeugdkpi.report.data import load_published
from jeugdkpi.report.render import render_factsheet, render_regional, report_path, save
from jeugdkpi.resources import JeugdkpiConfig


@dg.asset(key=["published", "reports"], group_name="publication", deps=[dg.AssetKey(["published", "kpi"])],
          kinds={"html"}, code_version=code_version("report"),
          description="Halfjaarrapportage van de regio en factsheets per aanbieder (zelfstandige HTML) voor het "
                      "halfjaar van de peildatum, uit de publicatie; in <publicatie>/reports/<halfjaar>/.")
def reports(context: dg.AssetExecutionContext, jeugdkpi: JeugdkpiConfig) -> dg.MaterializeResult:
    settings = jeugdkpi.settings()
    period = half_year(settings.peildatum)
    pub = load_published(settings.publish, latest_dir(settings.publish, period))  # this half-year's publication
    regional = report_path(settings.publish, period)
    kv = pub.kpi_values
    providers = sorted(set(kv[kv["period"] == period]["provider_agb"].dropna()) & set(pub.providers["provider_agb"]))
    with progress.step(f"rapportages {period}", total=1 + len(providers), unit="rapporten"):
        save(regional, render_regional(pub, period))
        progress.advance()
        for agb in providers:
            save(report_path(settings.publish, period, agb), render_factsheet(pub, agb, period))
            progress.advance()
    context.log.info(f"rapportages geschreven naar {regional.parent}")
    return dg.MaterializeResult(metadata={"folder": dg.MetadataValue.path(str(regional.parent)),
                                          "regional_report": dg.MetadataValue.path(str(regional)),
                                          "factsheets": len(providers)})
