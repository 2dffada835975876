{#-
  The region a run covers and municipal mergers (docs/regions.md). The runner passes, from the seeds and the
  setting JEUGDKPI_REGIO (jeugdkpi/regions.py):
    var('regio_gemeenten')    the region's current municipalities, 'GM0230,GM0233,...' (empty: no filter)
    var('gemeente_opvolgers') every merged municipality -> its current successor, 'GM0856:GM1991,...'
  (GM-prefixed so that a single code never turns into a number with its leading zeros lost).
-#}

{#- The current municipality of a code read from data: its successor after mergers, else itself. -#}
{% macro current_municipality(code) -%}
    {%- set pairs = (var('gemeente_opvolgers', '') or '') | string -%}
    {%- if pairs | trim -%}
    case {{ code }}
        {%- for pair in pairs.split(',') if ':' in pair %}
        {%- set old, new = pair.split(':') %} when '{{ old | trim | replace('GM', '') }}' then '{{ new | trim | replace('GM', '') }}'
        {%- endfor %} else {{ code }} end
    {%- else -%}
    {{ code }}
    {%- endif -%}
{%- endmacro %}

{#- True for a row of the region: its municipality (after mergers) is one of the region's, or it has none. -#}
{% macro in_region(code) -%}
    {%- set codes = (var('regio_gemeenten', '') or '') | string -%}
    {%- if codes | trim -%}
    ({{ code }} is null or {{ current_municipality(code) }} in (
        {%- for c in codes.split(',') if c | trim %}'{{ c | trim | replace('GM', '') }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    ))
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- A raw table with only the rows of the region's municipalities: the ONE place the region filter is applied
    (every staging model reads its raw table through it). The rows of other municipalities stay in raw.
    A unit test's fixture (a `__dbt__cte__` in place of the raw table) is not filtered, so the models' unit tests
    hold for any JEUGDKPI_REGIO, unless the test sets the var `regio_filter_in_unit_tests` (tests of the filter). -#}
{% macro region_source(relation, column='gemeente_code') -%}
    {%- if '__dbt__cte__' in (relation | string) and not var('regio_filter_in_unit_tests', false) -%}
    (select * from {{ relation }})
    {%- else -%}
    (select * from {{ relation }} where {{ in_region(column) }})
    {%- endif -%}
{%- endmacro %}
