"""Run expectation suites against the working warehouse.

GX 1.24 cannot validate DuckDB through SQLAlchemy (docs/quality-gate.md), so every table is read into a pandas
DataFrame and validated with an *ephemeral* GX context (nothing is written to a `gx/` folder). Results of GX
expectations and of the custom checks end up in one list, `audit.validation_results`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from jeugdkpi.quality.custom import CUSTOM_CHECKS, CheckContext, Skipped
from jeugdkpi.quality.suites import CustomCheckSpec, ExpectationSpec, Suite, suite_parameters
from jeugdkpi.warehouse import table_exists

SAMPLE_ROWS = 5
# youth-level columns never appear in a sample: the pseudonym is shortened to a prefix an auditor with access
# to the working warehouse can look up (`youth_key LIKE 'ab12cd34%'`); nothing else youth-level is shown.
YOUTH_COLUMNS = {"birth_year", "born_jan_1", "geslacht", "juridische_status"}

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass
class ExpectationResult:
    suite: str
    expectation: str
    severity: str
    table: str
    success: bool
    n_failed: int
    failing_rows: list[dict] = field(default_factory=list)
    description: str = ""

    @property
    def is_critical_failure(self) -> bool:
        return not self.success and self.severity == "critical"

    def label(self) -> str:
        return f"{self.suite}.{self.expectation} ({self.table}: {self.n_failed} rij(en))"


_context = None


def _gx():
    """One ephemeral GX context per process (the GX import alone takes seconds)."""
    global _context
    import great_expectations as gx

    if _context is None:
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        _context = gx.get_context(mode="ephemeral")
        try:
            _context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        except Exception:  # progress bars are cosmetic
            pass
    return gx, _context


def sample_records(df: pd.DataFrame, n: int = SAMPLE_ROWS) -> list[dict]:
    """At most n rows as JSON-ready dicts, youth-level columns removed or shortened."""
    if df is None or df.empty:
        return []
    sample = df.head(n).copy()
    sample = sample.drop(columns=[c for c in sample.columns if c in YOUTH_COLUMNS])
    for col in sample.columns:
        if "youth_key" in col or col == "stay_period_id":
            sample[col] = sample[col].map(lambda v: None if v is None or v != v else str(v)[:8] + "…")
    return json.loads(sample.to_json(orient="records", date_format="iso", default_handler=str))


def _gx_results(suite: Suite, table: str, df: pd.DataFrame, parameters: dict) -> list[ExpectationResult]:
    gx, ctx = _gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    specs = [e for e in suite.expectations if e.table == table]
    gx_suite = gx.ExpectationSuite(name=f"{suite.name}:{table}",
                                   expectations=[ExpectationConfiguration(**e.gx_config()).to_domain_obj()
                                                 for e in specs])
    name = f"{suite.name}:{table}"
    try:
        source = ctx.data_sources.get(name)
    except Exception:
        source = ctx.data_sources.add_pandas(name)
    asset = source.add_dataframe_asset(f"a{len(source.assets)}")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": df})
    vr = batch.validate(gx_suite, expectation_parameters=parameters,
                        result_format={"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_ROWS})
    by_name = {e.name: e for e in specs}
    out = []
    for r in vr.results:
        spec = by_name[r.expectation_config.meta["name"]]
        res = r.result or {}
        error = (r.exception_info or {}).get("exception_message") if isinstance(r.exception_info, dict) else None
        if not error and isinstance(r.exception_info, dict):
            for info in r.exception_info.values():
                if isinstance(info, dict) and info.get("raised_exception"):
                    error = info.get("exception_message")
        if error:
            out.append(ExpectationResult(suite.name, spec.name, spec.severity, table, False, 1,
                                         [{"error": str(error)[:500]}], spec.description))
            continue
        if r.success:
            out.append(ExpectationResult(suite.name, spec.name, spec.severity, table, True, 0, [], spec.description))
            continue
        index = res.get("unexpected_index_list")
        if index:
            rows = sample_records(df.loc[list(index)[:SAMPLE_ROWS]])
            n_failed = int(res.get("unexpected_count") or len(index))
        else:
            observed = res.get("observed_value", res.get("partial_unexpected_list"))
            rows = [{"observed_value": json.loads(json.dumps(observed, default=str))}]
            n_failed = int(res.get("unexpected_count") or 1)
        out.append(ExpectationResult(suite.name, spec.name, spec.severity, table, False, n_failed, rows,
                                     spec.description))
    # keep the suite's order
    order = {e.name: i for i, e in enumerate(specs)}
    return sorted(out, key=lambda x: order[x.expectation])


def _missing_table(suite: Suite, spec: ExpectationSpec | CustomCheckSpec) -> ExpectationResult:
    """A check on a table the warehouse does not have fails as critical (never silently passed)."""
    return ExpectationResult(suite.name, spec.name, "critical", spec.table, False, 1,
                             [{"error": f"tabel {spec.table} ontbreekt"}], spec.description)


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, *, volume_factor: float = 2.0,
              previous_manifest: dict | None = None, parameters: dict | None = None) -> list[ExpectationResult]:
    parameters = suite_parameters() if parameters is None else parameters
    results: list[ExpectationResult] = []
    for table in suite.tables():
        if not table_exists(con, table):
            results.extend(_missing_table(suite, e) for e in suite.expectations if e.table == table)
            continue
        df = con.execute(f"select * from {table}").df()
        results.extend(_gx_results(suite, table, df, parameters))
    ctx = CheckContext(con=con, volume_factor=volume_factor, previous_manifest=previous_manifest)
    for c in suite.custom_checks:
        if not table_exists(con, c.table):
            results.append(_missing_table(suite, c))
            continue
        outcome = CUSTOM_CHECKS[c.check](ctx, c)
        if isinstance(outcome, Skipped):
            results.append(ExpectationResult(suite.name, c.name, c.severity, c.table, True, 0, [],
                                             f"{c.description} Overgeslagen: {outcome.note}".strip()))
        else:
            results.append(ExpectationResult(suite.name, c.name, c.severity, c.table, outcome.empty,
                                             len(outcome), sample_records(outcome), c.description))
    return results


def record_results(con: duckdb.DuckDBPyConnection, run_id: str, results: list[ExpectationResult]) -> None:
    """Replace this run's rows of the suites in `results` (a re-executed check step does not duplicate)."""
    from jeugdkpi.warehouse import ensure_audit_schema

    ensure_audit_schema(con)
    now = dt.datetime.now().replace(microsecond=0)
    for suite in {r.suite for r in results}:
        con.execute("DELETE FROM audit.validation_results WHERE run_id = ? AND suite = ?", [run_id, suite])
    frame = pd.DataFrame([{
        "run_id": run_id, "suite": r.suite, "expectation": r.expectation, "severity": r.severity,
        "table": r.table, "success": r.success, "n_failed": r.n_failed,
        "failing_rows": json.dumps(r.failing_rows, ensure_ascii=False, default=str), "checked_at": now,
        "description": r.description} for r in results])
    if not frame.empty:
        con.register("_validation_frame", frame)
        con.execute('INSERT INTO audit.validation_results (run_id, suite, expectation, severity, "table", success, '
                    "n_failed, failing_rows, checked_at, description) SELECT run_id, suite, expectation, severity, "
                    '"table", success, n_failed, failing_rows, checked_at, description FROM _validation_frame')
        con.unregister("_validation_frame")


def load_results(con: duckdb.DuckDBPyConnection, run_id: str, suite: str | None = None) -> list[ExpectationResult]:
    """The results of one run (of one suite of it, when given)."""
    if not table_exists(con, "audit.validation_results"):
        return []
    rows = con.execute('SELECT suite, expectation, severity, "table", success, n_failed, failing_rows, description '
                       "FROM audit.validation_results WHERE run_id = ? AND suite = coalesce(?, suite) "
                       "ORDER BY suite, checked_at, rowid", [run_id, suite]).fetchall()
    return [ExpectationResult(s, e, sev, t, ok, n, json.loads(rows_json), desc or "")
            for s, e, sev, t, ok, n, rows_json, desc in rows]
