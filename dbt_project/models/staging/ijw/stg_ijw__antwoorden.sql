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
from {{ region_source('jw319_antwoord') }}
where dagtekening <= {{ peildatum() }}
qualify row_number() over (
    partition by provider_agb, gemeente_code, message_id, dagtekening, record_locator order by file_path
) = 1
