"""Publication you can trust, over the whole pipeline on a small generated region (issue 14; docs/publication.md).

One region, run in the order a data engineer and an operator would: a full run; a re-run with nothing new; the UI
path of materialising only `published/kpi` (through `dagster asset materialize`, what the UI's Materialize button
launches: a run of the selected asset in its own process); new input ingested without the rest of the graph; and a
re-run of the previous half-year. The function-level rules (every ledger state that must be refused, versions,
links, revisions) are in tests/test_publish.py.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from jeugdkpi.publish import writer
from jeugdkpi.settings import REPO_ROOT, load_settings
from test_publish import tree_state

pytestmark = pytest.mark.e2e
PEILDATUM = "2026-06-30"


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    from jeugdkpi.generate import generate_region

    root = tmp_path_factory.mktemp("trust")
    env = {"JEUGDKPI_LANDING": str(root / "landing"), "JEUGDKPI_WAREHOUSE": str(root / "warehouse.duckdb"),
           "JEUGDKPI_PUBLISH": str(root / "published"), "JEUGDKPI_PEILDATUM": PEILDATUM,
           "JEUGDKPI_PSEUDONYM_KEY": "trust-test", "JEUGDKPI_WORKERS": "1"}
    settings = load_settings(env)
    generate_region(settings.landing, youths=20)
    (root / "dagster_home").mkdir()
    (root / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    first = run(settings)
    assert first[0] == 0, first[1]
    return {"root": root, "env": env, "settings": settings, "first": first}


def run(settings, rebuild: bool = False) -> tuple[int, str]:
    from jeugdkpi.cli import run_with_progress

    saved = dict(os.environ)
    out = io.StringIO()
    try:
        code, _ = run_with_progress(settings, out, instance=dg.DagsterInstance.ephemeral(), rebuild=rebuild)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue()


def kpi_values(settings) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute("SELECT * FROM marts.kpi_values ORDER BY ALL").fetchall()
    finally:
        con.close()


def materialize(region, selection: str, **env) -> subprocess.CompletedProcess:
    """`dagster asset materialize` in its own process, as a run launched from the UI for that selection."""
    full = {**os.environ, **region["env"], "DAGSTER_HOME": str(region["root"] / "dagster_home"), **env}
    full = {k: v for k, v in full.items() if v is not None}
    return subprocess.run([str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "-m",
                           "jeugdkpi.definitions", "--select", selection], env=full, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)


def dbt_builds(settings) -> int:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM audit.state_log WHERE event = 'dbt' AND name = 'build'").fetchone()[0]
    finally:
        con.close()


def test_a_rerun_with_nothing_new_skips_dbt_and_says_so(region):
    """Issue 18: same inputs, seeds, code and peildatum: exit 0, 'ongewijzigd', no new version, and the run decided
    that before dbt: no dbt build, no check after it, no publication step; the warehouse is left as it was."""
    settings = region["settings"]
    before, builds = kpi_values(settings), dbt_builds(settings)
    code, out = run(settings)
    assert code == 0, out
    assert "overgeslagen: niets nieuws sinds 2026-H1/v1" in out
    assert "Publicatie:   ongewijzigd" in out and "snapshots/2026-H1/v1" in out
    assert "dbt-tests:    niet gedraaid" in out
    assert "publiceren" not in out and "kwaliteitscontrole marts_kpi_values" not in out
    assert [s["version"] for s in writer.list_snapshots(settings.publish)] == [1]
    assert dbt_builds(settings) == builds and kpi_values(settings) == before


def test_a_rebuild_with_nothing_new_is_unchanged_and_bit_identical(region):
    """Points 3 and 10 (`jeugdkpi run --rebuild`): dbt rebuilds every table and the gate checks them again, the
    KPI values are bit-identical (floats compared exactly) and the publication says 'ongewijzigd', no new
    version."""
    settings = region["settings"]
    before, builds = kpi_values(settings), dbt_builds(settings)
    code, out = run(settings, rebuild=True)
    assert code == 0, out
    assert "overgeslagen" not in out and "kwaliteitscontrole marts_kpi_values" in out
    assert "Publicatie:   ongewijzigd" in out and "snapshots/2026-H1/v1" in out
    assert [s["version"] for s in writer.list_snapshots(settings.publish)] == [1]
    assert dbt_builds(settings) == builds + 1 and kpi_values(settings) == before


def test_materialising_only_the_publication_cannot_skip_the_gate(region):
    """Point 1, the UI path: selecting only `published/kpi` runs no check. With the UI's default peildatum (not
    the one the warehouse was built with) the publication refuses and touches nothing; with the same peildatum the
    state it would publish is the one that passed the gate, and it has nothing new."""
    settings = region["settings"]
    before = tree_state(settings.publish)
    refused = materialize(region, "published/kpi", JEUGDKPI_PEILDATUM="2025-12-31")
    assert refused.returncode != 0
    assert "Publicatie geweigerd" in refused.stdout + refused.stderr
    assert "gebouwd met peildatum 2026-06-30" in refused.stdout + refused.stderr
    assert tree_state(settings.publish) == before

    same = materialize(region, "published/kpi")
    assert same.returncode == 0, same.stdout[-3000:] + same.stderr[-3000:]
    assert tree_state(settings.publish) == before  # nothing new: no version written


def test_new_input_without_a_build_cannot_be_published(region):
    """Point 1: ingest a new file through a partial selection; the marts do not reflect it and no check ran on
    them, so publishing refuses until the whole graph has run."""
    settings = region["settings"]
    extra = settings.landing / "kwaliteitsgesprekken" / "kwaliteitsgesprekken_extra.csv"
    extra.write_text("aanbieder_agb,gespreksdatum,onderdeel,score,toelichting\n"
                     "75750001,2026-03-02,hulpverleningsplan,7,\n", encoding="utf-8")
    before = tree_state(settings.publish)
    ingest = materialize(region, "raw/kwaliteitsgesprekken,raw/leveringen_kwaliteitsgesprekken")
    assert ingest.returncode == 0, ingest.stdout[-3000:] + ingest.stderr[-3000:]
    refused = materialize(region, "published/kpi")
    assert refused.returncode != 0 and "nieuwe invoer" in refused.stdout + refused.stderr
    assert tree_state(settings.publish) == before
    code, out = run(settings)  # the whole graph: the gate passes on the new state, a new version
    assert code == 0, out
    assert writer.current_dir(settings.publish).name == "v2"


def test_republishing_an_earlier_half_year_keeps_current_on_the_newest(region):
    """Point 2: a run with the peildatum of the previous half-year publishes 2025-H2/v1; current stays 2026-H1."""
    settings = region["settings"]
    live = writer.current_dir(settings.publish)
    code, out = run(settings.with_overrides(peildatum="2025-12-31"))
    assert code == 0, out
    assert "ouder halfjaar" in out
    assert writer.latest_dir(settings.publish, "2025-H2").name == "v1"
    assert writer.current_dir(settings.publish) == live
    assert (settings.publish / "reports" / "2025-H2" / "regio_2025-H2.html").is_file()


def test_a_build_without_data_tests_never_counts_as_whole_but_one_without_unit_tests_does(region):
    """Issue 18: runs leave unit tests out (`dbt build --exclude-resource-type unit_test`, they test the SQL and run
    in `make test`), and the ledger hook still counts that build as whole-project. Leaving out the data tests
    (the blocking checks) by hand never does: its ledger row is not passed, so the gate refuses to publish it."""
    from jeugdkpi.ingest import raw_tables_by_source
    from jeugdkpi.publish.gate import GateRefused, verify_state
    from jeugdkpi.quality.suites import load_suites
    from jeugdkpi.settings import DBT_PROJECT_DIR

    settings = region["settings"]
    env = {**os.environ, **settings.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    target = region["root"] / "dbt-by-hand"

    def build(*exclude: str) -> tuple[bool, dict]:
        proc = subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", ".",
                               "--target-path", str(target), "--log-path", str(target), "--exclude-resource-type",
                               *exclude], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:]
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        try:
            passed, detail = con.execute("SELECT passed, detail FROM audit.state_log WHERE event = 'dbt' "
                                         "ORDER BY seq DESC LIMIT 1").fetchone()
        finally:
            con.close()
        return passed, detail

    assert build("unit_test")[0] is True
    passed, detail = build("test", "unit_test")
    assert passed is False, detail
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        with pytest.raises(GateRefused, match="geen volledige, geslaagde"):
            verify_state(con, settings, load_suites(), raw_tables_by_source())
    finally:
        con.close()
