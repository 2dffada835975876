-- AP items from JW323 prestatie lines (R4): every debit line is an original debit (in iJw 3.2 only a credit
-- carries a VorigReferentieNummer), a re-debit after a credit or a new debit after a rejection included; not
-- on a deleted assignment (G3, R6).
--   AP08  Einddatum in P: on time when month(323 Dagtekening) - month(max(prestatie Einddatum, Dagtekening of
--         the assignment's first 301)) <= 1 (calendar months; care assigned retroactively is due after the 301).
--   AP11  Begindatum in P: right first time when never rejected in a 325 (line listed or declaration
--         rejected as a whole) and never credited by a counting credit. A debit whose 323 has no 325 yet is
--         pending (R2): on_time NULL and provisional, in neither numerator nor denominator until its 325 arrives.
with first_301 as (
    select gemeente_code, toewijzingnummer, first_dagtekening as toewijzing_dagtekening
    from {{ ref('stg_ijw__toewijzingen') }}
),

debits as (
    select *, greatest(einddatum, toewijzing_dagtekening) as due_from
    from {{ ref('stg_ijw__prestaties') }}
    left join first_301 using (gemeente_code, toewijzingnummer)
    where debet_credit = 'D' and not is_assignment_deleted
),

timed as (
    select *, {{ months_between('due_from', 'dagtekening') }} as months_taken
    from debits
)

select
    {{ ap_item('AP08', 'prestatie_id', 'einddatum', 'due_from', 'dagtekening', referentie='referentienummer',
               on_time='months_taken <= 1',
               toelichting="'Gedeclareerd ' || strftime(dagtekening, '%d-%m-%Y') || ', ' || months_taken
                   || ' kalendermaand(en) na '
                   || case when due_from > einddatum then 'toewijzing ' else 'einddatum prestatie ' end
                   || strftime(due_from, '%d-%m-%Y')") }}
from timed

union all

select
    {{ ap_item('AP11', 'prestatie_id', 'begindatum', 'dagtekening', 'antwoord_dagtekening',
               referentie='referentienummer', days_taken=false,
               on_time='case when has_answer then not is_rejected and not is_credited end',
               is_provisional='not has_answer',
               toelichting="case
                   when not has_answer then 'Nog geen 325 ontvangen: telt mee zodra het antwoord er is'
                   when is_rejected then 'Afgewezen in 325 van ' || strftime(antwoord_dagtekening, '%d-%m-%Y')
                       || coalesce(' (retourcode ' || rejection_codes || ')', ' (declaratie als geheel afgewezen)')
                   when is_credited then 'Later gecrediteerd'
                   else 'In een keer goed'
               end") }}
from timed
