-- Reporting periods (G5): every calendar year and half-year from the first year with data (earliest care
-- segment start or prestatie Begindatum, not before 2015 = Jeugdwet) through the peildatum's year,
-- restricted to periods that have started by peildatum. No data -> no periods (and no KPI rows).
with first_year as (
    select case when min(y) is not null then greatest(2015, min(y)) end as y
    from (
        select min(year(start_date)) as y from {{ ref('int_care_segments') }}
        union all
        select min(year(begindatum)) from {{ ref('stg_ijw__prestaties') }}
    )
),

years as (
    select cast(unnest(range(f.y, year({{ peildatum() }}) + 1)) as integer) as year
    from first_year as f
    where f.y is not null
),

periods as (
    select
        cast(year as varchar) as period, 'year' as period_type, year,
        make_date(year, 1, 1) as period_start, make_date(year, 12, 31) as period_end
    from years
    union all
    select cast(year as varchar) || '-H1', 'half_year', year, make_date(year, 1, 1), make_date(year, 6, 30)
    from years
    union all
    select cast(year as varchar) || '-H2', 'half_year', year, make_date(year, 7, 1), make_date(year, 12, 31)
    from years
)

select period, period_type, year, period_start, period_end
from periods
where period_start <= {{ peildatum() }}
