-- marts.kpi_units: the units behind every kpi_values row, for `jeugdkpi explain` (docs/explain.md).
-- Working warehouse only (not published: it holds youth keys of cells that publication may suppress).
--
-- One row per KPI "fact" at the grain the int_kpi__* models aggregate (macro kpi_aggregate):
--   kpi_id, period (every reporting period: H1, H2 and year), municipality_code (the unit's attribution),
--   providers (every AGB the unit counts for), care_form (NULL = all forms), unit, in_numerator, in_denominator,
--   measure (mean/median/sum KPIs), and the source file of the unit.
-- A kpi_values row at region grain = all units of (kpi_id, period, care_form); municipality grain = units with
-- that municipality_code; provider grain = units whose `providers` contain the AGB. A unit may occur in two
-- rows (VB03, VB11: numerator and denominator populations with their own providers); count it once.
--
-- basis = 'telling': units counted from the message traffic (numerator = units in_numerator, denominator =
--   units in_denominator, mean/median/sum over `measure` of the units in_denominator).
-- basis = 'aangeleverd': rows of a delivered input file (CBS cell, template row, score); numerator = Σ
--   numerator_part, denominator = Σ denominator_part (delivered_kpi_aggregate). A delivered row of a provider
--   with a suppressed cell is left out of the provider and region rows (excluded_provider) or of the
--   municipality rows (excluded_municipality), as in delivered_kpi_aggregate.
--
-- The facts repeat those of the int_kpi__* models on the SAME intermediate models; the data test
-- kpi_units_reconcile_with_kpi_values (severity error) fails the build when a row of kpi_values and its units
-- ever disagree. Not covered: VB02 (its denominator is the CBS population); see docs/explain.md.
with periods as (
    select * from {{ ref('int_reporting_periods') }}
),

message_files as (
    select file_sha256, any_value(file_path) as file_path
    from {{ source('raw', 'berichten') }}
    group by file_sha256
),

-- every care segment with the JW305 message and file that started it
segment_sources as (
    select
        s.segment_id, s.youth_key, s.care_form, s.care_group, s.is_verblijf, s.start_date, s.end_date,
        sp.message_id, sp.file_sha256, f.file_path
    from {{ ref('int_care_segments') }} as s
    left join {{ ref('stg_ijw__start_producten') }} as sp on sp.start_key = s.segment_id
    left join message_files as f on f.file_sha256 = sp.file_sha256
),

-- ---------------------------------------------------------------- youths (int_kpi__youths)
yp as (
    select * from {{ ref('int_youth_periods') }}
),

verblijf as (
    select period, period_start, period_end, youth_key, any_value(municipality_code) as municipality_code,
           list_sort(list_distinct(flatten(list(providers)))) as providers
    from yp where care_group = 'verblijf'
    group by period, period_start, period_end, youth_key
),

ambulant as (
    select period, period_start, period_end, youth_key, any_value(municipality_code) as municipality_code,
           list_sort(list_distinct(flatten(list(providers)))) as providers
    from yp where care_group = 'ambulant'
    group by period, period_start, period_end, youth_key
),

gezinsgericht as (
    select period, period_start, period_end, youth_key, any_value(municipality_code) as municipality_code,
           list_sort(list_distinct(flatten(list(providers)))) as providers
    from yp where care_form in {{ gezinsgericht_care_forms() }}
    group by period, period_start, period_end, youth_key
),

pleegzorg as (
    select y.period, y.period_start, y.period_end, y.youth_key, y.municipality_code, y.providers,
           f.is_part_time, f.etmalen_per_week
    from yp as y
    join {{ ref('int_foster_care_intensity') }} as f using (period, youth_key)
    where y.care_form = 'pleegzorg'
),

youth_facts as (
    -- population: 'verblijf', 'ambulant', 'gezinsgericht', 'pleegzorg' or one care form (VB01 per form)
    select 'VB01' as kpi_id, 'count' as kind, period, youth_key, municipality_code, providers,
           cast(null as varchar) as care_form, true as in_numerator, false as in_denominator,
           cast(null as double) as measure, 'verblijf' as population
    from verblijf
    union all
    select 'VB01', 'count', period, youth_key, municipality_code, providers, care_form, true, false, null,
           care_form
    from yp
    where care_group in ('verblijf', 'onbekend')
    union all
    select 'VB03', 'ratio', period, youth_key, municipality_code, providers, null, true, false, null, 'verblijf'
    from verblijf
    union all
    select 'VB03', 'ratio', period, youth_key, municipality_code, providers, null, false, true, null, 'ambulant'
    from ambulant
    union all
    select 'VB09', 'ratio', period, youth_key, municipality_code, providers, null, is_part_time, true,
           cast(etmalen_per_week as double), 'pleegzorg'
    from pleegzorg
    union all
    select 'VB11', 'ratio', period, youth_key, municipality_code, providers, null, true, false, null,
           'gezinsgericht'
    from gezinsgericht
    union all
    select 'VB11', 'ratio', period, youth_key, municipality_code, providers, null, false, true, null, 'verblijf'
    from verblijf
),

-- the segments that put a youth in a population in P (G6: overlap with P), with their files
youth_sources as (
    select
        y.kpi_id, y.period, y.youth_key, y.population,
        string_agg(distinct s.file_path, '; ' order by s.file_path) as file_path,
        string_agg(distinct s.message_id, '; ' order by s.message_id) as message_ids
    from (select distinct kpi_id, period, youth_key, population from youth_facts) as y
    join periods as p on p.period = y.period
    join segment_sources as s
      on s.youth_key = y.youth_key
     and s.start_date <= p.period_end
     and (s.end_date is null or s.end_date >= p.period_start)
     and case y.population
            when 'verblijf' then s.care_group = 'verblijf'
            when 'ambulant' then s.care_group = 'ambulant'
            when 'gezinsgericht' then s.care_form in {{ gezinsgericht_care_forms() }}
            else s.care_form = y.population
         end
    group by y.kpi_id, y.period, y.youth_key, y.population
),

youth_units as (
    select
        f.kpi_id, f.kind, f.period, f.municipality_code, f.providers, f.care_form,
        'jeugdige' as unit_type, f.youth_key as unit_key, f.youth_key,
        f.in_numerator, f.in_denominator, f.measure,
        'populatie ' || f.population as unit_detail,
        s.file_path as source_file_path, cast(null as varchar) as source_file_sha256,
        s.message_ids as source_locator
    from youth_facts as f
    left join youth_sources as s using (kpi_id, period, youth_key, population)
),

-- ---------------------------------------------------------------- stay periods (int_kpi__stays)
stays as (
    select * from {{ ref('int_stay_periods') }}
),

stay_sources as (
    select
        st.stay_period_id,
        string_agg(distinct s.file_path, '; ' order by s.file_path) as file_path,
        string_agg(distinct s.message_id, '; ' order by s.message_id) as message_ids
    from stays as st
    join segment_sources as s
      on s.youth_key = st.youth_key and s.is_verblijf
     and s.start_date between st.start_date and coalesce(st.end_date, date '9999-12-31')
    group by st.stay_period_id
),

ended as (
    select p.period, s.*
    from stays as s
    join periods as p on s.end_date between p.period_start and p.period_end
    where s.is_closed
),

started as (
    select p.period, s.*
    from stays as s
    join periods as p on s.start_date between p.period_start and p.period_end
),

stay_facts as (
    select 'VB05' as kpi_id, 'mean' as kind, period, stay_period_id, youth_key, municipality_code, providers,
           true as in_numerator, true as in_denominator, duration_months as measure,
           start_date, end_date, n_providers, period_number
    from ended where has_zwaar
    union all
    select 'VB06', 'median', period, stay_period_id, youth_key, municipality_code, providers, true, true,
           duration_months, start_date, end_date, n_providers, period_number
    from ended where has_zwaar
    union all
    select 'VB07', 'ratio', period, stay_period_id, youth_key, municipality_code, providers,
           duration_months < 9, true, duration_months, start_date, end_date, n_providers, period_number
    from ended where has_zwaar
    union all
    select 'EG01', 'ratio', period, stay_period_id, youth_key, municipality_code, providers,
           n_providers = 1, true, cast(n_providers as double), start_date, end_date, n_providers, period_number
    from ended
    union all
    select 'EG02', 'mean', period, stay_period_id, youth_key, municipality_code, providers, true, true,
           cast(n_providers as double), start_date, end_date, n_providers, period_number
    from ended
    union all
    select 'EG04', 'ratio', period, stay_period_id, youth_key, municipality_code, providers,
           period_number = 1, true, cast(period_number as double), start_date, end_date, n_providers,
           period_number
    from started
),

stay_units as (
    select
        f.kpi_id, f.kind, f.period, f.municipality_code, f.providers, cast(null as varchar) as care_form,
        'verblijfsperiode' as unit_type, f.stay_period_id as unit_key, f.youth_key,
        f.in_numerator, f.in_denominator, f.measure,
        cast(f.start_date as varchar) || ' t/m ' || coalesce(cast(f.end_date as varchar), 'open')
            || ', periode ' || f.period_number || ', ' || f.n_providers || ' aanbieder(s)' as unit_detail,
        s.file_path as source_file_path, cast(null as varchar) as source_file_sha256,
        s.message_ids as source_locator
    from stay_facts as f
    left join stay_sources as s using (stay_period_id)
),

-- ---------------------------------------------------------------- TOM segments (int_kpi__tom)
tom_units as (
    select
        o.kpi_id, 'ratio' as kind, p.period, o.municipality_code,
        case when o.provider_agb is null then [] else [o.provider_agb] end as providers,
        cast(null as varchar) as care_form,
        'zorgsegment' as unit_type, o.segment_id as unit_key, o.youth_key,
        o.is_success as in_numerator, true as in_denominator, cast(null as double) as measure,
        o.care_form || ' ' || cast(o.start_date as varchar) || ' t/m ' || cast(o.end_date as varchar)
            || ', venster (' || cast(o.window_after as varchar) || ', ' || cast(o.window_until as varchar) || ']'
            as unit_detail,
        s.file_path as source_file_path, s.file_sha256 as source_file_sha256, s.message_id as source_locator
    from {{ ref('int_tom_outcomes') }} as o
    join periods as p on o.end_date between p.period_start and p.period_end
    left join segment_sources as s on s.segment_id = o.segment_id
),

-- ---------------------------------------------------------------- declared etmalen (int_kpi__declared)
declared_units as (
    select
        'VB10' as kpi_id, 'sum' as kind, p.period, {{ current_municipality('x.gemeente_code') }} as municipality_code,
        case when x.provider_agb is null then [] else [x.provider_agb] end as providers,
        cast(null as varchar) as care_form,
        'prestatie' as unit_type, x.prestatie_id as unit_key, x.youth_key,
        true as in_numerator, true as in_denominator, cast(x.signed_volume as double) as measure,
        'declaratie ' || coalesce(x.declaratienummer, '') || ', ' || x.care_form || ' '
            || cast(x.begindatum as varchar) || ' t/m ' || cast(x.einddatum as varchar) || ', '
            || x.debet_credit as unit_detail,
        x.file_path as source_file_path, x.file_sha256 as source_file_sha256, x.message_id as source_locator
    from {{ ref('int_prestaties') }} as x
    join periods as p on x.begindatum between p.period_start and p.period_end
    where x.counts and x.eenheid = '14' and x.care_form in {{ verblijf_care_forms() }}
),

-- ---------------------------------------------------------------- administrative process (int_kpi__ap)
ap_units as (
    select
        i.kpi_id, 'ratio' as kind, p.period, i.municipality_code,
        case when i.provider_agb is null then [] else [i.provider_agb] end as providers,
        cast(null as varchar) as care_form,
        case when i.kpi_id = 'AP09' then 'declaratie' else 'bericht' end as unit_type,
        i.item_id as unit_key, i.youth_key,
        coalesce(i.on_time, false) as in_numerator, i.on_time is not null as in_denominator,
        cast(coalesce(i.days_taken, i.working_days_taken) as double) as measure,
        'referentiedatum ' || cast(i.reference_date as varchar)
            || case when i.on_time is null then ', nog open' else '' end as unit_detail,
        i.source_file_path, i.source_file_sha256, i.source_message_id as source_locator
    from {{ ref('int_ap_items') }} as i
    join periods as p on i.reference_date between p.period_start and p.period_end
),

-- ---------------------------------------------------------------- municipal exports (int_kpi__gemeente)
input_periods as (
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
             else false end as on_time
    from rejections
),

message_files_by_id as (
    select provider_agb, message_id, dagtekening, any_value(file_path) as file_path,
           any_value(file_sha256) as file_sha256
    from {{ source('raw', 'berichten') }}
    group by provider_agb, message_id, dagtekening
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
             else false end as on_time
    from approved
),

gemeente_units as (
    select 'AP02' as kpi_id, 'ratio' as kind, p.period, {{ current_municipality('a.municipality_code') }} as municipality_code,
           cast([] as varchar[]) as providers, cast(null as varchar) as care_form,
           'aanvraag' as unit_type, a.municipality_code || '|' || a.request_id as unit_key,
           cast(null as varchar) as youth_key,
           datediff('day', a.aanvraagdatum, a.besluitdatum) <= 56 as in_numerator, true as in_denominator,
           cast(datediff('day', a.aanvraagdatum, a.besluitdatum) as double) as measure,
           'aanvraag ' || cast(a.aanvraagdatum as varchar) || ', besluit ' || cast(a.besluitdatum as varchar)
               as unit_detail,
           a.file_path as source_file_path, cast(null as varchar) as source_file_sha256,
           a.record_locator as source_locator
    from {{ ref('stg_gemeente__aanvragen') }} as a
    join input_periods as p on a.besluitdatum between p.period_start and p.period_end
    union all
    select 'AP06', 'ratio', p.period, {{ current_municipality('t.gemeente_code') }}, [t.provider_agb], null,
           'toewijzing', t.assignment_id, t.youth_key, r.toewijzingnummer is null, true, null,
           'toewijzing ' || cast(t.toewijzingnummer as varchar) || ', verstuurd '
               || cast(t.first_dagtekening as varchar)
               || case when r.toewijzingnummer is null then '' else ', afgewezen '
                       || cast(r.afwijzingsdatum as varchar) end,
           t.first_file_path, t.first_file_sha256, t.first_message_id
    from {{ ref('stg_ijw__toewijzing_versies') }} as t
    join input_periods as p on t.first_dagtekening between p.period_start and p.period_end
    cross join has_afwijzingen as h
    left join {{ ref('stg_gemeente__afwijzingen') }} as r
      on r.municipality_code = t.gemeente_code and r.toewijzingnummer = t.toewijzingnummer
    where t.version_number = 1 and h.present
    union all
    select 'AP07', 'ratio', p.period, {{ current_municipality('r.municipality_code') }}, [r.provider_agb], null,
           'afwijzing', r.municipality_code || '|' || cast(r.toewijzingnummer as varchar), null,
           r.on_time, true, null,
           'afwijzing ' || cast(r.afwijzingsdatum as varchar) || ', beeindigd/verwijderd verstuurd '
               || coalesce(cast(r.ended_sent as varchar), 'nog niet'),
           r.file_path, null, r.record_locator
    from rejections_judged as r
    join input_periods as p on r.afwijzingsdatum between p.period_start and p.period_end
    union all
    select 'AP10', 'ratio', p.period, {{ current_municipality('a.gemeente_code') }}, [a.provider_agb], null,
           'declaratie', a.unit_id, null, a.on_time, true, null,
           'declaratie ' || coalesce(a.declaratienummer, '') || ', antwoord ' || cast(a.dagtekening as varchar)
               || ', betaald ' || coalesce(cast(a.betaaldatum as varchar), 'nog niet'),
           f.file_path, f.file_sha256, a.message_id
    from approved_judged as a
    join input_periods as p on a.dagtekening between p.period_start and p.period_end
    left join message_files_by_id as f
      on f.provider_agb = a.provider_agb and f.message_id = a.message_id and f.dagtekening = a.dagtekening
),

counted as (
    select * from youth_units
    union all select * from stay_units
    union all select * from tom_units
    union all select * from declared_units
    union all select * from ap_units
    union all select * from gemeente_units
),

-- ---------------------------------------------------------------- delivered inputs
cbs_cells as (
    select * from {{ ref('stg_cbs__spiegel') }}
),

cbs_parts as (
    select 'OI01' as kpi_id, *, categorie in {{ uitval_codes() }} as in_num, true as in_den
    from cbs_cells where indicator = 'uitval'
    union all
    select 'OI02', *, cast(categorie as integer) >= 8, true from cbs_cells where indicator = 'tevredenheid'
    union all
    select 'OI03', *, cast(categorie as integer) <= 4, true from cbs_cells where indicator = 'tevredenheid'
    union all
    select 'OI04', *, categorie in ('03', '04'), true from cbs_cells where indicator = 'zonder_hulp_verder'
    union all
    select 'OI05', *, indicator = 'geen_nieuwe_start', indicator = 'beeindigd'
    from cbs_cells where indicator in ('geen_nieuwe_start', 'beeindigd')
    union all
    select 'OI08', *, indicator = 'tevredenheid', indicator = 'beeindigd'
    from cbs_cells
    where indicator = 'beeindigd'
       or (indicator = 'tevredenheid' and coalesce(informant, 'jeugdige') = 'jeugdige')
),

delivered_rows as (
    select
        kpi_id, 'ratio' as kind, periode as half_year, provider_agb, municipality_code,
        'cbs-cel' as unit_type,
        indicator || coalesce('/' || hulpvorm, '') || coalesce('/' || informant, '')
            || coalesce(' categorie ' || categorie, '') as unit_detail,
        cast(case when in_num then coalesce(aantal, 0) else 0 end as double) as numerator_part,
        cast(case when in_den then aantal else 0 end as double) as denominator_part,
        is_suppressed,
        'cbs_spiegel' as landing_folder, file_path, file_sha256, record_locator
    from cbs_parts
    union all
    select
        kpi_id, case when kpi_id in ('EG03', 'CT01') then 'mean' else 'ratio' end, periode, provider_agb, null,
        'sjabloonregel', 'teller ' || coalesce(cast(teller as varchar), '') || ', noemer '
            || coalesce(cast(noemer as varchar), ''),
        cast(case when kpi_id = 'CT01' then teller * noemer else teller end as double), cast(noemer as double),
        false, 'aanbieders', file_path, null, record_locator
    from {{ ref('stg_aanbieder__kpi') }}
    union all
    select k.kpi_id, k.kind, periode, provider_agb, null, 'klachtenregel', k.kpi_id || ' uit klachtenregel',
           k.num, k.den, false, 'aanbieders', file_path, null, record_locator
    from {{ ref('stg_aanbieder__klachten') }},
    lateral (
        select * from (values
            ('KL01', 'count', cast(aantal as double), cast(null as double)),
            ('KL02', 'ratio', cast(aantal_clienten_met_klacht as double), cast(aantal_clienten as double)),
            ('KL03', 'ratio', cast(aantal_afgehandeld as double), cast(aantal as double)),
            ('KL04', 'count', cast(aantal_gegrond as double), cast(null as double))
        ) as v (kpi_id, kind, num, den)
    ) as k
    union all
    select
        kpi_id, 'mean',
        cast(year(gespreksdatum) as varchar) || case when month(gespreksdatum) <= 6 then '-H1' else '-H2' end,
        provider_agb, null, 'kwaliteitsgesprek',
        onderdeel || ' ' || cast(gespreksdatum as varchar) || ', score ' || cast(score as varchar),
        cast(score as double), 1.0, false, 'kwaliteitsgesprekken', file_path, null, record_locator
    from {{ ref('stg_gemeente__kwaliteitsgesprekken') }}
    union all
    select
        'AL01', 'ratio', period, provider_agb, null, 'levering',
        delivery || ' ' || status,
        case when status = 'received' then 1.0 else 0.0 end, 1.0, false,
        case when delivery = 'cbs_spiegel' then 'cbs_spiegel' else 'aanbieders' end, file_path, null, null
    from {{ ref('int_delivery_expectations') }}
    where delivery = case when reports_to_cbs then 'cbs_spiegel' else 'aanbieder_template' end
),

-- a half-year row counts in its half-year and in its year (delivered_kpi_aggregate)
delivered_periods as (
    select *, half_year as period from delivered_rows
    union all
    select *, left(half_year, 4) as period from delivered_rows
),

delivered_units as (
    select
        *,
        -- as delivered_kpi_aggregate: a group whose suppression flag is not false (true, or NULL) is left out
        coalesce(bool_or(is_suppressed) over (partition by kpi_id, period, provider_agb), true)
            as excluded_provider,
        coalesce(bool_or(is_suppressed) over (partition by kpi_id, period, provider_agb, municipality_code), true)
            as excluded_municipality
    from delivered_periods
)

select
    cast(kpi_id as varchar) as kpi_id,
    cast(kind as varchar) as kind,
    cast('telling' as varchar) as basis,
    cast(period as varchar) as period,
    cast(municipality_code as varchar) as municipality_code,
    cast(providers as varchar[]) as providers,
    cast(care_form as varchar) as care_form,
    cast(unit_type as varchar) as unit_type,
    cast(unit_key as varchar) as unit_key,
    cast(youth_key as varchar) as youth_key,
    cast(in_numerator as boolean) as in_numerator,
    cast(in_denominator as boolean) as in_denominator,
    cast(measure as double) as measure,
    cast(null as double) as numerator_part,
    cast(null as double) as denominator_part,
    cast(false as boolean) as excluded_provider,
    cast(false as boolean) as excluded_municipality,
    cast(unit_detail as varchar) as unit_detail,
    cast(case when unit_type in ('aanvraag', 'afwijzing') then 'gemeente' else 'berichten' end as varchar)
        as source,
    cast(source_file_path as varchar) as source_file_path,
    cast(source_file_sha256 as varchar) as source_file_sha256,
    cast(source_locator as varchar) as source_locator
from counted
union all
select
    kpi_id,
    kind,
    'aangeleverd',
    period,
    municipality_code,
    case when provider_agb is null then cast([] as varchar[]) else [provider_agb] end,
    null,
    unit_type,
    md5(concat_ws('|', kpi_id, half_year, coalesce(file_path, provider_agb), coalesce(record_locator, unit_detail))),
    null,
    numerator_part <> 0,
    coalesce(denominator_part, 0) <> 0,
    null,
    numerator_part,
    denominator_part,
    excluded_provider,
    excluded_municipality,
    unit_detail,
    landing_folder,
    file_path,
    file_sha256,
    record_locator
from delivered_units
