-- Every care segment with the JW305 message and the file that started it: the source lineage of the KPI facts
-- built on segments (int_kpi_facts__youths, __stays, __tom).
with message_files as (
    select file_sha256, any_value(file_path) as file_path
    from {{ source('ijw', 'berichten') }}
    group by file_sha256
)

select
    s.segment_id, s.youth_key, s.care_form, s.care_group, s.is_verblijf, s.start_date, s.end_date,
    sp.message_id, sp.file_sha256, f.file_path
from {{ ref('int_care_segments') }} as s
left join {{ ref('stg_ijw__start_producten') }} as sp on sp.start_key = s.segment_id
left join message_files as f on f.file_sha256 = sp.file_sha256
