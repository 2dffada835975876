-- Facts of the administrative-process KPIs AP01, AP03, AP04, AP05, AP08, AP09, AP11, AP12 (one definition, read
-- by int_kpi__ap, int_kpi__ap_medians and marts.kpi_units) from the items of int_ap_items: an item counts in
-- the period of its reference_date, in the denominator once judged (on_time not NULL) and in the numerator when
-- on time; a pending item is not counted but makes its rows provisional. Municipality = header gemeente,
-- provider = AGB. measure = working days until the 325 (AP09) or the days taken (the others; working days
-- where an item has no calendar days).
-- AP09 counts declarations; its youths are those declared for in it (stg_ijw__prestaties): a declaration has
-- one row per youth (same unit_id), and only its first row carries the measure, so each declaration weighs once
-- in a mean or median (aggregates skip NULL) while n_youths counts every youth.
with items as (
    select * from {{ ref('int_ap_items') }}
),

declaration_youths as (
    select distinct declaratie_id, youth_key
    from {{ ref('stg_ijw__prestaties') }}
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
        when row_number() over (partition by i.kpi_id, i.item_id, p.period order by y.youth_key) > 1 then null
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
join {{ ref('int_reporting_periods') }} as p on i.reference_date between p.period_start and p.period_end
left join declaration_youths as y on i.kpi_id = 'AP09' and y.declaratie_id = i.item_id
