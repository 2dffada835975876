-- AP05 items: valid JW307 stops (not deleted, not on a deleted assignment (R6), line not rejected by its retour),
-- Einddatum in P, temporary stops (reden 20) included. Each stop is its surviving line (R1): on time when the
-- message that carried that line is dated <= 5 working days after the line's own Einddatum (G9). A 307 dated
-- before its Einddatum is a data error (R1): no item; the staging test ijw_stop_producten_* reports it.
with stops as (
    select *, {{ working_days_between('einddatum', 'dagtekening') }} as wd_sent
    from {{ ref('stg_ijw__stop_producten') }}
    where is_valid and not is_retour_rejected and dagtekening >= einddatum
)

select {{ ap_message_sent_item('AP05', 'stop_key', 'einddatum', 'Stopbericht', 'einddatum') }}
from stops
