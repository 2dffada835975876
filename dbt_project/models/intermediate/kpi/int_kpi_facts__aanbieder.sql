-- Facts of the provider-delivered KPIs (docs/kpi-definitions.md; one definition, read by int_kpi__aanbieder and
-- marts.kpi_units): one row per KPI and template row, per provider and half-year, with its contribution num
-- (teller) and den (noemer):
--   the catalogue's measure_kind decides (seeds/kpi_catalogue.csv, docs/adding-a-kpi.md):
--   ratio (DB01-DB03, LR01-LR04, PP01, OI06, OI07, CT02): 100 × Σteller / Σnoemer
--   mean (EG03, mean placements per stay period): teller = placements, noemer = stay periods, value = Σ/Σ
--   score (CT01, mean rapportcijfer): num = mean score × respondents, den = respondents; respondent-weighted mean
--   count: Σteller
--   KL01 / KL04 (counts): complaints / upheld complaints
--   KL02: clients with a complaint ÷ clients in care (aantal_clienten); KL03: handled ÷ complaints
with facts as (
    select
        t.kpi_id,
        case c.measure_kind when 'mean' then 'mean' when 'score' then 'mean' when 'count' then 'count'
            else 'ratio' end as kind,
        t.periode as period, t.provider_agb, cast(null as varchar) as municipality_code,
        cast(case when c.measure_kind = 'score' then t.teller * t.noemer else t.teller end as double) as num,
        cast(case when coalesce(c.measure_kind, 'ratio') <> 'count' then t.noemer end as double) as den,
        false as is_suppressed, false as is_provisional,
        'sjabloonregel' as unit_type,
        'teller ' || coalesce(cast(t.teller as varchar), '') || ', noemer ' || coalesce(cast(t.noemer as varchar), '')
            as unit_detail,
        'aanbieders' as source, t.file_path as source_file_path, cast(null as varchar) as source_file_sha256,
        t.record_locator as source_locator
    from {{ ref('stg_aanbieder__kpi') }} as t
    left join {{ ref('kpi_catalogue') }} as c on c.kpi_id = t.kpi_id
    union all
    select k.kpi_id, k.kind, periode, provider_agb, null, k.num, k.den, false, false,
           'klachtenregel', k.kpi_id || ' uit klachtenregel', 'aanbieders', file_path, null, record_locator
    from {{ ref('stg_aanbieder__klachten') }},
    lateral (
        select v.* from (values
            ('KL01', 'count', cast(aantal as double), cast(null as double)),
            ('KL02', 'ratio', cast(aantal_clienten_met_klacht as double), cast(aantal_clienten as double)),
            ('KL03', 'ratio', cast(aantal_afgehandeld as double), cast(aantal as double)),
            ('KL04', 'count', cast(aantal_gegrond as double), cast(null as double))
        ) as v (kpi_id, kind, num, den)
    ) as k
)

{{ delivered_facts('facts') }}
