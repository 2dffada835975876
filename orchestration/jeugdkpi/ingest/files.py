"""Landing-file mechanics shared by every ingest: discovery, hashing, archives, audit trail.

A file is identified by its SHA-256. Per (path, sha256) the audit log holds one row; the same content
under a new path is recorded as `duplicate` and loads nothing. Files are never modified or moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from jeugdkpi.warehouse import log_state

ARCHIVE_SEPARATOR = "!"

# Reason codes (docs/quarantine.md explains each to a data engineer).
REASONS = {
    "malformed_xml": "the file is not well-formed XML",
    "dtd_forbidden": "the file declares a DOCTYPE or entities (DTDs are never processed: XXE / entity-expansion protection)",
    "file_too_large": "the file is larger than the per-file limit (JEUGDKPI_MAX_FILE_MB)",
    "bad_archive": "the zip archive cannot be read or holds an unsafe member",
    "unknown_message": "the root element is not an iJw message the warehouse knows",
    "unsupported_release": "the message belongs to an iJw release without a mapping (only 3.2 is mapped)",
    "xsd_invalid": "the message does not validate against the XSD in JEUGDKPI_XSD_DIR",
    "structure_invalid": "a required element is missing or a value has the wrong form",
    "bsn_invalid": "the BSN does not pass the 11-proof",
    "invalid_date": "a date is not a valid calendar date",
    "impossible_dates": "an end date lies before its start date",
    "after_peildatum": "the message is dated after the peildatum (it is loaded by a later run whose peildatum covers it)",
    # Tabular inputs (CBS, population, provider templates, municipal exports, scores): docs/inputs.md
    "unreadable_file": "the file cannot be read as a CSV (UTF-8, comma or semicolon) or XLSX workbook",
    "wrong_columns": "a required column or sheet is missing, or the header holds a column the layout does not know",
    "not_a_number": "a cell that must hold a whole number (or a score) holds text, a negative or a fraction",
    "invalid_value": "a cell holds a value outside its code list or format (periode, indicator, score, date form)",
    "teller_gt_noemer": "a numerator (teller) is larger than its denominator (noemer), or a part is larger than its total",
    "unknown_kpi": "the kpi_id is not a provider-delivered KPI of seeds/kpi_catalogue.csv",
    "unknown_agb": "the AGB code is not a provider in seeds/providers.csv",
    "unknown_gemeente": "the municipality code is not in seeds/municipalities.csv",
    "period_in_future": "the delivery is for a period (or population date) that ends after the peildatum (looked at again by later runs)",
    "duplicate_key": "the same key (kpi_id, CBS cell, request, ...) occurs twice in one file",
    "mixed_delivery": "one delivery file holds more than one provider, period, version or status",
    "empty_delivery": "the delivery holds no filled-in values at all",
}

# Quarantine reasons that depend on the run's settings: such a file is looked at again next run.
RETRIABLE_REASONS = {"after_peildatum", "period_in_future"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LandingItem:
    """One landed file, or one member of a landed zip archive."""

    display_path: str  # relative to the landing folder; archive members as "a.zip!dir/m.xml"
    path: Path | str  # the file on disk (the archive for a member)
    member: str | None = None

    def read(self, max_bytes: int) -> bytes:
        if self.member is None:
            return read_file(self.path, max_bytes)
        else:
            with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as fh:
                data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileTooLargeError(len(data))
        return data


class FileTooLargeError(Exception):
    pass


def read_file(path: Path | str, max_bytes: int) -> bytes:
    """The whole file, or FileTooLargeError past `max_bytes`. Sized by fstat: `read(max_bytes + 1)` on a
    buffered file allocates (and frees) a buffer of max_bytes for every small file, which cost several times
    more than reading it (docs/ingest.md, performance)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise FileTooLargeError(size)
        data = os.read(fd, size + 1)
        if len(data) > size:  # the file grew since fstat: read the rest, still bounded
            parts, total = [data], len(data)
            while total <= max_bytes:
                more = os.read(fd, 1 << 16)
                if not more:
                    break
                parts.append(more)
                total += len(more)
            data = b"".join(parts)
            if len(data) > max_bytes:
                raise FileTooLargeError(len(data))
        return data
    finally:
        os.close(fd)


@dataclass
class ArchiveProblem:
    display_path: str
    path: Path
    reason_code: str
    message: str


def discover(root: Path, patterns: tuple[str, ...], with_zip: bool = False,
             max_bytes: int = 20 * 1024 * 1024,
             problems: list[ArchiveProblem] | None = None) -> Iterator[LandingItem]:
    """Every matching file under `root` (any depth, sorted), archive members expanded.

    Streaming: folders are listed one at a time, entries sorted by name, depth first, which gives the order
    of sorted(Path.rglob(...)) (path components compared one by one) without listing the whole tree
    before the first file, so the ingest starts parsing while the rest is still being listed."""
    if not root.exists():
        return
    suffixes = tuple(p.lower() for p in patterns)
    # os.scandir on strings (d_type, no stat per file): pathlib's rglob costs seconds for 100k+ files.
    stack: list[Iterator[tuple[str, bool, str, str]]] = [_listing(str(root), "")]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        name, is_dir, full, rel = entry
        if is_dir:
            stack.append(_listing(full, rel + "/"))
            continue
        lower = name.lower()
        # `full` stays a str: constructing 100k+ Path objects is measurable in the ingest's main process
        if with_zip and lower.endswith(".zip"):
            yield from _archive_members(full, rel, suffixes, max_bytes, problems)
        elif lower.endswith(suffixes):
            yield LandingItem(rel, full)


def _listing(folder: str, prefix: str) -> Iterator[tuple[str, bool, str, str]]:
    """(name, is_dir, full path, relative path) of the entries of one folder, sorted by name."""
    with os.scandir(folder) as entries:
        listed = sorted((e.name, e.is_dir(follow_symlinks=False), e.path, prefix + e.name) for e in entries
                        if e.is_dir(follow_symlinks=False) or e.is_file())
    return iter(listed)


def _archive_members(path: Path, rel: str, suffixes: tuple[str, ...], max_bytes: int,
                     problems: list[ArchiveProblem] | None) -> Iterator[LandingItem]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        if problems is not None:
            problems.append(ArchiveProblem(rel, path, "bad_archive", f"zip archive cannot be read: {exc}"))
        return
    for info in sorted(infos, key=lambda i: i.filename):
        display = f"{rel}{ARCHIVE_SEPARATOR}{info.filename}"
        if not info.filename.lower().endswith(suffixes):
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > max_bytes or (ratio > 200 and info.file_size > 1024 * 1024):
            if problems is not None:
                problems.append(ArchiveProblem(
                    display, path, "file_too_large",
                    f"archive member expands to {info.file_size} bytes (ratio {ratio:.0f}:1); limit {max_bytes} bytes"))
            continue
        yield LandingItem(display, path, info.filename)


@dataclass
class KnownFiles:
    """What the audit log already knows, so that a re-run changes nothing."""

    by_path_sha: dict[tuple[str, str], str] = field(default_factory=dict)  # -> status
    shas: set[str] = field(default_factory=set)
    retriable: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, source: str) -> "KnownFiles":
        known = cls()
        for path, sha, status in con.execute(
            "SELECT file_path, sha256, status FROM audit.ingest_files WHERE source = ?", [source]
        ).fetchall():
            known.by_path_sha[(path, sha)] = status
        for path, sha in con.execute(
            "SELECT DISTINCT q.file_path, q.sha256 FROM audit.quarantine q "
            "JOIN audit.ingest_files f USING (file_path, sha256) "
            "WHERE q.source = ? AND f.status = 'quarantined' AND q.reason_code IN "
            f"({', '.join(repr(r) for r in sorted(RETRIABLE_REASONS))})",
            [source],
        ).fetchall():
            known.retriable.add((path, sha))
        # A retriable file's content is not "known" for duplicate detection until it is loaded.
        known.shas = {sha for (path, sha) in known.by_path_sha if (path, sha) not in known.retriable}
        return known


@dataclass
class RunStats:
    run_id: str
    source: str
    started_at: dt.datetime
    peildatum: dt.date
    files_seen: int = 0
    files_new: int = 0
    files_duplicate: int = 0
    files_quarantined: int = 0
    records_in: int = 0
    records_loaded: int = 0
    records_quarantined: int = 0
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    rows_by_table: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (discover, parse, load)

    def check_reconciliation(self) -> None:
        if self.records_in != self.records_loaded + self.records_quarantined:
            raise AssertionError(
                f"reconciliation failed for {self.source}: records in {self.records_in} != "
                f"loaded {self.records_loaded} + quarantined {self.records_quarantined}")

    def reject_file(self, audit: "AuditWriter", known: KnownFiles, path: str, sha: str, size: int, reason: str,
                    message: str) -> None:
        """A file rejected as a whole before it could be parsed (unreadable archive, too large): one
        quarantined record, unless the audit log already has it (a re-run changes nothing)."""
        if (path, sha) in known.by_path_sha:
            return
        self.files_new += 1
        self.files_quarantined += 1
        self.records_in += 1
        self.records_quarantined += 1
        self.quarantine_by_reason[reason] = self.quarantine_by_reason.get(reason, 0) + 1
        audit.file(path, sha, size, "quarantined", 1, 0, 1)
        audit.quarantined(path, sha, None, reason, message)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "INSERT INTO audit.ingest_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [self.run_id, self.source, self.started_at, dt.datetime.now(), self.peildatum,
             self.files_seen, self.files_new, self.files_duplicate, self.files_quarantined,
             self.records_in, self.records_loaded, self.records_quarantined],
        )
        if self.files_new > self.files_duplicate or self.records_loaded or self.records_quarantined:
            # the raw tables changed: what the gate checked before this is no longer the current state
            log_state(con, self.run_id, "ingest", self.source, peildatum=self.peildatum,
                      detail={"files_new": self.files_new, "records_loaded": self.records_loaded,
                              "records_quarantined": self.records_quarantined})

    def as_metadata(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "files_seen": self.files_seen,
            "files_new": self.files_new,
            "files_duplicate": self.files_duplicate,
            "files_quarantined": self.files_quarantined,
            "records_in": self.records_in,
            "records_loaded": self.records_loaded,
            "records_quarantined": self.records_quarantined,
            "reconciled": self.records_in == self.records_loaded + self.records_quarantined,
        }


# The row layouts of AuditWriter.files and .quarantine, typed (a typed Arrow column is built without
# inferring its type from 100k+ Python values).
_FILES_SCHEMA = pa.schema([("file_path", pa.string()), ("sha256", pa.string()), ("source", pa.string()),
                           ("size_bytes", pa.int64()), ("first_seen_at", pa.timestamp("us")),
                           ("status", pa.string()), ("n_records", pa.int32()), ("run_id", pa.string()),
                           ("n_loaded", pa.int32()), ("n_quarantined", pa.int32())])
_QUARANTINE_SCHEMA = pa.schema([("file_path", pa.string()), ("sha256", pa.string()),
                                ("record_locator", pa.string()), ("reason_code", pa.string()),
                                ("message", pa.string()), ("run_id", pa.string()), ("source", pa.string())])


class AuditWriter:
    """Buffers audit rows of one run; written inside the run's transaction."""

    def __init__(self, source: str, run_id: str):
        self.source = source
        self.run_id = run_id
        self.files: list[tuple] = []
        self.quarantine: list[tuple] = []
        self.replace: list[tuple[str, str]] = []  # (path, sha) rows to delete first (retried files)

    def file(self, path: str, sha: str, size: int, status: str, n_records: int, n_loaded: int,
             n_quarantined: int) -> None:
        self.files.append((path, sha, self.source, size, dt.datetime.now(), status, n_records,
                           self.run_id, n_loaded, n_quarantined))

    def quarantined(self, path: str, sha: str, locator: str | None, reason: str, message: str) -> None:
        self.quarantine.append((path, sha, locator, reason, message, self.run_id, self.source))

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        for path, sha in self.replace:
            con.execute("DELETE FROM audit.quarantine WHERE file_path = ? AND sha256 = ?", [path, sha])
            con.execute("DELETE FROM audit.ingest_files WHERE file_path = ? AND sha256 = ?", [path, sha])
        # Bulk insert through an Arrow table (columns built in C): DuckDB's executemany is slow for tens of
        # thousands of rows, and a pandas frame of Python strings costs a second conversion.
        for table, rows, schema in (("audit.ingest_files", self.files, _FILES_SCHEMA),
                                    ("audit.quarantine", self.quarantine, _QUARANTINE_SCHEMA)):
            if rows:
                batch = pa.table([pa.array(values, type=f.type) for values, f in zip(zip(*rows), schema)],
                                 schema=schema)
                con.register("audit_batch", batch)
                try:
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM audit_batch")
                finally:
                    con.unregister("audit_batch")
        self.files.clear()
        self.quarantine.clear()
        self.replace.clear()
