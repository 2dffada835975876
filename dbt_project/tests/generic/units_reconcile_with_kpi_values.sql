{#-
  The unit list `model` (marts.kpi_units) reconciles with `kpi_values` for every KPI that has units (the facts
  models int_kpi_facts__*; docs/explain.md): recomputing every kpi_values row from its units gives the same row,
  and every row of `kpi_values_detail` (the medians of AP01 / AP09) the same median and n_youths.
    basis 'telling'     numerator = units in_numerator, denominator = units in_denominator (a unit counted
                        once per row); count -> value = units in_numerator; mean / median / sum -> value =
                        avg / median / sum of `measure` over the units in_denominator; n_youths = distinct
                        youth keys of the units in the numerator or denominator (every kind).
    basis 'aangeleverd' numerator = Σ numerator_part, denominator = Σ denominator_part of the rows not
                        excluded at that grain; mean -> value = Σ / Σ; count -> value = Σ numerator_part;
                        n_youths = Σ numerator_part (count) or Σ denominator_part (the others).
  Grains as in kpi_aggregate: region (all units), municipality (municipality_code), provider (each AGB in
  providers). Returns every row of either side without its counterpart or with a different figure; a
  kpi_values row with value 0 and n_youths 0 (zero-filled period) needs no units.
-#}
{% test units_reconcile_with_kpi_values(model, kpi_values, kpi_values_detail=none) %}
{%- set grains = 'kpi_id, kind, basis, period, g_municipality, g_provider, care_form' %}
with units as (
    select * from {{ model }}
),

expanded as (
    select *, cast(null as varchar) as g_municipality, cast(null as varchar) as g_provider
    from units where not excluded_provider
    union all
    select *, municipality_code, cast(null as varchar)
    from units where municipality_code is not null and not excluded_municipality
    union all
    select *, cast(null as varchar), unnest(list_distinct(providers))
    from units where not excluded_provider
),

-- the distinct counts of units and youths: the macros of kpi_aggregate (macros/kpi_aggregate.sql)
measures as (
    select
        {{ grains }},
        avg(measure) filter (where in_denominator) as avg_measure,
        quantile_cont(measure, 0.5) filter (where in_denominator) as median_measure,
        sum(measure) filter (where in_denominator) as sum_measure,
        sum(numerator_part) as sum_num,
        sum(denominator_part) as sum_den
    from expanded
    group by {{ grains }}
),

unit_counts as (
    {{ distinct_unit_counts('expanded', grains, 'unit_key') }}
),

youth_counts as (
    {{ distinct_youth_counts('expanded', grains) }}
),

grouped as (
    select
        m.kpi_id, m.kind, m.basis, m.period, m.g_municipality as municipality_code, m.g_provider as provider_agb,
        m.care_form, coalesce(u.n_num, 0) as n_num, coalesce(u.n_den, 0) as n_den, m.avg_measure, m.median_measure,
        m.sum_measure, coalesce(y.n_youths, 0) as n_youths, m.sum_num, m.sum_den
    from measures as m
    left join unit_counts as u on {{ same_grain('u', 'm', grains) }}
    left join youth_counts as y on {{ same_grain('y', 'm', grains) }}
),

expected as (
    select
        kpi_id, period, municipality_code, provider_agb, care_form, kind, basis,
        cast(case
            when basis = 'telling' then n_youths
            when kind = 'count' then sum_num
            else sum_den
        end as integer) as n_youths,
        cast(case
            when kind <> 'ratio' then null
            when basis = 'telling' then n_num
            else sum_num
        end as double) as numerator,
        cast(case
            when kind <> 'ratio' then null
            when basis = 'telling' then n_den
            else sum_den
        end as double) as denominator,
        cast(case
            when basis = 'telling' and kind = 'ratio' then 100.0 * n_num / nullif(n_den, 0)
            when basis = 'telling' and kind = 'count' then n_num
            when basis = 'telling' and kind = 'mean' then avg_measure
            when basis = 'telling' and kind = 'median' then median_measure
            when basis = 'telling' and kind = 'sum' then sum_measure
            when kind = 'ratio' then 100.0 * sum_num / nullif(sum_den, 0)
            when kind = 'mean' then sum_num / nullif(sum_den, 0)
            when kind = 'count' then sum_num
        end as double) as value
    from grouped
),

actual as (
    select kpi_id, period, municipality_code, provider_agb, care_form, numerator, denominator, value, n_youths
    from {{ kpi_values }}
    where kpi_id in (select kpi_id from units)
)

select
    coalesce(e.kpi_id, a.kpi_id) as kpi_id,
    coalesce(e.period, a.period) as period,
    coalesce(e.municipality_code, a.municipality_code) as municipality_code,
    coalesce(e.provider_agb, a.provider_agb) as provider_agb,
    coalesce(e.care_form, a.care_form) as care_form,
    e.numerator as units_numerator, a.numerator,
    e.denominator as units_denominator, a.denominator,
    e.value as units_value, a.value,
    e.n_youths as units_n_youths, a.n_youths
from (select * from expected where value is not null) as e
full outer join actual as a
    on a.kpi_id = e.kpi_id and a.period = e.period
   and a.municipality_code is not distinct from e.municipality_code
   and a.provider_agb is not distinct from e.provider_agb
   and a.care_form is not distinct from e.care_form
where (e.kpi_id is null and not (a.value = 0 and coalesce(a.n_youths, 0) = 0))
   or a.kpi_id is null
   or a.numerator is distinct from e.numerator
   or a.denominator is distinct from e.denominator
   or abs(a.value - e.value) > 1e-9
   or (e.kpi_id is not null and a.kpi_id is not null and a.n_youths is distinct from e.n_youths)
{%- if kpi_values_detail %}
union all
-- the medians of kpi_values_detail: over the units with a measure (judged or pending; an AP09 declaration
-- carries it on one of its rows), n_youths = the youths of those units
select
    coalesce(e.kpi_id, a.kpi_id), coalesce(e.period, a.period), coalesce(e.municipality_code, a.municipality_code),
    coalesce(e.provider_agb, a.provider_agb), coalesce(e.care_form, a.care_form),
    null, null, null, null, e.value, a.value, e.n_youths, a.n_youths
from (
    select
        kpi_id, period, g_municipality as municipality_code, g_provider as provider_agb, care_form,
        quantile_cont(measure, 0.5) as value, count(distinct youth_key) as n_youths
    from (
        select * from expanded
        where kpi_id in (select kpi_id from {{ kpi_values_detail }} where statistic = 'median')
        qualify bool_or(measure is not null) over (partition by kpi_id, period, unit_key)
    )
    group by all
) as e
full outer join (select * from {{ kpi_values_detail }} where statistic = 'median') as a
    on a.kpi_id = e.kpi_id and a.period = e.period
   and a.municipality_code is not distinct from e.municipality_code
   and a.provider_agb is not distinct from e.provider_agb
   and a.care_form is not distinct from e.care_form
where e.kpi_id is null or a.kpi_id is null
   or abs(a.value - e.value) > 1e-9
   or a.n_youths is distinct from e.n_youths
{%- endif %}
{% endtest %}
