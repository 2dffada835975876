-- JW319 Antwoord (answer on a 315/317), Dagtekening <= peildatum, one row per answer message line.
-- verzoek_antwoord 1 = afgewezen, 2 = in onderzoek (stops the AP12 clock).
select
    gemeente_code,
    provider_agb,
    referentie_aanbieder,
    verzoek_antwoord,
    reden_afwijzing_verzoek,
    woonplaatsbeginsel_gemeente,
    message_id,
    dagtekening,
    record_locator
from ({{ ijw_message_lines('jw319_antwoord') }})
