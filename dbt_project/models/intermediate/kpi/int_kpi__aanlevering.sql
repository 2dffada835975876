-- AL01: providers under contract in P that delivered for P ÷ providers under contract in P, per provider (100 or
-- 0) and region Σ/Σ; a year sums its two half-years: the facts of int_kpi_facts__aanlevering aggregated by
-- delivered_kpi_aggregate.
with {{ delivered_kpi_aggregate(ref('int_kpi_facts__aanlevering')) }}

select * from kpi_final
