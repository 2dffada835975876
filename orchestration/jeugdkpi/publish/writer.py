"""Write-audit-publish: the published folder and its atomic swaps (docs/publication.md).

    <JEUGDKPI_PUBLISH>/
      current -> snapshots/2026-H1/v2        the newest half-year's latest publication (a relative symlink)
      kpi.duckdb, manifest.json, *.parquet,  stable entry points: symlinks into current/
      validation.html, docs
      snapshots/<half-year>/latest -> v2     each half-year's latest version
      snapshots/<half-year>/v<N>/            every publication, immutable (read-only files), never deleted
      .staging-<run id>/                     a publication being written (only during the publish step)
      .lock                                  held by the run that publishes (jeugdkpi.runlock)

A publication is written completely into `.staging-<run id>`, renamed to its snapshot folder (a rename of a
directory on one file system is atomic) and then made live by replacing the half-year's `latest` and, when its
half-year is not older than the live one, the `current` symlink with `os.replace` (atomic). Links only move
forward: `latest` to a higher version, `current` to a later (half-year, version). A crash at any point leaves
`current` pointing at a complete publication: the old one until the swap, the new one after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jeugdkpi import periods
from jeugdkpi.publish.dictionary import COLUMNS_TABLE, DICTIONARY_FILE, Describer, render_markdown

CURRENT = "current"
LATEST = "latest"
SNAPSHOTS = "snapshots"
STAGING_PREFIX = ".staging-"
ENTRY_POINTS = ("kpi.duckdb", "manifest.json", "validation.html", "docs", DICTIONARY_FILE)


def _crash_point(step: str) -> None:
    """No-op; tests replace it to simulate a run killed at `step` (written, renamed)."""



def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _resolved(link: Path) -> Path | None:
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def current_dir(root: Path) -> Path | None:
    return _resolved(Path(root) / CURRENT)


def latest_dir(root: Path, period: str) -> Path | None:
    """The latest publication of one half-year (None before its first)."""
    return _resolved(Path(root) / SNAPSHOTS / period / LATEST)


def read_manifest(folder: Path | None) -> dict | None:
    if folder is None or not (folder / "manifest.json").is_file():
        return None
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def read_current_manifest(root: Path) -> dict | None:
    return read_manifest(current_dir(root))


def read_tables(folder: Path, names: list[str]) -> dict[str, pd.DataFrame | None]:
    """Tables of a publication's kpi.duckdb by name, read in one connection; None for a table the publication does
    not have (made before that table was published)."""
    con = duckdb.connect(str(Path(folder) / "kpi.duckdb"), read_only=True)
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {name: con.execute(f'SELECT * FROM "{name}"').df() if name in present else None for name in names}
    finally:
        con.close()


def verify(folder: Path) -> dict:
    """Check a publication against its manifest (every listed file present with its SHA-256); returns it."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        if sha256_file(folder / name) != digest:
            raise ValueError(f"{folder / name} does not match manifest.json")
    return manifest


def _sql_string(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _write_tables(folder: Path, tables: dict[str, pd.DataFrame], types: dict[str, dict[str, str]],
                  kv_metadata: dict[str, object], views: dict[str, str], describer: Describer | None) -> list[dict]:
    """kpi.duckdb with every table and view, and one Parquet file per table and view carrying `kv_metadata` (the
    publicatie fields) as key-value metadata. With a `describer`: `COMMENT ON` every table, view and column, the
    same texts as Parquet field metadata (`description`) and a `kolommen` table; returns its rows."""
    con = duckdb.connect(str(folder / "kpi.duckdb"))
    try:
        for name, frame in tables.items():
            cols = types.get(name) or {c: None for c in frame.columns}
            select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' if t else f'"{c}"' for c, t in cols.items())
            con.register("_frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT {select} FROM _frame')
            con.unregister("_frame")
        for name, sql in views.items():
            con.execute(f'CREATE VIEW "{name}" AS {sql}')
        rows = _describe(con, describer) if describer else []
        for name in [*tables, *views, *([COLUMNS_TABLE] if describer else [])]:
            _write_parquet(con, name, folder / f"{name}.parquet", kv_metadata)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return rows


def _describe(con, describer: Describer) -> list[dict]:
    """COMMENT ON every table, view and column, and the `kolommen` table (which describes itself too)."""
    con.execute("BEGIN TRANSACTION")  # one commit for the table and every comment (about 2x faster)
    con.execute(f'CREATE TABLE "{COLUMNS_TABLE}" (tabel VARCHAR, soort VARCHAR, kolom VARCHAR, positie INTEGER, '
                'type VARCHAR, omschrijving VARCHAR)')
    objects = con.execute("SELECT table_name, 'tabel' FROM duckdb_tables() WHERE NOT internal UNION ALL "
                          "SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal").fetchall()
    kinds = dict(objects)
    columns = con.execute("SELECT table_name, column_name, column_index, data_type FROM duckdb_columns() "
                          "WHERE NOT internal ORDER BY table_name, column_index").fetchall()
    rows = [{"tabel": t, "soort": kinds[t], "kolom": c, "positie": i, "type": ty,
             "omschrijving": describer.column(t, c)} for t, c, i, ty in columns if t in kinds]
    con.executemany(f'INSERT INTO "{COLUMNS_TABLE}" VALUES (?, ?, ?, ?, ?, ?)',
                    [tuple(r.values()) for r in rows])
    for table, kind in kinds.items():
        text = describer.table(table)
        if text:
            con.execute(f'COMMENT ON {"VIEW" if kind == "view" else "TABLE"} "{table}" IS {_sql_string(text)}')
    for r in rows:
        if r["omschrijving"]:
            con.execute(f'COMMENT ON COLUMN "{r["tabel"]}"."{r["kolom"]}" IS {_sql_string(r["omschrijving"])}')
    con.execute("COMMIT")
    return rows


def _write_parquet(con, name: str, path: Path, kv_metadata: dict[str, object]) -> None:
    """One table or view as Parquet (zstd): the file's key-value metadata holds `kv_metadata` and the table's
    comment (`description`); every field's metadata its column comment (`description`), as in kpi.duckdb."""
    data = con.execute(f'SELECT * FROM "{name}"').to_arrow_table()
    comments = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?",
                                [name]).fetchall())
    table_comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ? UNION ALL "
                                "SELECT comment FROM duckdb_views() WHERE view_name = ?", [name, name]).fetchone()
    fields = [f.with_metadata({b"description": comments[f.name].encode()}) if comments.get(f.name) else f
              for f in data.schema]
    meta = {str(k).encode(): str(v).encode() for k, v in kv_metadata.items()}
    if table_comment and table_comment[0]:
        meta[b"description"] = table_comment[0].encode()
    pq.write_table(pa.Table.from_arrays(data.columns, schema=pa.schema(fields, metadata=meta)), path,
                   compression="zstd")


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def next_version(root: Path, period: str) -> int:
    """The next free version number of a half-year: one above every snapshot folder there, complete or not."""
    folder = Path(root) / SNAPSHOTS / period
    versions = [int(p.name[1:]) for p in folder.glob("v*") if p.name[1:].isdigit()] if folder.is_dir() else []
    return max(versions, default=0) + 1


def _version_key(target: str) -> tuple[str, int]:
    """'snapshots/2026-H1/v3' -> ('2026-H1', 3), 'v3' -> ('', 3) (relative link targets); unknown -> ('', -1)."""
    parts = target.strip("/").split("/")
    period = parts[-2] if len(parts) >= 2 else ""
    version = parts[-1][1:]
    return (period, int(version)) if parts[-1].startswith("v") and version.isdigit() else ("", -1)


def _advance_link(link: Path, target: str, tag: str) -> bool:
    """Point `link` at `target` (relative) unless it already points at a later (half-year, version): links only
    move forward. Returns whether it moved. The replacement is atomic (os.replace of a fresh symlink)."""
    mine = _version_key(target)
    if link.is_symlink():
        there = os.readlink(link)
        if there == target:
            return False
        theirs = _version_key(there)
        if mine[1] < 0 or (theirs > mine and (link.parent / there).is_dir()):
            return False
        # a link rolled back by hand to an older version (or to a removed folder) is moved forward again
    tmp = link.parent / f".{link.name}-{tag}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)
    return True


def _ensure_entry_points(root: Path, names: list[str]) -> None:
    for name in names:
        link = root / name
        if link.is_symlink() or not link.exists():
            if not link.is_symlink() or os.readlink(link) != f"{CURRENT}/{name}":
                tmp = root / f".link-{name}"
                if tmp.is_symlink() or tmp.exists():
                    tmp.unlink()
                os.symlink(f"{CURRENT}/{name}", tmp)
                os.replace(tmp, link)


def clean_staging(root: Path) -> None:
    """Remove what a killed publication left behind that was never a snapshot: half-written staging folders and
    temporary links. Snapshot folders are never deleted, not even one renamed into place by a run that was killed
    before its swap (it stays, never latest; `jeugdkpi publicaties` shows it as such). Only the publishing run
    calls this, under the publish folder's lock, so no other writer's staging folder can be here."""
    root = Path(root)
    for stale in root.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    for link in [*root.glob(f".{CURRENT}-*"), *root.glob(f"{SNAPSHOTS}/*/.{LATEST}-*")]:
        link.unlink()


@dataclass
class Written:
    snapshot: Path
    manifest: dict
    is_latest: bool       # the half-year's `latest` moved to it
    is_current: bool      # `current` moved to it


def publish(root: Path, *, run_id: str, peildatum: dt.date, version: int, tables: dict[str, pd.DataFrame],
            types: dict[str, dict[str, str]], manifest: dict, info: dict[str, object],
            extra_files: dict[str, Callable[[Path], object]] | None = None, views: dict[str, str] | None = None,
            describer: Describer | None = None) -> Written:
    """Write publication `version` of the peildatum's half-year and make it live atomically. The caller holds the
    publish folder's lock and has called `clean_staging` (see build.build_publication).

    `info`: the fields of the `publicatie` table and the Parquet key-value metadata besides half-year, peildatum,
    version, run id and created_at (fingerprints, code version, gate result). `extra_files` maps a relative path in
    the publication to a writer function (validation page, dbt docs). `views`: name -> SELECT over the published
    tables (`dictionary.VIEW`); `describer`: the descriptions behind COMMENT ON, the Parquet field metadata, the
    `kolommen` table and woordenboek.md (docs/bi.md)."""
    root = Path(root)
    period = periods.half_year(peildatum)
    period_dir = root / SNAPSHOTS / period
    period_dir.mkdir(parents=True, exist_ok=True)
    snapshot = period_dir / f"v{version}"
    if snapshot.exists():
        raise FileExistsError(f"{snapshot} bestaat al: een snapshot wordt nooit overschreven")
    created_at = dt.datetime.now().astimezone().isoformat(timespec="microseconds")
    publicatie = {"half_year": period, "peildatum": peildatum.isoformat(), "version": version, "run_id": run_id,
                  "created_at": created_at, **info}
    tables = {**tables, "publicatie": pd.DataFrame([publicatie])}
    types = {**types, "publicatie": {k: "INTEGER" if k == "version" else "DATE" if k == "peildatum" else "VARCHAR"
                                     for k in publicatie}}

    staging = root / f"{STAGING_PREFIX}{run_id}"
    staging.mkdir()
    columns = _write_tables(staging, tables, types, {f"jeugdkpi_{k}": v for k, v in publicatie.items()}, views or {},
                            describer)
    if describer:
        (staging / DICTIONARY_FILE).write_text(render_markdown(columns, describer, f"{period} v{version}"),
                                               encoding="utf-8")
    for rel, writer in (extra_files or {}).items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        writer(staging / rel)
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    full = {**manifest, **publicatie, "period": period, "snapshot": f"{SNAPSHOTS}/{period}/v{version}",
            "published_at": created_at, "duckdb_version": duckdb.__version__,
            "files": {p.relative_to(staging).as_posix(): sha256_file(p) for p in files}}
    (staging / "manifest.json").write_text(json.dumps(full, indent=1, ensure_ascii=False, default=str),
                                          encoding="utf-8")
    for p in staging.rglob("*"):
        if p.is_file():
            p.chmod(0o444)  # immutable snapshot
    _fsync_tree(staging)
    _crash_point("written")

    os.rename(staging, snapshot)  # atomic; the snapshot folder did not exist
    _crash_point("renamed")

    is_latest = _advance_link(period_dir / LATEST, f"v{version}", run_id)
    _fsync_dir(period_dir)
    is_current = is_latest and make_current(root, snapshot, run_id)
    return Written(snapshot=snapshot, manifest=full, is_latest=is_latest, is_current=is_current)


def make_current(root: Path, snapshot: Path, tag: str) -> bool:
    """Point `current` (and the entry points) at `snapshot` unless current is already on a later half-year or
    version; returns whether current now points at it."""
    root = Path(root)
    target = f"{SNAPSHOTS}/{snapshot.parent.name}/{snapshot.name}"
    moved = _advance_link(root / CURRENT, target, tag)
    _fsync_dir(root)
    if moved:
        _ensure_entry_points(root, [n.name for n in snapshot.iterdir() if n.name in ENTRY_POINTS
                                    or n.suffix == ".parquet"])
    return moved or current_dir(root) == snapshot.resolve()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def list_snapshots(root: Path) -> list[dict]:
    """Every snapshot, oldest half-year and version first, with whether it is its half-year's latest and current."""
    root = Path(root)
    live = current_dir(root)
    out = []
    for period_dir in sorted(p for p in (root / SNAPSHOTS).glob("*") if p.is_dir()) if (root / SNAPSHOTS).is_dir() \
            else []:
        latest = latest_dir(root, period_dir.name)
        for folder in sorted((p for p in period_dir.glob("v*") if p.name[1:].isdigit()), key=lambda p: int(p.name[1:])):
            manifest = read_manifest(folder) or {}
            out.append({"period": period_dir.name, "version": int(folder.name[1:]), "folder": folder,
                        "manifest": manifest, "is_latest": folder.resolve() == latest,
                        "is_current": folder.resolve() == live})
    return out
