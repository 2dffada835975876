-- Administrative-process KPIs AP01, AP03, AP04, AP05, AP08, AP09, AP11, AP12: the facts of int_kpi_facts__ap
-- aggregated by kpi_aggregate (value = on-time items / counted items x 100; numerator = on time, denominator =
-- counted, so late = denominator - numerator; n_youths = distinct youths behind the counted items).
with {{ kpi_aggregate(ref('int_kpi_facts__ap')) }}

select * from kpi_final
