-- Stay periods (verblijfsperioden, kpi-definitions G4): the 4-month gap rule.
-- Per youth, verblijf segments (G2, TOM included) are ordered by start date; a segment joins the current
-- period when its start <= (latest end so far) + 4 calendar months, otherwise it opens a new period.
-- An open segment (end NULL) makes the period open: every later segment joins it.
-- Attributes as in G4; main_care_form = care form with the most segment days (open segments counted up to
-- peildatum, overlapping days of two segments counted for both; tie -> alphabetical), municipality_code =
-- gemeente of the first segment, providers = every AGB in the period (provider grain of the KPIs).
with segments as (
    select * from {{ ref('int_care_segments') }} where is_verblijf
),

reach as (
    select
        *,
        -- latest end among the youth's earlier segments; 9999-12-31 stands for "open"
        max(coalesce(end_date, date '9999-12-31')) over (
            partition by youth_key order by start_date, segment_id
            rows between unbounded preceding and 1 preceding
        ) as previous_reach
    from segments
),

flagged as (
    select
        *,
        case
            when previous_reach is null then 1
            when previous_reach = date '9999-12-31' then 0
            when start_date <= cast(previous_reach + interval 4 month as date) then 0
            else 1
        end as opens_period
    from reach
),

numbered as (
    select
        *,
        sum(opens_period) over (
            partition by youth_key order by start_date, segment_id rows unbounded preceding
        ) as period_number
    from flagged
),

form_days as (
    select
        youth_key,
        period_number,
        care_form,
        sum(greatest(datediff('day', start_date, coalesce(end_date, {{ peildatum() }})), 0) + 1) as n_days
    from numbered
    group by youth_key, period_number, care_form
),

main_form as (
    select youth_key, period_number, care_form as main_care_form
    from form_days
    qualify row_number() over (
        partition by youth_key, period_number order by n_days desc, care_form
    ) = 1
),

periods as (
    select
        youth_key,
        cast(period_number as integer) as period_number,
        min(start_date) as start_date,
        case when bool_or(end_date is null) then null else max(end_date) end as end_date,
        cast(count(*) as integer) as n_segments,
        cast(count(distinct provider_agb) as integer) as n_providers,
        list_sort(list_distinct(list(provider_agb) filter (where provider_agb is not null))) as providers,
        list_sort(list_distinct(list(care_form))) as care_forms,
        bool_or(is_zwaar) as has_zwaar,
        first(municipality_code order by start_date, segment_id) as municipality_code
    from numbered
    group by youth_key, period_number
)

select
    p.youth_key || '-' || p.period_number as stay_period_id,
    p.youth_key,
    p.period_number,
    p.start_date,
    p.end_date,
    (p.end_date is not null and p.end_date <= {{ peildatum() }}) as is_closed,
    (
        p.end_date is not null and p.end_date <= {{ peildatum() }}
        and cast(p.end_date + interval 4 month as date) <= {{ peildatum() }}
    ) as is_final,
    cast(datediff('day', p.start_date, p.end_date) / 30.4375 as double) as duration_months,
    p.n_segments,
    p.n_providers,
    m.main_care_form,
    p.has_zwaar,
    p.municipality_code,
    p.providers,
    p.care_forms,
    (select min(start_date) from {{ ref('int_care_segments') }}) as history_start
from periods as p
join main_form as m using (youth_key, period_number)
