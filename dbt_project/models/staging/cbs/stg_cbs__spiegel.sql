-- CBS spiegelrapportage cells of the latest report per provider and half-year (CBS correction semantics:
-- a later report replaces the earlier one entirely; the earlier stays in raw and in the audit tables).
-- Suppressed cells keep aantal NULL (never 0). Reports for a period ending after peildatum are ignored.
select
    s.aanbieder_agb as provider_agb,
    s.periode,
    {{ periode_start('s.periode') }} as period_start,
    {{ periode_end('s.periode') }} as period_end,
    s.versie,
    s.cbs_status,
    {{ current_municipality('s.gemeentecode') }} as municipality_code,
    s.hulpvorm,
    s.indicator,
    s.informant,
    s.categorie,
    s.aantal,
    s.onderdrukt as is_suppressed,
    s.file_path,
    s.file_sha256,
    s.record_locator
from {{ latest_delivered_rows(
    region_source(source('cbs', 'cbs_spiegel'), 'gemeentecode'), 's', source('cbs', 'leveringen_cbs_spiegel'), 'cbs_spiegel'
) }}
