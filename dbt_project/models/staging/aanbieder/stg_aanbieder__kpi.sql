-- Provider-delivered KPI figures of the latest loaded template per provider and half-year (a later delivery
-- replaces the earlier one whole; a rejected workbook leaves the earlier delivery in force).
with latest as (
    {{ latest_deliveries('leveringen_aanbieders', 'aanbieder_kpi', ['aanbieder_agb', 'periode']) }}
)

select
    k.aanbieder_agb as provider_agb,
    k.periode,
    k.kpi_id,
    k.teller,
    k.noemer,
    k.file_path,
    k.record_locator
from {{ source('raw', 'aanbieder_kpi') }} as k
join latest as l using (file_sha256, aanbieder_agb, periode)
where {{ periode_end('k.periode') }} <= {{ peildatum() }}
