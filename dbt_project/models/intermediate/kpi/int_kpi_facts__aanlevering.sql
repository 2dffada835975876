-- Facts of AL01 (docs/kpi-definitions.md; one definition, read by int_kpi__aanlevering and marts.kpi_units): one
-- row per provider under contract in P and its expected delivery: a CBS spiegelrapportage (providers with
-- reports_to_cbs) or a provider template (the others); num = 1 when it was loaded for P (whenever it arrived),
-- else 0; den = 1. Per provider (100 or 0) and region Σ/Σ; a year sums its two half-years.
with facts as (
    select
        'AL01' as kpi_id,
        'ratio' as kind,
        period,
        provider_agb,
        cast(null as varchar) as municipality_code,
        cast(case when status = 'received' then 1 else 0 end as double) as num,
        cast(1 as double) as den,
        false as is_suppressed,
        false as is_provisional,
        'levering' as unit_type,
        delivery || ' ' || status as unit_detail,
        case when delivery = 'cbs_spiegel' then 'cbs_spiegel' else 'aanbieders' end as source,
        file_path as source_file_path,
        cast(null as varchar) as source_file_sha256,
        cast(null as varchar) as source_locator
    from {{ ref('int_delivery_expectations') }}
    where delivery = case when reports_to_cbs then 'cbs_spiegel' else 'aanbieder_template' end
)

{{ delivered_facts('facts') }}
