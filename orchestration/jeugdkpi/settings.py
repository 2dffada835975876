"""Settings from the environment (docs: docs/settings.md).

Every setting is optional. Relative paths resolve against the repository root so that `make`,
`dagster dev` and the CLI agree on where the data lives.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from jeugdkpi.periods import peildatum_for

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = REPO_ROOT / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

LANDING_SOURCES = (
    "berichten",
    "cbs_spiegel",
    "cbs_bevolking",
    "cbs_benchmark",
    "aanbieders",
    "gemeente",
    "kwaliteitsgesprekken",
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting has a value the pipeline cannot use (CLI exit code 2)."""


def resolve_path(value: str | os.PathLike[str]) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def parse_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from exc


def parse_int(value: str, name: str, minimum: int = 1) -> int:
    """A whole number of at least `minimum`, or a ConfigError naming the setting."""
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value!r}")
    return number


def parse_number(value: str, name: str) -> float:
    """A finite number (`2`, `0.5`), or a ConfigError naming the setting (also for nan and inf)."""
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return number


_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def parse_memory(value: str, name: str) -> str:
    """A DuckDB memory size (`4GB`, `1500MB`, `2GiB`), or a ConfigError naming the setting."""
    if not _MEMORY.match(value.strip()):
        raise ConfigError(f"{name} must be a size such as 4GB or 1500MB, got {value!r}")
    return value.strip().replace(" ", "")


def default_memory_limit() -> str:
    """1 GB per core, at most half the machine's memory (DuckDB's own default is 80 %): the run's Python process
    (~1.2 GB), the ingest workers and the page cache of the landing files need the rest, and DuckDB spills beyond
    it. On 2 cores the 10x region ran as fast with 2 GB as with 12.6 GB and peaked at 3.7 GB instead of 6.2 GB
    (docs/performance.md)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2GB"
    per_core = (os.cpu_count() or 1) * 1024 ** 3
    return f"{max(1024, int(min(total * 0.5, per_core) / 1024 / 1024))}MB"


def parse_uitval_codes(value: str) -> tuple[str, ...]:
    """`03` or `03,04`: CBS reden-beeindiging codes 01-05 that count as uitval (OI01)."""
    codes = tuple(sorted({c.strip().zfill(2) for c in value.split(",") if c.strip()}))
    if not codes or any(c not in ("01", "02", "03", "04", "05") for c in codes):
        raise ConfigError(f"JEUGDKPI_UITVAL_CODES must be codes 01-05 separated by commas, got {value!r}")
    return codes


def parse_regio(value: str | None) -> str:
    """JEUGDKPI_REGIO: the jeugdzorgregio (by name) of seeds/municipalities.csv whose municipalities
    the run covers; unset = the demo region (docs/regions.md)."""
    from jeugdkpi.regions import resolve_region  # regions reads the seeds and raises ConfigError

    return resolve_region(value)


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    publish: Path
    peildatum: dt.date
    pseudonym_key: str | None = None
    min_cell: int = 10
    xsd_dir: Path | None = None
    max_file_bytes: int = 20 * 1024 * 1024
    workers: int = field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 8)))
    # OI01 uitval: the CBS reden-beeindiging codes that count as uitval (docs/kpi-definitions.md; default 03)
    uitval_codes: tuple[str, ...] = ("03",)
    # quality gate: a row count or region KPI value that moves by more than this factor since the last
    # publication warns (docs/quality-gate.md)
    volume_factor: float = 2.0
    # the jeugdzorgregio whose municipalities the KPIs cover (JEUGDKPI_REGIO, docs/regions.md)
    regio: str = "Flevoland"
    # DuckDB's memory limit and spill folder for dbt and every Python step (docs/performance.md): beyond the limit
    # DuckDB spills to the temp folder instead of the process being killed; None = 1 GB a core, <warehouse>.tmp
    duckdb_memory: str | None = None
    duckdb_temp: Path | None = None
    # dbt threads: models that do not depend on each other run at the same time on the one DuckDB database
    dbt_threads: int = 4

    @property
    def duckdb_memory_limit(self) -> str:
        return self.duckdb_memory or default_memory_limit()

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.duckdb_temp or Path(str(self.warehouse) + ".tmp")

    def duckdb_config(self) -> dict[str, str]:
        """The DuckDB configuration of every connection to the warehouse (warehouse.connect) and of dbt's."""
        return {"memory_limit": self.duckdb_memory_limit, "temp_directory": str(self.duckdb_temp_dir)}

    @property
    def data_dir(self) -> Path:
        return self.warehouse.parent

    def to_env(self) -> dict[str, str]:
        """The JEUGDKPI_* variables that reproduce these settings (for a child process such as a test's
        `dagster asset materialize`)."""
        env = {"JEUGDKPI_LANDING": str(self.landing), "JEUGDKPI_WAREHOUSE": str(self.warehouse),
               "JEUGDKPI_PUBLISH": str(self.publish), "JEUGDKPI_PEILDATUM": self.peildatum.isoformat(),
               "JEUGDKPI_MIN_CELL": str(self.min_cell), "JEUGDKPI_WORKERS": str(self.workers),
               "JEUGDKPI_MAX_FILE_MB": str(self.max_file_bytes / 1024 / 1024),
               "JEUGDKPI_UITVAL_CODES": ",".join(self.uitval_codes),
               "JEUGDKPI_VOLUME_FACTOR": str(self.volume_factor)}
        env["JEUGDKPI_REGIO"] = self.regio
        env["JEUGDKPI_DBT_THREADS"] = str(self.dbt_threads)
        if self.duckdb_memory:
            env["JEUGDKPI_DUCKDB_MEMORY"] = self.duckdb_memory
        if self.duckdb_temp:
            env["JEUGDKPI_DUCKDB_TEMP"] = str(self.duckdb_temp)
        if self.pseudonym_key:
            env["JEUGDKPI_PSEUDONYM_KEY"] = self.pseudonym_key
        if self.xsd_dir:
            env["JEUGDKPI_XSD_DIR"] = str(self.xsd_dir)
        return env

    def dbt_env(self) -> dict[str, str]:
        """The environment variables dbt reads (profiles.yml: the warehouse; dbt_project.yml vars: peildatum,
        OI01's uitval codes, the region's municipalities and mergers, docs/regions.md). Set for the dbt
        subprocess only; the same for `dbt build` and `dbt docs generate`, so the docs reuse the build's parse."""
        from jeugdkpi.regions import dbt_vars as region_dbt_vars  # regions reads the seeds

        return {"JEUGDKPI_WAREHOUSE": str(self.warehouse), "JEUGDKPI_PEILDATUM": self.peildatum.isoformat(),
                "JEUGDKPI_UITVAL_CODES": ",".join(self.uitval_codes), **region_dbt_vars(self.regio),
                "JEUGDKPI_DBT_THREADS": str(self.dbt_threads), "JEUGDKPI_DUCKDB_MEMORY": self.duckdb_memory_limit,
                "JEUGDKPI_DUCKDB_TEMP": str(self.duckdb_temp_dir)}

    def with_overrides(self, **kwargs) -> Settings:
        values = {k: v for k, v in kwargs.items() if v is not None}
        for key in ("landing", "warehouse", "publish", "xsd_dir", "duckdb_temp"):
            if key in values:
                values[key] = resolve_path(values[key])
        if isinstance(values.get("peildatum"), str):
            values["peildatum"] = parse_date(values["peildatum"], "peildatum")
        return replace(self, **values)


def load_settings(env: dict[str, str] | None = None, today: dt.date | None = None) -> Settings:
    """The settings from `env` (default os.environ). Without JEUGDKPI_PEILDATUM the peildatum is the end of the
    most recent complete half-year before `today` (peildatum_for)."""
    env = os.environ if env is None else env
    peil = env.get("JEUGDKPI_PEILDATUM")
    min_cell_int = parse_int(env.get("JEUGDKPI_MIN_CELL", "10"), "JEUGDKPI_MIN_CELL")
    xsd = env.get("JEUGDKPI_XSD_DIR")
    max_mb = parse_number(env.get("JEUGDKPI_MAX_FILE_MB", "20"), "JEUGDKPI_MAX_FILE_MB")
    if not max_mb > 0:
        raise ConfigError(f"JEUGDKPI_MAX_FILE_MB must be greater than 0, got {max_mb:g}")
    max_bytes = int(max_mb * 1024 * 1024)
    workers = env.get("JEUGDKPI_WORKERS")
    uitval = parse_uitval_codes(env.get("JEUGDKPI_UITVAL_CODES", "03"))
    volume_factor = parse_number(env.get("JEUGDKPI_VOLUME_FACTOR", "2"), "JEUGDKPI_VOLUME_FACTOR")
    log_level = env.get("JEUGDKPI_LOG_LEVEL", "WARNING")  # read by pipeline.run_pipeline for Dagster's logger
    if log_level.upper() not in LOG_LEVELS:
        raise ConfigError(f"JEUGDKPI_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    if not volume_factor > 1:
        raise ConfigError("JEUGDKPI_VOLUME_FACTOR must be greater than 1 (e.g. 2 = doubling or halving)")
    settings = Settings(
        landing=resolve_path(env.get("JEUGDKPI_LANDING", "data/landing")),
        warehouse=resolve_path(env.get("JEUGDKPI_WAREHOUSE", "data/warehouse.duckdb")),
        publish=resolve_path(env.get("JEUGDKPI_PUBLISH", "data/published")),
        peildatum=parse_date(peil, "JEUGDKPI_PEILDATUM") if peil else peildatum_for(today or dt.date.today()),
        pseudonym_key=env.get("JEUGDKPI_PSEUDONYM_KEY") or None,
        min_cell=min_cell_int,
        xsd_dir=resolve_path(xsd) if xsd else None,
        max_file_bytes=max_bytes,
        uitval_codes=uitval,
        volume_factor=volume_factor,
        regio=parse_regio(env.get("JEUGDKPI_REGIO")),
    )
    if workers:
        settings = replace(settings, workers=parse_int(workers, "JEUGDKPI_WORKERS"))
    if env.get("JEUGDKPI_DUCKDB_MEMORY"):
        memory = parse_memory(env["JEUGDKPI_DUCKDB_MEMORY"], "JEUGDKPI_DUCKDB_MEMORY")
        settings = replace(settings, duckdb_memory=memory)
    if env.get("JEUGDKPI_DUCKDB_TEMP"):
        settings = replace(settings, duckdb_temp=resolve_path(env["JEUGDKPI_DUCKDB_TEMP"]))
    if env.get("JEUGDKPI_DBT_THREADS"):
        settings = replace(settings, dbt_threads=parse_int(env["JEUGDKPI_DBT_THREADS"], "JEUGDKPI_DBT_THREADS"))
    return settings
