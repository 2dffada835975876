"""Hostile and broken input in the message ingest (issue 15): landing confinement (links, FIFOs, editor and
partial files), one bad zip never stops the other messages, DTD refusal whatever the encoding, and the
staging folders a killed ingest leaves behind. Messages come from the project's own generator (a two-youth
region), never from outside the repository."""

from __future__ import annotations

import io
import os
import re
import struct
import threading
import zipfile
from pathlib import Path

import duckdb
import pytest

from jeugdkpi.generate import generate_region
from jeugdkpi.ingest.berichten.load import ingest_berichten
from jeugdkpi.ingest.files import REASONS

PEILDATUM = "2026-12-31"  # after every generated message: nothing is held back


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> dict[str, bytes]:
    """Five small valid messages of the generated region, by message id (their BerichtIdentificatie)."""
    out = tmp_path_factory.mktemp("region")
    generate_region(out, youths=2, years=(2025, 2026), with_errors=False)
    found = {}
    for path in sorted((out / "berichten").rglob("JW30[15]_*.xml"))[:5]:
        data = path.read_bytes()
        found[message_id(data)] = data
    assert len(found) == 5
    return found


def message_id(data: bytes) -> str:
    return re.search(rb"<ijw:Identificatie>(\d+)</ijw:Identificatie>", data).group(1).decode()


def run(settings, run_id="run-1"):
    with duckdb.connect(str(settings.warehouse)) as con:
        return ingest_berichten(con, settings, run_id)


def query(settings, sql):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def loaded_ids(settings) -> set[str]:
    return {r[0] for r in query(settings, "SELECT message_id FROM raw.berichten")}


def quarantine(settings) -> dict[str, tuple[str, str]]:
    return {p: (r, m) for p, r, m in query(settings, "SELECT file_path, reason_code, message FROM audit.quarantine")}


def statuses(settings) -> dict[str, str]:
    return dict(query(settings, "SELECT file_path, status FROM audit.ingest_files"))


def assert_files_reconcile(settings, stats) -> None:
    """files seen = loaded + duplicate + quarantined (first run: every seen file is new; nothing deferred at
    this peildatum), and records in = loaded + quarantined."""
    counts = dict(query(settings, "SELECT status, count(*) FROM audit.ingest_files GROUP BY status"))
    assert stats.files_seen == stats.files_new == sum(counts.values())
    assert stats.files_quarantined == counts.get("quarantined", 0)
    assert stats.files_duplicate == counts.get("duplicate", 0)
    assert stats.files_loaded == counts.get("loaded", 0)
    assert (stats.files_unchanged, stats.files_deferred) == (0, 0)
    assert stats.files_seen == stats.files_loaded + stats.files_duplicate + stats.files_quarantined
    assert stats.records_in == stats.records_loaded + stats.records_quarantined


# ---- 1. landing confinement ------------------------------------------------------------------------

def test_links_and_fifos_are_quarantined_never_opened(make_settings, messages, tmp_path, monkeypatch):
    settings = make_settings(PEILDATUM)
    berichten = settings.landing / "berichten"
    (good_id, good), (outside_id, outside_msg), (dir_id, dir_msg), (hidden_id, hidden_msg), *_ = messages.items()
    (berichten / "good.xml").write_bytes(good)
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "valid.xml").write_bytes(outside_msg)
    (outside / "folder" / "in-folder.xml").write_bytes(dir_msg)
    (berichten / "passwd.xml").symlink_to("/etc/passwd")
    (berichten / "environ.xml").symlink_to("/proc/self/environ")
    (berichten / "valid-elsewhere.xml").symlink_to(outside / "valid.xml")
    (berichten / "linked-folder").symlink_to(outside / "folder", target_is_directory=True)
    (berichten / "inside-link.xml").symlink_to(berichten / "good.xml")  # a link even to a landed file
    os.mkfifo(berichten / "fifo.xml")
    for name in ("~$x.xlsx", "a.part", "b.tmp"):
        (berichten / name).write_bytes(good)
    (berichten / ".hidden.xml").write_bytes(hidden_msg)

    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(os.fspath(path)) or real_open(path, *a, **k))

    result = {}
    worker = threading.Thread(target=lambda: result.update(stats=run(settings)), daemon=True)
    worker.start()
    worker.join(120)
    if worker.is_alive():  # a blocking open of the FIFO: unblock it, then fail
        with open(berichten / "fifo.xml", "wb"):
            pass
        pytest.fail("the ingest blocked on the FIFO")
    stats = result["stats"]

    assert {k: v[0] for k, v in quarantine(settings).items()} == {
        "passwd.xml": "symlink", "environ.xml": "symlink", "valid-elsewhere.xml": "symlink",
        "linked-folder": "symlink", "inside-link.xml": "symlink", "fifo.xml": "not_a_regular_file"}
    assert loaded_ids(settings) == {good_id}  # not the one behind the link, not the hidden one
    assert statuses(settings) == {"good.xml": "loaded", "passwd.xml": "quarantined", "environ.xml": "quarantined",
                                  "valid-elsewhere.xml": "quarantined", "linked-folder": "quarantined",
                                  "inside-link.xml": "quarantined", "fifo.xml": "quarantined"}
    assert (stats.files_seen, stats.files_quarantined, stats.files_skipped) == (7, 6, 4)
    assert (stats.records_in, stats.records_quarantined) == (stats.records_loaded + 6, 6)
    assert_files_reconcile(settings, stats)
    landing = os.path.realpath(settings.landing)
    assert [p for p in opened if p.startswith(str(settings.landing)) and not os.path.realpath(p).startswith(landing)
            ] == []
    assert not {os.path.realpath(p) for p in opened} & {"/etc/passwd", os.path.realpath("/proc/self/environ"),
                                                          str(outside / "valid.xml")}
    assert not [p for p in opened if Path(p).name in ("fifo.xml", "~$x.xlsx", "a.part", "b.tmp", ".hidden.xml")]
    assert set(REASONS) >= {"symlink", "not_a_regular_file"}

    again = run(settings, "run-2")  # a re-run changes nothing
    assert (again.files_new, again.records_in) == (0, 0)


# ---- 2. one bad zip never stops the other messages ----------------------------------------------------

def _patch_headers(raw: bytearray, name: bytes, *, flag: int = 0, declared: int | None = None) -> None:
    """Set general-purpose flag bits and/or the declared uncompressed size of member `name` by hand, in its
    local header (PK\\3\\4) and its central directory entry (PK\\1\\2)."""
    for sig, flag_at, size_at, name_len_at, name_at in ((b"PK\x03\x04", 6, 22, 26, 30),
                                                         (b"PK\x01\x02", 8, 24, 28, 46)):
        i = raw.find(sig)
        while i != -1:
            n = struct.unpack_from("<H", raw, i + name_len_at)[0]
            if bytes(raw[i + name_at:i + name_at + n]) == name:
                struct.pack_into("<H", raw, i + flag_at, struct.unpack_from("<H", raw, i + flag_at)[0] | flag)
                if declared is not None:
                    struct.pack_into("<I", raw, i + size_at, declared)
            i = raw.find(sig, i + 4)


def _zip(members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytearray:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return bytearray(buf.getvalue())


def test_one_bad_zip_never_stops_the_other_messages(make_settings, messages):
    settings = make_settings(PEILDATUM)
    berichten = settings.landing / "berichten"
    ids = list(messages)
    m = list(messages.values())

    (berichten / "plain.xml").write_bytes(m[0])
    link = zipfile.ZipInfo("link.xml")
    link.create_system, link.external_attr = 3, 0o120777 << 16
    mixed = _zip([("good-1.xml", m[1]), ("bad-crc.xml", m[2]), ("encrypted.xml", m[2]),
                  ("size-lies-up.xml", m[2]), ("size-lies-down.xml", m[2]), (zipfile.ZipInfo("/abs.xml"), m[2]),
                  ("../up.xml", m[2]), ("sub/../../up2.xml", m[2]), (link, b"/etc/passwd"),
                  ("good-2.xml", m[3])])
    at = mixed.find(m[2])  # the first copy is bad-crc.xml's data: flip one byte inside it
    mixed[at + 200] ^= 0x01
    _patch_headers(mixed, b"encrypted.xml", flag=0x1)
    _patch_headers(mixed, b"size-lies-up.xml", declared=len(m[2]) + 100)
    _patch_headers(mixed, b"size-lies-down.xml", declared=len(m[2]) - 100)
    (berichten / "mixed.zip").write_bytes(mixed)
    whole = _zip([("lost.xml", m[4])])
    (berichten / "truncated.zip").write_bytes(whole[:len(whole) // 2])
    (berichten / "noise.zip").write_bytes(b"PK\x03\x04" + os.urandom(300))
    (berichten / "zz-after.xml").write_bytes(m[4])

    stats = run(settings)

    assert loaded_ids(settings) == {ids[0], ids[1], ids[3], ids[4]}
    q = quarantine(settings)
    assert {k: v[0] for k, v in q.items()} == {
        "mixed.zip!bad-crc.xml": "bad_archive", "mixed.zip!encrypted.xml": "bad_archive",
        "mixed.zip!size-lies-up.xml": "bad_archive", "mixed.zip!size-lies-down.xml": "bad_archive",
        "mixed.zip!/abs.xml": "bad_archive", "mixed.zip!../up.xml": "bad_archive",
        "mixed.zip!sub/../../up2.xml": "bad_archive", "mixed.zip!link.xml": "bad_archive",
        "truncated.zip": "bad_archive", "noise.zip": "bad_archive"}
    assert q["mixed.zip!bad-crc.xml"][1] == ("the file cannot be read: BadZipFile: Bad CRC-32 for file "
                                             "'bad-crc.xml'")
    assert q["mixed.zip!size-lies-down.xml"][1].startswith("the file cannot be read: BadZipFile: ")
    assert q["mixed.zip!size-lies-up.xml"][1] == (
        f"the file cannot be read: BadZipFile: member 'size-lies-up.xml' declares {len(m[2]) + 100} bytes "
        f"but holds {len(m[2])}")
    assert q["mixed.zip!encrypted.xml"][1] == "the member is encrypted; it is not read"
    assert q["mixed.zip!/abs.xml"][1] == "the member has an absolute path; it is not read"
    assert q["mixed.zip!../up.xml"][1] == q["mixed.zip!sub/../../up2.xml"][1] == \
        "the member path contains '..'; it is not read"
    assert q["mixed.zip!link.xml"][1] == "the member is a symbolic link; it is not read"
    assert q["truncated.zip"][1] == "zip archive cannot be read: BadZipFile: File is not a zip file"
    assert q["noise.zip"][1].startswith("zip archive cannot be read: BadZipFile: ")
    assert statuses(settings)["mixed.zip!good-1.xml"] == statuses(settings)["mixed.zip!good-2.xml"] == "loaded"
    assert (stats.files_seen, stats.files_quarantined, stats.records_quarantined) == (14, 10, 10)
    assert_files_reconcile(settings, stats)

    again = run(settings, "run-2")  # a re-run changes nothing: the stand-in hashes are stable
    assert (again.files_new, again.records_in) == (0, 0)


# ---- 4. DTD refusal after decoding ------------------------------------------------------------------

def _encoded(message: bytes, encoding: str, doctype: str | None) -> bytes:
    text = message.decode("utf-8")
    if doctype is not None:
        text = text.replace("?>", "?>\n" + doctype, 1)
    declared = "UTF-16" if encoding.startswith("utf-16") else "UTF-8"
    text = text.replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    if encoding == "utf-8":
        return text.encode("utf-8")
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "utf-16le":
        return b"\xff\xfe" + text.encode("utf-16-le")
    assert encoding == "utf-16be"
    return b"\xfe\xff" + text.encode("utf-16-be")


ENCODINGS = ("utf-8", "utf-8-bom", "utf-16le", "utf-16be")
DOCTYPES = {
    "plain": "<!DOCTYPE Bericht>",
    "entity": '<!DOCTYPE Bericht [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    "external": '<!DOCTYPE Bericht SYSTEM "file:///etc/passwd">',
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_dtd_is_refused_whatever_the_encoding(make_settings, messages, encoding):
    settings = make_settings(PEILDATUM)
    (clean_id, clean), *others = messages.items()
    for kind, doctype in DOCTYPES.items():
        (settings.landing / "berichten" / f"{kind}.xml").write_bytes(_encoded(others[0][1], encoding, doctype))
    (settings.landing / "berichten" / "clean.xml").write_bytes(_encoded(clean, encoding, None))

    stats = run(settings)

    assert {k: v[0] for k, v in quarantine(settings).items()} == {
        "plain.xml": "dtd_forbidden", "entity.xml": "dtd_forbidden", "external.xml": "dtd_forbidden"}
    assert loaded_ids(settings) == {clean_id}  # the same message without a DOCTYPE loads in every encoding
    assert stats.records_loaded > 0
    assert_files_reconcile(settings, stats)


# ---- 9. staging folders of a killed ingest ----------------------------------------------------------

def test_leftover_stage_folders_of_a_killed_ingest_are_removed(make_settings, messages):
    settings = make_settings(PEILDATUM)
    (settings.landing / "berichten" / "m.xml").write_bytes(next(iter(messages.values())))
    parent = settings.warehouse.parent
    leftovers = [parent / f".ingest-stage-{settings.warehouse.name}-k2j3h4g5", parent / ".ingest-stage-a1b2c3d4"]
    for folder in leftovers:
        folder.mkdir()
        (folder / "jw301_toegewezen_product-123-0.arrow").write_bytes(b"ARROW1 half written")
    other = parent / ".ingest-stage-other.duckdb-x1y2z3w4"  # another warehouse's stage: not ours to remove
    other.mkdir()

    stats = run(settings)

    assert stats.records_loaded > 0
    assert sorted(p.name for p in parent.iterdir() if p.name.startswith(".ingest-stage-")) == [other.name]


def test_the_parser_refuses_a_dtd_behind_the_byte_check_and_never_opens_its_subset(messages, tmp_path,
                                                                                     monkeypatch):
    """Second line of defence: should a DOCTYPE pass declares_dtd (an encoding it does not decode), the
    parser still never opens the external subset (libxml2 does, even with load_dtd=False: a FIFO there
    would block) and the parsed docinfo refuses the message."""
    import datetime as dt

    from jeugdkpi.ingest.berichten import parser
    from jeugdkpi.pseudonym import Pseudonymiser

    fifo = tmp_path / "subset.dtd"
    os.mkfifo(fifo)
    monkeypatch.setattr(parser, "declares_dtd", lambda data: False, raising=False)
    ctx = parser.ParseContext(Pseudonymiser(b"k"), dt.date(2026, 12, 31), "run-1")
    message = next(iter(messages.values()))
    results = {}

    def parse_all():
        for name, doctype in (("external", f'<!DOCTYPE Bericht SYSTEM "file://{fifo}">'),
                              ("plain", "<!DOCTYPE Bericht>")):
            for encoding in ENCODINGS:
                result = parser.parse_message(_encoded(message, encoding, doctype), "m.xml", "sha", ctx)
                results[name, encoding] = [q[1] for q in result.quarantine], result.message_row

    worker = threading.Thread(target=parse_all, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():
        with open(fifo, "wb"):
            pass
        pytest.fail("the parser opened the DOCTYPE's external subset")
    assert results == {(name, enc): (["dtd_forbidden"], None) for name in ("external", "plain") for enc in ENCODINGS}


# ---- files seen = unchanged + loaded + duplicate + quarantined (deferred among them) --------------------

def test_files_seen_reconcile_with_deferred_files(make_settings, messages):
    dated = {mid: re.search(rb"<ijw:Dagtekening>([\d-]+)<", data).group(1).decode() for mid, data in messages.items()}
    peildatum = min(dated.values())
    later = {mid for mid, d in dated.items() if d > peildatum}
    assert 0 < len(later) < len(dated)
    settings = make_settings(peildatum)
    berichten = settings.landing / "berichten"
    for mid, data in messages.items():
        (berichten / f"{mid}.xml").write_bytes(data)
    (berichten / "copy.xml").write_bytes(messages[min(dated, key=dated.get)])  # same content, new path
    (berichten / "broken.xml").write_bytes(b"<not xml")

    first = run(settings)
    n = len(messages)
    assert (first.files_seen, first.files_loaded, first.files_duplicate, first.files_quarantined,
            first.files_deferred, first.files_unchanged) == (n + 2, n - len(later), 1, len(later) + 1, len(later), 0)
    assert first.as_metadata()["files_deferred"] == len(later)

    again = run(settings, "run-2")  # nothing changes: every file unchanged, the deferred ones still held back
    assert (again.files_seen, again.files_unchanged, again.files_new, again.files_deferred) == (n + 2, n + 2, 0, 0)

    later_run = run(make_settings("2026-12-31"), "run-3")  # the peildatum covers them: they load now
    assert (later_run.files_loaded, later_run.files_unchanged, later_run.files_deferred) == (
        len(later), n + 2 - len(later), 0)
    assert loaded_ids(settings) == set(messages)


def test_shared_discovery_never_yields_links_or_special_files(tmp_path):
    """The tabular sources (ingest/tabular.py) use the same discovery without a problems list: a link or a
    FIFO is then left out (and logged), never yielded to be opened; with a list, each is reported."""
    from jeugdkpi.ingest.files import discover

    root, outside = tmp_path / "cbs_spiegel", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "elsewhere.csv").write_text("a,b\n1,2\n")
    (root / "real.csv").write_text("a,b\n1,2\n")
    (root / "link.csv").symlink_to(outside / "elsewhere.csv")
    (root / "folder").symlink_to(outside, target_is_directory=True)
    os.mkfifo(root / "fifo.csv")
    (root / "~$real.xlsx").write_text("lock")
    (root / "upload.csv.part").write_text("a,b\n")

    assert [i.display_path for i in discover(root, (".csv", ".xlsx"))] == ["real.csv"]
    problems, skipped = [], []
    assert [i.display_path for i in discover(root, (".csv", ".xlsx"), problems=problems, skipped=skipped)] == [
        "real.csv"]
    assert [(p.display_path, p.reason_code) for p in problems] == [
        ("fifo.csv", "not_a_regular_file"), ("folder", "symlink"), ("link.csv", "symlink")]
    assert skipped == ["upload.csv.part", "~$real.xlsx"]
