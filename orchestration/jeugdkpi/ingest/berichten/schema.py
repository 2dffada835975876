"""The raw tables of the iJw message ingest: one table per record type, every version kept.

A *record* is the unit that is loaded or quarantined and counted in the reconciliation
(records in = loaded + quarantined): a ToegewezenProduct (301), StartProduct (305), StopProduct (307),
AangevraagdProduct (315), a product line of a Verzoek (317), an Antwoord (319), a Prestatie (323), the
DeclaratieAntwoord and each rejected Prestatie (325), and the header plus every class carrying
RetourCodes of a retour message (302/306/308/316/318/320). A file rejected as a whole counts as one record.

Privacy: the BSN is replaced by `youth_key` in the parser; names, addresses, phone numbers and free-text
comments are never extracted. Of the birth date only the year is kept (plus whether it is 1 January, so
that G8 "age on 1 January" stays exact).
"""

from __future__ import annotations

# Lineage and header columns present in every record table, in this order.
LINEAGE_COLUMNS: list[tuple[str, str]] = [
    ("file_sha256", "VARCHAR NOT NULL"),
    ("file_path", "VARCHAR NOT NULL"),
    ("record_locator", "VARCHAR NOT NULL"),
    ("message_type", "VARCHAR NOT NULL"),  # JW301 ... JW325
    ("message_id", "VARCHAR NOT NULL"),  # Header/BerichtIdentificatie/Identificatie
    ("dagtekening", "DATE NOT NULL"),  # Header/BerichtIdentificatie/Dagtekening
    ("gemeente_code", "VARCHAR"),  # the municipality party of the header
    ("provider_agb", "VARCHAR"),  # the provider party of the header
    ("run_id", "VARCHAR NOT NULL"),
]

CLIENT_COLUMNS: list[tuple[str, str]] = [
    ("youth_key", "VARCHAR NOT NULL"),
    ("birth_year", "INTEGER"),
    ("born_jan_1", "BOOLEAN"),
    ("geslacht", "VARCHAR"),
]

OMVANG_COLUMNS: list[tuple[str, str]] = [
    ("omvang_volume", "BIGINT"),
    ("omvang_eenheid", "VARCHAR"),
    ("omvang_frequentie", "VARCHAR"),
    ("budget", "BIGINT"),
]

PRESTATIE_COLUMNS: list[tuple[str, str]] = [
    ("referentienummer", "VARCHAR NOT NULL"),
    ("vorig_referentienummer", "VARCHAR"),
    ("toewijzingnummer", "BIGINT"),
    ("product_categorie", "VARCHAR"),
    ("product_code", "VARCHAR"),
    ("begindatum", "DATE"),
    ("einddatum", "DATE"),
    ("geleverd_volume", "BIGINT"),
    ("eenheid", "VARCHAR"),
    ("product_tarief", "BIGINT"),
    ("ingediend_bedrag", "BIGINT"),  # euro cents, unsigned as in the message
    ("debet_credit", "VARCHAR"),
]

RECORD_TABLES: dict[str, list[tuple[str, str]]] = {
    # One row per ToegewezenProduct per 301 version.
    "jw301_toegewezen_product": CLIENT_COLUMNS
    + [
        ("juridische_status", "VARCHAR"),
        ("toewijzingnummer", "BIGINT NOT NULL"),
        ("referentie_aanbieder", "VARCHAR"),
        ("product_categorie", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("toewijzingsdatum", "DATE NOT NULL"),
        ("toewijzingstijd", "TIME NOT NULL"),
        ("ingangsdatum", "DATE NOT NULL"),
        ("einddatum", "DATE"),
        ("reden_wijziging", "VARCHAR"),
    ]
    + OMVANG_COLUMNS,
    "jw305_start_product": CLIENT_COLUMNS
    + [
        ("toewijzingnummer", "BIGINT"),
        ("product_categorie", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("toewijzing_ingangsdatum", "DATE"),
        ("begindatum", "DATE NOT NULL"),
        ("status_aanlevering", "VARCHAR NOT NULL"),
    ],
    "jw307_stop_product": CLIENT_COLUMNS
    + [
        ("toewijzingnummer", "BIGINT"),
        ("product_categorie", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("toewijzing_ingangsdatum", "DATE"),
        ("begindatum", "DATE NOT NULL"),
        ("reden_beeindiging", "VARCHAR NOT NULL"),
        ("einddatum", "DATE NOT NULL"),
        ("status_aanlevering", "VARCHAR NOT NULL"),
    ],
    "jw315_aangevraagd_product": CLIENT_COLUMNS
    + [
        ("referentie_aanbieder", "VARCHAR NOT NULL"),
        ("beschikkingnummer", "BIGINT"),
        ("product_categorie", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("beschikking_ingangsdatum", "DATE"),
        ("toewijzing_ingangsdatum", "DATE NOT NULL"),
        ("toewijzing_einddatum", "DATE"),
    ]
    + OMVANG_COLUMNS
    + [
        ("verwijzer_type", "VARCHAR"),
        ("raamcontract", "VARCHAR"),
    ],
    # One row per product line of the Verzoek (line_type ongewijzigd | te_wijzigen | nieuw);
    # a Verzoek without product lines gives one row with line_type NULL.
    "jw317_verzoek": [
        ("youth_key", "VARCHAR NOT NULL"),
        ("referentie_aanbieder", "VARCHAR NOT NULL"),
        ("reden_verzoek", "VARCHAR"),
        ("line_type", "VARCHAR"),
        ("toewijzingnummer", "BIGINT"),
        ("product_categorie", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("gewenste_ingangsdatum", "DATE"),
        ("einddatum", "DATE"),
    ]
    + OMVANG_COLUMNS,
    "jw319_antwoord": [
        ("referentie_aanbieder", "VARCHAR NOT NULL"),
        ("verzoek_antwoord", "VARCHAR NOT NULL"),
        ("reden_afwijzing_verzoek", "VARCHAR"),
        ("woonplaatsbeginsel_gemeente", "VARCHAR"),
    ],
    "jw323_prestatie": [
        ("declaratienummer", "VARCHAR NOT NULL"),
        ("declaratie_begindatum", "DATE NOT NULL"),
        ("declaratie_einddatum", "DATE NOT NULL"),
        ("declaratie_dagtekening", "DATE NOT NULL"),
        ("totaal_ingediend_bedrag", "BIGINT NOT NULL"),  # signed: D positive, C negative
        ("youth_key", "VARCHAR NOT NULL"),
    ]
    + PRESTATIE_COLUMNS,
    # One row per 325 message: the answer on the declaration as a whole.
    "jw325_declaratie_antwoord": [
        ("declaratie_message_id", "VARCHAR NOT NULL"),  # Header/DeclaratieIdentificatie/Identificatie
        ("declaratie_message_dagtekening", "DATE NOT NULL"),
        ("header_retourcodes", "VARCHAR NOT NULL"),  # space-separated
        ("declaratienummer", "VARCHAR"),  # NULL when DeclaratieAntwoord is absent
        ("totaal_ingediend_bedrag", "BIGINT"),  # signed
        ("totaal_toegekend_bedrag", "BIGINT"),  # signed
        ("antwoord_retourcodes", "VARCHAR"),
    ],
    # One row per rejected (returned) Prestatie of a 325.
    "jw325_prestatie": [
        ("declaratie_message_id", "VARCHAR NOT NULL"),
        ("declaratienummer", "VARCHAR NOT NULL"),
        ("youth_key", "VARCHAR NOT NULL"),
        ("client_retourcodes", "VARCHAR"),
    ]
    + PRESTATIE_COLUMNS
    + [("retourcodes", "VARCHAR NOT NULL")],
    # Retour messages 302/306/308/316/318/320: one row for the header and one per class with RetourCodes.
    "retour": [
        ("heen_message_type", "VARCHAR NOT NULL"),  # JW301 for a JW302, ...
        ("identificatie_retour", "VARCHAR NOT NULL"),
        ("dagtekening_retour", "DATE NOT NULL"),
        ("class_name", "VARCHAR NOT NULL"),  # Header, Client, ToegewezenProduct, StartProduct, ...
        ("youth_key", "VARCHAR"),
        ("toewijzingnummer", "BIGINT"),
        ("product_categorie", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("begindatum", "DATE"),
        ("referentie_aanbieder", "VARCHAR"),
        ("retourcodes", "VARCHAR"),  # space-separated; NULL for a header without codes
    ],
}

# One row per loaded message (file): the message-level lineage the record tables point to.
MESSAGES_TABLE: list[tuple[str, str]] = [
    ("file_sha256", "VARCHAR NOT NULL"),
    ("file_path", "VARCHAR NOT NULL"),
    ("message_type", "VARCHAR NOT NULL"),
    ("berichtcode", "VARCHAR NOT NULL"),
    ("release", "VARCHAR NOT NULL"),
    ("message_id", "VARCHAR NOT NULL"),
    ("dagtekening", "DATE NOT NULL"),
    ("sender", "VARCHAR NOT NULL"),
    ("receiver", "VARCHAR NOT NULL"),
    ("gemeente_code", "VARCHAR"),
    ("provider_agb", "VARCHAR"),
    ("n_records", "INTEGER NOT NULL"),
    ("n_loaded", "INTEGER NOT NULL"),
    ("n_quarantined", "INTEGER NOT NULL"),
    ("run_id", "VARCHAR NOT NULL"),
]


def table_columns(table: str) -> list[tuple[str, str]]:
    """All columns of a raw record table: lineage first, then the record's own columns."""
    return LINEAGE_COLUMNS + RECORD_TABLES[table]


def ddl() -> list[str]:
    statements = ["CREATE SCHEMA IF NOT EXISTS raw"]
    cols = ", ".join(f"{n} {t}" for n, t in MESSAGES_TABLE)
    statements.append(f"CREATE TABLE IF NOT EXISTS raw.berichten ({cols})")
    for table in RECORD_TABLES:
        cols = ", ".join(f"{n} {t}" for n, t in table_columns(table))
        statements.append(f"CREATE TABLE IF NOT EXISTS raw.{table} ({cols})")
    return statements
