"""The Dagster code location of jeugdkpi (`dagster dev -m jeugdkpi.definitions`).

As in dagster-open-platform, importing this module does no work: the dbt project is parsed and the assets are
built when Dagster loads the location (`location`, a `@dg.definitions` function) or when code asks for
`jeugdkpi.definitions.defs` (pipeline.py, tests): both get the one Definitions that `build_defs()` builds once.
The run's settings reach the assets as the `jeugdkpi` resource (resources.py)."""

from __future__ import annotations

import functools

import dagster as dg
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.executor.base import Executor
from dagster._core.system_config.objects import ResolvedRunConfig

from jeugdkpi import runlock
from jeugdkpi.assets import PIPELINE_JOB
from jeugdkpi.assets.ingest import ingest_berichten_asset
from jeugdkpi.assets.inputs import input_assets
from jeugdkpi.assets.landing import LANDING_KEYS, observe_landing, run_tags
from jeugdkpi.assets.publish import publish
from jeugdkpi.assets.quality import quality_checks
from jeugdkpi.assets.reports import reports
from jeugdkpi.resources import JeugdkpiConfig, settings_from_config
from jeugdkpi.schedules import build_automation


class RunLockedExecutor(Executor):
    """Dagster's in-process executor inside the run lock: every step in the run's own process, one after
    another (DuckDB allows one writing process), and no second run on the same warehouse or publication folder
    while this one runs. Also tags the run with its peildatum and landing fingerprint (a run launched from the
    UI has no tags of its own)."""

    def __init__(self, inner: Executor):
        self._inner = inner

    @property
    def retries(self):
        return self._inner.retries

    @property
    def step_dependency_config(self):
        return self._inner.step_dependency_config

    def execute(self, plan_context, execution_plan):
        resolved = ResolvedRunConfig.build(plan_context.job.get_definition(), plan_context.run_config)
        # the settings the run's resource gets (the pseudonym key is not needed for the lock or the tags)
        settings = settings_from_config({**resolved.resources["jeugdkpi"].config, "pseudonym_key": None})
        paths = runlock.lock_paths(settings.warehouse, settings.publish)
        with runlock.run_lock(plan_context.instance, plan_context.run_id, paths) as warnings:
            for warning in warnings:
                yield DagsterEvent.engine_event(plan_context, warning, EngineEventData())
            tags = run_tags(settings)
            if any(plan_context.dagster_run.tags.get(k) != v for k, v in tags.items()):
                plan_context.instance.add_run_tags(plan_context.run_id, tags)
            yield from self._inner.execute(plan_context, execution_plan)


@dg.executor(name="in_process_run_lock", config_schema=dg.in_process_executor.config_schema)
def in_process_run_lock_executor(init_context) -> Executor:
    return RunLockedExecutor(dg.in_process_executor.executor_creation_fn(init_context))


pipeline_job = dg.define_asset_job(PIPELINE_JOB, selection=dg.AssetSelection.all()
                                   | dg.AssetSelection.assets(*LANDING_KEYS),
                                   description="De volledige halfjaarlijkse run: landing-mappen observeren, "
                                               "inlezen, transformeren, controleren en publiceren.")
halfjaarlijkse_run, nieuwe_bestanden = build_automation(pipeline_job)


@functools.cache
def build_defs() -> dg.Definitions:
    """The Definitions of the code location, built once per process (dagster-dbt and dbt are imported here)."""
    from jeugdkpi.assets.transform import dbt_resource, dbt_warehouse_assets

    return dg.Definitions(
        assets=[observe_landing, ingest_berichten_asset, *input_assets, dbt_warehouse_assets(), publish, reports],
        asset_checks=quality_checks,
        jobs=[pipeline_job],
        schedules=[halfjaarlijkse_run],
        sensors=[nieuwe_bestanden],
        resources={"jeugdkpi": JeugdkpiConfig(), "dbt": dbt_resource()},
        # DuckDB allows one writing process: every step runs in the run's own process, one after another, and
        # the whole run holds the run lock of its warehouse (docs/operations.md, "One run at a time").
        executor=in_process_run_lock_executor,
    )


@dg.definitions
def location() -> dg.Definitions:
    """What `dagster dev -m jeugdkpi.definitions` and the run workers load."""
    return build_defs()


def __getattr__(name: str):
    """`from jeugdkpi.definitions import defs` builds the Definitions on first use (module __getattr__, PEP 562)."""
    if name == "defs":
        return build_defs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
