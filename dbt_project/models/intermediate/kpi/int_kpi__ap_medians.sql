-- Median rows that accompany two AP KPIs (marts.kpi_values_detail, statistic 'median'), over the facts of
-- int_kpi_facts__ap (the same items, periods, grains and flags as int_kpi__ap):
--   AP01  median waiting days (Begindatum - ToewijzingIngangsdatum) of the AP01 items, unit days
--   AP09  median working days between 323 and 325 of the answered AP09 items, unit working_days
-- Every item with a measure counts (judged or pending); G12: an even count takes the mean of the two middle
-- values.
with facts as (
    select * replace ('median' as kind, true as in_numerator, true as in_denominator)
    from {{ ref('int_kpi_facts__ap') }}
    where kpi_id in ('AP01', 'AP09')
    -- an AP09 declaration has one row per youth; only its first carries the measure
    qualify bool_or(measure is not null) over (partition by kpi_id, unit_id, period)
),

{{ kpi_aggregate('facts') }}

select
    *,
    'median' as statistic,
    case kpi_id when 'AP01' then 'days' else 'working_days' end as unit
from kpi_final
