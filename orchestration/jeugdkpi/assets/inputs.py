"""Ingest assets of the tabular landing sources (docs/inputs.md): one multi-asset per landing folder, one
asset key per raw table it fills (incl. its `raw.leveringen_<source>` delivery log). Each always creates its
raw tables, so dbt runs when a folder is absent (a KPI whose optional input is absent has no rows)."""

import dagster as dg

from jeugdkpi import progress
from jeugdkpi.assets import code_version
from jeugdkpi.assets.ingest import ingest_results, raw_asset_spec
from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.cbs_benchmark.load import SPEC as CBS_BENCHMARK
from jeugdkpi.ingest.cbs_bevolking.load import SPEC as CBS_BEVOLKING
from jeugdkpi.ingest.cbs_spiegel.load import SPEC as CBS_SPIEGEL
from jeugdkpi.ingest.gemeente.load import SPEC as GEMEENTE
from jeugdkpi.ingest.kwaliteitsgesprekken.load import SPEC as KWALITEITSGESPREKKEN
from jeugdkpi.ingest.tabular import COLUMN_DESCRIPTIONS, SourceSpec, ingest_source
from jeugdkpi.resources import JeugdkpiConfig

INPUT_SPECS = [CBS_SPIEGEL, CBS_BEVOLKING, CBS_BENCHMARK, AANBIEDERS, GEMEENTE, KWALITEITSGESPREKKEN]

_DESCRIPTIONS = {
    "cbs_spiegel": "CBS-spiegelrapportages (intake-indeling): één rij per cel; onderdrukte cellen NULL.",
    "cbs_bevolking": "CBS-bevolking op 1 januari per gemeente en leeftijd (StatLine 03759ned).",
    "cbs_benchmark": "CBS-referentiewaarden (StatLine 85098NED, 85097NED, 85100NED): één rij per tabel, maat, "
                     "gebied en periode; door CBS onderdrukte cellen NULL.",
    "aanbieder_kpi": "Door aanbieders aangeleverde KPI's (teller/noemer per KPI en halfjaar).",
    "aanbieder_klachten": "Door aanbieders aangeleverde klachtencijfers per halfjaar.",
    "gemeente_aanvragen": "Gemeentelijke export: aanvragen en besluitdatum.",
    "gemeente_afwijzingen": "Gemeentelijke export: door de aanbieder afgewezen toewijzingen.",
    "gemeente_betalingen": "Gemeentelijke export: betaaldatum per declaratie.",
    "kwaliteitsgesprekken": "Scores van de kwaliteitsgesprekken (contractmanager).",
}
_DELIVERY_LOG = "Leveringslog: elk geladen of afgewezen bestand, per levering (aanbieder, periode), met de status."


def _specs(spec: SourceSpec) -> list[dg.AssetSpec]:
    version = code_version("ingest/tabular.py", "ingest/files.py", f"ingest/{spec.source}")
    return [raw_asset_spec(table, columns, spec.source, "csv",
                           f"{_DESCRIPTIONS.get(table, _DELIVERY_LOG)} Bron: landing/{spec.source}.",
                           COLUMN_DESCRIPTIONS, version)
            for table, columns in spec.all_tables().items()]


def _make_asset(spec: SourceSpec):
    @dg.multi_asset(specs=_specs(spec), name=f"ingest_{spec.source}", pool="duckdb", can_subset=False)
    def _asset(context: dg.AssetExecutionContext, jeugdkpi: JeugdkpiConfig):
        settings = jeugdkpi.settings()

        def ingest(con):
            stats = ingest_source(con, settings, context.run.run_id, spec)
            progress.update(stats.files_seen, stats.files_seen)
            return stats

        yield from ingest_results(context, settings, spec.source, spec.source, spec.all_tables(), ingest)

    _asset.__doc__ = f"Read every new file under landing/{spec.source} into raw.* (see docs/inputs.md)."
    return _asset


input_assets = [_make_asset(s) for s in INPUT_SPECS]
