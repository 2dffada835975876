-- Assignments rejected by the provider (municipal export): the latest row per (gemeente, ToewijzingNummer).
select
    gemeentecode as municipality_code,
    toewijzingnummer,
    aanbieder_agb as provider_agb,
    afwijzingsdatum,
    file_path,
    record_locator
from {{ region_source('gemeente_afwijzingen', 'gemeentecode') }}
where afwijzingsdatum <= {{ peildatum() }}
qualify row_number() over (
    partition by gemeentecode, toewijzingnummer order by loaded_at desc, file_path desc, record_locator desc
) = 1
