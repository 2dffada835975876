"""The region's reference tables (`seeds/*.csv`, also the dbt seeds): the one module that reads them in Python.

- `rows(name)`: the rows of one seed as text, `column(name, col)`: the distinct filled values of one column.
- `catalogue()`: the KPI catalogue (seeds/kpi_catalogue.csv) as typed `Kpi` objects in file order;
  `template_kpis()` the ones a provider fills in on the KPI sheet of the template.

A file is read once per content (cached on its path, size and modification time), so an edited seed is read
again by the next run of a long-lived process (`dagster dev`). Every function takes the seeds folder (default
the repository's seeds/, where dbt's `seed-paths` points as well); docs/adding-a-kpi.md describes the catalogue's
columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from jeugdkpi.settings import SEEDS_DIR, ConfigError

CATALOGUE_FILE = "kpi_catalogue.csv"
MEASURE_KINDS = ("count", "ratio", "mean", "median", "sum", "score")
# how the value is obtained: a row on the template's KPI sheet, the template's Klachten sheet, computed from the
# iJw message traffic (with CBS population for VB02), the CBS spiegelrapportage, a municipal export, the
# contract managers' score file, the delivery status of the inputs
DELIVERIES = ("template", "template_complaints", "computed", "cbs", "municipal_export", "score_file",
              "delivery_status")


@functools.lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int, size: int) -> tuple[dict[str, str], ...]:
    with open(path, newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def rows(name: str, seeds_dir: Path = SEEDS_DIR, *, missing_ok: bool = False) -> list[dict[str, str]]:
    """The rows of seeds/`name` as text (an empty cell is ''); a missing file is an error unless `missing_ok`."""
    path = Path(seeds_dir) / name
    try:
        stat = path.stat()
    except FileNotFoundError:
        if missing_ok:
            return []
        raise
    return [dict(r) for r in _read(str(path), stat.st_mtime_ns, stat.st_size)]


def column(name: str, col: str, seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """The distinct filled values of column `col` of seeds/`name`, sorted."""
    return sorted({r[col] for r in rows(name, seeds_dir) if r.get(col)})


@dataclass(frozen=True)
class Kpi:
    """One row of seeds/kpi_catalogue.csv, typed as dbt types it (dbt_project.yml); empty cells are None."""

    kpi_id: str
    theme: str
    name_nl: str
    unit: str  # percentage, count, months, days, score
    source: str  # the landing sources it needs, joined by '+'
    direction: str  # higher / lower is better
    target_value: float | None
    target_type: str | None
    target_year: int | None
    base_year: int | None
    norm_value: float | None
    norm_unit: str | None
    from_document: str
    small_cell_rule: bool
    active: bool
    theme_order: int | None
    theme_title: str
    numerator_bounded: bool  # the numerator is part of the denominator (a ratio between 0 and 100 %)
    measure_kind: str  # MEASURE_KINDS
    measure_label: str  # what marts.kpi_units.measure holds, Dutch ('' = no measure)
    unit_label: str  # the Dutch display unit: %, jeugdigen, maanden, cijfer, ...
    delivery: str  # DELIVERIES
    numerator_label: str  # what the numerator counts, Dutch (the template's definition text)
    denominator_label: str
    score_min: float | None  # score KPIs: the scale
    score_max: float | None
    active_from: dt.date | None  # first day the KPI applies (None: always)
    active_until: dt.date | None  # last day the KPI applies (None: no end)
    family: str  # the dbt model int_kpi__<family> that computes it ('' = none yet: a new catalogue row)
    cbs_reference: str = ""  # CBS table and measure beside it (85100NED:jeugdigen_verblijf; docs/benchmark.md)
    cbs_comparison: str = ""  # one Dutch sentence: how far the definitions differ

    @property
    def in_template(self) -> bool:
        """A row on the KPI sheet of the provider template (teller and noemer filled in by the provider)."""
        return self.delivery == "template"

    @property
    def bounded(self) -> bool:
        """Teller <= noemer: a ratio whose numerator is a part of its denominator."""
        return self.measure_kind == "ratio" and self.numerator_bounded

    def active_on(self, day: dt.date) -> bool:
        """Whether the KPI applies on `day` (a half-year: its last day): `active` and within active_from/until."""
        return (self.active and (self.active_from is None or self.active_from <= day)
                and (self.active_until is None or day <= self.active_until))


def _bool(text: str, default: bool) -> bool:
    text = text.strip().lower()
    if not text:
        return default
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(f"true or false, got {text!r}")


def _optional(convert):
    return lambda text: convert(text) if text.strip() else None


_TYPES = {
    "target_value": _optional(float), "target_year": _optional(int), "base_year": _optional(int),
    "norm_value": _optional(float), "theme_order": _optional(int), "score_min": _optional(float),
    "score_max": _optional(float), "active_from": _optional(dt.date.fromisoformat),
    "active_until": _optional(dt.date.fromisoformat), "target_type": _optional(str), "norm_unit": _optional(str),
    # an empty `active` counts as active (as in the quality gate); the small-cell rule applies unless switched off
    "small_cell_rule": lambda t: _bool(t, True), "active": lambda t: _bool(t, True),
    "numerator_bounded": lambda t: _bool(t, True),
}


def _kpi(row: dict[str, str]) -> Kpi:
    values = {}
    for name in Kpi.__dataclass_fields__:
        text = (row.get(name) or "").strip()
        try:
            values[name] = _TYPES.get(name, str)(text)
        except ValueError as exc:
            raise ConfigError(f"seeds/{CATALOGUE_FILE}: {row.get('kpi_id')} column {name}: {exc}") from None
    kpi = Kpi(**values)
    for name, allowed in (("measure_kind", MEASURE_KINDS), ("delivery", DELIVERIES)):
        if getattr(kpi, name) not in allowed:
            raise ConfigError(f"seeds/{CATALOGUE_FILE}: {kpi.kpi_id} has {name} {getattr(kpi, name)!r}; "
                              f"one of {', '.join(allowed)}")
    if kpi.measure_kind == "score" and (kpi.score_min is None or kpi.score_max is None):
        raise ConfigError(f"seeds/{CATALOGUE_FILE}: {kpi.kpi_id} is a score: fill in score_min and score_max")
    return kpi


@functools.lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int) -> tuple[Kpi, ...]:
    return tuple(map(_kpi, _read(path, mtime_ns, size)))


def catalogue(seeds_dir: Path = SEEDS_DIR) -> dict[str, Kpi]:
    """kpi_id -> Kpi, in the order of the file."""
    stat = (Path(seeds_dir) / CATALOGUE_FILE).stat()
    return {k.kpi_id: k for k in _parsed(str(Path(seeds_dir) / CATALOGUE_FILE), stat.st_mtime_ns, stat.st_size)}


def template_kpis(seeds_dir: Path = SEEDS_DIR) -> list[Kpi]:
    """The KPIs on the KPI sheet of the provider template (delivery `template`), in catalogue order."""
    return [k for k in catalogue(seeds_dir).values() if k.in_template]
