"""Provider templates (the region's delivery format, `jeugdkpi template`): sheets Instructie, KPI, Klachten.

XLSX: the sheet `Instructie` carries the provider (`aanbieder_agb`) and the period (`periode`) next to those
keys in column A; `KPI` has one row per provider-delivered KPI (kpi_id, name, definition, teller, noemer,
toelichting); `Klachten` one row (aantal, aantal_clienten_met_klacht, aantal_afgehandeld, aantal_gegrond,
onderwerpen, aantal_clienten — the last one added by this project as KL02's denominator). CSV: the same
columns plus `aanbieder_agb, periode`; a KPI CSV and a Klachten CSV are told apart by their header.

Headers and labels: the template shows Dutch headers (`KPI-code`, `Naam`, ..., `Aantal klachten`, ...) and
labels (`AGB-code`, `Periode` in column A of `Instructie`); `HEADER_ALIASES` maps them to the column names
above, which stay accepted too, so a workbook or CSV made before the Dutch headers (issue 16) reads the same.

A workbook with any bad cell is rejected whole with one quarantine row per cell (`KPI!D7`), and the
provider's earlier delivery stays in force. Free text (toelichting, onderwerpen) is not stored (privacy).
A KPI row with both teller and noemer empty is "not delivered" (no row, not zero).
"""

from __future__ import annotations

import duckdb

from jeugdkpi import periods
from jeugdkpi.ingest.files import RunStats
from jeugdkpi.ingest.tabular import (
    Cell,
    Context,
    Errors,
    Parsed,
    Reference,
    SourceSpec,
    Table,
    check_columns,
    fold_header,
    ingest_source,
    parse_agb,
    parse_int,
    parse_number,
    parse_periode,
    with_aliases,
)
from jeugdkpi.settings import Settings

SOURCE = "aanbieders"
KPI_COLUMNS = ["kpi_id", "teller", "noemer"]
KPI_OPTIONAL = ["name", "definition", "toelichting"]
KLACHTEN_COLUMNS = ["aantal", "aantal_clienten_met_klacht", "aantal_afgehandeld", "aantal_gegrond", "aantal_clienten"]
KLACHTEN_OPTIONAL = ["onderwerpen"]
HEAD = ["aanbieder_agb", "periode"]
# Column name -> the Dutch header (label) the template shows for it (template.py writes these; the ingest
# accepts either spelling, compared by fold_header: case, accents and spacing do not matter).
KPI_HEADERS = {"kpi_id": "KPI-code", "name": "Naam", "definition": "Definitie", "teller": "Teller",
               "noemer": "Noemer", "toelichting": "Toelichting"}
KLACHTEN_HEADERS = {"aantal": "Aantal klachten", "aantal_clienten_met_klacht": "Cliënten met een klacht",
                    "aantal_afgehandeld": "Afgehandelde klachten", "aantal_gegrond": "Gegronde klachten",
                    "aantal_clienten": "Cliënten uit de regio in zorg", "onderwerpen": "Onderwerpen"}
INSTRUCTIE_LABELS = {"aanbieder_agb": "AGB-code", "periode": "Periode", "aanbieder_naam": "Naam aanbieder",
                     "uiterste_datum": "Uiterste datum"}
HEADER_ALIASES = {fold_header(label): column
                  for names in (KPI_HEADERS, KLACHTEN_HEADERS, INSTRUCTIE_LABELS) for column, label in names.items()}
# What a teller is comes from the catalogue (seeds.Kpi): measure_kind `score` = the mean score on the KPI's scale
# score_min-score_max (CT01: 1-10, noemer = respondents); `ratio` with numerator_bounded = a part of the noemer
# (teller <= noemer); otherwise (EG03, a mean: placements / stay periods) a whole number of its own.

TABLES = {
    "aanbieder_kpi": [
        ("aanbieder_agb", "VARCHAR NOT NULL"),
        ("periode", "VARCHAR NOT NULL"),
        ("kpi_id", "VARCHAR NOT NULL"),
        ("teller", "DOUBLE NOT NULL"),  # CT01: the mean score; otherwise a whole number
        ("noemer", "BIGINT NOT NULL"),
    ],
    "aanbieder_klachten": [
        ("aanbieder_agb", "VARCHAR NOT NULL"),
        ("periode", "VARCHAR NOT NULL"),
        ("aantal", "BIGINT NOT NULL"),
        ("aantal_clienten_met_klacht", "BIGINT NOT NULL"),
        ("aantal_afgehandeld", "BIGINT NOT NULL"),
        ("aantal_gegrond", "BIGINT NOT NULL"),
        ("aantal_clienten", "BIGINT NOT NULL"),  # clients of the region in care at the provider in P (KL02)
    ],
}


def provider_kpis(ref: Reference, periode: str | None = None) -> list[str]:
    """The KPIs a provider delivers on the KPI sheet of the template: catalogue rows with delivery `template`
    (the Klachten sheet has its own columns), those that apply in `periode` when given."""
    return [k for k, kpi in ref.kpis.items()
            if kpi.in_template and (periode is None or kpi.active_on(periods.end(periode)))]


def _head_from_instructions(tables: dict[str, Table]) -> dict[str, Cell]:
    sheet = tables.get("Instructie")
    found: dict[str, Cell] = {}
    if sheet is None:
        return found
    for cells in sheet.raw:
        key = fold_header(cells[0].value) if cells else ""
        key = HEADER_ALIASES.get(key, key)
        if len(cells) >= 2 and key in HEAD:
            found[key] = cells[1]
    return found


def parse(tables: dict[str, Table], ctx: Context) -> Parsed:
    out = Parsed()
    e = out.errors
    if "csv" in tables:
        table = with_aliases(tables["csv"], HEADER_ALIASES)
        kind = "klachten" if "aantal" in table.header else "kpi"
        required = HEAD + (KLACHTEN_COLUMNS if kind == "klachten" else KPI_COLUMNS)
        optional = KLACHTEN_OPTIONAL if kind == "klachten" else KPI_OPTIONAL
        if not check_columns(table, required, optional, e):
            return out
        if not table.rows:
            e.add(table.header_locator, "empty_delivery", "the file holds no rows")
            return out
        first = table.rows[0][1]
        head = {k: first[k] for k in HEAD}
        for loc, c in table.rows[1:]:
            if any(c[k].text != first[k].text for k in HEAD):
                e.add(c["aanbieder_agb"].locator, "mixed_delivery",
                      "every row must have the same aanbieder_agb and periode", loc)
        parts = {kind: table}
    else:
        missing = [s for s in ("Instructie", "KPI", "Klachten") if s not in tables]
        head = _head_from_instructions(tables)
        if missing or len(head) < 2:
            what = f"sheet(s) {', '.join(missing)} missing" if missing else \
                "sheet Instructie lacks aanbieder_agb or periode in column A"
            e.add(None, "wrong_columns", f"not a provider template: {what}")
            return out
        parts = {"kpi": with_aliases(tables["KPI"], HEADER_ALIASES),
                 "klachten": with_aliases(tables["Klachten"], HEADER_ALIASES)}
        ok = check_columns(parts["kpi"], KPI_COLUMNS, KPI_OPTIONAL, e)
        ok = check_columns(parts["klachten"], KLACHTEN_COLUMNS, KLACHTEN_OPTIONAL, e) and ok
        if not ok:
            return out
    agb = parse_agb(head["aanbieder_agb"], e, None, ctx) if head["aanbieder_agb"].text else None
    if agb is None and not head["aanbieder_agb"].text:
        e.add(head["aanbieder_agb"].locator, "unknown_agb", "aanbieder_agb is empty")
    periode = parse_periode(head["periode"], e, None, ctx)
    e.file_level = True  # the whole delivery stands or falls together
    filled = 0
    if "kpi" in parts:
        filled += _parse_kpi(parts["kpi"], agb, periode, ctx, out)
        out.deliveries.append({"kind": "aanbieder_kpi", "aanbieder_agb": agb, "periode": periode})
    if "klachten" in parts:
        filled += _parse_klachten(parts["klachten"], agb, periode, out)
        out.deliveries.append({"kind": "aanbieder_klachten", "aanbieder_agb": agb, "periode": periode})
    if not filled and not e:
        e.add(None, "empty_delivery", "no teller/noemer and no complaint figures are filled in")
    out.n_in = max(out.n_in, 1)
    return out


def _parse_kpi(table: Table, agb, periode, ctx: Context, out: Parsed) -> int:
    e: Errors = out.errors
    allowed = set(provider_kpis(ctx.ref, periode))
    seen: dict[str, str] = {}
    filled = 0
    for loc, c in table.rows:
        kpi = c["kpi_id"].text.upper()
        if not c["teller"].text and not c["noemer"].text:
            continue  # not delivered
        out.n_in += 1
        filled += 1
        if kpi not in allowed:
            e.add(c["kpi_id"].locator, "unknown_kpi", "not a provider-delivered KPI of seeds/kpi_catalogue.csv"
                  + (f" for {periode}" if periode else ""), loc)
        elif kpi in seen:
            e.add(c["kpi_id"].locator, "duplicate_key", f"the same kpi_id as {seen[kpi]}", loc)
        seen.setdefault(kpi, c["kpi_id"].locator)
        definition = ctx.ref.kpis.get(kpi)
        if definition is not None and definition.measure_kind == "score":
            teller = parse_number(c["teller"], e, loc, definition.score_min, definition.score_max)
        else:
            n = parse_int(c["teller"], e, loc)
            teller = float(n) if n is not None else None
        noemer = parse_int(c["noemer"], e, loc)
        bounded = definition is None or definition.bounded  # an unknown KPI is rejected anyway
        if teller is not None and noemer is not None and bounded and teller > noemer:
            e.add(c["teller"].locator, "teller_gt_noemer", f"teller {teller:g} is larger than noemer {noemer}", loc)
        out.add("aanbieder_kpi", loc, aanbieder_agb=agb, periode=periode, kpi_id=kpi, teller=teller, noemer=noemer)
    return filled


def _parse_klachten(table: Table, agb, periode, out: Parsed) -> int:
    e: Errors = out.errors
    rows = [(loc, c) for loc, c in table.rows if any(c[k].text for k in KLACHTEN_COLUMNS)]
    if len(rows) > 1:
        e.add(rows[1][0], "duplicate_key", "the Klachten part holds more than one row of figures")
    for loc, c in rows[:1]:
        out.n_in += 1
        v = {k: parse_int(c[k], e, loc) for k in KLACHTEN_COLUMNS}
        if v["aantal"] is not None:
            for k in ("aantal_clienten_met_klacht", "aantal_afgehandeld", "aantal_gegrond"):
                if v[k] is not None and v[k] > v["aantal"]:
                    e.add(c[k].locator, "teller_gt_noemer", f"{k} {v[k]} is larger than aantal {v['aantal']}", loc)
        if None not in (v["aantal_clienten"], v["aantal_clienten_met_klacht"]) \
                and v["aantal_clienten_met_klacht"] > v["aantal_clienten"]:
            e.add(c["aantal_clienten_met_klacht"].locator, "teller_gt_noemer",
                  "aantal_clienten_met_klacht is larger than aantal_clienten", loc)
        out.add("aanbieder_klachten", loc, aanbieder_agb=agb, periode=periode, **v)
    return len(rows[:1])


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=True, patterns=(".xlsx", ".csv"))


def ingest_aanbieders(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
                      ref: Reference | None = None) -> RunStats:
    return ingest_source(con, settings, run_id, SPEC, ref)
