"""`make bench` / `python -m jeugdkpi.bench`: the benchmark of whole runs (issue 18).

Not a test: it prints Markdown tables for the notes and docs/performance.md, with the figures of issue 18 and
their targets beside the new ones, and writes every raw number to <workdir>/bench-<timestamp>.json.

Scenarios (each run is `jeugdkpi run` in a subprocess with its own fresh warehouse and publication folder,
peildatum 2026-06-30, JEUGDKPI_PSEUDONYM_KEY=bench and a Dagster instance inside the workdir):
  demo    full run of the demo region (3,000 youths) on a fresh warehouse;
  rerun   the same command again on that warehouse, nothing new;
  small   full run of a 100-youth region;
  ingest  message ingest against a bare lxml parse (in this process; jeugdkpi/bench/ingest.py);
  --scales 1,4,10: full runs at 1x/4x/10x the demo's youths, with growth exponents between the scales.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

from jeugdkpi.bench import ingest, report, runs
from jeugdkpi.settings import REPO_ROOT

SCENARIOS = ("demo", "rerun", "small", "ingest")
RUN_METRICS = ("wall_s", "startup_s", "after_last_step_s", "peak_rss_bytes", "records_in", "dbt_elapsed_s",
               "loadavg_before", "loadavg_after")
INGEST_METRICS = ("bare_s", "ingest_s", "bare_rate", "ingest_rate", "ratio_pct", "per_core_pct", "workers",
                  "main_cpu_s", "workers_cpu_s", "records_in", "loadavg_before", "loadavg_after")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m jeugdkpi.bench", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS),
                    help=f"comma-separated subset of {','.join(SCENARIOS)} (default: all; rerun needs demo)")
    ap.add_argument("--scales", default="", help="also full runs at these multiples of --youths-demo, e.g. 1,4,10")
    ap.add_argument("--repeat", type=int, default=1, help="runs per scenario; each is printed, then the median")
    ap.add_argument("--workdir", default=str(REPO_ROOT / "data" / "bench"),
                    help="regions, runs and the JSON results (default data/bench, git-ignored)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the landing regions an earlier bench generated in --workdir (same size and seed)")
    ap.add_argument("--keep", action="store_true", help="keep the runs' warehouses and publication folders")
    ap.add_argument("--youths-demo", type=int, default=3_000, help="youths of the demo region (default 3000)")
    ap.add_argument("--youths-small", type=int, default=100, help="youths of the small region (default 100)")
    ap.add_argument("--records", type=int, default=200_000,
                    help="ingest scenario: grow the region until it has this many records (default 200,000)")
    ap.add_argument("--youths-ingest", type=int, default=None,
                    help="ingest scenario: exactly this many youths (default 12,000, grown until --records)")
    args = ap.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        ap.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if "rerun" in args.scenarios and "demo" not in args.scenarios:
        ap.error("rerun runs on the demo's warehouse: add demo to --scenarios")
    try:
        args.scales = [int(s) for s in args.scales.split(",") if s.strip()]
    except ValueError:
        ap.error("--scales takes whole multiples, e.g. 1,4,10")
    if args.repeat < 1 or any(s < 1 for s in args.scales):
        ap.error("--repeat and --scales must be at least 1")
    return args


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cores": os.cpu_count(), "memory_bytes": memory, "python": sys.version.split()[0],
            "loadavg": os.getloadavg()}


def run_line(run: dict) -> str:
    f = report.fmt
    parts = [f"{run['label']}: {f('wall_s', run.get('wall_s'))} wall"]
    if "startup_s" in run:
        parts += [f"{f('startup_s', run['startup_s'])} before the first step",
                  f"{f('after_last_step_s', run['after_last_step_s'])} after the last step"]
    parts += [f"peak {f('peak_rss_bytes', run.get('peak_rss_bytes'))}",
              f"{f('records_in', run.get('records_in'))} records in", f"exit {run.get('exit_code')}",
              f"load {run['loadavg_before']:.2f} -> {run['loadavg_after']:.2f}"]
    return "  " + ", ".join(parts)


def timed_run(landing: Path, rundir: Path, home: Path, label: str) -> dict:
    run = runs.run_scenario(landing, rundir, home, label)
    print(run_line(run), flush=True)
    if run.get("exit_code") != 0 or run.get("failed_steps"):
        print(f"  run {label} did not succeed (failed steps: {run.get('failed_steps')}); end of its output "
              f"({run['output']}):\n" + runs.output_tail(run), flush=True)
    return run


def discard(rundir: Path, keep: bool) -> None:
    """Remove a run's warehouse and publication (large at 10x), keeping its output and logs."""
    if keep:
        return
    for path in rundir.iterdir():
        if path.name.startswith("warehouse.duckdb") or path.name in ("published", "validation"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def region(work: Path, youths: int, reuse: bool, regions: dict) -> Path:
    landing = work / "regions" / f"youths-{youths}"
    if youths not in regions:
        info = runs.generate_region(landing, youths, reuse=reuse)
        how = "reused" if info["reused"] else f"generated in {info['generated_s']:.1f} s"
        print(f"region {youths:,} youths: {info['files']:,} message files, {info['records']:,} records ({how}) "
              f"in {landing}", flush=True)
        regions[youths] = info
    return landing


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(args.workdir).resolve()
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    batch = work / "runs" / stamp
    home = batch / "dagster_home"
    info = machine()
    print(f"machine: {info['cores']} cores, {info['memory_bytes'] / report.GB:.1f} GB memory, Python "
          f"{info['python']}, load average {' '.join(f'{x:.2f}' for x in info['loadavg'])}")
    settings = {k: os.environ[k] for k in runs.MACHINE_SETTINGS if os.environ.get(k)}
    print("settings: " + (", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults (docs/settings.md)"))
    info["settings"] = settings
    print(f"workdir {work}; runs in {batch}", flush=True)
    runs.prepare_dagster_home(home)
    regions: dict[int, dict] = {}
    results: dict[str, list[dict]] = {}

    def full_runs(name: str, youths: int, then_rerun: bool = False) -> None:
        landing = region(work, youths, args.reuse, regions)
        print(f"{name} ({youths:,} youths):", flush=True)
        for i in range(1, args.repeat + 1):
            rundir = batch / f"{name.replace(' ', '-')}-{i}"
            results.setdefault(name, []).append(timed_run(landing, rundir, home, f"{name} {i}/{args.repeat}"))
            if then_rerun:
                rerun = timed_run(landing, rundir, home, f"rerun {i}/{args.repeat}")
                full = results[name][-1].get("wall_s")
                rerun["pct_of_full"] = 100 * rerun["wall_s"] / full if full else None
                results.setdefault("rerun", []).append(rerun)
            discard(rundir, args.keep)

    if "demo" in args.scenarios:
        full_runs("demo", args.youths_demo, then_rerun="rerun" in args.scenarios)
    if "small" in args.scenarios:
        full_runs("small", args.youths_small)
    if "ingest" in args.scenarios:
        landing = work / "regions" / "ingest"
        reg = ingest.ingest_region(landing, args.records, args.youths_ingest, args.reuse)
        print(f"ingest region: {reg['files']:,} message files, {reg['records']:,} records ({reg['youths']:,} "
              f"youths, {'reused' if reg['reused'] else 'generated'}) in {landing}", flush=True)
        for i in range(1, args.repeat + 1):
            m = ingest.measure_ingest(landing, batch / f"ingest-{i}" / "bench.duckdb", reg["records"])
            m["label"] = f"ingest {i}/{args.repeat}"
            print(f"{m['label']} (load {m['loadavg_before']:.2f} -> {m['loadavg_after']:.2f}):\n"
                  + ingest.describe(m), flush=True)
            results.setdefault("ingest", []).append(m)
            if not args.keep:
                shutil.rmtree(batch / f"ingest-{i}")
    for factor in args.scales:
        name = f"scale {factor}x"
        if factor == 1 and "demo" in results:
            results[name] = results["demo"]  # the demo runs are the 1x runs
            continue
        full_runs(name, factor * args.youths_demo)

    tables = render(results, args)
    print("\n" + tables)
    out = work / f"bench-{stamp}.json"
    out.write_text(json.dumps({"started": stamp, "machine": info, "args": vars(args), "regions": regions,
                               "references": [asdict(r) for r in report.REFERENCES], "results": results},
                              indent=1, default=str), encoding="utf-8")
    print(f"\nraw numbers: {out}")
    return 0 if all(r.get("exit_code", 0) == 0 for rs in results.values() for r in rs) else 1


def render(results: dict[str, list[dict]], args: argparse.Namespace) -> str:
    """The Markdown tables of every scenario that ran, then the growth between scales and the slowest dbt nodes
    of the demo's median run."""
    youths = {"demo": args.youths_demo, "rerun": args.youths_demo, "small": args.youths_small,
              **{f"scale {f}x": f * args.youths_demo for f in args.scales}}
    titles = {"demo": "full run of the demo region, fresh warehouse", "rerun": "the same run again, nothing new",
              "small": "full run, fresh warehouse", "ingest": "message ingest against a bare lxml parse"}
    parts = []
    for name, rs in results.items():
        if name == "scale 1x" and rs is results.get("demo"):
            parts.append("### scale 1x: the demo runs above")
            continue
        if name == "ingest":
            parts.append(f"### ingest: {titles['ingest']} ({rs[0]['records_in']:,} records, {rs[0]['files']:,} "
                         f"files)\n\n" + report.scenario_table(name, rs, INGEST_METRICS))
            continue
        metrics = [*RUN_METRICS[:4], *(["pct_of_full"] if name == "rerun" else []), *RUN_METRICS[4:],
                   *(f"step:{k}" for k in report.step_keys(rs))]
        comparable = report.ISSUE_SIZES.get(name) == youths.get(name)
        title = titles.get(name, "full run, fresh warehouse")
        note = "" if comparable else " — not the size of issue 18: no verdict"
        parts.append(f"### {name}: {title} ({youths.get(name, 0):,} youths{note})\n\n"
                     + report.scenario_table(name, rs, metrics, comparable=comparable))
    scales = [(f"{f}x", results[f"scale {f}x"]) for f in args.scales if f"scale {f}x" in results]
    if len(scales) > 1:
        steps = report.step_keys([r for _, rs in scales for r in rs])
        parts.append("### growth exponent between scales: log(t2/t1) / log(records2/records1), of the medians\n\n"
                     + report.growth_table(scales, ["wall_s", "peak_rss_bytes", "startup_s",
                                                    *(f"step:{k}" for k in steps)]))
    if results.get("demo"):
        demo = sorted(results["demo"], key=lambda r: r.get("wall_s") or 0)[(len(results["demo"]) - 1) // 2]
        elapsed = report.fmt("dbt_elapsed_s", demo.get("dbt_elapsed_s"))
        parts.append(f"### 10 slowest dbt nodes ({demo['label']}, dbt elapsed_time {elapsed})\n\n"
                     + report.slowest_nodes_table(demo))
    return "\n\n".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
