"""Hostile and broken provider workbooks (issue 15, points 3 and 7): one bad workbook is quarantined with a
reason and never stops the run; formulas without a cached value, an under-stated `<dimension>` and workbooks
that expand too far are never read wrongly without a word.

Every hostile workbook starts as a valid template (jeugdkpi.template) and has the XML inside its zip patched
by hand.
"""

from __future__ import annotations

import re
import time
import zipfile

from openpyxl import load_workbook

from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.tabular import ingest_source
from jeugdkpi.template import write_template
from jeugdkpi.warehouse import connect
from test_ingest_inputs import filled_template

P1 = "75750001"
KPI_SHEET = "xl/worksheets/sheet2.xml"  # Instructie, KPI, Klachten as written by write_template
BOMB = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
        '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>')
XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
FIGURES = {"DB02": (6, 10), "LR01": (3, 4), "OI06": (7, 9)}


def template(path, figures=FIGURES, klachten=(5, 4, 3, 1, 120), periode="2025-H2") -> dict[str, int]:
    """A filled-in provider template for P1; returns {kpi_id: row on sheet KPI}."""
    return filled_template(path, P1, periode, figures, klachten)


def patched(src, dst, member: str, change) -> bytes:
    """A copy of workbook `src` with `change(xml_text)` applied to one member; written to `dst`, returned."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == member:
                new = change(data.decode()).encode()
                assert new != data, f"the patch did not change {member}"
                data = new
            zout.writestr(info.filename, data)
    return dst.read_bytes()


def with_doctype(doctype: str, entity: str):
    """Put `doctype` before the root element and `&entity;` into the KPI sheet's first header cell."""
    def change(xml: str) -> str:
        xml = xml.replace("<worksheet", doctype + "<worksheet", 1)
        return xml.replace("<t>kpi_id</t>", f"<t>kpi_id&{entity};</t>", 1)
    return change


def land(settings, name: str, data: bytes) -> None:
    path = settings.landing / "aanbieders" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def run(settings):
    with connect(settings.warehouse) as con:
        return ingest_source(con, settings, "run-hostile", AANBIEDERS)


def query(settings, sql: str, params=None):
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def file_status(settings) -> dict[str, tuple]:
    return {p: (st, n, nl, nq) for p, st, n, nl, nq in query(
        settings, "SELECT file_path, status, n_records, n_loaded, n_quarantined FROM audit.ingest_files "
                  "WHERE source = 'aanbieders'")}


def reasons(settings) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for path, loc, reason, message in query(
            settings, "SELECT file_path, record_locator, reason_code, message FROM audit.quarantine "
                      "WHERE source = 'aanbieders' ORDER BY file_path, record_locator"):
        out.setdefault(path, []).append((loc, reason, message))
    return out


def test_hostile_workbooks_are_quarantined_and_the_run_goes_on(make_settings, tmp_path):
    s = make_settings()
    good = tmp_path / "good.xlsx"
    template(good)
    # first run: the provider's delivery in force
    land(s, "a_eerder.xlsx", good.read_bytes())
    first = run(s)
    assert (first.records_in, first.records_loaded) == (4, 4)

    # second run: one good workbook (another half-year) and one of each hostile kind
    other = tmp_path / "other.xlsx"
    template(other, periode="2025-H1")
    land(s, "b_goed.xlsx", other.read_bytes())
    land(s, "c_bom.xlsx", patched(good, tmp_path / "c.xlsx", KPI_SHEET, with_doctype(BOMB, "h")))
    land(s, "d_xxe.xlsx", patched(good, tmp_path / "d.xlsx", KPI_SHEET, with_doctype(XXE, "xxe")))
    land(s, "e_open.xlsx", patched(good, tmp_path / "e.xlsx", KPI_SHEET,
                                   lambda x: x.replace("</sheetData>", "", 1)))
    land(s, "f_half.xlsx", patched(good, tmp_path / "f.xlsx", KPI_SHEET, lambda x: x[:len(x) // 2]))
    stats = run(s)  # no exception

    status = file_status(s)
    assert status["b_goed.xlsx"] == ("loaded", 4, 4, 0)
    for name in ("c_bom.xlsx", "d_xxe.xlsx", "e_open.xlsx", "f_half.xlsx"):
        assert status[name] == ("quarantined", 1, 0, 1), name
    got = reasons(s)
    assert [r for _, r, _ in got["c_bom.xlsx"]] == ["dtd_forbidden"]
    assert "EntitiesForbidden" in got["c_bom.xlsx"][0][2]
    assert [r for _, r, _ in got["d_xxe.xlsx"]] == ["dtd_forbidden"]
    assert "root:" not in got["d_xxe.xlsx"][0][2]
    assert [r for _, r, _ in got["e_open.xlsx"]] == ["malformed_xml"]
    assert "ParseError" in got["e_open.xlsx"][0][2]
    assert [r for _, r, _ in got["f_half.xlsx"]] == ["malformed_xml"]
    # records in = loaded + quarantined; the earlier delivery stays in force
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (8, 4, 4)
    assert stats.files_quarantined == 4
    assert query(s, "SELECT kpi_id, teller, noemer FROM raw.aanbieder_kpi WHERE periode = '2025-H2' "
                    "ORDER BY kpi_id") == [("DB02", 6.0, 10), ("LR01", 3.0, 4), ("OI06", 7.0, 9)]
    assert query(s, "SELECT DISTINCT file_path, status FROM raw.leveringen_aanbieders ORDER BY file_path") == [
        ("a_eerder.xlsx", "loaded"), ("b_goed.xlsx", "loaded"), ("c_bom.xlsx", "quarantined"),
        ("d_xxe.xlsx", "quarantined"), ("e_open.xlsx", "quarantined"), ("f_half.xlsx", "quarantined")]


def test_sheet_is_read_past_an_understated_dimension(make_settings, tmp_path):
    s = make_settings()
    rows = template(tmp_path / "t.xlsx")
    assert rows["LR01"] > 3 and rows["OI06"] > 3
    data = patched(tmp_path / "t.xlsx", tmp_path / "dim.xlsx", KPI_SHEET,
                   lambda x: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:F3"/>', x, count=1))
    land(s, "dim.xlsx", data)
    stats = run(s)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (4, 4, 0)
    assert query(s, "SELECT kpi_id, teller, noemer, record_locator FROM raw.aanbieder_kpi ORDER BY kpi_id") == [
        ("DB02", 6.0, 10, f"KPI!{rows['DB02']}"), ("LR01", 3.0, 4, f"KPI!{rows['LR01']}"),
        ("OI06", 7.0, 9, f"KPI!{rows['OI06']}")]


def test_formula_without_cached_value_quarantines_its_row(make_settings, tmp_path):
    s = make_settings()
    rows = template(tmp_path / "t.xlsx")
    # as openpyxl writes a formula: <f> with an empty <v>
    wb = load_workbook(tmp_path / "t.xlsx")
    wb["KPI"].cell(rows["LR01"], 4, "=1+2")
    wb.save(tmp_path / "openpyxl.xlsx")
    land(s, "openpyxl.xlsx", (tmp_path / "openpyxl.xlsx").read_bytes())
    # a formula with no <v> at all, in a row whose teller and noemer would otherwise both read as empty
    lr, oi = rows["LR01"], rows["OI06"]
    land(s, "no_v.xlsx", patched(tmp_path / "t.xlsx", tmp_path / "no_v.xlsx", KPI_SHEET, lambda x: re.sub(
        rf'<c r="D{oi}"([^>]*)><v>7</v></c><c r="E{oi}"([^>]*)><v>9</v></c>',
        rf'<c r="D{oi}"\1><f>3+4</f></c><c r="E{oi}"\2><f>A1</f></c>', x, count=1)))
    # a formula WITH a cached value is read as that value (never evaluated: the cache says 3, the formula 99)
    land(s, "cached.xlsx", patched(tmp_path / "t.xlsx", tmp_path / "cached.xlsx", KPI_SHEET, lambda x: x.replace(
        f'<v>3</v></c><c r="E{lr}"', f'<f>99</f><v>3</v></c><c r="E{lr}"', 1)))
    stats = run(s)

    status = file_status(s)
    assert status["openpyxl.xlsx"] == ("quarantined", 4, 0, 4)
    assert status["no_v.xlsx"] == ("quarantined", 3, 0, 3)  # OI06 not counted as 'not delivered'
    assert status["cached.xlsx"] == ("loaded", 4, 4, 0)
    got = reasons(s)
    assert [(loc, r) for loc, r, _ in got["openpyxl.xlsx"]] == [(f"KPI!D{lr}", "formula_without_value")]
    assert [(loc, r) for loc, r, _ in got["no_v.xlsx"]] == [
        (f"KPI!D{oi}", "formula_without_value"), (f"KPI!E{oi}", "formula_without_value")]
    assert (stats.records_in, stats.records_loaded + stats.records_quarantined) == (11, 11)
    assert query(s, "SELECT kpi_id, teller FROM raw.aanbieder_kpi WHERE file_path = 'cached.xlsx' "
                    "AND kpi_id = 'LR01'") == [("LR01", 3.0)]


def test_workbook_expanding_too_far_is_refused_fast(make_settings, tmp_path):
    s = make_settings()
    template(tmp_path / "t.xlsx")
    land(s, "goed.xlsx", (tmp_path / "t.xlsx").read_bytes())
    # 60 MB of sheet XML (20,000 rows, then blanks) in a file of well under 1 MB
    row = '<row r="{}"><c r="A{}" t="n"><v>1</v></c></row>'
    body = "".join(row.format(r, r) for r in range(2, 20_002))
    padding = " " * (60 * 1024 * 1024 - len(body))

    def bomb(xml: str) -> str:
        return xml.replace("</sheetData>", body + "</sheetData>" + padding, 1)
    data = patched(tmp_path / "t.xlsx", tmp_path / "big.xlsx", KPI_SHEET, bomb)
    assert len(data) < 1024 * 1024
    land(s, "groot.xlsx", data)
    started = time.monotonic()
    stats = run(s)
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert file_status(s) == {"goed.xlsx": ("loaded", 4, 4, 0), "groot.xlsx": ("quarantined", 1, 0, 1)}
    [(loc, reason, message)] = reasons(s)["groot.xlsx"]
    assert (loc, reason) == (None, "workbook_too_large")
    assert "xl/worksheets/sheet2.xml" in message
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (5, 4, 1)


def test_workbook_past_the_total_expansion_limit_is_refused(make_settings, tmp_path, monkeypatch):
    from jeugdkpi.ingest import tabular

    s = make_settings()
    template(tmp_path / "t.xlsx")
    land(s, "t.xlsx", (tmp_path / "t.xlsx").read_bytes())
    total = sum(i.file_size for i in zipfile.ZipFile(tmp_path / "t.xlsx").infolist())
    monkeypatch.setattr(tabular, "XLSX_MAX_TOTAL_BYTES", total - 1)
    stats = run(s)
    assert (stats.records_in, stats.records_quarantined) == (1, 1)
    [(loc, reason, message)] = reasons(s)["t.xlsx"]
    assert reason == "workbook_too_large" and f"more than {total - 1} bytes" in message



def test_cells_far_apart_and_too_many_cells_are_refused(make_settings, tmp_path, monkeypatch):
    from jeugdkpi.ingest import tabular

    s = make_settings()
    template(tmp_path / "t.xlsx")
    # one cell at the sheet's last row and column: read as rows of cells it would pad to millions
    land(s, "ver.xlsx", patched(tmp_path / "t.xlsx", tmp_path / "ver.xlsx", KPI_SHEET, lambda x: x.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>', 1)))
    started = time.monotonic()
    run(s)
    # a reader that padded the rows would build 1048576 x 16384 cells and never finish; the bound is loose so that
    # a loaded machine (CI, two test runs at once) does not fail it - the refusal itself is asserted below
    assert time.monotonic() - started < 60
    [(_, reason, message)] = reasons(s)["ver.xlsx"]
    assert (reason, message) == ("workbook_too_large", "the workbook holds more than 500000 cells")
    # cells counted while the sheet is parsed (limit lowered: the template holds some 120 cells)
    monkeypatch.setattr(tabular, "XLSX_MAX_CELLS", 50)
    land(s, "t.xlsx", (tmp_path / "t.xlsx").read_bytes())
    stats = run(s)
    assert (stats.records_in, stats.records_quarantined) == (1, 1)
    assert [r for _, r, _ in reasons(s)["t.xlsx"]] == ["workbook_too_large"]

# ------------------------------------------------------------------------ CSV exports (issue 15, point 8)

def test_explain_csv_neutralises_a_file_name_that_is_a_formula():
    import csv
    import io

    from jeugdkpi.explain import Explanation, write_csv

    unit = {"unit_type": "aanlevering", "unit_key": "@SUM(1+1)", "youth_key": None, "in_numerator": True,
            "in_denominator": True, "measure": -2.5, "numerator_part": 3, "denominator_part": 4,
            "unit_detail": "+31 6 1234", "source": "aanbieders", "source_file_path": '=HYPERLINK("x").csv',
            "source_locator": "-KPI!D7"}
    ex = Explanation("DB02", "naam", "%", "ratio", "aangeleverd", "2025-H2", None, None, None, {}, [unit])
    out = io.StringIO()
    write_csv(ex, out)
    [header, row] = list(csv.reader(io.StringIO(out.getvalue())))
    got = dict(zip(header, row))
    assert got["bronbestand"] == "'=HYPERLINK(\"x\").csv"
    assert (got["eenheid"], got["omschrijving"], got["bronlocatie"]) == ("'@SUM(1+1)", "'+31 6 1234", "'-KPI!D7")
    assert (got["maat"], got["teller_bijdrage"], got["bronmap"]) == ("-2.5", "3.0", "aanbieders")  # numbers stay


def test_neutralise_values_and_frames():
    import pandas as pd

    from jeugdkpi.csvsafe import neutralise, neutralise_frame

    assert [neutralise(v) for v in ["=1+1", "+1", "-", "@x", "\tx", "\rx", "-3.5", "+7", "1e5", "a=b", "", None, -4]] \
        == ["'=1+1", "+1", "'-", "'@x", "'\tx", "'\rx", "-3.5", "+7", "1e5", "a=b", "", None, -4]
    frame = pd.DataFrame({"bestand": ['=HYPERLINK("x").csv', "ok.csv"], "verschil": [-1.5, 2.0]})
    out = neutralise_frame(frame)
    assert out.to_dict("list") == {"bestand": ["'=HYPERLINK(\"x\").csv", "ok.csv"], "verschil": [-1.5, 2.0]}
    assert frame["bestand"][0] == '=HYPERLINK("x").csv'  # the input frame is left alone


def test_template_keeps_a_formula_like_seed_name_as_text(tmp_path):
    import shutil

    from jeugdkpi.settings import SEEDS_DIR

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    text = (seeds / "providers.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    for i, line in enumerate(lines[1:], 1):
        if line.startswith(P1 + ","):
            cells = line.split(",")
            cells[header.index("name")] = '"=HYPERLINK(""http://x"")"'
            lines[i] = ",".join(cells)
    (seeds / "providers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = write_template(tmp_path / "t.xlsx", P1, "2025-H2", seeds)
    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and '<t>=HYPERLINK("http://x")</t>' in sheet
    assert load_workbook(out)["Instructie"]["B5"].value == '=HYPERLINK("http://x")'


def test_an_io_error_on_one_file_quarantines_that_file_and_the_source_goes_on(make_settings, tmp_path, monkeypatch):
    """An I/O error reading one delivery (a bad disk sector, a network share gone) costs that file only, as in the
    message ingest: `read_error` in the quarantine, and the other provider's delivery loads."""
    import errno

    from jeugdkpi.ingest import files

    s = make_settings()
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    template(good)
    template(bad, periode="2025-H1")
    land(s, "goed.xlsx", good.read_bytes())
    land(s, "defect.xlsx", bad.read_bytes())
    real = files.read_file

    def flaky(path, max_bytes):
        if str(path).endswith("defect.xlsx"):
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real(path, max_bytes)

    monkeypatch.setattr(files, "read_file", flaky)
    stats = run(s)
    status = file_status(s)
    assert status["goed.xlsx"][0] == "loaded" and status["goed.xlsx"][2] > 0
    assert status["defect.xlsx"][:2] == ("quarantined", 1)
    [(loc, reason, message)] = reasons(s)["defect.xlsx"]
    assert reason == "read_error" and "OSError" in message
    assert stats.records_in == stats.records_loaded + stats.records_quarantined
