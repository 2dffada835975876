-- marts.kpi_values_detail: extra statistics that accompany a KPI of kpi_values but are not its value
-- (docs/kpi-definitions.md: "the median days ... in the _detail mart"). Same grains and flags as kpi_values, plus
-- `statistic`. Now: AP01 median waiting days (unit days), AP09 median working days until the 325 (unit
-- working_days).
select
    cast(kpi_id as varchar) as kpi_id,
    cast(statistic as varchar) as statistic,
    {{ kpi_grain_columns() }},
    {{ typed_columns('value double, unit varchar, n_youths integer, is_provisional boolean, is_partial boolean') }},
    cast(false as boolean) as is_suppressed,
    cast('berichtenverkeer' as varchar) as source
from {{ ref('int_kpi__ap_medians') }}
