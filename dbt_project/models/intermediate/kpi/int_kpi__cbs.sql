-- CBS spiegelrapportage KPIs OI01-OI05 and OI08: the facts of int_kpi_facts__cbs aggregated by
-- delivered_kpi_aggregate, per provider, per municipality (when the report has municipality cells) and for the
-- region as Σ/Σ. A suppressed cell (NULL) leaves its provider's contribution out of every total it belongs to,
-- and those totals are is_partial; cbs_status other than 'definitief' makes a row provisional. Such a provider
-- has no row of its own for that KPI: int_delivery_expectations names the KPIs (cbs_suppressed_kpis), so a
-- report says "onderdrukt door CBS" instead of "geen gegevens".
with {{ delivered_kpi_aggregate(ref('int_kpi_facts__cbs')) }}

select * from kpi_final
