"""Reports from the published KPIs (docs/reports.md): the provider factsheet and the regional half-year report."""

from jeugdkpi.report.render import ReportError, render_factsheet, render_regional, write_report

__all__ = ["ReportError", "render_factsheet", "render_regional", "write_report"]
