"""Assemble one publication from the working warehouse, after proving that its state passed the gate
(`publish.gate`): the published tables (kpi_values with the small-cell rule, kpi_catalogue, municipalities,
providers, periods, delivery_status, revisies, kpi_outlook - no youth-level data), the Dutch BI view
kpi_overzicht with every table and column described (publish/dictionary.py), the manifest, the validation page and
the dbt docs; then hand it to `writer.publish` for the atomic swaps. Nothing new (same fingerprint as the
half-year's latest publication) publishes nothing."""

from __future__ import annotations

import datetime as dt
import html
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jeugdkpi import outlook, periods
from jeugdkpi.fingerprint import code_version, inputs_fingerprint, publication_fingerprint, seeds_fingerprint
from jeugdkpi.ingest import raw_tables_by_source
from jeugdkpi.publish import writer
from jeugdkpi.publish.dictionary import VIEW, VIEW_SQL, Describer
from jeugdkpi.publish.diff import REVISION_COLUMNS, revisions, revisions_or_empty
from jeugdkpi.publish.gate import GateRefused, verify_state
from jeugdkpi.publish.suppression import suppress
from jeugdkpi.quality.custom import current_volumes
from jeugdkpi.quality.report import write_html
from jeugdkpi.quality.runner import ExpectationResult, load_results
from jeugdkpi.quality.suites import load_suites
from jeugdkpi.runlock import hold
from jeugdkpi.settings import Settings
from jeugdkpi.warehouse import connect, log_state

# published table -> warehouse relation (the periods dimension: the reporting periods of the KPIs)
PUBLISHED_TABLES = {
    "kpi_values": "marts.kpi_values",
    "kpi_catalogue": "seeds.kpi_catalogue",
    "municipalities": "seeds.municipalities",
    "providers": "seeds.providers",
    "periods": "intermediate.int_reporting_periods",
}
# published when the warehouse has it (every dbt build makes it): table -> (relation, published columns). The
# delivery status per provider and half-year, without the landing paths and rejection texts (docs/reports.md).
OPTIONAL_TABLES = {
    "delivery_status": ("marts.delivery_status",
                        ["provider_agb", "period", "period_start", "period_end", "delivery", "deadline", "status",
                         "received_at", "is_late", "n_deliveries", "n_rejected", "cbs_suppressed_kpis"]),
    "kpi_benchmark": ("marts.kpi_benchmark",
                      ["kpi_id", "period", "municipality_code", "cbs_table", "cbs_measure", "comparison", "cbs_period",
                       "cbs_status", "value_municipality", "status_municipality", "value_region", "status_region",
                       "value_nl", "status_nl"]),
}


@dataclass
class Publication:
    snapshot: Path          # this run's snapshot, or the half-year's latest when nothing changed
    manifest: dict
    status: str             # PUBLISHED or UNCHANGED
    is_current: bool        # `current` points at it (False for a republished older half-year)

    @property
    def label(self) -> str:
        """'2026-H1/v2': the snapshot's half-year and version."""
        return f"{self.snapshot.parent.name}/{self.snapshot.name}"

    def ledger_detail(self) -> dict:
        """The detail of the publication's row in the state ledger (log_outcome)."""
        return {"snapshot": self.label, "is_current": self.is_current, "fingerprint": self.manifest.get("fingerprint")}


def log_outcome(settings: Settings, run_id: str, status: str, passed: bool, detail: dict) -> None:
    """The publication's outcome in the state ledger (what `jeugdkpi run` reports; not a change of the data): by the
    publish step, or by the dbt step when it found nothing new (assets/transform.py)."""
    with connect(settings.warehouse) as con:
        log_state(con, run_id, "publish", status, peildatum=settings.peildatum, passed=passed, detail=detail,
                  fingerprint=detail.get("fingerprint"))


PUBLISHED, UNCHANGED = "gepubliceerd", "ongewijzigd"


def _types(con, relation: str) -> dict[str, str]:
    schema, name = relation.split(".")
    return dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                            "AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall())


def _checks_summary(results: list[ExpectationResult]) -> dict:
    """The gate's results as published: names, severities and counts, never failing-row samples (they can hold
    small counts and file names; the full samples stay in the working warehouse's validation page)."""
    def brief(r: ExpectationResult) -> dict:
        return {"suite": r.suite, "expectation": r.expectation, "severity": r.severity, "table": r.table,
                "success": r.success, "n_failed": r.n_failed}

    return {
        "passed": not any(r.is_critical_failure for r in results),
        "n_expectations": len(results),
        "critical_failures": [brief(r) for r in results if r.is_critical_failure],
        "warnings": [{**brief(r), "description": r.description}
                     for r in results if not r.success and r.severity == "warning"],
        "notes": [{"suite": r.suite, "expectation": r.expectation, "note": r.description}
                  for r in results if r.success and "Overgeslagen" in r.description],
        "results": [brief(r) for r in results],
    }


def _without_samples(results: list[ExpectationResult]) -> list[ExpectationResult]:
    return [ExpectationResult(r.suite, r.expectation, r.severity, r.table, r.success, r.n_failed, [], r.description)
            for r in results]


def _input_files(con) -> pd.DataFrame:
    """Every landed file by content: SHA-256, source, status, records and - where the warehouse knows it - the
    period it delivers (half-year of a message's dagtekening, a delivery's periode). Never a file name."""
    tables = {f"{s}.{t}" for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables")
              .fetchall()}
    periods = []
    if "raw.berichten" in tables:
        periods.append("SELECT file_sha256 AS sha256, strftime(dagtekening, '%Y') || '-H' || "
                       "CASE WHEN month(dagtekening) <= 6 THEN '1' ELSE '2' END AS period FROM raw.berichten")
    periods += [f"SELECT file_sha256 AS sha256, periode AS period FROM {t}" for t in sorted(tables)
                if t.startswith("raw.leveringen_")]
    period_sql = " UNION ALL ".join(periods) or "SELECT NULL::VARCHAR AS sha256, NULL::VARCHAR AS period"
    return con.execute(f"""
        WITH p AS (SELECT sha256, min(period) AS period FROM ({period_sql}) GROUP BY sha256)
        SELECT f.sha256, f.source, f.status, sum(f.n_records)::BIGINT AS n_records, any_value(p.period) AS period
        FROM audit.ingest_files AS f LEFT JOIN p USING (sha256)
        WHERE f.status <> 'duplicate'
        GROUP BY f.sha256, f.source, f.status ORDER BY f.source, f.sha256, f.status""").df()


def _published_volumes(volumes: dict[str, float], published: pd.DataFrame) -> dict[str, float]:
    """The volume check's reference values without any value the small-cell rule hides: row counts, and region
    KPI values only where the published region row is not suppressed."""
    region = published[published["municipality_code"].isna() & published["provider_agb"].isna()
                       & published["care_form"].isna() & ~published["is_suppressed"]]
    open_keys = {f"kpi:{k}|{p}" for k, p in zip(region["kpi_id"], region["period"])}
    return {k: v for k, v in volumes.items() if not k.startswith("kpi:") or k in open_keys}


def build_publication(settings: Settings, run_id: str, *, with_docs: bool = True) -> Publication:
    """Verify the warehouse's state against the gate (publish.gate), then publish it - or, when the fingerprint
    equals the half-year's latest publication, publish nothing ("ongewijzigd"). Holds the publish folder's lock."""
    with hold([settings.publish / ".lock"], run_id):
        return _build(settings, run_id, with_docs)


def unchanged_publication(settings: Settings, run_id: str) -> Publication | None:
    """The half-year's latest publication when there is nothing new to publish: the warehouse passes the gate
    (publish.gate) and its publication fingerprint (inputs, seeds, code, region, uitval codes, peildatum, small-cell
    minimum) equals that publication's. A run of the whole pipeline asks this before dbt and then skips dbt, the
    checks after it and the publication, since they would end in "ongewijzigd" (docs/performance.md). None
    otherwise, also when the gate would refuse (the run then builds and checks as usual)."""
    with hold([settings.publish / ".lock"], run_id):
        with connect(settings.warehouse, read_only=True, config=settings.duckdb_config()) as con:
            try:
                verify_state(con, settings, load_suites(), raw_tables_by_source())
            except GateRefused:
                return None
            fingerprint = _fingerprints(con, settings)[0]
        return _unchanged(settings, run_id, fingerprint)


DOCS_FAILED = "dbt docs konden niet worden gemaakt"


def _reusable_docs(settings: Settings, info: dict, snapshots: list[Path | None]) -> Path | None:
    """The dbt docs page of an earlier snapshot made from the same code (dbt project, Python, suites), seeds, region
    and peildatum: `dbt docs generate` would write the same page (it documents the project and the warehouse's
    tables and column types, not their rows), so a publication with new inputs reuses it (~3 s)."""
    for snapshot in snapshots:
        manifest = writer.read_manifest(snapshot)
        page = snapshot / "docs" / "index.html" if snapshot else None
        if not manifest or page is None or not page.is_file():
            continue
        same = all(manifest.get(key) == info[key] for key in ("code_version", "seeds_fingerprint", "regio"))
        if same and manifest.get("peildatum") == settings.peildatum.isoformat() \
                and DOCS_FAILED not in page.read_text(encoding="utf-8", errors="replace"):
            return page
    return None


def _fingerprints(con, settings: Settings) -> tuple[str, str, str, str]:
    """The publication fingerprint of the warehouse's state and its parts (inputs, seeds, code)."""
    inputs, seeds, code = inputs_fingerprint(con), seeds_fingerprint(), code_version()
    fingerprint = publication_fingerprint(inputs=inputs, seeds=seeds, code=code, regio=settings.regio,
                                          peildatum=settings.peildatum, min_cell=settings.min_cell,
                                          uitval_codes=settings.uitval_codes)
    return fingerprint, inputs, seeds, code


def _unchanged(settings: Settings, run_id: str, fingerprint: str) -> Publication | None:
    """The half-year's latest publication when it has `fingerprint` (nothing new), made current when a run killed
    between `latest` and `current` left current behind; None when there is something new."""
    latest = writer.latest_dir(settings.publish, periods.half_year(settings.peildatum))
    manifest = writer.read_manifest(latest)
    if latest is None or not manifest or manifest.get("fingerprint") != fingerprint:
        return None
    return Publication(latest, manifest, UNCHANGED, writer.make_current(settings.publish, latest, run_id))


def _build(settings: Settings, run_id: str, with_docs: bool) -> Publication:
    suites = load_suites()
    with connect(settings.warehouse, read_only=True, config=settings.duckdb_config()) as con:
        state = verify_state(con, settings, suites, raw_tables_by_source())
        results = [r for run, suite in state.result_keys() for r in load_results(con, run, suite)]
        if any(r.is_critical_failure for r in results):  # defence in depth: the ledger said they passed
            raise GateRefused("een kritieke verwachting van de kwaliteitspoort is mislukt.")
        # read once: the publication's fingerprint and its publicatie row describe the same files
        fingerprint, inputs, seeds, code = _fingerprints(con, settings)
        unchanged = _unchanged(settings, run_id, fingerprint)
        if unchanged is not None:
            return unchanged
        period = periods.half_year(settings.peildatum)
        latest = writer.latest_dir(settings.publish, period)
        frames = {name: con.execute(f"SELECT * FROM {rel}").df() for name, rel in PUBLISHED_TABLES.items()}
        # the region's municipalities only (with those merged into them): the seed lists every region's
        frames["municipalities"] = frames["municipalities"][frames["municipalities"]["region"] == settings.regio]
        types = {name: _types(con, rel) for name, rel in PUBLISHED_TABLES.items()}
        for name, (rel, columns) in OPTIONAL_TABLES.items():
            available = _types(con, rel)
            if available:
                frames[name] = con.execute(f"SELECT {', '.join(columns)} FROM {rel} ORDER BY ALL").df()
                types[name] = {c: available[c] for c in columns}
        files = _input_files(con)
        volumes: dict[str, float] = {}
        for suite in suites:
            for check in suite.custom_checks:
                if check.check == "volume_vs_last_publication":
                    volumes.update(current_volumes(con, check))
    published = suppress(frames["kpi_values"], settings.min_cell, frames["kpi_catalogue"])
    # only the periods the KPIs use (the dimension of the published fact table)
    frames["periods"] = frames["periods"][frames["periods"]["period"].isin(set(published["period"]))]
    frames["kpi_values"] = published[list(types["kpi_values"])]
    warnings = [r for r in results if not r.success and r.severity == "warning"]
    info = {"fingerprint": fingerprint, "input_fingerprint": inputs, "seeds_fingerprint": seeds, "code_version": code,
            "gate_result": f"geslaagd met {len(warnings)} waarschuwing(en)" if warnings else "geslaagd",
            "gate_runs": ",".join(sorted({run for run, _ in state.result_keys()})),
            "build_run": state.build.run_id or "", "regio": settings.regio, "min_cell": str(settings.min_cell)}

    writer.clean_staging(settings.publish)
    version = writer.next_version(settings.publish, period)
    label = f"{period}/v{version}"
    previous = latest or writer.current_dir(settings.publish)
    revisies = pd.DataFrame(columns=REVISION_COLUMNS)
    prior: dict[str, pd.DataFrame | None] = {}  # the previous publication's tables that this one continues
    if previous is not None and (previous / "kpi.duckdb").is_file():
        prior = writer.read_tables(previous, ["kpi_values", "revisies", "kpi_outlook"])
        prev_label = f"{previous.parent.name}/{previous.name}"
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        revisies = pd.concat([revisions_or_empty(prior["revisies"]),
                              revisions(prior["kpi_values"], frames["kpi_values"], previous_label=prev_label,
                                        label=label, published_at=now)], ignore_index=True)
    frames["revisies"] = revisies
    types["revisies"] = {c: "DOUBLE" if c in ("old_value", "new_value") else "VARCHAR" for c in REVISION_COLUMNS}
    # where each target is heading, from the published (suppressed) values, beside the earlier half-years' outlooks
    frames["kpi_outlook"] = outlook.with_history(
        outlook.outlook_table(frames["kpi_values"], frames["kpi_catalogue"], settings.peildatum),
        prior.get("kpi_outlook"))
    types["kpi_outlook"] = outlook.TYPES
    manifest = {
        "min_cell": settings.min_cell,
        "row_counts": {name: int(len(f)) for name, f in frames.items()},
        "suppressed_rows": int(published["is_suppressed"].sum()),
        "kpis_published": int(published["kpi_id"].nunique()),
        "input_files": {"count": int(len(files)),
                        "digest_sha256": inputs,
                        "files": files.astype(object).where(files.notna(), None).to_dict(orient="records")},
        "checks": _checks_summary(results),
        "volumes": _published_volumes(volumes, published),
    }
    public_results = _without_samples(results)
    extra = {"validation.html": lambda p: write_html(p, run_id, settings.peildatum.isoformat(), public_results,
                                                     published=True)}
    if with_docs:
        from jeugdkpi.publish.docs import generate_static_docs

        def docs(path: Path) -> None:
            reusable = _reusable_docs(settings, info, [latest, writer.current_dir(settings.publish)])
            if reusable is not None:  # same dbt project, seeds, region and peildatum: the same page
                shutil.copyfile(reusable, path)
                return
            try:
                generate_static_docs(path, settings, state.build.run_id)
            except Exception as exc:  # documentation must not hold back a checked publication
                path.write_text("<!DOCTYPE html><html lang='nl'><meta charset='utf-8'><title>dbt docs</title>"
                                f"<p>{DOCS_FAILED}: {html.escape(str(exc))}</p></html>",
                                encoding="utf-8")

        extra["docs/index.html"] = docs
    # the dbt model or seed each published table is copied from: its YAML column descriptions (publish/dictionary.py)
    sources = {name: rel.split(".")[1] for name, rel in PUBLISHED_TABLES.items()}
    sources.update({name: rel.split(".")[1] for name, (rel, _) in OPTIONAL_TABLES.items()})
    written = writer.publish(settings.publish, run_id=run_id, peildatum=settings.peildatum, version=version,
                             tables=frames, types=types, manifest=manifest, info=info, extra_files=extra,
                             views={VIEW: VIEW_SQL}, describer=Describer(sources))
    return Publication(snapshot=written.snapshot, manifest=writer.verify(written.snapshot), status=PUBLISHED,
                       is_current=written.is_current)
