-- marts.kpi_values (docs/publication.md): the union of the per-family KPI models int_kpi__* (macro kpi_families:
-- each aggregates its facts model int_kpi_facts__* through kpi_aggregate or delivered_kpi_aggregate), with unit
-- and targets from the catalogue seed. A new family: one entry in kpi_families (macros/kpi_aggregate.sql).
with kpi_rows as (
    {%- for f in kpi_families() %}
    select
        kpi_id, period, period_start, period_end, municipality_code, provider_agb, care_form,
        numerator, denominator, value, n_youths, is_provisional, is_partial,
        '{{ f.source }}' as source
    from {{ ref(f.model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

catalogue as (
    select * from {{ ref('kpi_catalogue') }}
),

-- change targets: the value of the base year at the same grain
base_values as (
    select r.kpi_id, r.municipality_code, r.provider_agb, r.care_form, r.value as base_value
    from kpi_rows as r
    join catalogue as c on c.kpi_id = r.kpi_id
    where c.target_type = 'change_pct_vs_base' and r.period = cast(c.base_year as varchar)
),

targeted as (
    select
        r.*,
        c.unit,
        c.direction,
        case
            -- targets apply to year rows of the whole care-form total, from the target year on
            when length(r.period) <> 4 or r.care_form is not null then null
            when c.target_year is not null and try_cast(r.period as integer) < c.target_year then null
            when c.target_type = 'absolute' then c.target_value
            when c.target_type = 'change_pct_vs_base' then b.base_value * (1 + c.target_value / 100.0)
        end as target
    from kpi_rows as r
    left join catalogue as c on c.kpi_id = r.kpi_id
    left join base_values as b
        on b.kpi_id = r.kpi_id
       and b.municipality_code is not distinct from r.municipality_code
       and b.provider_agb is not distinct from r.provider_agb
       and b.care_form is not distinct from r.care_form
)

select
    cast(kpi_id as varchar) as kpi_id,
    {{ kpi_grain_columns() }},
    {{ typed_columns('numerator double, denominator double, value double, unit varchar, n_youths integer,
                      target double') }},
    cast(case
        when target is null or value is null then null
        when direction = 'lower' then value <= target
        when direction = 'higher' then value >= target
    end as boolean) as target_met,
    cast(is_provisional as boolean) as is_provisional,
    cast(is_partial as boolean) as is_partial,
    cast(false as boolean) as is_suppressed,
    cast(source as varchar) as source
from targeted
