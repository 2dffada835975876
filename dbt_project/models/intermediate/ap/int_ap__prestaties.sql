-- AP items from JW323 prestatie lines. Counted: original debits = debit lines without VorigReferentieNummer
-- (a re-debit after a rejection or credit is a new original debit), not on a deleted assignment (G3).
--   AP08  Einddatum in P: on time when month(323 Dagtekening) - month(max(prestatie Einddatum, Dagtekening of
--         the assignment's first 301)) <= 1 (calendar months; care assigned retroactively is due after the 301).
--   AP11  Begindatum in P: right first time when never rejected in a 325 (line listed or declaration
--         rejected as a whole) and never credited by a counting credit. A debit whose 323 has no 325 yet
--         counts as submitted (G11) and makes the item provisional.
with debits as (
    select
        p.*,
        t.first_dagtekening as toewijzing_dagtekening,
        greatest(p.einddatum, t.first_dagtekening) as due_from
    from {{ ref('stg_ijw__prestaties') }} as p
    left join {{ ref('stg_ijw__toewijzingen') }} as t
        on t.gemeente_code = p.gemeente_code and t.toewijzingnummer = p.toewijzingnummer
    where p.debet_credit = 'D' and p.vorig_referentienummer is null and not p.is_assignment_deleted
)

select
    'AP08' as kpi_id,
    prestatie_id as item_id,
    youth_key,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    toewijzingnummer,
    referentienummer as referentie,
    einddatum as reference_date,
    due_from as clock_start,
    dagtekening as clock_stop,
    dagtekening as sent_date,
    datediff('day', due_from, dagtekening) as days_taken,
    cast(null as bigint) as working_days_taken,
    {{ months_between('due_from', 'dagtekening') }} <= 1 as on_time,
    false as is_provisional,
    'Gedeclareerd ' || strftime(dagtekening, '%d-%m-%Y') || ', '
        || {{ months_between('due_from', 'dagtekening') }} || ' kalendermaand(en) na '
        || case when due_from > einddatum then 'toewijzing ' else 'einddatum prestatie ' end
        || strftime(due_from, '%d-%m-%Y') as toelichting,
    message_id as source_message_id,
    file_sha256 as source_file_sha256,
    file_path as source_file_path
from debits

union all

select
    'AP11' as kpi_id,
    prestatie_id as item_id,
    youth_key,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    toewijzingnummer,
    referentienummer as referentie,
    begindatum as reference_date,
    dagtekening as clock_start,
    antwoord_dagtekening as clock_stop,
    dagtekening as sent_date,
    cast(null as bigint) as days_taken,
    cast(null as bigint) as working_days_taken,
    not is_rejected and not is_credited as on_time,
    not has_answer as is_provisional,
    case
        when is_rejected then 'Afgewezen in 325 van ' || strftime(antwoord_dagtekening, '%d-%m-%Y')
            || coalesce(' (retourcode ' || rejection_codes || ')', ' (declaratie als geheel afgewezen)')
        when is_credited then 'Later gecrediteerd'
        when not has_answer then 'Nog geen 325 ontvangen'
        else 'In een keer goed'
    end as toelichting,
    message_id as source_message_id,
    file_sha256 as source_file_sha256,
    file_path as source_file_path
from debits
