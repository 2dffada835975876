-- Provider-delivered KPI figures of the latest loaded template per provider and half-year (a later delivery
-- replaces the earlier one whole; a rejected workbook leaves the earlier delivery in force).
select
    k.aanbieder_agb as provider_agb,
    k.periode,
    k.kpi_id,
    k.teller,
    k.noemer,
    k.file_path,
    k.record_locator
from {{ latest_delivered_rows(
    source('aanbieders', 'aanbieder_kpi'), 'k', source('aanbieders', 'leveringen_aanbieders'), 'aanbieder_kpi'
) }}
