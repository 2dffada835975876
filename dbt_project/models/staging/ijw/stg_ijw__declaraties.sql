-- One row per JW323 declaration message (Dagtekening <= peildatum), with its JW325 answer if any.
-- For AP09 (timely 325) and for auditing totals.
-- is_assignment_deleted: every prestatie of the declaration is on a deleted assignment (latest 301 RedenWijziging
-- 13): the declaration counts as never sent (G3, ruling R6) and is no AP09 item.
with prestaties as (
    {{ ijw_messages('jw323_prestatie') }}
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
),

on_deleted_assignments as (
    select declaratie_id, bool_and(is_assignment_deleted) as is_assignment_deleted
    from {{ ref('stg_ijw__prestaties') }}
    group by declaratie_id
)

select
    {{ declaratie_id('d.provider_agb', 'd.message_id', 'd.dagtekening') }} as declaratie_id,
    d.*,
    a.message_id as antwoord_message_id,
    a.dagtekening as antwoord_dagtekening,
    a.is_whole_rejected,
    a.totaal_toegekend_bedrag,
    coalesce(x.is_assignment_deleted, false) as is_assignment_deleted
from declaraties as d
left join {{ ref('stg_ijw__declaratie_antwoorden') }} as a
    on a.declaratie_message_id = d.message_id
   and a.declaratie_message_dagtekening = d.dagtekening
   and a.provider_agb is not distinct from d.provider_agb
left join on_deleted_assignments as x
    on x.declaratie_id = {{ declaratie_id('d.provider_agb', 'd.message_id', 'd.dagtekening') }}
