-- Which delivery the region expects from which provider for which half-year, and what arrived.
-- Expected: the provider template (aanbieder_template) from every provider under contract in the half-year
-- (seeds/providers.csv), and the CBS spiegelrapportage (cbs_spiegel) from those with reports_to_cbs.
-- Half-years: per kind of delivery from the earliest period delivered by any provider through the last
-- half-year that has ended by peildatum (a kind never delivered by anyone -> no rows: the region does not use
-- it). Deadline: 1 October for H1, 1 April for H2.
-- Received: when the first accepted delivery for the half-year arrived in the landing folder (received_at of
-- stg_inputs__leveringen: the file's landing moment, not the run that read it), so a correction sent after the
-- deadline does not make an on-time delivery late; late = received after the deadline day.
-- cbs_suppressed_kpis: the outcome KPIs (OI01-OI05, OI08) for which the CBS report in force has a cell blanked
-- by CBS (small numbers), which leaves the provider without a value of its own for them: not missing data.
with deliveries as (
    select *, case when kind = 'cbs_spiegel' then 'cbs_spiegel' else 'aanbieder_template' end as delivery
    from {{ ref('stg_inputs__leveringen') }}
    where kind in ('cbs_spiegel', 'aanbieder_kpi') and provider_agb is not null and periode is not null
),

bounds as (
    select delivery, min({{ periode_start('periode') }}) as first_start from deliveries group by delivery
),

half_years as (
    select b.delivery, p.period, p.period_start, p.period_end,
           case when p.period like '%-H1' then make_date(p.year, 10, 1) else make_date(p.year + 1, 4, 1) end
               as deadline
    from {{ ref('int_input_periods') }} as p
    cross join bounds as b
    where p.period_type = 'half_year' and p.period_start >= b.first_start and p.period_end <= {{ peildatum() }}
),

expected as (
    select pr.provider_agb, pr.name as provider_name, pr.reports_to_cbs, h.*
    from {{ ref('providers') }} as pr
    join half_years as h
      on pr.contract_from <= h.period_end and (pr.contract_to is null or pr.contract_to >= h.period_start)
    where h.delivery = 'aanbieder_template' or pr.reports_to_cbs
),

received as (
    select
        provider_agb, periode as period, delivery,
        count(*) filter (where status = 'loaded') as n_loaded,
        count(*) filter (where status = 'quarantined') as n_rejected,
        min(received_at) filter (where status = 'loaded') as received_at,
        max(file_path) filter (where is_in_force) as file_path,
        max(loaded_at) filter (where status = 'quarantined') as last_rejected_at,
        arg_max(file_path, loaded_at) filter (where status = 'quarantined') as last_rejected_file,
        arg_max(first_error, loaded_at) filter (where status = 'quarantined') as last_rejected_reason
    from deliveries
    group by provider_agb, periode, delivery
),

cbs_cells as (
    select * from {{ ref('stg_cbs__spiegel') }}
),

cbs_parts as (
    {{ cbs_spiegel_parts('cbs_cells') }}
),

cbs_blanked as (
    select provider_agb, periode as period, 'cbs_spiegel' as delivery,
           string_agg(distinct kpi_id, ',' order by kpi_id) as cbs_suppressed_kpis
    from cbs_parts
    where is_suppressed
    group by provider_agb, periode
)

select
    e.provider_agb,
    e.provider_name,
    e.reports_to_cbs,
    e.period,
    e.period_start,
    e.period_end,
    e.delivery,
    e.deadline,
    case
        when r.n_loaded > 0 then 'received'
        when r.n_rejected > 0 then 'rejected'
        when e.deadline > {{ peildatum() }} then 'expected'
        else 'missing'
    end as status,
    r.received_at,
    coalesce(cast(r.received_at as date) > e.deadline, false) as is_late,
    r.file_path,
    cast(coalesce(r.n_loaded, 0) as integer) as n_deliveries,
    cast(coalesce(r.n_rejected, 0) as integer) as n_rejected,
    r.last_rejected_file,
    r.last_rejected_reason,
    b.cbs_suppressed_kpis
from expected as e
left join received as r using (provider_agb, period, delivery)
left join cbs_blanked as b using (provider_agb, period, delivery)
