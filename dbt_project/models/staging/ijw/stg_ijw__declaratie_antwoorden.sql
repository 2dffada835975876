-- One row per JW325 (answer on one JW323 declaration), Dagtekening <= peildatum.
-- is_whole_rejected: the 325 does not approve the declaration as a whole (header code other than 0200, or
-- no DeclaratieAntwoord, or a DeclaratieAntwoord code other than 0200/8001): then none of the 323's
-- prestaties is approved and the 323 counts as not sent (advice of the iJw 3.2 release).
with src as (
    select *
    from {{ region_source(source('ijw', 'jw325_declaratie_antwoord')) }}
    where dagtekening <= {{ peildatum() }}
    qualify row_number() over (
        partition by provider_agb, declaratie_message_id, declaratie_message_dagtekening
        order by dagtekening, message_id, record_locator
    ) = 1
)

select
    gemeente_code,
    provider_agb,
    message_id,
    dagtekening,
    declaratie_message_id,
    declaratie_message_dagtekening,
    declaratienummer,
    header_retourcodes,
    antwoord_retourcodes,
    totaal_ingediend_bedrag,
    totaal_toegekend_bedrag,
    (
        len(list_filter(string_split(trim(header_retourcodes), ' '), c -> c not in ('0200', ''))) > 0
        or antwoord_retourcodes is null
        or len(list_filter(string_split(trim(antwoord_retourcodes), ' '), c -> c not in ('0200', '8001', ''))) > 0
    ) as is_whole_rejected
from src
