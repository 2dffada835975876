-- KG01-KG04: mean contract-manager score of the quality conversations held in P, per provider and for the region
-- (mean over all conversations): the facts of int_kpi_facts__kwaliteitsgesprekken aggregated by
-- delivered_kpi_aggregate.
with {{ delivered_kpi_aggregate(ref('int_kpi_facts__kwaliteitsgesprekken')) }}

select * from kpi_final
