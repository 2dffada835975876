-- Administrative-process KPIs AP01, AP03, AP04, AP05, AP08, AP09, AP11, AP12 (docs/kpi-definitions.md) from the
-- items of int_ap_items: value = on-time items / counted items x 100 per period (the item's reference_date
-- in P) at region, municipality (header gemeente) and provider (AGB) grain. numerator = on time,
-- denominator = counted, so late = denominator - numerator. Pending items (on_time NULL) are not counted but
-- make the row provisional. n_youths = distinct youths behind the counted items (AP09: the youths declared
-- for in the counted declarations).
with items as (
    select * from {{ ref('int_ap_items') }}
),

-- the youths of each declaration (AP09 counts declarations, n_youths counts the youths in them)
declaration_youths as (
    select distinct declaratie_id, youth_key
    from {{ ref('stg_ijw__prestaties') }}
),

facts as (
    select
        i.kpi_id, 'ratio' as kind, p.period, p.period_start, p.period_end,
        i.item_id as unit_id, coalesce(i.youth_key, y.youth_key) as youth_key,
        i.municipality_code,
        case when i.provider_agb is null then [] else [i.provider_agb] end as providers,
        cast(null as varchar) as care_form,
        coalesce(i.on_time, false) as in_numerator,
        i.on_time is not null as in_denominator,
        cast(null as double) as measure,
        i.is_provisional as item_provisional
    from items as i
    join {{ ref('int_reporting_periods') }} as p on i.reference_date between p.period_start and p.period_end
    left join declaration_youths as y on i.kpi_id = 'AP09' and y.declaratie_id = i.item_id
),

{{ kpi_aggregate('facts') }}

select * from kpi_final
