"""Contract-manager scores of the quality conversations (KG01-KG04): one row per provider, date and part.

Event list: a bad row is quarantined, the others load. The free-text `toelichting` is not stored. A score
for the same provider, date and part in a later file replaces the earlier one (stg_gemeente__kwaliteitsgesprekken).
"""

from __future__ import annotations

import duckdb

from jeugdkpi.ingest.files import RunStats
from jeugdkpi.ingest.tabular import (
    Context,
    Parsed,
    Reference,
    SourceSpec,
    Table,
    check_columns,
    ingest_source,
    parse_agb,
    parse_code,
    parse_date,
)
from jeugdkpi.settings import Settings

SOURCE = "kwaliteitsgesprekken"
ONDERDELEN = ["hulpverleningsplan", "perspectiefplan", "eigen_kracht", "landelijke_bijdrage"]
SCORES = ["0", "4", "7", "10"]

TABLES = {
    "kwaliteitsgesprekken": [
        ("aanbieder_agb", "VARCHAR NOT NULL"),
        ("gespreksdatum", "DATE NOT NULL"),
        ("onderdeel", "VARCHAR NOT NULL"),
        ("score", "INTEGER NOT NULL"),
    ],
}


def parse(tables: dict[str, Table], ctx: Context) -> Parsed:
    out = Parsed()
    table = next(iter(tables.values()))
    e = out.errors
    if not check_columns(table, ["aanbieder_agb", "gespreksdatum", "onderdeel", "score"], ["toelichting"], e):
        return out
    out.n_in = len(table.rows)
    out.deliveries.append({"kind": SOURCE})
    seen: dict[tuple, str] = {}
    for loc, c in table.rows:
        n_errors = len(e.items)
        agb = parse_agb(c["aanbieder_agb"], e, loc, ctx)
        datum = parse_date(c["gespreksdatum"], e, loc)
        onderdeel = parse_code(c["onderdeel"], ONDERDELEN, e, loc, what="onderdeel")
        score_text = c["score"].text
        if score_text and not score_text.isdigit():
            e.add(c["score"].locator, "not_a_number", "score must be 0, 4, 7 or 10", loc)
            score = None
        else:
            score = parse_code(c["score"], SCORES, e, loc, what="score")
        key = (agb, datum, onderdeel)
        if len(e.items) == n_errors and key in seen:
            e.add(loc, "duplicate_key", f"the same provider, date and onderdeel as {seen[key]}", loc)
        seen.setdefault(key, loc)
        out.add("kwaliteitsgesprekken", loc, aanbieder_agb=agb, gespreksdatum=datum, onderdeel=onderdeel,
                score=int(score) if score is not None else None)
    return out


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=False, patterns=(".csv",))


def ingest_kwaliteitsgesprekken(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
                                ref: Reference | None = None) -> RunStats:
    return ingest_source(con, settings, run_id, SPEC, ref)
