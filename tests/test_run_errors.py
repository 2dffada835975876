"""Issue 15: run-level failures are reported clearly and early (a damaged warehouse, a lock held by another
process, a bad setting, an output location that cannot be written), deferred records are shown apart from the
quarantine, and no child process outlives a killed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from jeugdkpi.cli import EXIT_FAILED, EXIT_USAGE, main
from jeugdkpi.settings import ConfigError, load_settings

PEIL = "2026-06-30"


def _run_args(tmp_path: Path, warehouse: Path, publish: Path | None = None) -> list[str]:
    (tmp_path / "landing" / "berichten").mkdir(parents=True, exist_ok=True)
    return ["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse),
            "--publish", str(publish or tmp_path / "pub"), "--peildatum", PEIL]


def _good_warehouse(path: Path) -> bytes:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
    con.close()
    return path.read_bytes()


def _garbage_blocks(data: bytes) -> bytes:
    damaged = bytearray(data)
    for i in range(3 * 4096, len(damaged), 7):  # keep the headers, overwrite the blocks
        damaged[i] = 0xAB
    return bytes(damaged)


@pytest.mark.parametrize("damage, reason", [
    ("garbage", "Corrupt database file"),
    ("truncated", "Could not read enough bytes"),
    ("text", "not a valid DuckDB database file"),
])
def test_a_damaged_warehouse_fails_with_a_clear_message_and_writes_nothing(tmp_path, capsys, damage, reason):
    warehouse = tmp_path / "data" / "w.duckdb"
    warehouse.parent.mkdir()
    data = _good_warehouse(tmp_path / "good.duckdb")
    content = {"garbage": _garbage_blocks(data), "truncated": data[:5000],
               "text": b"kpi;waarde\nVB01;12\n" * 200}[damage]
    warehouse.write_bytes(content)
    publish = tmp_path / "pub"
    (publish / "snapshots").mkdir(parents=True)
    (publish / "keep.txt").write_text("unchanged")
    before = sorted(p.relative_to(publish) for p in publish.rglob("*"))

    rc = main(_run_args(tmp_path, warehouse, publish))

    err = capsys.readouterr().err
    assert rc == EXIT_FAILED
    assert f"warehouse {warehouse} is damaged (" in err and reason in err
    assert "restore a backup or remove it to rebuild from the landing folder" in err
    assert "in use by another process" not in err and "Traceback" not in err
    assert warehouse.read_bytes() == content
    assert sorted(p.relative_to(publish) for p in publish.rglob("*")) == before
    assert (publish / "keep.txt").read_text() == "unchanged"
    assert not (warehouse.parent / "logs").exists()


def test_a_damaged_warehouse_from_the_console_script_has_no_traceback(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(_good_warehouse(tmp_path / "good.duckdb")[:5000])
    out = subprocess.run([sys.executable, "-m", "jeugdkpi.cli", *_run_args(tmp_path, warehouse)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == EXIT_FAILED
    assert "is damaged (Could not read enough bytes" in out.stderr and "Traceback" not in out.stderr


def test_a_lock_held_by_another_process_is_still_reported_as_in_use(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    _good_warehouse(warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "time.sleep(60)", str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        rc = main(_run_args(tmp_path, warehouse))
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert rc == EXIT_FAILED
    assert f"The warehouse {warehouse} is in use by another process" in err and "damaged" not in err


@pytest.mark.parametrize("name, value", [
    ("JEUGDKPI_WORKERS", "two"), ("JEUGDKPI_WORKERS", "0"), ("JEUGDKPI_MIN_CELL", "ten"),
    ("JEUGDKPI_MIN_CELL", "0"), ("JEUGDKPI_MAX_FILE_MB", "inf"), ("JEUGDKPI_MAX_FILE_MB", "-1"),
    ("JEUGDKPI_MAX_FILE_MB", "veel"), ("JEUGDKPI_VOLUME_FACTOR", "nan"), ("JEUGDKPI_VOLUME_FACTOR", "x"),
    ("JEUGDKPI_PEILDATUM", "30-06-2026"), ("JEUGDKPI_UITVAL_CODES", "99"), ("JEUGDKPI_LOG_LEVEL", "LUID"),
    ("JEUGDKPI_DUCKDB_MEMORY", "4 gigs"), ("JEUGDKPI_DUCKDB_MEMORY", "80%"), ("JEUGDKPI_DBT_THREADS", "0"),
])
def test_every_bad_numeric_setting_is_a_configuration_error_naming_it(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_workers_two_exits_2_naming_the_setting(tmp_path):
    env = {**os.environ, "JEUGDKPI_WORKERS": "two"}
    out = subprocess.run([sys.executable, "-m", "jeugdkpi.cli", *_run_args(tmp_path, tmp_path / "w.duckdb")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == EXIT_USAGE
    assert "JEUGDKPI_WORKERS must be a whole number, got 'two'" in out.stderr
    assert "Traceback" not in out.stderr


def test_workers_setting_is_used_when_valid():
    assert load_settings({"JEUGDKPI_WORKERS": " 3 "}).workers == 3


@pytest.mark.parametrize("where", ["publish", "warehouse"])
def test_an_unwritable_output_location_stops_the_run_before_any_work(tmp_path, capsys, where):
    # the tests run as root, where chmod does not stop writes: a regular file where a folder should be does
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    publish = blocker / "pub" if where == "publish" else tmp_path / "pub"
    warehouse = blocker / "data" / "w.duckdb" if where == "warehouse" else tmp_path / "data" / "w.duckdb"
    started = time.monotonic()
    rc = main(_run_args(tmp_path, warehouse, publish))
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert rc == EXIT_USAGE and elapsed < 10
    named = publish if where == "publish" else warehouse.parent
    assert f"cannot write to {named} (" in err and "not a folder" in err
    assert not (tmp_path / "data").exists() and not (tmp_path / "pub").exists()  # nothing created


def test_a_read_only_warehouse_file_is_refused_before_any_work(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    warehouse.mkdir()  # a folder where the warehouse file should be: cannot be opened for writing
    rc = main(_run_args(tmp_path, warehouse))
    assert rc == EXIT_USAGE
    assert f"cannot write to the warehouse {warehouse}" in capsys.readouterr().err


@pytest.fixture(scope="module")
def small_region(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("region") / "landing"
    assert main(["generate", "--out", str(landing), "--youths", "20"]) == 0
    return landing


def test_records_after_the_peildatum_are_shown_apart_from_the_quarantine(small_region, tmp_path, capsys):
    from jeugdkpi.cli import _print_summary
    from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
    from jeugdkpi.ingest.berichten.load import ingest_berichten
    from jeugdkpi.ingest.tabular import ingest_source
    from jeugdkpi.pipeline import PipelineResult, summarise
    from jeugdkpi.warehouse import connect, ensure_audit_schema

    settings = load_settings({"JEUGDKPI_LANDING": str(small_region), "JEUGDKPI_WAREHOUSE": str(tmp_path / "w.duckdb"),
                              "JEUGDKPI_PUBLISH": str(tmp_path / "pub"), "JEUGDKPI_PEILDATUM": "2025-06-30",
                              "JEUGDKPI_PSEUDONYM_KEY": "deferred", "JEUGDKPI_WORKERS": "1"})
    with connect(settings.warehouse) as con:
        ensure_audit_schema(con)
        berichten = ingest_berichten(con, settings, "run-1")
        aanbieders = ingest_source(con, settings, "run-1", AANBIEDERS)
        hard = dict(con.execute(
            "SELECT source, count(*) FILTER (WHERE reason_code NOT IN ('after_peildatum', 'period_in_future')) "
            "FROM audit.quarantine WHERE run_id = 'run-1' GROUP BY source").fetchall())
    rows = {r["source"]: r for r in summarise(settings, "run-1")["ingest"]}
    # the demo region's berichten: two broken files (malformed XML, release 3.1) and 89 messages dated
    # after 2025-06-30, held back for a later run
    assert hard["berichten"] == 2
    assert berichten.records_quarantined == 91 and rows["berichten"]["records_deferred"] == 89
    # provider deliveries for a half-year after the peildatum are deferred whole; a delivery with a wrong
    # value is quarantine, even when it is also for a later half-year
    assert aanbieders.quarantine_by_reason.get("period_in_future", 0) > 0 and hard["aanbieders"] > 0
    assert 0 < rows["aanbieders"]["records_deferred"] < aanbieders.records_quarantined
    for row in rows.values():  # records in = loaded + quarantined keeps holding; deferred are part of it
        assert row["records_in"] == row["records_loaded"] + row["records_quarantined"]

    _print_summary(PipelineResult(success=True, run_id="run-1", summary={"ingest": list(rows.values())}), settings)
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("bron"))
    assert header.split()[-3:] == ["quarantaine", "na", "peildatum"]
    berichten_row = next(line for line in lines if line.startswith("berichten")).split()
    assert berichten_row[-2:] == ["2", "89"]
    total = next(line for line in lines if line.startswith("totaal")).split()
    deferred = sum(r["records_deferred"] for r in rows.values())
    assert int(total[-1].replace(".", "")) == deferred
    assert int(total[-2].replace(".", "")) == sum(r["records_quarantined"] for r in rows.values()) - deferred


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_a_killed_run_leaves_no_dbt_running(small_region, tmp_path):
    env = {**os.environ, "JEUGDKPI_PSEUDONYM_KEY": "orphans", "JEUGDKPI_WORKERS": "1",
           "DAGSTER_HOME": str(tmp_path / "dh")}
    run = subprocess.Popen([sys.executable, "-m", "jeugdkpi.cli", "run", "--landing", str(small_region),
                            "--warehouse", str(tmp_path / "data" / "w.duckdb"), "--publish", str(tmp_path / "pub"),
                            "--peildatum", PEIL], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, dbt = time.monotonic() + 240, []
        while not dbt and time.monotonic() < deadline and run.poll() is None:
            dbt = [p for p in _descendants(run.pid) if " build" in _cmdline(p) and "dbt" in _cmdline(p)]
            time.sleep(0.2)
        assert dbt, "dbt build never started under the run"
        time.sleep(1)  # dbt is busy writing the warehouse
        family = _descendants(run.pid)
        assert all(_alive(p) for p in dbt)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in family) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [(p, _cmdline(p)) for p in family if _alive(p)] == []
    finally:
        if run.poll() is None:
            run.kill()
        for pid in locals().get("family", []):
            if _alive(pid):  # a failed test does not leave an orphan writing its warehouse
                os.kill(pid, signal.SIGKILL)


def test_the_dbt_wrapper_ends_at_once_when_its_parent_is_already_gone(tmp_path):
    # the window before the parent-death signal is set: a dbt whose parent is not the one that started it
    # never starts
    env = {**os.environ, "JEUGDKPI_DBT_PARENT_PID": str(os.getpid() + 1)}  # its parent is this process
    out = subprocess.run([sys.executable, "-m", "jeugdkpi.dbt_child", "--version"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 128 + signal.SIGKILL and out.stdout == ""
    env["JEUGDKPI_DBT_PARENT_PID"] = str(os.getpid())
    out = subprocess.run([sys.executable, "-m", "jeugdkpi.dbt_child", "--version"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "installed:" in out.stdout
