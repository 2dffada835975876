-- AP12 items: one per JW315 AangevraagdProduct (request for an assignment), Dagtekening in P; a request
-- rejected by its retour (JW316) is not counted (the gemeente never processed it). Grain (R3): the municipality
-- is the receiving gemeente of the 315 header, the provider its sender. Answered by the earliest of
--   a 301 version carrying the same ReferentieAanbieder (same provider and gemeente) of an assignment that is
--   not deleted (a deleted assignment counts as never sent, G3/R6), or
--   a 319 on that ReferentieAanbieder, whatever its VerzoekAntwoord ("2 in onderzoek" stops the clock);
-- dated on or after the request. On time when answered <= 5 working days after the 315 (G9). Without an
-- answer by peildatum (R2): late once more than 5 working days have passed, else pending (on_time NULL).
with aanvragen as (
    select * from {{ ref('stg_ijw__aanvragen') }} where not is_retour_rejected
),

answers as (
    select v.provider_agb, v.gemeente_code, v.referentie_aanbieder, v.first_dagtekening as dagtekening,
           'toewijzing (301)' as answer_kind
    from {{ ref('stg_ijw__toewijzing_versies') }} as v
    join {{ ref('stg_ijw__toewijzingen') }} as t using (assignment_id)
    where v.referentie_aanbieder is not null and not t.is_deleted
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
    select *, {{ answer_clocks('dagtekening', 'answer_dagtekening') }}
    from answered
)

select
    {{ ap_item('AP12', "md5(concat_ws('|', provider_agb, referentie_aanbieder))", 'dagtekening', 'dagtekening',
               'answer_dagtekening', toewijzingnummer='null', referentie='referentie_aanbieder',
               working_days='wd_answer',
               on_time=answer_on_time('answer_dagtekening', 5),
               is_provisional=answer_pending('answer_dagtekening', 5),
               toelichting=answer_toelichting('answer_dagtekening', 5, "'Beantwoord met ' || answer_kind || ' op '",
                                               'niet beantwoord', 'na de aanvraag')) }}
from timed
