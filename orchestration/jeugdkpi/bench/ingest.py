"""The `ingest` scenario: records/second of the message ingest against a bare lxml parse, on the same files.

A landing set of at least `records` records (default 200,000; 12,000 youths, seed 7, no deliberately broken
files) is generated with the demo generator, then timed:
  1. a bare parse: read every file and `lxml.etree.fromstring` it, extracting nothing (one process);
  2. the full ingest into a fresh DuckDB file (parse, checks, pseudonymisation, load; JEUGDKPI_WORKERS or all
     cores as workers).
The ratio of the two rates, divided by the number of workers, is the issue's measure: the ingest's rate per core
against the bare parse on one core (target >= 40 %; before issue 18: 40–42 % over 2 workers, ~21 % per core).
"""

from __future__ import annotations

import os
import resource
import shutil
import time
from pathlib import Path

from lxml import etree

INGEST_SEED, INGEST_YOUTHS = 7, 12_000


def bare_parse(files: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds of reading and parsing every file, extracting nothing."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    start, cpu = time.perf_counter(), time.process_time()
    for f in files:
        etree.fromstring(f.read_bytes(), parser)
    return time.perf_counter() - start, time.process_time() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ingest_region(landing: Path, records: int, youths: int | None, reuse: bool) -> dict:
    """The landing set of the ingest scenario: `youths` youths, or grown from 12,000 until it has `records`."""
    from jeugdkpi.bench.runs import generate_region

    size = youths or INGEST_YOUTHS
    while True:
        info = generate_region(landing, size, reuse=reuse, seed=INGEST_SEED, with_errors=False)
        if info["records"] >= records or youths:
            return info
        size = int(size * records / max(info["records"], 1) * 1.1) + 1


def measure_ingest(landing: Path, warehouse: Path, expected_records: int | None = None) -> dict:
    """One timing of the bare parse and the full ingest of the messages in `landing` into a fresh `warehouse`."""
    import duckdb

    from jeugdkpi.ingest.berichten.load import ingest_berichten
    from jeugdkpi.settings import load_settings

    files = sorted((landing / "berichten").rglob("*.xml"))
    load_before = os.getloadavg()[0]
    bare_parse(files)  # warm the page cache: both timings below read from memory, not disk
    bare_s, bare_cpu = bare_parse(files)
    env = {"JEUGDKPI_LANDING": str(landing), "JEUGDKPI_WAREHOUSE": str(warehouse),
           "JEUGDKPI_PEILDATUM": "2026-12-31", "JEUGDKPI_PSEUDONYM_KEY": "bench"}
    if os.environ.get("JEUGDKPI_WORKERS"):
        env["JEUGDKPI_WORKERS"] = os.environ["JEUGDKPI_WORKERS"]
    settings = load_settings(env)
    if warehouse.parent.exists():
        shutil.rmtree(warehouse.parent)
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:
        t0, cpu0, children0 = time.perf_counter(), time.process_time(), _children_cpu()
        stats = ingest_berichten(con, settings, "bench")
        ingest_s = time.perf_counter() - t0
        main_cpu, workers_cpu = time.process_time() - cpu0, _children_cpu() - children0
    assert expected_records is None or stats.records_in == expected_records, (stats.records_in, expected_records)
    n = stats.records_in
    bare_rate, ingest_rate = n / bare_s, n / ingest_s
    return {"files": len(files), "records_in": n, "records_loaded": stats.records_loaded,
            "records_quarantined": stats.records_quarantined, "workers": settings.workers,
            "bare_s": round(bare_s, 3), "bare_cpu_s": round(bare_cpu, 3), "ingest_s": round(ingest_s, 3),
            "main_cpu_s": round(main_cpu, 3), "workers_cpu_s": round(workers_cpu, 3),
            "bare_rate": bare_rate, "ingest_rate": ingest_rate, "ratio_pct": 100 * ingest_rate / bare_rate,
            "per_core_pct": 100 * ingest_rate / settings.workers / bare_rate,
            "phases": {k: round(v, 3) for k, v in stats.timings.items()},
            "warehouse_bytes": warehouse.stat().st_size,
            "loadavg_before": load_before, "loadavg_after": os.getloadavg()[0]}


def describe(m: dict) -> str:
    """The ingest measurement as the lines the bench printed before it measured whole runs."""
    return "\n".join([
        f"  bare lxml parse (1 process, extracts nothing): {m['bare_s']:8.1f} s  {m['bare_rate']:12,.0f} records/s",
        f"  full ingest ({m['workers']} workers, into DuckDB):      {m['ingest_s']:8.1f} s  "
        f"{m['ingest_rate']:12,.0f} records/s",
        f"  ratio ingest / bare parse: {m['ratio_pct']:.0f} %; per worker {m['per_core_pct']:.0f} % (target >= 40 %)",
        f"  CPU seconds: bare parse {m['bare_cpu_s']:.1f}; ingest main process {m['main_cpu_s']:.1f} + workers "
        f"{m['workers_cpu_s']:.1f} (other processes on the machine lower the wall-clock ratio)",
        "  ingest phases: " + ", ".join(f"{k} {v:.1f}" for k, v in m["phases"].items()),
        f"  records in {m['records_in']:,} = loaded {m['records_loaded']:,} + quarantined "
        f"{m['records_quarantined']:,}; warehouse {m['warehouse_bytes'] / 1e6:.1f} MB",
    ])
