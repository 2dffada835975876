-- Stay-period KPIs (G4 periods from int_stay_periods). Unit = stay period; municipality = the period's
-- municipality_code (gemeente of its first segment); providers = every provider in the period.
--   closed periods with end in P (end_date <= peildatum):
--     VB05 mean duration_months (has_zwaar only), VB06 median of the same, VB07 share with duration < 9 months,
--     EG01 share with n_providers = 1, EG02 mean n_providers (all verblijf forms)
--     item provisional while the period is not final (end + 4 months > peildatum: a segment may still join)
--   periods with start in P: EG04 share with period_number = 1
with stays as (
    select * from {{ ref('int_stay_periods') }}
),

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

ended as (
    select p.period, p.period_start, p.period_end, s.*
    from stays as s
    join periods as p on s.end_date between p.period_start and p.period_end
    where s.is_closed
),

started as (
    select p.period, p.period_start, p.period_end, s.*
    from stays as s
    join periods as p on s.start_date between p.period_start and p.period_end
),

facts as (
    select 'VB05' as kpi_id, 'mean' as kind, period, period_start, period_end, stay_period_id as unit_id,
           youth_key, municipality_code, providers, cast(null as varchar) as care_form,
           true as in_numerator, true as in_denominator, duration_months as measure,
           not is_final as item_provisional
    from ended where has_zwaar
    union all
    select 'VB06', 'median', period, period_start, period_end, stay_period_id, youth_key, municipality_code,
           providers, null, true, true, duration_months, not is_final
    from ended where has_zwaar
    union all
    select 'VB07', 'ratio', period, period_start, period_end, stay_period_id, youth_key, municipality_code,
           providers, null, duration_months < 9, true, null, not is_final
    from ended where has_zwaar
    union all
    select 'EG01', 'ratio', period, period_start, period_end, stay_period_id, youth_key, municipality_code,
           providers, null, n_providers = 1, true, null, not is_final
    from ended
    union all
    select 'EG02', 'mean', period, period_start, period_end, stay_period_id, youth_key, municipality_code,
           providers, null, true, true, cast(n_providers as double), not is_final
    from ended
    union all
    select 'EG04', 'ratio', period, period_start, period_end, stay_period_id, youth_key, municipality_code,
           providers, null, period_number = 1, true, null, false
    from started
),

{{ kpi_aggregate('facts') }}

select * from kpi_final
