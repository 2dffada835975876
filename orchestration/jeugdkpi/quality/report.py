"""The validation results of one run as a self-contained HTML page (inline CSS, no scripts, no CDN), for
auditors: suites, expectations, severity, result and a sample of the failing rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jeugdkpi.quality.runner import ExpectationResult


@dataclass(frozen=True)
class CheckCounts:
    """How many checks of the quality gate a run evaluated and how they ended. One check (controle) is one
    expectation of a GX suite or one custom check, as recorded in audit.validation_results; the run summary, the
    validation page and the reports all count through count_checks() and word it through text()."""
    total: int
    passed: int
    critical: int   # failed with severity critical: the gate closes
    warnings: int   # failed with severity warning: published, listed in the manifest

    def text(self) -> str:
        return (f"{self.total} controles: {self.passed} geslaagd, {self.critical} kritiek mislukt, "
                f"{self.warnings} met waarschuwing")


def count_checks(results: Iterable[ExpectationResult]) -> CheckCounts:
    results = list(results)
    failed = [r for r in results if not r.success]
    critical = sum(r.severity == "critical" for r in failed)
    return CheckCounts(total=len(results), passed=len(results) - len(failed), critical=critical,
                       warnings=len(failed) - critical)


def _status(r: ExpectationResult) -> tuple[str, str]:
    if r.success:
        return "ok", "geslaagd"
    return ("critical", "MISLUKT (kritiek)") if r.severity == "critical" else ("warning", "waarschuwing")


def _row(r: ExpectationResult) -> dict:
    cls, status = _status(r)
    sample = json.dumps(r.failing_rows, ensure_ascii=False, indent=1, default=str) if r.failing_rows else ""
    return {"expectation": r.expectation, "description": r.description, "severity": r.severity, "table": r.table,
            "cls": cls, "status": status, "n_failed": r.n_failed, "sample": sample}


def render_html(run_id: str, peildatum: str, results: list[ExpectationResult], *, published: bool) -> str:
    """The page (report/templates/validation.html.j2)."""
    from jeugdkpi.report.templating import render  # here: jeugdkpi.report imports this module

    counts = count_checks(results)
    verdict = ("Poort gesloten: niets gepubliceerd" if counts.critical else
               ("Gepubliceerd" if published else "Poort open"))
    suites = [(suite, [_row(r) for r in results if r.suite == suite])
              for suite in dict.fromkeys(r.suite for r in results)]
    return render("validation.html.j2", run_id=run_id, peildatum=peildatum, counts=counts.text(), verdict=verdict,
                  suites=suites)


def write_html(path: Path, run_id: str, peildatum: str, results: list[ExpectationResult], *,
               published: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(run_id, peildatum, results, published=published), encoding="utf-8")
    return path


def validation_dir(warehouse: Path) -> Path:
    """Where every run's page is kept, also of a failed run: next to the working warehouse."""
    return warehouse.parent / "validation"
