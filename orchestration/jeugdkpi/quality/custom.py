"""Checks GX Core has no built-in for. Each returns a DataFrame of violating rows (empty = passed), or a
`Skipped` note; the runner records them in `audit.validation_results` like any GX expectation.

Registered by name in `CUSTOM_CHECKS`; a suite lists them under `meta.custom_checks` (docs/quality-gate.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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


def stay_period_gaps(ctx: CheckContext, spec: CustomCheckSpec) -> pd.DataFrame:
    """G4: consecutive stay periods of a youth neither overlap nor touch - the next one starts more than
    4 calendar months after the previous one ended, and nothing follows an open period."""
    return ctx.con.execute(f"""
        with p as (
            select youth_key, period_number, start_date, end_date,
                   lead(period_number) over w as next_period_number,
                   lead(start_date) over w as next_start_date
            from {spec.table}
            window w as (partition by youth_key order by period_number)
        )
        select * from p
        where next_start_date is not null
          and (end_date is null or next_start_date <= cast(end_date + interval 4 month as date))
        order by youth_key, period_number
    """).df()


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


def targets_evaluated(ctx: CheckContext, spec: CustomCheckSpec) -> pd.DataFrame:
    """Targets are evaluated: every region year row from the catalogue's target year on has its target (for a
    change target: when the base year has a value) and target_met."""
    catalogue = spec.params.get("catalogue", "seeds.kpi_catalogue")
    return ctx.con.execute(f"""
        with region as (
            select * from {spec.table}
            where municipality_code is null and provider_agb is null and care_form is null and length(period) = 4
        )
        select r.kpi_id, r.period, r.value, r.target, r.target_met, c.target_type, c.target_value
        from region as r
        join {catalogue} as c on c.kpi_id = r.kpi_id
        where c.target_type is not null and r.value is not null
          and (c.target_year is null or cast(r.period as integer) >= c.target_year)
          and (c.target_type = 'absolute'
               or exists (select 1 from region as b where b.kpi_id = r.kpi_id
                          and b.period = cast(c.base_year as varchar) and b.value is not null))
          and (r.target is null or r.target_met is null
               or (c.target_type = 'absolute' and r.target <> c.target_value))
        order by r.kpi_id, r.period
    """).df()


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
    "stay_period_gaps": stay_period_gaps,
    "catalogue_kpis_present": catalogue_kpis_present,
    "targets_evaluated": targets_evaluated,
    "volume_vs_last_publication": volume_vs_last_publication,
}
