-- Youths in care per reporting period and care form (G6): a segment is in period P when
-- start <= P.end and (end is NULL or end >= P.start).
-- municipality_code: gemeente of the youth's latest segment in P over all care forms (G7: latest start,
-- then latest/open end); the same attribution is used for every youth-count KPI so that numerators stay
-- subsets of denominators. providers: every AGB with a segment of this care form in P.
with segments as (
    select * from {{ ref('int_care_segments') }}
),

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

in_period as (
    select p.period, p.period_start, p.period_end, s.*
    from segments as s
    join periods as p
      on s.start_date <= p.period_end
     and (s.end_date is null or s.end_date >= p.period_start)
),

youth_municipality as (
    select
        period,
        youth_key,
        first(municipality_code order by start_date desc, coalesce(end_date, date '9999-12-31') desc, segment_id desc)
            as municipality_code
    from in_period
    group by period, youth_key
)

select
    i.period,
    i.period_start,
    i.period_end,
    i.youth_key,
    i.care_form,
    i.care_group,
    bool_or(i.is_verblijf) as is_verblijf,
    m.municipality_code,
    list_sort(list_distinct(list(i.provider_agb) filter (where i.provider_agb is not null))) as providers,
    cast(count(*) as integer) as n_segments
from in_period as i
join youth_municipality as m using (period, youth_key)
group by i.period, i.period_start, i.period_end, i.youth_key, i.care_form, i.care_group, m.municipality_code
