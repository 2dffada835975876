{#- OI01: the reden-beeindiging codes that count as uitval, as a SQL list ('03') or ('03', '04').
    Setting JEUGDKPI_UITVAL_CODES (default 03), dbt var uitval_codes. -#}
{% macro uitval_codes() -%}
    {%- set codes = [] -%}
    {%- for c in (var('uitval_codes') | string).split(',') if c | trim -%}
        {%- do codes.append("'" ~ (c | trim) ~ "'") -%}
    {%- endfor -%}
    ({{ codes | join(', ') }})
{%- endmacro %}

{#- The latest loaded delivery per key from a raw.leveringen_<source> table: later loaded_at wins, then the
    later file path (two deliveries in one run). Replaced deliveries stay in raw and in the audit tables. -#}
{% macro latest_deliveries(leveringen, kind, key_columns) -%}
    select file_sha256, {{ key_columns | join(', ') }}
    from {{ leveringen }}
    where kind = '{{ kind }}' and status = 'loaded'
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }} order by loaded_at desc, file_path desc
    ) = 1
{%- endmacro %}

{#- The rows of a provider's or CBS delivery table (`relation`, aliased `alias`) that belong to the latest loaded
    delivery per provider and half-year (latest_deliveries over the delivery log `leveringen` for `kind`), for half-years
    that end on or before the peildatum: the FROM ... WHERE of the staging models of delivered figures. -#}
{% macro latest_delivered_rows(relation, alias, leveringen, kind) -%}
    {{ relation }} as {{ alias }}
    join ({{ latest_deliveries(leveringen, kind, ['aanbieder_agb', 'periode']) }}) as latest
        using (file_sha256, aanbieder_agb, periode)
    where {{ periode_end(alias ~ '.periode') }} <= {{ peildatum() }}
{%- endmacro %}

{#- The latest loaded row per key of a municipal export (a later file replaces an earlier row of the same key). -#}
{% macro latest_export_row(key_columns) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }} order by loaded_at desc, file_path desc, record_locator desc
    ) = 1
{%- endmacro %}

{#- Half-year periode 'YYYY-H1' -> its first / last day. -#}
{% macro periode_start(p) -%}
    make_date(cast(left({{ p }}, 4) as integer), case when right({{ p }}, 1) = '1' then 1 else 7 end, 1)
{%- endmacro %}
{% macro periode_end(p) -%}
    make_date(cast(left({{ p }}, 4) as integer), case when right({{ p }}, 1) = '1' then 6 else 12 end,
              case when right({{ p }}, 1) = '1' then 30 else 31 end)
{%- endmacro %}

{#-
  Turn delivered KPI contributions (provider templates, CBS reports) into kpi_values rows (G7 for
  provider-delivered KPIs: rows per provider, per municipality when the input has one, and a region row
  summed as Σnumerator / Σdenominator, never an average of percentages).

  `contrib`: a delivered facts model int_kpi_facts__* or rows of kpi_id, half-year period ('YYYY-H1'),
  provider_agb and municipality_code (NULL when the input has no municipality; several rows per key are
  summed), with
    kind ('ratio' -> 100 × num/den; 'mean' -> num/den; 'count' -> num), num, den (double),
    is_suppressed (a cell behind it was suppressed: the contribution is left out of every sum and the totals
    it belongs to are flagged is_partial), is_provisional.
  Year rows sum both half-years; a year with only one half-year of a provider is is_partial. Sums are exact
  (DECIMAL, macro `exact` in kpi_aggregate.sql), so a re-run gives the same digits.
-#}
{#-
  The rows of a delivered facts model int_kpi_facts__* (the CTE `rel`: kpi_id, kind, period (half-year),
  provider_agb, municipality_code, num, den, is_suppressed, is_provisional, unit_type, unit_detail, source,
  source_file_path, source_file_sha256, source_locator) with a stable unit_id: a hash of the KPI, half-year,
  file (or provider) and record (or description).
-#}
{% macro delivered_facts(rel) %}
select
    cast(md5(concat_ws('|', kpi_id, period, coalesce(source_file_path, provider_agb),
                       coalesce(source_locator, unit_detail))) as varchar) as unit_id,
    cast(kpi_id as varchar) as kpi_id, cast(kind as varchar) as kind, cast(period as varchar) as period,
    cast(provider_agb as varchar) as provider_agb, cast(municipality_code as varchar) as municipality_code,
    cast(num as double) as num, cast(den as double) as den,
    cast(is_suppressed as boolean) as is_suppressed, cast(is_provisional as boolean) as is_provisional,
    cast(unit_type as varchar) as unit_type, cast(unit_detail as varchar) as unit_detail,
    cast(source as varchar) as source, cast(source_file_path as varchar) as source_file_path,
    cast(source_file_sha256 as varchar) as source_file_sha256, cast(source_locator as varchar) as source_locator
from {{ rel }}
{% endmacro %}

{#- A delivered half-year row counts in its half-year and in its year (out_period); used by
    delivered_kpi_aggregate and marts.kpi_units. -#}
{% macro delivered_periods(rel) %}
    select *, period as out_period from {{ rel }}
    union all
    select *, left(period, 4) as out_period from {{ rel }}
{% endmacro %}

{% macro delivered_kpi_aggregate(contrib) %}
    dka_all as (
        {{ delivered_periods(contrib) }}
    ),

    dka_provider as (
        select kpi_id, kind, out_period, provider_agb,
               sum({{ exact('num') }}) as num, sum({{ exact('den') }}) as den, bool_or(is_suppressed) as supp,
               bool_or(is_provisional) as prov,
               length(out_period) = 4 and count(distinct period) < 2 as incomplete
        from dka_all
        group by kpi_id, kind, out_period, provider_agb
    ),

    dka_provider_municipality as (
        select kpi_id, kind, out_period, provider_agb, municipality_code,
               sum({{ exact('num') }}) as num, sum({{ exact('den') }}) as den, bool_or(is_suppressed) as supp,
               bool_or(is_provisional) as prov,
               length(out_period) = 4 and count(distinct period) < 2 as incomplete
        from dka_all
        where municipality_code is not null
        group by kpi_id, kind, out_period, provider_agb, municipality_code
    ),

    dka_rows as (
        select kpi_id, kind, out_period, cast(null as varchar) as municipality_code, provider_agb,
               num, den, prov, incomplete as partial
        from dka_provider
        where not supp
        union all
        select kpi_id, kind, out_period, municipality_code, cast(null as varchar),
               sum(num) filter (where not supp), sum(den) filter (where not supp), bool_or(prov),
               bool_or(supp or incomplete)
        from dka_provider_municipality
        group by kpi_id, kind, out_period, municipality_code
        union all
        select kpi_id, kind, out_period, cast(null as varchar), cast(null as varchar),
               sum(num) filter (where not supp), sum(den) filter (where not supp), bool_or(prov),
               bool_or(supp or incomplete)
        from dka_provider
        group by kpi_id, kind, out_period
    ),

    dka_valued as (
        select
            kpi_id,
            out_period as period,
            case when length(out_period) = 4 then make_date(cast(out_period as integer), 1, 1)
                 else {{ periode_start('out_period') }} end as period_start,
            case when length(out_period) = 4 then make_date(cast(out_period as integer), 12, 31)
                 else {{ periode_end('out_period') }} end as period_end,
            municipality_code,
            provider_agb,
            cast(null as varchar) as care_form,
            cast(case when kind = 'ratio' then num end as double) as numerator,
            cast(case when kind = 'ratio' then den end as double) as denominator,
            cast(case kind
                when 'ratio' then 100.0 * num / nullif(den, 0)
                when 'mean' then num / nullif(den, 0)
                when 'count' then num
            end as double) as value,
            cast(case when kind = 'count' then num else den end as integer) as n_youths,
            prov,
            partial
        from dka_rows
    ),

    kpi_final as (
        select
            kpi_id, period, period_start, period_end, municipality_code, provider_agb, care_form,
            numerator, denominator, value, n_youths,
            (prov or period_end > {{ peildatum() }}) as is_provisional,
            (partial or period_end > {{ peildatum() }}) as is_partial
        from dka_valued
        where value is not null
    )
{% endmacro %}
