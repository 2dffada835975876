-- Complaint figures of the latest loaded template (or Klachten CSV) per provider and half-year.
with latest as (
    {{ latest_deliveries('leveringen_aanbieders', 'aanbieder_klachten', ['aanbieder_agb', 'periode']) }}
)

select
    k.aanbieder_agb as provider_agb,
    k.periode,
    k.aantal,
    k.aantal_clienten_met_klacht,
    k.aantal_afgehandeld,
    k.aantal_gegrond,
    k.aantal_clienten,
    k.file_path,
    k.record_locator
from {{ source('raw', 'aanbieder_klachten') }} as k
join latest as l using (file_sha256, aanbieder_agb, periode)
where {{ periode_end('k.periode') }} <= {{ peildatum() }}
