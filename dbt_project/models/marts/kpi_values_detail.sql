-- marts.kpi_values_detail: extra statistics that accompany a KPI of kpi_values but are not its value
-- (docs/kpi-definitions.md: "the median days ... in the _detail mart"). Same grains and flags as kpi_values, plus
-- `statistic`. Now: AP01 median waiting days (unit days), AP09 median working days until the 325 (unit
-- working_days).
select
    cast(kpi_id as varchar) as kpi_id,
    cast(statistic as varchar) as statistic,
    cast(period as varchar) as period,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(municipality_code as varchar) as municipality_code,
    cast(provider_agb as varchar) as provider_agb,
    cast(care_form as varchar) as care_form,
    cast(value as double) as value,
    cast(unit as varchar) as unit,
    cast(n_youths as integer) as n_youths,
    cast(is_provisional as boolean) as is_provisional,
    cast(is_partial as boolean) as is_partial,
    cast(false as boolean) as is_suppressed,
    cast('berichtenverkeer' as varchar) as source
from {{ ref('int_kpi__ap_medians') }}
