-- AP12 items: one per JW315 AangevraagdProduct (request for an assignment), Dagtekening in P; a request
-- rejected by its retour (JW316) is not counted (the gemeente never processed it). Answered by the earliest of
--   a 301 version carrying the same ReferentieAanbieder (same provider and gemeente), or
--   a 319 on that ReferentieAanbieder, whatever its VerzoekAntwoord ("2 in onderzoek" stops the clock);
-- dated on or after the request. On time when answered <= 5 working days after the 315 (G9). Without an
-- answer by peildatum: late once more than 5 working days have passed, else pending (on_time NULL).
with aanvragen as (
    select * from {{ ref('stg_ijw__aanvragen') }} where not is_retour_rejected
),

answers as (
    select provider_agb, gemeente_code, referentie_aanbieder, first_dagtekening as dagtekening,
           'toewijzing (301)' as answer_kind
    from {{ ref('stg_ijw__toewijzing_versies') }}
    where referentie_aanbieder is not null
    union all
    select provider_agb, gemeente_code, referentie_aanbieder, dagtekening,
           case verzoek_antwoord when '2' then 'antwoord in onderzoek (319)' else 'antwoord (319)' end
    from {{ ref('stg_ijw__antwoorden') }}
),

answered as (
    select
        a.*,
        x.dagtekening as answer_dagtekening,
        x.answer_kind
    from aanvragen as a
    left join answers as x
        on x.provider_agb = a.provider_agb and x.gemeente_code = a.gemeente_code
       and x.referentie_aanbieder = a.referentie_aanbieder and x.dagtekening >= a.dagtekening
    qualify row_number() over (
        partition by a.provider_agb, a.referentie_aanbieder
        order by x.dagtekening nulls last, x.answer_kind
    ) = 1
),

timed as (
    select
        *,
        {{ working_days_between('dagtekening', 'answer_dagtekening') }} as wd_answer,
        {{ working_days_between('dagtekening', peildatum()) }} as wd_peildatum
    from answered
)

select
    'AP12' as kpi_id,
    md5(concat_ws('|', provider_agb, referentie_aanbieder)) as item_id,
    youth_key,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    cast(null as bigint) as toewijzingnummer,
    referentie_aanbieder as referentie,
    dagtekening as reference_date,
    dagtekening as clock_start,
    answer_dagtekening as clock_stop,
    dagtekening as sent_date,
    datediff('day', dagtekening, answer_dagtekening) as days_taken,
    wd_answer as working_days_taken,
    case
        when answer_dagtekening is not null then wd_answer <= 5
        when wd_peildatum > 5 then false
    end as on_time,
    answer_dagtekening is null and wd_peildatum <= 5 as is_provisional,
    case
        when answer_dagtekening is not null then 'Beantwoord met ' || answer_kind || ' op '
            || strftime(answer_dagtekening, '%d-%m-%Y') || ', ' || wd_answer || ' werkdagen na de aanvraag'
        when wd_peildatum > 5 then 'Niet beantwoord; ' || wd_peildatum || ' werkdagen na de aanvraag op peildatum'
        else 'Nog binnen de termijn: niet beantwoord, ' || wd_peildatum || ' werkdagen na de aanvraag'
    end as toelichting,
    message_id as source_message_id,
    file_sha256 as source_file_sha256,
    file_path as source_file_path
from timed
