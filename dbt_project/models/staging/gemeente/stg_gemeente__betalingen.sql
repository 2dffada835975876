-- Payments (municipal export): the latest row per (provider, declaratienummer).
select
    aanbieder_agb as provider_agb,
    declaratienummer,
    betaaldatum,
    file_path,
    record_locator
from {{ source('raw', 'gemeente_betalingen') }}
where betaaldatum <= {{ peildatum() }}
qualify row_number() over (
    partition by aanbieder_agb, declaratienummer order by loaded_at desc, file_path desc, record_locator desc
) = 1
