"""Assemble one publication from the working warehouse: the published tables (kpi_values with the small-cell
rule, kpi_catalogue, municipalities, providers, periods - no youth-level data), the manifest, the validation
page and the dbt docs; then hand it to `writer.publish` for the atomic swap."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jeugdkpi.publish import writer
from jeugdkpi.publish.suppression import suppress
from jeugdkpi.quality.custom import current_volumes
from jeugdkpi.quality.report import write_html
from jeugdkpi.quality.runner import ExpectationResult, load_results
from jeugdkpi.quality.suites import load_suites
from jeugdkpi.settings import Settings
from jeugdkpi.warehouse import connect

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
                         "received_at", "is_late", "n_deliveries", "n_rejected"]),
}


@dataclass
class Publication:
    snapshot: Path
    manifest: dict


def _types(con, relation: str) -> dict[str, str]:
    schema, name = relation.split(".")
    return dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                            "AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall())


def _checks_summary(results: list[ExpectationResult]) -> dict:
    def brief(r: ExpectationResult) -> dict:
        return {"suite": r.suite, "expectation": r.expectation, "severity": r.severity, "table": r.table,
                "success": r.success, "n_failed": r.n_failed}

    return {
        "passed": not any(r.is_critical_failure for r in results),
        "n_expectations": len(results),
        "critical_failures": [brief(r) for r in results if r.is_critical_failure],
        "warnings": [{**brief(r), "description": r.description, "failing_rows": r.failing_rows}
                     for r in results if not r.success and r.severity == "warning"],
        "notes": [{"suite": r.suite, "expectation": r.expectation, "note": r.description}
                  for r in results if r.success and "Overgeslagen" in r.description],
        "results": [brief(r) for r in results],
    }


def _youth_free(results: list[ExpectationResult]) -> list[ExpectationResult]:
    """The published copy of the results carries no youth-level columns, not even shortened pseudonyms."""
    out = []
    for r in results:
        rows = [{k: v for k, v in row.items() if "youth_key" not in k and k != "stay_period_id"}
                for row in r.failing_rows]
        out.append(ExpectationResult(r.suite, r.expectation, r.severity, r.table, r.success, r.n_failed, rows,
                                     r.description))
    return out


def build_publication(settings: Settings, run_id: str, *, with_docs: bool = True) -> Publication:
    suites = load_suites()
    with connect(settings.warehouse, read_only=True) as con:
        frames = {name: con.execute(f"SELECT * FROM {rel}").df() for name, rel in PUBLISHED_TABLES.items()}
        types = {name: _types(con, rel) for name, rel in PUBLISHED_TABLES.items()}
        for name, (rel, columns) in OPTIONAL_TABLES.items():
            available = _types(con, rel)
            if available:
                frames[name] = con.execute(f"SELECT {', '.join(columns)} FROM {rel} ORDER BY ALL").df()
                types[name] = {c: available[c] for c in columns}
        files = con.execute("SELECT file_path, sha256, source, status FROM audit.ingest_files "
                            "ORDER BY source, file_path").df()
        results = load_results(con, run_id)
        volumes: dict[str, float] = {}
        for suite in suites:
            for check in suite.custom_checks:
                if check.check == "volume_vs_last_publication":
                    volumes.update(current_volumes(con, check))
    if any(r.is_critical_failure for r in results):
        raise RuntimeError("a critical expectation failed in this run; nothing is published")
    published = suppress(frames["kpi_values"], settings.min_cell)
    # only the periods the KPIs use (the dimension of the published fact table)
    frames["periods"] = frames["periods"][frames["periods"]["period"].isin(set(published["period"]))]
    frames["kpi_values"] = published[list(types["kpi_values"])]
    digest = hashlib.sha256("\n".join(f"{s} {p}" for p, s in zip(files.file_path, files.sha256)).encode()).hexdigest()
    manifest = {
        "min_cell": settings.min_cell,
        "row_counts": {name: int(len(f)) for name, f in frames.items()},
        "suppressed_rows": int(published["is_suppressed"].sum()),
        "kpis_published": int(published["kpi_id"].nunique()),
        "input_files": {"count": int(len(files)), "digest_sha256": digest,
                        "files": files.rename(columns={"file_path": "path"}).to_dict(orient="records")},
        "checks": _checks_summary(results),
        "volumes": volumes,
    }
    public_results = _youth_free(results)
    extra = {"validation.html": lambda p: write_html(p, run_id, settings.peildatum.isoformat(), public_results,
                                                     published=True)}
    if with_docs:
        from jeugdkpi.publish.docs import generate_static_docs

        def docs(path: Path) -> None:
            try:
                generate_static_docs(path, settings, run_id)
            except Exception as exc:  # documentation must not hold back a checked publication
                path.write_text("<!DOCTYPE html><html lang='nl'><meta charset='utf-8'><title>dbt docs</title>"
                                f"<p>dbt docs konden niet worden gemaakt: {html.escape(str(exc))}</p></html>",
                                encoding="utf-8")

        extra["docs/index.html"] = docs
    snapshot = writer.publish(settings.publish, run_id=run_id, peildatum=settings.peildatum, tables=frames,
                              types=types, manifest=manifest, extra_files=extra)
    return Publication(snapshot=snapshot, manifest=writer.verify(snapshot))
