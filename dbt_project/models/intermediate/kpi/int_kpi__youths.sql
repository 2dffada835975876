-- Youth-count KPIs VB01 (zero-filled), VB03, VB09, VB11: the facts of int_kpi_facts__youths aggregated by
-- kpi_aggregate.
with {{ kpi_aggregate(ref('int_kpi_facts__youths'), zero_fill=['VB01']) }}

select * from kpi_final
