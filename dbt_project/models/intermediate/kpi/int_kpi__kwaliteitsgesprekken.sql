-- KG01-KG04 (docs/kpi-definitions.md): mean contract-manager score (0/4/7/10) of the quality conversations held in
-- P, per provider and for the region (mean over all conversations). Scores below 10 and their improvement
-- deadline (conversation + 6 weeks): stg_gemeente__kwaliteitsgesprekken.verbeterdatum.
with kg as (
    select
        kpi_id,
        'mean' as kind,
        cast(year(gespreksdatum) as varchar) || case when month(gespreksdatum) <= 6 then '-H1' else '-H2' end
            as period,
        provider_agb,
        cast(null as varchar) as municipality_code,
        cast(score as double) as num,
        cast(1 as double) as den,
        false as is_suppressed,
        false as is_provisional
    from {{ ref('stg_gemeente__kwaliteitsgesprekken') }}
),

{{ delivered_kpi_aggregate('kg') }}

select * from kpi_final
