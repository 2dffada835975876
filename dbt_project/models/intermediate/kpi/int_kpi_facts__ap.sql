-- Facts of the administrative-process KPIs AP01, AP03, AP04, AP05, AP08, AP09, AP11, AP12 (one definition, read
-- by int_kpi__ap, int_kpi__ap_medians and marts.kpi_units) from the items of int_ap_items: an item counts in
-- the period of its reference_date, in the denominator once judged (on_time not NULL) and in the numerator when
-- on time; a pending item is not counted but makes its rows provisional. Municipality = header gemeente,
-- provider = AGB. measure = working days until the 325 (AP09) or the days taken (the others; working days
-- where an item has no calendar days).
-- AP09 counts declarations; its youths are those declared for in it (stg_ijw__prestaties): a declaration has
-- one row per youth (same unit_id), and only its first row (lowest youth_key) carries the measure, so each
-- declaration weighs once in a mean or median (aggregates skip NULL) while n_youths counts every youth.
-- Linear joins only (issue 18): the periods by their labels (macro period_labels), the youths on the item key.
with items as (
    select *, unnest({{ period_labels('reference_date') }}) as period
    from {{ ref('int_ap_items') }}
),

declaration_youths as (
    select distinct declaratie_id, youth_key
    from {{ ref('stg_ijw__prestaties') }}
),

-- the youths of each AP09 declaration keyed as its item (kpi_id, item_id); the first (lowest key, NULL last)
-- carries the measure
ap09_youths as (
    select
        'AP09' as kpi_id, y.declaratie_id as item_id, y.youth_key,
        coalesce(y.youth_key = f.first_youth, false) or f.first_youth is null as carries_measure
    from declaration_youths as y
    join (
        select declaratie_id, min(youth_key) as first_youth
        from declaration_youths
        group by declaratie_id
    ) as f on f.declaratie_id = y.declaratie_id
)

select
    i.kpi_id, 'ratio' as kind, p.period, p.period_start, p.period_end,
    i.item_id as unit_id, coalesce(i.youth_key, y.youth_key) as youth_key,
    i.municipality_code,
    case when i.provider_agb is null then [] else [i.provider_agb] end as providers,
    cast(null as varchar) as care_form,
    coalesce(i.on_time, false) as in_numerator,
    i.on_time is not null as in_denominator,
    cast(case
        when not coalesce(y.carries_measure, true) then null
        when i.kpi_id = 'AP09' then i.working_days_taken
        else coalesce(i.days_taken, i.working_days_taken)
    end as double) as measure,
    i.is_provisional as item_provisional,
    case when i.kpi_id = 'AP09' then 'declaratie' else 'bericht' end as unit_type,
    'referentiedatum ' || cast(i.reference_date as varchar)
        || case when i.on_time is null then ', nog open' else '' end as unit_detail,
    'berichten' as source,
    i.source_file_path, i.source_file_sha256, i.source_message_id as source_locator
from items as i
join {{ ref('int_reporting_periods') }} as p on p.period = i.period
left join ap09_youths as y on y.kpi_id = i.kpi_id and y.item_id = i.item_id
