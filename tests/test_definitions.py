"""The code location's glue: no work at import, dbt objects from cached factories, one translator for asset keys,
the run's settings through the `jeugdkpi` resource (docs/architecture.md, docs/settings.md)."""

import datetime as dt
import json
import os
import subprocess
import sys

import dagster as dg

from jeugdkpi.assets.transform import JeugdkpiTranslator, dbt_project, scoped_environ
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.settings import REPO_ROOT, load_settings


def test_importing_the_definitions_parses_nothing_and_leaves_the_environment_alone():
    env = {k: v for k, v in os.environ.items() if not k.startswith("JEUGDKPI_")}
    probe = ("import json, os; before = dict(os.environ); import jeugdkpi.definitions as d; "
             "import jeugdkpi.assets.transform as t; "
             "changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k) "
             "and (k == 'PATH' or k.startswith(('JEUGDKPI_', 'DBT_')))); "
             "print(json.dumps([t.dbt_project.cache_info().currsize, t.dbt_warehouse_assets.cache_info().currsize, "
             "d.build_defs.cache_info().currsize, changed]))")
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [0, 0, 0, []]


def test_the_definitions_are_built_once():
    import jeugdkpi.definitions as definitions

    assert definitions.defs is definitions.build_defs()
    assert definitions.location() is definitions.build_defs()  # what `dagster dev -m` loads
    assert dbt_project() is dbt_project()


def test_translator_maps_a_source_table_to_its_raw_table_whatever_the_source_is_called():
    translator = JeugdkpiTranslator()
    source = {"resource_type": "source", "source_name": "berichten", "schema": "raw", "name": "jw305_start_product",
              "identifier": "jw305_start_product", "unique_id": "source.jeugdkpi.berichten.jw305_start_product"}
    assert translator.get_asset_key(source) == dg.AssetKey(["raw", "jw305_start_product"])
    model = {"resource_type": "model", "name": "kpi_values", "fqn": ["jeugdkpi", "marts", "kpi_values"],
             "schema": "marts", "config": {}, "meta": {}, "unique_id": "model.jeugdkpi.kpi_values"}
    assert translator.get_asset_key(model) == dg.AssetKey(["kpi_values"])


def test_every_dbt_source_hangs_from_an_ingest_asset():
    import jeugdkpi.definitions as definitions

    manifest = json.loads(dbt_project().manifest_path.read_text())
    graph = definitions.defs.resolve_asset_graph()
    sources = [dg.AssetKey([s["schema"], s["identifier"]]) for s in manifest["sources"].values()]
    assert len(sources) == 26
    for key in sources:
        assert graph.has(key) and graph.get(key).is_materializable, key  # written by an ingest asset
        assert graph.get(key).group_name == "raw"


def test_dbt_env_is_set_for_the_block_only(monkeypatch, tmp_path):
    monkeypatch.setenv("JEUGDKPI_PEILDATUM", "2024-12-31")
    monkeypatch.delenv("JEUGDKPI_WAREHOUSE", raising=False)
    settings = load_settings({"JEUGDKPI_WAREHOUSE": str(tmp_path / "w.duckdb"), "JEUGDKPI_PEILDATUM": "2026-06-30",
                              "JEUGDKPI_UITVAL_CODES": "04,03"})
    env = settings.dbt_env()
    assert (env["JEUGDKPI_WAREHOUSE"], env["JEUGDKPI_PEILDATUM"], env["JEUGDKPI_UITVAL_CODES"]) == \
        (str(tmp_path / "w.duckdb"), "2026-06-30", "03,04")
    assert env["JEUGDKPI_REGIO"] == "Flevoland" and env["JEUGDKPI_REGIO_GEMEENTEN"]
    with scoped_environ(env):
        assert os.environ["JEUGDKPI_PEILDATUM"] == "2026-06-30"
    assert os.environ["JEUGDKPI_PEILDATUM"] == "2024-12-31"
    assert "JEUGDKPI_WAREHOUSE" not in os.environ


def test_the_resource_carries_the_cli_settings_without_reading_the_environment(monkeypatch, tmp_path):
    settings = load_settings({"JEUGDKPI_LANDING": str(tmp_path / "l"), "JEUGDKPI_WAREHOUSE": str(tmp_path / "w.duckdb"),
                              "JEUGDKPI_PUBLISH": str(tmp_path / "p"), "JEUGDKPI_PEILDATUM": "2025-06-30",
                              "JEUGDKPI_MIN_CELL": "5", "JEUGDKPI_UITVAL_CODES": "03,04", "JEUGDKPI_WORKERS": "3",
                              "JEUGDKPI_PSEUDONYM_KEY": "k", "JEUGDKPI_VOLUME_FACTOR": "3"})
    monkeypatch.setenv("JEUGDKPI_MIN_CELL", "ten")  # would be a ConfigError if the resource read it
    monkeypatch.setenv("JEUGDKPI_LANDING", "/elsewhere")
    assert JeugdkpiConfig.from_settings(settings).settings() == settings


def test_empty_resource_fields_are_the_environment_as_settings_py_reads_it(monkeypatch, tmp_path):
    monkeypatch.setenv("JEUGDKPI_WAREHOUSE", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("JEUGDKPI_MIN_CELL", "7")
    monkeypatch.delenv("JEUGDKPI_PEILDATUM", raising=False)
    settings = JeugdkpiConfig(peildatum="2025-12-31", publish=str(tmp_path / "p")).settings()
    assert settings.warehouse == tmp_path / "env.duckdb" and settings.min_cell == 7
    assert settings.peildatum == dt.date(2025, 12, 31) and settings.publish == tmp_path / "p"
