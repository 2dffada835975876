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
)

select * from ({{ reporting_periods('(select y from first_year)') }})
