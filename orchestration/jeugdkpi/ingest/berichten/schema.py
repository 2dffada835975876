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

# The assignment a StartProduct (305) or StopProduct (307) line refers to, and the start of the delivery.
STARTSTOP_COLUMNS: list[tuple[str, str]] = [
    ("toewijzingnummer", "BIGINT"),
    ("product_categorie", "VARCHAR"),
    ("product_code", "VARCHAR"),
    ("toewijzing_ingangsdatum", "DATE"),
    ("begindatum", "DATE NOT NULL"),
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
    "jw305_start_product": CLIENT_COLUMNS + STARTSTOP_COLUMNS + [("status_aanlevering", "VARCHAR NOT NULL")],
    "jw307_stop_product": CLIENT_COLUMNS
    + STARTSTOP_COLUMNS
    + [
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

# What every column means, in Dutch, for the auditor reading the raw tables in the Dagster UI (their
# `dagster/column_schema`). A key "table.column" says what the column means in that one table; a plain column
# name holds for every table that has the column. tests/test_descriptions.py requires one for every column.
COLUMN_DESCRIPTIONS: dict[str, str] = {
    # lineage and header (every record table, raw.berichten)
    "file_sha256": "SHA-256 van het bronbestand: de identiteit van het bestand in de audit-tabellen.",
    "file_path": "Bronbestand, relatief ten opzichte van landing/berichten (zip-leden als a.zip!b.xml).",
    "record_locator": "Plaats van het record in het bericht (pad naar het XML-element met volgnummer).",
    "message_type": "Berichttype: JW301 t/m JW325 (retourberichten: JW302, JW306, ...).",
    "message_id": "Berichtidentificatie uit de header (BerichtIdentificatie/Identificatie).",
    "dagtekening": "Dagtekening van het bericht uit de header: de datum waarop de afzender het verzond.",
    "gemeente_code": "CBS-code (4 cijfers) van de gemeente die partij is in het bericht (woonplaatsbeginsel).",
    "provider_agb": "AGB-code (8 cijfers) van de aanbieder die partij is in het bericht.",
    "run_id": "Dagster-run die het bericht inlas.",
    # raw.berichten
    "berichten.berichtcode": "Berichtcode uit de header (bijvoorbeeld 436 voor een JW301).",
    "release": "Versie van de berichtstandaard uit de header (major.minor, bijvoorbeeld 3.2).",
    "sender": "Afzender uit de header: gemeentecode of AGB-code.",
    "receiver": "Ontvanger uit de header: gemeentecode of AGB-code.",
    "n_records": "Aantal records in het bericht (toewijzingsregels, prestaties, retourklassen, ...).",
    "n_loaded": "Aantal records van het bericht dat in de raw-tabellen is geladen.",
    "n_quarantined": "Aantal records van het bericht dat in quarantaine ging (audit.quarantine, met reden).",
    # client (BSN never stored)
    "youth_key": "Gepseudonimiseerde jeugdige: HMAC van het BSN met de sleutel van de regio; het BSN zelf wordt nooit "
                 "opgeslagen.",
    "birth_year": "Geboortejaar van de jeugdige (de volledige geboortedatum wordt niet bewaard).",
    "born_jan_1": "true als de jeugdige op 1 januari geboren is (zodat de leeftijd op 1 januari exact blijft).",
    "geslacht": "Geslacht van de jeugdige volgens het bericht (iJw-codelijst); NULL als niet opgegeven.",
    # products, assignments
    "juridische_status": "Juridische status van de jeugdige (iJw-codelijst); NULL als niet opgegeven.",
    "toewijzingnummer": "Toewijzingnummer van de gemeente; samen met gemeente_code de sleutel van een toewijzing.",
    "referentie_aanbieder": "ReferentieAanbieder: kenmerk van de aanbieder bij het verzoek (315/317) en de "
                            "toewijzing die erop volgt; NULL als niet opgegeven.",
    "product_categorie": "Productcategorie (iJw-codelijst); NULL = generiek product.",
    "product_code": "Productcode; NULL = de hele categorie of een generiek product.",
    "toewijzingsdatum": "Toewijzingsdatum: samen met toewijzingstijd de volgorde van de versies van een toewijzing.",
    "toewijzingstijd": "Toewijzingstijd van de versie.",
    "ingangsdatum": "Ingangsdatum van de toewijzing in deze versie.",
    "einddatum": "Einddatum volgens het bericht; NULL = niet opgegeven.",
    "jw301_toegewezen_product.einddatum": "Einddatum van de toewijzing in deze versie; NULL = geen einddatum.",
    "jw307_stop_product.einddatum": "Einddatum van de zorg volgens de stop.",
    "jw317_verzoek.einddatum": "Gewenste einddatum van de productregel; NULL = niet opgegeven.",
    "reden_wijziging": "RedenWijziging van de versie (iJw-codelijst; 13 = verwijderd); NULL bij een eerste toewijzing.",
    "omvang_volume": "Volume van de omvang: aantal eenheden per frequentie.",
    "omvang_eenheid": "Eenheid van de omvang (iJw-codelijst; 14 = etmaal).",
    "omvang_frequentie": "Frequentie van de omvang (iJw-codelijst: per dag, week, maand of totaal binnen de "
                         "geldigheidsduur).",
    "budget": "Budget in eurocenten zoals in het bericht; NULL als niet opgegeven.",
    "toewijzing_ingangsdatum": "Ingangsdatum van de toewijzing waarop het bericht betrekking heeft.",
    "begindatum": "Begindatum volgens het bericht (van het product, de zorg of de prestatie).",
    "status_aanlevering": "StatusAanlevering: 1 = aanleveren (nieuw), 3 = verwijderen van een eerder verzonden regel.",
    "reden_beeindiging": "RedenBeeindiging van de stop (iJw-codelijst; 20 = tijdelijke stop).",
    # requests and answers
    "beschikkingnummer": "Beschikkingnummer van de gemeente; NULL als niet opgegeven.",
    "beschikking_ingangsdatum": "Ingangsdatum van de beschikking; NULL als niet opgegeven.",
    "toewijzing_einddatum": "Gewenste einddatum van de toewijzing; NULL = niet opgegeven.",
    "verwijzer_type": "Soort verwijzer (iJw-codelijst: huisarts, gemeente, jeugdarts, ...).",
    "raamcontract": "Raamcontractnummer uit het verzoek; NULL als niet opgegeven.",
    "reden_verzoek": "Reden van het verzoek om wijziging (iJw-codelijst).",
    "line_type": "Soort productregel van het verzoek: ongewijzigd, te_wijzigen of nieuw; NULL bij een verzoek zonder "
                 "productregels.",
    "gewenste_ingangsdatum": "Door de aanbieder gewenste ingangsdatum van de productregel.",
    "verzoek_antwoord": "Antwoord op het verzoek (iJw-codelijst: 1 = afgewezen, 2 = in onderzoek).",
    "reden_afwijzing_verzoek": "Reden van afwijzing van het verzoek (iJw-codelijst); NULL als niet afgewezen.",
    "woonplaatsbeginsel_gemeente": "Gemeente volgens het woonplaatsbeginsel zoals in het antwoord; NULL als niet "
                                   "opgegeven.",
    # declarations
    "declaratienummer": "Declaratienummer van de aanbieder; NULL als het 325-antwoord geen DeclaratieAntwoord heeft.",
    "declaratie_begindatum": "Begindatum van de gedeclareerde periode.",
    "declaratie_einddatum": "Einddatum van de gedeclareerde periode.",
    "declaratie_dagtekening": "Dagtekening van de declaratie.",
    "totaal_ingediend_bedrag": "Totaal ingediend bedrag in eurocenten, met teken (debet positief, credit negatief).",
    "totaal_toegekend_bedrag": "Totaal toegekend bedrag in eurocenten volgens de 325, met teken; NULL zonder "
                               "DeclaratieAntwoord.",
    "referentienummer": "ReferentieNummer van de prestatie.",
    "vorig_referentienummer": "ReferentieNummer van de prestatie die deze regel terugboekt of corrigeert; NULL bij "
                              "een eerste declaratie.",
    "geleverd_volume": "Geleverd volume in de eenheid van de kolom eenheid, zonder teken.",
    "eenheid": "Eenheid van het geleverde volume (iJw-codelijst; 14 = etmaal).",
    "product_tarief": "Tarief van het product in eurocenten.",
    "ingediend_bedrag": "Ingediend bedrag van de prestatie in eurocenten, zonder teken zoals in het bericht.",
    "debet_credit": "D = debet (een declaratie), C = credit (de terugboeking van een eerdere prestatie).",
    "declaratie_message_id": "Berichtidentificatie van de 323 waarop de 325 antwoordt.",
    "declaratie_message_dagtekening": "Dagtekening van de 323 waarop de 325 antwoordt.",
    "header_retourcodes": "Retourcodes op de header van de 325, gescheiden door spaties.",
    "antwoord_retourcodes": "Retourcodes op het DeclaratieAntwoord, gescheiden door spaties; NULL als het er niet is.",
    "client_retourcodes": "Retourcodes op de cliënt van de afgewezen prestatie, gescheiden door spaties.",
    "retourcodes": "Retourcodes, gescheiden door spaties.",
    "retour.retourcodes": "Retourcodes van deze klasse, gescheiden door spaties; NULL bij een header zonder codes.",
    # retour messages
    "heen_message_type": "Berichttype van het heenbericht waarop de retour antwoordt (JW301 bij een JW302, ...).",
    "identificatie_retour": "Berichtidentificatie van het retourbericht zelf.",
    "dagtekening_retour": "Dagtekening van het retourbericht.",
    "class_name": "Klasse in het heenbericht waar de retourcodes bij horen (Header, Client, ToegewezenProduct, ...).",
}


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
