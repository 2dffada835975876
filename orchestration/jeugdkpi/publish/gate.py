"""Publish only a verified state (docs/publication.md): whatever entry point runs the publication (CLI, UI, schedule,
sensor, a selection of only `published/kpi`), it first proves from the warehouse's state ledger `audit.state_log`
that the tables it is about to publish are exactly the ones that passed every blocking check, built with this run's
peildatum, the seeds and the dbt code that are there now. Otherwise it refuses and touches nothing.

The rules, on the ledger in the order things happened:
1. the last writing dbt invocation is a finished whole-project `dbt build` without errors, failed tests or skipped
   nodes (dbt's own data tests are blocking checks), made by the pipeline (it carries a run id);
2. that build ran with the peildatum of this run and with the seeds and dbt code that are there now;
3. no ingest changed the raw tables after that build;
4. every GX suite was evaluated on the current state and its latest evaluation had no critical failure: a suite on a
   raw table after the last ingest of the landing source that fills it, every other suite after the build;
   all with the same peildatum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from jeugdkpi.fingerprint import build_fingerprint
from jeugdkpi.quality.suites import Suite
from jeugdkpi.settings import Settings


class GateRefused(RuntimeError):
    """The warehouse is not in a state that passed the quality gate; nothing is published."""

    def __init__(self, reason: str):
        super().__init__(f"Publicatie geweigerd: {reason} Er is niets gepubliceerd; draai de hele pipeline "
                         "(`jeugdkpi run`, of in de UI alle assets) om de kwaliteitspoort opnieuw te doorlopen.")
        self.reason = reason


@dataclass(frozen=True)
class LedgerRow:
    seq: int
    run_id: str | None
    event: str
    name: str
    peildatum: object
    fingerprint: str | None
    passed: bool
    detail: dict


@dataclass(frozen=True)
class VerifiedState:
    build: LedgerRow
    checks: dict[str, LedgerRow]     # suite name -> its latest evaluation (the one that passed on this state)

    def result_keys(self) -> list[tuple[str, str]]:
        """(run id, suite) of the evaluations this publication rests on: their rows in audit.validation_results."""
        return sorted((row.run_id or "", suite) for suite, row in self.checks.items())


def _rows(con: duckdb.DuckDBPyConnection) -> list[LedgerRow]:
    try:
        raw = con.execute("SELECT seq, run_id, event, name, peildatum, fingerprint, passed, detail "
                          "FROM audit.state_log ORDER BY seq").fetchall()
    except duckdb.CatalogException:
        return []
    return [LedgerRow(*r[:7], json.loads(r[7] or "{}")) for r in raw]


def verify_state(con: duckdb.DuckDBPyConnection, settings: Settings, suites: list[Suite],
                 raw_sources: dict[str, set[str]]) -> VerifiedState:
    """The ledger rows that prove the current warehouse passed the gate; raises GateRefused otherwise.
    `raw_sources`: landing source -> raw tables it fills (jeugdkpi.ingest.raw_tables_by_source)."""
    rows = _rows(con)
    builds = [r for r in rows if r.event == "dbt"]
    if not builds:
        raise GateRefused("het magazijn heeft geen dbt build die de pipeline registreerde "
                          "(no dbt build recorded in audit.state_log).")
    build = builds[-1]
    if build.name != "build" or not build.passed:
        what = {"start": "is afgebroken of loopt nog (killed or still running)"}.get(
            build.name, "was geen volledige, geslaagde `dbt build` (partial or failed dbt invocation)")
        raise GateRefused(f"de laatste dbt-aanroep (ledger seq {build.seq}, {build.name}) {what}; "
                          f"niet in orde: {', '.join(build.detail.get('not_ok', [])[:5]) or '-'}.")
    if build.run_id is None:
        raise GateRefused("de laatste dbt build is buiten de pipeline gestart (dbt run by hand); "
                          "de pipeline weet niet waarmee die gebouwd is.")
    if str(build.peildatum) != settings.peildatum.isoformat():
        raise GateRefused(f"het magazijn is gebouwd met peildatum {build.peildatum}, deze run heeft peildatum "
                          f"{settings.peildatum.isoformat()} (warehouse built for another peildatum).")
    if build.fingerprint != build_fingerprint(settings.regio, settings.uitval_codes):
        raise GateRefused(f"de laatste dbt build is gemaakt voor een andere regio dan {settings.regio}, of de seeds of "
                          "de dbt-modellen zijn sindsdien gewijzigd (region, seeds or dbt code changed since the "
                          "build).")
    ingests = [r for r in rows if r.event == "ingest"]
    if ingests and ingests[-1].seq > build.seq:
        raise GateRefused(f"na de laatste dbt build is nieuwe invoer ingelezen ({ingests[-1].name}, run "
                          f"{ingests[-1].run_id}); de marts zijn daar nog niet op gebouwd (ingest after build).")
    checks: dict[str, LedgerRow] = {}
    for suite in suites:
        evaluations = [r for r in rows if r.event == "check" and r.name == suite.name]
        if not evaluations:
            raise GateRefused(f"kwaliteitscontrole {suite.name} is op dit magazijn nooit uitgevoerd (check never run).")
        latest = evaluations[-1]
        if suite.asset[0] == "raw":
            sources = {s for s, tables in raw_sources.items() if suite.asset[-1] in tables}
            changed = [r.seq for r in ingests if r.name in sources]
            must_follow, what = (max(changed) if changed else 0), "de laatste ingest van " + "/".join(sorted(sources))
        else:
            must_follow, what = build.seq, "de laatste dbt build"
        if latest.seq < must_follow:
            raise GateRefused(f"kwaliteitscontrole {suite.name} is ouder dan {what} (check older than the data).")
        if not latest.passed:
            raise GateRefused(f"kwaliteitscontrole {suite.name} had een kritieke fout in run {latest.run_id} "
                              "(critical expectation failed).")
        if str(latest.peildatum) != settings.peildatum.isoformat():
            raise GateRefused(f"kwaliteitscontrole {suite.name} liep met peildatum {latest.peildatum}, deze run "
                              f"heeft {settings.peildatum.isoformat()}.")
        checks[suite.name] = latest
    return VerifiedState(build=build, checks=checks)
