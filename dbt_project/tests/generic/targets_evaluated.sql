{#- Targets are evaluated: every region year row of `model` (kpi_values) with a value, from the catalogue's
    target year on, has its target and target_met - for a change target only when the base year has a value -
    and an absolute target equals the catalogue's target_value. Returns the rows where the target logic broke. -#}
{% test targets_evaluated(model, catalogue) %}
with region as (
    select * from {{ model }}
    where municipality_code is null and provider_agb is null and care_form is null and length(period) = 4
)

select r.kpi_id, r.period, r.value, r.target, r.target_met, c.target_type, c.target_value
from region as r
join {{ catalogue }} as c on c.kpi_id = r.kpi_id
where c.target_type is not null and r.value is not null
  and (c.target_year is null or cast(r.period as integer) >= c.target_year)
  and (c.target_type = 'absolute'
       or exists (select 1 from region as b where b.kpi_id = r.kpi_id
                  and b.period = cast(c.base_year as varchar) and b.value is not null))
  and (r.target is null or r.target_met is null
       or (c.target_type = 'absolute' and r.target <> c.target_value))
{% endtest %}
