-- AP items from JW305 starts (docs/kpi-definitions.md "Administrative-process KPIs").
-- Counted: valid starts (not deleted by a 3, not on a deleted assignment, R6) whose line was not rejected by its
-- retour (the gemeente never processed it; the re-sent line counts instead). Each start is its surviving line
-- (R1): a line deleted and re-sent with the same key is timed from the re-sent line's dates and message.
--   AP01  the first start per assignment (gemeente, ToewijzingNummer), R5: earliest Begindatum, ties earliest
--         Dagtekening; Begindatum in P: on time when Begindatum - ToewijzingIngangsdatum <= 28 days (the 305's
--         ToewijzingIngangsdatum, else the assignment's first Ingangsdatum).
--   AP04  every start, Begindatum in P: on time when its message is dated <= 5 working days after Begindatum (G9).
-- A clock that runs backwards (Begindatum before the Ingangsdatum, 305 dated before the Begindatum) is a data
-- error (R1): no item; the staging tests ijw_start_producten_* report it.
with starts as (
    select
        s.*,
        coalesce(s.toewijzing_ingangsdatum, t.first_ingangsdatum) as ingangsdatum,
        {{ working_days_between('s.begindatum', 's.dagtekening') }} as wd_sent
    from {{ ref('stg_ijw__start_producten') }} as s
    {{ join_assignment('s') }}
    where s.is_valid and not s.is_retour_rejected
),

first_starts as (
    select *
    from starts
    qualify row_number() over (
        partition by gemeente_code, coalesce(cast(toewijzingnummer as varchar), start_key)
        order by begindatum, dagtekening, message_id, start_key
    ) = 1
)

select
    {{ ap_item('AP01', 'start_key', 'begindatum', 'ingangsdatum', 'begindatum',
               on_time="datediff('day', ingangsdatum, begindatum) <= 28",
               toelichting="'Begindatum ' || strftime(begindatum, '%d-%m-%Y') || ' is '
                   || datediff('day', ingangsdatum, begindatum) || ' dagen na ingangsdatum toewijzing '
                   || strftime(ingangsdatum, '%d-%m-%Y')") }}
from first_starts
where begindatum >= ingangsdatum

union all

select {{ ap_message_sent_item('AP04', 'start_key', 'begindatum', 'Startbericht', 'begindatum') }}
from starts
where dagtekening >= begindatum
