"""Write-audit-publish: the published folder and its atomic swap (docs/publication.md).

    <JEUGDKPI_PUBLISH>/
      current -> snapshots/2026-H1/v2        the live publication (a relative symlink)
      kpi.duckdb, manifest.json, *.parquet,  stable entry points: symlinks into current/
      validation.html, docs
      snapshots/<half-year>/v<N>/            every publication, immutable (read-only files), never rewritten
      .staging-<run id>/                     a publication being written (only during the publish step)

A publication is written completely into `.staging-<run id>`, renamed to its snapshot folder (a rename of a
directory on one file system is atomic) and then made live by replacing the `current` symlink with
`os.replace` (atomic). A crash at any point leaves `current` pointing at a complete publication: the old
one until the swap, the new one after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

CURRENT = "current"
SNAPSHOTS = "snapshots"
STAGING_PREFIX = ".staging-"
ENTRY_POINTS = ("kpi.duckdb", "manifest.json", "validation.html", "docs")


def _crash_point(step: str) -> None:
    """No-op; tests replace it to simulate a run killed at `step` (written, renamed)."""


def half_year(day: dt.date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def current_dir(root: Path) -> Path | None:
    link = Path(root) / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def read_current_manifest(root: Path) -> dict | None:
    cur = current_dir(root)
    if cur is None or not (cur / "manifest.json").is_file():
        return None
    return json.loads((cur / "manifest.json").read_text(encoding="utf-8"))


def verify(folder: Path) -> dict:
    """Check a publication against its manifest (every listed file present with its SHA-256); returns it."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        if sha256_file(folder / name) != digest:
            raise ValueError(f"{folder / name} does not match manifest.json")
    return manifest


def _write_tables(folder: Path, tables: dict[str, pd.DataFrame], types: dict[str, dict[str, str]]) -> None:
    con = duckdb.connect(str(folder / "kpi.duckdb"))
    try:
        for name, frame in tables.items():
            cols = types.get(name) or {c: None for c in frame.columns}
            select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' if t else f'"{c}"' for c, t in cols.items())
            con.register("_frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT {select} FROM _frame')
            con.unregister("_frame")
            con.execute(f"""COPY "{name}" TO '{folder / (name + ".parquet")}' (FORMAT parquet, COMPRESSION zstd)""")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _next_version(period_dir: Path) -> int:
    versions = [int(p.name[1:]) for p in period_dir.glob("v*") if p.name[1:].isdigit()]
    return max(versions, default=0) + 1


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
    """Remove what a killed publication left behind, none of which was ever live: half-written staging folders,
    and a snapshot renamed into place whose swap never happened (published after the live one, yet not live).
    Runs are serialised (one writer), so at this point every snapshot newer than `current` is such a leftover."""
    root = Path(root)
    for stale in root.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    for link in root.glob(".current-*"):
        link.unlink()
    live = current_dir(root)
    live_at = read_current_manifest(root)["published_at"] if live else ""
    for manifest in root.glob(f"{SNAPSHOTS}/*/v*/manifest.json"):
        folder = manifest.parent.resolve()
        if folder != live and json.loads(manifest.read_text(encoding="utf-8"))["published_at"] > live_at:
            shutil.rmtree(folder)


def publish(root: Path, *, run_id: str, peildatum: dt.date, tables: dict[str, pd.DataFrame],
            types: dict[str, dict[str, str]], manifest: dict,
            extra_files: dict[str, Callable[[Path], object]] | None = None) -> Path:
    """Write a publication and make it live atomically; returns its snapshot folder.

    `extra_files` maps a relative path in the publication to a writer function (validation page, dbt docs)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    clean_staging(root)
    period = half_year(peildatum)
    period_dir = root / SNAPSHOTS / period
    period_dir.mkdir(parents=True, exist_ok=True)
    version = _next_version(period_dir)
    snapshot = period_dir / f"v{version}"

    staging = root / f"{STAGING_PREFIX}{run_id}"
    staging.mkdir()
    _write_tables(staging, tables, types)
    for rel, writer in (extra_files or {}).items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        writer(staging / rel)
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    full = {**manifest, "run_id": run_id, "peildatum": peildatum.isoformat(), "period": period,
            "version": version, "snapshot": f"{SNAPSHOTS}/{period}/v{version}",
            "published_at": dt.datetime.now().astimezone().isoformat(timespec="microseconds"),
            "duckdb_version": duckdb.__version__,
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

    link = root / f".current-{run_id}"
    if link.is_symlink():
        link.unlink()
    os.symlink(snapshot.relative_to(root).as_posix(), link)
    os.replace(link, root / CURRENT)  # the atomic swap: readers see the old or the new publication
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _ensure_entry_points(root, [n for n in (*ENTRY_POINTS, *(f"{t}.parquet" for t in tables))
                                if (snapshot / n).exists()])
    return snapshot
