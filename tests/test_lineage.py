"""Issue 14 point 11: every run visible to auditors. The landing folders are observable source assets at the
start of the lineage (data version = fingerprint of the files); runs carry the tags jeugdkpi/peildatum and
jeugdkpi/landing_fingerprint whichever way they start. The run launched from the UI executes the job
reconstructed from the code location (`execute_job(reconstructable(...))`, what `dagster api execute_run`
does) with the job's own executor: it observes the landing folders, tags itself and takes the run lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from jeugdkpi.assets.landing import fingerprint
from jeugdkpi.definitions import defs, halfjaarlijkse_run, nieuwe_bestanden
from jeugdkpi.resources import JeugdkpiConfig

# the sensor's and schedule's `jeugdkpi` resource as the code location has it: empty fields = the environment
RESOURCES = {"jeugdkpi": JeugdkpiConfig()}

SOURCES = ("berichten", "cbs_spiegel", "cbs_bevolking", "cbs_benchmark", "aanbieders", "gemeente",
           "kwaliteitsgesprekken")
LANDING = [dg.AssetKey(["landing", s]) for s in SOURCES]


def expected_landing_fingerprint(landing: Path) -> str:
    """The run tag as docs/operations.md defines it, computed here with os.walk and lstat."""
    outer = hashlib.sha256()
    for source in SOURCES:
        files = []
        for folder, _, names in os.walk(landing / source):  # os.walk does not follow symlinked folders
            for name in names:
                path = Path(folder) / name
                info = path.lstat()
                if path.is_file() and not path.is_symlink():
                    files.append((path.relative_to(landing / source).as_posix(), info.st_size, info.st_mtime_ns))
        inner = hashlib.sha256()
        for rel, size, mtime in sorted(files):
            inner.update(f"{rel}\0{size}\0{mtime}\n".encode())
        outer.update(f"{source}\0{inner.hexdigest()}\n".encode())
    return outer.hexdigest()


def pipeline_job():
    return defs.resolve_job_def("jeugdkpi_pipeline")


def write(path: Path, text: str, mtime_s: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, ns=(mtime_s * 10 ** 9, mtime_s * 10 ** 9))


def test_published_kpi_lineage_ends_at_the_landing_folders():
    graph = defs.resolve_asset_graph()
    upstream = graph.get_ancestor_asset_keys(dg.AssetKey(["published", "kpi"]))
    assert set(LANDING) <= upstream
    for key in LANDING:
        node = graph.get(key)
        assert node.is_observable and not node.is_materializable and node.group_name == "landing"
        assert not node.parent_keys  # nothing upstream of a landing folder
    # each raw table hangs from the folder it is read from
    for raw, source in (("jw301_toegewezen_product", "berichten"), ("berichten", "berichten"),
                        ("cbs_spiegel", "cbs_spiegel"), ("cbs_bevolking", "cbs_bevolking"),
                        ("cbs_benchmark", "cbs_benchmark"),
                        ("aanbieder_kpi", "aanbieders"), ("gemeente_aanvragen", "gemeente"),
                        ("kwaliteitsgesprekken", "kwaliteitsgesprekken")):
        assert graph.get(dg.AssetKey(["raw", raw])).parent_keys == {dg.AssetKey(["landing", source])}, raw
    # and the pipeline job observes them
    assert set(LANDING) <= pipeline_job().asset_layer.selected_asset_keys


def test_fingerprint_of_a_folder(tmp_path):
    folder = tmp_path / "landing" / "gemeente"
    write(folder / "a.csv", "abc", 1_700_000_000)
    write(folder / "sub" / "b.csv", "de", 1_700_000_001)
    expected = hashlib.sha256(b"a.csv\x003\x001700000000000000000\nsub/b.csv\x002\x001700000001000000000\n")
    fp = fingerprint(folder)
    assert (fp.sha256, fp.files, fp.bytes) == (expected.hexdigest(), 2, 5)
    # symlinks to a file or folder outside the landing folder are neither followed nor counted
    write(tmp_path / "outside" / "secret.csv", "geheim", 1_700_000_002)
    (folder / "link.csv").symlink_to(tmp_path / "outside" / "secret.csv")
    (folder / "linkdir").symlink_to(tmp_path / "outside")
    assert fingerprint(folder) == fp
    (tmp_path / "landing" / "aanbieders").symlink_to(tmp_path / "outside")  # a source folder that is a symlink
    assert fingerprint(tmp_path / "landing" / "aanbieders").files == 0
    assert fingerprint(tmp_path / "landing" / "absent").sha256 == hashlib.sha256(b"").hexdigest()


@pytest.fixture
def launched(tmp_path):
    """Runs of the job as a launched run executes them: reconstructed from the code location, the job's own
    executor, a persistent instance."""
    landing = tmp_path / "landing"
    write(landing / "berichten" / "2026" / "a.xml", "<Bericht/>", 1_700_000_000)
    write(landing / "gemeente" / "aanvragen.csv", "x,y\n1,2\n", 1_700_000_000)
    run_config = {"resources": {"jeugdkpi": {"config": {
        "landing": str(landing), "warehouse": str(tmp_path / "w.duckdb"), "publish": str(tmp_path / "pub"),
        "peildatum": "2025-12-31"}}}}
    (tmp_path / "dagster_home").mkdir()
    instance = dg.DagsterInstance.local_temp(str(tmp_path / "dagster_home"))

    def observe():
        result = dg.execute_job(dg.reconstructable(pipeline_job), instance, run_config=run_config,
                                asset_selection=LANDING)
        versions = {}
        for key in LANDING:
            record = instance.get_latest_data_version_record(key, is_source=True)
            if record is not None and record.run_id == result.run_id:
                versions[key.path[1]] = record.asset_observation
        return result, versions

    with instance:
        yield landing, tmp_path, instance, observe


def test_launched_run_observes_landing_and_tags_itself(launched):
    landing, _, instance, observe = launched
    result, observed = observe()
    assert result.success
    assert set(observed) == set(SOURCES)
    assert observed["berichten"].metadata["files"].value == 1
    assert observed["berichten"].metadata["total_bytes"].value == len("<Bericht/>")
    assert observed["gemeente"].metadata["total_bytes"].value == 8
    assert observed["gemeente"].data_version == hashlib.sha256(b"aanvragen.csv\x008\x001700000000000000000\n"
                                                               ).hexdigest()
    assert observed["aanbieders"].metadata["files"].value == 0
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags["jeugdkpi/peildatum"] == "2025-12-31"
    assert tags["jeugdkpi/landing_fingerprint"] == expected_landing_fingerprint(landing)

    # nothing changed: the same data versions; a file lands: only its folder's version changes
    again, same = observe()
    assert {s: o.data_version for s, o in same.items()} == {s: o.data_version for s, o in observed.items()}
    write(landing / "gemeente" / "betalingen.csv", "z\n", 1_700_000_500)
    third, changed = observe()
    differs = {s for s in SOURCES if changed[s].data_version != observed[s].data_version}
    assert differs == {"gemeente"}
    assert changed["gemeente"].metadata["files"].value == 2
    new_tag = instance.get_run_by_id(third.run_id).tags["jeugdkpi/landing_fingerprint"]
    assert new_tag == expected_landing_fingerprint(landing) != tags["jeugdkpi/landing_fingerprint"]


def test_launched_run_takes_the_run_lock(launched):
    from test_runlock import start_holder, stop

    _, root, instance, observe = launched
    holder = start_holder("run-cli", root / "pub" / ".lock")  # e.g. `jeugdkpi run` on the same publish folder
    try:
        result, observed = observe()
    finally:
        stop(holder)
    assert not result.success and observed == {}  # refused before any step ran
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    assert f"run run-cli (pid {holder.pid}) gestart om" in str(failure.event_specific_data.error)
    assert not any(e.is_step_start for e in result.all_events)
    # free again: the next launched run goes ahead
    assert observe()[0].success


def test_schedule_and_sensor_tag_their_runs(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    write(landing / "berichten" / "a.xml", "<Bericht/>", 1_700_000_000)
    monkeypatch.setenv("JEUGDKPI_LANDING", str(landing))
    monkeypatch.setenv("JEUGDKPI_PEILDATUM", "2026-06-30")
    moment = dt.datetime(2026, 4, 15, 6, tzinfo=ZoneInfo("Europe/Amsterdam"))
    tick = dg.build_schedule_context(resources=RESOURCES, scheduled_execution_time=moment)
    scheduled = halfjaarlijkse_run(tick)
    sensed = nieuwe_bestanden(dg.build_sensor_context(resources=RESOURCES))
    fingerprint_tag = expected_landing_fingerprint(landing)
    assert scheduled.tags == {"jeugdkpi/peildatum": "2025-12-31", "jeugdkpi/landing_fingerprint": fingerprint_tag,
                              "jeugdkpi/trigger": "schedule"}
    assert sensed.tags == {"jeugdkpi/peildatum": "2026-06-30", "jeugdkpi/landing_fingerprint": fingerprint_tag,
                           "jeugdkpi/trigger": "sensor"}
