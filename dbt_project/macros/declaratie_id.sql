{#- The key of one JW323 declaration message (provider, message identification, Dagtekening): shared by
    stg_ijw__declaraties and stg_ijw__prestaties so the prestaties of a declaration join to it. -#}
{% macro declaratie_id(provider_agb, message_id, dagtekening) -%}
    md5(concat_ws('|', {{ provider_agb }}, {{ message_id }}, cast({{ dagtekening }} as varchar)))
{%- endmacro %}
