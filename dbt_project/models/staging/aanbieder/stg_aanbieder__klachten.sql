-- Complaint figures of the latest loaded template (or Klachten CSV) per provider and half-year.
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
from {{ latest_delivered_rows(source('raw', 'aanbieder_klachten'), 'k', 'leveringen_aanbieders', 'aanbieder_klachten') }}
