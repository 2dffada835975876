-- Municipal requests: the latest row per (gemeente, request_id); requests after peildatum are ignored and a
-- decision dated after peildatum counts as not yet taken (G10).
select
    gemeentecode as municipality_code,
    request_id,
    aanvraagdatum,
    case when besluitdatum <= {{ peildatum() }} then besluitdatum end as besluitdatum,
    file_path,
    record_locator
from {{ region_source('gemeente_aanvragen', 'gemeentecode') }}
where aanvraagdatum <= {{ peildatum() }}
qualify row_number() over (
    partition by gemeentecode, request_id order by loaded_at desc, file_path desc, record_locator desc
) = 1
