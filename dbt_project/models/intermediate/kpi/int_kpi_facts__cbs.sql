-- Facts of the CBS spiegelrapportage KPIs OI01-OI05 and OI08 (docs/kpi-definitions.md; one definition, read by
-- int_kpi__cbs and marts.kpi_units): one row per (KPI, cell of a loaded report) with its contribution to the
-- numerator (num: the cell's count when it counts in the numerator, else 0) and the denominator (den: its count
-- when it counts in the denominator, else NULL), per half-year, provider and municipality (NULL when the report
-- has no municipality cells). A suppressed cell (count NULL) is is_suppressed; cbs_status other than
-- 'definitief' makes it provisional. The cells behind each KPI: macro cbs_spiegel_parts (macros/cbs_spiegel.sql).
with cells as (
    select * from {{ ref('stg_cbs__spiegel') }}
),

parts as (
    {{ cbs_spiegel_parts('cells') }}
),

facts as (
    select
        kpi_id, 'ratio' as kind, periode as period, provider_agb, municipality_code,
        cast(case when in_num then coalesce(aantal, 0) else 0 end as double) as num,
        cast(case when in_den then aantal end as double) as den,
        is_suppressed,
        cbs_status <> 'definitief' as is_provisional,
        'cbs-cel' as unit_type,
        indicator || coalesce('/' || hulpvorm, '') || coalesce('/' || informant, '')
            || coalesce(' categorie ' || categorie, '') as unit_detail,
        'cbs_spiegel' as source, file_path as source_file_path, file_sha256 as source_file_sha256,
        record_locator as source_locator
    from parts
)

{{ delivered_facts('facts') }}
