-- One row per JW323 declaration message (Dagtekening <= peildatum), with its JW325 answer if any.
-- For AP09 (timely 325) and for auditing totals.
with prestaties as (
    select *
    from {{ region_source('jw323_prestatie') }}
    where dagtekening <= {{ peildatum() }}
),

declaraties as (
    select
        provider_agb,
        gemeente_code,
        message_id,
        dagtekening,
        any_value(declaratienummer) as declaratienummer,
        any_value(declaratie_begindatum) as declaratie_begindatum,
        any_value(declaratie_einddatum) as declaratie_einddatum,
        any_value(declaratie_dagtekening) as declaratie_dagtekening,
        any_value(totaal_ingediend_bedrag) as totaal_ingediend_bedrag,
        count(distinct referentienummer) as n_prestaties,
        min(file_sha256) as file_sha256,
        min(file_path) as file_path
    from prestaties
    group by provider_agb, gemeente_code, message_id, dagtekening
)

select
    {{ declaratie_id('d.provider_agb', 'd.message_id', 'd.dagtekening') }} as declaratie_id,
    d.*,
    a.message_id as antwoord_message_id,
    a.dagtekening as antwoord_dagtekening,
    a.is_whole_rejected,
    a.totaal_toegekend_bedrag
from declaraties as d
left join {{ ref('stg_ijw__declaratie_antwoorden') }} as a
    on a.declaratie_message_id = d.message_id
   and a.declaratie_message_dagtekening = d.dagtekening
   and a.provider_agb is not distinct from d.provider_agb
