{#- The reference date as a SQL date literal (G10). Set by var('peildatum'), default env JEUGDKPI_PEILDATUM. -#}
{% macro peildatum() -%}
    cast('{{ var("peildatum") }}' as date)
{%- endmacro %}
