-- Facts of the stay-period KPIs (G4 periods from int_stay_periods; one definition, read by int_kpi__stays and
-- marts.kpi_units). Unit = stay period; municipality = the period's municipality_code (gemeente of its first
-- segment); providers = every provider in the period.
--   closed periods with end in P (end_date <= peildatum):
--     VB05 mean duration_months (has_zwaar only), VB06 median of the same, VB07 share with duration < 9 months,
--     EG01 share with n_providers = 1, EG02 mean n_providers (all verblijf forms)
--     item provisional while the period is not final (end + 4 months > peildatum: a segment may still join)
--   periods with start in P: EG04 share with period_number = 1
-- measure: duration in months (VB05-VB07), number of providers (EG01, EG02), period number (EG04).
-- Lineage: the JW305 files and message ids of the verblijf segments that start within the period.
with stays as (
    select * from {{ ref('int_stay_periods') }}
),

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

-- a period pairs with every reporting period in which it ends (closed) or starts
dated as (
    select
        p.period, p.period_start, p.period_end, s.*,
        s.is_closed and s.end_date between p.period_start and p.period_end as ended_in_p,
        s.start_date between p.period_start and p.period_end as started_in_p
    from periods as p
    join stays as s
      on s.start_date between p.period_start and p.period_end
      or (s.is_closed and s.end_date between p.period_start and p.period_end)
),

facts as (
    select 'VB05' as kpi_id, 'mean' as kind, *, true as in_numerator, true as in_denominator,
           duration_months as measure, not is_final as item_provisional
    from dated where ended_in_p and has_zwaar
    union all by name
    select 'VB06' as kpi_id, 'median' as kind, *, true as in_numerator, true as in_denominator,
           duration_months as measure, not is_final as item_provisional
    from dated where ended_in_p and has_zwaar
    union all by name
    select 'VB07' as kpi_id, 'ratio' as kind, *, duration_months < 9 as in_numerator, true as in_denominator,
           duration_months as measure, not is_final as item_provisional
    from dated where ended_in_p and has_zwaar
    union all by name
    select 'EG01' as kpi_id, 'ratio' as kind, *, n_providers = 1 as in_numerator, true as in_denominator,
           cast(n_providers as double) as measure, not is_final as item_provisional
    from dated where ended_in_p
    union all by name
    select 'EG02' as kpi_id, 'mean' as kind, *, true as in_numerator, true as in_denominator,
           cast(n_providers as double) as measure, not is_final as item_provisional
    from dated where ended_in_p
    union all by name
    select 'EG04' as kpi_id, 'ratio' as kind, *, period_number = 1 as in_numerator, true as in_denominator,
           cast(period_number as double) as measure, false as item_provisional
    from dated where started_in_p
),

sources as (
    select
        st.stay_period_id,
        string_agg(distinct s.file_path, '; ' order by s.file_path) as file_path,
        string_agg(distinct s.message_id, '; ' order by s.message_id) as message_ids
    from stays as st
    join {{ ref('int_segment_sources') }} as s
      on s.youth_key = st.youth_key and s.is_verblijf
     and s.start_date between st.start_date and coalesce(st.end_date, date '9999-12-31')
    group by st.stay_period_id
)

select
    f.kpi_id, f.kind, f.period, f.period_start, f.period_end,
    f.stay_period_id as unit_id, f.youth_key, f.municipality_code, f.providers, cast(null as varchar) as care_form,
    f.in_numerator, f.in_denominator, cast(f.measure as double) as measure, f.item_provisional,
    'verblijfsperiode' as unit_type,
    cast(f.start_date as varchar) || ' t/m ' || coalesce(cast(f.end_date as varchar), 'open')
        || ', periode ' || f.period_number || ', ' || f.n_providers || ' aanbieder(s)' as unit_detail,
    'berichten' as source,
    s.file_path as source_file_path, cast(null as varchar) as source_file_sha256, s.message_ids as source_locator
from facts as f
left join sources as s using (stay_period_id)
