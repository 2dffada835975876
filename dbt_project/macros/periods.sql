{#- Reporting periods (G5), the one definition in SQL (Python: orchestration/jeugdkpi/periods.py): every calendar
    year from `first_year` (a SQL expression; NULL = no periods) through the peildatum's year, as the year
    (JJJJ) and its half-years (JJJJ-H1: 1 January - 30 June, JJJJ-H2: 1 July - 31 December), restricted to the
    periods that have started by the peildatum. Columns: period, period_type, year, period_start, period_end. -#}
{% macro reporting_periods(first_year) %}
    with years as (
        select cast(unnest(range({{ first_year }}, year({{ peildatum() }}) + 1)) as integer) as year
    ),

    periods as (
        select
            cast(year as varchar) as period, 'year' as period_type, year,
            make_date(year, 1, 1) as period_start, make_date(year, 12, 31) as period_end
        from years
        union all
        select
            cast(year as varchar) || '-H' || cast(half as varchar), 'half_year', year,
            make_date(year, 6 * half - 5, 1), last_day(make_date(year, 6 * half, 1))
        from years cross join (values (1), (2)) as halves (half)
    )

    select period, period_type, year, period_start, period_end
    from periods
    where period_start <= {{ peildatum() }}
{% endmacro %}

{#- The labels of the reporting periods that contain the date `d` (a SQL expression): its year (JJJJ) and its
    half-year (JJJJ-H1 / JJJJ-H2), as a varchar[] (NULL labels for a NULL date), the same periods as
    reporting_periods. Facts join the periods on `p.period = unnest(period_labels(d))`: an equi-join, linear in
    the facts, instead of the range join `d between p.period_start and p.period_end`; the join keeps only the
    periods int_reporting_periods holds. -#}
{% macro period_labels(d) -%}
    [
        cast(year({{ d }}) as varchar),
        cast(year({{ d }}) as varchar) || '-H' || case when month({{ d }}) <= 6 then '1' else '2' end
    ]
{%- endmacro %}
