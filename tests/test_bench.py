"""The pure parts of `make bench` (jeugdkpi.bench): growth exponent, step times from event tuples, the Markdown
tables and their verdicts. No runs and no timing assertions: the bench itself is a script."""

import math

import pytest

from jeugdkpi.bench import report
from jeugdkpi.bench.runs import RUN_ID, step_timings


def test_growth_exponent():
    assert report.growth_exponent(10, 40, 1_000, 4_000) == pytest.approx(1.0)
    assert report.growth_exponent(10, 160, 1_000, 4_000) == pytest.approx(2.0)
    assert report.growth_exponent(10, 10, 1_000, 4_000) == pytest.approx(0.0)
    assert report.growth_exponent(10, 20, 1_000, 10_000) == pytest.approx(math.log(2) / math.log(10))
    for missing in [(None, 1, 1, 2), (0, 1, 1, 2), (1, 1, 1, 1), (1, 2, 0, 5)]:
        assert report.growth_exponent(*missing) is None


def test_step_timings_from_events():
    events = [  # out of order on purpose, a retried step, a failed one and one that never ended
        ("dbt_warehouse", "STEP_START", 110.0),
        ("ingest_berichten", "STEP_START", 100.0),
        ("ingest_berichten", "STEP_SUCCESS", 104.5),
        ("dbt_warehouse", "STEP_FAILURE", 115.0),
        ("dbt_warehouse", "STEP_START", 116.0),
        ("dbt_warehouse", "STEP_SUCCESS", 130.0),
        ("published__kpi", "STEP_START", 131.0),
        ("published__kpi", "STEP_FAILURE", 133.0),
        ("published__reports", "STEP_START", 134.0),
    ]
    t = step_timings(events)
    assert list(t["steps"]) == ["ingest_berichten", "dbt_warehouse", "published__kpi"]
    assert t["steps"] == {"ingest_berichten": 4.5, "dbt_warehouse": 20.0, "published__kpi": 2.0}
    assert t["first_start"] == 100.0 and t["last_end"] == 133.0
    assert t["failed"] == ["dbt_warehouse", "published__kpi"]
    assert step_timings([]) == {"steps": {}, "first_start": None, "last_end": None, "failed": []}


def test_run_id_from_cli_output():
    run_id = "83c81de3-48a1-4dd6-a741-a57175a5ff99"
    assert RUN_ID.search(f"jeugdkpi run: ...\nRun {run_id}, vastgelegd in x\n").group(1) == run_id
    assert RUN_ID.search(f"Resultaat\nDagster-run:  {run_id}   (tags ...)\n").group(1) == run_id
    assert RUN_ID.search("Runs 12\n") is None


def test_formatting():
    assert report.fmt("wall_s", 150.4) == "2:30"
    assert report.fmt("step:dbt_warehouse", 9.26) == "9.3 s"
    assert report.fmt("peak_rss_bytes", 1.25e9) == "1.25 GB"
    assert report.fmt("pct_of_full", 8.04) == "8.0 %"
    assert report.fmt("records_in", 78_123) == "78,123"
    assert report.fmt("wall_s", None) == "—"


def _row(table: str, label: str) -> list[str]:
    line = next(x for x in table.splitlines() if x.startswith(f"| {label} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_scenario_table_old_figures_medians_and_verdicts():
    runs = [{"wall_s": 70.0, "peak_rss_bytes": 0.9e9, "steps": {"ingest_berichten": 5.0, "dbt_warehouse": 30.0}},
            {"wall_s": 50.0, "peak_rss_bytes": 1.0e9, "steps": {"ingest_berichten": 6.0, "dbt_warehouse": 31.0}},
            {"wall_s": 55.0, "peak_rss_bytes": 1.1e9, "steps": {"dbt_warehouse": 29.0, "published__kpi": 3.0}}]
    metrics = ["wall_s", "peak_rss_bytes", "after_last_step_s", *(f"step:{k}" for k in report.step_keys(runs))]
    table = report.scenario_table("demo", runs, metrics)
    header = [c.strip() for c in table.splitlines()[0].strip("|").split("|")]
    assert header == ["measure", "issue 18 (oud)", "target", "run 1", "run 2", "run 3", "median", "verdict"]
    assert _row(table, "wall time") == ["wall time", "2:04–2:55 (median ~2:30)", "≤ 1:00", "1:10", "50.0 s",
                                        "55.0 s", "55.0 s", "gehaald"]
    assert _row(table, "peak RSS (process tree)")[1:] == ["1.2–1.3 GB", "", "0.90 GB", "1.00 GB", "1.10 GB",
                                                          "1.00 GB", ""]
    assert _row(table, "step dbt_warehouse")[1] == "59–80 s"
    assert _row(table, "step ingest_berichten")[-3:-1] == ["—", "5.5 s"]  # missing in run 3: median of two
    assert "after the last step" not in table  # no figure, no old value: left out
    assert report.step_keys(runs) == ["ingest_berichten", "dbt_warehouse", "published__kpi"]

    slow = report.scenario_table("demo", [{"wall_s": 61.0}], ["wall_s"])
    assert _row(slow, "wall time")[-1] == "niet gehaald"
    other_size = report.scenario_table("demo", [{"wall_s": 61.0}], ["wall_s"], comparable=False)
    assert _row(other_size, "wall time")[-1] == "n.v.t. (andere omvang)"


def test_verdicts_higher_is_better_and_rerun_percentage():
    ingest = report.scenario_table("ingest", [{"per_core_pct": 41.0}, {"per_core_pct": 38.0},
                                              {"per_core_pct": 44.0}], ["per_core_pct"])
    assert _row(ingest, "ingest rate per worker as % of bare parse")[2:] == [
        "≥ 40.0 %", "41.0 %", "38.0 %", "44.0 %", "41.0 %", "gehaald"]
    rerun = report.scenario_table("rerun", [{"pct_of_full": 12.0}], ["pct_of_full"])
    assert _row(rerun, "time as % of the full run")[1:] == ["~85 %", "≤ 10.0 %", "12.0 %", "12.0 %", "niet gehaald"]
    ten = report.scenario_table("scale 10x", [{"peak_rss_bytes": 3.9e9}], ["peak_rss_bytes"])
    assert _row(ten, "peak RSS (process tree)")[1:] == ["5.3 GB", "≤ 4.00 GB", "3.90 GB", "3.90 GB", "gehaald"]


def test_every_target_of_issue_18_is_in_the_table():
    targets = {(r.scenario, r.metric): r.target for r in report.REFERENCES if r.target is not None}
    assert targets == {("demo", "wall_s"): 60, ("rerun", "pct_of_full"): 10, ("small", "wall_s"): 15,
                       ("scale 10x", "wall_s"): 180, ("scale 10x", "peak_rss_bytes"): 4e9,
                       ("ingest", "per_core_pct"): 40}


def test_growth_table():
    scales = [("1x", [{"records_in": 1_000, "wall_s": 10.0, "steps": {"dbt_warehouse": 5.0}}]),
              ("4x", [{"records_in": 4_000, "wall_s": 40.0, "steps": {"dbt_warehouse": 80.0}}]),
              ("10x", [{"records_in": 10_000, "wall_s": 100.0}])]
    table = report.growth_table(scales, ["wall_s", "step:dbt_warehouse"])
    assert table.splitlines()[0] == "| measure | 1x → 4x | 4x → 10x |"
    assert _row(table, "wall time") == ["wall time", "1.00", "1.00"]
    assert _row(table, "step dbt_warehouse") == ["step dbt_warehouse", "2.00", "—"]
