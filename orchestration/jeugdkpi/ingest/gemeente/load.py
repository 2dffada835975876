"""Optional municipal exports: requests (aanvragen), provider rejections of assignments (afwijzingen) and
payments (betalingen). The kind of a file is told by its header (any file name).

Event lists, not deliveries: a bad row is quarantined and the others load (records = rows). Rows dated
after the peildatum are loaded and ignored by staging until the peildatum covers them (G10). A row sent
again in a later file replaces the earlier one by its key (stg_gemeente__*).
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
    parse_date,
    parse_gemeente,
    parse_int,
)
from jeugdkpi.settings import Settings

SOURCE = "gemeente"

TABLES = {
    "gemeente_aanvragen": [
        ("request_id", "VARCHAR NOT NULL"),
        ("gemeentecode", "VARCHAR NOT NULL"),
        ("aanvraagdatum", "DATE NOT NULL"),
        ("besluitdatum", "DATE"),  # empty = not decided yet
    ],
    "gemeente_afwijzingen": [
        ("gemeentecode", "VARCHAR NOT NULL"),
        ("toewijzingnummer", "BIGINT NOT NULL"),
        ("aanbieder_agb", "VARCHAR NOT NULL"),
        ("afwijzingsdatum", "DATE NOT NULL"),
    ],
    "gemeente_betalingen": [
        ("aanbieder_agb", "VARCHAR NOT NULL"),
        ("declaratienummer", "VARCHAR NOT NULL"),
        ("betaaldatum", "DATE NOT NULL"),
    ],
}
KEYS = {"gemeente_aanvragen": ("gemeentecode", "request_id"),
        "gemeente_afwijzingen": ("gemeentecode", "toewijzingnummer"),
        "gemeente_betalingen": ("aanbieder_agb", "declaratienummer")}


def _kind(table: Table) -> str:
    h = set(table.header)
    if "request_id" in h or "aanvraagdatum" in h:
        return "gemeente_aanvragen"
    if "afwijzingsdatum" in h or "toewijzingnummer" in h:
        return "gemeente_afwijzingen"
    return "gemeente_betalingen"


def parse(tables: dict[str, Table], ctx: Context) -> Parsed:
    out = Parsed()
    table = next(iter(tables.values()))
    kind = _kind(table)
    e = out.errors
    if not check_columns(table, [c for c, _ in TABLES[kind]], [], e):
        return out
    out.n_in = len(table.rows)
    out.deliveries.append({"kind": kind})
    seen: dict[tuple, str] = {}
    for loc, c in table.rows:
        n_errors = len(e.items)
        if kind == "gemeente_aanvragen":
            rid = c["request_id"].text
            if not rid:
                e.add(c["request_id"].locator, "invalid_value", "request_id is empty", loc)
            v = dict(request_id=rid, gemeentecode=parse_gemeente(c["gemeentecode"], e, loc, ctx),
                     aanvraagdatum=parse_date(c["aanvraagdatum"], e, loc),
                     besluitdatum=parse_date(c["besluitdatum"], e, loc, allow_empty=True))
            if v["aanvraagdatum"] and v["besluitdatum"] and v["besluitdatum"] < v["aanvraagdatum"]:
                e.add(c["besluitdatum"].locator, "impossible_dates", "besluitdatum lies before aanvraagdatum", loc)
        elif kind == "gemeente_afwijzingen":
            v = dict(gemeentecode=parse_gemeente(c["gemeentecode"], e, loc, ctx),
                     toewijzingnummer=parse_int(c["toewijzingnummer"], e, loc),
                     aanbieder_agb=parse_agb(c["aanbieder_agb"], e, loc, ctx),
                     afwijzingsdatum=parse_date(c["afwijzingsdatum"], e, loc))
        else:
            nr = c["declaratienummer"].text
            if not nr:
                e.add(c["declaratienummer"].locator, "invalid_value", "declaratienummer is empty", loc)
            v = dict(aanbieder_agb=parse_agb(c["aanbieder_agb"], e, loc, ctx), declaratienummer=nr,
                     betaaldatum=parse_date(c["betaaldatum"], e, loc))
        key = tuple(v[k] for k in KEYS[kind])
        if len(e.items) == n_errors and key in seen:
            e.add(loc, "duplicate_key", f"the same {' + '.join(KEYS[kind])} as {seen[key]}", loc)
        seen.setdefault(key, loc)
        out.add(kind, loc, **v)
    return out


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=False, patterns=(".csv",))


def ingest_gemeente(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
                    ref: Reference | None = None) -> RunStats:
    return ingest_source(con, settings, run_id, SPEC, ref)
