"""Ingest assets: one multi-asset per landing source, one asset key per raw table it fills."""


from collections.abc import Callable, Iterable

import dagster as dg

from jeugdkpi import progress
from jeugdkpi.assets import code_version
from jeugdkpi.ingest.berichten.load import SOURCE as BERICHTEN
from jeugdkpi.ingest.berichten.load import ingest_berichten
from jeugdkpi.ingest.berichten.schema import COLUMN_DESCRIPTIONS, MESSAGES_TABLE, RECORD_TABLES, table_columns
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.settings import Settings
from jeugdkpi.warehouse import connect

RAW_GROUP = "raw"

_DESCRIPTIONS = {
    "berichten": "Eén rij per geladen iJw-bericht (bestand): afzender, ontvanger, dagtekening, aantallen.",
    "jw301_toegewezen_product": "JW301 toewijzingen: elke versie van elk ToegewezenProduct.",
    "jw305_start_product": "JW305 startberichten: elke StartProduct-regel (StatusAanlevering 1 en 3).",
    "jw307_stop_product": "JW307 stopberichten: elke StopProduct-regel (StatusAanlevering 1 en 3).",
    "jw315_aangevraagd_product": "JW315 verzoeken om toewijzing: elk AangevraagdProduct.",
    "jw317_verzoek": "JW317 verzoeken om wijziging: elke productregel van het verzoek.",
    "jw319_antwoord": "JW319 antwoordberichten op 315/317.",
    "jw323_prestatie": "JW323 declaraties: elke prestatie (debet en credit).",
    "jw325_declaratie_antwoord": "JW325 declaratie-antwoorden: totaal ingediend en toegekend per declaratie.",
    "jw325_prestatie": "JW325: afgewezen prestaties met retourcodes.",
    "retour": "Retourberichten 302/306/308/316/318/320: header en klassen met retourcodes.",
}


CODE_VERSION = code_version("ingest/berichten", "ingest/files.py", "pseudonym.py")


def column_schema(table: str, columns, descriptions: dict[str, str]) -> dg.TableSchema:
    """The `dagster/column_schema` of raw.`table`: each column's DuckDB type and its Dutch description from
    `descriptions` (key "table.column" first, then the plain column name)."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name, typ.replace(" NOT NULL", "").lower(),
                       descriptions.get(f"{table}.{name}") or descriptions.get(name))
        for name, typ in columns])


def raw_asset_spec(table: str, columns, source: str, kind: str, description: str, descriptions: dict[str, str],
                   code_version: str) -> dg.AssetSpec:
    """The asset raw/`table`, filled from landing/`source` (files of `kind`: xml, csv)."""
    return dg.AssetSpec(
        key=["raw", table], group_name=RAW_GROUP, kinds={"duckdb", kind}, deps=[["landing", source]],
        description=description,
        metadata={"dagster/column_schema": column_schema(table, columns, descriptions),
                  "dagster/table_name": f"raw.{table}"},
        code_version=code_version,
    )


def ingest_results(context: dg.AssetExecutionContext, settings: Settings, source: str, label: str,
                   tables: Iterable[str], ingest: Callable, rows_added: Callable | None = None):
    """The one loop of every ingest asset: `ingest(con)` loads landing/`source` into raw.* and returns its stats;
    then one MaterializeResult per raw table with its row count, the rows this run added (`rows_added(stats,
    table)`, default the stats' rows per table) and the run's ingest statistics."""
    with connect(settings.warehouse, config=settings.duckdb_config()) as con, \
            progress.step(f"{label} inlezen", unit="bestanden") as step:
        stats = ingest(con)
        step.detail = stats.progress_detail()
        counts = {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in tables}
    context.log.info(f"{source}: {stats.files_new} new files, {stats.records_in} records in = "
                     f"{stats.records_loaded} loaded + {stats.records_quarantined} quarantined")
    run_md = {**stats.as_metadata(),
              "quarantine_by_reason": dg.MetadataValue.json(stats.quarantine_by_reason),
              "landing": dg.MetadataValue.path(str(settings.landing / source)),
              "peildatum": settings.peildatum.isoformat()}
    for table, total in counts.items():
        added = rows_added(stats, table) if rows_added else stats.rows_by_table.get(table, 0)
        yield dg.MaterializeResult(asset_key=["raw", table],
                                   metadata={"dagster/row_count": total, "rows_added_this_run": added, **run_md})


BERICHTEN_SPECS = [
    raw_asset_spec(table, columns, BERICHTEN, "xml",
                   _DESCRIPTIONS[table] + " Bron: landing/berichten (iJw 3.2). BSN gepseudonimiseerd.",
                   COLUMN_DESCRIPTIONS, CODE_VERSION)
    for table, columns in [("berichten", MESSAGES_TABLE), *((t, table_columns(t)) for t in RECORD_TABLES)]]


def _berichten_rows_added(stats, table: str) -> int:
    """raw.berichten gains one row per new message that is neither a duplicate nor quarantined."""
    if table == "berichten":
        return stats.files_new - stats.files_duplicate - stats.files_quarantined
    return stats.rows_by_table.get(table, 0)


@dg.multi_asset(specs=BERICHTEN_SPECS, name="ingest_berichten", pool="duckdb", can_subset=False)
def ingest_berichten_asset(context: dg.AssetExecutionContext, jeugdkpi: JeugdkpiConfig):
    """Parse every new iJw message under landing/berichten into raw.* (see docs/ingest.md)."""
    settings = jeugdkpi.settings()
    yield from ingest_results(
        context, settings, BERICHTEN, "iJw-berichten", ["berichten", *RECORD_TABLES],
        lambda con: ingest_berichten(con, settings, context.run.run_id, progress=progress.update),
        _berichten_rows_added)
