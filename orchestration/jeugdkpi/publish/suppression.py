"""The small-cell rule of docs/kpi-definitions.md, applied to `kpi_values` at publication (docs/publication.md).

Only KPIs whose catalogue row has `small_cell_rule = true` (or that the catalogue does not list) follow the
rule; the rows of the others (quality scores KG01-KG04, AL01: their units are not youths) are never suppressed.

1. Primary: a row whose n_youths or denominator is below the minimum cell size is suppressed.
2. Relations: every hierarchy that can add up - year = H1 + H2, region = sum of municipalities, all providers
   = sum of providers, all care forms = sum of care forms (the other key columns equal) - is checked per
   measure (numerator, denominator, n_youths, value) on the unsuppressed values. A relation instance (one
   total, its parts, one measure) is an attack surface when it holds exactly (parts whose measure is NULL
   are absent from it). No hand-kept list of additive KPIs or units: what adds up in the data is protected
   (a count adds up, a distinct count over half-years or a percentage does not - unless it happens to, e.g.
   a total of 0 with parts of 0, or a total with a single part).
3. Complementary (pairwise): in every such relation either 0 or at least 2 cells are suppressed; a relation
   with exactly one suppressed cell gets its smallest unsuppressed part suppressed too (smallest n_youths,
   denominator, numerator, |value|, then the key), the total only when no part is left. Until stable.
4. Exact check: per KPI and measure, all exact relations form a linear system in the suppressed cells
   (published cells are known). A suppressed cell is recoverable by combining relations iff its unit vector
   lies in the row space of the coefficient matrix on the unknowns; while one is, one more cell of a relation
   that holds it is suppressed (the smallest one that makes it undetermined), then step 3 again. A cell whose
   relations are suppressed entirely and still fix it (only at 0: e.g. a region half-year row of 0 youths
   without breakdown rows, next to a year row equal to the other half-year) cannot be hidden by suppressing
   more; it stays suppressed.

Suppressed: value, numerator, denominator, n_youths and target_met become NULL, is_suppressed true. A change
target (base-year value x (1 + pct/100)) whose base-year row of the same grain is suppressed is not published
either (target and target_met NULL): it would give the base-year value away.
Deterministic: the same rows in any order give the same result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jeugdkpi import periods

KEY = ["kpi_id", "period", "municipality_code", "provider_agb", "care_form"]
MEASURES = ["numerator", "denominator", "n_youths", "value"]
SUPPRESSED_COLUMNS = ["value", "numerator", "denominator", "n_youths", "target_met"]
# position in KEY of each breakdown dimension (the period hierarchy is handled apart)
BREAKDOWN_POSITIONS = (2, 3, 4)
EXACT = 1e-9            # relative: a total equals the sum of its parts
RANK_TOLERANCE = 1e-9   # singular values below this (relative) count as zero
DETERMINED = 1 - 1e-7  # a diagonal entry of the row-space projector at 1: the unit vector lies in the row space
MAX_CANDIDATE_TRIES = 8


def primary_mask(df: pd.DataFrame, min_cell: int) -> pd.Series:
    small_n = df["n_youths"].notna() & (df["n_youths"] < min_cell)
    small_d = df["denominator"].notna() & (df["denominator"] < min_cell)
    return (small_n | small_d).fillna(False).astype(bool)


def rule_applies(kpi_ids: pd.Series, catalogue: pd.DataFrame) -> pd.Series:
    """True for rows of KPIs that follow the small-cell rule (catalogue small_cell_rule true, bool or text);
    a KPI the catalogue does not list follows the rule."""
    def truthy(v) -> bool:
        if isinstance(v, str):
            return v.strip().lower() not in ("false", "f", "0", "no", "nee", "")
        return True if pd.isna(v) else bool(v)

    exempt = {k for k, v in zip(catalogue["kpi_id"], catalogue["small_cell_rule"]) if not truthy(v)}
    return ~kpi_ids.isin(exempt)


def _parents(key: tuple) -> list[tuple[int, tuple]]:
    """The totals one row is a part of, with the hierarchy (position in KEY) of each: its year (for a
    half-year) and its total over each breakdown."""
    out = []
    m = periods.HALF_YEAR_RE.match(key[1] or "")
    if m:
        out.append((1, (key[0], m.group(1)) + key[2:]))
    for pos in BREAKDOWN_POSITIONS:
        if key[pos] is not None:
            out.append((pos, key[:pos] + (None,) + key[pos + 1:]))
    return out


def _relations(keys: list[tuple], values: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Exact relations among the rows of one KPI: (measure index, total position, part positions), for each
    total, its parts and each measure where the total equals the sum of the parts with a value."""
    index = {k: i for i, k in enumerate(keys)}
    parts: dict[tuple[int, int], list[int]] = {}  # (total position, hierarchy) -> part positions
    for i, k in enumerate(keys):
        for hierarchy, parent in _parents(k):
            t = index.get(parent)
            if t is not None:
                parts.setdefault((t, hierarchy), []).append(i)
    out = []
    for t, hierarchy in sorted(parts):
        members = np.array(sorted(parts[(t, hierarchy)]))
        for m in range(values.shape[1]):
            total = values[t, m]
            if np.isnan(total):
                continue
            vals = values[members, m]
            present = members[~np.isnan(vals)]
            if len(present) == 0:
                continue
            s = vals[~np.isnan(vals)].sum()
            if abs(s - total) <= EXACT * max(1.0, abs(total)):
                out.append((m, t, present))
    return out


def _pairwise(cells: list[np.ndarray], totals: list[int], supp: np.ndarray, order: np.ndarray) -> None:
    """Until stable: every relation with exactly one suppressed cell gets its cheapest unsuppressed part
    (else its total) suppressed too. `order[i]` ranks row i by size (smaller first)."""
    changed = True
    while changed:
        changed = False
        for rel, t in zip(cells, totals):
            hidden = supp[rel]
            if hidden.sum() != 1:
                continue
            open_parts = [i for i in rel[~hidden] if i != t]
            pick = min(open_parts, key=order.__getitem__) if open_parts else t
            supp[pick] = True
            changed = True


def _determined(equations: list[tuple[int, np.ndarray]], unknown: np.ndarray) -> set[int]:
    """Rows among `unknown` (positions) whose value follows from the equations total = sum(parts) with all
    other cells known: e_i in the row space of the coefficient matrix restricted to the unknowns."""
    col = {int(u): j for j, u in enumerate(unknown)}
    # connected components of unknowns sharing an equation (union-find), so each matrix stays small
    parent = list(range(len(unknown)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    rows = []
    for t, parts in equations:
        coef = {}
        if t in col:
            coef[col[t]] = 1.0
        for p in parts:
            if p in col:
                coef[col[int(p)]] = -1.0
        if coef:
            rows.append(coef)
            first, *rest = coef
            for j in rest:
                parent[find(j)] = find(first)
    groups: dict[int, list[dict]] = {}
    for coef in rows:
        groups.setdefault(find(next(iter(coef))), []).append(coef)
    out: set[int] = set()
    for eqs in groups.values():
        cols = sorted({j for coef in eqs for j in coef})
        local = {j: c for c, j in enumerate(cols)}
        a = np.zeros((len(eqs), len(cols)))
        for r, coef in enumerate(eqs):
            for j, v in coef.items():
                a[r, local[j]] = v
        _, s, vt = np.linalg.svd(a, full_matrices=False)
        rank = int((s > RANK_TOLERANCE * max(1.0, s[0] if len(s) else 0.0) * max(a.shape)).sum())
        projector_diag = (vt[:rank] ** 2).sum(axis=0)
        out.update(int(unknown[cols[c]]) for c in np.nonzero(projector_diag > DETERMINED)[0])
    return out


def _linked(equations: list[tuple[int, np.ndarray]], supp: np.ndarray, cell: int) -> list[np.ndarray]:
    """The cells of every equation linked to `cell` through suppressed cells (its component)."""
    rows = [np.concatenate(([t], parts)) for t, parts in equations]
    reached, frontier, out, used = {cell}, {cell}, [], set()
    while frontier:
        found = set()
        for r, cells in enumerate(rows):
            if r not in used and frontier.intersection(cells.tolist()):
                used.add(r)
                out.append(cells)
                found.update(int(i) for i in cells if supp[i] and int(i) not in reached)
        reached |= found
        frontier = found
    return out


def _complement(equations, supp: np.ndarray, leak: int, order: np.ndarray) -> int | None:
    """The cell to suppress so that `leak` is no longer determined: of the open cells of the equations holding
    it (else of its component), smallest first, the first one that closes it (else the smallest). None when
    its component has no open cell (the equations then say it is 0 whatever is suppressed)."""
    linked = _linked(equations, supp, leak)
    direct = [c for c in linked if leak in c]
    for group in (direct, linked):
        near = sorted({int(i) for cells in group for i in cells if not supp[i]}, key=order.__getitem__)
        if near:
            break
    else:
        return None
    unknown = np.nonzero(supp)[0]
    for cand in near[:MAX_CANDIDATE_TRIES]:
        if leak not in _determined(equations, np.sort(np.append(unknown, cand))):
            return cand
    return near[0]


def _protect_kpi(keys: list[tuple], values: np.ndarray, supp: np.ndarray, order: np.ndarray) -> None:
    """Complementary suppression for the rows of one KPI (in place on `supp`)."""
    relations = _relations(keys, values)
    if not relations:
        return
    seen = {}
    for _, t, parts in relations:
        seen.setdefault((t, tuple(parts)), (t, np.concatenate(([t], parts))))
    totals = [t for t, _ in seen.values()]
    cells = [c for _, c in seen.values()]
    by_measure: dict[int, list[tuple[int, np.ndarray]]] = {}
    for m, t, parts in relations:
        by_measure.setdefault(m, []).append((t, parts))
    beyond_reach: set[tuple[int, int]] = set()  # (measure, cell) determined as 0 by fully suppressed equations
    while True:
        _pairwise(cells, totals, supp, order)
        pick = None
        for m in sorted(by_measure):
            leaks = sorted(_determined(by_measure[m], np.nonzero(supp)[0]), key=order.__getitem__)
            for leak in leaks:
                if (m, leak) in beyond_reach:
                    continue
                pick = _complement(by_measure[m], supp, leak, order)
                if pick is not None:
                    break
                beyond_reach.add((m, leak))
            if pick is not None:
                break
        if pick is None:
            return
        supp[pick] = True  # then the pairwise step again, and every measure again


def _size_order(df: pd.DataFrame) -> np.ndarray:
    """Rank of each row (df in canonical order) by size: n_youths, denominator, numerator, |value|, key."""
    inf = float("inf")
    cols = [df["n_youths"].astype("float64").fillna(inf), df["denominator"].fillna(inf),
            df["numerator"].fillna(inf), df["value"].abs().fillna(inf)]
    ranked = np.lexsort(tuple(c.to_numpy() for c in reversed(cols)))
    # ties beyond the values fall back on the canonical (key) order, which lexsort keeps (stable)
    order = np.empty(len(df), dtype=np.int64)
    order[ranked] = np.arange(len(df))
    return order


def suppression_mask(kpi_values: pd.DataFrame, min_cell: int, catalogue: pd.DataFrame) -> pd.Series:
    """Which rows of kpi_values the small-cell rule suppresses (index aligned with kpi_values)."""
    canon = kpi_values[KEY].astype(object).where(kpi_values[KEY].notna(), None)
    sort_keys = canon.fillna("").astype(str)
    perm = np.lexsort(tuple(sort_keys[c].to_numpy() for c in reversed(KEY)))
    df = kpi_values.iloc[perm].reset_index(drop=True)
    keys = list(canon.iloc[perm].itertuples(index=False, name=None))
    applies = rule_applies(df["kpi_id"], catalogue).to_numpy()
    supp = primary_mask(df, min_cell).to_numpy() & applies
    values = df[MEASURES].astype("float64").to_numpy()
    order = _size_order(df)
    kpi = df["kpi_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, kpi[1:] != kpi[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(df)]):
        if not applies[start] or not supp[start:end].any():
            continue
        local = supp[start:end].copy()
        _protect_kpi(keys[start:end], values[start:end], local, order[start:end])
        supp[start:end] = local
    out = np.empty(len(df), dtype=bool)
    out[perm] = supp
    return pd.Series(out, index=kpi_values.index)


def suppress(kpi_values: pd.DataFrame, min_cell: int, catalogue: pd.DataFrame) -> pd.DataFrame:
    """A copy of kpi_values with the small-cell rule applied (is_suppressed set, values NULL)."""
    df = kpi_values.reset_index(drop=True).copy()
    suppressed = suppression_mask(df, min_cell, catalogue)
    for col in SUPPRESSED_COLUMNS:
        df[col] = df[col].astype(object).where(~suppressed, None) if col == "target_met" else \
            df[col].where(~suppressed)
    # a change target is base-year value x (1 + pct/100): it would give a suppressed base-year value away
    hidden = _base_suppressed(df, suppressed, catalogue)
    df["target"] = df["target"].where(~hidden)
    df["target_met"] = df["target_met"].astype(object).where(~hidden, None)
    df["n_youths"] = df["n_youths"].astype("Int32")
    df["target_met"] = df["target_met"].astype("boolean")
    df["is_suppressed"] = suppressed.to_numpy()
    return df


def _base_suppressed(df: pd.DataFrame, suppressed: pd.Series, catalogue: pd.DataFrame) -> pd.Series:
    """Rows whose target is a change target (catalogue target_type change_pct_vs_base) computed from a base-year row
    of the same grain that is suppressed: their target and target_met are not published."""
    none = pd.Series(False, index=df.index)
    if not {"target_type", "base_year"} <= set(catalogue.columns):
        return none
    change = catalogue[catalogue["target_type"] == "change_pct_vs_base"].dropna(subset=["base_year"])
    base_year = {k: str(int(float(y))) for k, y in zip(change["kpi_id"], change["base_year"])}
    if not base_year:
        return none
    grain = ["kpi_id", "municipality_code", "provider_agb", "care_form"]
    keys = list(df[grain].astype(object).where(df[grain].notna(), None).itertuples(index=False, name=None))
    hidden_bases = {k for k, period, s in zip(keys, df["period"], suppressed)
                    if s and base_year.get(k[0]) == str(period)}
    return pd.Series([k in hidden_bases for k in keys], index=df.index)
