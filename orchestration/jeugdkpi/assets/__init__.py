"""Dagster assets, one module per pipeline stage: ingest -> transform (dbt) -> quality -> publish."""
