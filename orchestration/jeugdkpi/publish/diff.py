"""What changed between two publications: `jeugdkpi diff` and the `revisies` table of every publication
(docs/publication.md). Compares published `kpi_values` only (suppressed values are NULL on both sides, so a diff
never reveals a suppressed value)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jeugdkpi.publish import writer

KEY = ["kpi_id", "period", "municipality_code", "provider_agb", "care_form"]
MEASURES = ["value", "numerator", "denominator", "n_youths"]
TOLERANCE = 1e-9   # relative; a value that moves less than this (last-digit noise) is unchanged
# change kinds (Dutch: read by BI users and contract managers)
ADDED, REMOVED, CHANGED = "toegevoegd", "verwijderd", "gewijzigd"
SUPPRESSED, UNSUPPRESSED = "onderdrukt", "niet meer onderdrukt"
REVISION_COLUMNS = [*KEY, "change", "old_value", "new_value", "previous_publication", "publication", "published_at"]


def read_kpi_values(folder: Path) -> pd.DataFrame:
    return writer.read_tables(folder, ["kpi_values"])["kpi_values"]


def revisions_or_empty(revisies: pd.DataFrame | None) -> pd.DataFrame:
    """A publication's revisies, or none for a publication made before the table existed."""
    return pd.DataFrame(columns=REVISION_COLUMNS) if revisies is None else revisies


def _differs(old: pd.Series, new: pd.Series, tolerance: float) -> pd.Series:
    a, b = pd.to_numeric(old, errors="coerce").astype(float), pd.to_numeric(new, errors="coerce").astype(float)
    both = a.notna() & b.notna()
    scale = np.maximum(1.0, np.maximum(a.abs(), b.abs()))
    moved = both & ((a - b).abs() > tolerance * scale)
    return moved | (a.isna() != b.isna())


def diff_kpi_values(old: pd.DataFrame, new: pd.DataFrame, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """One row per KPI cell that was added, removed, changed beyond `tolerance` (value, numerator, denominator or
    n_youths) or whose suppression changed; columns KEY, change, old_/new_ value, numerator, denominator, n_youths,
    is_suppressed. Sorted by KEY."""
    cols = [*KEY, *MEASURES, "is_suppressed"]
    a = old[cols].astype({k: object for k in KEY})
    b = new[cols].astype({k: object for k in KEY})
    for frame in (a, b):
        frame[KEY] = frame[KEY].where(frame[KEY].notna(), "")
    both = a.merge(b, on=KEY, how="outer", suffixes=("_old", "_new"), indicator=True)
    change = pd.Series(pd.NA, index=both.index, dtype=object)
    change[both["_merge"] == "right_only"] = ADDED
    change[both["_merge"] == "left_only"] = REMOVED
    matched = both["_merge"] == "both"
    was = both["is_suppressed_old"].fillna(False).astype(bool)
    now = both["is_suppressed_new"].fillna(False).astype(bool)
    change[matched & ~was & now] = SUPPRESSED
    change[matched & was & ~now] = UNSUPPRESSED
    moved = pd.Series(False, index=both.index)
    for m in MEASURES:
        moved |= _differs(both[f"{m}_old"], both[f"{m}_new"], tolerance)
    change[matched & ~was & ~now & moved] = CHANGED
    out = both[change.notna()].copy()
    out.insert(len(KEY), "change", change[change.notna()])
    out = out.drop(columns="_merge").rename(columns={f"{m}_{side}": f"{side}_{m}" for m in [*MEASURES, "is_suppressed"]
                                                     for side in ("old", "new")})
    for k in KEY:
        out[k] = out[k].replace("", None)
    return out.sort_values(KEY, key=lambda s: s.fillna("")).reset_index(drop=True)


def revisions(previous: pd.DataFrame, new: pd.DataFrame, *, previous_label: str, label: str,
              published_at: str) -> pd.DataFrame:
    """Restated past figures: the cells of periods the previous publication already had that changed, were
    removed, were added or changed suppression. New periods are not revisions."""
    changes = diff_kpi_values(previous, new)
    known = set(previous["period"])
    changes = changes[changes["period"].isin(known)]
    return pd.DataFrame({**{k: changes[k] for k in KEY}, "change": changes["change"],
                         "old_value": changes["old_value"], "new_value": changes["new_value"],
                         "previous_publication": previous_label, "publication": label,
                         "published_at": published_at}, columns=REVISION_COLUMNS)


class DiffError(ValueError):
    """A publication named on the command line does not exist."""


def resolve_snapshot(root: Path, spec: str | None) -> Path:
    """'2026-H1/v2', '2026-H1' (its latest), 'current', or a snapshot folder -> the snapshot folder."""
    root = Path(root)
    if spec in (None, "", "current"):
        folder = writer.current_dir(root)
    elif Path(spec).is_dir() and (Path(spec) / "kpi.duckdb").is_file():
        folder = Path(spec).resolve()
    elif "/" in spec:
        folder = root / writer.SNAPSHOTS / spec.upper().replace("/V", "/v")
    else:
        folder = writer.latest_dir(root, spec.upper())
    if folder is None or not (folder / "kpi.duckdb").is_file():
        raise DiffError(f"publicatie {spec or 'current'!r} niet gevonden in {root} "
                        "(zie `jeugdkpi publicaties`)")
    return folder.resolve()


def previous_snapshot(root: Path, folder: Path) -> Path | None:
    """The publication before `folder`: the previous version of its half-year, else the latest version of the
    half-year before it that has one."""
    snapshots = [s for s in writer.list_snapshots(root) if (s["folder"] / "kpi.duckdb").is_file()]
    keys = [(s["period"], s["version"]) for s in snapshots]
    me = (folder.parent.name, int(folder.name[1:]))
    earlier = [s for s, k in zip(snapshots, keys) if k < me and (k[0] == me[0] or s["is_latest"])]
    return earlier[-1]["folder"].resolve() if earlier else None
