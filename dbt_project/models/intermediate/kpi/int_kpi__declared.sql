-- Declaration KPIs: VB10 = net declared etmalen (Eenheid 14) of verblijf prestaties with Begindatum in P
-- (G11: debit - credit, rejected lines and lines on deleted assignments excluded). Unit = prestatie;
-- municipality = gemeente of the 323 header; provider = the declaring AGB.
with prestaties as (
    select * from {{ ref('int_prestaties') }}
    where counts and eenheid = '14' and care_form in {{ verblijf_care_forms() }}
),

facts as (
    select
        'VB10' as kpi_id, 'sum' as kind, p.period, p.period_start, p.period_end,
        x.prestatie_id as unit_id, x.youth_key, {{ current_municipality('x.gemeente_code') }} as municipality_code,
        case when x.provider_agb is null then [] else [x.provider_agb] end as providers,
        cast(null as varchar) as care_form,
        true as in_numerator, true as in_denominator, cast(x.signed_volume as double) as measure,
        false as item_provisional
    from prestaties as x
    join {{ ref('int_reporting_periods') }} as p on x.begindatum between p.period_start and p.period_end
),

{{ kpi_aggregate('facts', zero_fill=['VB10']) }}

select * from kpi_final
