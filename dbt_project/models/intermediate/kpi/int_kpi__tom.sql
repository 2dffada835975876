-- TOM KPIs VB04 and VB08: the facts of int_kpi_facts__tom aggregated by kpi_aggregate.
with {{ kpi_aggregate(ref('int_kpi_facts__tom')) }}

select * from kpi_final
