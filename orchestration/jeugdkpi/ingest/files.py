"""Landing-file mechanics shared by every ingest: discovery, hashing, archives, audit trail.

A file is identified by its SHA-256. Per (path, sha256) the audit log holds one row; the same content
under a new path is recorded as `duplicate` and loads nothing. Files are never modified or moved.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from jeugdkpi.progress import nl
from jeugdkpi.warehouse import log_state

log = logging.getLogger(__name__)

ARCHIVE_SEPARATOR = "!"

# Reason codes (docs/quarantine.md explains each to a data engineer).
REASONS = {
    "malformed_xml": "the file is not well-formed XML",
    "dtd_forbidden": "the file declares a DOCTYPE or entities (DTDs are never processed: XXE / entity-expansion "
                     "protection)",
    "file_too_large": "the file is larger than the per-file limit (JEUGDKPI_MAX_FILE_MB)",
    "bad_archive": "the zip archive cannot be read or holds an unsafe member (absolute path, '..', symlink, "
                   "encrypted, bad CRC or a size that lies)",
    "symlink": "the landing entry is a symbolic link; links are never followed (nothing outside the landing "
               "folder is opened)",
    "not_a_regular_file": "the landing entry is not a regular file (FIFO, device or socket) and is never opened",
    "read_error": "the file could not be read (an I/O error, or it changed while it was read)",
    "unknown_message": "the root element is not an iJw message the warehouse knows",
    "unsupported_release": "the message belongs to an iJw release without a mapping (only 3.2 is mapped)",
    "xsd_invalid": "the message does not validate against the XSD in JEUGDKPI_XSD_DIR",
    "structure_invalid": "a required element is missing or a value has the wrong form",
    "bsn_invalid": "the BSN does not pass the 11-proof",
    "invalid_date": "a date is not a valid calendar date",
    "impossible_dates": "an end date lies before its start date",
    "after_peildatum": "the message is dated after the peildatum (it is loaded by a later run whose peildatum "
                       "covers it)",
    # Tabular inputs (CBS, population, provider templates, municipal exports, scores): docs/inputs.md
    "unreadable_file": "the file cannot be read as a CSV (UTF-8, comma or semicolon) or XLSX workbook",
    "wrong_columns": "a required column or sheet is missing, or the header holds a column the layout does not know",
    "not_a_number": "a cell that must hold a whole number (or a score) holds text, a negative or a fraction",
    "invalid_value": "a cell holds a value outside its code list or format (periode, indicator, score, date form)",
    "teller_gt_noemer": "a numerator (teller) is larger than its denominator (noemer), or a part is larger than "
                        "its total",
    "unknown_kpi": "the kpi_id is not a provider-delivered KPI of seeds/kpi_catalogue.csv",
    "unknown_agb": "the AGB code is not a provider in seeds/providers.csv",
    "unknown_gemeente": "the municipality code is not in seeds/municipalities.csv",
    "period_in_future": "the delivery is for a period (or population date) that ends after the peildatum (looked "
                        "at again by later runs)",
    "duplicate_key": "the same key (kpi_id, CBS cell, request, ...) occurs twice in one file",
    "mixed_delivery": "one delivery file holds more than one provider, period, version or status",
    "empty_delivery": "the delivery holds no filled-in values at all",
    "workbook_too_large": "the XLSX workbook would expand past the limits (20 MB, compression ratio 100, "
                          "500,000 cells); refused unread",
    "formula_without_value": "a workbook cell holds a formula saved without its computed value (formulas are "
                             "never evaluated)",
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
    mtime: float | None = None  # st_mtime at discovery (discover(with_mtime=True)): when it landed

    def read(self, max_bytes: int) -> bytes:
        if self.member is None:
            return read_file(self.path, max_bytes)
        else:
            with open_archive(self.path) as zf, zf.open(self.member) as fh:
                data = fh.read(max_bytes + 1)
                declared = zf.getinfo(self.member).file_size
        if len(data) > max_bytes:
            raise FileTooLargeError(len(data))
        if len(data) != declared:  # zipfile checks the CRC, but not a size declared larger than the data
            raise zipfile.BadZipFile(f"member {self.member!r} declares {declared} bytes but holds {len(data)}")
        return data


class FileTooLargeError(Exception):
    pass


class NotRegularFileError(OSError):
    """The path turned out not to be a regular file when it was opened (swapped after discovery)."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path} is not a regular file ({reason})")
        self.reason = reason  # "symlink" or "not_a_regular_file" (REASONS)


def open_regular(path: Path | str) -> tuple[int, os.stat_result]:
    """A read-only descriptor of the regular file at `path`, and its fstat. Second line of defence behind discovery
    (which never lists links or special files): O_NOFOLLOW refuses a link swapped in since, O_NONBLOCK keeps a FIFO
    from blocking the open, and fstat refuses anything but a regular file before a byte is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if os.path.islink(path):  # ELOOP from O_NOFOLLOW
            raise NotRegularFileError(path, "symlink") from exc
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotRegularFileError(path, "not_a_regular_file")
    return fd, st


@contextlib.contextmanager
def open_archive(path: Path | str) -> Iterator[zipfile.ZipFile]:
    """A zip archive opened through open_regular (never through a link); closed with its descriptor."""
    with os.fdopen(open_regular(path)[0], "rb") as fh, zipfile.ZipFile(fh) as zf:
        yield zf


def read_file(path: Path | str, max_bytes: int) -> bytes:
    """The whole file, or FileTooLargeError past `max_bytes`. Sized by fstat: `read(max_bytes + 1)` on a
    buffered file allocates (and frees) a buffer of max_bytes for every small file, which cost several times
    more than reading it (docs/ingest.md, performance)."""
    fd, st = open_regular(path)
    try:
        size = st.st_size
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
             problems: list[ArchiveProblem] | None = None,
             skipped: list[str] | None = None, with_mtime: bool = False) -> Iterator[LandingItem]:
    """Every matching file under `root` (any depth, sorted), archive members expanded.

    Streaming: folders are listed one at a time, entries sorted by name, depth first, which gives the order
    of sorted(Path.rglob(...)) (path components compared one by one) without listing the whole tree
    before the first file, so the ingest starts parsing while the rest is still being listed.

    Confinement (docs/ingest.md, hostile input): entries are classified from the directory listing without
    following links, so nothing outside `root` is opened or listed. A symbolic link (to a file or a folder,
    wherever it points) and a FIFO, device or socket become a problem (`symlink`, `not_a_regular_file`) and
    are never opened; editor and partial files (`~$*`, `*.part`, `*.tmp`, dot-files and dot-folders) are
    not deliveries: they go to `skipped` and the log. Without a `problems` list a refused entry is only
    logged, never yielded. `with_mtime` adds each plain file's modification time (one lstat per file: the
    tabular sources' landing moment, docs/ingest.md; the message ingest does without it)."""
    if not root.exists():
        return
    suffixes = tuple(p.lower() for p in patterns)
    # os.scandir on strings (d_type, no stat per file): pathlib's rglob costs seconds for 100k+ files.
    stack: list[Iterator[tuple[str, str, str, str]]] = [_listing(str(root), "")]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        name, kind, full, rel = entry
        if kind == "dir":
            stack.append(_listing(full, rel + "/"))
            continue
        if kind == "skip":
            log.info("landing entry %s skipped: an editor, partial or hidden file is not a delivery", rel)
            if skipped is not None:
                skipped.append(rel)
            continue
        if kind != "file":
            message = (f"{kind} refused: a symbolic link is never followed" if kind == "symlink" else
                       f"{kind} refused: only regular files are read (this is a FIFO, device or socket)")
            log.warning("landing entry %s: %s", rel, message)
            if problems is not None:
                problems.append(ArchiveProblem(rel, Path(full), kind, message))
            continue
        lower = name.lower()
        # `full` stays a str: constructing 100k+ Path objects is measurable in the ingest's main process
        if with_zip and lower.endswith(".zip"):
            yield from _archive_members(full, rel, suffixes, max_bytes, problems)
        elif lower.endswith(suffixes):
            yield LandingItem(rel, full, None, _mtime(full) if with_mtime else None)


def _mtime(path: str) -> float | None:
    try:
        return os.lstat(path).st_mtime
    except OSError:  # gone since it was listed: reading it reports the problem
        return None


SKIPPED_SUFFIXES = (".part", ".tmp")


def is_skipped_name(name: str) -> bool:
    """An editor lock file (`~$x.xlsx`), a partial download or copy (`.part`, `.tmp`) or a hidden entry."""
    return name.startswith((".", "~$")) or name.lower().endswith(SKIPPED_SUFFIXES)


def _kind(entry: os.DirEntry) -> str:
    """dir, file, symlink, not_a_regular_file or skip; from the listing's d_type, links never followed."""
    if is_skipped_name(entry.name):
        return "skip"
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    if entry.is_file(follow_symlinks=False):
        return "file"
    return "not_a_regular_file"


def _listing(folder: str, prefix: str) -> Iterator[tuple[str, str, str, str]]:
    """(name, kind, full path, relative path) of the entries of one folder, sorted by name."""
    with os.scandir(folder) as entries:
        listed = sorted((e.name, _kind(e), e.path, prefix + e.name) for e in entries)
    return iter(listed)


def unsafe_member(info: zipfile.ZipInfo) -> str | None:
    """Why an archive member must not be read, or None: an absolute path or `..` (a path that would leave
    any folder it were extracted to), a symbolic link, or encryption (no password is ever tried)."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "the member has an absolute path"
    if ".." in name.split("/"):
        return "the member path contains '..'"
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        return "the member is a symbolic link"
    if info.flag_bits & 0x1:
        return "the member is encrypted"
    return None


def _archive_members(path: str, rel: str, suffixes: tuple[str, ...], max_bytes: int,
                     problems: list[ArchiveProblem] | None) -> Iterator[LandingItem]:
    try:
        with open_archive(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except NotRegularFileError as exc:
        if problems is not None:
            problems.append(ArchiveProblem(rel, Path(path), exc.reason, str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - any damage confines itself to this archive
        if problems is not None:
            problems.append(ArchiveProblem(rel, Path(path), "bad_archive",
                                           f"zip archive cannot be read: {type(exc).__name__}: {exc}"))
        return
    for info in sorted(infos, key=lambda i: i.filename):
        display = f"{rel}{ARCHIVE_SEPARATOR}{info.filename}"
        unsafe = unsafe_member(info)
        if unsafe is not None:
            if problems is not None:
                problems.append(ArchiveProblem(display, Path(path), "bad_archive", f"{unsafe}; it is not read"))
            continue
        if not info.filename.lower().endswith(suffixes):
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > max_bytes or (ratio > 200 and info.file_size > 1024 * 1024):
            if problems is not None:
                problems.append(ArchiveProblem(
                    display, Path(path), "file_too_large",
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
    def load(cls, con: duckdb.DuckDBPyConnection, source: str) -> KnownFiles:
        known = cls()
        for path, sha, status in con.execute(
            "SELECT file_path, sha256, status FROM audit.ingest_files WHERE source = ?", [source]
        ).fetchall():
            known.by_path_sha[(path, sha)] = status
        for path, sha in con.execute(
            "SELECT DISTINCT q.file_path, q.sha256 FROM audit.quarantine q "
            "JOIN audit.ingest_files f USING (source, file_path, sha256) "
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
    files_skipped: int = 0  # editor, partial and hidden files: not deliveries, not in files_seen
    # File reconciliation (berichten; not in audit.ingest_runs): files_seen = files_unchanged + files_loaded
    # + files_duplicate + files_quarantined, where files_quarantined includes files_deferred (new files held
    # back as dated after the peildatum; their audit status is `quarantined`, retried by later runs).
    files_loaded: int = 0
    files_deferred: int = 0
    files_unchanged: int = 0  # known from an earlier run (or still after the peildatum): nothing changes
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

    def check_files(self) -> None:
        parts = (self.files_unchanged, self.files_loaded, self.files_duplicate, self.files_quarantined)
        if self.files_seen != sum(parts) or self.files_deferred > self.files_quarantined:
            raise AssertionError(
                f"file reconciliation failed for {self.source}: files seen {self.files_seen} != unchanged "
                f"{parts[0]} + loaded {parts[1]} + duplicate {parts[2]} + quarantined {parts[3]} (of which "
                f"deferred {self.files_deferred})")

    def reject_file(self, audit: AuditWriter, known: KnownFiles, path: str, sha: str, size: int, reason: str,
                    message: str) -> None:
        """A file rejected as a whole before it could be parsed (unreadable archive, too large): one
        quarantined record, unless the audit log already has it (a re-run changes nothing)."""
        if (path, sha) in known.by_path_sha:
            self.files_unchanged += 1
            return
        self.files_new += 1
        self.files_quarantined += 1
        self.records_in += 1
        self.records_quarantined += 1
        self.quarantine_by_reason[reason] = self.quarantine_by_reason.get(reason, 0) + 1
        audit.file(path, sha, size, "quarantined", 1, 0, 1)
        audit.quarantined(path, sha, None, reason, message)

    def reject_problems(self, audit: AuditWriter, known: KnownFiles, problems: list[ArchiveProblem]) -> None:
        """The entries discovery refused (links, special files, unreadable archives, unsafe or too large
        members), each as a file rejected as a whole under a stable stand-in for its hash (it was never read; the
        stand-in is the one earlier releases used for archive problems, so a re-run changes nothing)."""
        for problem in problems:
            self.reject_file(audit, known, problem.display_path,
                             sha256_bytes(f"archive:{problem.display_path}".encode()), 0,
                             problem.reason_code, problem.message)

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

    def progress_detail(self) -> str:
        """The step's line in `jeugdkpi run`: records in, loaded, quarantined, and of those the ones held back for a
        later run (dated after the peildatum: a quarantine row per held-back record)."""
        deferred = sum(n for reason, n in self.quarantine_by_reason.items() if reason in RETRIABLE_REASONS)
        return (f"{nl(self.records_in)} records: {nl(self.records_loaded)} geladen, "
                f"{nl(self.records_quarantined)} in quarantaine"
                + (f" (waarvan {nl(deferred)} na peildatum, volgende run)" if deferred else ""))

    def as_metadata(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "files_seen": self.files_seen,
            "files_new": self.files_new,
            "files_duplicate": self.files_duplicate,
            "files_quarantined": self.files_quarantined,
            "files_skipped": self.files_skipped,
            "files_deferred": self.files_deferred,
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
                           ("n_loaded", pa.int32()), ("n_quarantined", pa.int32()),
                           ("landed_at", pa.timestamp("us"))])
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
             n_quarantined: int, landed_at: dt.datetime | None = None) -> None:
        self.files.append((path, sha, self.source, size, dt.datetime.now(), status, n_records,
                           self.run_id, n_loaded, n_quarantined, landed_at))

    def quarantined(self, path: str, sha: str, locator: str | None, reason: str, message: str) -> None:
        self.quarantine.append((path, sha, locator, reason, message, self.run_id, self.source))

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        for path, sha in self.replace:
            for table in ("audit.quarantine", "audit.ingest_files"):
                con.execute(f"DELETE FROM {table} WHERE source = ? AND file_path = ? AND sha256 = ?",
                            [self.source, path, sha])
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


# ------------------------------------------------------------------------------------------- landing moment
# When a delivery arrived (docs/ingest.md, "Landing moment"): the file's modification time, or the landing
# sensor's first sight of the same content when that is earlier, never later than the moment the pipeline
# reads it. The sensor keeps its first sights in a small JSON file beside the warehouse (never in the landing
# folder, never under the warehouse lock): {"version": 1, "files": {"<source>/<path>": {"size", "mtime_ns",
# "sha256", "first_seen"}}}. Only the ingest reads it; a missing or damaged file means modification times only.

FIRST_SIGHT_SUFFIX = ".first-seen.json"


def first_sight_path(warehouse: Path) -> Path:
    """The sensor's first-sight log of the warehouse at `warehouse`
    (beside it: data/warehouse.duckdb.first-seen.json)."""
    return Path(warehouse).with_name(Path(warehouse).name + FIRST_SIGHT_SUFFIX)


def _read_first_sights(path: Path) -> dict[str, dict]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        files = doc["files"] if doc.get("version") == 1 else {}
        return {k: v for k, v in files.items()
                if isinstance(v, dict) and {"size", "mtime_ns", "sha256", "first_seen"} <= v.keys()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("first-sight log %s cannot be read (%s): modification times only", path, exc)
        return {}


def first_sights(path: Path, source: str) -> dict[tuple[str, str], dt.datetime]:
    """(path below landing/<source>, sha256) -> when the sensor first saw that content there."""
    out = {}
    for key, entry in _read_first_sights(path).items():
        src, _, rel = key.partition("/")
        if src == source:
            with contextlib.suppress(ValueError, TypeError):
                out[(rel, entry["sha256"])] = dt.datetime.fromisoformat(entry["first_seen"])
    return out


def record_first_sights(path: Path, landing: Path, entries: Iterator[tuple[str, str, int, int]],
                        now: dt.datetime, max_bytes: int) -> int:
    """The sensor's part: note the first sight of every (source, relative path, size, mtime_ns) in `entries`.
    A file whose size and mtime are unchanged keeps its entry unread; a new or changed one is hashed (through
    read_file: never a link or FIFO) and keeps its earlier first sight only when its content is the same (a
    copy or `touch` that moved the mtime on). Entries of files no longer there are dropped. Written atomically
    (temporary file + rename). Returns the number of files noted for the first time."""
    old = _read_first_sights(path)
    new: dict[str, dict] = {}
    noted = 0
    for source, rel, size, mtime_ns in entries:
        key = f"{source}/{rel}"
        prev = old.get(key)
        if prev is not None and (prev["size"], prev["mtime_ns"]) == (size, mtime_ns):
            new[key] = prev
            continue
        try:
            sha = sha256_bytes(read_file(Path(landing) / source / rel, max_bytes))
        except (OSError, FileTooLargeError):
            continue  # too large, gone or refused: the ingest reports it
        same = prev is not None and prev["sha256"] == sha
        noted += not same
        new[key] = {"size": size, "mtime_ns": mtime_ns, "sha256": sha,
                    "first_seen": prev["first_seen"] if same else now.isoformat(timespec="seconds")}
    if new != old:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps({"version": 1, "files": new}, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
    return noted


def landing_moment(item: LandingItem, sha: str, sights: dict[tuple[str, str], dt.datetime],
                   read_at: dt.datetime) -> dt.datetime:
    """When `item` (content `sha`) arrived: the earliest of its modification time, the sensor's first sight of
    the same content under the same path, and `read_at` (a modification time in the future - clock skew, or a
    copy that kept a future time - is not believed)."""
    moments = [read_at]
    if item.mtime is not None:
        moments.append(dt.datetime.fromtimestamp(item.mtime))
    seen = sights.get((item.display_path, sha))
    if seen is not None:
        moments.append(seen)
    return min(moments)
