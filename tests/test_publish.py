"""Publication (write-audit-publish): the small-cell rule, the published files, the atomic swap, snapshots.

Fast tests on hand-made tables; the end-to-end gate over real messages is in tests/test_quality_gate.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import duckdb
import pandas as pd
import pytest

from jeugdkpi.publish import writer
from jeugdkpi.publish.build import build_publication
from jeugdkpi.publish.suppression import suppress
from jeugdkpi.settings import load_settings
from jeugdkpi.warehouse import connect

MIN_CELL = 10


def kpi_row(kpi, municipality=None, provider=None, n=None, num=None, den=None, value=None, care_form=None,
            period="2025"):
    return {"kpi_id": kpi, "period": period, "period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31),
            "municipality_code": municipality, "provider_agb": provider, "care_form": care_form,
            "numerator": num, "denominator": den, "value": value, "unit": "percentage", "n_youths": n,
            "target": None, "target_met": None, "is_provisional": False, "is_partial": False,
            "is_suppressed": False, "source": "berichtenverkeer"}


def small_cell_frame() -> pd.DataFrame:
    return pd.DataFrame([
        # Scenario "Drie gemeenten", VB07 2025: region 20 of 40 youths = 50 %.
        kpi_row("VB07", None, n=40, num=20, den=40, value=50.0),
        kpi_row("VB07", "0034", n=25, num=12, den=25, value=48.0),
        kpi_row("VB07", "0995", n=11, num=6, den=11, value=6 / 11 * 100),
        kpi_row("VB07", "0303", n=4, num=2, den=4, value=50.0),      # 4 < 10: primary
        # VB11 2025: two municipalities below 10 - neither can be recovered alone, no secondary suppression
        kpi_row("VB11", None, n=30, num=15, den=30, value=50.0),
        kpi_row("VB11", "0034", n=22, num=11, den=22, value=50.0),
        kpi_row("VB11", "0995", n=5, num=2, den=5, value=40.0),
        kpi_row("VB11", "0303", n=3, num=2, den=3, value=2 / 3 * 100),
        # EG01 2025 per provider: 12 youths in total, provider 75750002 has 8
        kpi_row("EG01", None, n=50, num=40, den=50, value=80.0),
        kpi_row("EG01", None, "75750001", n=30, num=25, den=30, value=25 / 30 * 100),
        kpi_row("EG01", None, "75750002", n=8, num=6, den=8, value=75.0),    # primary
        kpi_row("EG01", None, "75750003", n=12, num=9, den=12, value=75.0),  # next-smallest: secondary
        # a denominator below 10 suppresses although n_youths is large enough (kpi-definitions §5)
        kpi_row("AP01", None, n=12, num=5, den=9, value=5 / 9 * 100),
    ])


def at(df, kpi, municipality=None, provider=None):
    sel = df[(df.kpi_id == kpi) & (df.municipality_code.fillna("") == (municipality or ""))
             & (df.provider_agb.fillna("") == (provider or ""))]
    assert len(sel) == 1
    return sel.iloc[0]


def test_primary_suppression_below_min_cell():
    out = suppress(small_cell_frame(), MIN_CELL)
    r = at(out, "VB07", "0303")
    assert r.is_suppressed and pd.isna(r.value) and pd.isna(r.numerator) and pd.isna(r.denominator)
    assert pd.isna(r.n_youths)  # the count itself is a small cell
    assert at(out, "AP01").is_suppressed  # denominator 9 < 10


def test_secondary_suppression_of_the_next_smallest_municipality():
    out = suppress(small_cell_frame(), MIN_CELL)
    # Without it, 0303 = region 20 - 0034 12 - 0995 6 = 2 of 40 - 25 - 11 = 4 youths: recoverable.
    # 0995 (11 youths) is the next-smallest unsuppressed municipality, so it goes too; 0034 (25) stays.
    assert at(out, "VB07", "0995").is_suppressed and pd.isna(at(out, "VB07", "0995").value)
    kept = at(out, "VB07", "0034")
    assert not kept.is_suppressed and kept.value == 48.0 and kept.n_youths == 25
    # provider breakdown: 75750002 (8) primary, 75750003 (12) secondary, 75750001 (30) published
    assert at(out, "EG01", None, "75750002").is_suppressed
    assert at(out, "EG01", None, "75750003").is_suppressed
    assert not at(out, "EG01", None, "75750001").is_suppressed


def test_two_suppressed_siblings_need_no_secondary_suppression():
    out = suppress(small_cell_frame(), MIN_CELL)
    # 0995 (5) and 0303 (3) are both primary; region 15 - 0034 11 = 4 gives only their sum.
    assert at(out, "VB11", "0995").is_suppressed and at(out, "VB11", "0303").is_suppressed
    assert not at(out, "VB11", "0034").is_suppressed


def test_region_row_unchanged():
    before = small_cell_frame()
    out = suppress(before, MIN_CELL)
    for kpi in ("VB07", "VB11", "EG01"):
        r, b = at(out, kpi), at(before, kpi)
        assert not r.is_suppressed
        assert (r.value, r.numerator, r.denominator, r.n_youths) == (b.value, b.numerator, b.denominator, b.n_youths)
    # 13 rows: suppressed VB07 0303+0995, VB11 0995+0303, EG01 75750002+75750003, AP01 = 7
    assert int(out.is_suppressed.sum()) == 7


# --- a small hand-made warehouse, published through build_publication -----------------------------------

def make_warehouse(path):
    with connect(path) as con:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA seeds; CREATE SCHEMA intermediate; CREATE SCHEMA audit")
        frame = small_cell_frame()
        con.register("f", frame)
        cols = {"kpi_id": "VARCHAR", "period": "VARCHAR", "period_start": "DATE", "period_end": "DATE",
                "municipality_code": "VARCHAR", "provider_agb": "VARCHAR", "care_form": "VARCHAR",
                "numerator": "DOUBLE", "denominator": "DOUBLE", "value": "DOUBLE", "unit": "VARCHAR",
                "n_youths": "INTEGER", "target": "DOUBLE", "target_met": "BOOLEAN", "is_provisional": "BOOLEAN",
                "is_partial": "BOOLEAN", "is_suppressed": "BOOLEAN", "source": "VARCHAR"}
        select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in cols.items())
        con.execute(f"CREATE TABLE marts.kpi_values AS SELECT {select} FROM f")
        con.execute("CREATE TABLE marts.stay_periods (youth_key VARCHAR, period_number INTEGER)")
        con.execute("INSERT INTO marts.stay_periods VALUES ('a1b2c3d4e5f6', 1)")
        con.execute("CREATE TABLE seeds.kpi_catalogue AS SELECT * FROM (VALUES ('VB07', 'percentage'), "
                    "('VB11', 'percentage'), ('EG01', 'percentage'), ('AP01', 'percentage')) t(kpi_id, unit)")
        con.execute("CREATE TABLE seeds.municipalities AS SELECT * FROM (VALUES ('0034', 'Almere'), "
                    "('0995', 'Lelystad'), ('0303', 'Dronten')) t(municipality_code, name)")
        con.execute("CREATE TABLE seeds.providers AS SELECT * FROM (VALUES ('75750001', 'A'), ('75750002', 'B'), "
                    "('75750003', 'C')) t(provider_agb, name)")
        con.execute("CREATE TABLE intermediate.int_reporting_periods AS SELECT * FROM (VALUES "
                    "('2025', 'year', 2025, DATE '2025-01-01', DATE '2025-12-31'), "
                    "('2026', 'year', 2026, DATE '2026-01-01', DATE '2026-12-31')) "
                    "t(period, period_type, year, period_start, period_end)")
        con.execute("CREATE TABLE audit.ingest_files (file_path VARCHAR, sha256 VARCHAR, source VARCHAR, "
                    "status VARCHAR)")
        con.execute("INSERT INTO audit.ingest_files VALUES ('berichten/a.xml', 'ab', 'berichten', 'loaded')")


@pytest.fixture
def settings(tmp_path):
    s = load_settings({"JEUGDKPI_LANDING": str(tmp_path / "landing"), "JEUGDKPI_WAREHOUSE": str(tmp_path / "w.duckdb"),
                       "JEUGDKPI_PUBLISH": str(tmp_path / "published"), "JEUGDKPI_PEILDATUM": "2026-06-30",
                       "JEUGDKPI_MIN_CELL": "10"})
    make_warehouse(s.warehouse)
    return s


def test_published_duckdb_and_parquet_hold_the_same_rows(settings):
    pub = build_publication(settings, "run-1", with_docs=False)
    assert pub.snapshot == settings.publish / "snapshots" / "2026-H1" / "v1"
    con = duckdb.connect(str(settings.publish / "kpi.duckdb"), read_only=True)  # the stable entry point
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert tables == {"kpi_values", "kpi_catalogue", "municipalities", "providers", "periods"}
        for table in sorted(tables):
            from_db = con.execute(f"SELECT * FROM {table}").df()
            from_parquet = pd.read_parquet(settings.publish / f"{table}.parquet")
            assert list(from_parquet.columns) == list(from_db.columns)
            assert rows(from_db) == rows(from_parquet) and len(from_db) > 0
            # no youth-level data is published
            assert not any(c in ("youth_key", "birth_year", "stay_period_id") for c in from_db.columns)
        kv = con.execute("SELECT * FROM kpi_values").df()
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'kpi_values'").fetchall())
    finally:
        con.close()
    assert types["period_start"] == "DATE" and types["n_youths"] == "INTEGER"
    assert len(kv) == 13 and int(kv.is_suppressed.sum()) == 7
    assert set(kv.loc[kv.is_suppressed, "value"].isna()) == {True}
    # only the periods the KPIs use: 2025 (2026 has no KPI rows)
    assert list(pd.read_parquet(settings.publish / "periods.parquet").period) == ["2025"]
    manifest = json.loads((settings.publish / "manifest.json").read_text())
    assert manifest["run_id"] == "run-1" and manifest["peildatum"] == "2026-06-30"
    assert manifest["row_counts"]["kpi_values"] == 13 and manifest["suppressed_rows"] == 7
    assert manifest["input_files"]["files"] == [{"path": "berichten/a.xml", "sha256": "ab", "source": "berichten",
                                                 "status": "loaded"}]
    assert writer.verify(pub.snapshot)["files"].keys() >= {"kpi.duckdb", "kpi_values.parquet", "validation.html"}


def rows(df: pd.DataFrame) -> list[tuple]:
    """Rows as comparable tuples: NULL as None, dates as ISO days (pyarrow gives datetime.date, DuckDB datetime64)."""
    def norm(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, (pd.Timestamp, dt.date)):
            return v.isoformat()[:10]
        return round(float(v), 9) if isinstance(v, float) else v
    return sorted((tuple(norm(v) for v in r) for r in df.itertuples(index=False)), key=repr)


def tree_state(root):
    """Every file's bytes and every symlink's target under root."""
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                state[rel] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                state[rel] = open(path, "rb").read()
    return state


@pytest.mark.parametrize("crash_at", ["written", "renamed", "swap"])
def test_killed_publication_leaves_the_old_one_complete(settings, monkeypatch, crash_at):
    build_publication(settings, "run-old", with_docs=False)

    class Killed(Exception):
        pass

    def crash(step):
        if step == crash_at:
            raise Killed(step)

    real_replace = os.replace

    def replace(src, dst):
        if crash_at == "swap" and str(dst).endswith("/current"):
            raise Killed("swap")
        return real_replace(src, dst)

    monkeypatch.setattr(writer, "_crash_point", crash)
    monkeypatch.setattr(writer.os, "replace", replace)
    with connect(settings.warehouse) as con:  # the new run has other numbers
        con.execute("UPDATE marts.kpi_values SET n_youths = n_youths + 100")
    with pytest.raises(Killed):
        build_publication(settings, "run-new", with_docs=False)

    live = writer.current_dir(settings.publish)
    manifest = writer.verify(live)  # every file of the live publication matches its manifest: no mix
    assert manifest["run_id"] == "run-old"
    con = duckdb.connect(str(settings.publish / "kpi.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT max(n_youths) FROM kpi_values").fetchone()[0] == 50  # old numbers
    finally:
        con.close()

    # the next run cleans the leftovers (never live) and publishes completely
    monkeypatch.setattr(writer, "_crash_point", lambda step: None)
    monkeypatch.setattr(writer.os, "replace", real_replace)
    build_publication(settings, "run-next", with_docs=False)
    assert writer.verify(writer.current_dir(settings.publish))["run_id"] == "run-next"
    snapshots = sorted(p.name for p in (settings.publish / "snapshots" / "2026-H1").iterdir())
    assert snapshots == ["v1", "v2"]  # the killed run's snapshot was never live and is gone
    assert not list(settings.publish.glob(".staging-*"))
    assert pd.read_parquet(settings.publish / "kpi_values.parquet").n_youths.max() == 150


def test_killed_after_the_swap_leaves_the_new_one_complete(settings, monkeypatch):
    build_publication(settings, "run-old", with_docs=False)

    def crash(root, names):
        raise RuntimeError("killed after the swap")

    monkeypatch.setattr(writer, "_ensure_entry_points", crash)
    with pytest.raises(RuntimeError):
        build_publication(settings, "run-new", with_docs=False)
    assert writer.verify(writer.current_dir(settings.publish))["run_id"] == "run-new"


def test_snapshots_are_versioned_and_immutable(settings):
    first = build_publication(settings, "run-a", with_docs=False).snapshot
    before = tree_state(first)
    second = build_publication(settings, "run-b", with_docs=False).snapshot   # same half-year again
    assert (first.name, second.name) == ("v1", "v2") and first.parent == second.parent
    assert tree_state(first) == before  # the earlier version is kept exactly
    assert writer.verify(first)["run_id"] == "run-a"
    assert not os.access(first / "kpi.duckdb", os.W_OK) or os.geteuid() == 0  # read-only files
    assert oct((first / "kpi.duckdb").stat().st_mode & 0o777) == "0o444"
    later = build_publication(settings.with_overrides(peildatum="2026-12-31"), "run-c", with_docs=False).snapshot
    assert later == settings.publish / "snapshots" / "2026-H2" / "v1"
    assert writer.current_dir(settings.publish) == later.resolve()
