"""Issue 14 point 8: one run per warehouse. A run holds `<warehouse>.lock` and `<publish>/.lock` (flock, JSON
naming the holder) for its whole duration; a second run is refused at once and never disturbs the first; a lock
left by a dead process (kill -9) is taken over with a warning; the lock is given back after a failed run."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from jeugdkpi import runlock
from jeugdkpi.settings import REPO_ROOT

JEUGDKPI = str(Path(sys.executable).with_name("jeugdkpi"))
PEILDATUM = "2026-06-30"

HOLDER = """
import sys, time
from pathlib import Path
from jeugdkpi import runlock
with runlock.hold([Path(p) for p in sys.argv[2:]], sys.argv[1]):
    print("held", flush=True)
    time.sleep(120)
"""


def start_holder(run_id: str, *paths: Path) -> subprocess.Popen:
    """Another process that takes the run lock on `paths` and keeps it until it is killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, run_id, *map(str, paths)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def read(path: Path) -> dict | None:
    text = path.read_text()
    return json.loads(text) if text.strip() else None


def test_lock_file_names_the_holder_and_is_emptied_after(tmp_path):
    path = tmp_path / "w.duckdb.lock"
    with runlock.hold([path], "run-a"):
        holder = read(path)
        assert holder["run_id"] == "run-a" and holder["pid"] == os.getpid()
        assert holder["host"] == socket.gethostname()
        started = dt.datetime.fromisoformat(holder["started_at"])
        assert abs((dt.datetime.now().astimezone() - started).total_seconds()) < 60
        with runlock.hold([path], "run-a"):  # re-entrant for the same run in the same process
            pass
        assert read(path)["run_id"] == "run-a"  # still held after the inner release
        with pytest.raises(runlock.RunLockedError) as exc:  # another run in the same process
            with runlock.hold([path], "run-b"):
                pass
        assert str(exc.value) == f"run run-a (pid {os.getpid()}) gestart om {started:%H:%M} is nog bezig"
    assert path.read_text() == "" and runlock.holder(path) is None


def test_lock_paths_are_beside_the_warehouse_and_in_the_publication_folder(tmp_path):
    assert runlock.lock_paths(tmp_path / "data" / "w.duckdb", tmp_path / "pub") == [
        tmp_path / "data" / "w.duckdb.lock", tmp_path / "pub" / ".lock"]


def test_second_process_is_refused_at_once_and_holds_nothing(tmp_path):
    warehouse_lock, publish_lock = tmp_path / "w.duckdb.lock", tmp_path / "pub" / ".lock"
    first = start_holder("run-eerste", publish_lock)  # e.g. a run on another warehouse, same publish folder
    try:
        holder = read(publish_lock)
        began = time.monotonic()
        with pytest.raises(runlock.RunLockedError) as exc:
            with runlock.hold([warehouse_lock, publish_lock], "run-tweede"):
                pytest.fail("the second run must not start")
        assert time.monotonic() - began < 2  # refused at once, no waiting
        hhmm = dt.datetime.fromisoformat(holder["started_at"]).strftime("%H:%M")
        assert str(exc.value) == f"run run-eerste (pid {first.pid}) gestart om {hhmm} is nog bezig"
        assert exc.value.path == publish_lock
        # the refused run gave back the warehouse lock it had taken, and left the first holder's file alone
        assert runlock.holder(warehouse_lock) is None and warehouse_lock.read_text() == ""
        assert read(publish_lock) == holder and first.poll() is None
    finally:
        stop(first)


def test_stale_lock_of_a_dead_process_is_taken_over_with_a_warning(tmp_path, caplog):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path = tmp_path / "w.duckdb.lock"
    path.write_text(json.dumps({"run_id": "run-dood", "pid": gone.pid, "host": socket.gethostname(),
                                "started_at": "2026-07-01T03:00:00+02:00"}))
    with caplog.at_level(logging.WARNING, logger="jeugdkpi.runlock"):
        with runlock.hold([path], "run-nieuw") as stale:
            assert [s["run_id"] for s in stale] == ["run-dood"]
            assert read(path)["run_id"] == "run-nieuw" and read(path)["pid"] == os.getpid()
    assert f"verouderde vergrendeling van run run-dood (pid {gone.pid}) overgenomen" in caplog.text
    assert path.read_text() == ""


def test_kill_9_of_the_holder_releases_the_lock(tmp_path, caplog):
    path = tmp_path / "w.duckdb.lock"
    holder = start_holder("run-gedood", path)
    with pytest.raises(runlock.RunLockedError):
        with runlock.hold([path], "run-nieuw"):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert read(path)["run_id"] == "run-gedood"  # the dead holder's name is still in the file ...
    with caplog.at_level(logging.WARNING, logger="jeugdkpi.runlock"):
        with runlock.hold([path], "run-nieuw"):  # ... but the kernel released its flock
            assert read(path)["run_id"] == "run-nieuw"
    assert f"van run run-gedood (pid {holder.pid}) overgenomen" in caplog.text


def test_taking_over_marks_the_dead_run_failed_in_the_instance(make_settings):

    settings = make_settings()
    warehouse_lock = runlock.lock_paths(settings.warehouse, settings.publish)[0]
    warehouse_lock.write_text(json.dumps({"run_id": "run-gedood", "pid": 2 ** 22 + 1, "host": "elders"}))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_run(DagsterRun(job_name="jeugdkpi_pipeline", run_id="run-gedood", status=DagsterRunStatus.STARTED))
    with runlock.run_lock(instance, "run-nieuw", [warehouse_lock]) as warnings:
        assert warnings == [f"verouderde vergrendeling van run run-gedood (pid {2 ** 22 + 1}) overgenomen"]
    assert instance.get_run_by_id("run-gedood").status == DagsterRunStatus.FAILURE


def test_lock_is_released_after_a_failed_run(make_settings, monkeypatch):
    import jeugdkpi.assets.inputs as inputs
    from jeugdkpi.pipeline import run_pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("kapotte invoer")

    monkeypatch.setattr(inputs, "ingest_source", broken)
    settings = make_settings()
    saved = dict(os.environ)
    try:
        result = run_pipeline(settings, instance=dg.DagsterInstance.ephemeral())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert not result.success
    assert {s for s in result.failed_steps} == {f"ingest_{s}" for s in
                                                 ("cbs_spiegel", "cbs_bevolking", "cbs_benchmark", "aanbieders",
                                                  "gemeente", "kwaliteitsgesprekken")}
    for path in runlock.lock_paths(settings.warehouse, settings.publish):
        assert path.read_text() == "" and runlock.holder(path) is None
    with runlock.hold(runlock.lock_paths(settings.warehouse, settings.publish), "de-volgende"):
        pass


# --- the real thing: two `jeugdkpi run` processes on one warehouse ------------------------------------------

@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """`jeugdkpi run` on a tiny generated region; while it runs, a second `jeugdkpi run` on the same
    warehouse. DAGSTER_HOME is a temporary folder, as an operator's would be."""
    root = tmp_path_factory.mktemp("two_runs")
    env = {**os.environ, "JEUGDKPI_LANDING": str(root / "landing"), "JEUGDKPI_WAREHOUSE": str(root / "w.duckdb"),
           "JEUGDKPI_PUBLISH": str(root / "pub"), "JEUGDKPI_PEILDATUM": PEILDATUM,
           "JEUGDKPI_PSEUDONYM_KEY": "runlock-test", "JEUGDKPI_WORKERS": "1", "DAGSTER_HOME": str(root / "dh")}
    subprocess.run([JEUGDKPI, "generate", "--out", str(root / "landing"), "--youths", "20"], env=env, check=True,
                   capture_output=True)
    lock = root / "w.duckdb.lock"
    first = subprocess.Popen([JEUGDKPI, "run"], env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (lock.exists() and lock.read_text().strip()):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.1)
        holder = read(lock)
        began = time.monotonic()
        second = subprocess.run([JEUGDKPI, "run"], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=120)
        second_seconds = time.monotonic() - began
        first_running_after_second = first.poll() is None
        out, err = first.communicate(timeout=900)
    finally:
        stop(first)
    return {"root": root, "env": env, "holder": holder, "first": (first.returncode, out, err), "second": second,
            "second_seconds": second_seconds, "first_running_after_second": first_running_after_second}


@pytest.mark.e2e
def test_second_run_exits_1_at_once_and_the_first_succeeds(two_runs):
    holder, second = two_runs["holder"], two_runs["second"]
    hhmm = dt.datetime.fromisoformat(holder["started_at"]).strftime("%H:%M")
    assert second.returncode == 1, (second.stdout, second.stderr)
    assert f"run {holder['run_id']} (pid {holder['pid']}) gestart om {hhmm} is nog bezig" in second.stderr
    assert "Logboek" not in second.stdout  # it started nothing
    assert two_runs["first_running_after_second"], "the second run waited for the first instead of failing"
    assert two_runs["second_seconds"] < 60
    code, out, err = two_runs["first"]
    assert code == 0, (out, err)
    assert "Resultaat:    gelukt" in out and f"Run {holder['run_id']}" in out
    assert (two_runs["root"] / "w.duckdb.lock").read_text() == ""


@pytest.mark.e2e
def test_cli_run_is_recorded_in_dagster_home_with_its_tags(two_runs):
    from test_lineage import expected_landing_fingerprint

    instance = dg.DagsterInstance.from_config(two_runs["env"]["DAGSTER_HOME"])
    runs = instance.get_runs()
    assert [r.run_id for r in runs] == [two_runs["holder"]["run_id"]]  # the refused run recorded nothing
    run = runs[0]
    assert run.status == DagsterRunStatus.SUCCESS and run.job_name == "jeugdkpi_pipeline"
    assert run.tags["jeugdkpi/peildatum"] == PEILDATUM
    assert run.tags["jeugdkpi/landing_fingerprint"] == expected_landing_fingerprint(two_runs["root"] / "landing")
    # every landing folder was observed in that run
    for source in ("berichten", "cbs_spiegel", "cbs_bevolking", "cbs_benchmark", "aanbieders", "gemeente",
                   "kwaliteitsgesprekken"):
        records = instance.fetch_observations(dg.AssetKey(["landing", source]), limit=5).records
        assert [r.run_id for r in records] == [run.run_id], source
