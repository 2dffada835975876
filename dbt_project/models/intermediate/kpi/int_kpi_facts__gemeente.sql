-- Facts of the KPIs from the municipality's own inputs (docs/kpi-definitions.md; one definition, read by
-- int_kpi__gemeente and marts.kpi_units):
--   AP02       requests decided in P with besluitdatum - aanvraagdatum <= 56 days ÷ requests decided in P
--   AP06       assignments first sent in P (first 301 version) not rejected by the provider ÷ assignments
--              first sent in P; only once a rejections export (gemeente_afwijzingen) has been loaded
--   AP07       rejections registered in P whose assignment is ended or deleted by a later 301 version sent
--              <= 5 working days (G9) after the rejection ÷ rejections registered in P; no such 301 yet:
--              late once 5 working days have passed by peildatum, else provisional
--   AP10       approved declarations (325 not rejected as a whole) dated in P paid <= 10 working days after
--              the 325 ÷ approved declarations dated in P; unpaid: late after 10 working days, else
--              provisional; only once a payments export (gemeente_betalingen) has been loaded
-- Optional inputs: a KPI whose export is absent has no rows (not zero). AP02, AP07 and AP10 have no youth key:
-- their youth_key is the unit itself (n_youths counts requests, rejections, declarations).
with periods as (
    select * from {{ ref('int_input_periods') }}
),

has_afwijzingen as (
    select count(*) > 0 as present
    from {{ ref('stg_inputs__leveringen') }}
    where kind = 'gemeente_afwijzingen' and status = 'loaded'
),

has_betalingen as (
    select count(*) > 0 as present
    from {{ ref('stg_inputs__leveringen') }}
    where kind = 'gemeente_betalingen' and status = 'loaded'
),

rejections as (
    select
        r.municipality_code, r.toewijzingnummer, r.provider_agb, r.afwijzingsdatum, r.file_path, r.record_locator,
        r.municipality_code || '|' || cast(r.toewijzingnummer as varchar) as unit_id,
        (select min(v.first_dagtekening) from {{ ref('stg_ijw__toewijzing_versies') }} as v
          where v.gemeente_code = r.municipality_code and v.toewijzingnummer = r.toewijzingnummer
            and v.version_number > 1 and v.first_dagtekening >= r.afwijzingsdatum
            and (v.is_deletion or v.einddatum is not null)) as ended_sent
    from {{ ref('stg_gemeente__afwijzingen') }} as r
),

rejections_judged as (
    select
        *,
        case when ended_sent is not null
             then {{ working_days_between('rejections.afwijzingsdatum', 'rejections.ended_sent') }} <= 5
             else false end as on_time,
        ended_sent is null
            and {{ working_days_between('rejections.afwijzingsdatum', peildatum()) }} <= 5 as still_open
    from rejections
),

-- the JW325 file of each answer: a municipality numbers its own messages (the same message id occurs in the
-- 325 files of several municipalities to one provider), so the key includes the municipality; min() picks one
-- file, the same in every run, should a message have been loaded from two files
message_files_by_id as (
    select gemeente_code, provider_agb, message_id, dagtekening, min(file_path) as file_path,
           arg_min(file_sha256, file_path) as file_sha256
    from {{ source('ijw', 'berichten') }}
    where message_type = 'JW325'
    group by gemeente_code, provider_agb, message_id, dagtekening
),

approved as (
    select
        d.gemeente_code, d.provider_agb, d.dagtekening, d.declaratienummer, d.message_id,
        concat_ws('|', d.gemeente_code, d.provider_agb, d.message_id, cast(d.dagtekening as varchar)) as unit_id,
        (select min(b.betaaldatum) from {{ ref('stg_gemeente__betalingen') }} as b
          where b.provider_agb = d.provider_agb and b.declaratienummer = d.declaratienummer
            and b.betaaldatum >= d.dagtekening) as betaaldatum
    from {{ ref('stg_ijw__declaratie_antwoorden') }} as d
    cross join has_betalingen as h
    where not d.is_whole_rejected and h.present
),

approved_judged as (
    select
        *,
        case when betaaldatum is not null
             then {{ working_days_between('approved.dagtekening', 'approved.betaaldatum') }} <= 10
             else false end as on_time,
        betaaldatum is null and {{ working_days_between('approved.dagtekening', peildatum()) }} <= 10 as still_open
    from approved
)

select 'AP02' as kpi_id, 'ratio' as kind, p.period, p.period_start, p.period_end,
       a.municipality_code || '|' || a.request_id as unit_id,
       a.municipality_code || '|' || a.request_id as youth_key,
       {{ current_municipality('a.municipality_code') }} as municipality_code, cast([] as varchar[]) as providers,
       cast(null as varchar) as care_form,
       datediff('day', a.aanvraagdatum, a.besluitdatum) <= 56 as in_numerator, true as in_denominator,
       cast(datediff('day', a.aanvraagdatum, a.besluitdatum) as double) as measure, false as item_provisional,
       'aanvraag' as unit_type,
       'aanvraag ' || cast(a.aanvraagdatum as varchar) || ', besluit ' || cast(a.besluitdatum as varchar)
           as unit_detail,
       'gemeente' as source,
       a.file_path as source_file_path, cast(null as varchar) as source_file_sha256,
       a.record_locator as source_locator
from {{ ref('stg_gemeente__aanvragen') }} as a
join periods as p on a.besluitdatum between p.period_start and p.period_end
union all
select 'AP06', 'ratio', p.period, p.period_start, p.period_end,
       t.assignment_id, t.youth_key, {{ current_municipality('t.gemeente_code') }}, [t.provider_agb], null,
       r.toewijzingnummer is null, true, null, false,
       'toewijzing',
       'toewijzing ' || cast(t.toewijzingnummer as varchar) || ', verstuurd ' || cast(t.first_dagtekening as varchar)
           || case when r.toewijzingnummer is null then '' else ', afgewezen '
                   || cast(r.afwijzingsdatum as varchar) end,
       'berichten', t.first_file_path, t.first_file_sha256, t.first_message_id
from {{ ref('stg_ijw__toewijzing_versies') }} as t
join periods as p on t.first_dagtekening between p.period_start and p.period_end
cross join has_afwijzingen as h
left join {{ ref('stg_gemeente__afwijzingen') }} as r
  on r.municipality_code = t.gemeente_code and r.toewijzingnummer = t.toewijzingnummer
where t.version_number = 1 and h.present
union all
select 'AP07', 'ratio', p.period, p.period_start, p.period_end,
       r.unit_id, r.unit_id, {{ current_municipality('r.municipality_code') }}, [r.provider_agb], null,
       r.on_time, true, null, r.still_open,
       'afwijzing',
       'afwijzing ' || cast(r.afwijzingsdatum as varchar) || ', beeindigd/verwijderd verstuurd '
           || coalesce(cast(r.ended_sent as varchar), 'nog niet'),
       'gemeente', r.file_path, null, r.record_locator
from rejections_judged as r
join periods as p on r.afwijzingsdatum between p.period_start and p.period_end
union all
select 'AP10', 'ratio', p.period, p.period_start, p.period_end,
       a.unit_id, a.unit_id, {{ current_municipality('a.gemeente_code') }}, [a.provider_agb], null,
       a.on_time, true, null, a.still_open,
       'declaratie',
       'declaratie ' || coalesce(a.declaratienummer, '') || ', antwoord ' || cast(a.dagtekening as varchar)
           || ', betaald ' || coalesce(cast(a.betaaldatum as varchar), 'nog niet'),
       'berichten', f.file_path, f.file_sha256, a.message_id
from approved_judged as a
join periods as p on a.dagtekening between p.period_start and p.period_end
left join message_files_by_id as f
  on f.gemeente_code = a.gemeente_code and f.provider_agb = a.provider_agb and f.message_id = a.message_id
  and f.dagtekening = a.dagtekening
