-- Ended TOM (Thuis op Maat) segments and their follow-up window (VB04, VB08).
--   VB04  tom_instroom segment ended (end <= peildatum): success when NO non-TOM verblijf segment of the same
--         youth starts in (segment start, end + 4 months]; provisional while end + 4 months > peildatum.
--   VB08  tom_uitstroom segment ended: success when NO non-TOM verblijf segment starts in
--         (end, end + 12 months]; provisional while end + 12 months > peildatum.
-- Windows are half-open (a, b] (G12); calendar-month arithmetic.
with segments as (
    select * from {{ ref('int_care_segments') }}
),

tom as (
    select
        *,
        case care_form when 'tom_instroom' then 'VB04' else 'VB08' end as kpi_id,
        case care_form when 'tom_instroom' then start_date else end_date end as window_after,
        case care_form
            when 'tom_instroom' then cast(end_date + interval 4 month as date)
            else cast(end_date + interval 12 month as date)
        end as window_until
    from segments
    where care_form in {{ tom_care_forms() }}
      and end_date is not null
      and end_date <= {{ peildatum() }}
),

non_tom_verblijf as (
    select youth_key, start_date
    from segments
    where is_verblijf and not is_tom
),

followed as (
    select
        t.*,
        (
            select min(n.start_date) from non_tom_verblijf as n
            where n.youth_key = t.youth_key and n.start_date > t.window_after and n.start_date <= t.window_until
        ) as first_verblijf_start
    from tom as t
)

select
    t.kpi_id,
    t.segment_id,
    t.youth_key,
    t.care_form,
    t.provider_agb,
    t.municipality_code,
    t.start_date,
    t.end_date,
    t.window_after,
    t.window_until,
    t.first_verblijf_start,
    t.first_verblijf_start is null as is_success,
    t.window_until > {{ peildatum() }} as is_provisional
from followed as t
