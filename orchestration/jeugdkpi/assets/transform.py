"""The dbt project as Dagster assets: every model, seed and data test of dbt_project/ (tests = asset checks).

Nothing happens at import (as in dagster-open-platform's defs/dbt): the DbtProject, its manifest and the
@dbt_assets definition are built by cached factories (`dbt_project()`, `dbt_warehouse_assets()`,
`dbt_resource()`) that jeugdkpi.definitions calls once. dbt reads the run's settings from environment
variables (profiles.yml, dbt_project.yml vars): they are set for the dbt subprocess only (`Settings.dbt_env`),
never left in this process's environment.
"""

import contextlib
import functools
import importlib.metadata
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._utils import run_with_concurrent_update_guard
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.dbt_manifest import validate_manifest
from packaging import version

from jeugdkpi import progress
from jeugdkpi.assets import PIPELINE_JOB, REBUILD_TAG
from jeugdkpi.dbt_child import PARENT_PID_ENV, dbt_executable, real_dbt
from jeugdkpi.fingerprint import build_fingerprint
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.seeds import catalogue
from jeugdkpi.settings import DBT_PROJECT_DIR, SEEDS_DIR, Settings, load_settings
from jeugdkpi.warehouse import connect, ensure_audit_schema


@contextlib.contextmanager
def scoped_environ(env: Mapping[str, str]) -> Iterator[None]:
    """`env` in os.environ while the block runs (dagster-dbt hands dbt a copy of os.environ), then as before."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", *DBT_PROJECT_DIR.glob("models/**/*"),
               *DBT_PROJECT_DIR.glob("macros/**/*"), *DBT_PROJECT_DIR.glob("tests/**/*"), *SEEDS_DIR.glob("*.csv")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@functools.cache
def dbt_project() -> DbtProject:
    """dbt_project/ with a current manifest: tests, CI and a fresh clone have none, and an edited model, macro,
    test or seed makes it stale (also under `dagster dev`): then dbt parses (a few seconds), with the default
    settings for the env vars dbt needs to parse."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if _manifest_is_stale(project):
        run_with_concurrent_update_guard(project.manifest_path, _parse, project=project)
    return project


def _parse(project: DbtProject) -> None:
    with scoped_environ(load_settings().dbt_env()):
        DbtCliResource(project_dir=project, dbt_executable=real_dbt()).cli(
            ["parse", "--quiet"], target_path=project.target_path).wait()


def manifest() -> Mapping[str, Any]:
    return validate_manifest(dbt_project().manifest_path)  # dagster-dbt's cached read, shared with @dbt_assets


@functools.cache
def kpi_docs() -> dict[str, str]:
    """The Dutch KPI definitions: the docs blocks `kpi_<ID>` of models/marts/_kpi_definitions.md."""
    return {doc["name"]: doc["block_contents"].strip() for doc in manifest().get("docs", {}).values()
            if doc.get("package_name") == "jeugdkpi"}


def kpis_of_model(dbt_resource_props: Mapping[str, Any]) -> list[str]:
    """The catalogue KPIs a model writes: the catalogue rows whose `family` is the model (the whole-graph test
    checks the catalogue against the rows the model builds)."""
    name = dbt_resource_props.get("name")
    return [k.kpi_id for k in catalogue().values() if k.family == name]


def kpi_table(kpi_ids: list[str]) -> str:
    """Markdown: id, Dutch name (catalogue) and Dutch definition (docs block) of each KPI."""
    lines = ["| KPI | naam | definitie |", "|---|---|---|"]
    kpis, docs = catalogue(), kpi_docs()
    for kpi in kpi_ids:
        definition = docs.get(f"kpi_{kpi}", "").replace("\n", " ").replace("|", "/")
        lines.append(f"| {kpi} | {kpis[kpi].name_nl} | {definition} |")
    return "\n".join(lines)


class JeugdkpiTranslator(DagsterDbtTranslator):
    """The one place where dbt nodes become Dagster assets. Asset keys: a dbt source table is the raw table the
    ingest assets write (`<schema>/<table>`, e.g. raw/berichten, whatever the source is called in the YAML); a
    model or seed keeps dagster-dbt's default (its name). Groups = layers (seeds, staging, intermediate, marts).
    The UI shows the Dutch YAML description of every model, seed and column (not dagster-dbt's "dbt model X"
    stand-in nor the appended raw SQL: the SQL file is one click away through the asset's code reference). KPI
    models carry the Dutch names and definitions of the KPIs they compute. A dbt data test becomes an asset check
    under its YAML `name:` with its Dutch `description:` (dagster-dbt itself reads only `meta.description`)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"],
                                dbt_resource_props.get("identifier") or dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        description = (dbt_resource_props.get("description") or "").strip()
        name = dbt_resource_props.get("name", "")
        if dbt_resource_props["resource_type"] != "model":
            return description
        if name == "kpi_values":
            intro = kpi_docs().get("kpi_values_intro", "")
            return f"{intro}\n\n**KPI-catalogus** (seeds/kpi_catalogue.csv):\n\n{kpi_table(list(catalogue()))}"
        if name.startswith("int_kpi__"):
            kpis = kpis_of_model(dbt_resource_props)
            if kpis:
                return f"{description}\n\n**KPI's van dit model:**\n\n{kpi_table(kpis)}"
        return description

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: DbtProject | None) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = manifest["nodes"][unique_id]
        description = (test.get("description") or "").strip() or spec.description
        return spec._replace(description=description)


PUBLISHED_KEY = dg.AssetKey(["published", "kpi"])
# what a run builds: seeds, models and data tests (the data tests are the blocking checks); unit tests are excluded
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]

translator = JeugdkpiTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


class ChildDbtCliResource(DbtCliResource):
    """dbt through `jeugdkpi-dbt` (jeugdkpi/dbt_child.py): the dbt child is killed by the kernel when the process
    that started it ends, however it ends (kill -9 included), so no orphaned dbt goes on writing the warehouse."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        """The version of the dbt this resource starts: the dbt-core package of this interpreter's environment
        (dbt_child.real_dbt), read from its metadata. dagster-dbt asks by starting `dbt --version`, ~2 s a run."""
        return version.parse(importlib.metadata.version("dbt-core"))

    def cli_for(self, settings: Settings, args: list[str], **kwargs):
        """`dbt <args>` with the run's settings in dbt's environment (and this process's id, which the wrapper
        checks is still its parent); this process's own environment is left as it was."""
        with scoped_environ({**settings.dbt_env(), PARENT_PID_ENV: str(os.getpid())}):
            return self.cli(args, **kwargs)  # starts the dbt subprocess with a copy of the environment


@functools.cache
def dbt_resource() -> ChildDbtCliResource:
    # dbt of this interpreter's environment, also when the venv is not activated; through the wrapper when it is
    # installed (pip install -e .), else plain dbt.
    return ChildDbtCliResource(project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR),
                               dbt_executable=dbt_executable())


@functools.cache
def dbt_warehouse_assets() -> dg.AssetsDefinition:
    """The @dbt_assets of the whole project (built once, from the parsed manifest)."""
    project = dbt_project()

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=translator,
                pool="duckdb", name="dbt_warehouse")
    def dbt_warehouse(context: dg.AssetExecutionContext, dbt: ChildDbtCliResource, jeugdkpi: JeugdkpiConfig):
        """dbt build: seeds, staging, intermediate and marts with their data and unit tests. Every materialised
        table gets its row count and column schema (read from the warehouse after dbt has finished)."""
        yield from build_warehouse(context, dbt, jeugdkpi.settings())

    return dbt_warehouse


def may_skip_unchanged(context: dg.AssetExecutionContext) -> bool:
    """Whether this run may skip dbt when there is nothing new: a run of the whole pipeline job (CLI, schedule,
    sensor, the job in the UI) whose selection includes the publication, without the rebuild tag. A selection of
    assets materialised in the UI always builds."""
    run = context.run
    if run.job_name != PIPELINE_JOB or run.tags.get(REBUILD_TAG) == "true":
        return False
    return not run.asset_selection or PUBLISHED_KEY in run.asset_selection  # empty: the whole job


def skip_unchanged(context: dg.AssetExecutionContext, settings: Settings) -> bool:
    """Nothing new since the half-year's latest publication (publish.build.unchanged_publication): record the
    outcome "ongewijzigd" as the publication step would, and say so; dbt, the checks after it, the publication and
    the reports are then skipped (the dbt step yields no output)."""
    from jeugdkpi.publish.build import log_outcome, unchanged_publication

    run_id = context.run.run_id
    publication = unchanged_publication(settings, run_id)
    if publication is None:
        return False
    with progress.step("dbt build: modellen en tests") as step:
        step.detail = (f"overgeslagen: niets nieuws sinds {publication.label} (zelfde invoer, seeds, code en "
                       "instellingen; --rebuild bouwt toch)")
    log_outcome(settings, run_id, publication.status, True,
                {**publication.ledger_detail(),
                 "skipped": ["dbt build", "controles na dbt", "publiceren", "rapportages"]})
    context.log.info(f"nothing new since {publication.snapshot}: dbt build, checks and publication skipped")
    return True


def build_warehouse(context: dg.AssetExecutionContext, dbt: ChildDbtCliResource, settings: Settings):
    if may_skip_unchanged(context) and skip_unchanged(context, settings):
        return
    # the region, seeds and SQL this build reads, taken before it starts
    built_from = build_fingerprint(settings.regio, settings.uitval_codes)
    with connect(settings.warehouse) as con:
        ensure_audit_schema(con)  # the ledger dbt's hooks write to
    # unit tests test the SQL, not the data: `make test` runs them (tests/test_dbt_project.py), a run does not
    invocation = dbt.cli_for(settings, BUILD_ARGS, context=context)
    events: list = []
    error: Exception | None = None
    with progress.step("dbt build: modellen en tests", unit="knopen") as step:
        try:
            for raw in invocation.stream_raw_events():
                _report_progress(raw.raw_event)
                events.extend(raw.to_default_asset_events(
                    manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
                    context=context, target_path=invocation.target_path, project=invocation.project))
        except Exception as exc:  # a failing model or test: still record what dbt did build, then fail
            error = exc
            step.failed = True
        finally:
            claim_build(settings.warehouse, context.run.run_id, built_from)
            keep_parse_state(invocation.target_path)
        n_tests = sum(isinstance(e, dg.AssetCheckResult) for e in events)
        step.detail = f"{sum(isinstance(e, dg.Output) for e in events)} tabellen, {n_tests} tests als controle"
    slowest = slowest_nodes(invocation.target_path)
    if slowest:
        print("Traagste dbt-knopen (run_results.json, seconden):\n" + "\n".join(slowest))  # into the run log
        context.log.info("slowest dbt nodes: " + "; ".join(line.strip() for line in slowest))
    yield from with_table_metadata(events, invocation.manifest, settings.warehouse)
    if error is not None:
        raise error


def keep_parse_state(target_path: Path) -> None:
    """Keep this build's parse state (partial_parse.msgpack) as the project's, which dagster-dbt copies into the
    next invocation's own target folder: the next run parses only what changed (~1 s instead of ~6 s). dbt
    itself decides whether the state fits (it parses everything again when the profile, i.e. the warehouse
    path, changed); replaced atomically, so two runs at once each read a whole file."""
    state = target_path / "partial_parse.msgpack"
    if not state.is_file():
        return
    keep = DBT_PROJECT_DIR / "target" / state.name
    tmp = keep.with_name(f".{state.name}.{os.getpid()}")
    try:
        shutil.copyfile(state, tmp)
        os.replace(tmp, keep)
    except OSError:
        tmp.unlink(missing_ok=True)


def slowest_nodes(target_path: Path, n: int = 10) -> list[str]:
    """The `n` slowest nodes of a dbt invocation (its run_results.json), one line each: seconds and node."""
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    results = sorted(results, key=lambda r: -(r.get("execution_time") or 0))[:n]
    return [f"  {r.get('execution_time') or 0:6.2f}  {r['unique_id']}" for r in results]


def claim_build(warehouse: Path, run_id: str, fingerprint: str) -> None:
    """Add this run's id and the build fingerprint to the ledger rows that dbt's hooks just wrote
    (macros/record_invocation.sql): the rows after this run's last claim. The run lock makes them this run's."""
    with connect(warehouse) as con:
        con.execute("UPDATE audit.state_log SET run_id = ?, fingerprint = ? WHERE event = 'dbt' AND run_id IS NULL "
                    "AND seq > coalesce((SELECT max(seq) FROM audit.state_log WHERE event = 'dbt' "
                    "AND run_id IS NOT NULL), 0)", [run_id, fingerprint])


_RESULT_EVENTS = {"LogModelResult", "LogSeedResult", "LogTestResult", "LogSnapshotResult", "LogNodeNoOpResult",
                  "LogSkipResult", "LogNodeResult", "LogFreshnessResult"}


def _report_progress(raw_event: Mapping[str, Any]) -> None:
    """dbt's result lines (`196 of 197 PASS ...`) carry the node total (`total`, for tests `num_models`); each
    finished node advances the bar by one (threads finish out of order, so the index itself is not used)."""
    data = raw_event.get("data", {})
    if raw_event["info"]["name"] in _RESULT_EVENTS:
        total = data.get("total") or data.get("num_models")
        if total:
            progress.set_total(int(total))
        progress.advance()


def with_table_metadata(events: list, manifest: Mapping[str, Any], warehouse: Path):
    """The events with `dagster/row_count` and `dagster/column_schema` (actual DuckDB types, with the Dutch column
    descriptions of the model's YAML) on every Output."""
    outputs = [e for e in events if isinstance(e, dg.Output)]
    tables: dict[str, tuple[str, str]] = {}
    described: dict[tuple[str, str], dict[str, str]] = {}
    for output in outputs:
        unique_id = output.metadata.get("unique_id")
        node = manifest["nodes"].get(str(unique_id.value)) if unique_id is not None else None
        if node and node.get("config", {}).get("materialized") in ("table", "incremental", "seed", None):
            tables[output.output_name] = (node["schema"], node.get("alias") or node["name"])
            described[tables[output.output_name]] = {c: (info.get("description") or None)
                                                      for c, info in node.get("columns", {}).items()}
    extra: dict[str, dict[str, Any]] = {}
    if tables and warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            columns: dict[tuple[str, str], list[dg.TableColumn]] = {}
            for schema, table, column, typ in con.execute(
                    "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
                    "ORDER BY table_schema, table_name, ordinal_position").fetchall():
                description = described.get((schema, table), {}).get(column)
                columns.setdefault((schema, table), []).append(dg.TableColumn(column, typ.lower(), description))
            for name, (schema, table) in tables.items():
                if (schema, table) not in columns:
                    continue
                rows = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
                extra[name] = {"dagster/row_count": rows,
                               "dagster/column_schema": dg.TableSchema(columns=columns[(schema, table)]),
                               "dagster/table_name": f"{schema}.{table}"}
    for event in events:
        if isinstance(event, dg.Output) and event.output_name in extra:
            yield event.with_metadata({**event.metadata, **extra[event.output_name]})
        else:
            yield event
