"""CBS reference values ("benchmark", docs/benchmark.md): one row per CBS table x measure x area x period.

The long file `jeugdkpi cbs-benchmark` writes (refresh.py), or the demo region's synthetic one. A file is rejected
whole on any error (as the population file): a reference value that is half right is worse than none. A withheld
cell (`onderdrukt=true`) has an empty `waarde`, never 0; a count CBS rounded carries `afgerond=5` and must be a
multiple of it. A later file replaces, per (bron_tabel, maat, gebied, periode), what an earlier file said
(stg_cbs__benchmark), so a refresh that turns "voorlopig" into "definitief" wins.
"""

from __future__ import annotations

import re

from jeugdkpi import periods
from jeugdkpi.ingest import tabular
from jeugdkpi.ingest.cbs_benchmark.refresh import MEASURES
from jeugdkpi.ingest.tabular import Context, Parsed, SourceSpec, Table

SOURCE = "cbs_benchmark"
REQUIRED = ["bron_tabel", "maat", "gebied_type", "gebied_code", "periode", "waarde", "onderdrukt"]
OPTIONAL = ["gebied_naam", "eenheid", "afgerond", "bron_periode", "bron_status", "opgehaald_op"]
AREA_TYPES = ["gemeente", "regio", "nederland"]
STATUSES = {"voorlopig": "voorlopig", "nader voorlopig": "nader voorlopig", "nader_voorlopig": "nader voorlopig",
            "definitief": "definitief"}

TABLES = {
    "cbs_benchmark": [
        ("bron_tabel", "VARCHAR NOT NULL"),
        ("maat", "VARCHAR NOT NULL"),
        ("gebied_type", "VARCHAR NOT NULL"),
        ("gebied_code", "VARCHAR NOT NULL"),
        ("gemeentecode", "VARCHAR"),  # = gebied_code for a municipality, NULL for NL and a region (region filter)
        ("gebied_naam", "VARCHAR"),
        ("periode", "VARCHAR NOT NULL"),
        ("waarde", "DOUBLE"),  # NULL = withheld by CBS (onderdrukt)
        ("eenheid", "VARCHAR"),
        ("onderdrukt", "BOOLEAN NOT NULL"),
        ("afgerond", "INTEGER"),
        ("bron_periode", "VARCHAR"),
        ("bron_status", "VARCHAR"),
        ("opgehaald_op", "DATE"),
    ],
}


def _periode(cell, e, loc, ctx: Context) -> str | None:
    text = cell.text.upper()
    if not re.fullmatch(r"\d{4}(-H[12])?", text):
        e.add(cell.locator, "invalid_value", "periode must be YYYY-H1, YYYY-H2 or YYYY", loc)
        return None
    last = periods.end(text) if "-H" in text else periods.end(f"{text}-H2")
    if last > ctx.peildatum:
        e.add(cell.locator, "period_in_future", f"the period {text} ends after the peildatum {ctx.peildatum}", loc)
        return None
    return text


def _area(c, gebied_type, e, loc, ctx: Context) -> str | None:
    cell = c["gebied_code"]
    text = cell.text.upper()
    if gebied_type == "gemeente":
        return tabular.parse_gemeente(cell, e, loc, ctx)
    if gebied_type == "regio" and not re.fullmatch(r"JZ\d{2}", text):
        e.add(cell.locator, "invalid_value", "gebied_code of a regio must be JZnn (CBS jeugdzorgregio)", loc)
        return None
    if gebied_type == "nederland" and text not in ("NL", "NL01"):
        e.add(cell.locator, "invalid_value", "gebied_code of nederland must be NL", loc)
        return None
    return "NL" if gebied_type == "nederland" else text if gebied_type == "regio" else None


def parse(tables: dict[str, Table], ctx: Context) -> Parsed:
    table = next(iter(tables.values()))
    out, read = tabular.start_parse(table, REQUIRED, OPTIONAL, empty="the file holds no CBS reference values")
    if not read:
        return out
    e = out.errors
    keys = tabular.KeyCheck(e, "table, measure, area and period")
    seen_periods: set[str] = set()
    for loc, c in table.rows:
        n_errors = len(e.items)
        maat = tabular.parse_code(c["maat"], sorted(MEASURES), e, loc, what="maat")
        bron = c["bron_tabel"].text.upper()
        if maat is not None and bron != MEASURES[maat][0]:
            e.add(c["bron_tabel"].locator, "invalid_value", f"maat {maat} comes from CBS table {MEASURES[maat][0]}",
                  loc)
        gebied_type = tabular.parse_code(c["gebied_type"], AREA_TYPES, e, loc, what="gebied_type")
        gebied = _area(c, gebied_type, e, loc, ctx) if gebied_type else None
        periode = _periode(c["periode"], e, loc, ctx)
        onderdrukt = tabular.parse_code(c["onderdrukt"], ["true", "false"], e, loc, what="onderdrukt")
        waarde = None
        text = c["waarde"].text
        if onderdrukt == "true" and text != "":
            e.add(c["waarde"].locator, "invalid_value",
                  "a withheld cell (onderdrukt=true) has an empty waarde, never a number (not even 0)", loc)
        elif onderdrukt == "false":
            if text == "":
                e.add(c["waarde"].locator, "not_a_number", "waarde is empty but onderdrukt is false", loc)
            else:
                kind = MEASURES[maat][1].kind if maat else None
                waarde = tabular.parse_number(c["waarde"], e, loc, 0, 100 if kind == "percentage" else 1e12)
        afgerond = tabular.parse_int(c["afgerond"], e, loc, allow_empty=True) if "afgerond" in c else None
        if afgerond == 0:
            e.add(c["afgerond"].locator, "invalid_value", "afgerond must be empty or a positive whole number", loc)
            afgerond = None
        if afgerond and waarde is not None and (waarde != int(waarde) or int(waarde) % afgerond):
            e.add(c["waarde"].locator, "invalid_value",
                  f"waarde {c['waarde'].text} is not a multiple of afgerond ({afgerond}): CBS rounds counts", loc)
        status = None
        if "bron_status" in c and c["bron_status"].text:
            status = STATUSES.get(c["bron_status"].text.strip().lower())
            if status is None:
                e.add(c["bron_status"].locator, "invalid_value",
                      "bron_status must be voorlopig, nader voorlopig or definitief (or empty)", loc)
        opgehaald = tabular.parse_date(c["opgehaald_op"], e, loc, allow_empty=True) if "opgehaald_op" in c else None
        keys.check((bron, maat, gebied_type, gebied, periode), c["maat"].locator, loc, clean=len(e.items) == n_errors)
        if periode:
            seen_periods.add(periode)
        out.add("cbs_benchmark", loc, bron_tabel=bron, maat=maat, gebied_type=gebied_type, gebied_code=gebied,
                gemeentecode=gebied if gebied_type == "gemeente" else None,
                gebied_naam=(c["gebied_naam"].text or None) if "gebied_naam" in c else None, periode=periode,
                waarde=waarde, eenheid=(c["eenheid"].text or None) if "eenheid" in c else None,
                onderdrukt=onderdrukt == "true", afgerond=afgerond,
                bron_periode=(c["bron_periode"].text or None) if "bron_periode" in c else None,
                bron_status=status, opgehaald_op=opgehaald)
    for periode in sorted(seen_periods):
        out.deliveries.append({"kind": SOURCE, "periode": periode})
    return out


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=True, patterns=(".csv",))
