-- AP09 items: one per JW323 declaration message, Dagtekening in P. On time when its JW325 (linked by
-- DeclaratieIdentificatie) is dated <= 10 working days after the 323 (G9). Without a 325 by peildatum: late
-- once more than 10 working days have passed by peildatum, else pending (on_time NULL, is_provisional):
-- a pending declaration is listed but not counted until it is answered or overdue.
with declaraties as (
    select
        *,
        {{ working_days_between('dagtekening', 'antwoord_dagtekening') }} as wd_answer,
        {{ working_days_between('dagtekening', peildatum()) }} as wd_peildatum
    from {{ ref('stg_ijw__declaraties') }}
)

select
    'AP09' as kpi_id,
    declaratie_id as item_id,
    cast(null as varchar) as youth_key,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    cast(null as bigint) as toewijzingnummer,
    declaratienummer as referentie,
    dagtekening as reference_date,
    dagtekening as clock_start,
    antwoord_dagtekening as clock_stop,
    dagtekening as sent_date,
    datediff('day', dagtekening, antwoord_dagtekening) as days_taken,
    wd_answer as working_days_taken,
    case
        when antwoord_dagtekening is not null then wd_answer <= 10
        when wd_peildatum > 10 then false
    end as on_time,
    antwoord_dagtekening is null and wd_peildatum <= 10 as is_provisional,
    case
        when antwoord_dagtekening is not null then 'Beoordeeld (325) ' || strftime(antwoord_dagtekening, '%d-%m-%Y')
            || ', ' || wd_answer || ' werkdagen na indiening'
        when wd_peildatum > 10 then 'Geen 325 ontvangen; ' || wd_peildatum || ' werkdagen na indiening op peildatum'
        else 'Nog binnen de termijn: geen 325 ontvangen, ' || wd_peildatum || ' werkdagen na indiening'
    end as toelichting,
    message_id as source_message_id,
    file_sha256 as source_file_sha256,
    file_path as source_file_path
from declaraties
