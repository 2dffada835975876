"""`jeugdkpi template`: the provider workbook, generated from seeds/kpi_catalogue.csv, filled by a test, landed,
and read back into kpi_values (the round trip shares the pipeline run of test_e2e_inputs.py).

Issue 16: protected sheets with only the input cells unlocked, Dutch headers (and the English/underscore
headers of earlier templates still read), instructions that name the cells they mean, A4 landscape printing.
For 75750001 and 2025-H2 the KPI sheet holds the 13 catalogue KPIs with source `aanbieder` (not KL) in rows
2-14."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from jeugdkpi.cli import EXIT_USAGE, main
from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.tabular import Reference, ingest_source
from jeugdkpi.settings import SEEDS_DIR
from jeugdkpi.template import instructions, write_template
from jeugdkpi.warehouse import connect
from test_e2e_inputs import P9, P9_KLACHTEN, P9_KPI, inputs_run, row  # noqa: F401 (session fixture)
from test_ingest_inputs import filled_template, land, quarantine, query, run

P1 = "75750001"
KPI_HEADER = ["KPI-code", "Naam", "Definitie", "Teller", "Noemer", "Toelichting"]
KLACHTEN_HEADER = ["Aantal klachten", "Cliënten met een klacht", "Afgehandelde klachten", "Gegronde klachten",
                   "Cliënten uit de regio in zorg", "Onderwerpen"]
# the headers of the templates made before issue 16 (providers may still hold and fill those)
OLD_KPI_HEADER = ["kpi_id", "name", "definition", "teller", "noemer", "toelichting"]
OLD_KLACHTEN_HEADER = ["aantal", "aantal_clienten_met_klacht", "aantal_afgehandeld", "aantal_gegrond",
                       "aantal_clienten", "onderwerpen"]


def test_workbook_layout(tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--aanbieder", P9, "--periode", "2025-H2", "--out", str(out)]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["Instructie", "KPI", "Klachten"]
    ins = {wb["Instructie"].cell(r, 1).value: wb["Instructie"].cell(r, 2).value for r in range(1, 8)}
    assert (ins["AGB-code"], ins["Periode"], ins["Uiterste datum"]) == (P9, "2025-H2", "2026-04-01")
    text = " ".join(str(c.value) for r in wb["Instructie"].iter_rows() for c in r if c.value)
    assert "teller" in text and "noemer" in text and "niet aangeleverd" in text  # Dutch instructions
    ws = wb["KPI"]
    assert [c.value for c in ws[1]] == KPI_HEADER
    with open(SEEDS_DIR / "kpi_catalogue.csv", newline="", encoding="utf-8") as fh:
        expected = [r["kpi_id"] for r in csv.DictReader(fh) if r["delivery"] == "template"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == expected
    # data validation on every input cell: whole numbers >= 0, CT01's teller a score 1-10, teller <= noemer
    dv = {str(rng): (v.type, v.formula1) for v in ws.data_validations.dataValidation for rng in v.sqref.ranges}
    ct01 = expected.index("CT01") + 2
    db01 = expected.index("DB01") + 2
    assert dv[f"E{db01}"] == ("whole", "0") and dv[f"D{ct01}"] == ("decimal", "1")
    assert any(t == "custom" and f"D{db01}<=E{db01}" in f for t, f in dv.values())
    kl = {str(rng) for v in wb["Klachten"].data_validations.dataValidation for rng in v.sqref.ranges}
    assert {"A2", "B2", "C2", "D2", "E2"} <= kl


def _seeds_with(tmp_path, *rows: dict):
    """A copy of the seeds with catalogue rows appended (columns not given are empty)."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    with open(seeds / "kpi_catalogue.csv", newline="", encoding="utf-8") as fh:
        columns = next(csv.reader(fh))
    with open(seeds / "kpi_catalogue.csv", "a", newline="", encoding="utf-8") as fh:
        for r in rows:
            csv.DictWriter(fh, columns, lineterminator="\n").writerow(
                {"theme": "nieuw", "unit": "percentage", "source": "aanbieder", "direction": "higher",
                 "from_document": "test", "small_cell_rule": "true", "active": "true", "numerator_bounded": "true",
                 "measure_kind": "ratio", "unit_label": "%", "delivery": "template", **r})
    return seeds


def test_a_new_catalogue_kpi_appears_without_code_changes(tmp_path):
    seeds = _seeds_with(tmp_path, {"kpi_id": "ZZ01", "name_nl": "Percentage jeugdigen met een nieuw gemeten iets"},
                        {"kpi_id": "ZZ02", "name_nl": "Gemiddeld cijfer voor iets", "unit": "score",
                         "measure_kind": "score", "score_min": "0", "score_max": "5", "unit_label": "cijfer",
                         "numerator_label": "het gemiddelde cijfer", "denominator_label": "aantal beoordelaars"})
    write_template(tmp_path / "t.xlsx", P9, "2026-H1", seeds)
    wb = load_workbook(tmp_path / "t.xlsx")
    ws = wb["KPI"]
    zz01, zz02 = ws.max_row - 1, ws.max_row
    assert [ws.cell(zz01, c).value for c in (1, 2)] == ["ZZ01", "Percentage jeugdigen met een nieuw gemeten iets"]
    assert ws.cell(zz01, 3).value == ("Teller en noemer zoals afgesproken in het contract voor 'Percentage jeugdigen "
                                      "met een nieuw gemeten iets' (percentage).")  # no labels: the generic text
    assert ws.cell(zz02, 3).value == ("Teller: het gemiddelde cijfer (0-5, decimalen toegestaan). Noemer: aantal "
                                      "beoordelaars.")
    dv = {str(rng): (v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation
          for rng in v.sqref.ranges}
    assert dv[f"D{zz02}"] == ("decimal", "0", "5") and dv[f"D{zz01}"][0] == "custom"  # its own scale; teller <= noemer
    text = " ".join(str(c.value) for r in wb["Instructie"].iter_rows() for c in r if c.value)
    assert ("alleen bij CT01 is de teller een gemiddeld rapportcijfer van 1 tot 10; bij ZZ02 is de teller een "
            "gemiddeld rapportcijfer van 0 tot 5") in text


def test_a_kpi_applies_from_and_until_its_dates(tmp_path, make_settings):
    seeds = _seeds_with(tmp_path, {"kpi_id": "ZZ01", "name_nl": "Nieuw vanaf 2026", "active_from": "2026-01-01"},
                        {"kpi_id": "ZZ02", "name_nl": "Vervalt na 2025", "active_until": "2025-12-31"})

    def rows_of(periode):
        ws = load_workbook(write_template(tmp_path / f"{periode}.xlsx", P9, periode, seeds))["KPI"]
        return [ws.cell(r, 1).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value.startswith("ZZ")]

    assert rows_of("2025-H2") == ["ZZ02"] and rows_of("2026-H1") == ["ZZ01"]
    # the intake accepts a KPI only for the half-years it applies in
    settings = make_settings()
    ref = Reference.load(seeds)
    cases = {("2025-H2", "ZZ02"): True, ("2026-H1", "ZZ02"): False, ("2025-H2", "ZZ01"): False}  # -> accepted
    for periode, kpi in cases:
        land(settings, "aanbieders", f"{periode}/{kpi}.csv",
             f"aanbieder_agb,periode,kpi_id,teller,noemer\n{P9},{periode},{kpi},1,2\n")
    with connect(settings.warehouse) as con:
        ingest_source(con, settings, "run-zz", AANBIEDERS, ref)
    assert query(settings, "select periode, kpi_id from raw.aanbieder_kpi") == [k for k, ok in cases.items() if ok]
    assert [(f, r) for f, _, r in quarantine(settings, "aanbieders")] == [
        (f"{p}/{k}.csv", "unknown_kpi") for (p, k), ok in sorted(cases.items()) if not ok]


@pytest.mark.parametrize("args, message", [
    (["--aanbieder", "12345678", "--periode", "2025-H2"], "not a provider"),
    (["--aanbieder", P9, "--periode", "2025-H3"], "periode must be"),
])
def test_bad_arguments_exit_2(tmp_path, capsys, args, message):
    assert main(["template", *args, "--out", str(tmp_path / "x.xlsx")]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_filled_template_round_trips_into_kpi_rows(inputs_run):  # noqa: F811 (the imported session fixture)
    k = inputs_run["kpis"]
    for kpi, (teller, noemer) in P9_KPI.items():
        r = row(k, kpi, "2025-H2", provider=P9)
        if kpi == "EG03":  # a mean: placements per stay period
            assert r.value == pytest.approx(15 / 10) and pd.isna(r.numerator) and r.unit == "count"
        elif kpi == "CT01":  # a mean score with its respondents
            assert (r.value, r.n_youths, r.unit) == (7.5, 20, "score")
        else:
            assert (r.numerator, r.denominator, r.value) == (teller, noemer, pytest.approx(100 * teller / noemer)), kpi
        assert r.source == "aanbieder" and bool(r.is_partial) is False
    aantal, met_klacht, afgehandeld, gegrond, clienten = P9_KLACHTEN
    assert row(k, "KL01", "2025-H2", provider=P9).value == aantal
    assert row(k, "KL02", "2025-H2", provider=P9).numerator == met_klacht
    assert row(k, "KL03", "2025-H2", provider=P9).denominator == aantal
    assert row(k, "KL04", "2025-H2", provider=P9).value == gegrond


# ------------------------------------------------------------------------------------------------ issue 16

def _unlocked(ws) -> set[str]:
    """Every unlocked cell of a sheet, looked for one row and one column past what the sheet uses."""
    return {ws.cell(r, c).coordinate for r in range(1, ws.max_row + 2) for c in range(1, ws.max_column + 2)
            if not ws.cell(r, c).protection.locked}


def test_sheets_are_protected_and_only_the_input_cells_are_unlocked(tmp_path):
    wb = load_workbook(write_template(tmp_path / "t.xlsx", P1, "2025-H2"))
    assert wb.security.lockStructure and wb.security.workbookPassword is None  # no sheet renamed or removed
    for ws in wb.worksheets:
        assert ws.protection.sheet and ws.protection.password is None, ws.title  # on, without a password
        assert not ws.protection.formatColumns and not ws.protection.formatRows  # widening stays allowed
        assert ws.protection.insertRows and ws.protection.deleteRows and ws.protection.formatCells
    assert _unlocked(wb["Instructie"]) == set()
    assert _unlocked(wb["KPI"]) == {f"{col}{r}" for col in "DEF" for r in range(2, 15)}  # teller, noemer, toelichting
    assert _unlocked(wb["Klachten"]) == {"A2", "B2", "C2", "D2", "E2", "F2"}
    assert wb["KPI"]["D14"].fill.fgColor.rgb == "00FFF2CC" and wb["KPI"]["C14"].fill.fgColor.rgb == "00000000"


def test_dutch_headers_and_labels(tmp_path):
    wb = load_workbook(write_template(tmp_path / "t.xlsx", P1, "2025-H2"))
    assert [c.value for c in wb["KPI"][1]] == KPI_HEADER
    assert [c.value for c in wb["Klachten"][1]] == KLACHTEN_HEADER
    ins = wb["Instructie"]
    assert [(ins.cell(r, 1).value, ins.cell(r, 2).value) for r in range(3, 7)] == [
        ("AGB-code", P1), ("Periode", "2025-H2"), ("Naam aanbieder", "Stichting Horizonzorg Flevoland (synthetisch)"),
        ("Uiterste datum", "2026-04-01")]


def test_instructions_name_the_cells_and_columns_they_mean(tmp_path):
    wb = load_workbook(write_template(tmp_path / "t.xlsx", P1, "2025-H2"))
    text = instructions()
    shown = [wb["Instructie"].cell(r, 2).value for r in range(9, 9 + len(text))]
    assert shown == text and [wb["Instructie"].cell(r, 1).value for r in (9, 16)] == ["1.", "8."]
    assert not any("hieronder" in t for t in text)  # the AGB code and period are above the instructions
    keep = next(t for t in text if t.startswith("Wijzig"))
    cells = re.search(r"\(cel (B\d+) en (B\d+)\)", keep).groups()
    assert [wb["Instructie"][c].value for c in cells] == [P1, "2025-H2"]
    kpi = wb["KPI"]
    for word, col in re.findall(r"(teller|noemer|toelichting) \(kolom ([A-Z])\)", " ".join(text)):
        assert kpi[f"{col}1"].value.lower() == word.lower()
    assert len(re.findall(r"\(kolom [A-Z]\)", " ".join(text))) == 3
    row = int(re.search(r"tabblad Klachten regel (\d+)", " ".join(text)).group(1))
    assert {c[-1] for c in _unlocked(wb["Klachten"])} == {str(row)}


def test_a4_landscape_print_setup(tmp_path):
    wb = load_workbook(write_template(tmp_path / "t.xlsx", P1, "2025-H2"))
    expected = {"Instructie": ("'Instructie'!$A$1:$C$16", None), "KPI": ("'KPI'!$A$1:$F$14", "$1:$1"),
                "Klachten": ("'Klachten'!$A$1:$F$2", "$1:$1")}
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.paperSize, setup.orientation) == (9, "landscape"), ws.title  # 9 = A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert (ws.print_area, ws.print_title_rows) == expected[ws.title]
    kpi = wb["KPI"]
    # long text wraps inside its column instead of running over the next one
    assert all(kpi.cell(r, c).alignment.wrap_text for r in range(2, 15) for c in (2, 3))
    assert [kpi.column_dimensions[c].width for c in "ABCDEF"] == [10, 36, 62, 10, 10, 32]
    eg03 = kpi["C2"].value  # 171 characters: wrapped at 62 they take 3 lines -> 3 x 15 + 2 pt
    assert (len(eg03), kpi.row_dimensions[2].height) == (171, 47)
    merged = {str(m) for m in wb["Instructie"].merged_cells.ranges}
    assert merged == {f"B{r}:C{r}" for r in range(9, 17)}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_prints_one_page_per_sheet(tmp_path):
    """Before issue 16 LibreOffice printed this template as 11 portrait pages with text running across cells."""
    book = write_template(tmp_path / "t.xlsx", P1, "2025-H2")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(book)], check=True, capture_output=True, timeout=120)
    pdf = (tmp_path / "t.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3
    assert re.search(rb"/MediaBox\s*\[\s*0 0 841\.\d+ 595\.\d+\]", pdf)  # A4 landscape, in points


def _raw(s):
    return (query(s, "SELECT kpi_id, teller, noemer, record_locator FROM raw.aanbieder_kpi ORDER BY kpi_id"),
            query(s, "SELECT aantal, aantal_clienten_met_klacht, aantal_afgehandeld, aantal_gegrond, aantal_clienten "
                     "FROM raw.aanbieder_klachten"),
            query(s, "SELECT kind, aanbieder_agb, periode, status FROM raw.leveringen_aanbieders ORDER BY kind"))


EXPECTED = ([("CT01", 6.5, 12, "KPI!13"), ("DB01", 8.0, 10, "KPI!3")], [(3, 2, 2, 1, 40)],
            [("aanbieder_klachten", P1, "2025-H2", "loaded"), ("aanbieder_kpi", P1, "2025-H2", "loaded")])


def test_a_filled_template_with_dutch_headers_ingests(make_settings, tmp_path):
    s = make_settings()
    filled_template(tmp_path / "t.xlsx", P1, "2025-H2", {"DB01": (8, 10), "CT01": (6.5, 12)}, (3, 2, 2, 1, 40))
    assert load_workbook(tmp_path / "t.xlsx")["KPI"]["A1"].value == "KPI-code"
    land(s, "aanbieders", "t.xlsx", (tmp_path / "t.xlsx").read_bytes())
    assert run(s, AANBIEDERS).records_loaded == 3
    assert _raw(s) == EXPECTED


@pytest.mark.parametrize("kpi_header, klachten_header, labels", [
    (OLD_KPI_HEADER, OLD_KLACHTEN_HEADER, ["aanbieder_agb", "periode", "aanbieder_naam", "uiterste_datum"]),
    # typed by hand: case, accents and spacing do not matter
    (["kpi-CODE", "naam", "definitie", " TELLER ", "noemer", "toelichting"],
     ["aantal  klachten", "Clienten met een klacht", "AFGEHANDELDE klachten", "gegronde klachten",
      "clienten uit de regio in zorg", "onderwerpen"], ["agb-code", "PERIODE", "naam aanbieder", "uiterste datum"]),
])
def test_a_template_with_earlier_headers_still_ingests(make_settings, tmp_path, kpi_header, klachten_header, labels):
    s = make_settings()
    filled_template(tmp_path / "t.xlsx", P1, "2025-H2", {"DB01": (8, 10), "CT01": (6.5, 12)}, (3, 2, 2, 1, 40))
    wb = load_workbook(tmp_path / "t.xlsx")
    for sheet, names in (("KPI", kpi_header), ("Klachten", klachten_header)):
        for c, name in enumerate(names, 1):
            wb[sheet].cell(1, c, name)
    for r, label in enumerate(labels, 3):
        wb["Instructie"].cell(r, 1, label)
    wb.save(tmp_path / "t.xlsx")
    land(s, "aanbieders", "t.xlsx", (tmp_path / "t.xlsx").read_bytes())
    assert run(s, AANBIEDERS).records_loaded == 3
    assert _raw(s) == EXPECTED


def test_a_provider_csv_with_dutch_headers_ingests(make_settings):
    s = make_settings()
    land(s, "aanbieders", "kpi.csv", f"AGB-code;Periode;KPI-code;Teller;Noemer\n{P1};2025-H2;DB01;8;10\n")
    land(s, "aanbieders", "klachten.csv", "AGB-code,Periode,Aantal klachten,Cliënten met een klacht,"
         f"Afgehandelde klachten,Gegronde klachten,Cliënten uit de regio in zorg\n{P1},2025-H2,3,2,2,1,40\n")
    assert run(s, AANBIEDERS).records_loaded == 2
    kpi, klachten, _ = _raw(s)
    assert (kpi, klachten) == ([("DB01", 8.0, 10, "row 2")], [(3, 2, 2, 1, 40)])


def test_the_same_column_under_both_names_is_refused(make_settings, tmp_path):
    s = make_settings()
    filled_template(tmp_path / "t.xlsx", P1, "2025-H2", {"DB01": (8, 10)})
    wb = load_workbook(tmp_path / "t.xlsx")
    wb["KPI"]["F1"] = "teller"  # beside "Teller" in D1
    wb.save(tmp_path / "t.xlsx")
    land(s, "aanbieders", "t.xlsx", (tmp_path / "t.xlsx").read_bytes())
    assert run(s, AANBIEDERS).records_loaded == 0
    assert query(s, "SELECT record_locator, reason_code, message FROM audit.quarantine") == [
        ("KPI!1:1", "wrong_columns", "sheet KPI: twice teller (expected kpi_id, teller, noemer)")]
