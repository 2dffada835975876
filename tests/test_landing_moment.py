"""The landing moment of a delivery (issue 16, point 7; docs/ingest.md): received = when the file arrived in the
landing folder (its modification time, or the landing sensor's first sight of the same content when earlier),
never later than the run that reads it - not the moment a run first read it.

The deadline of 2025-H2 is 1 April 2026; the runs here happen long after it (today), as the half-yearly schedule's
run does two weeks after the deadline. Whether a received_at is on time is the dbt unit test
`delivery_on_time_from_landing_and_cbs_blanked_kpis` (models/marts/_delivery_status.yml); the report text is
tests/test_reports_cbs_suppressed.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import dagster as dg
import duckdb

from jeugdkpi.assets.landing import note_first_sights
from jeugdkpi.definitions import nieuwe_bestanden
from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.files import first_sight_path, sha256_bytes
from jeugdkpi.ingest.tabular import ensure_tables, ingest_source
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.warehouse import connect, ensure_audit_schema

# the sensor's and schedule's `jeugdkpi` resource as the code location has it: empty fields = the environment
RESOURCES = {"jeugdkpi": JeugdkpiConfig()}

P9, P11 = "75750009", "75750011"
HEAD = "aanbieder_agb,periode,kpi_id,teller,noemer\n"


def _land(folder, name: str, text: str, mtime: dt.datetime) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    os.utime(folder / name, (mtime.timestamp(), mtime.timestamp()))
    return text.encode()


def _landed(settings) -> dict[str, tuple]:
    """file -> (audit.ingest_files.landed_at, raw.leveringen_aanbieders.landed_at)"""
    with connect(settings.warehouse, read_only=True) as con:
        audit = dict(con.execute("SELECT file_path, landed_at FROM audit.ingest_files").fetchall())
        raw = dict(con.execute("SELECT file_path, landed_at FROM raw.leveringen_aanbieders").fetchall())
    return {path: (audit[path], raw.get(path)) for path in audit}


def test_received_is_the_modification_time_not_the_run(make_settings):
    s = make_settings()
    folder = s.landing / "aanbieders"
    _land(folder, "p11.csv", f"{HEAD}{P11},2025-H2,DB01,5,5\n", dt.datetime(2026, 3, 20, 10, 0))  # before 1 April
    _land(folder, "p9.csv", f"{HEAD}{P9},2025-H2,DB01,4,5\n", dt.datetime(2026, 4, 3, 9, 30))  # after it
    # clock skew: a modification time in the future is not believed, the run's own moment counts
    _land(folder, "p1.csv", f"{HEAD}75750001,2025-H2,DB01,3,5\n", dt.datetime(2099, 1, 1))
    before = dt.datetime.now()
    with connect(s.warehouse) as con:
        ingest_source(con, s, "run-1", AANBIEDERS)
    got = _landed(s)
    assert got["p11.csv"] == (dt.datetime(2026, 3, 20, 10, 0),) * 2
    assert got["p9.csv"] == (dt.datetime(2026, 4, 3, 9, 30),) * 2
    assert before <= got["p1.csv"][0] <= dt.datetime.now() and got["p1.csv"][0] == got["p1.csv"][1]


def test_the_sensors_earlier_first_sight_of_the_same_content_wins(make_settings):
    s = make_settings()
    folder = s.landing / "aanbieders"
    # both files were re-copied on 10 May (new mtime); the sensor saw them on 28 March
    same = _land(folder, "p11.csv", f"{HEAD}{P11},2025-H2,DB01,5,5\n", dt.datetime(2026, 5, 10, 8, 0))
    _land(folder, "p9.csv", f"{HEAD}{P9},2025-H2,DB01,4,5\n", dt.datetime(2026, 5, 10, 8, 0))
    log = {"version": 1, "files": {
        "aanbieders/p11.csv": {"size": 1, "mtime_ns": 1, "sha256": sha256_bytes(same),
                               "first_seen": "2026-03-28T11:15:00"},
        # what the sensor saw under p9.csv then was other content: it says nothing about this file
        "aanbieders/p9.csv": {"size": 1, "mtime_ns": 1, "sha256": sha256_bytes(b"earlier content"),
                              "first_seen": "2026-03-28T11:15:00"}}}
    first_sight_path(s.warehouse).write_text(json.dumps(log))
    with connect(s.warehouse) as con:
        ingest_source(con, s, "run-1", AANBIEDERS)
    got = _landed(s)
    assert got["p11.csv"] == (dt.datetime(2026, 3, 28, 11, 15),) * 2
    assert got["p9.csv"] == (dt.datetime(2026, 5, 10, 8, 0),) * 2


def test_sensor_notes_first_sights_beside_the_warehouse(make_settings, monkeypatch):
    s = make_settings()
    folder = s.landing / "aanbieders"
    data = _land(folder, "p11.csv", f"{HEAD}{P11},2025-H2,DB01,5,5\n", dt.datetime(2026, 3, 20, 10, 0))
    _land(folder, "~$p11.xlsx", "lock", dt.datetime(2026, 3, 20, 10, 0))  # an editor's lock file: not a delivery
    log = first_sight_path(s.warehouse)
    assert log == s.warehouse.with_name("warehouse.duckdb.first-seen.json")
    assert note_first_sights(s, dt.datetime(2026, 3, 28, 11, 15)) == 1
    entry = {"size": len(data), "mtime_ns": int(dt.datetime(2026, 3, 20, 10, 0).timestamp()) * 10**9,
             "sha256": sha256_bytes(data), "first_seen": "2026-03-28T11:15:00"}
    assert json.loads(log.read_text())["files"] == {"aanbieders/p11.csv": entry}
    # touched (a copy that set a new mtime), same content: the first sight stays
    os.utime(folder / "p11.csv", (dt.datetime(2026, 5, 10).timestamp(),) * 2)
    assert note_first_sights(s, dt.datetime(2026, 5, 10, 9, 0)) == 0
    assert json.loads(log.read_text())["files"]["aanbieders/p11.csv"]["first_seen"] == "2026-03-28T11:15:00"
    # new content under the same name: a new delivery, seen now
    _land(folder, "p11.csv", f"{HEAD}{P11},2025-H2,DB01,4,5\n", dt.datetime(2026, 5, 11, 9, 0))
    assert note_first_sights(s, dt.datetime(2026, 5, 11, 9, 5)) == 1
    assert json.loads(log.read_text())["files"]["aanbieders/p11.csv"]["first_seen"] == "2026-05-11T09:05:00"
    # the sensor itself keeps the log; nothing is written into the landing folder
    log.unlink()
    for key, value in s.to_env().items():
        monkeypatch.setenv(key, value)
    assert isinstance(nieuwe_bestanden(dg.build_sensor_context(resources=RESOURCES)), dg.RunRequest)
    assert list(json.loads(log.read_text())["files"]) == ["aanbieders/p11.csv"]
    assert sorted(p.name for p in folder.iterdir()) == ["p11.csv", "~$p11.xlsx"]


def test_warehouses_without_landed_at_are_migrated_in_place(tmp_path):
    """An audit.ingest_files of before this issue (source in the key, no landed_at) and one of before that (key
    file_path, sha256): both get the column, keep their rows (landed_at NULL: the delivery status falls back to
    loaded_at), and a delivery log raw.leveringen_<source> without it gets it too."""
    old_columns = ("file_path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, source VARCHAR NOT NULL, "
                   "size_bytes BIGINT NOT NULL, first_seen_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, "
                   "n_records INTEGER NOT NULL, run_id VARCHAR NOT NULL, n_loaded INTEGER NOT NULL, "
                   "n_quarantined INTEGER NOT NULL")
    for key in ("source, file_path, sha256", "file_path, sha256"):
        con = duckdb.connect(str(tmp_path / f"old_{len(key)}.duckdb"))
        try:
            con.execute("CREATE SCHEMA audit")
            con.execute(f"CREATE TABLE audit.ingest_files ({old_columns}, PRIMARY KEY ({key}))")
            con.execute("INSERT INTO audit.ingest_files VALUES ('a.csv', 'ab', 'aanbieders', 8, "
                        "TIMESTAMP '2026-04-15 06:00:00', 'loaded', 1, 'run-0', 1, 0)")
            con.execute("CREATE SCHEMA raw")
            con.execute("CREATE TABLE raw.leveringen_aanbieders (kind VARCHAR NOT NULL, aanbieder_agb VARCHAR, "
                        "gemeentecode VARCHAR, periode VARCHAR, status VARCHAR NOT NULL, n_records INTEGER NOT NULL, "
                        "n_errors INTEGER NOT NULL, first_error VARCHAR, file_sha256 VARCHAR NOT NULL, "
                        "file_path VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL, run_id VARCHAR NOT NULL)")
            con.execute("INSERT INTO raw.leveringen_aanbieders VALUES ('aanbieder_kpi', '75750011', NULL, "
                        "'2025-H2', 'loaded', 1, 0, NULL, 'ab', 'a.csv', TIMESTAMP '2026-04-15 06:00:00', 'run-0')")
            ensure_tables(con, AANBIEDERS)  # ensure_audit_schema and the raw tables
            ensure_audit_schema(con)  # idempotent
            assert con.execute("SELECT file_path, source, first_seen_at, landed_at FROM audit.ingest_files"
                               ).fetchall() == [("a.csv", "aanbieders", dt.datetime(2026, 4, 15, 6), None)]
            assert sorted(con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = "
                                      "'ingest_files' AND constraint_type = 'PRIMARY KEY'").fetchone()[0]) == \
                ["file_path", "sha256", "source"]
            assert con.execute("SELECT file_path, loaded_at, landed_at FROM raw.leveringen_aanbieders").fetchall() \
                == [("a.csv", dt.datetime(2026, 4, 15, 6), None)]
            # a new row records its landing moment
            con.execute("INSERT INTO audit.ingest_files BY NAME SELECT 'b.csv' AS file_path, 'cd' AS sha256, "
                        "'aanbieders' AS source, 8 AS size_bytes, now()::TIMESTAMP AS first_seen_at, 'loaded' AS "
                        "status, 1 AS n_records, 'run-1' AS run_id, 1 AS n_loaded, 0 AS n_quarantined, "
                        "TIMESTAMP '2026-03-20 10:00:00' AS landed_at")
            assert con.execute("SELECT landed_at FROM audit.ingest_files WHERE file_path = 'b.csv'").fetchone()[0] \
                == dt.datetime(2026, 3, 20, 10)
        finally:
            con.close()
