"""The small-cell rule with complementary suppression (docs/kpi-definitions.md, docs/publication.md "Small-cell rule").

Unit scenarios on hand-made frames with hand-computed expectations, then an attack on the published demo region:
an attacker written independently of `publish/suppression.py` (it imports nothing from it) takes the published
`kpi_values` alone, enumerates every candidate additive relation (year vs half-years, region vs municipalities,
all providers vs providers, all care forms vs care forms) per measure, keeps those that hold in the working
warehouse for every complete instance of a KPI, measure and hierarchy (what an attacker could infer from the KPI's
definition), and tries to recover suppressed cells by (a) iterated single-cell subtraction and (b) linear algebra
over all relations of a KPI and measure. It must recover nothing from the publication, and it does recover cells
when only the primary rule is applied (so the attack is not toothless).
"""

from __future__ import annotations

import re
import time

import duckdb
import numpy as np
import pandas as pd
import pytest

from jeugdkpi.publish.suppression import suppress

MIN_CELL = 10
KEY = ["kpi_id", "period", "municipality_code", "provider_agb", "care_form"]


def row(kpi, period, muni=None, prov=None, form=None, *, num=None, den=None, n=None, value=None, unit="percentage"):
    if value is None and num is not None and den:
        value = 100.0 * num / den
    if n is None:
        n = den
    return {"kpi_id": kpi, "period": period, "period_start": None, "period_end": None, "municipality_code": muni,
            "provider_agb": prov, "care_form": form, "numerator": num, "denominator": den, "value": value,
            "unit": unit, "n_youths": n, "target": None, "target_met": None, "is_provisional": False,
            "is_partial": False, "is_suppressed": False, "source": "berichtenverkeer"}


def frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in ("numerator", "denominator", "value", "n_youths"):
        df[c] = df[c].astype("float64")
    df["n_youths"] = df["n_youths"].astype("Int32")
    df["target_met"] = df["target_met"].astype("boolean")
    return df


def catalogue(**rules) -> pd.DataFrame:
    return pd.DataFrame({"kpi_id": list(rules), "small_cell_rule": list(rules.values())})


def hidden(out: pd.DataFrame) -> set[tuple]:
    """(period, municipality, provider, care form) of the suppressed rows; None for a total."""
    s = out[out.is_suppressed]
    return {tuple(None if pd.isna(v) else v for v in r) for r in s[KEY[1:]].itertuples(index=False)}


# ----------------------------------------------------------------------------------------------- unit scenarios

def test_year_minus_half_year_attack_is_closed():
    # AP02 2024, gemeente 0303: year 22/30 = H1 18/21 + H2 4/9. H2 (denominator 9 < 10) is suppressed by the
    # primary rule; with H1 and the year published it would be 22/30 - 18/21 = 4/9. H1 is the smaller complement.
    df = frame([row("AP02", "2024", "0303", num=22, den=30), row("AP02", "2024-H1", "0303", num=18, den=21),
                row("AP02", "2024-H2", "0303", num=4, den=9)])
    out = suppress(df, MIN_CELL, catalogue(AP02=True))
    assert hidden(out) == {("2024-H2", "0303", None, None), ("2024-H1", "0303", None, None)}
    year = out[out.period == "2024"].iloc[0]
    assert not year.is_suppressed and (year.numerator, year.denominator, year.n_youths) == (22, 30, 30)
    for _, r in out[out.is_suppressed].iterrows():
        assert pd.isna(r.value) and pd.isna(r.numerator) and pd.isna(r.denominator) and pd.isna(r.n_youths)
        assert pd.isna(r.target_met)


def test_region_is_the_sum_of_municipalities():
    # VB10-like count (value = days, n = youths): region 40 = 25 + 4 + 11. 0303 (4) is primary; the smallest
    # other municipality (0995, 11) is the complement; the region (a total) stays published.
    df = frame([row("VB10", "2025", None, n=40, value=400, unit="count"),
                row("VB10", "2025", "0034", n=25, value=250, unit="count"),
                row("VB10", "2025", "0303", n=4, value=40, unit="count"),
                row("VB10", "2025", "0995", n=11, value=110, unit="count")])
    out = suppress(df, MIN_CELL, catalogue(VB10="true"))
    assert hidden(out) == {("2025", "0303", None, None), ("2025", "0995", None, None)}


def test_a_relation_that_does_not_add_up_needs_no_complement():
    # VB01-like distinct youths: 20 in H1, 8 in H2, 25 in the year (3 youths in both halves): 20 + 8 != 25, so
    # neither the year nor H1 gives H2 away; only the primary cell is suppressed.
    df = frame([row("VB01", "2025", n=25, value=25, unit="count"), row("VB01", "2025-H1", n=20, value=20, unit="count"),
                row("VB01", "2025-H2", n=8, value=8, unit="count")])
    out = suppress(df, MIN_CELL, catalogue(VB01=True))
    assert hidden(out) == {("2025-H2", None, None, None)}


@pytest.mark.parametrize("flag", [False, "false", "FALSE"])
def test_kpis_without_the_small_cell_rule_are_never_suppressed(flag):
    # KG01 scores (one conversation per provider) and AL01 (units: providers) are published even at n = 1;
    # a KPI the catalogue does not list (XX99) follows the rule.
    rows = [row("KG01", "2025", None, "75750001", n=1, value=7.0, unit="score"),
            row("KG01", "2025", None, "75750002", n=1, value=9.0, unit="score"),
            row("KG01", "2025", n=2, value=8.0, unit="score"),
            row("AL01", "2025-H1", num=2, den=3), row("AL01", "2025-H2", num=3, den=3),
            row("AL01", "2025", num=5, den=6),
            row("XX99", "2025", num=1, den=3)]
    out = suppress(frame(rows), MIN_CELL, catalogue(KG01=flag, AL01=flag))
    assert hidden(out) == {("2025", None, None, None)} and out[out.is_suppressed].kpi_id.tolist() == ["XX99"]
    kg = out[out.kpi_id == "KG01"]
    assert kg.value.tolist() == [7.0, 9.0, 8.0] and kg.n_youths.tolist() == [1, 1, 2]
    assert out[out.kpi_id == "AL01"].denominator.tolist() == [3, 3, 6]


def test_two_by_two_table_with_margins():
    # 2 municipalities x 2 half-years plus margins (numerator/denominator, n = denominator):
    #          H1      H2      year
    #   A     3/5   10/20    13/25
    #   B   12/15   20/30    32/45
    #   R   15/20   30/50    45/70
    # A-H1 (5) is primary. Its year row gives it away unless A-H2 goes too; the region H1 row unless B-H1 goes
    # too; then B's year row unless B-H2 goes: the four inner cells, all margins published. Each margin then
    # gives only a sum of two unknowns, and the four equations have rank 3: no inner cell is determined.
    rows = []
    for muni, cells in {"A": [(3, 5), (10, 20)], "B": [(12, 15), (20, 30)], None: [(15, 20), (30, 50)]}.items():
        (n1, d1), (n2, d2) = cells
        rows += [row("AP01", "2025-H1", muni, num=n1, den=d1), row("AP01", "2025-H2", muni, num=n2, den=d2),
                 row("AP01", "2025", muni, num=n1 + n2, den=d1 + d2)]
    out = suppress(frame(rows), MIN_CELL, catalogue(AP01=True))
    assert hidden(out) == {(p, m, None, None) for p in ("2025-H1", "2025-H2") for m in ("A", "B")}


# a count KPI (value = n) by 4 municipalities x 4 care forms with margins: two cycles of small cells and a bridge
BRIDGE_FORMS = ["ambulant", "pleegzorg", "gezinshuis", "gesloten"]
BRIDGE_GRID = {"m1": [3, 4, 10, 30], "m2": [5, 6, 7, 40], "m3": [50, 60, 8, 2], "m4": [70, 80, 9, 1]}
BRIDGE_ROWS = (
    [row("VB01", "2025", m, None, f, n=v, value=v, unit="count")
     for m, vs in BRIDGE_GRID.items() for f, v in zip(BRIDGE_FORMS, vs)]
    + [row("VB01", "2025", m, n=sum(vs), value=sum(vs), unit="count") for m, vs in BRIDGE_GRID.items()]
    + [row("VB01", "2025", None, None, f, n=s, value=s, unit="count")
       for f, s in zip(BRIDGE_FORMS, map(sum, zip(*BRIDGE_GRID.values())))]
    + [row("VB01", "2025", n=385, value=385, unit="count")])


def test_combined_attack_over_several_relations_is_closed():
    # BRIDGE_ROWS. Cells below 10 (primary):
    #            amb  pleeg  gezh  gesl | all
    #   m1        3     4    10    30   |  47
    #   m2        5     6     7    40   |  58
    #   m3       50    60     8     2   | 120
    #   m4       70    80     9     1   | 160
    #   region  128   150    34    73   | 385
    # Every row and column then holds 0 or >= 2 suppressed cells, so no single relation gives one away, but
    # together they do: row m1 gives amb + pleeg = 47 - 10 - 30 = 7, column amb m1 + m2 = 128 - 50 - 70 = 8,
    # column pleeg m1 + m2 = 150 - 60 - 80 = 10, so m2's amb + pleeg = 8 + 10 - 7 = 11 and row m2 gives
    # m2-gezh = 58 - 40 - 11 = 7. The exact check suppresses one more cell of a relation that holds m2-gezh:
    # of row m2 (gesl 40, all 58) and column gezh (m1 10, region 34) the smallest that closes it, m1-gezh (10).
    working = frame(BRIDGE_ROWS)
    out = suppress(working, MIN_CELL, catalogue(VB01=True))
    primary = {("2025", m, None, BRIDGE_FORMS[j]) for m, vs in BRIDGE_GRID.items() for j, v in enumerate(vs)
               if v < MIN_CELL}
    assert len(primary) == 9
    assert hidden(out) == primary | {("2025", "m1", None, "gezinshuis")}
    # and the attacker below, on the same relations, recovers nothing (hand check: m2-gezh no longer determined)
    assert attack(out, working).recovered == {}


def test_same_rows_in_any_order_give_the_same_publication():
    rows = [row("AP01", "2025-H1", m, num=k, den=d) for m, k, d in [("A", 3, 5), ("B", 12, 15), ("C", 9, 12)]]
    rows += [row("AP01", "2025-H1", None, num=24, den=32)]
    df = frame(rows)
    a = suppress(df, MIN_CELL, catalogue(AP01=True))
    b = suppress(df.iloc[::-1], MIN_CELL, catalogue(AP01=True))
    assert hidden(a) == hidden(b) == {("2025-H1", "A", None, None), ("2025-H1", "C", None, None)}


# ------------------------------------------------------------------------------------- the independent attacker

MEASURES = ("numerator", "denominator", "n_youths", "value")
HIERARCHIES = ("period", "municipality_code", "provider_agb", "care_form")
TOL = 1e-6


def _key(r) -> tuple:
    return tuple(None if pd.isna(r[c]) else str(r[c]) for c in KEY)


def _total_of(key: tuple, hierarchy: str) -> tuple | None:
    kpi, period, *_ = key
    if hierarchy == "period":
        m = re.fullmatch(r"(\d{4})-H[12]", period)
        return (kpi, m.group(1), *key[2:]) if m else None
    pos = KEY.index(hierarchy)
    return key[:pos] + (None,) + key[pos + 1:] if key[pos] is not None else None


def _instances(keys: list[tuple]) -> list[tuple[str, tuple, list[tuple]]]:
    """Every (hierarchy, total, parts) visible in the published keys."""
    present = set(keys)
    groups: dict[tuple, list[tuple]] = {}
    for k in keys:
        for h in HIERARCHIES:
            t = _total_of(k, h)
            if t is not None and t in present:
                groups.setdefault((h, t), []).append(k)
    return [(h, t, sorted(parts, key=str)) for (h, t), parts in sorted(groups.items(), key=str)]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(b))


class Attack:
    def __init__(self):
        self.recovered: dict[tuple, float] = {}   # (key, measure) -> correctly recovered value
        self.by_subtraction = 0
        self.by_rank = 0
        self.relations_used: set[tuple] = set()   # (kpi, measure, hierarchy)


def _components(eqs: list[list[tuple]]) -> list[list[tuple]]:
    """Groups of unknown cells linked by sharing an equation (each equation lists its unknown cells)."""
    parent: dict[tuple, tuple] = {}

    def root(k):
        while parent.setdefault(k, k) != k:
            k = parent[k]
        return k

    for cells in eqs:
        for k in cells[1:]:
            parent[root(k)] = root(cells[0])
        if cells:
            root(cells[0])
    groups: dict[tuple, list[tuple]] = {}
    for k in parent:
        groups.setdefault(root(k), []).append(k)
    return [sorted(g, key=str) for g in groups.values()]


def attack(published: pd.DataFrame, working: pd.DataFrame) -> Attack:
    """Recover suppressed cells of `published` from its published cells, using the relations that hold in
    `working` for every complete instance of a (KPI, measure, hierarchy). A cell counts as recovered only when
    the recovered value equals the working value."""
    pub = {_key(r): r for r in published.to_dict("records")}
    true = {_key(r): r for r in working.to_dict("records")}
    instances = _instances(list(pub))
    # which (kpi, measure, hierarchy) relations an attacker may rely on
    verdict: dict[tuple, bool] = {}
    for h, t, parts in instances:
        for m in MEASURES:
            cells = [true[t][m]] + [true[p][m] for p in parts]
            if any(pd.isna(v) for v in cells):
                continue  # not a complete instance
            ok = _close(sum(cells[1:]), cells[0])
            verdict[(t[0], m, h)] = verdict.get((t[0], m, h), True) and ok
    result = Attack()
    result.relations_used = {k for k, ok in verdict.items() if ok}
    equations: dict[tuple, list[tuple[tuple, list[tuple]]]] = {}  # (kpi, measure) -> [(total, parts)]
    for h, t, parts in instances:
        for m in MEASURES:
            if verdict.get((t[0], m, h)):
                equations.setdefault((t[0], m), []).append((t, parts))

    def unknown(k) -> bool:
        return bool(pub[k]["is_suppressed"])

    def published_value(k, m) -> float | None:
        v = pub[k][m]
        return None if unknown(k) or pd.isna(v) else float(v)

    def is_right(k, m, v) -> bool:
        return not pd.isna(true[k][m]) and _close(v, float(true[k][m]))

    for (_kpi, m), eqs in sorted(equations.items()):
        # (a) iterated single-cell subtraction
        known = {k: published_value(k, m) for t, parts in eqs for k in [t, *parts]
                 if published_value(k, m) is not None}
        progress = True
        while progress:
            progress = False
            for t, parts in eqs:
                missing = [k for k in [t, *parts] if unknown(k) and k not in known]
                if len(missing) != 1:
                    continue
                x = missing[0]
                rest = sum(known[p] for p in parts if p in known and p != x)
                known[x] = rest if x == t else known[t] - rest
                progress = True
                if is_right(x, m, known[x]):
                    result.recovered[(x, m)] = known[x]
                    result.by_subtraction += 1
        # (b) linear algebra over all equations of this KPI and measure, per group of linked unknowns: a cell is
        # determined when every solution of the homogeneous system is zero in it (its column of the null space)
        signed = [[(t, 1.0)] + [(p, -1.0) for p in parts] for t, parts in eqs]
        for group in _components([[k for k, _ in eq if unknown(k)] for eq in signed]):
            col = {k: j for j, k in enumerate(group)}
            a, b = [], []
            for eq in signed:
                if not any(k in col for k, _ in eq):
                    continue
                coef, rhs = np.zeros(len(group)), 0.0
                for k, sign in eq:
                    if k in col:
                        coef[col[k]] += sign
                    elif published_value(k, m) is not None:
                        rhs -= sign * published_value(k, m)
                a.append(coef)
                b.append(rhs)
            a, b = np.array(a), np.array(b)
            rank = np.linalg.matrix_rank(a)
            null = np.linalg.svd(a)[2][rank:]          # rows span the null space
            x = np.linalg.lstsq(a, b, rcond=None)[0]
            for j, k in enumerate(group):
                if np.abs(null[:, j]).max(initial=0.0) < 1e-9 and is_right(k, m, x[j]):
                    if (k, m) not in result.recovered:
                        result.by_rank += 1
                    result.recovered[(k, m)] = float(x[j])
    return result


def test_the_attacker_recovers_what_pairwise_protection_leaves_open():
    # the hand example of the combined attack, with only the nine primary cells suppressed: subtraction alone
    # recovers nothing (every row and column has 0 or >= 2 unknowns), the rank test recovers m2-gezinshuis (7)
    working = frame(BRIDGE_ROWS)
    published = working.assign(is_suppressed=working.n_youths < MIN_CELL)
    result = attack(published, working)
    assert result.by_subtraction == 0
    cell = ("VB01", "2025", "m2", None, "gezinshuis")
    assert result.recovered == pytest.approx({(cell, "n_youths"): 7.0, (cell, "value"): 7.0})


# ------------------------------------------------------------------------------------ the published demo region

def _published_kpi_values(publish) -> pd.DataFrame:
    """The published table through `current` (or the stable entry point, or the DuckDB file as fallback)."""
    for path in (publish / "current" / "kpi_values.parquet", publish / "kpi_values.parquet"):
        if path.exists():
            return pd.read_parquet(path)
    for path in (publish / "current" / "kpi.duckdb", publish / "kpi.duckdb"):
        if path.exists():
            with duckdb.connect(str(path), read_only=True) as con:
                return con.execute("SELECT * FROM kpi_values").df()
    pytest.fail(f"no published kpi_values under {publish}")


@pytest.fixture(scope="module")
def demo(demo_run):
    published = _published_kpi_values(demo_run.settings.publish)
    with duckdb.connect(str(demo_run.settings.warehouse), read_only=True) as con:
        working = con.execute("SELECT * FROM marts.kpi_values").df()
        cat = con.execute("SELECT kpi_id, small_cell_rule FROM seeds.kpi_catalogue").df()
    return published, working, cat


def test_demo_publication_gives_no_suppressed_cell_away(demo):
    published, working, cat = demo
    assert sorted(map(_key, published.to_dict("records")), key=str) == \
        sorted(map(_key, working.to_dict("records")), key=str)
    exempt = set(cat.kpi_id[~cat.small_cell_rule.astype(str).str.lower().isin(["true"])])
    rule = ~working.kpi_id.isin(exempt)
    primary = rule & ((working.n_youths < MIN_CELL) | (working.denominator < MIN_CELL)).fillna(False)
    # the old rule's starting point: only the primary cells hidden; the attack recovers some of them
    started = time.perf_counter()
    before = attack(working.assign(is_suppressed=primary.to_numpy()), working)
    after = attack(published, working)
    took = time.perf_counter() - started
    print(f"\nprimary only: {int(primary.sum())} rows suppressed, {len(before.recovered)} (cell, measure) "
          f"recovered ({before.by_subtraction} by subtraction, {before.by_rank} by rank); published: "
          f"{int(published.is_suppressed.sum())} rows suppressed, {len(after.recovered)} recovered; "
          f"{len(after.relations_used)} (kpi, measure, hierarchy) relations known to the attacker; {took:.1f}s")
    assert before.by_subtraction > 0 and len(before.recovered) > 0
    assert after.recovered == {}
    # every primary cell is suppressed in the publication, and suppressed rows carry no values
    both = published.merge(working[KEY].assign(primary=primary.to_numpy()), on=KEY)
    assert len(both) == len(published) and both.is_suppressed[both.primary].all()
    hid = published[published.is_suppressed]
    assert hid[["value", "numerator", "denominator", "n_youths", "target_met"]].isna().all().all()


def test_demo_scores_and_delivery_rate_are_never_suppressed(demo):
    published, working, cat = demo
    exempt = ["KG01", "KG02", "KG03", "KG04", "AL01"]
    assert set(cat.kpi_id[cat.small_cell_rule.astype(str).str.lower() == "false"]) == set(exempt)
    pub = published[published.kpi_id.isin(exempt)]
    work = working[working.kpi_id.isin(exempt)]
    assert len(pub) == len(work) > 0 and not pub.is_suppressed.any()
    # they would be suppressed by the small-cell rule: their n (conversations, providers) is small
    small = ((work.n_youths < MIN_CELL) | (work.denominator < MIN_CELL)).fillna(False)
    assert small.any()
    merged = pub.merge(work, on=KEY, suffixes=("", "_w"))
    assert len(merged) == len(pub)
    for c in ("value", "n_youths"):
        same = (merged[c] == merged[f"{c}_w"]) | (merged[c].isna() & merged[f"{c}_w"].isna())
        assert same.all(), c
