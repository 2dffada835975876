"""Whole runs for the benchmark: generate a landing region once per size, run `jeugdkpi run` as a subprocess
while sampling the memory of its process tree, and read back the run's step times (Dagster event log), records
in (audit.ingest_runs) and dbt's own timings (run_results.json)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from jeugdkpi.settings import DBT_PROJECT_DIR, REPO_ROOT

PEILDATUM = "2026-06-30"
PSEUDONYM_KEY = "bench"
REGION_MARKER = ".bench-region.json"
STEP_EVENTS = ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE")
RUN_ID = re.compile(r"^(?:Run|Dagster-run:)\s+([0-9a-f]{8}-[0-9a-f-]{27})", re.MULTILINE)


def generate_region(landing: Path, youths: int, *, reuse: bool, seed: int = 42, with_errors: bool = True) -> dict:
    """The landing region of `youths` youths (the demo generator, default seed and years), generated into
    `landing`, or the one already there when `reuse` and it was completed with the same size and seed."""
    from jeugdkpi.generate import generate_region as generate

    marker = landing / REGION_MARKER
    wanted = {"youths": youths, "seed": seed, "with_errors": with_errors}
    if reuse and marker.is_file():
        info = json.loads(marker.read_text())
        if {k: info.get(k) for k in wanted} == wanted:
            return {**info, "reused": True}
    if landing.exists():
        shutil.rmtree(landing)
    t0 = time.perf_counter()
    summary = generate(landing, seed=seed, youths=youths, with_errors=with_errors)
    info = {**wanted, "files": summary.total_files, "records": summary.total_records,
            "generated_s": round(time.perf_counter() - t0, 1)}
    marker.write_text(json.dumps(info))  # written last: a region cut off halfway is generated again
    return {**info, "reused": False}


def jeugdkpi_command() -> list[str]:
    """The `jeugdkpi` console script of this interpreter's environment (python -m jeugdkpi.cli without one)."""
    script = Path(sys.executable).with_name("jeugdkpi")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "jeugdkpi.cli"]


MACHINE_SETTINGS = ("JEUGDKPI_WORKERS", "JEUGDKPI_DUCKDB_MEMORY", "JEUGDKPI_DUCKDB_TEMP", "JEUGDKPI_DBT_THREADS")


def run_env(dagster_home: Path) -> dict[str, str]:
    """The environment of a benchmarked run: the caller's without its JEUGDKPI_* settings (the machine settings
    JEUGDKPI_WORKERS, JEUGDKPI_DUCKDB_MEMORY, JEUGDKPI_DUCKDB_TEMP and JEUGDKPI_DBT_THREADS excepted, so
    `JEUGDKPI_DUCKDB_MEMORY=2GB make bench` measures that limit), the fixed pseudonym key and the bench's own
    Dagster instance."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JEUGDKPI_") or k in MACHINE_SETTINGS}
    return {**env, "JEUGDKPI_PSEUDONYM_KEY": PSEUDONYM_KEY, "DAGSTER_HOME": str(dagster_home)}


def prepare_dagster_home(home: Path) -> None:
    """A Dagster instance for the bench's runs, created before the first one so no run pays for creating it."""
    import dagster as dg

    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)):
        pass


def tree_rss(pid: int) -> int:
    """Sum of the resident memory (bytes) of process `pid` and all its descendants (0 when it is gone)."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss(pid)
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _proc_tree_rss(pid: int) -> int:
    """tree_rss from /proc (Linux) when psutil is not installed."""
    parent, rss = {}, {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)], rss[int(entry)] = int(fields[1]), int(fields[21]) * page
    children: dict[int, list[int]] = {}
    for child, ppid in parent.items():
        children.setdefault(ppid, []).append(child)
    total, todo = 0, [pid] if pid in rss else []
    while todo:
        p = todo.pop()
        total += rss[p]
        todo += children.get(p, [])
    return total


def step_timings(events: Iterable[tuple[str, str, float]]) -> dict:
    """Seconds per Dagster step from (step key, event type, timestamp) events: first STEP_START to the last
    STEP_SUCCESS or STEP_FAILURE of the key, in the order the steps started; also the first start, the last end
    and the failed steps."""
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    failed: list[str] = []
    for key, kind, ts in sorted(events, key=lambda e: e[2]):
        if kind == "STEP_START":
            starts.setdefault(key, ts)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            ends[key] = ts
            if kind == "STEP_FAILURE" and key not in failed:
                failed.append(key)
    steps = {key: round(ends[key] - start, 3) for key, start in starts.items() if key in ends}
    return {"steps": steps, "first_start": min(starts.values(), default=None),
            "last_end": max(ends.values(), default=None), "failed": failed}


def read_step_events(dagster_home: Path, run_id: str) -> list[tuple[str, str, float]]:
    import dagster as dg

    kinds = {getattr(dg.DagsterEventType, k) for k in STEP_EVENTS}
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return [(e.step_key, e.dagster_event.event_type_value, e.timestamp)
                for e in instance.all_logs(run_id, of_type=kinds) if e.step_key]


def read_records_in(warehouse: Path, run_id: str) -> int | None:
    """Records in of the run over all sources (audit.ingest_runs), None when it cannot be read."""
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return int(con.execute("SELECT coalesce(sum(records_in), 0) FROM audit.ingest_runs WHERE run_id = ?",
                                   [run_id]).fetchone()[0])
    except duckdb.Error:
        return None


def read_dbt_results(run_id: str, since: float, n: int = 10) -> dict:
    """dbt's elapsed_time and the `n` slowest nodes from the run_results.json of this run's `dbt build`
    (dagster-dbt's target folder dbt_warehouse-<run id>-*; else the newest one written since `since`)."""
    target = DBT_PROJECT_DIR / "target"
    found = list(target.glob(f"dbt_warehouse-{run_id[:7]}-*/run_results.json")) or \
        [p for p in target.glob("dbt_warehouse-*/run_results.json") if p.stat().st_mtime >= since]
    if not found:
        return {}
    path = max(found, key=lambda p: p.stat().st_mtime)
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes = sorted(((r["unique_id"], r.get("execution_time") or 0.0) for r in data.get("results", [])),
                   key=lambda r: -r[1])
    return {"run_results": str(path), "elapsed_s": data.get("elapsed_time"), "nodes": len(nodes),
            "slowest": [[uid, round(secs, 3)] for uid, secs in nodes[:n]]}


def run_scenario(landing: Path, rundir: Path, dagster_home: Path, label: str, interval: float = 0.1) -> dict:
    """`jeugdkpi run` on `landing` into rundir/warehouse.duckdb and rundir/published, its output in
    rundir/<label>.out; wall time, peak RSS of the process tree (sampled every `interval` s), step times."""
    rundir.mkdir(parents=True, exist_ok=True)
    warehouse = rundir / "warehouse.duckdb"
    cmd = [*jeugdkpi_command(), "run", "--landing", str(landing), "--warehouse", str(warehouse),
           "--publish", str(rundir / "published"), "--peildatum", PEILDATUM]
    output = rundir / (re.sub(r"[^\w.]+", "-", label) + ".out")
    load_before = os.getloadavg()[0]
    with open(output, "wb") as out:
        started = time.time()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=run_env(dagster_home),
                                cwd=REPO_ROOT)
        peak = 0
        while True:
            peak = max(peak, tree_rss(proc.pid))
            try:
                code = proc.wait(timeout=interval)
                break
            except subprocess.TimeoutExpired:
                pass
        ended = time.time()
    text = output.read_text(encoding="utf-8", errors="replace")
    match = RUN_ID.search(text)
    run = {"label": label, "exit_code": code, "output": str(output), "wall_s": round(ended - started, 3),
           "peak_rss_bytes": peak, "loadavg_before": load_before, "loadavg_after": os.getloadavg()[0],
           "run_id": match.group(1) if match else None}
    if not run["run_id"]:
        return run
    timing = step_timings(read_step_events(dagster_home, run["run_id"]))
    run["steps"], run["failed_steps"] = timing["steps"], timing["failed"]
    if timing["first_start"] is not None:
        run["startup_s"] = round(timing["first_start"] - started, 3)
        run["after_last_step_s"] = round(ended - timing["last_end"], 3)
    run["records_in"] = read_records_in(warehouse, run["run_id"])
    run["dbt"] = read_dbt_results(run["run_id"], started)
    run["dbt_elapsed_s"] = run["dbt"].get("elapsed_s")
    return run


def output_tail(run: dict, lines: int = 15) -> str:
    try:
        return "\n".join(Path(run["output"]).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
