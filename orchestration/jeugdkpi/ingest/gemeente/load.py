"""Optional municipal exports: requests (aanvragen), provider rejections of assignments (afwijzingen) and
payments (betalingen). The kind of a file is told by its header (any file name).

Event lists, not deliveries: a bad row is quarantined and the others load (records = rows). Rows dated
after the peildatum are loaded and ignored by staging until the peildatum covers them (G10). A row sent
again in a later file replaces the earlier one by its key (stg_gemeente__*).

Identifiers (docs/privacy.md): `request_id` comes from a free-text field of the municipality's system and can
hold a name or a BSN ("Piet Jansen 999993392"), so it is pseudonymised here with the key of the BSN pseudonym
and never stored; the same request in a later file gets the same pseudonym, so replacement and AP02 work as
before. `toewijzingnummer` and `declaratienummer` join to the iJw messages and stay as they are, but only in
their iJw form (a whole number; 1-12 letters or digits); anything else is quarantined as `invalid_value`.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from jeugdkpi.ingest import tabular
from jeugdkpi.ingest.tabular import Context, Parsed, SourceSpec, Table
from jeugdkpi.pseudonym import load_or_create_key

SOURCE = "gemeente"
# iJw 3.2 DeclaratieNummer (LDT_IdentificatieDeclaratie, 1-12 characters, JW323 pattern ([a-zA-Z0-9])+)
DECLARATIENUMMER = re.compile(r"[A-Za-z0-9]{1,12}")
TOEWIJZINGNUMMER_MAX = 999_999_999  # iJw 3.2 ToewijzingNummer (LDT_Nummer, 0-999999999)

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


def pseudonymise_request_id(key: bytes, request_id: str) -> str:
    """HMAC-SHA256 (the key of the BSN pseudonym) of the request_id, hex. The input is prefixed with the
    column, so a request_id that is a bare BSN does not get that youth's youth_key."""
    return hmac.new(key, b"request_id|" + request_id.encode("utf-8"), hashlib.sha256).hexdigest()


def _pseudonym_key(ctx: Context) -> bytes:
    if ctx.settings is None:
        raise ValueError("ingest/gemeente needs the run's settings for the pseudonym key (Context.settings)")
    return load_or_create_key(ctx.settings.pseudonym_key, ctx.settings.data_dir)


def parse(tables: dict[str, Table], ctx: Context) -> Parsed:
    table = next(iter(tables.values()))
    kind = _kind(table)
    out, read = tabular.start_parse(table, [c for c, _ in TABLES[kind]], [])
    if not read:
        return out
    e = out.errors
    secret = _pseudonym_key(ctx) if kind == "gemeente_aanvragen" else b""
    out.deliveries.append({"kind": kind})
    keys = tabular.KeyCheck(e, " + ".join(KEYS[kind]))
    for loc, c in table.rows:
        n_errors = len(e.items)
        if kind == "gemeente_aanvragen":
            rid = c["request_id"].text
            if not rid:
                e.add(c["request_id"].locator, "invalid_value", "request_id is empty", loc)
            v = dict(request_id=pseudonymise_request_id(secret, rid) if rid else None,
                     gemeentecode=tabular.parse_gemeente(c["gemeentecode"], e, loc, ctx),
                     aanvraagdatum=tabular.parse_date(c["aanvraagdatum"], e, loc),
                     besluitdatum=tabular.parse_date(c["besluitdatum"], e, loc, allow_empty=True))
            if v["aanvraagdatum"] and v["besluitdatum"] and v["besluitdatum"] < v["aanvraagdatum"]:
                e.add(c["besluitdatum"].locator, "impossible_dates", "besluitdatum lies before aanvraagdatum", loc)
        elif kind == "gemeente_afwijzingen":
            nummer = tabular.parse_int(c["toewijzingnummer"], e, loc)
            if nummer is not None and nummer > TOEWIJZINGNUMMER_MAX:
                e.add(c["toewijzingnummer"].locator, "invalid_value",
                      "toewijzingnummer is not an iJw ToewijzingNummer (at most 9 digits)", loc)
                nummer = None
            v = dict(gemeentecode=tabular.parse_gemeente(c["gemeentecode"], e, loc, ctx),
                     toewijzingnummer=nummer,
                     aanbieder_agb=tabular.parse_agb(c["aanbieder_agb"], e, loc, ctx),
                     afwijzingsdatum=tabular.parse_date(c["afwijzingsdatum"], e, loc))
        else:
            nr = c["declaratienummer"].text
            if not DECLARATIENUMMER.fullmatch(nr):
                e.add(c["declaratienummer"].locator, "invalid_value",
                      "declaratienummer is not an iJw DeclaratieNummer (1-12 letters or digits)", loc)
                nr = None
            v = dict(aanbieder_agb=tabular.parse_agb(c["aanbieder_agb"], e, loc, ctx), declaratienummer=nr,
                     betaaldatum=tabular.parse_date(c["betaaldatum"], e, loc))
        key = tuple(v[k] for k in KEYS[kind])
        keys.check(key, loc, loc, clean=len(e.items) == n_errors)
        out.add(kind, loc, **v)
    return out


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=False, patterns=(".csv",))

