-- Facts of the youth-count KPIs (one definition, read by int_kpi__youths and marts.kpi_units):
-- VB01 (youths in verblijf, + rows per care form), VB03 (verblijf / ambulant), VB09 (part-time foster care),
-- VB11 (gezinsgericht / verblijf). Unit = youth; municipality = the youth's attribution in P
-- (int_youth_periods); providers = providers of the segments that put the youth in the numerator or
-- denominator population. A youth may occur in two rows of one KPI (VB03, VB11: numerator and denominator
-- populations with their own providers). Lineage: the JW305 files and message ids of the segments that put the
-- youth in that population in P (G6: overlap with P).
with yp as (
    select * from {{ ref('int_youth_periods') }}
),

-- one row per (period, youth) of a population of several care forms
populations as (
    select
        population, period, period_start, period_end, youth_key, any_value(municipality_code) as municipality_code,
        list_sort(list_distinct(flatten(list(providers)))) as providers
    from (
        select *, care_group as population from yp where care_group in ('verblijf', 'ambulant')
        union all
        select *, 'gezinsgericht' from yp where care_form in {{ gezinsgericht_care_forms() }}
    )
    group by population, period, period_start, period_end, youth_key
),

verblijf as (select * from populations where population = 'verblijf'),

pleegzorg as (
    select y.period, y.period_start, y.period_end, y.youth_key, y.municipality_code, y.providers,
           f.is_part_time, f.etmalen_per_week
    from yp as y
    join {{ ref('int_foster_care_intensity') }} as f using (period, youth_key)
    where y.care_form = 'pleegzorg'
),

facts as (
    -- population: 'verblijf', 'ambulant', 'gezinsgericht', 'pleegzorg' or one care form (VB01 per form)
    select 'VB01' as kpi_id, 'count' as kind, period, period_start, period_end, youth_key, municipality_code,
           providers, cast(null as varchar) as care_form, true as in_numerator, false as in_denominator,
           cast(null as double) as measure, population
    from verblijf
    union all
    -- VB01 per care form (verblijf forms, plus 'onbekend' so unclassified products are surfaced)
    select 'VB01', 'count', period, period_start, period_end, youth_key, municipality_code, providers, care_form,
           true, false, null, care_form
    from yp
    where care_group in ('verblijf', 'onbekend')
    union all
    -- VB03 numerator (verblijf) and denominator (ambulant)
    select 'VB03', 'ratio', period, period_start, period_end, youth_key, municipality_code, providers, null,
           population = 'verblijf', population = 'ambulant', null, population
    from populations where population in ('verblijf', 'ambulant')
    union all
    select 'VB09', 'ratio', period, period_start, period_end, youth_key, municipality_code, providers, null,
           is_part_time, true, cast(etmalen_per_week as double), 'pleegzorg'
    from pleegzorg
    union all
    -- VB11 numerator (pleegzorg or gezinshuis) and denominator (VB01)
    select 'VB11', 'ratio', period, period_start, period_end, youth_key, municipality_code, providers, null,
           population = 'gezinsgericht', population = 'verblijf', null, population
    from populations where population in ('gezinsgericht', 'verblijf')
),

segment_sources as (
    select * from {{ ref('int_segment_sources') }}
),

sources as (
    select
        y.kpi_id, y.period, y.youth_key, y.population,
        string_agg(distinct s.file_path, '; ' order by s.file_path) as file_path,
        string_agg(distinct s.message_id, '; ' order by s.message_id) as message_ids
    from (select distinct kpi_id, period, youth_key, population from facts) as y
    join {{ ref('int_reporting_periods') }} as p on p.period = y.period
    join segment_sources as s
      on s.youth_key = y.youth_key
     and s.start_date <= p.period_end
     and (s.end_date is null or s.end_date >= p.period_start)
     and case y.population
            when 'verblijf' then s.care_group = 'verblijf'
            when 'ambulant' then s.care_group = 'ambulant'
            when 'gezinsgericht' then s.care_form in {{ gezinsgericht_care_forms() }}
            else s.care_form = y.population
         end
    group by y.kpi_id, y.period, y.youth_key, y.population
)

select
    f.kpi_id, f.kind, f.period, f.period_start, f.period_end,
    f.youth_key as unit_id, f.youth_key, f.municipality_code, f.providers, f.care_form,
    f.in_numerator, f.in_denominator, f.measure, false as item_provisional,
    'jeugdige' as unit_type, 'populatie ' || f.population as unit_detail, 'berichten' as source,
    s.file_path as source_file_path, cast(null as varchar) as source_file_sha256, s.message_ids as source_locator
from facts as f
left join sources as s using (kpi_id, period, youth_key, population)
