"""Dagster resources: the settings of one run, as the `jeugdkpi` resource.

settings.py is where the JEUGDKPI_* environment is read (the user-facing configuration, docs/settings.md); the
assets, checks and dbt get the run's settings from this resource and never read the environment themselves.
`jeugdkpi run` passes the whole Settings it made (`from_settings`); in the UI and the schedule the fields are
run config that override settings.py's reading of the environment (an empty field = the environment's value;
Dagster replaces a resource's whole config by the run config, so the resource cannot carry those defaults
itself). The pseudonym key is a secret and never appears in the UI's config.
"""

from __future__ import annotations

import dataclasses

import dagster as dg

from jeugdkpi.settings import Settings, load_settings

_PATHS = ("landing", "warehouse", "publish", "xsd_dir", "duckdb_temp")


class JeugdkpiConfig(dg.ConfigurableResource):
    """Where the data lives and which peildatum applies (docs/settings.md). Empty fields fall back to the
    JEUGDKPI_* environment, as settings.py reads it."""

    landing: str | None = None
    warehouse: str | None = None
    publish: str | None = None
    peildatum: str | None = None
    regio: str | None = None
    min_cell: int | None = None
    uitval_codes: list[str] | None = None
    volume_factor: float | None = None
    workers: int | None = None
    max_file_bytes: int | None = None
    xsd_dir: str | None = None
    pseudonym_key: str | None = None
    duckdb_memory: str | None = None
    duckdb_temp: str | None = None
    dbt_threads: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> JeugdkpiConfig:
        """The resource that carries every setting of `settings` (the CLI: nothing is read from the environment)."""
        values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(Settings)}
        values = {k: (str(v) if k in _PATHS and v is not None else v) for k, v in values.items()}
        values["peildatum"] = settings.peildatum.isoformat()
        values["uitval_codes"] = list(settings.uitval_codes)
        return cls(**values)

    def settings(self) -> Settings:
        return settings_from_config({name: getattr(self, name) for name in type(self).model_fields})


def settings_from_config(config) -> Settings:
    """The run's Settings: the resource's (resolved) config over settings.py's reading of the environment,
    which is skipped when the config has every field."""
    values = {k: v for k, v in config.items() if v is not None}
    if "uitval_codes" in values:
        values["uitval_codes"] = tuple(values["uitval_codes"])
    fields = {f.name for f in dataclasses.fields(Settings)}
    if fields - {"pseudonym_key", "xsd_dir", "duckdb_memory", "duckdb_temp"} <= set(values):  # complete (from_settings)
        base = Settings(**{k: values[k] for k in ("landing", "warehouse", "publish")}, peildatum=values["peildatum"])
    else:
        base = load_settings()
    return base.with_overrides(**values)
