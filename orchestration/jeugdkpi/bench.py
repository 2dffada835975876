"""Ingest benchmark (`make bench`): records/second of the message ingest against a bare lxml parse.

Not a test: it prints numbers for the notes. It generates a landing set of at least --records records
(default 200,000) with the demo generator, then times, on the same files:
  1. a bare parse: read every file and `lxml.etree.fromstring` it, extracting nothing (one process);
  2. the full ingest into a fresh DuckDB file (parse, checks, pseudonymisation, load; all cores).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from pathlib import Path

import duckdb
from lxml import etree

from jeugdkpi.settings import REPO_ROOT, load_settings


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


def main(argv: list[str] | None = None) -> int:
    from jeugdkpi.generate import generate_region
    from jeugdkpi.ingest.berichten.load import ingest_berichten

    ap = argparse.ArgumentParser(prog="python -m jeugdkpi.bench")
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--youths", type=int, default=0, help="generator size (default: grown until --records)")
    ap.add_argument("--workdir", default=str(REPO_ROOT / "data" / "bench"))
    ap.add_argument("--reuse", action="store_true",
                    help="time the landing set left in --workdir by an earlier run instead of generating one")
    args = ap.parse_args(argv)

    work = Path(args.workdir)
    landing = work / "landing"
    youths = args.youths or 12_000
    n_records = None
    while not (args.reuse and (landing / "berichten").exists()):
        if landing.exists():
            shutil.rmtree(landing)
        t0 = time.perf_counter()
        summary = generate_region(landing, seed=7, youths=youths, years=(2022, 2026), with_errors=False)
        gen_s = time.perf_counter() - t0
        n_records = sum(summary.records_per_type.values())
        if n_records >= args.records or args.youths:
            break
        youths = int(youths * args.records / max(n_records, 1) * 1.1) + 1
    files = sorted((landing / "berichten").rglob("*.xml"))
    if n_records is None:
        print(f"reusing {len(files):,} files in {landing}")
    else:
        print(f"generated {len(files):,} files with {n_records:,} records ({youths:,} youths) in {gen_s:.1f} s")

    bare_parse(files)  # warm the page cache: both timings below read from memory, not disk
    bare_s, bare_cpu = bare_parse(files)
    settings = load_settings({"JEUGDKPI_LANDING": str(landing), "JEUGDKPI_WAREHOUSE": str(work / "bench.duckdb"),
                              "JEUGDKPI_PEILDATUM": "2026-12-31", "JEUGDKPI_PSEUDONYM_KEY": "bench"})
    for suffix in ("", ".wal"):
        Path(str(settings.warehouse) + suffix).unlink(missing_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        t0, cpu0, children0 = time.perf_counter(), time.process_time(), _children_cpu()
        stats = ingest_berichten(con, settings, "bench")
        ingest_s = time.perf_counter() - t0
        main_cpu, workers_cpu = time.process_time() - cpu0, _children_cpu() - children0
    assert n_records is None or stats.records_in == n_records, (stats.records_in, n_records)
    n_records = stats.records_in
    bare_rate, ingest_rate = n_records / bare_s, n_records / ingest_s
    print(f"bare lxml parse (1 process, extracts nothing): {bare_s:8.1f} s  {bare_rate:12,.0f} records/s")
    print(f"full ingest ({settings.workers} workers, into DuckDB):      {ingest_s:8.1f} s  "
          f"{ingest_rate:12,.0f} records/s")
    print(f"ratio ingest / bare parse: {ingest_rate / bare_rate:.0%}  (target >= 40%)")
    print(f"CPU seconds: bare parse {bare_cpu:.1f}; ingest main process {main_cpu:.1f} + workers {workers_cpu:.1f} "
          f"(load average {os.getloadavg()[0]:.1f}: other processes on the machine lower the wall-clock ratio)")
    print("ingest phases: " + ", ".join(f"{k} {v:.1f}" for k, v in stats.timings.items()))
    print(f"records in {stats.records_in:,} = loaded {stats.records_loaded:,} "
          f"+ quarantined {stats.records_quarantined:,}")
    print(f"cores: {os.cpu_count()}, warehouse size {settings.warehouse.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
