{#-
  Turn KPI "facts" (one row per counted unit) into kpi_values rows at the three grains of G7.

  `facts` is a facts model int_kpi_facts__* (or a CTE over one); the macro reads its columns
    kpi_id, kind ('count' | 'ratio' | 'mean' | 'median' | 'sum'), period, period_start, period_end,
    unit_id (what is counted: youth, segment, stay period, prestatie), youth_key,
    municipality_code (grain attribution of the unit; NULL = only in the region row),
    providers (varchar[]: every provider the unit counts for; a unit counts once for each),
    care_form (NULL = all forms), in_numerator, in_denominator (boolean),
    measure (double, for mean/median/sum; summed exactly, see `exact`), item_provisional (boolean);
  other columns (the unit's description and source lineage for marts.kpi_units) are ignored.
  For mean/median/sum every unit must occur once per (kpi_id, period, care_form); a ratio may list a unit
  in separate numerator and denominator rows with different attributions (VB03).

  Output columns: kpi_id, period, period_start, period_end, municipality_code, provider_agb, care_form,
  numerator, denominator, value, n_youths, is_provisional, is_partial.
  Rows without a defined value (ratio with denominator 0, mean of nothing) are left out; kpis listed in
  `zero_fill` get a region row with value 0 for every reporting period without units.
-#}
{#-
  Exact arithmetic for every sum and mean of the KPI models (issue 14, determinism): DuckDB adds the doubles
  of a parallel aggregate in an order that depends on its threads, so a double sum or mean over the same rows
  can differ in the last digit between two runs. A DECIMAL sum is integer arithmetic and the same in any
  order. Values are rounded to 12 decimals first (DECIMAL(38, 12): up to 26 integer digits; a sum beyond that
  fails the build with an overflow error instead of losing digits). Means divide the exact sum once.
-#}
{% macro exact(expr) -%}
    cast({{ expr }} as decimal(38, 12))
{%- endmacro %}

{% macro kpi_aggregate(facts, zero_fill=[]) %}
    {%- set grains = 'kpi_id, kind, period, period_start, period_end, g_municipality, g_provider, care_form' -%}
    kpi_facts as (
        select kpi_id, kind, period, period_start, period_end, unit_id, youth_key, municipality_code, providers,
               care_form, in_numerator, in_denominator, measure, item_provisional
        from {{ facts }}
    ),

    kpi_expanded as (
        select *, cast(null as varchar) as g_municipality, cast(null as varchar) as g_provider
        from kpi_facts
        union all
        select *, municipality_code as g_municipality, cast(null as varchar) as g_provider
        from kpi_facts
        where municipality_code is not null
        union all
        select *, cast(null as varchar) as g_municipality, unnest(list_distinct(providers)) as g_provider
        from kpi_facts
    ),

    {#- the distinct counts of units and youths: distinct_unit_counts / distinct_youth_counts below #}
    kpi_measures as (
        select
            {{ grains }},
            avg({{ exact('measure') }}) filter (where in_denominator) as avg_measure,
            quantile_cont(measure, 0.5) filter (where in_denominator) as median_measure,
            sum({{ exact('measure') }}) filter (where in_denominator) as sum_measure,
            coalesce(bool_or(item_provisional), false) as any_item_provisional
        from kpi_expanded
        group by {{ grains }}
    ),

    kpi_unit_counts as (
        {{ distinct_unit_counts('kpi_expanded', grains, 'unit_id') }}
    ),

    kpi_youth_counts as (
        {{ distinct_youth_counts('kpi_expanded', grains) }}
    ),

    kpi_grouped as (
        select
            m.*,
            coalesce(u.n_num, 0) as n_num,
            coalesce(u.n_den, 0) as n_den,
            coalesce(y.n_youths, 0) as n_youths
        from kpi_measures as m
        left join kpi_unit_counts as u on {{ same_grain('u', 'm', grains) }}
        left join kpi_youth_counts as y on {{ same_grain('y', 'm', grains) }}
    ),

    kpi_aggregated as (
        select
            kpi_id,
            period,
            period_start,
            period_end,
            g_municipality as municipality_code,
            g_provider as provider_agb,
            care_form,
            cast(case when kind = 'ratio' then n_num end as double) as numerator,
            cast(case when kind = 'ratio' then n_den end as double) as denominator,
            cast(case kind
                when 'ratio' then 100.0 * n_num / nullif(n_den, 0)
                when 'count' then n_num
                when 'mean' then avg_measure
                when 'median' then median_measure
                when 'sum' then sum_measure
            end as double) as value,
            cast(n_youths as integer) as n_youths,
            any_item_provisional
        from kpi_grouped
    ),

    kpi_rows as (
        select * from kpi_aggregated where value is not null
        {%- if zero_fill %}
        union all
        select
            k.kpi_id, p.period, p.period_start, p.period_end,
            cast(null as varchar), cast(null as varchar), cast(null as varchar),
            cast(null as double), cast(null as double), cast(0 as double), cast(0 as integer), false
        from {{ ref('int_reporting_periods') }} as p
        cross join (values {% for k in zero_fill %}('{{ k }}'){% if not loop.last %}, {% endif %}{% endfor %}) as k (kpi_id)
        where not exists (
            select 1 from kpi_aggregated as a
            where a.kpi_id = k.kpi_id and a.period = p.period and a.value is not null
              and a.municipality_code is null and a.provider_agb is null and a.care_form is null
        )
        {%- endif %}
    ),

    kpi_final as (
        select
            kpi_id,
            period,
            period_start,
            period_end,
            municipality_code,
            provider_agb,
            care_form,
            numerator,
            denominator,
            value,
            n_youths,
            (any_item_provisional or period_end > {{ peildatum() }}) as is_provisional,
            (period_end > {{ peildatum() }}) as is_partial
        from kpi_rows
    )
{% endmacro %}

{#-
  The KPI families: per family the model that aggregates its facts (unioned by marts.kpi_values, with the
  source it reads), its facts model int_kpi_facts__* (unioned by marts.kpi_units; none = no units, VB02 whose
  denominator is the CBS population) and the basis of those facts (telling = counted units through
  kpi_aggregate, aangeleverd = delivered rows through delivered_kpi_aggregate). One list, so the values and
  their units cannot cover different families. A new family: one entry here.
-#}
{% macro kpi_families() %}
    {{ return([
        {'model': 'int_kpi__youths', 'facts': 'int_kpi_facts__youths', 'basis': 'telling', 'source': 'berichtenverkeer'},
        {'model': 'int_kpi__stays', 'facts': 'int_kpi_facts__stays', 'basis': 'telling', 'source': 'berichtenverkeer'},
        {'model': 'int_kpi__tom', 'facts': 'int_kpi_facts__tom', 'basis': 'telling', 'source': 'berichtenverkeer'},
        {'model': 'int_kpi__declared', 'facts': 'int_kpi_facts__declared', 'basis': 'telling', 'source': 'berichtenverkeer'},
        {'model': 'int_kpi__ap', 'facts': 'int_kpi_facts__ap', 'basis': 'telling', 'source': 'berichtenverkeer'},
        {'model': 'int_kpi__cbs', 'facts': 'int_kpi_facts__cbs', 'basis': 'aangeleverd', 'source': 'cbs_spiegel'},
        {'model': 'int_kpi__bevolking', 'facts': none, 'basis': none, 'source': 'cbs_bevolking'},
        {'model': 'int_kpi__aanbieder', 'facts': 'int_kpi_facts__aanbieder', 'basis': 'aangeleverd', 'source': 'aanbieder'},
        {'model': 'int_kpi__gemeente', 'facts': 'int_kpi_facts__gemeente', 'basis': 'telling', 'source': 'gemeente'},
        {'model': 'int_kpi__kwaliteitsgesprekken', 'facts': 'int_kpi_facts__kwaliteitsgesprekken', 'basis': 'aangeleverd', 'source': 'gemeente'},
        {'model': 'int_kpi__aanlevering', 'facts': 'int_kpi_facts__aanlevering', 'basis': 'aangeleverd', 'source': 'aanlevering'},
    ]) }}
{% endmacro %}

{#- Typed select list: `spec` is 'name type, name type, ...'; each column is cast to its type under its own name
    (the published schema of a mart). -#}
{% macro typed_columns(spec) -%}
    {%- for item in spec.split(',') -%}
        {%- set parts = item.strip().split(' ', 1) -%}
        cast({{ parts[0] }} as {{ parts[1] }}) as {{ parts[0] }}{% if not loop.last %},
    {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The typed period and grain columns of the KPI marts (kpi_values, kpi_values_detail), after kpi_id. -#}
{% macro kpi_grain_columns() -%}
    {{ typed_columns('period varchar, period_start date, period_end date, municipality_code varchar,
                      provider_agb varchar, care_form varchar') }}
{%- endmacro %}


{#-
  The distinct counts of kpi_aggregate and of the units reconciliation test (tests/generic), in two stages
  (issue 18): first one row per unit (or youth) within its grain row, then a plain count. A grouped
  count(distinct) keeps a distinct table per aggregate and grew faster than the facts; the counts are the same:
  a unit counts in the numerator when any of its rows is in_numerator (in the denominator likewise), a youth when
  any of its rows is in the numerator or denominator. `source` has the `grains` columns, `unit_column`,
  youth_key, in_numerator and in_denominator. Output: `grains`, n_num, n_den / `grains`, n_youths.
-#}
{% macro distinct_unit_counts(source, grains, unit_column) -%}
    select
        {{ grains }},
        count(*) filter (where in_num) as n_num,
        count(*) filter (where in_den) as n_den
    from (
        select
            {{ grains }}, {{ unit_column }},
            bool_or(in_numerator) as in_num,
            bool_or(in_denominator) as in_den
        from {{ source }}
        where {{ unit_column }} is not null
        group by {{ grains }}, {{ unit_column }}
    )
    group by {{ grains }}
{%- endmacro %}

{% macro distinct_youth_counts(source, grains) -%}
    select {{ grains }}, count(*) as n_youths
    from (
        select distinct {{ grains }}, youth_key
        from {{ source }}
        where (in_numerator or in_denominator) and youth_key is not null
    )
    group by {{ grains }}
{%- endmacro %}

{#- join condition: `left` and `right` are the same grain row (NULL grain columns, the region and "all forms",
    are equal) -#}
{% macro same_grain(left, right, grains) -%}
    {% for c in grains.split(', ') %}{{ left }}.{{ c }} is not distinct from {{ right }}.{{ c }}
    {%- if not loop.last %}
        and {% endif %}{% endfor %}
{%- endmacro %}
