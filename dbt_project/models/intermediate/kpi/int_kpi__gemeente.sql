-- KPIs from the municipality's own inputs AP02, AP06, AP07, AP10: the facts of int_kpi_facts__gemeente
-- aggregated by kpi_aggregate.
with {{ kpi_aggregate(ref('int_kpi_facts__gemeente')) }}

select * from kpi_final
