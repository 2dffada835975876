"""Publication (write-audit-publish): the small-cell rule, the published files, the atomic swap, snapshots.

Fast tests on hand-made tables; the end-to-end gate over real messages is in tests/test_quality_gate.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from jeugdkpi.fingerprint import build_fingerprint
from jeugdkpi.publish import writer
from jeugdkpi.publish.build import PUBLISHED, UNCHANGED, build_publication
from jeugdkpi.publish.gate import GateRefused
from jeugdkpi.publish.suppression import suppress
from jeugdkpi.quality.suites import load_suites
from jeugdkpi.settings import SEEDS_DIR, load_settings
from jeugdkpi.warehouse import connect, ensure_audit_schema, log_state

MIN_CELL = 10
CATALOGUE = pd.read_csv(SEEDS_DIR / "kpi_catalogue.csv", dtype=str)  # the region's catalogue: small_cell_rule


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
        # a denominator below 10 suppresses although n_youths is large enough (docs/kpi-definitions.md)
        kpi_row("AP01", None, n=12, num=5, den=9, value=5 / 9 * 100),
    ])


def at(df, kpi, municipality=None, provider=None):
    sel = df[(df.kpi_id == kpi) & (df.municipality_code.fillna("") == (municipality or ""))
             & (df.provider_agb.fillna("") == (provider or ""))]
    assert len(sel) == 1
    return sel.iloc[0]


def test_primary_suppression_below_min_cell():
    out = suppress(small_cell_frame(), MIN_CELL, CATALOGUE)
    r = at(out, "VB07", "0303")
    assert r.is_suppressed and pd.isna(r.value) and pd.isna(r.numerator) and pd.isna(r.denominator)
    assert pd.isna(r.n_youths)  # the count itself is a small cell
    assert at(out, "AP01").is_suppressed  # denominator 9 < 10


def test_secondary_suppression_of_the_next_smallest_municipality():
    out = suppress(small_cell_frame(), MIN_CELL, CATALOGUE)
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
    out = suppress(small_cell_frame(), MIN_CELL, CATALOGUE)
    # 0995 (5) and 0303 (3) are both primary; region 15 - 0034 11 = 4 gives only their sum.
    assert at(out, "VB11", "0995").is_suppressed and at(out, "VB11", "0303").is_suppressed
    assert not at(out, "VB11", "0034").is_suppressed


def test_region_row_unchanged():
    before = small_cell_frame()
    out = suppress(before, MIN_CELL, CATALOGUE)
    for kpi in ("VB07", "VB11", "EG01"):
        r, b = at(out, kpi), at(before, kpi)
        assert not r.is_suppressed
        assert (r.value, r.numerator, r.denominator, r.n_youths) == (b.value, b.numerator, b.denominator, b.n_youths)
    # 13 rows: suppressed VB07 0303+0995, VB11 0995+0303, EG01 75750002+75750003, AP01 = 7
    assert int(out.is_suppressed.sum()) == 7


# --- a small hand-made warehouse, published through build_publication -----------------------------------

KPI_VALUES_TYPES = {"kpi_id": "VARCHAR", "period": "VARCHAR", "period_start": "DATE", "period_end": "DATE",
                    "municipality_code": "VARCHAR", "provider_agb": "VARCHAR", "care_form": "VARCHAR",
                    "numerator": "DOUBLE", "denominator": "DOUBLE", "value": "DOUBLE", "unit": "VARCHAR",
                    "n_youths": "INTEGER", "target": "DOUBLE", "target_met": "BOOLEAN", "is_provisional": "BOOLEAN",
                    "is_partial": "BOOLEAN", "is_suppressed": "BOOLEAN", "source": "VARCHAR"}


def make_warehouse(path, frame: pd.DataFrame | None = None, real_seeds: bool = False):
    """A warehouse holding `frame` (default small_cell_frame()) as marts.kpi_values, with hand-made seeds or the
    repository's seeds/ CSVs (`real_seeds`, typed as dbt loads them), and a passed gate."""
    with connect(path) as con:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA seeds; CREATE SCHEMA intermediate; CREATE SCHEMA audit")
        con.register("f", small_cell_frame() if frame is None else frame)
        select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in KPI_VALUES_TYPES.items())
        con.execute(f"CREATE TABLE marts.kpi_values AS SELECT {select} FROM f")
        con.execute("CREATE TABLE marts.stay_periods (youth_key VARCHAR, period_number INTEGER)")
        con.execute("INSERT INTO marts.stay_periods VALUES ('a1b2c3d4e5f6', 1)")
        if real_seeds:
            for name in ("kpi_catalogue", "municipalities", "providers"):
                con.execute(f"CREATE TABLE seeds.{name} AS "
                            "SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                            [str(SEEDS_DIR / f"{name}.csv")])
            con.execute("ALTER TABLE seeds.kpi_catalogue ALTER target_value TYPE DOUBLE; "
                        "ALTER TABLE seeds.kpi_catalogue ALTER base_year TYPE INTEGER; "
                        "ALTER TABLE seeds.kpi_catalogue ALTER small_cell_rule TYPE BOOLEAN")
        else:
            con.execute("CREATE TABLE seeds.kpi_catalogue AS SELECT * FROM (VALUES "
                        "('VB07', 'percentage', true, true, 'VB07 naam', 'thema'), "
                        "('VB11', 'percentage', true, true, 'VB11 naam', 'thema'), "
                        "('EG01', 'percentage', true, true, 'EG01 naam', 'thema'), "
                        "('AP01', 'percentage', true, true, 'AP01 naam', 'thema')) "
                        "t(kpi_id, unit, small_cell_rule, active, name_nl, theme)")
            con.execute("CREATE TABLE seeds.municipalities AS SELECT * FROM (VALUES ('0034', 'Almere', 'Flevoland'), "
                        "('0995', 'Lelystad', 'Flevoland'), ('0303', 'Dronten', 'Flevoland'), "
                        "('0243', 'Harderwijk', 'Noord-Veluwe')) t(municipality_code, name, region)")
            con.execute("CREATE TABLE seeds.providers AS SELECT * FROM (VALUES ('75750001', 'A'), ('75750002', 'B'), "
                        "('75750003', 'C')) t(provider_agb, name)")
        con.execute("CREATE TABLE intermediate.int_reporting_periods AS SELECT * FROM (VALUES "
                    "('2025', 'year', 2025, DATE '2025-01-01', DATE '2025-12-31'), "
                    "('2026', 'year', 2026, DATE '2026-01-01', DATE '2026-12-31')) "
                    "t(period, period_type, year, period_start, period_end)")
        ensure_audit_schema(con)
        con.execute("INSERT INTO audit.ingest_files (file_path, sha256, source, size_bytes, first_seen_at, status, "
                    "n_records, run_id, n_loaded, n_quarantined) VALUES ('berichten/JW301_Jansen_Piet_999993392.xml', "
                    "'ab', 'berichten', 10, now(), 'loaded', 1, 'run-0', 1, 0)")
    pass_gate(path)


def pass_gate(path, run_id: str = "run-build", peildatum: str = "2026-06-30", regio: str = "Flevoland"):
    """What a whole run leaves in the state ledger when the gate passes: a whole-project dbt build of the current
    seeds and SQL for the region, then every suite evaluated without a critical failure."""
    with connect(path) as con:
        ensure_audit_schema(con)
        log_state(con, run_id, "dbt", "build", peildatum=peildatum, fingerprint=build_fingerprint(regio))
        for suite in load_suites():
            log_state(con, run_id, "check", suite.name, peildatum=peildatum)


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
        assert tables == {"kpi_values", "kpi_catalogue", "municipalities", "providers", "periods", "publicatie",
                          "revisies", "kpi_outlook", "kolommen", "kpi_overzicht"}  # the last two: docs/bi.md
        for table in sorted(tables - {"revisies", "kpi_outlook"}):  # nothing revised; no target ahead here
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
    # inputs by content, source and period - never by file name (this one carries a name and a BSN)
    assert manifest["input_files"]["files"] == [{"sha256": "ab", "source": "berichten", "status": "loaded",
                                                 "n_records": 1, "period": None}]
    for path in pub.snapshot.rglob("*"):
        if path.is_file():
            assert b"Jansen" not in path.read_bytes() and b"999993392" not in path.read_bytes(), path
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
    restate(settings, "run-new", "UPDATE marts.kpi_values SET n_youths = n_youths + 100")  # other numbers
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

    # The re-run (same inputs) converges. It cleans the half-written leftovers; a snapshot the killed run had
    # renamed into place is kept (snapshots are never deleted) and the next version number is taken after it;
    # killed between the half-year's `latest` and `current`, the re-run has nothing new and moves `current` on.
    monkeypatch.setattr(writer, "_crash_point", lambda step: None)
    monkeypatch.setattr(writer.os, "replace", real_replace)
    pass_gate(settings.warehouse, "run-next")
    again = build_publication(settings, "run-next", with_docs=False)
    assert again.status == (UNCHANGED if crash_at == "swap" else PUBLISHED) and again.is_current
    assert writer.verify(writer.current_dir(settings.publish))["run_id"] == \
        ("run-new" if crash_at == "swap" else "run-next")
    snapshots = sorted(p.name for p in (settings.publish / "snapshots" / "2026-H1").iterdir() if p.name != "latest")
    assert snapshots == {"written": ["v1", "v2"], "renamed": ["v1", "v2", "v3"], "swap": ["v1", "v2"]}[crash_at]
    assert not list(settings.publish.glob(".staging-*"))
    assert writer.latest_dir(settings.publish, "2026-H1") == writer.current_dir(settings.publish)
    assert pd.read_parquet(settings.publish / "kpi_values.parquet").n_youths.max() == 150


def test_killed_after_the_swap_leaves_the_new_one_complete(settings, monkeypatch):
    build_publication(settings, "run-old", with_docs=False)

    def crash(root, names):
        raise RuntimeError("killed after the swap")

    monkeypatch.setattr(writer, "_ensure_entry_points", crash)
    restate(settings, "run-new")
    with pytest.raises(RuntimeError):
        build_publication(settings, "run-new", with_docs=False)
    assert writer.verify(writer.current_dir(settings.publish))["run_id"] == "run-new"


def test_snapshots_are_versioned_and_immutable(settings):
    first = build_publication(settings, "run-a", with_docs=False).snapshot
    before = tree_state(first)
    restate(settings, "run-b")  # new input: the next publication of the same half-year has other numbers
    second = build_publication(settings, "run-b", with_docs=False).snapshot   # same half-year again
    assert (first.name, second.name) == ("v1", "v2") and first.parent == second.parent
    assert tree_state(first) == before  # the earlier version is kept exactly
    assert writer.verify(first)["run_id"] == "run-a"
    assert not os.access(first / "kpi.duckdb", os.W_OK) or os.geteuid() == 0  # read-only files
    assert oct((first / "kpi.duckdb").stat().st_mode & 0o777) == "0o444"
    pass_gate(settings.warehouse, "run-c", peildatum="2026-12-31")
    later = build_publication(settings.with_overrides(peildatum="2026-12-31"), "run-c", with_docs=False).snapshot
    assert later == settings.publish / "snapshots" / "2026-H2" / "v1"
    assert writer.current_dir(settings.publish) == later.resolve()


def restate(settings, run_id: str, sql: str = "UPDATE marts.kpi_values SET n_youths = n_youths + 1") -> None:
    """A later run over one more input file that changed the marts; it passed the gate."""
    with connect(settings.warehouse) as con:
        con.execute(sql)
        con.execute("INSERT INTO audit.ingest_files (file_path, sha256, source, size_bytes, first_seen_at, status, "
                    "n_records, run_id, n_loaded, n_quarantined) VALUES (?, ?, 'berichten', 10, now(), 'loaded', 1, ?, "
                    "1, 0)",
                    [f"berichten/{run_id}.xml", f"sha-{run_id}", run_id])
    pass_gate(settings.warehouse, run_id)


# --- issue 14: a verified state only, history that only moves forward, nothing new -> nothing published ----------

def test_gate_refuses_a_state_that_did_not_pass_and_touches_nothing(settings):
    """Point 1 at the function level (the UI path is in tests/test_publication_trust.py): every way the ledger can
    show a state that did not pass the gate refuses, and the publish folder stays byte for byte the same."""
    build_publication(settings, "run-1", with_docs=False)
    before = tree_state(settings.publish)

    def refused(why: str, s=settings):
        with pytest.raises(GateRefused) as exc:
            build_publication(s, "run-x", with_docs=False)
        assert why in str(exc.value)
        assert tree_state(settings.publish) == before

    # the warehouse was built for another peildatum than this run's
    refused("peildatum 2026-06-30", settings.with_overrides(peildatum="2026-12-31"))
    with connect(settings.warehouse) as con:
        # new input after the build: the marts do not show it yet
        log_state(con, "run-2", "ingest", "berichten", peildatum=settings.peildatum)
    refused("nieuwe invoer")
    pass_gate(settings.warehouse, "run-3")
    with connect(settings.warehouse) as con:
        # a critical expectation failed on the current state
        log_state(con, "run-3", "check", "marts_kpi_values", peildatum=settings.peildatum, passed=False)
    refused("marts_kpi_values had een kritieke fout")
    pass_gate(settings.warehouse, "run-4")
    with connect(settings.warehouse) as con:
        # a dbt build of a selection (what a partial asset selection runs), or one killed half-way
        log_state(con, "run-5", "dbt", "build", peildatum=settings.peildatum, passed=False,
                  fingerprint=build_fingerprint(settings.regio, settings.uitval_codes),
                  detail={"select": ["stg_ijw__toewijzingen"]})
    refused("geen volledige")
    with connect(settings.warehouse) as con:
        log_state(con, None, "dbt", "start", peildatum=settings.peildatum, passed=False)
    refused("afgebroken")
    with connect(settings.warehouse) as con:  # a complete build, but the checks ran before it
        log_state(con, "run-6", "dbt", "build", peildatum=settings.peildatum,
                  fingerprint=build_fingerprint(settings.regio, settings.uitval_codes))
    refused("ouder dan de laatste dbt build")
    pass_gate(settings.warehouse, "run-7")
    with connect(settings.warehouse) as con:  # built from other seeds or SQL than are there now
        con.execute("UPDATE audit.state_log SET fingerprint = 'other' WHERE seq = (SELECT max(seq) FROM "
                    "audit.state_log WHERE event = 'dbt')")
    refused("seeds of de dbt-modellen")
    pass_gate(settings.warehouse, "run-8")
    # the same warehouse published for another region (JEUGDKPI_REGIO changed between the build and publication)
    refused("andere regio dan Noord-Veluwe", settings.with_overrides(regio="Noord-Veluwe"))


def test_another_region_is_another_publication(settings):
    """The region is part of the publication's fingerprint and publicatie row; only its municipalities are
    published."""
    first = build_publication(settings, "run-1", with_docs=False)
    other = settings.with_overrides(regio="Noord-Veluwe")
    pass_gate(settings.warehouse, "run-2", regio="Noord-Veluwe")
    again = build_publication(other, "run-2", with_docs=False)
    assert (first.status, again.status) == (PUBLISHED, PUBLISHED)
    assert again.manifest["fingerprint"] != first.manifest["fingerprint"]
    con = duckdb.connect(str(first.snapshot / "kpi.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM municipalities WHERE region = 'Flevoland'").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM municipalities").fetchone() == (3,)
    finally:
        con.close()
    con = duckdb.connect(str(again.snapshot / "kpi.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT regio FROM publicatie").fetchone() == ("Noord-Veluwe",)
        assert con.execute("SELECT municipality_code, region FROM municipalities").fetchall() == [
            ("0243", "Noord-Veluwe")]
    finally:
        con.close()


def test_a_rerun_with_nothing_new_publishes_nothing(settings):
    first = build_publication(settings, "run-1", with_docs=False)
    pass_gate(settings.warehouse, "run-2")  # a whole new run over the same inputs, seeds, code and peildatum
    again = build_publication(settings, "run-2", with_docs=False)
    assert (first.status, again.status) == (PUBLISHED, UNCHANGED)
    assert again.snapshot == first.snapshot and again.is_current
    assert [p.name for p in (settings.publish / "snapshots" / "2026-H1").glob("v*")] == ["v1"]
    # a renamed or copied input file is the same input
    with connect(settings.warehouse) as con:
        con.execute("INSERT INTO audit.ingest_files (file_path, sha256, source, size_bytes, first_seen_at, status, "
                    "n_records, run_id, n_loaded, n_quarantined) VALUES ('berichten/kopie.xml', 'ab', 'berichten', 10, "
                    "now(), 'duplicate', 1, 'run-3', 0, 0)")
    assert build_publication(settings, "run-3", with_docs=False).status == UNCHANGED
    restate(settings, "run-4")  # one new input file
    assert build_publication(settings, "run-4", with_docs=False).snapshot.name == "v2"


def test_current_never_moves_back_to_an_older_half_year(settings):
    """Point 2: republishing 2025-H2 after 2026-H1 adds a version there; current stays on 2026-H1."""
    newest = build_publication(settings, "run-1", with_docs=False).snapshot
    older = settings.with_overrides(peildatum="2025-12-31")
    pass_gate(settings.warehouse, "run-2", peildatum="2025-12-31")
    pub = build_publication(older, "run-2", with_docs=False)
    assert pub.status == PUBLISHED and not pub.is_current
    assert pub.snapshot == settings.publish / "snapshots" / "2025-H2" / "v1"
    assert writer.current_dir(settings.publish) == newest.resolve()
    assert writer.latest_dir(settings.publish, "2025-H2") == pub.snapshot.resolve()
    assert json.loads((settings.publish / "manifest.json").read_text())["period"] == "2026-H1"  # entry points too
    restate(settings, "run-3")
    pass_gate(settings.warehouse, "run-3", peildatum="2025-12-31")
    assert build_publication(older, "run-3", with_docs=False).snapshot.name == "v2"
    assert writer.current_dir(settings.publish) == newest.resolve()


def test_snapshots_survive_a_hand_rollback_and_links_only_move_forward(settings, monkeypatch):
    """Point 7. An operator rolls current back by hand; the next run deletes nothing. Two writers interleaving
    (simulated here without the lock, which normally makes the second one wait its turn): the later version stays
    latest and current, and the earlier writer's snapshot is kept and says it is not latest."""
    v1 = build_publication(settings, "run-1", with_docs=False).snapshot
    restate(settings, "run-2")
    v2 = build_publication(settings, "run-2", with_docs=False).snapshot
    tmp = settings.publish / ".rollback"
    os.symlink("snapshots/2026-H1/v1", tmp)
    os.replace(tmp, settings.publish / "current")  # the operator's rollback
    restate(settings, "run-3")
    v3 = build_publication(settings, "run-3", with_docs=False).snapshot
    assert all(p.is_dir() and writer.verify(p) for p in (v1, v2, v3))
    assert writer.current_dir(settings.publish) == v3.resolve()

    import contextlib

    from jeugdkpi.publish import build as build_module

    monkeypatch.setattr(build_module, "hold", lambda paths, run_id: contextlib.nullcontext([]))
    outcome = {}

    def second_writer(step):
        if step == "renamed" and not outcome:
            outcome["b"] = "started"
            restate(settings, "run-b")
            outcome["b"] = build_publication(settings, "run-b", with_docs=False)

    monkeypatch.setattr(writer, "_crash_point", second_writer)
    restate(settings, "run-a")
    a = build_publication(settings, "run-a", with_docs=False)
    b = outcome["b"]
    assert (a.snapshot.name, b.snapshot.name) == ("v4", "v5")
    assert not a.is_current and b.is_current  # a finished last, but v5 is newer: nothing moved back
    assert writer.latest_dir(settings.publish, "2026-H1") == b.snapshot.resolve()
    assert writer.verify(a.snapshot)["run_id"] == "run-a" and writer.verify(b.snapshot)["run_id"] == "run-b"


def test_second_publisher_is_refused_while_the_first_holds_the_lock(settings, monkeypatch):
    from jeugdkpi.runlock import RunLockedError

    errors = []

    def second_writer(step):
        if step == "written":
            with pytest.raises(RunLockedError) as exc:
                build_publication(settings, "run-b", with_docs=False)
            errors.append(str(exc.value))

    monkeypatch.setattr(writer, "_crash_point", second_writer)
    a = build_publication(settings, "run-a", with_docs=False)
    assert a.is_current and errors and errors[0].startswith("run run-a (pid ")
    assert "nog bezig" in errors[0]


def test_publicatie_table_and_parquet_metadata(settings):
    pub = build_publication(settings, "run-1", with_docs=False)
    con = duckdb.connect(str(pub.snapshot / "kpi.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT * FROM publicatie").df().iloc[0].to_dict()
        kv = dict(con.execute(f"SELECT decode(key), decode(value) FROM parquet_kv_metadata("
                              f"'{pub.snapshot / 'kpi_values.parquet'}')").fetchall())
    finally:
        con.close()
    assert (row["half_year"], str(row["peildatum"])[:10], row["version"], row["run_id"]) == \
        ("2026-H1", "2026-06-30", 1, "run-1")
    assert row["gate_result"] == "geslaagd" and row["fingerprint"] == pub.manifest["fingerprint"]
    assert len(row["input_fingerprint"]) == 64 and row["code_version"]
    assert kv["jeugdkpi_half_year"] == "2026-H1" and kv["jeugdkpi_version"] == "1"
    assert kv["jeugdkpi_fingerprint"] == row["fingerprint"] and kv["jeugdkpi_gate_result"] == "geslaagd"


def test_manifest_volumes_hold_no_suppressed_value(settings):
    """Point 4 (manifest): the volume check's reference values only carry region values that are published."""
    with connect(settings.warehouse) as con:  # the AP01 region row (denominator 9) is suppressed
        con.execute("UPDATE marts.kpi_values SET period = '2025'")
    manifest = build_publication(settings, "run-1", with_docs=False).manifest
    assert "kpi:AP01|2025" not in manifest["volumes"] and manifest["volumes"]["kpi:VB07|2025"] == 50.0
    assert all(not w.get("failing_rows") for w in manifest["checks"]["warnings"])


def test_revisions_and_diff_show_restated_past_figures(settings, capsys):
    from jeugdkpi.cli import main

    build_publication(settings, "run-1", with_docs=False)
    # a late message restates 2025: one more youth in 0034 for VB07 (12/25 -> 13/26), and so in the region
    # (20/40 -> 21/41)
    restate(settings, "run-2", "UPDATE marts.kpi_values SET numerator = numerator + 1, denominator = denominator + 1, "
                               "n_youths = n_youths + 1, value = 100 * (numerator + 1) / (denominator + 1) "
                               "WHERE kpi_id = 'VB07' AND coalesce(municipality_code, '0034') = '0034'")
    pub = build_publication(settings, "run-2", with_docs=False)
    con = duckdb.connect(str(pub.snapshot / "kpi.duckdb"), read_only=True)
    try:
        rev = con.execute("SELECT * FROM revisies").df()
    finally:
        con.close()
    assert [tuple(r) for r in rev[["kpi_id", "period", "municipality_code", "change", "old_value", "new_value"]]
            .astype(object).where(rev.notna(), None).itertuples(index=False)] == \
        [("VB07", "2025", None, "gewijzigd", 50.0, 2100 / 41), ("VB07", "2025", "0034", "gewijzigd", 48.0, 50.0)]
    assert set(zip(rev.previous_publication, rev.publication)) == {("2026-H1/v1", "2026-H1/v2")}
    # the next publication carries the history on
    restate(settings, "run-3", "UPDATE marts.kpi_values SET n_youths = n_youths WHERE false")
    later = build_publication(settings, "run-3", with_docs=False)
    con = duckdb.connect(str(later.snapshot / "kpi.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM revisies").fetchone()[0] == 2
    finally:
        con.close()

    assert main(["diff", "2026-H1/v1", "2026-H1/v2", "--publish", str(settings.publish)]) == 0
    out = capsys.readouterr().out
    assert "2026-H1/v1 -> 2026-H1/v2: 2 verschil" in out and "VB07 2025" in out and "48 -> 50" in out
    assert main(["diff", "--publish", str(settings.publish)]) == 0  # current (v3) against v2: nothing
    assert "2026-H1/v2 -> 2026-H1/v3: 0 verschil" in capsys.readouterr().out
    assert main(["publicaties", "--publish", str(settings.publish)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[-1].split()[:2] == ["2026-H1", "v3"] and "current, latest" in lines[-1]
    assert "geslaagd" in lines[1]


def test_the_dbt_docs_page_is_reused_only_from_a_snapshot_of_the_same_code_seeds_region_and_peildatum(tmp_path):
    """Issue 18: a publication with new inputs copies the dbt docs page of the half-year's latest snapshot when that
    was made from the same code, seeds, region and peildatum (dbt docs document the project and the tables' column
    types, not their rows); anything else, or a page that records a failed docs run, is generated again."""
    from jeugdkpi.publish.build import DOCS_FAILED, _reusable_docs

    settings = load_settings({"JEUGDKPI_PEILDATUM": "2026-06-30"})
    info = {"code_version": "c1", "seeds_fingerprint": "s1", "regio": "Flevoland"}

    def snapshot(name: str, page: str = "<html>docs</html>", **changes) -> Path:
        folder = tmp_path / name
        (folder / "docs").mkdir(parents=True)
        (folder / "docs" / "index.html").write_text(page, encoding="utf-8")
        (folder / "manifest.json").write_text(json.dumps({**info, "peildatum": "2026-06-30", **changes}))
        return folder

    same = snapshot("same")
    assert _reusable_docs(settings, info, [None, same]) == same / "docs" / "index.html"
    for name, changes in [("code", {"code_version": "c2"}), ("seeds", {"seeds_fingerprint": "s2"}),
                          ("regio", {"regio": "Noord-Veluwe"}), ("peil", {"peildatum": "2025-12-31"})]:
        assert _reusable_docs(settings, info, [snapshot(name, **changes)]) is None, name
    assert _reusable_docs(settings, info, [snapshot("failed", page=f"<p>{DOCS_FAILED}: boom</p>")]) is None
