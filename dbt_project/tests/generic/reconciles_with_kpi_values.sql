{#-
  The detail mart `model` (ap_items) reconciles with `kpi_values` for the KPIs in `kpi_ids`: every row of
  kpi_values has denominator = items counted (on_time not NULL) and numerator = items on time, per period
  (item reference_date in the period) at region, municipality and provider grain; and every
  (KPI, period, grain) with counted items has exactly such a row. Returns the mismatches.
-#}
{% test reconciles_with_kpi_values(model, kpi_values, kpi_ids) %}
{%- set kpi_list -%}({% for k in kpi_ids %}'{{ k }}'{% if not loop.last %}, {% endif %}{% endfor %}){%- endset %}
with item_periods as (
    select i.kpi_id, p.period, i.municipality_code, i.provider_agb, i.on_time
    from {{ model }} as i
    join {{ ref('int_reporting_periods') }} as p on i.reference_date between p.period_start and p.period_end
    where i.kpi_id in {{ kpi_list }} and i.on_time is not null
),

expected as (
    select kpi_id, period, cast(null as varchar) as municipality_code, cast(null as varchar) as provider_agb,
           count(*) as n_items, count(*) filter (where on_time) as n_on_time
    from item_periods group by kpi_id, period
    union all
    select kpi_id, period, municipality_code, cast(null as varchar),
           count(*), count(*) filter (where on_time)
    from item_periods where municipality_code is not null group by kpi_id, period, municipality_code
    union all
    select kpi_id, period, cast(null as varchar), provider_agb,
           count(*), count(*) filter (where on_time)
    from item_periods where provider_agb is not null group by kpi_id, period, provider_agb
),

actual as (
    select kpi_id, period, municipality_code, provider_agb, numerator, denominator
    from {{ kpi_values }}
    where kpi_id in {{ kpi_list }} and care_form is null
)

select
    coalesce(e.kpi_id, a.kpi_id) as kpi_id,
    coalesce(e.period, a.period) as period,
    coalesce(e.municipality_code, a.municipality_code) as municipality_code,
    coalesce(e.provider_agb, a.provider_agb) as provider_agb,
    e.n_items, e.n_on_time, a.denominator, a.numerator
from expected as e
full outer join actual as a
    on a.kpi_id = e.kpi_id and a.period = e.period
   and a.municipality_code is not distinct from e.municipality_code
   and a.provider_agb is not distinct from e.provider_agb
where e.kpi_id is null or a.kpi_id is null
   or a.denominator is distinct from cast(e.n_items as double)
   or a.numerator is distinct from cast(e.n_on_time as double)
{% endtest %}
