"""`jeugdkpi template`: the provider workbook, generated from seeds/kpi_catalogue.csv, filled by a test, landed,
and read back into kpi_values (the round trip shares the pipeline run of test_e2e_inputs.py)."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook

from jeugdkpi.cli import EXIT_USAGE, main
from jeugdkpi.settings import SEEDS_DIR
from jeugdkpi.template import write_template

from test_e2e_inputs import P9, P9_KLACHTEN, P9_KPI, inputs_run, row  # noqa: F401 (session fixture)


def test_workbook_layout(tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--aanbieder", P9, "--periode", "2025-H2", "--out", str(out)]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["Instructie", "KPI", "Klachten"]
    ins = {wb["Instructie"].cell(r, 1).value: wb["Instructie"].cell(r, 2).value for r in range(1, 8)}
    assert (ins["aanbieder_agb"], ins["periode"], ins["uiterste_datum"]) == (P9, "2025-H2", "2026-04-01")
    text = " ".join(str(c.value) for r in wb["Instructie"].iter_rows() for c in r if c.value)
    assert "teller" in text and "noemer" in text and "niet aangeleverd" in text  # Dutch instructions
    ws = wb["KPI"]
    assert [c.value for c in ws[1]] == ["kpi_id", "name", "definition", "teller", "noemer", "toelichting"]
    with open(SEEDS_DIR / "kpi_catalogue.csv", newline="", encoding="utf-8") as fh:
        expected = [r["kpi_id"] for r in csv.DictReader(fh) if r["source"] == "aanbieder" and r["kpi_id"][:2] != "KL"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == expected
    # data validation on every input cell: whole numbers >= 0, CT01's teller a score 1-10, teller <= noemer
    dv = {str(rng): (v.type, v.formula1) for v in ws.data_validations.dataValidation for rng in v.sqref.ranges}
    ct01 = expected.index("CT01") + 2
    db01 = expected.index("DB01") + 2
    assert dv[f"E{db01}"] == ("whole", "0") and dv[f"D{ct01}"] == ("decimal", "1")
    assert any(t == "custom" and f"D{db01}<=E{db01}" in f for t, f in dv.values())
    kl = {str(rng) for v in wb["Klachten"].data_validations.dataValidation for rng in v.sqref.ranges}
    assert {"A2", "B2", "C2", "D2", "E2"} <= kl


def test_a_new_catalogue_kpi_appears_without_code_changes(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    with open(seeds / "kpi_catalogue.csv", "a", encoding="utf-8") as fh:
        fh.write("ZZ01,nieuw,Percentage jeugdigen met een nieuw gemeten iets,percentage,aanbieder,higher,,,,,,,test\n")
    write_template(tmp_path / "t.xlsx", P9, "2026-H1", seeds)
    ws = load_workbook(tmp_path / "t.xlsx")["KPI"]
    last = [ws.cell(ws.max_row, c).value for c in (1, 2)]
    assert last == ["ZZ01", "Percentage jeugdigen met een nieuw gemeten iets"]
    assert "contract" in ws.cell(ws.max_row, 3).value  # generic definition text


@pytest.mark.parametrize("args, message", [
    (["--aanbieder", "12345678", "--periode", "2025-H2"], "not a provider"),
    (["--aanbieder", P9, "--periode", "2025-H3"], "periode must be"),
])
def test_bad_arguments_exit_2(tmp_path, capsys, args, message):
    assert main(["template", *args, "--out", str(tmp_path / "x.xlsx")]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_filled_template_round_trips_into_kpi_rows(inputs_run):
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
