"""Read one publication (never the working warehouse): resolve `current` once and read inside that folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from jeugdkpi import periods, seeds
from jeugdkpi.publish.writer import current_dir, read_tables
from jeugdkpi.settings import SEEDS_DIR

CHAPTER_COLUMNS = ["theme_order", "theme_title"]  # the report's chapters (docs/reports.md)


class ReportError(Exception):
    """A report cannot be made (no publication, unknown provider, bad period)."""


def parse_half_year(period: str) -> tuple[int, int]:
    """A report's half-year (`2025-H2`, also `2025-h2`), or a ReportError in Dutch."""
    try:
        return periods.parse_half_year(period.strip().upper())
    except ValueError:
        raise ReportError(f"periode {period!r}: gebruik een halfjaar, bijvoorbeeld 2025-H2") from None


def last_half_years(period: str, n: int = 4) -> list[str]:
    """The n half-years ending with `period`, oldest first: 2025-H2 -> 2024-H1, 2024-H2, 2025-H1, 2025-H2."""
    year, half = parse_half_year(period)
    return periods.last_half_years(f"{year}-H{half}", n)


@dataclass
class Published:
    folder: Path
    manifest: dict
    kpi_values: pd.DataFrame
    catalogue: pd.DataFrame
    municipalities: pd.DataFrame
    providers: pd.DataFrame
    delivery_status: pd.DataFrame | None = None  # absent in publications made before it was published
    outlook: pd.DataFrame | None = None          # kpi_outlook (docs/outlook.md), idem
    benchmark: pd.DataFrame | None = None        # kpi_benchmark, the CBS reference values (docs/benchmark.md), idem

    @cached_property
    def _cbs_suppressed(self) -> dict[tuple[str, str], frozenset[str]]:
        ds = self.delivery_status
        if ds is None or "cbs_suppressed_kpis" not in ds.columns:  # published before it was recorded
            return {}
        ds = ds[ds["cbs_suppressed_kpis"].notna()]
        return {(agb, period): frozenset(k for k in str(kpis).split(",") if k)
                for agb, period, kpis in zip(ds["provider_agb"], ds["period"], ds["cbs_suppressed_kpis"], strict=True)}

    def cbs_suppressed(self, agb: str, period: str) -> frozenset[str]:
        """The KPIs (OI01-OI05, OI08) for which the provider's CBS report in force for `period` holds cells that CBS
        blanked (small numbers): the report arrived, the provider just has no value of its own for them."""
        return self._cbs_suppressed.get((agb, period), frozenset())


def load_published(publish_root: Path, folder: Path | None = None) -> Published:
    """The publication in `folder` (a snapshot), by default the live one (`current`)."""
    folder = folder or current_dir(Path(publish_root))
    if folder is None or not (folder / "kpi.duckdb").is_file():
        raise ReportError(f"geen publicatie gevonden in {publish_root} (eerst `jeugdkpi run`)")
    t = read_tables(folder, ["kpi_values", "kpi_catalogue", "municipalities", "providers", "delivery_status",
                             "kpi_outlook", "kpi_benchmark"])
    missing = [name for name in ("kpi_values", "kpi_catalogue", "municipalities", "providers") if t[name] is None]
    if missing:
        raise ReportError(f"publicatie {folder} mist tabel(len) {', '.join(missing)}")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return Published(folder, manifest, t["kpi_values"], with_chapters(t["kpi_catalogue"]), t["municipalities"],
                     t["providers"], t["delivery_status"], t["kpi_outlook"], t["kpi_benchmark"])


def with_chapters(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The published catalogue with its chapter columns. A publication made before the catalogue carried them
    (theme_order, theme_title) takes them per kpi_id from the repository's seeds/kpi_catalogue.csv, so a report
    of an older snapshot keeps its chapters; a KPI the seed does not know goes to "Overige KPI's"."""
    if set(CHAPTER_COLUMNS) <= set(catalogue.columns):
        return catalogue
    seed = pd.DataFrame([{"kpi_id": k.kpi_id, "theme_order": str(k.theme_order or ""), "theme_title": k.theme_title}
                         for k in seeds.catalogue(SEEDS_DIR).values()])
    return catalogue.drop(columns=CHAPTER_COLUMNS, errors="ignore").merge(seed, on="kpi_id", how="left")
