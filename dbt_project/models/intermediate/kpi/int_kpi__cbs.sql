-- CBS spiegelrapportage KPIs (docs/kpi-definitions.md): OI01-OI05 and OI08, per provider, per municipality (when the
-- report has municipality cells) and for the region as Σ/Σ. A suppressed cell (NULL) leaves its provider's
-- contribution out of every total it belongs to, and those totals are is_partial. cbs_status other than
-- 'definitief' makes a row provisional. Such a provider has no row of its own for that KPI:
-- int_delivery_expectations names the KPIs (cbs_suppressed_kpis), so a report says "onderdrukt door CBS"
-- instead of "geen gegevens".
-- The cells behind each KPI: macro cbs_spiegel_parts (macros/cbs_spiegel.sql).
with cells as (
    select * from {{ ref('stg_cbs__spiegel') }}
),

parts as (
    {{ cbs_spiegel_parts('cells') }}
),

contrib as (
    select
        kpi_id,
        'ratio' as kind,
        periode as period,
        provider_agb,
        municipality_code,
        cast(coalesce(sum(aantal) filter (where in_num), 0) as double) as num,
        cast(sum(aantal) filter (where in_den) as double) as den,
        bool_or(is_suppressed) as is_suppressed,
        bool_or(cbs_status <> 'definitief') as is_provisional
    from parts
    group by kpi_id, periode, provider_agb, municipality_code
),

{{ delivered_kpi_aggregate('contrib') }}

select * from kpi_final
