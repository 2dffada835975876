"""Render the provider factsheet and the regional half-year report as single self-contained Dutch HTML files
(inline CSS, inline SVG, no scripts, no network) from the published, suppressed KPIs (docs/reports.md)."""

from __future__ import annotations

import datetime as dt
import html
import math
from pathlib import Path

import pandas as pd

from jeugdkpi.publish.writer import latest_dir
from jeugdkpi.quality.report import count_checks
from jeugdkpi.quality.runner import ExpectationResult
from jeugdkpi.report.data import Published, ReportError, last_half_years, load_published, parse_half_year
from jeugdkpi.report.svg import trend_svg

__all__ = ["ReportError", "render_factsheet", "render_regional", "write_report", "report_path", "format_value"]

SUPPRESSED = "onderdrukt"
NO_DATA = "geen gegevens"
CBS_SUPPRESSED = "onderdrukt door CBS (kleine aantallen)"  # a cell blanked in the CBS report itself (docs/reports.md)
UNITS = {"percentage": "%", "months": "mnd", "days": "dagen", "count": "", "score": ""}
NORM_UNITS = {"days": "dagen", "working_days": "werkdagen", "months": "maand(en)"}
THEMES = [  # (title, kpi id prefixes) in report order
    ("Uithuisplaatsingen, in één keer goed, dichtbij en leren", ("VB", "EG", "DB", "LR", "PP")),
    ("Uitkomsten (outcome) en cliënttevredenheid", ("OI", "CT")),
    ("Administratief proces (tijdigheid)", ("AP",)),
    ("Klachten en kwaliteitsgesprek", ("KL", "KG")),
    ("Aanlevering", ("AL",)),
]

CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 17pt; color: #1f4e79; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; color: #1f4e79; border-bottom: 1px solid #1f4e79; margin: 6mm 0 2mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
.meta { color: #555; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 8.8pt; }
th, td { border-bottom: 1px solid #ddd; padding: 1.2mm 1.5mm; text-align: left; vertical-align: middle; }
th { background: #eef3f8; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
.onderdrukt { color: #8a5a00; font-style: italic; }
.nee { color: #b00020; font-weight: bold; }
.ja { color: #2e7d32; }
.legend { font-size: 8pt; color: #666; }
table.matrix td:first-child { width: 55mm; }
td.note { font-size: 7.5pt; color: #666; text-align: right; }
.flag { white-space: normal; font-size: 7.5pt; color: #666; }
ul.bespreken li { margin-bottom: 1mm; }
"""


def _isnull(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _nl(v: float, decimals: int) -> str:
    text = f"{v:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_value(value, unit: str, decimals: int | None = None) -> str:
    """Dutch number format: 48,0 %, 1.234, 5,2 mnd. NULL -> 'geen gegevens' (suppression is handled apart).
    `decimals` overrides the unit's (a chart axis whose ends would otherwise read the same)."""
    if _isnull(value):
        return NO_DATA
    v = float(value)
    if unit == "count" and decimals is None:
        return _nl(v, 0 if v == int(v) else 1)
    suffix = UNITS.get(unit, "")
    return _nl(v, 1 if decimals is None else decimals) + (f" {suffix}" if suffix else "")


def _cell(row, unit: str, scope: str, kpi: str, period: str | None = None, cbs_blank: bool = False) -> str:
    """A value cell. Suppressed rows say so (never 0); a missing row says 'geen gegevens', or, when the CBS report
    arrived with cells CBS blanked for this KPI (`cbs_blank`), that CBS suppressed it. The data-* attributes
    (KPI, scope, period, unrounded value) make the report machine-checkable against kpi_values."""
    attrs = f'data-kpi="{kpi}" data-scope="{html.escape(scope)}"'
    if period:
        attrs += f' data-period="{html.escape(period)}"'
    if row is None and cbs_blank:
        return f'<td class="num onderdrukt" {attrs} data-cbs-suppressed="true">{CBS_SUPPRESSED}</td>'
    if row is None:
        return f'<td class="num" {attrs}>{NO_DATA}</td>'
    if bool(row["is_suppressed"]):
        return f'<td class="num onderdrukt" {attrs} data-suppressed="true">{SUPPRESSED}</td>'
    raw = "" if _isnull(row["value"]) else f' data-value="{float(row["value"]):.6f}"'
    flags = '<span class="flag"> (voorlopig)</span>' if bool(row["is_provisional"]) else ""
    return f'<td class="num" {attrs}{raw}>{format_value(row["value"], unit)}{flags}</td>'


class _Index:
    """Fast lookup of published rows by (kpi, period, municipality, provider) with care_form = all forms."""

    def __init__(self, kv: pd.DataFrame):
        kv = kv[kv["care_form"].isna()]
        self.rows = {}
        for rec in kv.to_dict(orient="records"):
            key = (rec["kpi_id"], rec["period"], None if _isnull(rec["municipality_code"]) else rec["municipality_code"],
                   None if _isnull(rec["provider_agb"]) else rec["provider_agb"])
            self.rows[key] = rec

    def get(self, kpi, period, municipality=None, provider=None):
        return self.rows.get((kpi, period, municipality, provider))

    def latest_target(self, kpi, municipality=None, provider=None):
        """The target of the latest year row at this grain that carries one (the warehouse sets targets on
        year rows from the target year on, none where the base-year cell is suppressed: kpi_values.sql,
        publish/suppression.py), or None."""
        years = [(p, r["target"]) for (k, p, m, a), r in self.rows.items()
                 if k == kpi and m == municipality and a == provider and len(str(p)) == 4 and not _isnull(r["target"])]
        return float(max(years)[1]) if years else None

    def values(self, kpi, periods, municipality=None, provider=None) -> list:
        out = []
        for p in periods:
            r = self.get(kpi, p, municipality, provider)
            out.append(None if r is None or bool(r["is_suppressed"]) else r["value"])
        return out


def _target_text(cat: dict, row) -> str:
    unit = cat["unit"]
    sign = "≥" if cat["direction"] == "higher" else "≤"
    parts = []
    if row is not None and not _isnull(row.get("target")):
        parts.append(f"{sign} {format_value(row['target'], unit)}")
    elif not _isnull(cat.get("target_value")):
        if cat.get("target_type") == "change_pct_vs_base":
            parts.append(f"{_nl(float(cat['target_value']), 0)} % t.o.v. {int(cat['base_year'])}")
        else:
            parts.append(f"{sign} {format_value(cat['target_value'], unit)}")
    if not _isnull(cat.get("norm_value")):
        parts.append(f"norm {_nl(float(cat['norm_value']), 0)} {NORM_UNITS.get(cat.get('norm_unit'), cat.get('norm_unit') or '')}")
    return "; ".join(parts) or "—"


def _target_row(idx: "_Index", kpi: str, period: str, municipality=None, provider=None):
    """The published row that carries the target for a half-year: its own when it has a target, otherwise
    the row of the year it belongs to (kpi-definitions: targets apply to year rows; for the running year that
    row is year-to-date and provisional). docs/reports.md."""
    row = idx.get(kpi, period, municipality, provider)
    if row is not None and not (_isnull(row["target"]) and _isnull(row["target_met"])):
        return row
    return idx.get(kpi, period[:4], municipality, provider)


def _chart(idx: "_Index", cat: dict, period: str, municipality=None, provider=None) -> dict:
    """trend_svg's target line, axis format and title for a KPI at one grain (report/svg.py, docs/reports.md).
    The line is the published target only (the half-year's own or its year's row, else the latest year row at
    the grain that has one): the report never computes a target itself, so a target that does not apply yet
    (before the target year) or whose base-year cell is suppressed draws no line."""
    kpi = cat["kpi_id"]
    row = _target_row(idx, kpi, period, municipality, provider)
    target = row["target"] if row is not None and not _isnull(row["target"]) else \
        idx.latest_target(kpi, municipality, provider)
    return {"target": target,
            "fmt": lambda v, decimals=None: format_value(v, cat["unit"], decimals), "title": f"{kpi} {cat['name_nl']}"}


def _met(row, kpi: str = "", scope: str = "") -> str:
    if row is None or bool(row["is_suppressed"]) or _isnull(row["target_met"]):
        return "<td>—</td>"
    attrs = f'data-kpi="{kpi}" data-scope="doel:{html.escape(scope)}" data-period="{html.escape(str(row["period"]))}"'
    label = "ja" if bool(row["target_met"]) else "nee"
    year = f" ({html.escape(str(row['period']))})" if len(str(row["period"])) == 4 else ""
    return f'<td class="{label}" {attrs}>{label}{year}</td>'


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def _catalogue(pub: Published) -> list[dict]:
    return pub.catalogue.sort_values("kpi_id", key=lambda s: s.map(_kpi_order)).to_dict(orient="records")


def _kpi_order(kpi_id: str) -> tuple:
    prefixes = [p for _, ps in THEMES for p in ps]
    prefix = kpi_id[:2]
    return (prefixes.index(prefix) if prefix in prefixes else len(prefixes), kpi_id)


def _theme(kpi_id: str) -> str:
    for title, prefixes in THEMES:
        if kpi_id.startswith(prefixes):
            return title
    return "Overige KPI's"


def _meta(pub: Published, period: str) -> str:
    m = pub.manifest
    return (f'<p class="meta">Periode {html.escape(period)} · peildatum gegevens {html.escape(str(m.get("peildatum")))} · '
            f'publicatie {html.escape(str(m.get("snapshot")))} (run {html.escape(str(m.get("run_id")))}) · '
            f'gemaakt {dt.date.today().isoformat()} · kleine aantallen (&lt; {m.get("min_cell")}) worden '
            f'getoond als <span class="onderdrukt">{SUPPRESSED}</span>, nooit als 0.</p>')


def _provider_name(pub: Published, agb: str) -> str:
    match = pub.providers[pub.providers["provider_agb"] == agb]
    if match.empty:
        raise ReportError(f"aanbieder {agb} staat niet in de gepubliceerde aanbiederslijst")
    return str(match.iloc[0]["name"])


DELIVERIES = {"aanbieder_template": "KPI-aanlevering (sjabloon aanbieder)", "cbs_spiegel": "CBS-spiegelrapportage"}
DELIVERY_STATUS = {"received": "ontvangen", "rejected": "afgekeurd (alleen afgekeurde bestanden)",
                   "expected": "verwacht (termijn loopt nog)", "missing": "ontbreekt (termijn verstreken)"}
CBS_OUTCOMES = ("OI01", "OI02", "OI03", "OI04", "OI05")  # measured in the CBS spiegelrapportage; OI08 = its rate


def _measurement_cell(kpi: str, cat: dict, idx: _Index, period: str, agb: str,
                      blanked: frozenset[str] = frozenset()) -> str:
    """Meetpercentage beside an outcome indicator: OI08 (measured / ended trajectories, CBS spiegelrapportage)
    of the same provider and half-year for the CBS-based OI01-OI05; the provider template (OI06, OI07) and the
    satisfaction survey (CT01, CT02 = the response itself) carry no meetpercentage."""
    scope = f"meetpercentage:{kpi}"
    if kpi in CBS_OUTCOMES:
        return _cell(idx.get("OI08", period, None, agb), "percentage", scope, "OI08", period, "OI08" in blanked)
    if cat.get("source") == "aanbieder" and kpi.startswith("OI"):
        return f'<td class="note" data-scope="{scope}">meetpercentage niet aangeleverd</td>'
    return f'<td class="note" data-scope="{scope}">—</td>'


def _delivery_status(pub: Published, agb: str, period: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The delivery-status section and its discussion points. From the published delivery_status (expected,
    received, rejected, missing per delivery); publications without it: whether the provider's own KPIs are in
    kpi_values."""
    ds = pub.delivery_status
    if ds is None:
        kv = pub.kpi_values
        delivered = kv[(kv["provider_agb"] == agb) & (kv["period"] == period)
                       & kv["source"].isin(["aanbieder", "aanlevering"])]
        status = "aangeleverd" if len(delivered) else "niet aangeleverd (geen gegevens van de aanbieder zelf)"
        html_ = f'<p data-scope="aanlevering">KPI\'s van de aanbieder: {html.escape(status)}.</p>'
        missing = [] if len(delivered) else [("aanlevering", "aanbieder",
                   f"Aanlevering ontbreekt: geen door de aanbieder aangeleverde KPI's voor {period}.")]
        return html_, missing
    rows = ds[(ds["provider_agb"] == agb) & (ds["period"] == period)].sort_values("delivery")
    if rows.empty:
        return ("<p data-scope=\"aanlevering\">Voor dit halfjaar wordt geen aanlevering van deze aanbieder "
                "verwacht (geen contract of nog geen aanleveringen in de regio).</p>", [])
    lines, missing = [], []
    for rec in rows.to_dict(orient="records"):
        name = DELIVERIES.get(rec["delivery"], rec["delivery"])
        deadline = pd.Timestamp(rec["deadline"]).strftime("%d-%m-%Y")
        received = "" if _isnull(rec["received_at"]) else pd.Timestamp(rec["received_at"]).strftime("%d-%m-%Y")
        note = " (te laat)" if bool(rec["is_late"]) else " (op tijd)" if rec["status"] == "received" else ""
        blanked = sorted(pub.cbs_suppressed(agb, period)) if rec["delivery"] == "cbs_spiegel" else []
        if blanked:
            note += f"; {CBS_SUPPRESSED}: {', '.join(blanked)}"
        lines.append(f'<tr><td>{html.escape(name)}</td><td data-delivery="{html.escape(rec["delivery"])}" '
                     f'data-status="{html.escape(rec["status"])}">{html.escape(DELIVERY_STATUS.get(rec["status"], rec["status"]))}'
                     f'{note}</td><td>{deadline}</td><td>{received or "—"}</td>'
                     f'<td class="num">{int(rec["n_rejected"])}</td></tr>')
        if rec["status"] in ("missing", "rejected"):
            missing.append(("aanlevering", rec["delivery"],
                            f"Aanlevering {DELIVERY_STATUS[rec['status']]}: {name} voor {period} "
                            f"(termijn {deadline})."))
    table = ('<table data-scope="aanlevering"><thead><tr><th>Aanlevering</th><th>Status</th><th>Termijn</th>'
             "<th>Ontvangen</th><th>Afgekeurde bestanden</th></tr></thead><tbody>" + "".join(lines)
             + "</tbody></table>")
    return table, missing


def render_factsheet(pub: Published, agb: str, period: str) -> str:
    parse_half_year(period)
    period = period.upper()
    name = _provider_name(pub, agb)
    trend = last_half_years(period)
    idx = _Index(pub.kpi_values)
    blanked = {p: pub.cbs_suppressed(agb, p) for p in trend}  # CBS-blanked KPIs: received, not missing
    cats = [c for c in _catalogue(pub)
            if any(idx.get(c["kpi_id"], p, None, agb) or c["kpi_id"] in blanked[p] for p in trend)]
    body = [f"<h1>Factsheet {html.escape(name)}</h1>",
            f"<p>AGB-code {html.escape(agb)} · Gesprek contractmanagement: het verhaal achter de cijfers</p>",
            _meta(pub, period)]
    discuss: list[str] = []
    current_theme = None
    for cat in cats:
        kpi, unit = cat["kpi_id"], cat["unit"]
        theme = _theme(kpi)
        if theme != current_theme:
            if current_theme is not None:
                body.append("</tbody></table>")
            current_theme = theme
            late = kpi.startswith("AP")
            outcome = kpi.startswith(("OI", "CT"))
            body.append(f"<h2>{html.escape(theme)}</h2><table><thead><tr><th>KPI</th><th>Aanbieder</th>"
                        "<th>Regio</th><th>Doel / norm</th><th>Doel gehaald</th><th>n</th>"
                        + ("<th>Te laat</th>" if late else "")
                        + ("<th>Meetpercentage</th>" if outcome else "")
                        + '<th>Trend (4 halfjaren)</th></tr></thead><tbody>')
        row = idx.get(kpi, period, None, agb)
        region = idx.get(kpi, period, None, None)
        trow = _target_row(idx, kpi, period, None, agb)
        n = "—" if row is None or bool(row["is_suppressed"]) or _isnull(row["n_youths"]) else _nl(float(row["n_youths"]), 0)
        cells = [f"<td>{html.escape(kpi)} {html.escape(cat['name_nl'])}</td>",
                 _cell(row, unit, "aanbieder", kpi, period, kpi in blanked[period]),
                 _cell(region, unit, "regio", kpi, period),
                 f"<td>{html.escape(_target_text(cat, trow))}</td>", _met(trow, kpi, "aanbieder"),
                 f'<td class="num n" data-kpi="{kpi}" data-scope="n">{n}</td>']
        if kpi.startswith("AP"):
            if row is not None and not bool(row["is_suppressed"]) and not _isnull(row["denominator"]) \
                    and not _isnull(row["numerator"]):
                late_n = float(row["denominator"]) - float(row["numerator"])
                cells.append(f'<td class="num" data-kpi="{kpi}" data-scope="te_laat">{_nl(late_n, 0)}</td>')
            else:
                cells.append(f'<td class="num">{SUPPRESSED if row is not None and bool(row["is_suppressed"]) else "—"}</td>')
        if kpi.startswith(("OI", "CT")):
            cells.append(_measurement_cell(kpi, cat, idx, period, agb, blanked[period]))
        svg = trend_svg(trend, [("aanbieder", idx.values(kpi, trend, None, agb), "main"),
                                ("regio", idx.values(kpi, trend, None, None), "ref")],
                        **_chart(idx, cat, period, None, agb))
        cells.append(f"<td>{svg}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
        label = f"{kpi} {cat['name_nl']}"
        if row is None and kpi not in blanked[period]:  # delivered in one of the last four half-years, not this one
            discuss.append(("ontbreekt", kpi, f"Gegevens ontbreken voor {period}: {label}."))
        if trow is not None and not bool(trow["is_suppressed"]) and not _isnull(trow["target_met"]) \
                and not bool(trow["target_met"]):
            when = f" in {trow['period']}" + (" (tot nu toe)" if bool(trow["is_provisional"]) else "") \
                if trow["period"] != period else ""
            discuss.append(("doel", kpi, f"Doel niet gehaald: {label}: {format_value(trow['value'], unit)}{when} "
                                         f"(doel {_target_text(cat, trow)})."))
    if current_theme is not None:
        body.append("</tbody></table>")
    else:
        body.append(f"<p>Geen gepubliceerde KPI's voor deze aanbieder in {', '.join(trend)}.</p>")
    body.append('<p class="legend">Trend: doorgetrokken lijn = aanbieder, gestippeld = regio, oranje streepjes = '
                'doel (van de aanbieder); de as loopt van de laagste tot de hoogste getoonde waarde; een gat = '
                'onderdrukt of geen gegevens. Te laat = noemer − teller. Doelen gelden voor jaren: "Doel gehaald" '
                'gebruikt het jaar van het halfjaar (lopend jaar: tot nu toe, voorlopig). Meetpercentage = OI08 '
                '(gemeten ÷ beëindigde trajecten, CBS-spiegelrapportage) van deze aanbieder en dit halfjaar.</p>')
    body.append(f"<h2>Aanleverstatus {html.escape(period)}</h2>")
    status_html, missing = _delivery_status(pub, agb, period)
    body.append(status_html)
    discuss.extend(missing)
    body.append("<h2>Te bespreken</h2>")
    body.append('<ul class="bespreken">' + "".join(
        f'<li data-kind="{kind}" data-item="{html.escape(item)}">{html.escape(text)}</li>'
        for kind, item, text in discuss) + "</ul>" if discuss else "<p>Geen gemiste doelen of ontbrekende gegevens.</p>")
    return _page(f"Factsheet {name} {period}", "\n".join(body))


MATRIX_COLUMNS = 5  # members per table, so a matrix fits the A4 width; more members -> more tables


def _matrix(pub: Published, idx: _Index, period: str, cats: list[dict], members: list[tuple[str, str]],
            by: str) -> str:
    if len(members) > MATRIX_COLUMNS:  # balanced: 6 -> 3 + 3, 11 -> 4 + 4 + 3
        size = math.ceil(len(members) / math.ceil(len(members) / MATRIX_COLUMNS))
        return "".join(_matrix(pub, idx, period, cats, members[i:i + size], by)
                       for i in range(0, len(members), size))
    rows = []
    for cat in cats:
        kpi = cat["kpi_id"]
        got = [idx.get(kpi, period, *((code, None) if by == "gemeente" else (None, code))) for code, _ in members]
        blank = [by == "aanbieder" and kpi in pub.cbs_suppressed(code, period) for code, _ in members]
        if not any(got) and not any(blank):
            continue
        rows.append(f"<tr><td>{html.escape(kpi)} {html.escape(cat['name_nl'])}</td>"
                    + "".join(_cell(r, cat["unit"], f"{by}:{code}", kpi, period, b)
                              for r, b, (code, _) in zip(got, blank, members))
                    + "</tr>")
    if not rows:
        return f"<p>Geen KPI's per {by} in {period}.</p>"
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in members)
    return f'<table class="matrix"><thead><tr><th>KPI</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _quality(pub: Published) -> str:
    m = pub.manifest
    checks = m.get("checks", {})
    files = m.get("input_files", {})
    parts = ["<h2>Datakwaliteit van deze publicatie</h2><ul>",
             f"<li>Kwaliteitspoort: {'geslaagd' if checks.get('passed') else 'niet geslaagd'} "
             f"({html.escape(count_checks(ExpectationResult(**r) for r in checks.get('results', [])).text())}).</li>",
             f"<li>Invoerbestanden: {files.get('count', 0)}.</li>",
             f"<li>Rijen in kpi_values: {m.get('row_counts', {}).get('kpi_values', 0)}, waarvan "
             f"{m.get('suppressed_rows', 0)} onderdrukt (minder dan {m.get('min_cell')}).</li></ul>"]
    warnings = checks.get("warnings", [])
    if warnings:
        parts.append("<h3>Waarschuwingen</h3><ul>" + "".join(
            f"<li>{html.escape(str(w.get('expectation')))} ({html.escape(str(w.get('table')))}, "
            f"{w.get('n_failed')} rijen): {html.escape(str(w.get('description') or ''))}</li>" for w in warnings)
            + "</ul>")
    parts.append("<p>Details: validation.html in de publicatie.</p>")
    return "".join(parts)


def render_regional(pub: Published, period: str) -> str:
    parse_half_year(period)
    period = period.upper()
    trend = last_half_years(period)
    idx = _Index(pub.kpi_values)
    cats = [c for c in _catalogue(pub) if any(idx.get(c["kpi_id"], p) for p in trend)]
    region = pub.municipalities["region"].dropna().iloc[0] if len(pub.municipalities) else "regio"
    body = [f"<h1>Halfjaarrapportage jeugdhulpregio {html.escape(str(region))}</h1>", _meta(pub, period),
            "<h2>Alle KPI's voor de regio</h2><table><thead><tr><th>KPI</th><th>Regio</th><th>Doel / norm</th>"
            "<th>Doel gehaald</th><th>n</th><th>Trend (4 halfjaren)</th></tr></thead><tbody>"]
    for cat in cats:
        kpi = cat["kpi_id"]
        row = idx.get(kpi, period)
        trow = _target_row(idx, kpi, period)
        n = "—" if row is None or bool(row["is_suppressed"]) or _isnull(row["n_youths"]) else _nl(float(row["n_youths"]), 0)
        body.append(f"<tr><td>{html.escape(kpi)} {html.escape(cat['name_nl'])}</td>{_cell(row, cat['unit'], 'regio', kpi, period)}"
                    f"<td>{html.escape(_target_text(cat, trow))}</td>{_met(trow, kpi, 'regio')}<td class=\"num\">{n}</td>"
                    f"<td>{trend_svg(trend, [('regio', idx.values(kpi, trend), 'main')], **_chart(idx, cat, period))}</td></tr>")
    body.append("</tbody></table>")
    kv = pub.kpi_values[(pub.kpi_values["period"] == period) & pub.kpi_values["care_form"].isna()]
    munis = sorted(set(kv["municipality_code"].dropna()))
    names = dict(zip(pub.municipalities["municipality_code"], pub.municipalities["name"]))
    body.append(f"<h2>Per gemeente ({html.escape(period)})</h2>")
    body.append(_matrix(pub, idx, period, cats, [(m, names.get(m, m)) for m in munis], "gemeente"))
    provs = sorted(set(kv["provider_agb"].dropna()))
    pnames = dict(zip(pub.providers["provider_agb"], pub.providers["name"]))
    body.append(f"<h2>Per aanbieder ({html.escape(period)})</h2>")
    body.append('<p class="legend">' + " · ".join(f"{html.escape(p)} = {html.escape(str(pnames.get(p, p)))}"
                                                    for p in provs) + "</p>")
    body.append(_matrix(pub, idx, period, cats, [(p, p) for p in provs], "aanbieder"))
    body.append(_quality(pub))
    return _page(f"Halfjaarrapportage {region} {period}", "\n".join(body))


def report_path(publish_root: Path, period: str, agb: str | None = None) -> Path:
    """Default location: <publish>/reports/<period>/ (outside the immutable snapshots; docs/reports.md)."""
    period = period.upper()
    name = f"factsheet_{agb}_{period}.html" if agb else f"regio_{period}.html"
    return Path(publish_root) / "reports" / period / name


def write_report(publish_root: Path, period: str, agb: str | None = None, out: Path | None = None) -> Path:
    # the half-year's own latest publication when it has one (a newer half-year may be current)
    pub = load_published(publish_root, latest_dir(Path(publish_root), period.upper()))
    text = render_factsheet(pub, agb, period) if agb else render_regional(pub, period)
    target = Path(out) if out else report_path(publish_root, period, agb)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)  # a reader never sees a half-written report
    return target
