-- Youth-count KPIs: VB01 (youths in verblijf, + rows per care form), VB03 (verblijf / ambulant),
-- VB09 (part-time foster care), VB11 (gezinsgericht / verblijf). Unit = youth; municipality = the youth's
-- attribution in P (int_youth_periods); providers = providers of the segments that put the youth in the
-- numerator or denominator population.
with yp as (
    select * from {{ ref('int_youth_periods') }}
),

verblijf as (
    select period, period_start, period_end, youth_key, any_value(municipality_code) as municipality_code,
           list_distinct(flatten(list(providers))) as providers
    from yp where care_group = 'verblijf'
    group by period, period_start, period_end, youth_key
),

ambulant as (
    select period, period_start, period_end, youth_key, any_value(municipality_code) as municipality_code,
           list_distinct(flatten(list(providers))) as providers
    from yp where care_group = 'ambulant'
    group by period, period_start, period_end, youth_key
),

gezinsgericht as (
    select period, period_start, period_end, youth_key, any_value(municipality_code) as municipality_code,
           list_distinct(flatten(list(providers))) as providers
    from yp where care_form in {{ gezinsgericht_care_forms() }}
    group by period, period_start, period_end, youth_key
),

pleegzorg as (
    select y.period, y.period_start, y.period_end, y.youth_key, y.municipality_code, y.providers,
           f.is_part_time
    from yp as y
    join {{ ref('int_foster_care_intensity') }} as f using (period, youth_key)
    where y.care_form = 'pleegzorg'
),

facts as (
    -- VB01 total
    select 'VB01' as kpi_id, 'count' as kind, period, period_start, period_end, youth_key as unit_id, youth_key,
           municipality_code, providers, cast(null as varchar) as care_form,
           true as in_numerator, false as in_denominator, cast(null as double) as measure,
           false as item_provisional
    from verblijf
    union all
    -- VB01 per care form (verblijf forms, plus 'onbekend' so unclassified products are surfaced)
    select 'VB01', 'count', period, period_start, period_end, youth_key, youth_key,
           municipality_code, providers, care_form, true, false, null, false
    from yp
    where care_group in ('verblijf', 'onbekend')
    union all
    -- VB03 numerator (verblijf) and denominator (ambulant)
    select 'VB03', 'ratio', period, period_start, period_end, youth_key, youth_key,
           municipality_code, providers, null, true, false, null, false
    from verblijf
    union all
    select 'VB03', 'ratio', period, period_start, period_end, youth_key, youth_key,
           municipality_code, providers, null, false, true, null, false
    from ambulant
    union all
    -- VB09
    select 'VB09', 'ratio', period, period_start, period_end, youth_key, youth_key,
           municipality_code, providers, null, is_part_time, true, null, false
    from pleegzorg
    union all
    -- VB11 numerator (pleegzorg or gezinshuis) and denominator (VB01)
    select 'VB11', 'ratio', period, period_start, period_end, youth_key, youth_key,
           municipality_code, providers, null, true, false, null, false
    from gezinsgericht
    union all
    select 'VB11', 'ratio', period, period_start, period_end, youth_key, youth_key,
           municipality_code, providers, null, false, true, null, false
    from verblijf
),

{{ kpi_aggregate('facts', zero_fill=['VB01']) }}

select * from kpi_final
