-- Provider-delivered KPIs (DB, LR, PP, OI06/OI07, CT, EG03, KL): the facts of int_kpi_facts__aanbieder
-- aggregated by delivered_kpi_aggregate: per provider and half-year, year = both half-years summed,
-- region = Σteller / Σnoemer.
with {{ delivered_kpi_aggregate(ref('int_kpi_facts__aanbieder')) }}

select * from kpi_final
