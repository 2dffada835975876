"""The validation results of one run as a self-contained HTML page (inline CSS, no scripts, no CDN), for
auditors: suites, expectations, severity, result and a sample of the failing rows."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from jeugdkpi.quality.runner import ExpectationResult

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2733}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccd3da;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f5}.ok{color:#216e39}.warning{color:#9a6700;font-weight:600}
.critical{color:#b3261e;font-weight:700}pre{margin:0;white-space:pre-wrap;font-size:.8rem}
.summary span{margin-right:1.5rem}
"""


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


def render_html(run_id: str, peildatum: str, results: list[ExpectationResult], *, published: bool) -> str:
    counts = count_checks(results)
    verdict = ("Poort gesloten: niets gepubliceerd" if counts.critical else
               ("Gepubliceerd" if published else "Poort open"))
    parts = [f"<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'><title>Validatie {html.escape(run_id)}"
             f"</title><style>{_CSS}</style></head><body>",
             f"<h1>Kwaliteitspoort jeugdkpi &mdash; run {html.escape(run_id)}</h1>",
             f"<p class='summary'><span>Peildatum: {html.escape(peildatum)}</span>"
             f"<span>{html.escape(counts.text())}</span>"
             f"<span><strong>{html.escape(verdict)}</strong></span></p>"]
    for suite in dict.fromkeys(r.suite for r in results):
        parts.append(f"<h2>Suite {html.escape(suite)} <small>(expectations/{html.escape(suite)}.json)</small></h2>")
        parts.append("<table><tr><th>verwachting</th><th>ernst</th><th>tabel</th><th>resultaat</th>"
                     "<th>rijen fout</th><th>voorbeeld foute rijen</th></tr>")
        for r in (r for r in results if r.suite == suite):
            cls, text = _status(r)
            sample = json.dumps(r.failing_rows, ensure_ascii=False, indent=1, default=str) if r.failing_rows else ""
            desc = f"<br><small>{html.escape(r.description)}</small>" if r.description else ""
            parts.append(f"<tr><td>{html.escape(r.expectation)}{desc}</td><td>{html.escape(r.severity)}</td>"
                         f"<td>{html.escape(r.table)}</td><td class='{cls}'>{text}</td><td>{r.n_failed}</td>"
                         f"<td><pre>{html.escape(sample)}</pre></td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(path: Path, run_id: str, peildatum: str, results: list[ExpectationResult], *,
               published: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(run_id, peildatum, results, published=published), encoding="utf-8")
    return path


def validation_dir(warehouse: Path) -> Path:
    """Where every run's page is kept, also of a failed run: next to the working warehouse."""
    return warehouse.parent / "validation"
