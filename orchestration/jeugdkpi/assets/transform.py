"""The dbt project as Dagster assets: every model, seed and data test of dbt_project/ (tests = asset checks)."""

import os
import sys
from pathlib import Path
from typing import Any, Mapping

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.settings import DBT_PROJECT_DIR, SEEDS_DIR, load_settings

# dbt reads the warehouse path and peildatum from the environment; give parsing sane defaults.
_defaults = load_settings()
os.environ.setdefault("JEUGDKPI_WAREHOUSE", str(_defaults.warehouse))
os.environ.setdefault("JEUGDKPI_PEILDATUM", _defaults.peildatum.isoformat())
# The dbt of this interpreter's environment, also when the venv is not activated (dagster-dbt looks on PATH).
_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def _manifest_is_stale() -> bool:
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", *DBT_PROJECT_DIR.glob("models/**/*"),
               *DBT_PROJECT_DIR.glob("macros/**/*"), *DBT_PROJECT_DIR.glob("tests/**/*"), *SEEDS_DIR.glob("*.csv")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


# Tests, CI and a fresh clone have no manifest; an edited model makes it stale: parse (a few seconds).
if _manifest_is_stale():
    dbt_project.preparer.prepare(dbt_project)


class JeugdkpiTranslator(DagsterDbtTranslator):
    """Groups = layers (seeds, staging, intermediate, marts); raw sources map to the ingest assets."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)


translator = JeugdkpiTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


def dbt_resource() -> DbtCliResource:
    # Use the dbt of this interpreter's environment, also when the venv is not activated.
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=str(Path(sys.executable).parent / "dbt"))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            pool="duckdb", name="dbt_warehouse")
def dbt_warehouse(context: dg.AssetExecutionContext, dbt: DbtCliResource, jeugdkpi: JeugdkpiConfig):
    """dbt build: seeds, staging, intermediate and marts with their data and unit tests."""
    settings = jeugdkpi.settings()
    os.environ["JEUGDKPI_WAREHOUSE"] = str(settings.warehouse)
    os.environ["JEUGDKPI_PEILDATUM"] = settings.peildatum.isoformat()
    yield from dbt.cli(["build"], context=context).stream()
