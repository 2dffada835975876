"""Load landing/berichten into raw.* : parallel parse (both cores), one transaction per run.

Memory stays flat: files are parsed one at a time in worker processes and rows are written to DuckDB in
batches. A run is atomic: it either commits all of its rows and audit entries or none.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
from dataclasses import dataclass
from typing import Callable, Iterator

import duckdb
import pandas as pd

from jeugdkpi.ingest.berichten.parser import ParseContext, ParseResult, parse_message
from jeugdkpi.ingest.berichten.schema import MESSAGES_TABLE, RECORD_TABLES, ddl, table_columns
from jeugdkpi.ingest.files import (
    ArchiveProblem,
    AuditWriter,
    FileTooLargeError,
    KnownFiles,
    LandingItem,
    RunStats,
    discover,
    sha256_bytes,
)
from jeugdkpi.pseudonym import Pseudonymiser, load_or_create_key
from jeugdkpi.settings import Settings
from jeugdkpi.warehouse import ensure_audit_schema

SOURCE = "berichten"
BATCH_ROWS = 50_000

_CTX: ParseContext | None = None
_MAX_BYTES = 0
_KNOWN_SHAS: frozenset[str] = frozenset()


@dataclass
class Outcome:
    item: LandingItem
    sha: str | None
    size: int
    result: ParseResult | None  # None: content already known (duplicate), not parsed


def _init_worker(ctx: ParseContext, max_bytes: int, known_shas: frozenset[str]) -> None:
    global _CTX, _MAX_BYTES, _KNOWN_SHAS
    _CTX, _MAX_BYTES, _KNOWN_SHAS = ctx, max_bytes, known_shas


def _work(item: LandingItem) -> Outcome:
    try:
        data = item.read(_MAX_BYTES)
    except FileTooLargeError as exc:
        result = ParseResult().reject_file(
            "file_too_large", f"the file is larger than the limit of {_MAX_BYTES} bytes (JEUGDKPI_MAX_FILE_MB)")
        return Outcome(item, sha256_bytes(f"too-large:{item.display_path}:{exc.args[0]}".encode()), exc.args[0],
                       result)
    sha = sha256_bytes(data)
    if sha in _KNOWN_SHAS:
        return Outcome(item, sha, len(data), None)
    return Outcome(item, sha, len(data), parse_message(data, item.display_path, sha, _CTX))


def _outcomes(items: list[LandingItem], ctx: ParseContext, settings: Settings,
              known_shas: frozenset[str]) -> Iterator[Outcome]:
    workers = min(settings.workers, max(1, len(items) // 200))
    if workers <= 1:
        _init_worker(ctx, settings.max_file_bytes, known_shas)
        yield from map(_work, items)
        return
    mpctx = mp.get_context("fork" if os.name == "posix" else "spawn")
    with mpctx.Pool(workers, initializer=_init_worker,
                    initargs=(ctx, settings.max_file_bytes, known_shas)) as pool:
        yield from pool.imap(_work, items, chunksize=64)


class _RowBuffer:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.rows: dict[str, list[tuple]] = {t: [] for t in RECORD_TABLES}
        self.messages: list[tuple] = []
        self.pending = 0
        self.inserts = {t: _insert_sql(f"raw.{t}", table_columns(t)) for t in RECORD_TABLES}
        self.insert_messages = _insert_sql("raw.berichten", MESSAGES_TABLE)

    def add(self, result: ParseResult, run_id: str) -> None:
        if result.message_row is not None:
            self.messages.append(result.message_row + (run_id,))
        for table, rows in result.records.items():
            self.rows[table].extend(rows)
            self.pending += len(rows)
        if self.pending >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                _insert(self.con, self.inserts[table], table_columns(table), rows)
                rows.clear()
        if self.messages:
            _insert(self.con, self.insert_messages, MESSAGES_TABLE, self.messages)
            self.messages.clear()
        self.pending = 0


def _insert_sql(target: str, columns: list[tuple[str, str]]) -> str:
    casts = ", ".join(f"CAST({name} AS {typ.replace(' NOT NULL', '')}) AS {name}" for name, typ in columns)
    return f"INSERT INTO {target} SELECT {casts} FROM batch"


def _insert(con: duckdb.DuckDBPyConnection, sql: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    batch = pd.DataFrame.from_records(rows, columns=[c for c, _ in columns])  # noqa: F841 (read by DuckDB)
    con.register("batch", batch)
    try:
        con.execute(sql)
    finally:
        con.unregister("batch")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_audit_schema(con)
    for stmt in ddl():
        con.execute(stmt)


def ingest_berichten(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
                     progress: Callable[[int, int], None] | None = None) -> RunStats:
    """Ingest every new message file under landing/berichten. Returns the reconciled run statistics."""
    ensure_schema(con)
    stats = RunStats(run_id=run_id, source=SOURCE, started_at=dt.datetime.now(), peildatum=settings.peildatum)
    key = load_or_create_key(settings.pseudonym_key, settings.data_dir)
    ctx = ParseContext(Pseudonymiser(key), settings.peildatum, run_id, settings.xsd_dir)
    known = KnownFiles.load(con, SOURCE)
    problems: list[ArchiveProblem] = []
    all_items = list(discover(settings.landing / SOURCE, (".xml",), with_zip=True,
                              max_bytes=settings.max_file_bytes, problems=problems))
    stats.files_seen = len(all_items) + len(problems)
    audit = AuditWriter(SOURCE, run_id)
    buffer = _RowBuffer(con)

    # Files already recorded under the same path with the same content are skipped without reading.
    # (Their sha is unknown before reading, so a path is skipped only if its recorded content still matches.)
    known_paths = {path: sha for (path, sha), status in known.by_path_sha.items()
                   if (path, sha) not in known.retriable}
    con.execute("BEGIN TRANSACTION")
    try:
        for problem in problems:
            sha = sha256_bytes(f"archive:{problem.display_path}".encode())
            if (problem.display_path, sha) in known.by_path_sha:
                continue
            stats.files_new += 1
            stats.files_quarantined += 1
            _count_rejected(stats, problem.reason_code)
            audit.file(problem.display_path, sha, 0, "quarantined", 1, 0, 1)
            audit.quarantined(problem.display_path, sha, None, problem.reason_code, problem.message)

        seen_this_run: set[str] = set()
        done = 0
        for outcome in _outcomes(all_items, ctx, settings, frozenset(known.shas)):
            done += 1
            if progress and done % 500 == 0:
                progress(done, len(all_items))
            path, sha = outcome.item.display_path, outcome.sha
            if known_paths.get(path) == sha:
                continue  # same file as before: nothing changes
            if (path, sha) in known.retriable:
                result = outcome.result
                if result is not None and [q[1] for q in result.quarantine] == ["after_peildatum"] \
                        and result.message_row is None:
                    continue  # still after the peildatum: recorded already, nothing changes
                audit.replace.append((path, sha))
            elif (path, sha) in known.by_path_sha:
                continue
            stats.files_new += 1
            if outcome.result is None or sha in seen_this_run:
                stats.files_duplicate += 1
                audit.file(path, sha, outcome.size, "duplicate", 0, 0, 0)
                continue
            seen_this_run.add(sha)
            result = outcome.result
            stats.records_in += result.n_in
            stats.records_loaded += result.n_loaded
            stats.records_quarantined += len(result.quarantine)
            for locator, reason, message in result.quarantine:
                stats.quarantine_by_reason[reason] = stats.quarantine_by_reason.get(reason, 0) + 1
                audit.quarantined(path, sha, locator, reason, message)
            for table, rows in result.records.items():
                stats.rows_by_table[table] = stats.rows_by_table.get(table, 0) + len(rows)
            status = "loaded" if result.message_row is not None else "quarantined"
            if status == "quarantined":
                stats.files_quarantined += 1
            audit.file(path, sha, outcome.size, status, result.n_in, result.n_loaded, len(result.quarantine))
            buffer.add(result, run_id)
        if progress:
            progress(done, len(all_items))
        buffer.flush()
        audit.flush(con)
        stats.check_reconciliation()
        stats.write(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return stats


def _count_rejected(stats: RunStats, reason: str) -> None:
    stats.records_in += 1
    stats.records_quarantined += 1
    stats.quarantine_by_reason[reason] = stats.quarantine_by_reason.get(reason, 0) + 1
