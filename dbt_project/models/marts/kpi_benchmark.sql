-- marts.kpi_benchmark (docs/benchmark.md): CBS reference values beside the region's own KPIs. One row per
-- kpi_values row at the region grain (municipality_code NULL) or municipality grain, without provider and care
-- form, of a KPI whose catalogue row names a cbs_reference ('85100NED:jeugdigen_verblijf', or a share
-- 'TABLE:numerator/denominator' = 100 x numerator / denominator). CBS lags: the same period when CBS has it, else
-- CBS's latest period of the same kind (half-year or year) not after the KPI's. For the municipality, the region
-- (the jeugdzorgregio: matched by the seed's region_code, else by CBS's name "<region> (JZ)") and NL a value and a
-- status: gepubliceerd | afgerond (a count CBS rounded to 5, or a share of such counts) | onderdrukt (CBS withheld
-- it: NULL, never 0) | niet gepubliceerd (CBS has no row for that area) | n.v.t. (municipality columns of a
-- region row).
with catalogue as (
    select
        kpi_id,
        cbs_comparison as comparison,
        upper(trim(split_part(cbs_reference, ':', 1))) as cbs_table,
        trim(split_part(cbs_reference, ':', 2)) as cbs_measure,
        trim(split_part(split_part(cbs_reference, ':', 2), '/', 1)) as num_maat,
        nullif(trim(split_part(split_part(cbs_reference, ':', 2), '/', 2)), '') as den_maat
    from {{ ref('kpi_catalogue') }}
    where nullif(trim(cbs_reference), '') is not null
),

cbs as (
    select * from {{ ref('stg_cbs__benchmark') }}
),

-- a period's status: the least final of its rows
cbs_periods as (
    select
        bron_tabel,
        maat,
        periode,
        case
            when bool_or(bron_status = 'voorlopig') then 'voorlopig'
            when bool_or(bron_status = 'nader voorlopig') then 'nader voorlopig'
            when bool_and(bron_status = 'definitief') then 'definitief'
        end as cbs_status
    from cbs
    group by bron_tabel, maat, periode
),

kpis as (
    select v.kpi_id, v.period, v.municipality_code, c.comparison, c.cbs_table, c.cbs_measure, c.num_maat, c.den_maat
    from {{ ref('kpi_values') }} as v
    inner join catalogue as c on v.kpi_id = c.kpi_id
    where v.provider_agb is null and v.care_form is null
),

with_period as (
    select
        k.*,
        p.periode as cbs_period,
        p.cbs_status
    from kpis as k
    left join cbs_periods as p
        on
            k.cbs_table = p.bron_tabel
            and k.num_maat = p.maat
            and length(k.period) = length(p.periode)
            and p.periode <= k.period
    qualify row_number() over (
        partition by k.kpi_id, k.period, k.municipality_code order by p.periode desc nulls last
    ) = 1
),

seed_regions as (
    select
        municipality_code,
        region,
        nullif(upper(trim(region_code)), '') as region_code
    from {{ ref('municipalities') }}
),

configured_region as (
    select
        region,
        max(region_code) as region_code
    from seed_regions
    where
        regexp_replace(lower(region), '[\s_-]+', '', 'g')
        = regexp_replace(lower('{{ var("regio") }}'), '[\s_-]+', '', 'g')
        or region_code = upper('{{ var("regio") }}')
    group by region
    qualify row_number() over (order by region) = 1
),

-- the areas of each row: its municipality (municipality rows), its jeugdzorgregio, NL
targets as (
    select
        w.*,
        'municipality' as area,
        'gemeente' as gebied_type,
        w.municipality_code as gebied_code,
        cast(null as varchar) as region
    from with_period as w
    where w.municipality_code is not null
    union all
    select
        w.*,
        'region' as area,
        'regio' as gebied_type,
        coalesce(m.region_code, r.region_code) as gebied_code,
        coalesce(m.region, r.region) as region
    from with_period as w
    left join (select distinct municipality_code, region, region_code from seed_regions) as m
        on w.municipality_code = m.municipality_code
    left join configured_region as r on w.municipality_code is null
    union all
    select
        w.*,
        'nl' as area,
        'nederland' as gebied_type,
        'NL' as gebied_code,
        cast(null as varchar) as region
    from with_period as w
),

numerators as (
    select
        t.*,
        n.gebied_type as n_type,
        n.gebied_code as n_code,
        n.waarde as n_value,
        n.onderdrukt as n_withheld,
        n.afgerond as n_rounded
    from targets as t
    left join cbs as n
        on
            t.cbs_table = n.bron_tabel
            and t.num_maat = n.maat
            and t.cbs_period = n.periode
            and t.gebied_type = n.gebied_type
            and (
                t.gebied_code = n.gebied_code
                or (
                    t.gebied_type = 'regio'
                    and regexp_replace(lower(replace(n.gebied_naam, '(JZ)', '')), '[\s_-]+', '', 'g')
                    = regexp_replace(lower(t.region), '[\s_-]+', '', 'g')
                )
            )
    qualify row_number() over (
        partition by t.kpi_id, t.period, t.municipality_code, t.area
        order by (t.gebied_code = n.gebied_code) desc nulls last, n.gebied_code
    ) = 1
),

cells as (
    select
        x.*,
        d.maat as d_maat,
        d.waarde as d_value,
        d.onderdrukt as d_withheld,
        d.afgerond as d_rounded
    from numerators as x
    left join cbs as d
        on
            x.cbs_table = d.bron_tabel
            and x.den_maat = d.maat
            and x.cbs_period = d.periode
            and x.n_type = d.gebied_type
            and x.n_code = d.gebied_code
),

valued as (
    select
        *,
        case
            when n_code is null or (den_maat is not null and d_maat is null) then null
            when n_withheld or coalesce(d_withheld, false) then null
            when den_maat is null then n_value
            else 100.0 * n_value / nullif(d_value, 0)
        end as value,
        case
            when n_code is null or (den_maat is not null and (d_maat is null or d_value = 0)) then 'niet gepubliceerd'
            when n_withheld or coalesce(d_withheld, false) then 'onderdrukt'
            when n_rounded is not null or d_rounded is not null then 'afgerond'
            else 'gepubliceerd'
        end as status
    from cells
)

select
    cast(kpi_id as varchar) as kpi_id,
    cast(period as varchar) as period,
    cast(municipality_code as varchar) as municipality_code,
    cast(cbs_table as varchar) as cbs_table,
    cast(cbs_measure as varchar) as cbs_measure,
    cast(comparison as varchar) as comparison,
    cast(cbs_period as varchar) as cbs_period,
    cast(cbs_status as varchar) as cbs_status,
    cast(max(value) filter (where area = 'municipality') as double) as value_municipality,
    cast(
        case when municipality_code is null then 'n.v.t.' else max(status) filter (where area = 'municipality') end
        as varchar
    ) as status_municipality,
    cast(max(value) filter (where area = 'region') as double) as value_region,
    cast(max(status) filter (where area = 'region') as varchar) as status_region,
    cast(max(value) filter (where area = 'nl') as double) as value_nl,
    cast(max(status) filter (where area = 'nl') as varchar) as status_nl
from valued
group by kpi_id, period, municipality_code, cbs_table, cbs_measure, comparison, cbs_period, cbs_status
