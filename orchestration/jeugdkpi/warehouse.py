"""The working DuckDB warehouse: connections and the audit schema shared by every ingest.

DuckDB allows one writing process per file; everything in the pipeline runs in one process
(in_process_executor) and opens the file through `connect()`. See docs/architecture.md.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

AUDIT_DDL = [
    "CREATE SCHEMA IF NOT EXISTS audit",
    """CREATE TABLE IF NOT EXISTS audit.ingest_files (
        file_path VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        first_seen_at TIMESTAMP NOT NULL,
        status VARCHAR NOT NULL,            -- loaded | quarantined | duplicate
        n_records INTEGER NOT NULL,         -- records in (a file rejected whole counts as 1)
        run_id VARCHAR NOT NULL,
        n_loaded INTEGER NOT NULL,
        n_quarantined INTEGER NOT NULL,
        landed_at TIMESTAMP,                -- when the file arrived in the landing folder: its modification time,
                                            -- or the sensor's first sight when earlier (tabular sources; NULL for
                                            -- messages and rows written before it was recorded). docs/ingest.md
        PRIMARY KEY (source, file_path, sha256)   -- the same file may land in two sources' folders
    )""",
    """CREATE TABLE IF NOT EXISTS audit.quarantine (
        file_path VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        record_locator VARCHAR,             -- NULL when the whole file is rejected
        reason_code VARCHAR NOT NULL,
        message VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit.ingest_runs (
        run_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        peildatum DATE NOT NULL,
        files_seen INTEGER NOT NULL,
        files_new INTEGER NOT NULL,
        files_duplicate INTEGER NOT NULL,
        files_quarantined INTEGER NOT NULL,
        records_in BIGINT NOT NULL,
        records_loaded BIGINT NOT NULL,
        records_quarantined BIGINT NOT NULL
    )""",
    # quality gate (docs/quality-gate.md): one row per expectation per run, passed or failed
    """CREATE TABLE IF NOT EXISTS audit.validation_results (
        run_id VARCHAR NOT NULL,
        suite VARCHAR NOT NULL,             -- expectations/<suite>.json
        expectation VARCHAR NOT NULL,       -- the expectation's name in the suite
        severity VARCHAR NOT NULL,          -- critical | warning
        "table" VARCHAR NOT NULL,
        success BOOLEAN NOT NULL,
        n_failed BIGINT NOT NULL,           -- failing rows (or 1 for a table-level expectation)
        failing_rows VARCHAR NOT NULL,      -- JSON: a sample of the failing rows (at most 5)
        checked_at TIMESTAMP NOT NULL,
        description VARCHAR                 -- what the expectation protects, or why it was skipped
    )""",
    # The state ledger (docs/publication.md, "Publish only a verified state"): every change of the warehouse
    # (an ingest that loaded something, a dbt invocation that wrote tables) and every quality-gate evaluation, in
    # the order they happened. Publication reads it to prove that the state it publishes is the state that
    # passed the gate, whatever entry point started the run.
    "CREATE SEQUENCE IF NOT EXISTS audit.state_seq",
    """CREATE TABLE IF NOT EXISTS audit.state_log (
        seq BIGINT NOT NULL DEFAULT nextval('audit.state_seq'),
        logged_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
        run_id VARCHAR,                     -- NULL for a dbt invocation started outside the pipeline
        event VARCHAR NOT NULL,             -- ingest | dbt | check | publish
        name VARCHAR NOT NULL,              -- landing source | dbt command | suite | publication status
        peildatum DATE,
        fingerprint VARCHAR,                -- dbt: seeds and dbt code it ran with; publish: the publication's
        passed BOOLEAN NOT NULL,            -- dbt: a whole-project build without errors; check: no critical failure
        detail VARCHAR                      -- JSON
    )""",
]


class WarehouseLockedError(RuntimeError):
    """Another process holds the write lock on the warehouse file."""


class WarehouseDamagedError(RuntimeError):
    """The warehouse file exists but DuckDB cannot read it (truncated, corrupt blocks, not a DuckDB file)."""


# DuckDB's own text for a lock held by another process ("Could not set lock on file ...: Conflicting lock is
# held in ... (PID n)"); a bare "lock" would also match "block" in a corruption message.
_LOCK_CONFLICT = ("could not set lock on file", "conflicting lock is held")


def is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _LOCK_CONFLICT)


def damaged_message(path: Path, exc: BaseException) -> str:
    reason = str(exc).removeprefix("IO Error: ").strip()
    return (f"warehouse {path} is damaged ({reason}): restore a backup or remove it to rebuild from the "
            "landing folder")


@contextlib.contextmanager
def connect(path: Path, read_only: bool = False,
            config: Mapping[str, str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse; `config` is DuckDB's configuration of the connection (the heavy steps pass
    Settings.duckdb_config(): memory limit and spill folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.is_file()
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
    except duckdb.Error as exc:
        if is_lock_conflict(exc):
            raise WarehouseLockedError(
                f"The warehouse {path} is in use by another process (DuckDB allows one writer). "
                "Wait for the other run to finish, or stop `make dev` / the other `jeugdkpi run`."
            ) from exc
        # a file that was there and cannot be opened: damaged (not a missing folder or a permission problem)
        if existed and not isinstance(exc, duckdb.PermissionException) and "permission denied" not in str(exc).lower():
            raise WarehouseDamagedError(damaged_message(path, exc)) from exc
        raise
    try:
        yield con
    finally:
        con.close()


def ensure_audit_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in AUDIT_DDL:
        con.execute(stmt)
    _migrate_ingest_files_key(con)
    _migrate_ingest_files_landed_at(con)


def _migrate_ingest_files_key(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses made before the source was part of audit.ingest_files' key (file_path, sha256): rebuild the table
    with the current key, keeping every row (one file under one name in two landing folders failed the run)."""
    key = con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE schema_name = 'audit' "
                      "AND table_name = 'ingest_files' AND constraint_type = 'PRIMARY KEY'").fetchone()
    if key is None or "source" in key[0]:
        return
    ddl = next(s for s in AUDIT_DDL if "audit.ingest_files (" in s)
    con.execute(ddl.replace("IF NOT EXISTS audit.ingest_files (", "audit.ingest_files_rekeyed ("))
    con.execute("INSERT INTO audit.ingest_files_rekeyed BY NAME SELECT * FROM audit.ingest_files")
    con.execute("DROP TABLE audit.ingest_files")
    con.execute("ALTER TABLE audit.ingest_files_rekeyed RENAME TO ingest_files")


def _migrate_ingest_files_landed_at(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses made before the landing moment was recorded: add the column `landed_at` in place. Earlier rows keep
    NULL, and the delivery status then falls back to the moment the pipeline first loaded the file."""
    con.execute("ALTER TABLE audit.ingest_files ADD COLUMN IF NOT EXISTS landed_at TIMESTAMP")


def log_state(con: duckdb.DuckDBPyConnection, run_id: str | None, event: str, name: str, *, peildatum=None,
              passed: bool = True, fingerprint: str | None = None, detail: dict | None = None) -> None:
    """One row in the state ledger `audit.state_log` (see AUDIT_DDL; dbt writes its own rows through hooks)."""
    con.execute("INSERT INTO audit.state_log (run_id, event, name, peildatum, fingerprint, passed, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [run_id, event, name, peildatum, fingerprint, passed, json.dumps(detail or {}, default=str)])


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `schema.table` (or `table` in main) exists in the connected database."""
    schema, _, name = table.rpartition(".")
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema or "main", name]).fetchone()[0] > 0
