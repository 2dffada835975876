-- AL01 (docs/kpi-definitions.md): providers under contract in P that delivered for P ÷ providers under contract
-- in P. Delivered = a loaded CBS spiegelrapportage (providers with reports_to_cbs) or a loaded provider
-- template (the others), whenever it arrived. Per provider (100 or 0) and region Σ/Σ; a year sums its two
-- half-years (provider-half-years delivered ÷ expected).
with expected as (
    select * from {{ ref('int_delivery_expectations') }}
    where delivery = case when reports_to_cbs then 'cbs_spiegel' else 'aanbieder_template' end
),

contrib as (
    select
        'AL01' as kpi_id,
        'ratio' as kind,
        e.period,
        e.provider_agb,
        cast(null as varchar) as municipality_code,
        cast(case when e.status = 'received' then 1 else 0 end as double) as num,
        cast(1 as double) as den,
        false as is_suppressed,
        false as is_provisional
    from expected as e
),

{{ delivered_kpi_aggregate('contrib') }}

select * from kpi_final
