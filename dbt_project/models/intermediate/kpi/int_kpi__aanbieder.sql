-- Provider-delivered KPIs (docs/kpi-definitions.md): per provider and half-year a teller and noemer from the
-- template; year = both half-years summed; region = Σteller / Σnoemer.
--   percentages (DB01-DB03, LR01-LR04, PP01, OI06, OI07, CT02): 100 × teller / noemer
--   EG03 (mean placements per stay period): teller = placements, noemer = stay periods, value = Σ/Σ
--   CT01 (mean rapportcijfer): teller = mean score, noemer = respondents; respondent-weighted mean
--   KL01 / KL04 (counts): complaints / upheld complaints
--   KL02: clients with a complaint ÷ clients in care (aantal_clienten); KL03: handled ÷ complaints
with kpi as (
    select * from {{ ref('stg_aanbieder__kpi') }}
),

klachten as (
    select * from {{ ref('stg_aanbieder__klachten') }}
),

contrib as (
    select
        kpi_id,
        case when kpi_id in ('EG03', 'CT01') then 'mean' else 'ratio' end as kind,
        periode as period,
        provider_agb,
        cast(null as varchar) as municipality_code,
        cast(case when kpi_id = 'CT01' then teller * noemer else teller end as double) as num,
        cast(noemer as double) as den,
        false as is_suppressed,
        false as is_provisional
    from kpi
    union all
    select 'KL01', 'count', periode, provider_agb, null, aantal, null, false, false from klachten
    union all
    select 'KL02', 'ratio', periode, provider_agb, null, aantal_clienten_met_klacht, aantal_clienten, false, false
    from klachten
    union all
    select 'KL03', 'ratio', periode, provider_agb, null, aantal_afgehandeld, aantal, false, false from klachten
    union all
    select 'KL04', 'count', periode, provider_agb, null, aantal_gegrond, null, false, false from klachten
),

{{ delivered_kpi_aggregate('contrib') }}

select * from kpi_final
