-- Payments (municipal export): the latest row per (provider, declaratienummer).
select
    aanbieder_agb as provider_agb,
    declaratienummer,
    betaaldatum,
    file_path,
    record_locator
from {{ source('gemeente', 'gemeente_betalingen') }}
where betaaldatum <= {{ peildatum() }}
{{ latest_export_row(['aanbieder_agb', 'declaratienummer']) }}
