"""The small-cell rule of kpi-definitions §5, applied to `kpi_values` at publication.

Primary: a row whose n_youths or denominator is below the minimum cell size is suppressed.
Secondary: when exactly one member of a breakdown of a total is suppressed - one municipality of the
municipalities that make up the total (same KPI, period, provider and care form), one provider of a total
(same KPI, period, municipality and care form), or one care form of the all-forms total - the next-smallest
unsuppressed sibling is suppressed too, so the hidden value cannot be recovered by subtracting the others
from the total. Repeated until nothing changes (a secondary suppression can leave a single suppressed member
in another breakdown). The total rows themselves (e.g. the region row) are never suppressed by the secondary
rule; they follow the primary rule only.

Suppressed: value, numerator, denominator, n_youths and target_met become NULL, is_suppressed true.
"""

from __future__ import annotations

import pandas as pd

KEY = ["kpi_id", "period", "municipality_code", "provider_agb", "care_form"]
# breakdown dimension -> the columns that identify its total
BREAKDOWNS = {
    "municipality_code": ["kpi_id", "period", "provider_agb", "care_form"],
    "provider_agb": ["kpi_id", "period", "municipality_code", "care_form"],
    "care_form": ["kpi_id", "period", "municipality_code", "provider_agb"],
}
SUPPRESSED_COLUMNS = ["value", "numerator", "denominator", "n_youths", "target_met"]


def primary_mask(df: pd.DataFrame, min_cell: int) -> pd.Series:
    small_n = df["n_youths"].notna() & (df["n_youths"] < min_cell)
    small_d = df["denominator"].notna() & (df["denominator"] < min_cell)
    return (small_n | small_d).fillna(False).astype(bool)


def _secondary_round(df: pd.DataFrame, suppressed: pd.Series) -> pd.Series:
    added = pd.Series(False, index=df.index)
    for dim, total_cols in BREAKDOWNS.items():
        members = df[df[dim].notna()]
        if members.empty:
            continue
        keys = members[total_cols].astype(object).where(members[total_cols].notna(), "\x00")
        for _, idx in members.groupby([keys[c] for c in total_cols], sort=False).groups.items():
            hidden = suppressed.loc[idx] | added.loc[idx]
            if hidden.sum() != 1:
                continue
            open_rows = df.loc[idx][~hidden.values]
            if open_rows.empty:
                continue
            order = open_rows.assign(_n=open_rows["n_youths"].fillna(float("inf")),
                                     _d=open_rows["denominator"].fillna(float("inf")),
                                     _k=open_rows[dim].astype(str))
            victim = order.sort_values(["_n", "_d", "_k"]).index[0]
            added.loc[victim] = True
    return added


def suppress(kpi_values: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """A copy of kpi_values with the small-cell rule applied (is_suppressed set, values NULL)."""
    df = kpi_values.reset_index(drop=True).copy()
    suppressed = primary_mask(df, min_cell)
    while True:
        added = _secondary_round(df, suppressed)
        if not added.any():
            break
        suppressed = suppressed | added
    for col in SUPPRESSED_COLUMNS:
        df[col] = df[col].astype(object).where(~suppressed, None) if col == "target_met" else \
            df[col].where(~suppressed)
    df["n_youths"] = df["n_youths"].astype("Int32")
    df["target_met"] = df["target_met"].astype("boolean")
    df["is_suppressed"] = suppressed.values
    return df
