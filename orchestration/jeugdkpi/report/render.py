"""Render the provider factsheet and the regional half-year report as single self-contained Dutch HTML files
(inline CSS, inline SVG, no scripts, no network) from the published, suppressed KPIs (docs/reports.md)."""

from __future__ import annotations

import datetime as dt
import html
import math
from pathlib import Path

import pandas as pd

from jeugdkpi.report.data import Published, ReportError, last_half_years, load_published, parse_half_year
from jeugdkpi.report.svg import trend_svg

__all__ = ["ReportError", "render_factsheet", "render_regional", "write_report", "report_path", "format_value"]

SUPPRESSED = "onderdrukt"
NO_DATA = "geen gegevens"
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
ul.bespreken li { margin-bottom: 1mm; }
"""


def _isnull(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _nl(v: float, decimals: int) -> str:
    text = f"{v:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_value(value, unit: str) -> str:
    """Dutch number format: 48,0 %, 1.234, 5,2 mnd. NULL -> 'geen gegevens' (suppression is handled apart)."""
    if _isnull(value):
        return NO_DATA
    v = float(value)
    if unit == "count":
        return _nl(v, 0 if v == int(v) else 1)
    suffix = UNITS.get(unit, "")
    return _nl(v, 1) + (f" {suffix}" if suffix else "")


def _cell(row, unit: str, scope: str, kpi: str) -> str:
    """A value cell. Suppressed rows say so (never 0); a missing row says 'geen gegevens'."""
    attrs = f'data-kpi="{kpi}" data-scope="{html.escape(scope)}"'
    if row is None:
        return f'<td class="num" {attrs}>{NO_DATA}</td>'
    if bool(row["is_suppressed"]):
        return f'<td class="num onderdrukt" {attrs} data-suppressed="true">{SUPPRESSED}</td>'
    raw = "" if _isnull(row["value"]) else f' data-value="{float(row["value"]):.6f}"'
    flags = " (voorlopig)" if bool(row["is_provisional"]) else ""
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


def _met(row) -> str:
    if row is None or bool(row["is_suppressed"]) or _isnull(row["target_met"]):
        return "<td>—</td>"
    return '<td class="ja">ja</td>' if bool(row["target_met"]) else '<td class="nee">nee</td>'


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


def render_factsheet(pub: Published, agb: str, period: str) -> str:
    parse_half_year(period)
    period = period.upper()
    name = _provider_name(pub, agb)
    trend = last_half_years(period)
    idx = _Index(pub.kpi_values)
    cats = [c for c in _catalogue(pub) if any(idx.get(c["kpi_id"], p, None, agb) for p in trend)]
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
            body.append(f"<h2>{html.escape(theme)}</h2><table><thead><tr><th>KPI</th><th>Aanbieder</th>"
                        "<th>Regio</th><th>Doel / norm</th><th>Doel gehaald</th><th>n</th>"
                        + ("<th>Te laat</th>" if late else "")
                        + '<th>Trend (4 halfjaren)</th></tr></thead><tbody>')
        row = idx.get(kpi, period, None, agb)
        region = idx.get(kpi, period, None, None)
        n = "—" if row is None or bool(row["is_suppressed"]) or _isnull(row["n_youths"]) else _nl(float(row["n_youths"]), 0)
        cells = [f"<td>{html.escape(kpi)} {html.escape(cat['name_nl'])}</td>", _cell(row, unit, "aanbieder", kpi),
                 _cell(region, unit, "regio", kpi), f"<td>{html.escape(_target_text(cat, row))}</td>", _met(row),
                 f'<td class="num">{n}</td>']
        if kpi.startswith("AP"):
            if row is not None and not bool(row["is_suppressed"]) and not _isnull(row["denominator"]) \
                    and not _isnull(row["numerator"]):
                late_n = float(row["denominator"]) - float(row["numerator"])
                cells.append(f'<td class="num" data-kpi="{kpi}" data-scope="te_laat">{_nl(late_n, 0)}</td>')
            else:
                cells.append(f'<td class="num">{SUPPRESSED if row is not None and bool(row["is_suppressed"]) else "—"}</td>')
        svg = trend_svg(trend, [("aanbieder", idx.values(kpi, trend, None, agb), "main"),
                                ("regio", idx.values(kpi, trend, None, None), "ref")])
        cells.append(f"<td>{svg}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
        label = f"{kpi} {cat['name_nl']}"
        if row is None:
            discuss.append(f"Gegevens ontbreken voor {period}: {label}.")
        elif bool(row["is_suppressed"]):
            discuss.append(f"{label}: {SUPPRESSED} in {period} (te kleine aantallen om te tonen).")
        elif not _isnull(row["target_met"]) and not bool(row["target_met"]):
            discuss.append(f"Doel niet gehaald: {label}: {format_value(row['value'], unit)} "
                           f"(doel {_target_text(cat, row)}).")
    if current_theme is not None:
        body.append("</tbody></table>")
    else:
        body.append(f"<p>Geen gepubliceerde KPI's voor deze aanbieder in {', '.join(trend)}.</p>")
    body.append('<p class="legend">Trend: doorgetrokken lijn = aanbieder, gestippeld = regio; een gat = '
                'onderdrukt of geen gegevens. Te laat = noemer − teller.</p>')
    delivered = pub.kpi_values[(pub.kpi_values["provider_agb"] == agb) & (pub.kpi_values["period"] == period)
                               & pub.kpi_values["source"].isin(["aanbieder", "aanlevering"])]
    status = "aangeleverd" if len(delivered) else "niet aangeleverd (geen gegevens van de aanbieder zelf)"
    body.append(f"<h2>Aanleverstatus {html.escape(period)}</h2><p data-scope=\"aanlevering\">KPI's van de aanbieder: "
                f"{html.escape(status)}.</p>")
    if not len(delivered):
        discuss.append(f"Aanlevering ontbreekt: geen door de aanbieder aangeleverde KPI's voor {period}.")
    body.append("<h2>Te bespreken</h2>")
    body.append('<ul class="bespreken">' + "".join(f"<li>{html.escape(d)}</li>" for d in discuss) + "</ul>"
                if discuss else "<p>Geen gemiste doelen of ontbrekende gegevens.</p>")
    return _page(f"Factsheet {name} {period}", "\n".join(body))


def _matrix(pub: Published, idx: _Index, period: str, cats: list[dict], members: list[tuple[str, str]],
            by: str) -> str:
    rows = []
    for cat in cats:
        kpi = cat["kpi_id"]
        got = [idx.get(kpi, period, *((code, None) if by == "gemeente" else (None, code))) for code, _ in members]
        if not any(got):
            continue
        rows.append(f"<tr><td>{html.escape(kpi)} {html.escape(cat['name_nl'])}</td>"
                    + "".join(_cell(r, cat["unit"], f"{by}:{code}", kpi) for r, (code, _) in zip(got, members))
                    + "</tr>")
    if not rows:
        return f"<p>Geen KPI's per {by} in {period}.</p>"
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in members)
    return f"<table><thead><tr><th>KPI</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _quality(pub: Published) -> str:
    m = pub.manifest
    checks = m.get("checks", {})
    files = m.get("input_files", {})
    parts = ["<h2>Datakwaliteit van deze publicatie</h2><ul>",
             f"<li>Kwaliteitspoort: {'geslaagd' if checks.get('passed') else 'niet geslaagd'} "
             f"({checks.get('n_expectations', 0)} controles, {len(checks.get('critical_failures', []))} kritieke "
             f"fouten, {len(checks.get('warnings', []))} waarschuwingen).</li>",
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
        n = "—" if row is None or bool(row["is_suppressed"]) or _isnull(row["n_youths"]) else _nl(float(row["n_youths"]), 0)
        body.append(f"<tr><td>{html.escape(kpi)} {html.escape(cat['name_nl'])}</td>{_cell(row, cat['unit'], 'regio', kpi)}"
                    f"<td>{html.escape(_target_text(cat, row))}</td>{_met(row)}<td class=\"num\">{n}</td>"
                    f"<td>{trend_svg(trend, [('regio', idx.values(kpi, trend), 'main')])}</td></tr>")
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
    pub = load_published(publish_root)
    text = render_factsheet(pub, agb, period) if agb else render_regional(pub, period)
    target = Path(out) if out else report_path(publish_root, period, agb)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)  # a reader never sees a half-written report
    return target
