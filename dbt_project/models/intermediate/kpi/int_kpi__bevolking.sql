-- VB02 (docs/kpi-definitions.md): youths in verblijf in P aged 0-17 on 1 January of P's year (G8) ÷ CBS population
-- aged 0-17 on 1 January of P's year, per municipality and for the region (the municipalities with population
-- figures). When that year's population is not there yet the latest earlier year is used and the row is
-- provisional. Youths without a birth year cannot be aged and are not counted (they are in VB01).
with pop as (
    select
        municipality_code,
        year,
        coalesce(sum(aantal) filter (where geslacht = 'T'), sum(aantal) filter (where geslacht in ('M', 'V')))
            as pop_0_17
    from {{ ref('stg_cbs__bevolking') }}
    where leeftijd between 0 and 17
    group by municipality_code, year
),

periods as (
    select * from {{ ref('int_reporting_periods') }}
),

period_pop as (
    select p.period, p.year, p.period_start, p.period_end, pop.municipality_code, pop.pop_0_17,
           pop.year <> p.year as pop_provisional
    from periods as p
    join pop on pop.year <= p.year
    qualify row_number() over (partition by p.period, pop.municipality_code order by pop.year desc) = 1
),

births as (
    select youth_key, max(birth_year) as birth_year, bool_or(coalesce(born_jan_1, false)) as born_jan_1
    from {{ ref('int_care_segments') }}
    group by youth_key
),

youths as (
    select distinct y.period, y.youth_key, y.municipality_code
    from {{ ref('int_youth_periods') }} as y
    join periods as p using (period)
    join births as b using (youth_key)
    where y.care_group = 'verblijf'
      and p.year - b.birth_year - case when b.born_jan_1 then 0 else 1 end between 0 and 17
),

per_municipality as (
    select pp.period, pp.period_start, pp.period_end, pp.municipality_code, pp.pop_0_17, pp.pop_provisional,
           count(y.youth_key) as n_youths
    from period_pop as pp
    left join youths as y on y.period = pp.period and y.municipality_code = pp.municipality_code
    group by all
),

grains as (
    select period, period_start, period_end, municipality_code, n_youths, pop_0_17, pop_provisional
    from per_municipality
    union all
    select period, period_start, period_end, null, sum(n_youths), sum(pop_0_17), bool_or(pop_provisional)
    from per_municipality
    group by period, period_start, period_end
)

select
    'VB02' as kpi_id,
    period,
    period_start,
    period_end,
    municipality_code,
    cast(null as varchar) as provider_agb,
    cast(null as varchar) as care_form,
    cast(n_youths as double) as numerator,
    cast(pop_0_17 as double) as denominator,
    100.0 * n_youths / pop_0_17 as value,
    cast(n_youths as integer) as n_youths,
    (pop_provisional or period_end > {{ peildatum() }}) as is_provisional,
    (period_end > {{ peildatum() }}) as is_partial
from grains
where pop_0_17 > 0
