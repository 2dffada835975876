-- Part-time foster care (VB09): per youth in pleegzorg in P (G6) the average etmalen per week.
--   declared: net etmalen (Eenheid 14, debit - credit, only counting lines, G11) of pleegzorg prestaties with
--             Begindatum in P, divided by (net days of those prestatie periods / 7); a credit cancels the days
--             of the debit it reverses as well.
--   assigned (fallback when there are no such prestaties, or their net days are <= 0): the Omvang of the
--             youth's pleegzorg assignment (latest non-deleted 301, Eenheid 14) valid in P with the latest
--             Ingangsdatum: per day x 7, per week as is, per month / 4.348, total (6) / (assignment days / 7).
--   is_part_time: average < 4. A youth with neither stays in the denominator, basis 'onbekend', not part-time.
with pleegzorg_youths as (
    select distinct period, period_start, period_end, youth_key
    from {{ ref('int_youth_periods') }}
    where care_form = 'pleegzorg'
),

declared as (
    select
        y.period,
        y.youth_key,
        sum(p.signed_volume) as net_etmalen,
        sum(p.signed_days) as net_days
    from pleegzorg_youths as y
    join {{ ref('int_prestaties') }} as p
      on p.youth_key = y.youth_key
     and p.begindatum between y.period_start and y.period_end
    where p.counts and p.care_form = 'pleegzorg' and p.eenheid = '14'
    group by y.period, y.youth_key
),

assignments as (
    select
        t.*,
        {{ care_form_of('t.product_categorie', 't.product_code') }} as care_form
    from {{ ref('stg_ijw__toewijzingen') }} as t
    where not t.is_deleted and t.omvang_eenheid = '14' and t.omvang_volume is not null
),

assigned as (
    select
        y.period,
        y.youth_key,
        case a.omvang_frequentie
            when '1' then a.omvang_volume * 7.0
            when '2' then a.omvang_volume * 1.0
            when '4' then a.omvang_volume / 4.348
            when '6' then a.omvang_volume / nullif((datediff('day', a.ingangsdatum, a.einddatum) + 1) / 7.0, 0)
        end as assigned_per_week
    from pleegzorg_youths as y
    join assignments as a
      on a.youth_key = y.youth_key
     and a.care_form = 'pleegzorg'
     and a.ingangsdatum <= y.period_end
     and (a.einddatum is null or a.einddatum >= y.period_start)
    qualify row_number() over (
        partition by y.period, y.youth_key order by a.ingangsdatum desc, a.toewijzingnummer desc
    ) = 1
)

select
    y.period,
    y.period_start,
    y.period_end,
    y.youth_key,
    d.net_etmalen,
    d.net_days,
    case when d.net_days > 0 then d.net_etmalen / (d.net_days / 7.0) end as declared_per_week,
    a.assigned_per_week,
    coalesce(case when d.net_days > 0 then d.net_etmalen / (d.net_days / 7.0) end, a.assigned_per_week)
        as etmalen_per_week,
    case
        when d.net_days > 0 then 'declaratie'
        when a.assigned_per_week is not null then 'toewijzing'
        else 'onbekend'
    end as basis,
    coalesce(
        coalesce(case when d.net_days > 0 then d.net_etmalen / (d.net_days / 7.0) end, a.assigned_per_week) < 4,
        false
    ) as is_part_time
from pleegzorg_youths as y
left join declared as d using (period, youth_key)
left join assigned as a using (period, youth_key)
