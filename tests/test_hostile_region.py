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
from jeugdkpi.ingest.gemeente.load import SPEC as GEMEENTE
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

    files_mod.discover = discover_then_swap  # ingest/tabular.py discovers through jeugdkpi.ingest.files
    try:
        with connect(s.warehouse) as con:
            stats = ingest_source(con, s, "run-1", spec)
    finally:
        files_mod.discover = real_discover

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


def test_links_of_the_same_name_in_several_landing_folders_do_not_collide(make_settings, tmp_path):
    """audit.ingest_files is keyed by (path, hash); a refused entry's stand-in hash is qualified by its source, so
    the same link name in two tabular folders (and in berichten) is quarantined in each, and the run goes on."""
    from jeugdkpi.ingest.berichten.load import ingest_berichten

    s = make_settings()
    for source in ("berichten", "aanbieders", "gemeente"):
        (s.landing / source).mkdir(parents=True, exist_ok=True)
        (s.landing / source / "passwd.csv").symlink_to("/etc/passwd")
    with connect(s.warehouse) as con:
        stats = [ingest_berichten(con, s, "run-1")] + [ingest_source(con, s, "run-1", spec)
                                                      for spec in (AANBIEDERS, GEMEENTE)]
    assert [(x.files_quarantined, x.records_quarantined) for x in stats] == [(1, 1)] * 3
    with connect(s.warehouse, read_only=True) as con:
        assert con.execute("SELECT source, file_path, status FROM audit.ingest_files ORDER BY 1").fetchall() == [
            ("aanbieders", "passwd.csv", "quarantined"), ("berichten", "passwd.csv", "quarantined"),
            ("gemeente", "passwd.csv", "quarantined")]


def test_same_file_in_two_landing_folders(make_settings):
    """The same bytes under the same name in two landing folders: each source records (and here quarantines) its
    own copy; audit.ingest_files is keyed by source, path and hash."""
    s = make_settings()
    for source in ("aanbieders", "gemeente"):
        (s.landing / source).mkdir(parents=True, exist_ok=True)
        (s.landing / source / "leeg.csv").write_text("a,b\n1,2\n")
    with connect(s.warehouse) as con:
        stats = [ingest_source(con, s, "run-1", spec) for spec in (AANBIEDERS, GEMEENTE)]
    assert [(x.files_quarantined, x.records_quarantined) for x in stats] == [(1, 1)] * 2


def test_a_warehouse_with_the_old_audit_key_is_migrated_keeping_its_rows(tmp_path):
    import duckdb

    from jeugdkpi.warehouse import ensure_audit_schema

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        con.execute("CREATE SCHEMA audit")
        con.execute("CREATE TABLE audit.ingest_files (file_path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, "
                    "source VARCHAR NOT NULL, size_bytes BIGINT NOT NULL, first_seen_at TIMESTAMP NOT NULL, "
                    "status VARCHAR NOT NULL, n_records INTEGER NOT NULL, run_id VARCHAR NOT NULL, "
                    "n_loaded INTEGER NOT NULL, n_quarantined INTEGER NOT NULL, PRIMARY KEY (file_path, sha256))")
        con.execute("INSERT INTO audit.ingest_files VALUES ('leeg.csv', 'ab', 'aanbieders', 8, now(), 'loaded', 1, "
                    "'run-0', 1, 0)")
        ensure_audit_schema(con)
        ensure_audit_schema(con)  # idempotent
        con.execute("INSERT INTO audit.ingest_files VALUES ('leeg.csv', 'ab', 'gemeente', 8, now(), 'loaded', 1, "
                    "'run-1', 1, 0, NULL)")  # the same file in a second folder: allowed now
        assert con.execute("SELECT source, run_id FROM audit.ingest_files ORDER BY source").fetchall() == \
            [("aanbieders", "run-0"), ("gemeente", "run-1")]
    finally:
        con.close()


# ---- the acceptance run: a generated region with hostile files in every landing source --------------------

PEILDATUM = "2026-06-30"
TABULAR = ("cbs_spiegel", "cbs_bevolking", "cbs_benchmark", "aanbieders", "gemeente", "kwaliteitsgesprekken")
SOURCES = ("berichten",) + TABULAR
WORKBOOK_SOURCES = ("cbs_spiegel", "aanbieders")  # the sources that read .xlsx
FORMULA_NAME = '=HYPERLINK("x").csv'


def _region_settings(root: Path):
    from jeugdkpi.settings import load_settings

    return load_settings({"JEUGDKPI_LANDING": str(root / "landing"),
                          "JEUGDKPI_WAREHOUSE": str(root / "warehouse.duckdb"),
                          "JEUGDKPI_PUBLISH": str(root / "published"), "JEUGDKPI_PEILDATUM": PEILDATUM,
                          "JEUGDKPI_PSEUDONYM_KEY": "hostile-region", "JEUGDKPI_WORKERS": "1"})


def _pipeline(settings) -> tuple[int, str]:
    from test_publication_trust import run

    return run(settings)


def _hostile_workbooks(tmp: Path, periode: str) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, expected reason): a provider template with an entity bomb, an unclosed tag, and a formula
    saved without its cached value, for provider 75750001."""
    from openpyxl import load_workbook

    from test_workbooks_hostile import BOMB, KPI_SHEET, patched, template, with_doctype

    tmp.mkdir()
    good = tmp / "good.xlsx"
    rows = template(good, periode=periode)
    wb = load_workbook(good)
    wb["KPI"].cell(rows["LR01"], 4, "=1+2")
    wb.save(tmp / "formula.xlsx")
    return {
        "hostile_bomb.xlsx": (patched(good, tmp / "bomb.xlsx", KPI_SHEET, with_doctype(BOMB, "h")), "dtd_forbidden"),
        "hostile_unclosed.xlsx": (patched(good, tmp / "open.xlsx", KPI_SHEET,
                                          lambda x: x.replace("</sheetData>", "", 1)), "malformed_xml"),
        "hostile_formula.xlsx": ((tmp / "formula.xlsx").read_bytes(), "formula_without_value"),
    }


def _hostile_messages(message: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, expected reason) for landing/berichten, built from one valid generated message."""
    from test_ingest_hostile import _encoded, _zip

    text = message.decode("utf-8")
    xxe = '<!DOCTYPE Bericht [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    bomb = ('<!DOCTYPE Bericht [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
    crc = _zip([("hostile_crc.xml", message)])
    crc[crc.find(message) + 200] ^= 0x01
    return {
        "hostile_xxe.xml": (text.replace("?>", "?>\n" + xxe, 1).encode(), "dtd_forbidden"),
        "hostile_bomb.xml": (text.replace("?>", "?>\n" + bomb, 1).encode(), "dtd_forbidden"),
        "hostile_utf16.xml": (_encoded(message, "utf-16le", "<!DOCTYPE Bericht>"), "dtd_forbidden"),
        "hostile_malformed.xml": (message[: len(message) // 2], "malformed_xml"),
        "hostile_crc.zip!hostile_crc.xml": (bytes(crc), "bad_archive"),
        "hostile_up.zip!../hostile_up.xml": (bytes(_zip([("../hostile_up.xml", message)])), "bad_archive"),
        FORMULA_NAME.replace(".csv", ".xml"): (b"<Bericht><niet-afgesloten>", "malformed_xml"),
    }


def _add_hostile_files(landing: Path, outside: Path, tmp: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Hostile files in every landing source; returns ({source: {file path: expected reason}}, skipped paths)."""
    outside.mkdir()
    expected: dict[str, dict[str, str]] = {}
    skipped: list[str] = []
    message = next(p for p in sorted((landing / "berichten").rglob("JW301_*.xml"))).read_bytes()
    for source in SOURCES:
        folder = landing / source
        ext = ".xml" if source == "berichten" else ".csv"
        valid = (message if source == "berichten" else
                 next(p for p in sorted(folder.rglob("*.csv"))).read_bytes())
        (outside / f"valid_{source}{ext}").write_bytes(valid)
        want = expected[source] = {}
        (folder / f"hostile_passwd{ext}").symlink_to("/etc/passwd")
        want[f"hostile_passwd{ext}"] = "symlink"
        (folder / f"hostile_elsewhere{ext}").symlink_to(outside / f"valid_{source}{ext}")
        want[f"hostile_elsewhere{ext}"] = "symlink"
        os.mkfifo(folder / f"hostile_fifo{ext}")
        want[f"hostile_fifo{ext}"] = "not_a_regular_file"
        for name in ("~$x.xlsx", f"hostile_partial{ext}.part"):  # an editor's lock file, a partial copy
            (folder / name).write_bytes(valid)
            skipped.append(f"{source}/{name}")
        if source == "berichten":
            for name, (data, reason) in _hostile_messages(message).items():
                (folder / name.split("!")[0]).write_bytes(data)
                want[name] = reason
            continue
        # same name in every tabular folder, content differing per source: audit.ingest_files is keyed by
        # (path, hash) without the source, so the same bytes under the same name in two folders still collide
        noise = b"\x00\xff\xfe\x89PNG\r\n\x1a\n" + source.encode() + bytes(range(256)) * 4
        (folder / "hostile_noise.csv").write_bytes(noise)
        want["hostile_noise.csv"] = "unreadable_file"
        (folder / FORMULA_NAME).write_text(f"a,b\n=1+2,@SUM({source})\n")
        want[FORMULA_NAME] = "wrong_columns"
        if source in WORKBOOK_SOURCES:
            # bytes differing per source (another half-year): the same bytes under the same name in two
            # folders collide on the audit.ingest_files key, see test_same_file_in_two_landing_folders
            # the formula workbook is a (rejected) delivery of P1 for a half-year P1 has delivered: the earliest
            # delivered half-year opens the AL01 window, so an early one would add expected deliveries
            periode = "2025-H1" if source == "aanbieders" else "2025-H2"
            for name, (data, reason) in _hostile_workbooks(tmp / source, periode).items():
                if reason == "formula_without_value" and source != "aanbieders":
                    continue  # a CBS report is no provider template: its columns would be wrong first
                (folder / name).write_bytes(data)
                want[name] = reason
    return expected, skipped


def _query(settings, sql: str, params=None) -> list[tuple]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _raw_counts(settings) -> dict[str, int]:
    """Rows per raw table; for the delivery ledgers (raw.leveringen_*) the loaded deliveries only."""
    out = {}
    for (table,) in _query(settings, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
                                     "ORDER BY 1"):
        where = " WHERE status = 'loaded'" if table.startswith("leveringen_") else ""
        out[table] = _query(settings, f"SELECT count(*) FROM raw.{table}{where}")[0][0]
    return out


def _kpi_values(settings) -> list[tuple]:
    return _query(settings, "SELECT * FROM marts.kpi_values ORDER BY ALL")


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    """The same generated region run twice as `jeugdkpi run` does: as generated, and with hostile files added."""
    import shutil

    from jeugdkpi.generate import generate_region

    root = tmp_path_factory.mktemp("hostile_region")
    clean, hostile = _region_settings(root / "clean"), _region_settings(root / "hostile")
    generate_region(clean.landing, youths=20)
    shutil.copytree(clean.landing, hostile.landing, symlinks=True)
    expected, skipped = _add_hostile_files(hostile.landing, root / "outside", root)
    results = {}
    for name, settings in (("hostile", hostile), ("clean", clean)):
        results[name] = _pipeline(settings)
    return {"clean": clean, "hostile": hostile, "expected": expected, "skipped": skipped, "results": results}


@pytest.mark.e2e
def test_hostile_region_runs_publishes_and_loads_every_good_file(regions):
    clean, hostile = regions["clean"], regions["hostile"]
    for name in ("hostile", "clean"):
        code, out = regions["results"][name]
        assert code == 0, out
        assert "(current -> " in out and "snapshots/2026-H1/v1" in out, out
    for settings in (clean, hostile):
        current = settings.publish / "current"
        assert current.is_symlink() and os.readlink(current) == "snapshots/2026-H1/v1"
    # every good file loaded: the same raw rows per table and the same KPI values as without the hostile files
    assert _raw_counts(hostile) == _raw_counts(clean)
    assert _kpi_values(hostile) == _kpi_values(clean)
    assert len(_kpi_values(clean)) > 0
    good = lambda s: _query(s, "SELECT source, file_path, status, n_records, n_loaded, n_quarantined "  # noqa: E731
                               "FROM audit.ingest_files ORDER BY ALL")
    hostile_names = {(src, p) for src, files in regions["expected"].items() for p in files}
    assert [r for r in good(hostile) if (r[0], r[1]) not in hostile_names] == good(clean)


@pytest.mark.e2e
def test_every_hostile_file_is_quarantined_with_its_reason_or_skipped(regions):
    hostile = regions["hostile"]
    for source, want in regions["expected"].items():
        got: dict[str, set[str]] = {}
        for path, reason in _query(hostile, "SELECT file_path, reason_code FROM audit.quarantine WHERE source = ?",
                                   [source]):
            if path in want:
                got.setdefault(path, set()).add(reason)
        assert got == {p: {r} for p, r in want.items()}, source
        status = dict(_query(hostile, "SELECT file_path, status FROM audit.ingest_files WHERE source = ?", [source]))
        assert {p: status.get(p) for p in want} == {p: "quarantined" for p in want}, source
    # editor and partial files are no deliveries: never in the audit, never read
    paths = {f"{s}/{p}" for s, p in _query(hostile, "SELECT source, file_path FROM audit.ingest_files")}
    assert not paths & set(regions["skipped"])
    assert not [p for p in paths if "~$" in p or p.endswith(".part")]


@pytest.mark.e2e
def test_every_source_and_the_run_reconcile_and_the_counts_are_printed(regions):
    hostile, clean = regions["hostile"], regions["clean"]
    cols = "files_seen, files_new, files_duplicate, files_quarantined, records_in, records_loaded, records_quarantined"
    runs = {r[0]: r[1:] for r in _query(hostile, f"SELECT source, {cols} FROM audit.ingest_runs ORDER BY source")}
    clean_runs = {r[0]: r[1:] for r in _query(clean, f"SELECT source, {cols} FROM audit.ingest_runs")}
    assert set(runs) == set(SOURCES)
    skipped = {s: sum(p.startswith(s + "/") for p in regions["skipped"]) for s in SOURCES}
    print(f"\nhostile region run (peildatum {PEILDATUM}, youths=20): per source "
          "files seen/new/duplicate/quarantined/skipped | records in/loaded/quarantined")
    total = [0] * 8
    for source in SOURCES:
        seen, new, dup, fq, rin, rl, rq = runs[source]
        assert rin == rl + rq, source
        n_hostile = len(regions["expected"][source])
        # what the hostile files add on top of the clean run: one quarantined file and record each
        c_seen, c_new, c_dup, c_fq, c_rin, c_rl, c_rq = clean_runs[source]
        assert (fq - c_fq, rin - c_rin, rl - c_rl) == (n_hostile, rq - c_rq, 0), source
        assert rq - c_rq >= n_hostile, source
        assert (seen - c_seen, new - c_new, dup - c_dup) == (n_hostile, n_hostile, 0), source
        print(f"  {source:22s} {seen:5d} {new:5d} {dup:4d} {fq:4d} {skipped[source]:3d} | {rin:6d} {rl:6d} {rq:5d}"
              f"   (without the hostile files: {c_seen} files, {c_fq} quarantined | {c_rin} in, {c_rl} loaded, "
              f"{c_rq} quarantined)")
        for i, v in enumerate((seen, new, dup, fq, skipped[source], rin, rl, rq)):
            total[i] += v
    print(f"  {'run':22s} {total[0]:5d} {total[1]:5d} {total[2]:4d} {total[3]:4d} {total[4]:3d} | "
          f"{total[5]:6d} {total[6]:6d} {total[7]:5d}")
    assert total[5] == total[6] + total[7]


@pytest.mark.e2e
def test_no_hostile_file_name_reaches_the_publication(regions):
    hostile = regions["hostile"]
    names = [b"hostile_", b"HYPERLINK", b"~$x", b"/etc/passwd", b"root:x:"]
    found = []
    for path in sorted(hostile.publish.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [(str(path.relative_to(hostile.publish)), n) for n in names if n in data]
    assert found == []
    assert any(hostile.publish.rglob("*.parquet"))
