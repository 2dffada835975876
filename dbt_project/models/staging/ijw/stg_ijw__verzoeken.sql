-- JW317 Verzoek om wijziging product lines, Dagtekening <= peildatum (a message loaded twice counts once).
select
    provider_agb,
    gemeente_code,
    referentie_aanbieder,
    youth_key,
    reden_verzoek,
    line_type,
    toewijzingnummer,
    product_categorie,
    product_code,
    gewenste_ingangsdatum,
    einddatum,
    omvang_volume,
    omvang_eenheid,
    omvang_frequentie,
    budget,
    message_id,
    dagtekening,
    record_locator
from ({{ ijw_message_lines('jw317_verzoek') }})
