"""Adding a provider-delivered KPI is one row in seeds/kpi_catalogue.csv (docs/adding-a-kpi.md).

The pipeline reads its seeds, dbt project and expectations from the checkout it runs from (settings.REPO_ROOT;
dbt's `seed-paths: ["../seeds"]`), as a region's own clone does. So the test copies the checkout (code, dbt
project, seeds, expectations) to a temporary folder, appends ONE catalogue row (ZZ01, a percentage the providers
deliver in the template) and changes nothing else. Then, all with the copy's code:

- template: `jeugdkpi template` has a ZZ01 row with the definition made from the row's labels and a
  teller <= noemer validation;
- ingest + marts: a demo region is generated (its provider files carry ZZ01 because the generator fills every
  template KPI), provider 75750001's 2025-H2 workbook is replaced by one the test fills in with only ZZ01 = 3 of 4;
  after `jeugdkpi run` marts.kpi_values holds 75750001's ZZ01 row 3 / 4 = 75 % and a region row, and
  marts.kpi_units its unit (`jeugdkpi explain`);
- checks: the run passes the quality gate (dbt relationship and bounded-ratio tests read the catalogue, the GX
  catalogue checks read its family);
- reports: the published kpi_values and the regional report of 2025-H2 show ZZ01 with its Dutch name.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from openpyxl import load_workbook

from jeugdkpi.settings import REPO_ROOT

P1 = "75750001"
NAME = "Percentage jeugdigen met een veiligheidsplan"
ROW = {"kpi_id": "ZZ01", "theme": "leren", "name_nl": NAME, "unit": "percentage", "source": "aanbieder",
       "direction": "higher", "from_document": "test", "small_cell_rule": "true", "active": "true",
       "theme_order": "1", "theme_title": "Uithuisplaatsingen, in één keer goed, dichtbij en leren",
       "numerator_bounded": "true", "measure_kind": "ratio", "unit_label": "%", "delivery": "template",
       "numerator_label": "jeugdigen met een actueel veiligheidsplan", "denominator_label": "alle jeugdigen in zorg",
       "family": "int_kpi__aanbieder"}


def copy_checkout(dst):
    """The parts of the repository a run reads (no dbt target/, no caches)."""
    ignore = shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__", ".user.yml", "*.egg-info")
    for part in ("orchestration", "dbt_project", "seeds", "expectations"):
        shutil.copytree(REPO_ROOT / part, dst / part, ignore=ignore)
    return dst


def add_catalogue_row(seeds, row: dict) -> None:
    path = seeds / "kpi_catalogue.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        columns = next(csv.reader(fh))
    assert set(row) <= set(columns)
    with open(path, "a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, columns, lineterminator="\n").writerow({c: row.get(c, "") for c in columns})


@pytest.fixture(scope="module")
def copy_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("catalogue_kpi")
    repo = copy_checkout(root / "repo")
    add_catalogue_row(repo / "seeds", ROW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JEUGDKPI_")}
    env.update(PYTHONPATH=str(repo / "orchestration"), JEUGDKPI_PSEUDONYM_KEY="test-key", JEUGDKPI_WORKERS="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jeugdkpi.cli", *args], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=1800)

    landing, warehouse, publish = root / "landing", root / "warehouse.duckdb", root / "published"
    template = root / "template.xlsx"
    assert cli("template", "--aanbieder", P1, "--periode", "2025-H2", "--out", str(template)).returncode == 0
    gen = cli("generate", "--out", str(landing), "--youths", "60", "--years", "2024-2026", "--until", "2026-09-30")
    assert gen.returncode == 0, gen.stderr
    # 75750001's 2025-H2 delivery: only ZZ01 filled in (3 of 4), a later delivery that replaces the generated one
    wb = load_workbook(template)
    ws = wb["KPI"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "ZZ01")
    ws.cell(row, 4, 3)
    ws.cell(row, 5, 4)
    for c, v in enumerate((2, 1, 1, 0, 40), 1):
        wb["Klachten"].cell(2, c, v)
    folder = landing / "aanbieders" / "2025-H2"
    for old in folder.glob(f"aanlevering_{P1}_2025-H2*"):
        old.unlink()
    wb.save(folder / f"zz01_{P1}_2025-H2.xlsx")
    run = cli("run", "--landing", str(landing), "--warehouse", str(warehouse), "--publish", str(publish),
              "--peildatum", "2026-06-30")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = root / "regio.html"
    rep = cli("report", "--periode", "2025-H2", "--publish", str(publish), "--out", str(report))
    assert rep.returncode == 0, rep.stderr
    explain = cli("explain", "ZZ01", "2025-H2", "--aanbieder", P1, "--warehouse", str(warehouse), "--format", "csv")
    return {"repo": repo, "template": template, "warehouse": warehouse, "publish": publish, "report": report,
            "explain": explain}


def test_the_template_has_the_new_row(copy_run):
    ws = load_workbook(copy_run["template"])["KPI"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    r = rows["ZZ01"]
    assert ws.cell(r, 2).value == NAME
    assert ws.cell(r, 3).value == "Teller: jeugdigen met een actueel veiligheidsplan. Noemer: alle jeugdigen in zorg."
    dv = {str(rng): (v.type, v.formula1) for v in ws.data_validations.dataValidation for rng in v.sqref.ranges}
    assert dv[f"E{r}"] == ("whole", "0")
    assert dv[f"D{r}"] == ("custom", f'OR(D{r}="",E{r}="",D{r}<=E{r})')  # a bounded ratio: teller <= noemer


def test_ingest_and_marts_compute_it(copy_run):
    with duckdb.connect(str(copy_run["warehouse"]), read_only=True) as con:
        raw = con.execute("select teller, noemer from raw.aanbieder_kpi where aanbieder_agb = ? "
                          "and periode = '2025-H2'", [P1]).fetchall()
        provider = con.execute("select numerator, denominator, value, unit, source from marts.kpi_values "
                               "where kpi_id = 'ZZ01' and period = '2025-H2' and provider_agb = ? "
                               "and municipality_code is null and care_form is null", [P1]).fetchall()
        region = con.execute("select count(*) from marts.kpi_values where kpi_id = 'ZZ01' and period = '2025-H2' "
                             "and provider_agb is null and municipality_code is null").fetchone()[0]
    assert raw == [(3.0, 4)]  # the only KPI row of 75750001's 2025-H2 delivery
    assert provider == [(3.0, 4.0, 75.0, "percentage", "aanbieder")]
    assert region == 1


def test_checks_know_it(copy_run):
    """The checks read the catalogue: dbt's kpi_values_kpi_id_in_kpi_catalogue and the bounded-ratio tests find
    ZZ01 in seeds.kpi_catalogue (the fixture's run published, so the build's tests passed), and no GX check
    fails."""
    with duckdb.connect(str(copy_run["warehouse"]), read_only=True) as con:
        bounded = con.execute("select numerator_bounded from seeds.kpi_catalogue where kpi_id = 'ZZ01'").fetchall()
        failed = con.execute("select expectation from audit.validation_results where not success "
                             "and severity = 'critical'").fetchall()
    assert bounded == [(True,)]
    assert failed == []


def test_explain_and_reports_show_it(copy_run):
    ex = copy_run["explain"]
    assert ex.returncode == 0, ex.stderr
    units = list(csv.DictReader(ex.stdout.splitlines()))
    assert [(u["teller_bijdrage"], u["noemer_bijdrage"]) for u in units] == [("3.0", "4.0")]
    with duckdb.connect(str(copy_run["publish"] / "current" / "kpi.duckdb"), read_only=True) as con:
        published = con.execute("select count(*) from kpi_values where kpi_id = 'ZZ01'").fetchone()[0]
        name = con.execute("select name_nl from kpi_catalogue where kpi_id = 'ZZ01'").fetchone()[0]
    assert published > 0 and name == NAME
    html = copy_run["report"].read_text(encoding="utf-8")
    assert "ZZ01" in html and NAME in html
