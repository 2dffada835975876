-- Municipal requests: the latest row per (gemeente, request_id); requests after peildatum are ignored and a
-- decision dated after peildatum counts as not yet taken (G10).
select
    gemeentecode as municipality_code,
    request_id,
    aanvraagdatum,
    case when besluitdatum <= {{ peildatum() }} then besluitdatum end as besluitdatum,
    file_path,
    record_locator
from {{ region_source(source('gemeente', 'gemeente_aanvragen'), 'gemeentecode') }}
where aanvraagdatum <= {{ peildatum() }}
{{ latest_export_row(['gemeentecode', 'request_id']) }}
