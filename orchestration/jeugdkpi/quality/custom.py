"""Checks GX Core has no built-in for. Each returns a DataFrame of violating rows (empty = passed), or a
`Skipped` note; the runner records them in `audit.validation_results` like any GX expectation.

Only what dbt cannot test belongs here: catalogue completeness decided from what the warehouse holds, and drift
against the last publication. Invariants of one table (the G4 gap rule, targets evaluated) are dbt tests
(`dbt_project/tests/generic/`).

Registered by name in `CUSTOM_CHECKS`; a suite lists them under `meta.custom_checks` (docs/quality-gate.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from jeugdkpi.quality.suites import CustomCheckSpec


@dataclass
class Skipped:
    note: str


@dataclass
class CheckContext:
    con: duckdb.DuckDBPyConnection
    volume_factor: float
    previous_manifest: dict | None   # manifest.json of the last publication, None before the first one


def _source_set(value) -> set[str]:
    return {s.strip() for s in str(value or "").split("+") if s.strip()}


def catalogue_kpis_present(ctx: CheckContext, spec: CustomCheckSpec) -> pd.DataFrame:
    """Every catalogue KPI is present for every period with data - data-driven, so that a KPI whose optional
    input is absent is not reported: KPI k is expected in period P when every source of k (catalogue
    `source`, e.g. `berichtenverkeer+cbs_bevolking`) has rows in P, k is computed at P's granularity (year or
    half-year) somewhere, and P is not before the first such period of k."""
    kv = ctx.con.execute(f"select distinct kpi_id, period, source from {spec.table}").df()
    cat = ctx.con.execute(f"select kpi_id, source from {spec.params.get('catalogue', 'seeds.kpi_catalogue')}").df()
    if kv.empty:
        return pd.DataFrame(columns=["kpi_id", "period", "sources"])
    periods_of_source = kv.groupby("source")["period"].agg(set).to_dict()
    present = kv.groupby("kpi_id")["period"].agg(set).to_dict()
    missing = []
    for kpi_id, source in cat.itertuples(index=False):
        sources = _source_set(source)
        have = present.get(kpi_id, set())
        if not sources or not have:
            continue  # never computed: an absent optional input (or a KPI outside this warehouse)
        with_data = set.intersection(*(periods_of_source.get(s, set()) for s in sources))
        for granularity in (4, 7):  # YYYY and YYYY-Hn
            mine = sorted(p for p in have if len(p) == granularity)
            if not mine:
                continue
            for period in sorted(p for p in with_data if len(p) == granularity and p > mine[0]):
                if period not in have:
                    missing.append({"kpi_id": kpi_id, "period": period, "sources": source})
    return pd.DataFrame(missing, columns=["kpi_id", "period", "sources"])


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    try:
        return con.execute(f"select exists (select 1 from {table})").fetchone()[0]
    except duckdb.CatalogException:  # a source whose tables this warehouse does not have delivered nothing
        return False


def _catalogue(con: duckdb.DuckDBPyConnection, spec: CustomCheckSpec, active: bool) -> list[tuple[str, str]]:
    """(kpi_id, source) of the active (or the inactive) catalogue KPIs; an empty `active` cell counts as active."""
    return con.execute(f"""
        select kpi_id, source from {spec.params.get('catalogue', 'seeds.kpi_catalogue')}
        where coalesce(active, true) = ? order by kpi_id""", [active]).fetchall()


def _kpis_of_facts_families(con: duckdb.DuckDBPyConnection, spec: CustomCheckSpec) -> set[str]:
    """The catalogue KPIs whose family (catalogue `family`, the model int_kpi__<f>) aggregates a facts model
    int_kpi_facts__<f> that this warehouse holds: the KPIs whose units marts.kpi_units lists (kpi_units is the
    union of the facts models; dbt macro kpi_families)."""
    return {k for (k,) in con.execute(f"""
        select c.kpi_id from {spec.params.get('catalogue', 'seeds.kpi_catalogue')} as c
        where starts_with(c.family, 'int_kpi__')
          and exists (select 1 from information_schema.tables as t
                      where t.table_name = replace(c.family, 'int_kpi__', 'int_kpi_facts__'))""").fetchall()}


def _kpis_with_rows(con: duckdb.DuckDBPyConnection, spec: CustomCheckSpec) -> set[str]:
    return {k for (k,) in con.execute(f"select distinct kpi_id from {spec.table}").fetchall()}


def catalogue_kpis_have_rows(ctx: CheckContext, spec: CustomCheckSpec) -> pd.DataFrame:
    """R7: an active catalogue KPI that is *required* has at least one row. Required is (docs/quality-gate.md):
    - a KPI whose units `marts.kpi_units` lists (its catalogue `family` has a facts model): when kpi_units
      holds a unit of it that
      gives a kpi_values row a value (a counted unit in the denominator, a counted unit of a count, a delivered
      row not left out for suppression with a denominator > 0, or a delivered count) - a KPI without
      qualifying units (no TOM youth, an absent optional export) has no rows and that is not an error;
    - any other KPI (a new catalogue row, VB02): when every source in its catalogue `source` delivered to the
      warehouse (params `source_tables`: a source delivered when one of its raw tables has rows; a source
      not listed there always counts as delivered, so a misspelt source fails loudly)."""
    p = spec.params
    with_rows = _kpis_with_rows(ctx.con, spec)
    units_kpis = _kpis_of_facts_families(ctx.con, spec)
    with_units = {k for (k,) in ctx.con.execute(f"""
        select distinct kpi_id from {p.get('units', 'marts.kpi_units')}
        where case when basis = 'aangeleverd'
                   then not excluded_provider
                        and (kind = 'count' and numerator_part is not null or denominator_part > 0)
                   else in_denominator or (kind = 'count' and in_numerator) end""").fetchall()} if units_kpis else set()
    source_tables: dict[str, list[str]] = p.get("source_tables", {})
    delivered = {s: any(_has_rows(ctx.con, t) for t in tables) for s, tables in source_tables.items()}
    missing = []
    for kpi_id, source in _catalogue(ctx.con, spec, active=True):
        if kpi_id in with_rows:
            continue
        if kpi_id in units_kpis:
            if kpi_id in with_units:
                missing.append({"kpi_id": kpi_id, "source": source,
                                "reason": "eenheden in marts.kpi_units, maar geen rij in kpi_values"})
        elif all(delivered.get(s, True) for s in _source_set(source)):
            missing.append({"kpi_id": kpi_id, "source": source,
                            "reason": "alle bronnen geleverd, maar geen rij: geen model berekent deze KPI"})
    return pd.DataFrame(missing, columns=["kpi_id", "source", "reason"])


def inactive_kpis_without_rows(ctx: CheckContext, spec: CustomCheckSpec) -> pd.DataFrame:
    """A catalogue KPI marked not yet active (`active = false`) that has rows all the same: a model computes
    it before the region set it active (a warning: set `active` to true once the definition is agreed)."""
    with_rows = _kpis_with_rows(ctx.con, spec)
    return pd.DataFrame([{"kpi_id": k, "source": s} for k, s in _catalogue(ctx.con, spec, active=False)
                         if k in with_rows], columns=["kpi_id", "source"])


def current_volumes(con: duckdb.DuckDBPyConnection, spec: CustomCheckSpec) -> dict[str, float]:
    """What a volume check compares: `rows:<table>` row counts and `kpi:<kpi_id>|<period>` region values."""
    out: dict[str, float] = {}
    for table in spec.params.get("tables", []):
        try:
            out[f"rows:{table}"] = float(con.execute(f"select count(*) from {table}").fetchone()[0])
        except duckdb.CatalogException:  # a table this warehouse does not have (yet) has no volume
            continue
    if spec.params.get("kpi_region_values"):
        for kpi_id, period, value in con.execute(f"""
                select kpi_id, period, value from {spec.table}
                where municipality_code is null and provider_agb is null and care_form is null
                  and value is not null""").fetchall():
            out[f"kpi:{kpi_id}|{period}"] = float(value)
    return out


def volume_vs_last_publication(ctx: CheckContext, spec: CustomCheckSpec) -> pd.DataFrame | Skipped:
    """A row count or region KPI value that moved by more than JEUGDKPI_VOLUME_FACTOR since the last
    publication (up or down; values that are zero on either side are not compared)."""
    previous = (ctx.previous_manifest or {}).get("volumes")
    if previous is None:
        return Skipped("geen eerdere publicatie: volumecontrole overgeslagen")
    current = current_volumes(ctx.con, spec)
    rows = []
    for key, now in sorted(current.items()):
        before = previous.get(key)
        if before is None or before == 0 or now == 0:
            continue
        ratio = max(now, before) / min(now, before)
        if abs(ratio) > ctx.volume_factor:
            rows.append({"measure": key, "previous": before, "current": now, "factor": round(abs(ratio), 2)})
    return pd.DataFrame(rows, columns=["measure", "previous", "current", "factor"])


CUSTOM_CHECKS: dict[str, Callable[[CheckContext, CustomCheckSpec], pd.DataFrame | Skipped]] = {
    "catalogue_kpis_present": catalogue_kpis_present,
    "catalogue_kpis_have_rows": catalogue_kpis_have_rows,
    "inactive_kpis_without_rows": inactive_kpis_without_rows,
    "volume_vs_last_publication": volume_vs_last_publication,
}
