"""Load landing/berichten into raw.* : parallel parse (both cores), one transaction per run.

Memory stays flat: files are parsed in chunks by worker processes, which stage the records of each chunk
as Arrow IPC files in a temporary folder next to the warehouse; the main process keeps only a small summary
per file (for the audit log) and at the end streams the staged files into raw.* with DuckDB. A run is
atomic: it either commits all of its rows and audit entries or none, and the staging folder is removed
either way (and, should the process be killed, by the next ingest: remove_stale_stages).
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import itertools
import multiprocessing as mp
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.ipc as paipc

from jeugdkpi.ingest.berichten.parser import ParseContext, ParseResult, parse_message
from jeugdkpi.ingest.berichten.schema import MESSAGES_TABLE, RECORD_TABLES, ddl, table_columns
from jeugdkpi.ingest.files import (
    ArchiveProblem,
    AuditWriter,
    FileTooLargeError,
    KnownFiles,
    LandingItem,
    NotRegularFileError,
    RunStats,
    discover,
    sha256_bytes,
)
from jeugdkpi.pseudonym import Pseudonymiser, load_or_create_key
from jeugdkpi.settings import Settings
from jeugdkpi.warehouse import ensure_audit_schema

SOURCE = "berichten"
MESSAGES = "berichten"  # raw.berichten: one row per loaded message, staged like the record tables
CHUNK_FILES = 256  # files per task sent to a worker

# Worker state (set once per worker process by _init_worker; the serial path uses the same globals).
_CTX: ParseContext | None = None
_MAX_BYTES = 0
_KNOWN_SHAS: frozenset[str] = frozenset()
_STAGE_DIR: str = ""
_CHUNK_SEQ = itertools.count()


@dataclass
class Outcome:
    """What the main process needs of one parsed file; the records themselves are staged on disk."""

    item: LandingItem
    sha: str
    size: int
    parsed: bool  # False: content already known (duplicate), not parsed
    has_message: bool = False  # the raw.berichten row is staged (the message loaded, fully or partly)
    n_in: int = 0
    n_loaded: int = 0
    quarantine: list[tuple[str | None, str, str]] = field(default_factory=list)
    rows_by_table: dict[str, int] = field(default_factory=dict)


def _init_worker(ctx: ParseContext, max_bytes: int, known_shas: frozenset[str], stage_dir: str) -> None:
    global _CTX, _MAX_BYTES, _KNOWN_SHAS, _STAGE_DIR
    _CTX, _MAX_BYTES, _KNOWN_SHAS, _STAGE_DIR = ctx, max_bytes, known_shas, stage_dir


def _init_pool_worker(*args) -> None:
    # A worker makes millions of short-lived objects and almost no reference cycles: collecting the young
    # generation every 700 allocations (the default) cost 5-8 % of its CPU; every 50,000 is plenty.
    gc.set_threshold(50_000, 20, 20)
    _init_worker(*args)


# Staging types: dates and times travel as ISO text and are cast by DuckDB on insert.
_ARROW_TYPES = {"VARCHAR": pa.string(), "DATE": pa.string(), "TIME": pa.string(), "BIGINT": pa.int64(),
                "INTEGER": pa.int32(), "BOOLEAN": pa.bool_()}


def _columns(table: str) -> list[tuple[str, str]]:
    return MESSAGES_TABLE if table == MESSAGES else table_columns(table)


def _staging_schema(table: str) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[typ.split()[0]]) for name, typ in _columns(table)])


_SCHEMAS = {table: _staging_schema(table) for table in (MESSAGES, *RECORD_TABLES)}


def _stage(table: str, rows: list[tuple]) -> None:
    """Write one chunk's rows of `table` as an Arrow IPC file: the rows are transposed into typed columns
    in C (a third of the cost of writing them as CSV, and no text to parse again at load)."""
    schema = _SCHEMAS[table]
    columns = [pa.array(values, type=f.type) for values, f in zip(zip(*rows), schema)]
    path = os.path.join(_STAGE_DIR, f"{table}-{os.getpid()}-{next(_CHUNK_SEQ)}.arrow")
    with pa.OSFile(path, "wb") as sink, paipc.new_file(sink, schema) as writer:
        writer.write_batch(pa.record_batch(columns, schema=schema))


def _parse_one(display_path: str, path: str, member: str | None) -> tuple:
    """(sha, size, ParseResult or None for known content) of one file. The file boundary: whatever goes
    wrong while reading this one file (a bad CRC, a member whose size lies, a truncated archive, an I/O error,
    a link or FIFO swapped in after discovery) quarantines this file with the exception's class and the run
    goes on; the hash then is a stable stand-in, so a re-run changes nothing."""
    try:
        data = LandingItem(display_path, path, member).read(_MAX_BYTES)
    except FileTooLargeError as exc:
        result = ParseResult().reject_file(
            "file_too_large", f"the file is larger than the limit of {_MAX_BYTES} bytes (JEUGDKPI_MAX_FILE_MB)")
        return sha256_bytes(f"too-large:{display_path}:{exc.args[0]}".encode()), exc.args[0], result
    except NotRegularFileError as exc:
        result = ParseResult().reject_file(exc.reason, f"{type(exc).__name__}: {exc.reason} refused when opened")
        return sha256_bytes(f"archive:{display_path}".encode()), 0, result
    except Exception as exc:  # noqa: BLE001 - confined to this file (the run-level failures are not here)
        reason = "bad_archive" if member is not None else "read_error"
        result = ParseResult().reject_file(reason, f"the file cannot be read: {type(exc).__name__}: {exc}")
        return sha256_bytes(f"unreadable:{display_path}:{type(exc).__name__}".encode()), 0, result
    sha = sha256_bytes(data)
    if sha in _KNOWN_SHAS:
        return sha, len(data), None
    return sha, len(data), parse_message(data, display_path, sha, _CTX)


def _work_chunk(tasks: list[tuple[str, str, str | None]]) -> list[tuple]:
    """Read, hash and parse a chunk of files in a worker and stage their records next to the warehouse.
    Only a small summary per file travels back: pickling every record to the main process and building
    DataFrames there cost more than the parse itself (see docs/ingest.md, performance)."""
    out = []
    staged: dict[str, list[tuple]] = {}
    messages = []
    run_id = _CTX.run_id
    for display_path, path, member in tasks:
        sha, size, result = _parse_one(display_path, path, member)
        if result is None:
            out.append((sha, size, None))
            continue
        counts = {}
        n_loaded = 0
        if result.message_row is not None:
            messages.append((*result.message_row, run_id))
        for table, rows in result.records.items():
            rows_of_table = staged.get(table)
            if rows_of_table is None:
                staged[table] = rows
            else:
                rows_of_table += rows
            counts[table] = len(rows)
            n_loaded += len(rows)
        out.append((sha, size, (result.message_row is not None, result.n_in, n_loaded, result.quarantine, counts)))
    if messages:
        staged[MESSAGES] = messages
    for table, rows in staged.items():
        _stage(table, rows)
    return out


def _outcomes(items: Iterator[LandingItem], ctx: ParseContext, settings: Settings,
              known_shas: frozenset[str], stage_dir: str) -> Iterator[Outcome]:
    """Parse `items` (a stream: discovery goes on while the first chunks are parsed) and yield one
    Outcome per item, in order."""
    items = iter(items)
    head = list(itertools.islice(items, 2 * CHUNK_FILES))  # enough to know whether a pool pays off
    # a worker per 200 files, up to settings.workers (a full head: a large run, all workers)
    workers = min(settings.workers, max(1, len(head) // 200)) if len(head) < 2 * CHUNK_FILES else settings.workers
    pending: collections.deque[list[LandingItem]] = collections.deque()  # chunks sent, in order

    def chunks() -> Iterator[list[tuple[str, str, str | None]]]:
        # With a pool this runs in its task-feeding thread: the chunk is queued before its task is sent.
        source = itertools.chain(head, items)
        while chunk := list(itertools.islice(source, CHUNK_FILES)):
            pending.append(chunk)
            yield [(item.display_path, str(item.path), item.member) for item in chunk]

    pool = None
    if workers <= 1:
        _init_worker(ctx, settings.max_file_bytes, known_shas, stage_dir)
        done = map(_work_chunk, chunks())
    else:
        mpctx = mp.get_context("fork" if os.name == "posix" else "spawn")
        # Freeze the parent's objects for the fork: a forked worker's garbage collector then never walks
        # (and so never copies-on-write) the parent's heap (Dagster, dbt and the file list are large).
        gc.freeze()
        try:
            pool = mpctx.Pool(workers, initializer=_init_pool_worker,
                              initargs=(ctx, settings.max_file_bytes, known_shas, stage_dir))
        finally:
            gc.unfreeze()
        done = pool.imap(_work_chunk, chunks())
    try:
        for chunk_result in done:
            for (sha, size, parsed), item in zip(chunk_result, pending.popleft()):
                if parsed is None:
                    yield Outcome(item, sha, size, False)
                else:
                    has_message, n_in, n_loaded, quarantine, counts = parsed
                    yield Outcome(item, sha, size, True, has_message, n_in, n_loaded, quarantine, counts)
        if pool is not None:
            pool.close()
            pool.join()  # every worker has written its staging files
            pool = None
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _load_staged(con: duckdb.DuckDBPyConnection, stage_dir: str, skipped: list[tuple[str, str]]) -> None:
    """Insert the staged rows into raw.*, leaving out the files the main process did not load (same content
    seen twice in this run, or a retried file that is still after the peildatum). DuckDB streams the Arrow
    files (memory-mapped) in its own threads and casts the ISO dates and times on the way in."""
    skip = pa.table({"file_sha256": pa.array([s for s, _ in skipped], pa.string()),  # noqa: F841 (DuckDB)
                     "file_path": pa.array([p for _, p in skipped], pa.string())})
    con.register("skipped_files", skip)
    try:
        for table in (MESSAGES, *RECORD_TABLES):
            files = sorted(str(p) for p in Path(stage_dir).glob(f"{table}-*.arrow"))
            if not files:
                continue
            con.register("staged", pads.dataset(files, format="ipc", schema=_SCHEMAS[table]))
            try:
                select = ", ".join(f"CAST(s.{name} AS {typ.replace(' NOT NULL', '')})"
                                   for name, typ in _columns(table))
                con.execute(f"INSERT INTO raw.{table} SELECT {select} FROM staged AS s "
                            "ANTI JOIN skipped_files AS k ON s.file_sha256 = k.file_sha256 "
                            "AND s.file_path = k.file_path")
            finally:
                con.unregister("staged")
    finally:
        con.unregister("skipped_files")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_audit_schema(con)
    for stmt in ddl():
        con.execute(stmt)


def ingest_berichten(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
                     progress: Callable[[int, int | None], None] | None = None) -> RunStats:
    """Ingest every new message file under landing/berichten. Returns the reconciled run statistics."""
    ensure_schema(con)
    clock = time.perf_counter()
    stats = RunStats(run_id=run_id, source=SOURCE, started_at=dt.datetime.now(), peildatum=settings.peildatum)
    key = load_or_create_key(settings.pseudonym_key, settings.data_dir)
    ctx = ParseContext(Pseudonymiser(key), settings.peildatum, run_id, settings.xsd_dir)
    known = KnownFiles.load(con, SOURCE)
    problems: list[ArchiveProblem] = []
    stats.timings["setup_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    skipped_entries: list[str] = []
    items = discover(settings.landing / SOURCE, (".xml",), with_zip=True, max_bytes=settings.max_file_bytes,
                     problems=problems, skipped=skipped_entries)
    audit = AuditWriter(SOURCE, run_id)
    skipped: list[tuple[str, str]] = []  # (sha, path) parsed by a worker but not loaded

    # Files already recorded under the same path with the same content are skipped without reading.
    # (Their sha is unknown before reading, so a path is skipped only if its recorded content still matches.)
    known_paths = {path: sha for (path, sha), status in known.by_path_sha.items()
                   if (path, sha) not in known.retriable}
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_stages(settings.warehouse)
    stage_dir = tempfile.mkdtemp(prefix=_stage_prefix(settings.warehouse), dir=settings.warehouse.parent)
    con.execute("BEGIN TRANSACTION")
    try:
        seen_this_run: set[str] = set()
        done = 0
        for outcome in _outcomes(items, ctx, settings, frozenset(known.shas), stage_dir):
            done += 1
            if progress and done % 500 == 0:
                progress(done, None)  # the total is known when discovery, which overlaps the parse, ends
            path, sha = outcome.item.display_path, outcome.sha
            if not _take(outcome, known, known_paths, seen_this_run, stats, audit):
                if outcome.parsed:
                    skipped.append((sha, path))
                continue
            seen_this_run.add(sha)
            stats.records_in += outcome.n_in
            stats.records_loaded += outcome.n_loaded
            stats.records_quarantined += len(outcome.quarantine)
            for locator, reason, message in outcome.quarantine:
                stats.quarantine_by_reason[reason] = stats.quarantine_by_reason.get(reason, 0) + 1
                audit.quarantined(path, sha, locator, reason, message)
            for table, n in outcome.rows_by_table.items():
                stats.rows_by_table[table] = stats.rows_by_table.get(table, 0) + n
            status = "loaded" if outcome.has_message else "quarantined"
            if status == "quarantined":
                stats.files_quarantined += 1
                stats.files_deferred += [q[1] for q in outcome.quarantine] == ["after_peildatum"]
            else:
                stats.files_loaded += 1
            audit.file(path, sha, outcome.size, status, outcome.n_in, outcome.n_loaded, len(outcome.quarantine))
        stats.files_seen = done + len(problems)
        stats.files_skipped = len(skipped_entries)
        if progress:
            progress(done, done)
        stats.reject_problems(audit, known, problems)

        stats.timings["parse_s"] = time.perf_counter() - clock  # discovery included: it overlaps the parse
        clock = time.perf_counter()
        _load_staged(con, stage_dir, skipped)
        audit.flush(con)
        stats.timings["load_s"] = time.perf_counter() - clock
        stats.check_reconciliation()
        stats.check_files()
        stats.write(con)
        clock = time.perf_counter()
        con.execute("COMMIT")
        stats.timings["commit_s"] = time.perf_counter() - clock
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
    return stats


def _stage_prefix(warehouse: Path) -> str:
    return f".ingest-stage-{warehouse.name}-"


_OLD_STAGE = re.compile(r"\.ingest-stage-[a-z0-9_]{8}")  # tempfile's names before the warehouse was in them


def remove_stale_stages(warehouse: Path) -> list[Path]:
    """Remove the staging folders a killed ingest (kill -9, power loss) left beside `warehouse`. The run lock
    (jeugdkpi.runlock) admits one run per warehouse, so at ingest start every such folder is stale: its run
    is gone. Returns the folders removed."""
    removed = []
    prefix = _stage_prefix(warehouse)
    with os.scandir(warehouse.parent) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and (
                    entry.name.startswith(prefix) or _OLD_STAGE.fullmatch(entry.name)):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(Path(entry.path))
    return removed


def _take(outcome: Outcome, known: KnownFiles, known_paths: dict[str, str], seen_this_run: set[str],
          stats: RunStats, audit: AuditWriter) -> bool:
    """Whether this run loads the file; records duplicates in the audit log as it goes."""
    path, sha = outcome.item.display_path, outcome.sha
    if known_paths.get(path) == sha:
        stats.files_unchanged += 1
        return False  # same file as before: nothing changes
    if (path, sha) in known.retriable:
        if outcome.parsed and [q[1] for q in outcome.quarantine] == ["after_peildatum"] \
                and not outcome.has_message:
            stats.files_unchanged += 1
            return False  # still after the peildatum: recorded already, nothing changes
        audit.replace.append((path, sha))
    elif (path, sha) in known.by_path_sha:
        stats.files_unchanged += 1
        return False
    stats.files_new += 1
    if not outcome.parsed or sha in seen_this_run:
        stats.files_duplicate += 1
        audit.file(path, sha, outcome.size, "duplicate", 0, 0, 0)
        return False
    return True
