-- Facts of the TOM KPIs VB04 and VB08 from int_tom_outcomes (one definition, read by int_kpi__tom and
-- marts.kpi_units). Unit = ended TOM segment (end in P); municipality = the segment's gemeente; provider = the
-- TOM provider. Provisional while a counted segment's window is open. Lineage: the JW305 that started it.
select
    o.kpi_id, 'ratio' as kind, p.period, p.period_start, p.period_end,
    o.segment_id as unit_id, o.youth_key, o.municipality_code,
    case when o.provider_agb is null then [] else [o.provider_agb] end as providers,
    cast(null as varchar) as care_form,
    o.is_success as in_numerator, true as in_denominator, cast(null as double) as measure,
    o.is_provisional as item_provisional,
    'zorgsegment' as unit_type,
    o.care_form || ' ' || cast(o.start_date as varchar) || ' t/m ' || cast(o.end_date as varchar)
        || ', venster (' || cast(o.window_after as varchar) || ', ' || cast(o.window_until as varchar) || ']'
        as unit_detail,
    'berichten' as source,
    s.file_path as source_file_path, s.file_sha256 as source_file_sha256, s.message_id as source_locator
from (
    select *, unnest({{ period_labels('end_date') }}) as reporting_period
    from {{ ref('int_tom_outcomes') }}
) as o
join {{ ref('int_reporting_periods') }} as p on p.period = o.reporting_period
left join {{ ref('int_segment_sources') }} as s on s.segment_id = o.segment_id
