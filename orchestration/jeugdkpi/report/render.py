"""Render the provider factsheet and the regional half-year report as single self-contained Dutch HTML files
(inline CSS, inline SVG, no scripts, no network) from the published, suppressed KPIs (docs/reports.md).

This module chooses what a report shows; the markup is in templates/ (Jinja2, autoescaped): factsheet.html.j2,
regional.html.j2 and the fragments they share. KPI metadata (name, unit, direction, target, chapter) comes from
the published kpi_catalogue."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from jeugdkpi import outlook, periods
from jeugdkpi.publish.writer import latest_dir
from jeugdkpi.quality.report import count_checks
from jeugdkpi.quality.runner import ExpectationResult
from jeugdkpi.report.data import Published, ReportError, last_half_years, load_published, parse_half_year
from jeugdkpi.report.svg import outlook_svg, trend_svg
from jeugdkpi.report.templating import render

__all__ = ["ReportError", "render_factsheet", "render_regional", "write_report", "report_path", "save", "format_value"]

SUPPRESSED = "onderdrukt"
NO_DATA = "geen gegevens"
CBS_SUPPRESSED = "onderdrukt door CBS (kleine aantallen)"  # a cell blanked in the CBS report itself (docs/reports.md)
UNITS = {"percentage": "%", "months": "mnd", "days": "dagen", "count": "", "score": ""}  # unit code -> suffix
NORM_UNITS = {"days": "dagen", "working_days": "werkdagen", "months": "maand(en)"}
OTHER_CHAPTER = "Overige KPI's"  # catalogue rows without theme_title, after the numbered chapters
# catalogue `theme` codes whose chapter gets an extra column: timeliness KPIs count items on time (te laat =
# noemer - teller), outcome KPIs stand beside the provider's meetpercentage
TIMELINESS_THEME, OUTCOME_THEME = "administratief-proces", "kwaliteit"
MEASUREMENT_KPI = "OI08"  # meetpercentage: measured / ended trajectories (CBS spiegelrapportage)


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


def _cell(row, unit: str, scope: str, kpi: str, period: str | None = None, cbs_blank: bool = False) -> dict:
    """A value cell (the macro `cell` in _cells.html.j2). Suppressed rows say so (never 0); a missing row says
    'geen gegevens', or, when the CBS report arrived with cells CBS blanked for this KPI (`cbs_blank`), that CBS
    suppressed it."""
    cell = {"kpi": kpi, "scope": scope, "period": period}
    if row is None:
        return cell | ({"kind": "cbs", "text": CBS_SUPPRESSED} if cbs_blank else {"kind": "none", "text": NO_DATA})
    if bool(row["is_suppressed"]):
        return cell | {"kind": "suppressed", "text": SUPPRESSED}
    return cell | {"kind": "value", "text": format_value(row["value"], unit),
                   "provisional": bool(row["is_provisional"]),
                   "raw": None if _isnull(row["value"]) else f"{float(row['value']):.6f}"}


class _Index:
    """Fast lookup of published rows by (kpi, period, municipality, provider) with care_form = all forms."""

    def __init__(self, kv: pd.DataFrame):
        kv = kv[kv["care_form"].isna()]
        self.rows = {}
        for rec in kv.to_dict(orient="records"):
            key = (rec["kpi_id"], rec["period"],
                   None if _isnull(rec["municipality_code"]) else rec["municipality_code"],
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


# the verdict's CSS class (_page.html.j2): green, amber, red, grey
VERDICT_CLASS = {outlook.OP_KOERS: "op-koers", outlook.ONZEKER: "onzeker", outlook.NIET_OP_KOERS: "niet-op-koers",
                 outlook.TE_WEINIG: "geen-oordeel", outlook.GEEN_DOEL: "geen-oordeel"}


def _grain(frame: pd.DataFrame, municipality=None, provider=None) -> pd.DataFrame:
    m = frame["municipality_code"].isna() if municipality is None else frame["municipality_code"] == municipality
    a = frame["provider_agb"].isna() if provider is None else frame["provider_agb"] == provider
    return frame[m & a]


def _series_periods(first: str, last: str, yearly: bool) -> list[str]:
    """The periods of an outlook's series, first to last (years, or half-years)."""
    if yearly:
        return [str(y) for y in range(int(first), int(last) + 1)]
    (first_year, first_half), (last_year, last_half) = periods.parse_half_year(first), periods.parse_half_year(last)
    return periods.last_half_years(last, 2 * (last_year - first_year) + last_half - first_half + 1)


def _outlooks(pub: Published, idx: _Index, period: str, cats: list[dict], municipality=None,
              provider=None) -> list[dict]:
    """Per KPI with an outlook at this grain in this half-year's publication (kpi_outlook, docs/outlook.md): the
    published target, the projection with its 80 % interval, the verdict, the previous half-year's verdict (how the
    outlook moved) and the chart. In report order; none when the publication has no outlook table."""
    table = pub.outlook
    if table is None or table.empty:
        return []
    table = _grain(table, municipality, provider)
    here = {r["kpi_id"]: r for r in table[table["period"] == period].to_dict(orient="records")}
    earlier = table[table["period"] < period].sort_values("period")
    previous = {r["kpi_id"]: r for r in earlier.to_dict(orient="records")}  # the latest earlier half-year wins
    rows = []
    for cat in cats:
        kpi = cat["kpi_id"]
        if kpi not in here or not here[kpi]["n_points"]:
            continue  # no value at all at this grain (every cell suppressed or absent): nothing to look ahead from
        r, unit = here[kpi], cat["unit"]

        def fmt(v, decimals=None, unit=unit):
            return format_value(v, unit, decimals)
        yearly = r["series"] == "jaar"
        history = [] if _isnull(r["first_period"]) else \
            [(p, v) for p in _series_periods(str(r["first_period"]), str(r["last_period"]), yearly)
             for v in idx.values(kpi, [p], municipality, provider)]
        projection = None
        if not _isnull(r["projected_value"]):
            projection = {"last_time": outlook.period_time(str(r["last_period"])),
                          "fit_last": float(r["trend_at_last_period"]), "time": int(r["target_year"]) + 0.5,
                          "value": float(r["projected_value"]), "lower": float(r["lower_80"]),
                          "upper": float(r["upper_80"]), "label": str(int(r["target_year"])),
                          "left_out": [] if _isnull(r["left_out"]) else str(r["left_out"]).split(",")}
        target = None if _isnull(r["target"]) else float(r["target"])
        sign = "≥" if cat["direction"] == "higher" else "≤"
        prev = previous.get(kpi)
        rows.append({
            "kpi": kpi, "name": cat["name_nl"], "series": "jaarwaarden" if yearly else "halfjaarwaarden",
            "target": "—" if target is None else f"{sign} {fmt(target)} ({int(r['target_year'])})",
            "projection": None if projection is None else {
                "value": fmt(projection["value"]), "lower": fmt(projection["lower"]),
                "upper": fmt(projection["upper"]), "raw": f"{projection['value']:.6f}"},
            "verdict": r["verdict"], "verdict_class": VERDICT_CLASS.get(r["verdict"], "geen-oordeel"),
            "n": int(r["n_points"]), "left_out": projection["left_out"] if projection else [],
            "previous": None if prev is None else {"verdict": prev["verdict"], "period": prev["period"],
                                                    "class": VERDICT_CLASS.get(prev["verdict"], "geen-oordeel")},
            "svg": outlook_svg(history, projection=projection, target=target, fmt=fmt,
                               title=f"{kpi} {cat['name_nl']}")})
    return rows


# kpi_benchmark status -> what a cell says when there is no value (docs/benchmark.md); a value with status
# 'afgerond' gets a note that CBS rounded it
CBS_STATUS_TEXT = {"onderdrukt": "onderdrukt door CBS", "niet gepubliceerd": "niet door CBS gepubliceerd",
                   "n.v.t.": "—"}


def _cbs_cell(value, status, unit: str, kpi: str, scope: str) -> dict:
    """A CBS reference value (kpi_benchmark): the value, or why there is none - never 0 for a withheld cell."""
    cell = {"kpi": kpi, "scope": scope, "status": "" if _isnull(status) else str(status)}
    if _isnull(value):
        return cell | {"kind": "none", "text": CBS_STATUS_TEXT.get(cell["status"], NO_DATA)}
    return cell | {"kind": "value", "text": format_value(value, unit), "raw": f"{float(value):.6f}",
                   "rounded": cell["status"] == "afgerond"}


def _benchmark(pub: Published, idx: _Index, period: str, cats: list[dict], municipalities: list[tuple[str, str]]
               ) -> dict | None:
    """The region beside CBS (kpi_benchmark, docs/benchmark.md) for the half-year: per comparable KPI the region's
    own value, CBS's value for the region and the Netherlands, the CBS period (CBS lags) and status and how far the
    definitions differ; and per municipality its own value beside CBS's. None without the table or rows."""
    bm = pub.benchmark
    if bm is None or bm.empty:
        return None
    bm = bm[bm["period"] == period]
    by_key = {(r["kpi_id"], None if _isnull(r["municipality_code"]) else r["municipality_code"]): r
              for r in bm.to_dict(orient="records")}
    rows, matrix = [], []
    for cat in cats:
        kpi, unit = cat["kpi_id"], cat["unit"]
        region = by_key.get((kpi, None))
        if region is None:
            continue
        status = "" if _isnull(region["cbs_status"]) else str(region["cbs_status"])
        rows.append({"kpi": kpi, "name": cat["name_nl"],
                     "own": _cell(idx.get(kpi, period), unit, "regio", kpi, period),
                     "region": _cbs_cell(region["value_region"], region["status_region"], unit, kpi, "cbs:regio"),
                     "nl": _cbs_cell(region["value_nl"], region["status_nl"], unit, kpi, "cbs:nl"),
                     "cbs_period": "—" if _isnull(region["cbs_period"]) else str(region["cbs_period"]),
                     "lag": not _isnull(region["cbs_period"]) and str(region["cbs_period"]) != period,
                     "cbs_status": status, "source": f"{region['cbs_table']} {region['cbs_measure']}",
                     "comparison": "" if _isnull(region["comparison"]) else str(region["comparison"])})
        if not any((kpi, code) in by_key for code, _ in municipalities):
            continue  # a KPI without municipality rows (OI01: per provider) has no municipality comparison
        cells = []
        for code, _ in municipalities:
            r = by_key.get((kpi, code))
            cells.append({"own": _cell(idx.get(kpi, period, code), unit, f"gemeente:{code}", kpi, period),
                          "cbs": _cbs_cell(None if r is None else r["value_municipality"],
                                           "niet gepubliceerd" if r is None else r["status_municipality"],
                                           unit, kpi, f"cbs:gemeente:{code}")})
        matrix.append({"kpi": kpi, "name": cat["name_nl"], "cells": cells})
    if not rows:
        return None
    chunks, start = [], 0
    for part in _balanced(municipalities) if municipalities and matrix else []:
        chunks.append({"members": part, "rows": [{**m, "cells": m["cells"][start:start + len(part)]} for m in matrix]})
        start += len(part)
    return {"rows": rows, "chunks": chunks}


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
        norm_unit = NORM_UNITS.get(cat.get("norm_unit"), cat.get("norm_unit") or "")
        parts.append(f"norm {_nl(float(cat['norm_value']), 0)} {norm_unit}")
    return "; ".join(parts) or "—"


def _target_row(idx: _Index, kpi: str, period: str, municipality=None, provider=None):
    """The published row that carries the target for a half-year: its own when it has a target, otherwise
    the row of the year it belongs to (kpi-definitions: targets apply to year rows; for the running year that
    row is year-to-date and provisional). docs/reports.md."""
    row = idx.get(kpi, period, municipality, provider)
    if row is not None and not (_isnull(row["target"]) and _isnull(row["target_met"])):
        return row
    return idx.get(kpi, period[:4], municipality, provider)


def _chart(idx: _Index, cat: dict, period: str, municipality=None, provider=None) -> dict:
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


def _met(row) -> dict | None:
    """"Doel gehaald" of the row carrying the target (the macro `met`), None when there is nothing to judge."""
    if row is None or bool(row["is_suppressed"]) or _isnull(row["target_met"]):
        return None
    return {"label": "ja" if bool(row["target_met"]) else "nee", "period": str(row["period"]),
            "year": len(str(row["period"])) == 4}


def _n(row) -> str:
    if row is None or bool(row["is_suppressed"]) or _isnull(row["n_youths"]):
        return "—"
    return _nl(float(row["n_youths"]), 0)


def _catalogue(pub: Published) -> list[dict]:
    """The catalogue's KPIs in report order: by chapter (theme_order, rows without one last), within a chapter
    in the catalogue's own order."""
    cats = pub.catalogue.reset_index(drop=True).to_dict(orient="records")
    return [cat for _, cat in sorted(enumerate(cats), key=lambda ic: (_theme_order(ic[1]), ic[0]))]


def _theme_order(cat: dict) -> float:
    order = cat.get("theme_order")
    return math.inf if _isnull(order) or order == "" else float(order)


def _chapters(cats: list[dict]) -> list[tuple[str, list[dict]]]:
    """(theme_title, KPIs) per chapter, in report order (`cats` from _catalogue)."""
    chapters: list[tuple[str, list[dict]]] = []
    for cat in cats:
        title = OTHER_CHAPTER if _isnull(cat.get("theme_title")) else str(cat["theme_title"])
        if not chapters or chapters[-1][0] != title:
            chapters.append((title, []))
        chapters[-1][1].append(cat)
    return chapters


def _meta(pub: Published, period: str) -> dict:
    m = pub.manifest
    return {"period": period, "peildatum": str(m.get("peildatum")), "snapshot": str(m.get("snapshot")),
            "run_id": str(m.get("run_id")), "today": dt.date.today().isoformat(), "min_cell": m.get("min_cell"),
            "suppressed": SUPPRESSED}


def _provider_name(pub: Published, agb: str) -> str:
    match = pub.providers[pub.providers["provider_agb"] == agb]
    if match.empty:
        raise ReportError(f"aanbieder {agb} staat niet in de gepubliceerde aanbiederslijst")
    return str(match.iloc[0]["name"])


DELIVERIES = {"aanbieder_template": "KPI-aanlevering (sjabloon aanbieder)", "cbs_spiegel": "CBS-spiegelrapportage"}
DELIVERY_STATUS = {"received": "ontvangen", "rejected": "afgekeurd (alleen afgekeurde bestanden)",
                   "expected": "verwacht (termijn loopt nog)", "missing": "ontbreekt (termijn verstreken)"}


def _measurement_cell(cat: dict, idx: _Index, period: str, agb: str, blanked: frozenset[str] = frozenset()) -> dict:
    """Meetpercentage beside an outcome indicator: OI08 (measured / ended trajectories, CBS spiegelrapportage)
    of the same provider and half-year for the other outcomes from the CBS spiegelrapportage (OI01-OI05); the
    provider template's outcomes (OI06, OI07) and the satisfaction survey (CT01, CT02 = the response itself)
    carry no meetpercentage."""
    kpi = cat["kpi_id"]
    scope = f"meetpercentage:{kpi}"
    if cat.get("source") == "cbs_spiegel" and kpi != MEASUREMENT_KPI:
        return _cell(idx.get(MEASUREMENT_KPI, period, None, agb), "percentage", scope, MEASUREMENT_KPI, period,
                     MEASUREMENT_KPI in blanked)
    if cat.get("source") == "aanbieder" and kpi.startswith("OI"):
        return {"kind": "note", "scope": scope, "text": "meetpercentage niet aangeleverd"}
    return {"kind": "note", "scope": scope, "text": "—"}


def _delivery_status(pub: Published, agb: str, period: str) -> tuple[dict, list[tuple[str, str, str]]]:
    """The delivery-status section and its discussion points. From the published delivery_status (expected,
    received, rejected, missing per delivery); publications without it: whether the provider's own KPIs are in
    kpi_values."""
    ds = pub.delivery_status
    if ds is None:
        kv = pub.kpi_values
        delivered = kv[(kv["provider_agb"] == agb) & (kv["period"] == period)
                       & kv["source"].isin(["aanbieder", "aanlevering"])]
        status = "aangeleverd" if len(delivered) else "niet aangeleverd (geen gegevens van de aanbieder zelf)"
        missing = [] if len(delivered) else [("aanlevering", "aanbieder",
                   f"Aanlevering ontbreekt: geen door de aanbieder aangeleverde KPI's voor {period}.")]
        return {"kind": "kpis", "status": status}, missing
    rows = ds[(ds["provider_agb"] == agb) & (ds["period"] == period)].sort_values("delivery")
    lines, missing = [], []
    for rec in rows.to_dict(orient="records"):
        name = DELIVERIES.get(rec["delivery"], rec["delivery"])
        deadline = pd.Timestamp(rec["deadline"]).strftime("%d-%m-%Y")
        received = "" if _isnull(rec["received_at"]) else pd.Timestamp(rec["received_at"]).strftime("%d-%m-%Y")
        note = " (te laat)" if bool(rec["is_late"]) else " (op tijd)" if rec["status"] == "received" else ""
        blanked = sorted(pub.cbs_suppressed(agb, period)) if rec["delivery"] == "cbs_spiegel" else []
        if blanked:
            note += f"; {CBS_SUPPRESSED}: {', '.join(blanked)}"
        lines.append({"name": name, "delivery": rec["delivery"], "status": rec["status"],
                      "status_text": DELIVERY_STATUS.get(rec["status"], rec["status"]), "note": note,
                      "deadline": deadline, "received": received, "n_rejected": int(rec["n_rejected"])})
        if rec["status"] in ("missing", "rejected"):
            missing.append(("aanlevering", rec["delivery"],
                            f"Aanlevering {DELIVERY_STATUS[rec['status']]}: {name} voor {period} "
                            f"(termijn {deadline})."))
    return {"kind": "deliveries", "rows": lines}, missing


def render_factsheet(pub: Published, agb: str, period: str) -> str:
    parse_half_year(period)
    period = period.upper()
    name = _provider_name(pub, agb)
    trend = last_half_years(period)
    idx = _Index(pub.kpi_values)
    blanked = {p: pub.cbs_suppressed(agb, p) for p in trend}  # CBS-blanked KPIs: received, not missing
    cats = [c for c in _catalogue(pub)
            if any(idx.get(c["kpi_id"], p, None, agb) or c["kpi_id"] in blanked[p] for p in trend)]
    discuss: list[tuple[str, str, str]] = []
    chapters = []
    for title, members in _chapters(cats):
        chapter = {"title": title, "rows": [],
                   "late": any(c.get("theme") == TIMELINESS_THEME for c in members),
                   "outcome": any(c.get("theme") == OUTCOME_THEME for c in members)}
        chapters.append(chapter)
        for cat in members:
            kpi, unit = cat["kpi_id"], cat["unit"]
            row = idx.get(kpi, period, None, agb)
            trow = _target_row(idx, kpi, period, None, agb)
            shown = row is not None and not bool(row["is_suppressed"])
            late = None
            if cat.get("theme") == TIMELINESS_THEME and shown and not _isnull(row["denominator"]) \
                    and not _isnull(row["numerator"]):
                late = _nl(float(row["denominator"]) - float(row["numerator"]), 0)
            svg = trend_svg(trend, [("aanbieder", idx.values(kpi, trend, None, agb), "main"),
                                    ("regio", idx.values(kpi, trend, None, None), "ref")],
                            **_chart(idx, cat, period, None, agb))
            chapter["rows"].append({
                "kpi": kpi, "name": cat["name_nl"], "target": _target_text(cat, trow), "met": _met(trow),
                "provider": _cell(row, unit, "aanbieder", kpi, period, kpi in blanked[period]),
                "region": _cell(idx.get(kpi, period, None, None), unit, "regio", kpi, period), "n": _n(row),
                "late": late, "late_blank": SUPPRESSED if row is not None and bool(row["is_suppressed"]) else "—",
                "measurement": _measurement_cell(cat, idx, period, agb, blanked[period]), "svg": svg})
            label = f"{kpi} {cat['name_nl']}"
            if row is None and kpi not in blanked[period]:  # delivered in one of the last four half-years, not this one
                discuss.append(("ontbreekt", kpi, f"Gegevens ontbreken voor {period}: {label}."))
            if trow is not None and not bool(trow["is_suppressed"]) and not _isnull(trow["target_met"]) \
                    and not bool(trow["target_met"]):
                when = f" in {trow['period']}" + (" (tot nu toe)" if bool(trow["is_provisional"]) else "") \
                    if trow["period"] != period else ""
                discuss.append(("doel", kpi, f"Doel niet gehaald: {label}: {format_value(trow['value'], unit)}{when} "
                                             f"(doel {_target_text(cat, trow)})."))
    delivery, missing = _delivery_status(pub, agb, period)
    return render("factsheet.html.j2", title=f"Factsheet {name} {period}", name=name, agb=agb, period=period,
                  meta=_meta(pub, period), chapters=chapters, trend=trend, delivery=delivery,
                  outlooks=_outlooks(pub, idx, period, cats, None, agb),
                  benchmark=_benchmark(pub, idx, period, cats, []),
                  discuss=discuss + missing)


MATRIX_COLUMNS = 5  # members per table, so a matrix fits the A4 width; more members -> more tables


def _matrix(pub: Published, idx: _Index, period: str, cats: list[dict], members: list[tuple[str, str]],
            by: str) -> list[dict]:
    """The matrix of one period per municipality or provider, as tables of at most MATRIX_COLUMNS members
    (balanced: 6 -> 3 + 3, 11 -> 4 + 4 + 3); a table without rows says there are no KPIs."""
    chunks = []
    for part in _balanced(members):
        rows = []
        for cat in cats:
            kpi = cat["kpi_id"]
            got = [idx.get(kpi, period, *((code, None) if by == "gemeente" else (None, code))) for code, _ in part]
            blank = [by == "aanbieder" and kpi in pub.cbs_suppressed(code, period) for code, _ in part]
            if any(got) or any(blank):
                rows.append({"kpi": kpi, "name": cat["name_nl"],
                             "cells": [_cell(r, cat["unit"], f"{by}:{code}", kpi, period, b)
                                       for r, b, (code, _) in zip(got, blank, part, strict=True)]})
        chunks.append({"members": part, "rows": rows})
    return chunks


def _balanced(members: list) -> list[list]:
    """Members in tables of at most MATRIX_COLUMNS, balanced (6 -> 3 + 3, 11 -> 4 + 4 + 3); no members: one empty."""
    if not members:
        return [[]]
    size = math.ceil(len(members) / math.ceil(len(members) / MATRIX_COLUMNS))
    return [members[i:i + size] for i in range(0, len(members), size)]


def _quality_context(m: dict) -> dict:
    checks = m.get("checks", {})
    warnings = [{"expectation": str(w.get("expectation")), "table": str(w.get("table")), "n_failed": w.get("n_failed"),
                 "description": str(w.get("description") or "")} for w in checks.get("warnings", [])]
    return {"passed": checks.get("passed"), "warnings": warnings,
            "checks": count_checks(ExpectationResult(**r) for r in checks.get("results", [])).text(),
            "files": m.get("input_files", {}).get("count", 0), "rows": m.get("row_counts", {}).get("kpi_values", 0),
            "suppressed": m.get("suppressed_rows", 0), "min_cell": m.get("min_cell")}


def _quality(pub: Published) -> str:
    """The data-quality section of the regional report (_quality.html.j2), from the manifest."""
    return render("_quality.html.j2", quality=_quality_context(pub.manifest))


def render_regional(pub: Published, period: str) -> str:
    parse_half_year(period)
    period = period.upper()
    trend = last_half_years(period)
    idx = _Index(pub.kpi_values)
    cats = [c for c in _catalogue(pub) if any(idx.get(c["kpi_id"], p) for p in trend)]
    region = pub.municipalities["region"].dropna().iloc[0] if len(pub.municipalities) else "regio"
    rows = []
    for cat in cats:
        kpi = cat["kpi_id"]
        row = idx.get(kpi, period)
        trow = _target_row(idx, kpi, period)
        rows.append({"kpi": kpi, "name": cat["name_nl"], "region": _cell(row, cat["unit"], "regio", kpi, period),
                     "target": _target_text(cat, trow), "met": _met(trow), "n": _n(row),
                     "svg": trend_svg(trend, [("regio", idx.values(kpi, trend), "main")], **_chart(idx, cat, period))})
    kv = pub.kpi_values[(pub.kpi_values["period"] == period) & pub.kpi_values["care_form"].isna()]
    munis = sorted(set(kv["municipality_code"].dropna()))
    names = dict(zip(pub.municipalities["municipality_code"], pub.municipalities["name"], strict=True))
    provs = sorted(set(kv["provider_agb"].dropna()))
    pnames = dict(zip(pub.providers["provider_agb"], pub.providers["name"], strict=True))
    named = [(m, names.get(m, m)) for m in munis]
    catalogue = _catalogue(pub)  # every KPI: an outlook or a CBS reference does not need a value in the trend
    outlooks = _outlooks(pub, idx, period, catalogue)
    return render("regional.html.j2", title=f"Halfjaarrapportage {region} {period}", region=str(region),
                  period=period, meta=_meta(pub, period), rows=rows, outlooks=outlooks,
                  verdicts=_verdict_counts(outlooks), benchmark=_benchmark(pub, idx, period, catalogue, named),
                  municipalities=_matrix(pub, idx, period, cats, named, "gemeente"),
                  providers=[(p, str(pnames.get(p, p))) for p in provs],
                  by_provider=_matrix(pub, idx, period, cats, [(p, p) for p in provs], "aanbieder"),
                  quality=_quality_context(pub.manifest))


def _verdict_counts(outlooks: list[dict]) -> list[tuple[str, str, int]]:
    """(verdict, css class, number of KPIs) for the summary line above the outlook table."""
    order = [outlook.OP_KOERS, outlook.ONZEKER, outlook.NIET_OP_KOERS, outlook.TE_WEINIG, outlook.GEEN_DOEL]
    counts = {v: sum(1 for o in outlooks if o["verdict"] == v) for v in order}
    return [(v, VERDICT_CLASS[v], n) for v, n in counts.items() if n]


def report_path(publish_root: Path, period: str, agb: str | None = None) -> Path:
    """Default location: <publish>/reports/<period>/ (outside the immutable snapshots; docs/reports.md)."""
    period = period.upper()
    name = f"factsheet_{agb}_{period}.html" if agb else f"regio_{period}.html"
    return Path(publish_root) / "reports" / period / name


def write_report(publish_root: Path, period: str, agb: str | None = None, out: Path | None = None) -> Path:
    # the half-year's own latest publication when it has one (a newer half-year may be current)
    pub = load_published(publish_root, latest_dir(Path(publish_root), period.upper()))
    text = render_factsheet(pub, agb, period) if agb else render_regional(pub, period)
    return save(Path(out) if out else report_path(publish_root, period, agb), text)


def save(target: Path, text: str) -> Path:
    """Write a report atomically (temp file + rename): a reader never sees a half-written report."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
