-- AP09 items: one per JW323 declaration message, Dagtekening in P, except a declaration whose prestaties are all
-- on deleted assignments (never sent, G3/R6). On time when its JW325 (linked by DeclaratieIdentificatie) is dated
-- <= 10 working days after the 323 (G9). Without a 325 by peildatum (R2): late once more than 10 working days
-- have passed by peildatum, else pending (on_time NULL, is_provisional): listed but not counted until it is
-- answered or overdue.
with declaraties as (
    select *, {{ answer_clocks('dagtekening', 'antwoord_dagtekening') }}
    from {{ ref('stg_ijw__declaraties') }}
    where not is_assignment_deleted
)

select
    {{ ap_item('AP09', 'declaratie_id', 'dagtekening', 'dagtekening', 'antwoord_dagtekening',
               youth_key='null', toewijzingnummer='null', referentie='declaratienummer', working_days='wd_answer',
               on_time=answer_on_time('antwoord_dagtekening', 10),
               is_provisional=answer_pending('antwoord_dagtekening', 10),
               toelichting=answer_toelichting('antwoord_dagtekening', 10, "'Beoordeeld (325) '",
                                               'geen 325 ontvangen', 'na indiening')) }}
from declaraties
