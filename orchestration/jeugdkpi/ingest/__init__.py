"""Ingest of every landing source into the `raw` schema, with the audit trail in `audit`.

One sub-package per landing sub-folder (docs/inputs.md describes each folder's format). The shared
mechanics (file discovery, hashing, idempotency, quarantine, reconciliation) live in `files.py`.
"""


def raw_tables_by_source() -> dict[str, set[str]]:
    """landing source -> the raw tables its ingest fills (for the publication gate's ordering rule)."""
    from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
    from jeugdkpi.ingest.berichten.load import SOURCE as BERICHTEN
    from jeugdkpi.ingest.berichten.schema import RECORD_TABLES
    from jeugdkpi.ingest.cbs_benchmark.load import SPEC as CBS_BENCHMARK
    from jeugdkpi.ingest.cbs_bevolking.load import SPEC as CBS_BEVOLKING
    from jeugdkpi.ingest.cbs_spiegel.load import SPEC as CBS_SPIEGEL
    from jeugdkpi.ingest.gemeente.load import SPEC as GEMEENTE
    from jeugdkpi.ingest.kwaliteitsgesprekken.load import SPEC as KWALITEITSGESPREKKEN

    out = {BERICHTEN: {"berichten", *RECORD_TABLES}}
    for spec in (CBS_SPIEGEL, CBS_BEVOLKING, CBS_BENCHMARK, AANBIEDERS, GEMEENTE, KWALITEITSGESPREKKEN):
        out[spec.source] = set(spec.all_tables())
    return out
