-- Assignments rejected by the provider (municipal export): the latest row per (gemeente, ToewijzingNummer).
select
    gemeentecode as municipality_code,
    toewijzingnummer,
    aanbieder_agb as provider_agb,
    afwijzingsdatum,
    file_path,
    record_locator
from {{ region_source(source('gemeente', 'gemeente_afwijzingen'), 'gemeentecode') }}
where afwijzingsdatum <= {{ peildatum() }}
{{ latest_export_row(['gemeentecode', 'toewijzingnummer']) }}
