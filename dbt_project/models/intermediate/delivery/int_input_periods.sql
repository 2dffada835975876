-- Every calendar year and half-year (G5) from 2015 (Jeugdwet) through the peildatum's year that has started
-- by peildatum. For the KPIs of inputs other than the messages, which may arrive without any message.
with years as (
    select cast(unnest(range(2015, year({{ peildatum() }}) + 1)) as integer) as year
),

periods as (
    select cast(year as varchar) as period, 'year' as period_type, year,
           make_date(year, 1, 1) as period_start, make_date(year, 12, 31) as period_end
    from years
    union all
    select cast(year as varchar) || '-H1', 'half_year', year, make_date(year, 1, 1), make_date(year, 6, 30)
    from years
    union all
    select cast(year as varchar) || '-H2', 'half_year', year, make_date(year, 7, 1), make_date(year, 12, 31)
    from years
)

select * from periods where period_start <= {{ peildatum() }}
