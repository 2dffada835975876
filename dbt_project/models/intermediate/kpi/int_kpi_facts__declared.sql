-- Facts of the declaration KPI VB10 (one definition, read by int_kpi__declared and marts.kpi_units): net
-- declared etmalen (Eenheid 14) of verblijf prestaties with Begindatum in P (G11: debit - credit, rejected lines
-- and lines on deleted assignments excluded). Unit = prestatie; municipality = gemeente of the 323 header;
-- provider = the declaring AGB; measure = signed volume. Lineage: the 303D file and message.
select
    'VB10' as kpi_id, 'sum' as kind, p.period, p.period_start, p.period_end,
    x.prestatie_id as unit_id, x.youth_key, {{ current_municipality('x.gemeente_code') }} as municipality_code,
    case when x.provider_agb is null then [] else [x.provider_agb] end as providers,
    cast(null as varchar) as care_form,
    true as in_numerator, true as in_denominator, cast(x.signed_volume as double) as measure,
    false as item_provisional,
    'prestatie' as unit_type,
    'declaratie ' || coalesce(x.declaratienummer, '') || ', ' || x.care_form || ' '
        || cast(x.begindatum as varchar) || ' t/m ' || cast(x.einddatum as varchar) || ', '
        || x.debet_credit as unit_detail,
    'berichten' as source,
    x.file_path as source_file_path, x.file_sha256 as source_file_sha256, x.message_id as source_locator
from (
    select *, unnest({{ period_labels('begindatum') }}) as reporting_period
    from {{ ref('int_prestaties') }}
) as x
join {{ ref('int_reporting_periods') }} as p on p.period = x.reporting_period
where x.counts and x.eenheid = '14' and x.care_form in {{ verblijf_care_forms() }}
