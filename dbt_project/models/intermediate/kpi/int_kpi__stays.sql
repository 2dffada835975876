-- Stay-period KPIs VB05, VB06, VB07, EG01, EG02, EG04: the facts of int_kpi_facts__stays aggregated by
-- kpi_aggregate.
with {{ kpi_aggregate(ref('int_kpi_facts__stays')) }}

select * from kpi_final
