-- AP03 items: every assignment (gemeente, ToewijzingNummer) that is not deleted (latest 301 not RedenWijziging
-- 13, G3), counted in P by the Ingangsdatum of its first version. On time when the first 301 carrying that
-- first version is dated before the Ingangsdatum (days_taken < 0; 0 = sent on the Ingangsdatum = late).
with first_versions as (
    select v.*
    from {{ ref('stg_ijw__toewijzing_versies') }} as v
    join {{ ref('stg_ijw__toewijzingen') }} as t using (assignment_id)
    where v.version_number = 1 and not t.is_deleted
)

select
    'AP03' as kpi_id,
    assignment_id as item_id,
    youth_key,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    toewijzingnummer,
    cast(null as varchar) as referentie,
    ingangsdatum as reference_date,
    ingangsdatum as clock_start,
    first_dagtekening as clock_stop,
    first_dagtekening as sent_date,
    datediff('day', ingangsdatum, first_dagtekening) as days_taken,
    cast(null as bigint) as working_days_taken,
    first_dagtekening < ingangsdatum as on_time,
    false as is_provisional,
    'Toewijzing verstuurd ' || strftime(first_dagtekening, '%d-%m-%Y') || ', ingangsdatum '
        || strftime(ingangsdatum, '%d-%m-%Y') as toelichting,
    first_message_id as source_message_id,
    first_file_sha256 as source_file_sha256,
    first_file_path as source_file_path
from first_versions
