-- AP05 items: valid JW307 stops (not deleted, not on a deleted assignment, line not rejected by its retour),
-- Einddatum in P, temporary stops (reden 20) included. On time when the first message that sent the stop
-- (same logical key, StatusAanlevering 1) is dated <= 5 working days after Einddatum (G9).
with stops as (
    select *
    from {{ ref('stg_ijw__stop_producten') }}
    where is_valid and not is_retour_rejected
)

select
    'AP05' as kpi_id,
    stop_key as item_id,
    youth_key,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    toewijzingnummer,
    cast(null as varchar) as referentie,
    einddatum as reference_date,
    einddatum as clock_start,
    first_dagtekening as clock_stop,
    first_dagtekening as sent_date,
    datediff('day', einddatum, first_dagtekening) as days_taken,
    {{ working_days_between('einddatum', 'first_dagtekening') }} as working_days_taken,
    {{ working_days_between('einddatum', 'first_dagtekening') }} <= 5 as on_time,
    false as is_provisional,
    'Stopbericht verstuurd ' || strftime(first_dagtekening, '%d-%m-%Y') || ', '
        || {{ working_days_between('einddatum', 'first_dagtekening') }}
        || ' werkdagen na einddatum ' || strftime(einddatum, '%d-%m-%Y') as toelichting,
    first_message_id as source_message_id,
    first_file_sha256 as source_file_sha256,
    first_file_path as source_file_path
from stops
