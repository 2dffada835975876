"""The pure parts of the benchmark: the figures of issue 18 with their targets, medians, growth exponents and
the Markdown tables (no timing, no processes: tests/test_bench.py)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The sizes the figures of issue 18 were measured at; a verdict at another size would compare different things.
ISSUE_SIZES = {"demo": 3_000, "rerun": 3_000, "small": 100, "scale 1x": 3_000, "scale 4x": 12_000, "scale 10x": 30_000}


@dataclass(frozen=True)
class Reference:
    """One historical figure of issue 18 (`old`, as written there) and, when the issue set one, its target."""

    scenario: str
    metric: str            # a key of a run record; "step:<key>" is the time of that Dagster step
    old: str
    target: float | None = None
    higher_is_better: bool = False

    def met(self, value: float) -> bool:
        return value >= self.target if self.higher_is_better else value <= self.target


GB = 1e9
# Issue 18 "jeugdkpi speed": what was measured before the work on it, and the targets.
REFERENCES: tuple[Reference, ...] = (
    Reference("demo", "wall_s", "2:04–2:55 (median ~2:30)", 60),
    Reference("demo", "startup_s", "~30 s"),
    Reference("demo", "peak_rss_bytes", "1.2–1.3 GB"),
    Reference("demo", "step:ingest_berichten", "8–25 s"),
    Reference("demo", "step:raw__berichten_gx_raw_berichten", "6.6–9 s"),
    Reference("demo", "step:dbt_warehouse", "59–80 s"),
    Reference("demo", "step:published__kpi", "12–14 s"),
    Reference("rerun", "pct_of_full", "~85 %", 10),
    Reference("small", "wall_s", "~104 s", 15),
    Reference("small", "startup_s", "~16 s"),
    Reference("scale 4x", "wall_s", "4:41"),
    Reference("scale 4x", "peak_rss_bytes", "2.7 GB"),
    Reference("scale 10x", "wall_s", "14:03", 180),
    Reference("scale 10x", "peak_rss_bytes", "5.3 GB", 4 * GB),
    # "40–42 % of a one-process bare lxml parse = ~21 % per core": the target is per core (rate / workers)
    Reference("ingest", "ratio_pct", "40–42 %"),
    Reference("ingest", "per_core_pct", "~21 %", 40, higher_is_better=True),
)

LABELS = {
    "wall_s": "wall time", "startup_s": "before the first step", "after_last_step_s": "after the last step",
    "peak_rss_bytes": "peak RSS (process tree)", "records_in": "records in", "dbt_elapsed_s": "dbt elapsed_time",
    "pct_of_full": "time as % of the full run", "loadavg_before": "load average before (1 min)",
    "loadavg_after": "load average after (1 min)", "bare_s": "bare lxml parse (1 process)",
    "ingest_s": "full ingest (workers)", "bare_rate": "bare parse records/s", "ingest_rate": "ingest records/s",
    "ratio_pct": "ingest rate as % of bare parse", "per_core_pct": "ingest rate per worker as % of bare parse",
    "workers": "ingest workers", "main_cpu_s": "CPU main process", "workers_cpu_s": "CPU workers",
}


def growth_exponent(t1: float | None, t2: float | None, n1: float | None, n2: float | None) -> float | None:
    """log(t2/t1) / log(n2/n1): 1 is linear growth, 2 quadratic; None when a value is missing or not positive."""
    if not all(isinstance(v, int | float) and v > 0 for v in (t1, t2, n1, n2)) or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def value(run: dict, metric: str) -> float | None:
    if metric.startswith("step:"):
        return (run.get("steps") or {}).get(metric[5:])
    v = run.get(metric)
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def fmt(metric: str, v: float | None) -> str:
    """A value for the table: durations as s or m:ss, sizes in GB, percentages, counts with thousands."""
    if v is None:
        return "—"
    if metric.endswith("_s") or metric.startswith("step:"):
        if v >= 60:
            m, s = divmod(round(v), 60)
            return f"{m}:{s:02d}"
        return f"{v:.1f} s"
    if metric.endswith("_bytes"):
        return f"{v / GB:.2f} GB"
    if metric.endswith("_pct") or metric.startswith("pct_"):
        return f"{v:.1f} %"
    if metric.startswith("loadavg"):
        return f"{v:.2f}"
    return f"{v:,.0f}"


def fmt_target(ref: Reference | None) -> str:
    if ref is None or ref.target is None:
        return ""
    return ("≥ " if ref.higher_is_better else "≤ ") + fmt(ref.metric, ref.target)


def verdict(ref: Reference | None, v: float | None, comparable: bool = True) -> str:
    if ref is None or ref.target is None:
        return ""
    if v is None:
        return "—"
    if not comparable:
        return "n.v.t. (andere omvang)"
    return "gehaald" if ref.met(v) else "niet gehaald"


def step_keys(runs: Sequence[dict]) -> list[str]:
    """Every step key of the runs, in the order the first run that has it started it."""
    keys: list[str] = []
    for run in runs:
        keys += [k for k in run.get("steps") or {} if k not in keys]
    return keys


def scenario_table(scenario: str, runs: Sequence[dict], metrics: Sequence[str], *, comparable: bool = True,
                   references: Sequence[Reference] = REFERENCES) -> str:
    """A Markdown table: one row per metric, the figure of issue 18 and the target beside every run, the median
    and the verdict (of the median against the target)."""
    refs = {r.metric: r for r in references if r.scenario == scenario}
    head = ["measure", "issue 18 (oud)", "target", *(f"run {i}" for i in range(1, len(runs) + 1)), "median",
            "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for metric in metrics:
        ref = refs.get(metric)
        values = [value(r, metric) for r in runs]
        if ref is None and all(v is None for v in values):
            continue
        mid = median(values)
        label = f"step {metric[5:]}" if metric.startswith("step:") else LABELS.get(metric, metric)
        cells = [label, ref.old if ref else "", fmt_target(ref), *(fmt(metric, v) for v in values),
                 fmt(metric, mid), verdict(ref, mid, comparable)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def growth_table(scales: Sequence[tuple[str, list[dict]]], metrics: Sequence[str]) -> str:
    """Growth exponents between consecutive scales for each metric, of the medians, against records in."""
    head = ["measure", *(f"{a} → {b}" for (a, _), (b, _) in zip(scales, scales[1:]))]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    records = [median(value(r, "records_in") for r in runs) for _, runs in scales]
    for metric in metrics:
        mids = [median(value(r, metric) for r in runs) for _, runs in scales]
        exps = [growth_exponent(mids[i], mids[i + 1], records[i], records[i + 1]) for i in range(len(scales) - 1)]
        label = f"step {metric[5:]}" if metric.startswith("step:") else LABELS.get(metric, metric)
        lines.append("| " + " | ".join([label, *("—" if e is None else f"{e:.2f}" for e in exps)]) + " |")
    return "\n".join(lines)


def slowest_nodes_table(run: dict) -> str:
    nodes = (run.get("dbt") or {}).get("slowest") or []
    lines = ["| dbt node | execution_time |", "|---|---|"]
    lines += [f"| {uid} | {secs:.2f} s |" for uid, secs in nodes]
    return "\n".join(lines)
