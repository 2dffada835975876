-- Median rows that accompany two AP KPIs (marts.kpi_values_detail, statistic 'median'):
--   AP01  median waiting days (Begindatum - ToewijzingIngangsdatum) of the AP01 items, unit days
--   AP09  median working days between 323 and 325 of the answered AP09 items, unit working_days
-- Same periods, grains and flags as int_kpi__ap (kpi_aggregate); G12: an even count takes the mean of the two
-- middle values.
with items as (
    select * from {{ ref('int_ap_items') }}
    where (kpi_id = 'AP01' and days_taken is not null)
       or (kpi_id = 'AP09' and working_days_taken is not null)
),

declaration_youths as (
    select distinct declaratie_id, youth_key
    from {{ ref('stg_ijw__prestaties') }}
),

facts as (
    select
        i.kpi_id, 'median' as kind, p.period, p.period_start, p.period_end,
        i.item_id as unit_id, coalesce(i.youth_key, y.youth_key) as youth_key,
        i.municipality_code,
        case when i.provider_agb is null then [] else [i.provider_agb] end as providers,
        cast(null as varchar) as care_form,
        true as in_numerator, true as in_denominator,
        -- a declaration is expanded to its youths (for n_youths); only one of its rows carries the measure,
        -- so each declaration weighs once in the median (aggregates skip NULL)
        cast(case
            when row_number() over (partition by i.kpi_id, i.item_id, p.period order by y.youth_key) > 1 then null
            when i.kpi_id = 'AP01' then i.days_taken
            else i.working_days_taken
        end as double) as measure,
        i.is_provisional as item_provisional
    from items as i
    join {{ ref('int_reporting_periods') }} as p on i.reference_date between p.period_start and p.period_end
    left join declaration_youths as y on i.kpi_id = 'AP09' and y.declaratie_id = i.item_id
),

{{ kpi_aggregate('facts') }}

select
    *,
    'median' as statistic,
    case kpi_id when 'AP01' then 'days' else 'working_days' end as unit
from kpi_final
