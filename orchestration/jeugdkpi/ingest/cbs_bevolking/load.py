"""CBS population extract (StatLine 03759ned): one row per municipality x 1 January x age x sex.

A file is rejected whole on any error (a population with holes would give wrong denominators). A later
file replaces, per (gemeentecode, peildatum), what an earlier file said (stg_cbs__bevolking). The demo
region's file is synthetic and says so in `bron_tabel` (see generate/inputs.py).
"""

from __future__ import annotations

import datetime as dt

from jeugdkpi.ingest import tabular
from jeugdkpi.ingest.tabular import Context, Parsed, SourceSpec, Table

SOURCE = "cbs_bevolking"
REQUIRED = ["gemeentecode", "peildatum", "leeftijd", "geslacht", "aantal", "bron_tabel", "bron_periode"]
OPTIONAL = ["gm_code", "bron_status", "opgehaald_op"]

TABLES = {
    "cbs_bevolking": [
        ("gemeentecode", "VARCHAR NOT NULL"),
        ("peildatum", "DATE NOT NULL"),
        ("leeftijd", "INTEGER NOT NULL"),
        ("geslacht", "VARCHAR NOT NULL"),
        ("aantal", "BIGINT NOT NULL"),
        ("bron_tabel", "VARCHAR NOT NULL"),
        ("bron_periode", "VARCHAR"),
    ],
}


def parse(tables: dict[str, Table], ctx: Context) -> Parsed:
    table = next(iter(tables.values()))
    out, read = tabular.start_parse(table, REQUIRED, OPTIONAL, empty="the file holds no population rows")
    if not read:
        return out
    e = out.errors
    keys = tabular.KeyCheck(e, "municipality, date, age and sex")
    deliveries: set[tuple] = set()
    for loc, c in table.rows:
        gem = tabular.parse_gemeente(c["gemeentecode"], e, loc, ctx)
        peil = tabular.parse_date(c["peildatum"], e, loc)
        if peil is not None and (peil.month, peil.day) != (1, 1):
            e.add(c["peildatum"].locator, "invalid_value", "peildatum must be 1 January (YYYY-01-01)", loc)
            peil = None
        elif peil is not None and peil > ctx.peildatum:
            e.add(c["peildatum"].locator, "period_in_future",
                  f"population on {peil} lies after the peildatum {ctx.peildatum}", loc)
            peil = None
        age = tabular.parse_int(c["leeftijd"], e, loc)
        if age is not None and age > 22:
            e.add(c["leeftijd"].locator, "invalid_value", "leeftijd must be 0..22", loc)
        geslacht = tabular.parse_code(c["geslacht"], ["T", "M", "V"], e, loc, what="geslacht")
        aantal = tabular.parse_int(c["aantal"], e, loc)
        bron = c["bron_tabel"].text
        if not bron:
            e.add(c["bron_tabel"].locator, "invalid_value", "bron_tabel must name the source table", loc)
        key = (gem, peil, age, geslacht)
        keys.check(key, c["aantal"].locator, loc)
        deliveries.add((gem, peil))
        out.add("cbs_bevolking", loc, gemeentecode=gem, peildatum=peil, leeftijd=age, geslacht=geslacht,
                aantal=aantal, bron_tabel=bron, bron_periode=c["bron_periode"].text or None)
    for gem, peil in sorted(deliveries, key=str):
        out.deliveries.append({"kind": SOURCE, "gemeentecode": gem,
                               "periode": peil.isoformat() if isinstance(peil, dt.date) else None})
    return out


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=True, patterns=(".csv",))

