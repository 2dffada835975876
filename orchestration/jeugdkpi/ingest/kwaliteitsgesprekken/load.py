"""Contract-manager scores of the quality conversations (KG01-KG04): one row per provider, date and part.

Event list: a bad row is quarantined, the others load. The free-text `toelichting` is not stored. A score
for the same provider, date and part in a later file replaces the earlier one (stg_gemeente__kwaliteitsgesprekken).
"""

from __future__ import annotations

from jeugdkpi.ingest import tabular
from jeugdkpi.ingest.tabular import Context, Parsed, SourceSpec, Table

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
    table = next(iter(tables.values()))
    out, read = tabular.start_parse(table, ["aanbieder_agb", "gespreksdatum", "onderdeel", "score"], ["toelichting"])
    if not read:
        return out
    e = out.errors
    out.deliveries.append({"kind": SOURCE})
    keys = tabular.KeyCheck(e, "provider, date and onderdeel")
    for loc, c in table.rows:
        n_errors = len(e.items)
        agb = tabular.parse_agb(c["aanbieder_agb"], e, loc, ctx)
        datum = tabular.parse_date(c["gespreksdatum"], e, loc)
        onderdeel = tabular.parse_code(c["onderdeel"], ONDERDELEN, e, loc, what="onderdeel")
        score_text = c["score"].text
        if score_text and not score_text.isdigit():
            e.add(c["score"].locator, "not_a_number", "score must be 0, 4, 7 or 10", loc)
            score = None
        else:
            score = tabular.parse_code(c["score"], SCORES, e, loc, what="score")
        key = (agb, datum, onderdeel)
        keys.check(key, loc, loc, clean=len(e.items) == n_errors)
        out.add("kwaliteitsgesprekken", loc, aanbieder_agb=agb, gespreksdatum=datum, onderdeel=onderdeel,
                score=int(score) if score is not None else None)
    return out


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=False, patterns=(".csv",))

