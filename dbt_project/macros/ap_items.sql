{#-
  The columns of one administrative-process item (int_ap__* models -> int_ap_items, docs/kpi-definitions.md §6).
  Arguments are SQL expressions over the model's row; the row must carry provider_agb and gemeente_code.
    days_taken     true: calendar days clock_start -> clock_stop; false: NULL (AP11 has no clock)
    working_days   expression for working_days_taken (KPIs with a working-day norm), else NULL
    source_prefix  '' or 'first_': the lineage columns (message_id, file_sha256, file_path) of the row
-#}
{% macro ap_item(kpi_id, item_id, reference_date, clock_start, clock_stop, on_time, toelichting,
                 sent_date='dagtekening', referentie='null', is_provisional='false', days_taken=true,
                 working_days='null', youth_key='youth_key', toewijzingnummer='toewijzingnummer',
                 source_prefix='') -%}
    '{{ kpi_id }}' as kpi_id,
    {{ item_id }} as item_id,
    cast({{ youth_key }} as varchar) as youth_key,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    cast({{ toewijzingnummer }} as bigint) as toewijzingnummer,
    cast({{ referentie }} as varchar) as referentie,
    {{ reference_date }} as reference_date,
    {{ clock_start }} as clock_start,
    {{ clock_stop }} as clock_stop,
    {{ sent_date }} as sent_date,
    {% if days_taken %}datediff('day', {{ clock_start }}, {{ clock_stop }}){% else %}cast(null as bigint){% endif %}
        as days_taken,
    cast({{ working_days }} as bigint) as working_days_taken,
    {{ on_time }} as on_time,
    {{ is_provisional }} as is_provisional,
    {{ toelichting }} as toelichting,
    {{ source_prefix }}message_id as source_message_id,
    {{ source_prefix }}file_sha256 as source_file_sha256,
    {{ source_prefix }}file_path as source_file_path
{%- endmacro %}

{#- AP04/AP05: a message (305/307) sent within 5 working days after the event date (Begindatum/Einddatum).
    The row carries wd_sent = working_days_between(event date, dagtekening) of its surviving line (R1). -#}
{% macro ap_message_sent_item(kpi_id, item_id, event_date, bericht, datum_naam) -%}
    {{ ap_item(kpi_id, item_id, event_date, event_date, 'dagtekening',
               on_time='wd_sent <= 5', working_days='wd_sent',
               toelichting="'" ~ bericht ~ " verstuurd ' || strftime(dagtekening, '%d-%m-%Y') || ', ' || wd_sent
                   || ' werkdagen na " ~ datum_naam ~ " ' || strftime(" ~ event_date ~ ", '%d-%m-%Y')") }}
{%- endmacro %}

{#- AP09/AP12 (ruling R2): an answer due within `norm` working days. Answered: on time when wd_answer <= norm.
    Unanswered at peildatum: late once wd_peildatum > norm, else pending (on_time NULL, provisional: left out of
    numerator and denominator). -#}
{% macro answer_on_time(answer_date, norm) -%}
    case
        when {{ answer_date }} is not null then wd_answer <= {{ norm }}
        when wd_peildatum > {{ norm }} then false
    end
{%- endmacro %}

{% macro answer_pending(answer_date, norm) -%}
    ({{ answer_date }} is null and wd_peildatum <= {{ norm }})
{%- endmacro %}

{#- wd_answer and wd_peildatum for answer_on_time / answer_pending, counted from `start`. -#}
{% macro answer_clocks(start, answer_date) -%}
    {{ working_days_between(start, answer_date) }} as wd_answer,
    {{ working_days_between(start, peildatum()) }} as wd_peildatum
{%- endmacro %}

{#- The toelichting of an AP09/AP12 item: answered (answered_text = SQL text before the answer's date), late
    without answer, or still pending. `missing` starts in lower case ('geen 325 ontvangen'); `after` names the
    clock's start ('na indiening'). -#}
{% macro answer_toelichting(answer_date, norm, answered_text, missing, after) -%}
    case
        when {{ answer_date }} is not null then {{ answered_text }} || strftime({{ answer_date }}, '%d-%m-%Y')
            || ', ' || wd_answer || ' werkdagen {{ after }}'
        when wd_peildatum > {{ norm }} then '{{ missing[0] | upper ~ missing[1:] }}; ' || wd_peildatum
            || ' werkdagen {{ after }} op peildatum'
        else 'Nog binnen de termijn: {{ missing }}, ' || wd_peildatum || ' werkdagen {{ after }}'
    end
{%- endmacro %}

{#- Join the assignment (stg_ijw__toewijzingen, alias t) of the row `alias` (gemeente_code + toewijzingnummer). -#}
{% macro join_assignment(alias) -%}
    left join {{ ref('stg_ijw__toewijzingen') }} as t
        on t.gemeente_code = {{ alias }}.gemeente_code and t.toewijzingnummer = {{ alias }}.toewijzingnummer
{%- endmacro %}
