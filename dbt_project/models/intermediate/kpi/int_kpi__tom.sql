-- TOM KPIs VB04 and VB08 from int_tom_outcomes. Unit = ended TOM segment (end in P); municipality = the
-- segment's gemeente; provider = the TOM provider. Provisional while a counted segment's window is open.
with outcomes as (
    select * from {{ ref('int_tom_outcomes') }}
),

facts as (
    select
        o.kpi_id, 'ratio' as kind, p.period, p.period_start, p.period_end,
        o.segment_id as unit_id, o.youth_key, o.municipality_code,
        case when o.provider_agb is null then [] else [o.provider_agb] end as providers,
        cast(null as varchar) as care_form,
        o.is_success as in_numerator, true as in_denominator, cast(null as double) as measure,
        o.is_provisional as item_provisional
    from outcomes as o
    join {{ ref('int_reporting_periods') }} as p on o.end_date between p.period_start and p.period_end
),

{{ kpi_aggregate('facts') }}

select * from kpi_final
