"""`jeugdkpi explain KPI PERIOD [--gemeente G] [--aanbieder AGB]`: the units behind one row of marts.kpi_values
(stay periods, segments, youths, prestaties, messages; for delivered KPIs the rows of the input files), read
from marts.kpi_units in the WORKING warehouse (read-only), so an auditor can recompute the number by hand.
The design and the output are described in docs/explain.md."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import duckdb

from jeugdkpi import periods
from jeugdkpi.csvsafe import neutralise_row
from jeugdkpi.warehouse import connect

CSV_COLUMNS = ["nr", "soort", "eenheid", "jeugdige", "in_teller", "in_noemer", "maat", "teller_bijdrage",
               "noemer_bijdrage", "omschrijving", "bronmap", "bronbestand", "bronlocatie"]


class ExplainError(Exception):
    """Unknown KPI, bad period or no such kpi_values row (exit code 2)."""


@dataclass
class Explanation:
    kpi_id: str
    kpi_name: str
    unit: str
    kind: str
    basis: str
    period: str
    gemeente: str | None
    aanbieder: str | None
    care_form: str | None
    row: dict
    units: list[dict] = field(default_factory=list)
    measure_label: str = ""  # what `measure` holds (catalogue measure_label; '' = no measure)
    checks: list[tuple[str, bool]] = field(default_factory=list)  # (Dutch line, holds)

    @property
    def ok(self) -> bool:
        return all(holds for _, holds in self.checks)

    @property
    def scope(self) -> str:
        if self.gemeente:
            s = f"gemeente {self.gemeente}"
        elif self.aanbieder:
            s = f"aanbieder {self.aanbieder}"
        else:
            s = "regio"
        return s + (f", zorgvorm {self.care_form}" if self.care_form else "")


def _grain_filter(gemeente: str | None, aanbieder: str | None) -> tuple[str, list]:
    if gemeente:
        return "municipality_code = ? and not excluded_municipality", [gemeente]
    if aanbieder:
        return "list_contains(providers, ?) and not excluded_provider", [aanbieder]
    return "not excluded_provider", []


def explain(warehouse: Path, kpi_id: str, period: str, gemeente: str | None = None,
            aanbieder: str | None = None, care_form: str | None = None) -> Explanation:
    kpi_id = kpi_id.strip().upper()
    period = period.strip().upper()
    if not periods.PERIOD_RE.match(period):
        raise ExplainError(f"periode '{period}' niet herkend: gebruik YYYY, YYYY-H1 of YYYY-H2 (bijv. 2025-H2)")
    if gemeente and aanbieder:
        raise ExplainError("kies --gemeente of --aanbieder, niet allebei (kpi_values heeft geen rijen per "
                           "gemeente én aanbieder)")
    if gemeente:
        gemeente = gemeente.strip().zfill(4)
    if not Path(warehouse).is_file():
        raise ExplainError(f"werkmagazijn {warehouse} bestaat niet (eerst `jeugdkpi run`)")
    with connect(Path(warehouse), read_only=True) as con:
        cur = con.execute("select * from seeds.kpi_catalogue where kpi_id = ?", [kpi_id])
        found = cur.fetchone()
        if found is None:
            raise ExplainError(f"onbekende KPI '{kpi_id}' (zie seeds/kpi_catalogue.csv)")
        cat = dict(zip([d[0] for d in cur.description], found))  # the catalogue the warehouse was built with
        try:
            covered = con.execute("select kind, basis from marts.kpi_units where kpi_id = ? limit 1",
                                  [kpi_id]).fetchone()
        except Exception as exc:  # duckdb.CatalogException: warehouse built before kpi_units existed
            raise ExplainError(f"marts.kpi_units ontbreekt in {warehouse}: draai eerst `jeugdkpi run` ({exc})") from exc
        cur = con.execute(
            """select * from marts.kpi_values
               where kpi_id = ? and period = ? and municipality_code is not distinct from ?
                 and provider_agb is not distinct from ? and care_form is not distinct from ?""",
            [kpi_id, period, gemeente, aanbieder, care_form])
        names = [d[0] for d in cur.description]
        found = cur.fetchone()
        if found is None:
            raise ExplainError(
                f"geen rij in marts.kpi_values voor {kpi_id} {period} "
                f"({'gemeente ' + gemeente if gemeente else 'aanbieder ' + aanbieder if aanbieder else 'regio'}"
                f"{', zorgvorm ' + care_form if care_form else ''}): controleer periode en code")
        row = dict(zip(names, found))
        if covered is None:
            raise ExplainError(
                f"{kpi_id} wordt niet per eenheid uitgelegd (geen eenheden in marts.kpi_units; "
                "zie docs/explain.md voor de KPI's zonder eenhedenlijst)")
        kind, basis = covered
        where, params = _grain_filter(gemeente, aanbieder)
        try:
            cur = con.execute(
                f"""select
                        unit_type, unit_key,
                        -- a unit without a youth (AP02, AP07, AP10) counts itself in n_youths: no youth shown
                        any_value(youth_key) filter (where unit_type = 'jeugdige' or youth_key <> unit_key)
                            as youth_key,
                        bool_or(in_numerator) as in_numerator, bool_or(in_denominator) as in_denominator,
                        max(measure) filter (where in_denominator) as measure,
                        sum(numerator_part) as numerator_part, sum(denominator_part) as denominator_part,
                        string_agg(distinct unit_detail, ' | ' order by unit_detail) as unit_detail,
                        any_value(source) as source,
                        string_agg(distinct source_file_path, '; ' order by source_file_path) as source_file_path,
                        string_agg(distinct source_locator, '; ' order by source_locator) as source_locator
                    from marts.kpi_units
                    where kpi_id = ? and period = ? and care_form is not distinct from ? and {where}
                    group by unit_type, unit_key
                    order by not bool_or(in_numerator), not bool_or(in_denominator), unit_type, youth_key, unit_key""",
                [kpi_id, period, care_form, *params])
        except duckdb.Error as exc:  # a warehouse built by an older version of the unit model
            raise ExplainError(f"marts.kpi_units in {warehouse} heeft niet het schema dat deze versie "
                               f"verwacht: draai `jeugdkpi run` opnieuw ({type(exc).__name__})") from exc
        names = [d[0] for d in cur.description]
        units = [dict(zip(names, r)) for r in cur.fetchall()]
    ex = Explanation(kpi_id, cat["name_nl"], row.get("unit") or "", kind, basis, period, gemeente, aanbieder,
                     care_form, row, units, measure_label=cat.get("measure_label") or "")
    ex.checks = _checks(ex)
    return ex


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _fmt(x, digits: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "ja" if x else "nee"
    if float(x).is_integer():
        return f"{int(x):,}".replace(",", ".")
    return f"{x:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _median(values: list[float]) -> float | None:
    v = sorted(values)
    if not v:
        return None
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def _checks(ex: Explanation) -> list[tuple[str, bool]]:
    r, u = ex.row, ex.units
    if ex.basis == "aangeleverd":
        s_num = sum(x["numerator_part"] or 0 for x in u)
        s_den = sum(x["denominator_part"] or 0 for x in u)
        if ex.kind == "ratio":
            return [(f"Σ tellerbijdrage {_fmt(s_num)} = teller {_fmt(r['numerator'])}", _close(s_num, r["numerator"])),
                    (f"Σ noemerbijdrage {_fmt(s_den)} = noemer {_fmt(r['denominator'])}",
                     _close(s_den, r["denominator"]))]
        if ex.kind == "mean":
            v = s_num / s_den if s_den else None
            return [(f"Σ teller / Σ noemer = {_fmt(s_num)} / {_fmt(s_den)} = {_fmt(v, 4)} = waarde "
                     f"{_fmt(r['value'], 4)}", _close(v, r["value"]))]
        return [(f"Σ tellerbijdrage {_fmt(s_num)} = waarde {_fmt(r['value'])}", _close(s_num, r["value"]))]
    n_num = sum(1 for x in u if x["in_numerator"])
    n_den = sum(1 for x in u if x["in_denominator"])
    if ex.kind == "ratio":
        return [(f"{n_den} eenheden in noemer = noemer {_fmt(r['denominator'])}", _close(n_den, r["denominator"])),
                (f"{n_num} eenheden in teller = teller {_fmt(r['numerator'])}", _close(n_num, r["numerator"]))]
    if ex.kind == "count":
        return [(f"{n_num} eenheden = waarde {_fmt(r['value'])}", _close(n_num, r["value"]))]
    measures = [x["measure"] for x in u if x["in_denominator"] and x["measure"] is not None]
    youths = {x["youth_key"] for x in u if x["youth_key"] is not None}
    if ex.kind == "mean":
        v, label = (sum(measures) / len(measures) if measures else None), "gemiddelde"
    elif ex.kind == "median":
        v, label = _median(measures), "mediaan"
    else:
        v, label = sum(measures), "som"
    return [(f"n = {len(youths)} jeugdigen in {n_den} eenheden = n {_fmt(r['n_youths'])}",
             _close(len(youths), r["n_youths"])),
            (f"{label} van de maat over {len(measures)} eenheden = {_fmt(v, 4)} = waarde {_fmt(r['value'], 4)}",
             _close(v, r["value"]))]


def _csv_row(i: int, x: dict) -> list:
    return [i, x["unit_type"], x["unit_key"], x["youth_key"] or "", "ja" if x["in_numerator"] else "nee",
            "ja" if x["in_denominator"] else "nee", "" if x["measure"] is None else repr(float(x["measure"])),
            "" if x["numerator_part"] is None else repr(float(x["numerator_part"])),
            "" if x["denominator_part"] is None else repr(float(x["denominator_part"])),
            x["unit_detail"] or "", x["source"] or "", x["source_file_path"] or "", x["source_locator"] or ""]


def write_csv(ex: Explanation, out: TextIO) -> None:
    """Comma-separated, '.' decimals, one line per unit (docs/explain.md); text cells that a spreadsheet would
    read as a formula are prefixed with ' (jeugdkpi.csvsafe)."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for i, x in enumerate(ex.units, 1):
        w.writerow(neutralise_row(_csv_row(i, x)))  # a file name like =HYPERLINK(..).csv stays text


def write_text(ex: Explanation, out: TextIO) -> None:
    r = ex.row
    p = print
    p(f"{ex.kpi_id} {ex.kpi_name}", file=out)
    p(f"Periode {ex.period} ({r['period_start']} t/m {r['period_end']}), {ex.scope}", file=out)
    flags = [f for f, on in (("voorlopig", r["is_provisional"]), ("onvolledig", r["is_partial"])) if on]
    p(f"Waarde {_fmt(r['value'], 4)} {ex.unit}   teller {_fmt(r['numerator'])}   noemer {_fmt(r['denominator'])}"
      f"   n jeugdigen {_fmt(r['n_youths'])}" + (f"   ({', '.join(flags)})" if flags else ""), file=out)
    if ex.basis == "aangeleverd":
        p("Bron: aangeleverde rijen (teller = Σ tellerbijdrage, noemer = Σ noemerbijdrage)", file=out)
    elif any(x["measure"] is not None for x in ex.units) and ex.measure_label:
        p(f"Maat: {ex.measure_label}", file=out)
    p("Werkmagazijn, niet onderdrukt (kleine aantallen zijn hier zichtbaar).", file=out)
    p("", file=out)
    delivered = ex.basis == "aangeleverd"
    head = ["nr", "eenheid", "sleutel", "jeugdige", "teller", "noemer"]
    head += ["tellerbijdr.", "noemerbijdr."] if delivered else ["maat"]
    head += ["omschrijving", "bronbestand"]
    rows = []
    for i, x in enumerate(ex.units, 1):
        cells = [str(i), x["unit_type"], x["unit_key"], x["youth_key"] or "-",
                 "ja" if x["in_numerator"] else "nee", "ja" if x["in_denominator"] else "nee"]
        if delivered:
            cells += [_fmt(x["numerator_part"]), _fmt(x["denominator_part"])]
        else:
            cells += [_fmt(x["measure"])]
        src = "; ".join(f"{x['source']}/{f}" for f in x["source_file_path"].split("; ")) \
            if x["source_file_path"] else "-"
        if x["source_locator"] and (delivered or x["source"] == "gemeente"):   # row in a municipal export
            src += f" ({x['source_locator']})"
        cells += [x["unit_detail"] or "", src]
        rows.append(cells)
    widths = [len(h) for h in head]
    for cells in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, cells)]
    p("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip(), file=out)
    for cells in rows:
        p("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip(), file=out)
    p("", file=out)
    for line, holds in ex.checks:
        p(f"{line} {'✓' if holds else '✗ AFWIJKING'}", file=out)
    if not ex.ok:
        p("De eenheden verklaren de rij niet: meld dit (de datatest kpi_units_reconcile_with_kpi_values hoort "
          "dit te voorkomen).", file=out)
