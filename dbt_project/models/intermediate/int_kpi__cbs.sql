-- CBS spiegelrapportage KPIs (kpi-definitions §4): OI01-OI05 and OI08, per provider, per municipality (when the
-- report has municipality cells) and for the region as Σ/Σ. A suppressed cell (NULL) leaves its provider's
-- contribution out of every total it belongs to, and those totals are is_partial. cbs_status other than
-- 'definitief' makes a row provisional.
--   OI01 uitval            = uitval cells with reden in the uitval code set (var uitval_codes, default 03)
--                            ÷ uitval cells with reden 01-05
--   OI02 / OI03            = tevredenheid measurements with score >= 8 / <= 4 ÷ all tevredenheid measurements
--   OI04 zonder hulp verder = zonder_hulp_verder codes 03, 04 ÷ codes 01-04
--   OI05 geen nieuwe start  = geen_nieuwe_start ÷ beeindigd
--   OI08 meetpercentage     = tevredenheid measurements of the youth (informant jeugdige or none) ÷ beeindigd
with cells as (
    select * from {{ ref('stg_cbs__spiegel') }}
),

parts as (
    select 'OI01' as kpi_id, *, categorie in {{ uitval_codes() }} as in_num, true as in_den
    from cells where indicator = 'uitval'
    union all
    select 'OI02', *, cast(categorie as integer) >= 8, true from cells where indicator = 'tevredenheid'
    union all
    select 'OI03', *, cast(categorie as integer) <= 4, true from cells where indicator = 'tevredenheid'
    union all
    select 'OI04', *, categorie in ('03', '04'), true from cells where indicator = 'zonder_hulp_verder'
    union all
    select 'OI05', *, indicator = 'geen_nieuwe_start', indicator = 'beeindigd'
    from cells where indicator in ('geen_nieuwe_start', 'beeindigd')
    union all
    select 'OI08', *, indicator = 'tevredenheid', indicator = 'beeindigd'
    from cells
    where indicator = 'beeindigd' or (indicator = 'tevredenheid' and coalesce(informant, 'jeugdige') = 'jeugdige')
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
