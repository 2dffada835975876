-- Facts of KG01-KG04 (docs/kpi-definitions.md; one definition, read by int_kpi__kwaliteitsgesprekken and
-- marts.kpi_units): one row per quality conversation held in P with its contract-manager score (0/4/7/10) as
-- num and 1 as den, so a provider's and the region's value is the mean over the conversations. Scores below 10
-- and their improvement deadline: stg_gemeente__kwaliteitsgesprekken.verbeterdatum.
with facts as (
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
        false as is_provisional,
        'kwaliteitsgesprek' as unit_type,
        onderdeel || ' ' || cast(gespreksdatum as varchar) || ', score ' || cast(score as varchar) as unit_detail,
        'kwaliteitsgesprekken' as source, file_path as source_file_path, cast(null as varchar) as source_file_sha256,
        record_locator as source_locator
    from {{ ref('stg_gemeente__kwaliteitsgesprekken') }}
)

{{ delivered_facts('facts') }}
