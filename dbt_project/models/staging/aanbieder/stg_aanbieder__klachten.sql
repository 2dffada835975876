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
from {{ latest_delivered_rows(
    source('aanbieders', 'aanbieder_klachten'), 'k', source('aanbieders', 'leveringen_aanbieders'), 'aanbieder_klachten'
) }}
