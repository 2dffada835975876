-- AP03 items: every assignment (gemeente, ToewijzingNummer) that is not deleted (latest 301 not RedenWijziging
-- 13, G3/R6), counted in P by the Ingangsdatum of its first version. On time when the first 301 carrying that
-- first version is dated before the Ingangsdatum (days_taken < 0; 0 = sent on the Ingangsdatum = late).
with first_versions as (
    select v.*
    from {{ ref('stg_ijw__toewijzing_versies') }} as v
    join {{ ref('stg_ijw__toewijzingen') }} as t using (assignment_id)
    where v.version_number = 1 and not t.is_deleted
)

select
    {{ ap_item('AP03', 'assignment_id', 'ingangsdatum', 'ingangsdatum', 'first_dagtekening',
               sent_date='first_dagtekening', on_time='first_dagtekening < ingangsdatum', source_prefix='first_',
               toelichting="'Toewijzing verstuurd ' || strftime(first_dagtekening, '%d-%m-%Y') || ', ingangsdatum '
                   || strftime(ingangsdatum, '%d-%m-%Y')") }}
from first_versions
