-- Declaration KPI VB10 (zero-filled): the facts of int_kpi_facts__declared aggregated by kpi_aggregate.
with {{ kpi_aggregate(ref('int_kpi_facts__declared'), zero_fill=['VB10']) }}

select * from kpi_final
