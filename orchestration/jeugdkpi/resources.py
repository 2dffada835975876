"""Dagster resources: the settings of one run (env defaults, overridable per run from the CLI or UI)."""


from typing import Optional

import dagster as dg

from jeugdkpi.settings import Settings, load_settings


class JeugdkpiConfig(dg.ConfigurableResource):
    """Where the data lives and which peildatum applies. Empty fields fall back to the JEUGDKPI_* env vars."""

    landing: Optional[str] = None
    warehouse: Optional[str] = None
    publish: Optional[str] = None
    peildatum: Optional[str] = None

    def settings(self) -> Settings:
        return load_settings().with_overrides(landing=self.landing, warehouse=self.warehouse,
                                              publish=self.publish, peildatum=self.peildatum)
