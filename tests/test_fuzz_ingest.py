"""Fuzz suite for the ingest (issue 15): property-based tests (hypothesis) that mutate valid iJw messages,
zips, provider workbooks and CSVs, CBS spiegel CSVs and kwaliteitsgesprekken CSVs (truncation, a deleted or
duplicated element or line, a wrong namespace, another encoding, huge numbers and very long strings, binary
noise, flipped bytes, padding past the size limits, a zip around a message, a damaged zip) and ingest each
mutated file next to one untouched valid file into a fresh warehouse. Every example must keep:

- no exception escapes the ingest;
- records in = loaded + quarantined, in the returned statistics and in audit.ingest_runs;
- the untouched valid file is `loaded`;
- every quarantine row carries a reason code of ingest/files.py REASONS;
- every file seen has its one row in audit.ingest_files (n_records = n_loaded + n_quarantined);
- no partial rows: every raw row has its lineage (file_sha256, file_path) and belongs to a `loaded` file,
  a `loaded` file has exactly n_loaded record rows, a quarantined file has none, and a source that takes a
  delivery whole (aanbieders, cbs_spiegel) never loads a file with a quarantined row;
- nothing outside the landing folder and the warehouse's folder (where the ingest stages) is opened
  (os.open, builtins.open and io.open are watched; JEUGDKPI_WORKERS=1 keeps the message parse in process).

Bounded: each test runs JEUGDKPI_FUZZ_EXAMPLES examples (default 50, the whole file well under a minute on
two cores), derandomized so CI is deterministic. A longer, random run:

    JEUGDKPI_FUZZ_EXAMPLES=2000 JEUGDKPI_FUZZ_RANDOM=1 .venv/bin/pytest tests/test_fuzz_ingest.py

Seeds come from the project's own generator (a two-youth region) and template writer, never from outside the repository.
"""

from __future__ import annotations

import builtins
import io
import os
import re
import shutil
import tempfile
import zipfile
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jeugdkpi.generate import generate_region
from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.berichten.load import MESSAGES, ingest_berichten
from jeugdkpi.ingest.berichten.schema import RECORD_TABLES
from jeugdkpi.ingest.cbs_spiegel.load import SPEC as SPIEGEL
from jeugdkpi.ingest.files import REASONS
from jeugdkpi.ingest.kwaliteitsgesprekken.load import SPEC as KWALITEIT
from jeugdkpi.ingest.tabular import XLSX_RATIO_FLOOR, Reference, ingest_source
from jeugdkpi.settings import load_settings
from jeugdkpi.template import write_template
from jeugdkpi.warehouse import connect

EXAMPLES = int(os.environ.get("JEUGDKPI_FUZZ_EXAMPLES", "50"))
FUZZ = hsettings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("JEUGDKPI_FUZZ_RANDOM"),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
PEILDATUM = "2026-12-31"  # after every generated message and period: nothing is held back
MAX_FILE_MB = 0.25  # the per-file limit of the examples (JEUGDKPI_MAX_FILE_MB): every seed lies well below it
NAMESPACE = b"http://www.istandaarden.nl/ijw/3_2/"


# ---- seeds -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Valid files per source, by landing name: one message per message type, provider CSVs and a filled-in
    template, CBS spiegel CSVs and kwaliteitsgesprekken CSVs. The first of each source stays untouched in
    every example; the others are mutated."""
    out = tmp_path_factory.mktemp("region")
    generate_region(out, youths=2, years=(2025, 2026), with_errors=False)
    berichten: dict[str, bytes] = {}
    for path in sorted((out / "berichten").rglob("*.xml")):
        berichten.setdefault(path.name[:5], path.read_bytes())
    book = tmp_path_factory.mktemp("book") / "template.xlsx"
    write_template(book, "75750001", "2025-H2")
    wb = load_workbook(book)
    ws = wb["KPI"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value in ("DB02", "LR01", "OI06"):
            ws.cell(r, 4, 3)
            ws.cell(r, 5, 7)
    for c, v in enumerate((5, 4, 3, 1, 120), 1):
        wb["Klachten"].cell(2, c, v)
    wb.save(book)
    aanbieders = out / "aanbieders" / "2025-H1"
    spiegel = out / "cbs_spiegel" / "2025-H1"
    kwaliteit = out / "kwaliteitsgesprekken"
    return {
        "berichten": {f"{t}.xml": data for t, data in berichten.items()},
        "aanbieders": {
            "valid.csv": (aanbieders / "aanlevering_75750002_2025-H1_kpi.csv").read_bytes(),
            "kpi.csv": (aanbieders / "aanlevering_75750001_2025-H1_kpi.csv").read_bytes(),
            "klachten.csv": (aanbieders / "aanlevering_75750001_2025-H1_klachten.csv").read_bytes(),
            "template.xlsx": book.read_bytes()},
        "cbs_spiegel": {
            "valid.csv": (spiegel / "spiegel_75750002_2025-H1.csv").read_bytes(),
            "p8.csv": (spiegel / "spiegel_75750008_2025-H1.csv").read_bytes(),
            "p1.csv": (spiegel / "spiegel_75750001_2025-H1_correctie.csv").read_bytes()},
        "kwaliteitsgesprekken": {
            "valid.csv": (kwaliteit / "kwaliteitsgesprekken_2026.csv").read_bytes(),
            "k2025.csv": (kwaliteit / "kwaliteitsgesprekken_2025.csv").read_bytes()},
    }


# ---- mutations: each op is (draw, data) -> data -------------------------------------------------------

HUGE = [b"9" * 40, b"-1", b"1e308", b"NaN", b"0x7fffffff", b"x" * 100_000, "\u00e9\u20ac".encode() * 5_000,
        b"=HYPERLINK(\"x\")", b"\x00", b"", b"2025-02-30", b"99999999999999999999-01-01"]
ELEMENT = re.compile(rb"<([\w]+:[\w]+)[ >].*?</\1>", re.S)


def _pos(draw, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def truncate(draw, data):
    return data[:_pos(draw, data)]


def flip_bytes(draw, data):
    if not data:
        return data
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(out) - 1))
        out[at] ^= draw(st.integers(1, 255))
    return bytes(out)


def noise(draw, data):
    at = _pos(draw, data)
    return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]


def inflate(draw, data):
    """Padding past the per-file limit of the examples (MAX_FILE_MB); inside a workbook member, past its
    compression ratio."""
    filler = draw(st.sampled_from([b" ", b"\n", b"<!-- x -->", b"0", b"\x00"]))
    return data + filler * (int(MAX_FILE_MB * 1024 * 1024) // len(filler) + 1)


def expand(draw, data):
    """A workbook part padded past the size from which its compression ratio is checked (workbook_too_large)."""
    return data + draw(st.sampled_from([b" ", b"\n"])) * (XLSX_RATIO_FLOOR + 1)


def _lines(draw, data, duplicate: bool):
    lines = data.split(b"\n")
    at = draw(st.integers(0, len(lines) - 1))
    lines[at:at + 1] = [lines[at]] * (2 if duplicate else 0)
    return b"\n".join(lines)


def delete_line(draw, data):
    return _lines(draw, data, False)


def duplicate_line(draw, data):
    return _lines(draw, data, True)


def _element(draw, data, duplicate: bool):
    found = list(ELEMENT.finditer(data))
    if not found:
        return data
    m = found[draw(st.integers(0, len(found) - 1))]
    return data[:m.start()] + (m.group(0) * 2 if duplicate else b"") + data[m.end():]


def delete_element(draw, data):
    return _element(draw, data, False)


def duplicate_element(draw, data):
    return _element(draw, data, True)


def namespace(draw, data):
    other = draw(st.sampled_from([b"http://example.org/", b"", b"http://www.istandaarden.nl/ijw/3_1/",
                                  b"urn:x:"]))
    data = data.replace(NAMESPACE, other)
    return data.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", other)


def reencode(draw, data):
    encoding = draw(st.sampled_from(["utf-16", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-8-sig"]))
    return data.decode("utf-8", "replace").encode(encoding, "replace")


def huge_value(draw, data):
    found = list(re.finditer(rb"\d+|>[^<>\n]+<|[^,;\n]+", data))
    if not found:
        return data
    m = found[draw(st.integers(0, len(found) - 1))]
    value = draw(st.sampled_from(HUGE))
    if m.group(0).startswith(b">"):
        value = b">" + value + b"<"
    return data[:m.start()] + value + data[m.end():]


def csv_dialect(draw, data):
    kind = draw(st.sampled_from(["semicolon", "tab", "crlf", "bom", "quote", "empty"]))
    return {"semicolon": lambda: data.replace(b",", b";"), "tab": lambda: data.replace(b",", b"\t"),
            "crlf": lambda: data.replace(b"\n", b"\r\n"), "bom": lambda: b"\xef\xbb\xbf" + data,
            "quote": lambda: data.replace(b",", b',"', 1), "empty": lambda: b""}[kind]()


def zip_wrap(draw, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))) as zf:
        zf.writestr(draw(st.sampled_from(["m.xml", "dir/m.xml", "../m.xml", "/abs.xml", "m.txt"])), data)
    return buf.getvalue()


def zip_member(draw, data):
    """Apply one text mutation to one member of a zip (a workbook's sheet XML, styles, shared strings)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            members = [(info.filename, zin.read(info)) for info in zin.infolist()]
    except Exception:  # noqa: BLE001 - already damaged: leave it so
        return data
    if not members:
        return data
    at = draw(st.integers(0, len(members) - 1))
    op = draw(st.sampled_from(XML_OPS + [expand]))
    name, content = members[at]
    members[at] = (name, op(draw, content))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, content in members:
            zout.writestr(name, content)
    return buf.getvalue()


BYTE_OPS = [truncate, flip_bytes, noise, inflate]
XML_OPS = BYTE_OPS + [delete_element, duplicate_element, delete_line, duplicate_line, namespace, reencode,
                      huge_value]
CSV_OPS = BYTE_OPS + [delete_line, duplicate_line, reencode, huge_value, csv_dialect]
OPS = {"xml": XML_OPS + [zip_wrap], "csv": CSV_OPS, "xlsx": BYTE_OPS + [zip_member] * 3}


@st.composite
def mutated(draw, seeds: dict[str, bytes]) -> tuple[str, bytes]:
    """(landing name, bytes): one of `seeds` after one to three mutations."""
    name = draw(st.sampled_from(sorted(seeds)))
    data = seeds[name]
    kind = name.rsplit(".", 1)[1]
    for op in draw(st.lists(st.sampled_from(OPS[kind]), min_size=1, max_size=3)):
        data = op(draw, data)
    if kind == "xml" and data[:2] == b"PK":
        name = name[:-4] + ".zip"
    return "z_fuzz_" + name, data


# ---- one example: land, ingest with every open watched, check the invariants ----------------------------

class Opened(list):
    """Every path the ingest opens through os.open, builtins.open or io.open."""

    def watch(self, stack: ExitStack) -> None:
        for target, real in (("os.open", os.open), ("builtins.open", builtins.open), ("io.open", io.open)):
            stack.enter_context(mock.patch(target, self._wrap(real)))

    def _wrap(self, real):
        def opener(path, *args, **kwargs):
            if isinstance(path, (str, bytes, os.PathLike)):
                self.append(os.path.realpath(os.fsdecode(path)))
            return real(path, *args, **kwargs)
        return opener


def ingest_example(source: str, files: dict[str, bytes], ingest) -> list[str]:
    """Ingest `files` (the first one untouched and valid) into a fresh warehouse and check the invariants;
    returns the outcome of every other file as `status` or `status/reason`."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        settings = load_settings({
            "JEUGDKPI_LANDING": str(root / "landing"), "JEUGDKPI_WAREHOUSE": str(root / "wh" / "w.duckdb"),
            "JEUGDKPI_PUBLISH": str(root / "published"), "JEUGDKPI_PEILDATUM": PEILDATUM,
            "JEUGDKPI_PSEUDONYM_KEY": "test-key", "JEUGDKPI_WORKERS": "1",
            "JEUGDKPI_MAX_FILE_MB": str(MAX_FILE_MB)})
        folder = settings.landing / source
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        opened = Opened()
        with connect(settings.warehouse) as con:
            with ExitStack() as stack:
                opened.watch(stack)
                stats = ingest(con, settings)  # no exception escapes
        allowed = (os.path.realpath(settings.landing) + os.sep, os.path.realpath(settings.warehouse.parent) + os.sep)
        assert [p for p in opened if not p.startswith(allowed)] == []
        assert os.path.realpath(folder / next(iter(files))) in opened  # the watch sees the ingest's reads
        return check_invariants(settings, source, stats, valid=next(iter(files)))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def check_invariants(settings, source: str, stats, valid: str) -> list[str]:
    assert stats.records_in == stats.records_loaded + stats.records_quarantined
    with connect(settings.warehouse, read_only=True) as con:
        def q(sql, params=()):
            return con.execute(sql, list(params)).fetchall()
        assert q("SELECT records_in, records_loaded, records_quarantined FROM audit.ingest_runs "
                 "WHERE run_id = 'fuzz' AND source = ?", [source]) == [
            (stats.records_in, stats.records_loaded, stats.records_quarantined)]
        files = {p: (st_, n_in, n_loaded, n_quar) for p, st_, n_in, n_loaded, n_quar in q(
            "SELECT file_path, status, n_records, n_loaded, n_quarantined FROM audit.ingest_files "
            "WHERE source = ?", [source])}
        assert files[valid][0] == "loaded" and files[valid][3] == 0
        assert sum(f[0] == "quarantined" for f in files.values()) == stats.files_quarantined
        unknown = q("SELECT DISTINCT reason_code FROM audit.quarantine WHERE source = ?", [source])
        assert {r for (r,) in unknown} <= set(REASONS)
        assert stats.files_seen == len(files)  # a first run: every file seen has its one audit row
        for path, (status, n_in, n_loaded, n_quar) in files.items():
            assert n_in == n_loaded + n_quar, path
            if source != "berichten" and SPECS[source].reject_whole and status == "loaded":
                assert n_quar == 0, path  # a whole delivery or nothing
        rows: dict[str, int] = {}
        for table in record_tables(source):
            assert q(f"SELECT count(*) FROM raw.{table} WHERE file_sha256 IS NULL OR file_path IS NULL") == [(0,)]
            for path, n in q(f"SELECT file_path, count(*) FROM raw.{table} GROUP BY file_path"):
                rows[path] = rows.get(path, 0) + n
        if source == "berichten":  # one raw.berichten row per loaded message, beside its records
            messages = dict(q(f"SELECT file_path, count(*) FROM raw.{MESSAGES} GROUP BY file_path"))
            assert messages == {p: 1 for p, f in files.items() if f[0] == "loaded"}
        expected = {p: f[2] for p, f in files.items() if f[0] == "loaded" and f[2]}
        assert rows == expected  # a quarantined file left no rows; a loaded one exactly its n_loaded
        reasons = dict(q("SELECT file_path, min(reason_code) FROM audit.quarantine WHERE source = ? "
                         "GROUP BY file_path", [source]))
    return sorted(f"{status}/{reasons[p]}" if p in reasons else status for p, (status, *_) in files.items()
                  if p != valid)


def record_tables(source: str) -> list[str]:
    return list(RECORD_TABLES) if source == "berichten" else list(SPECS[source].tables)


SPECS = {spec.source: spec for spec in (AANBIEDERS, SPIEGEL, KWALITEIT)}


@pytest.fixture(scope="module")
def reference():
    """The seeds (code lists) read once, outside the watched ingest call."""
    return Reference.load()


def tabular(spec, ref):
    return lambda con, settings: ingest_source(con, settings, "fuzz", spec, ref)


def messages(con, settings):
    return ingest_berichten(con, settings, "fuzz")


def untouched(seeds, source) -> dict[str, bytes]:
    name, data = next(iter(seeds[source].items()))
    return {f"a_{name}": data}


def test_valid_seeds_load_whole(seeds, reference):
    """The seeds themselves: every file loaded, nothing quarantined (a mutation starts from valid input)."""
    for source, files in seeds.items():
        ingest = messages if source == "berichten" else tabular(SPECS[source], reference)
        landed = {f"a_{n}" if i == 0 else n: d for i, (n, d) in enumerate(files.items())}
        assert ingest_example(source, landed, ingest) == ["loaded"] * (len(files) - 1), source


def fuzz_one(data, seeds, source: str, ingest) -> None:
    """Mutate one seed of `source` (never the untouched one), ingest it beside the untouched one and record
    its outcome as a hypothesis event (shown with --hypothesis-show-statistics)."""
    name, mutant = data.draw(mutated(dict(list(seeds[source].items())[1:])))
    for outcome in ingest_example(source, {**untouched(seeds, source), name: mutant}, ingest):
        event(f"{source}: {outcome}")


@FUZZ
@given(data=st.data())
def test_fuzzed_messages_keep_the_invariants(seeds, data):
    fuzz_one(data, seeds, "berichten", messages)


@pytest.mark.parametrize("source", ["aanbieders", "cbs_spiegel", "kwaliteitsgesprekken"])
@FUZZ
@given(data=st.data())
def test_fuzzed_tabular_files_keep_the_invariants(seeds, reference, source, data):
    fuzz_one(data, seeds, source, tabular(SPECS[source], reference))
