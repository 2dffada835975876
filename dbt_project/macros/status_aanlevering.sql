{#-
  StatusAanlevering resolution of JW305/JW307 lines (iJw 3.2 correction rules, docs/inputs.md), shared by stg_ijw__start_producten
  and stg_ijw__stop_producten. `src` must have the raw columns, one row per record (a record loaded twice counts
  once: macro ijw_message_lines), plus the logical key column `key`. Produces the CTEs sa_sequenced, sa_ordered, sa_retour,
  sa_toewijzingen and sa_resolved: one row per logical key. Events are applied in order Dagtekening, message
  Identificatie, and inside one message deletes before inserts ([advies]).
    the row                the surviving line: the first '1' after the key's last '3' (a deleted line counts as
                           never sent, TR063; ruling R1 in docs/kpi-definitions.md). Its own dates, Dagtekening,
                           message and file are the row's columns, so every AP clock of the start or stop runs
                           from its dates to the Dagtekening of the message that carried it. A key whose latest
                           event is a '3' has no surviving line: the row is its latest '1' line, is_deleted.
    last_status            the latest event's status
    is_deleted             latest event = '3'
    is_assignment_deleted  the assignment's latest 301 is RedenWijziging 13 (never sent, G3)
    is_retour_rejected     the retour on the message of that line rejected it
    is_valid               neither deleted nor on a deleted assignment
    n_events               events with this key
-#}
{% macro status_aanlevering_resolution(src, key, heen_message_type) %}
    sa_sequenced as (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by dagtekening, message_id, case status_aanlevering when '3' then 0 else 1 end, record_locator
            ) as event_seq,
            count(*) over (partition by {{ key }}) as n_events
        from {{ src }}
    ),

    sa_ordered as (
        select
            *,
            arg_max(status_aanlevering, event_seq) over (partition by {{ key }}) as last_status,
            status_aanlevering = '1' and event_seq > coalesce(
                max(event_seq) filter (where status_aanlevering = '3') over (partition by {{ key }}), 0
            ) as is_surviving
        from sa_sequenced
    ),

    sa_retour as (
        select * from {{ ref('stg_ijw__retouren') }} where heen_message_type = '{{ heen_message_type }}'
    ),

    sa_toewijzingen as (
        select * from {{ ref('stg_ijw__toewijzingen') }}
    ),

    sa_resolved as (
        select
            o.*,
            (o.last_status = '3') as is_deleted,
            coalesce(t.is_deleted, false) as is_assignment_deleted,
            coalesce(r.is_rejected, false) as is_retour_rejected,
            (o.last_status <> '3' and not coalesce(t.is_deleted, false)) as is_valid
        from sa_ordered as o
        left join sa_toewijzingen as t
            on t.gemeente_code = o.gemeente_code and t.toewijzingnummer = o.toewijzingnummer
        left join sa_retour as r
            on r.message_id = o.message_id and r.dagtekening = o.dagtekening
           and r.provider_agb is not distinct from o.provider_agb
           and r.gemeente_code is not distinct from o.gemeente_code
        qualify row_number() over (
            partition by o.{{ key }}
            order by o.is_surviving desc, case when o.is_surviving then o.event_seq end,
                     (o.status_aanlevering = '1') desc, o.event_seq desc
        ) = 1
    )
{% endmacro %}

{#- The columns every resolved JW305/JW307 row carries (after its own key and attribute columns). -#}
{% macro status_aanlevering_columns(alias='o') -%}
    {%- for c in ['youth_key', 'provider_agb', 'gemeente_code', 'toewijzingnummer', 'product_categorie',
                  'product_code', 'toewijzing_ingangsdatum', 'begindatum', 'dagtekening', 'message_id',
                  'record_locator', 'file_sha256', 'file_path', 'n_events', 'last_status', 'is_deleted',
                  'is_assignment_deleted', 'is_retour_rejected', 'is_valid'] %}
    {{ alias }}.{{ c }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The logical key of a start (iJw 3.2 correction rules): provider, gemeente, youth, ToewijzingNummer, product and
    Begindatum; a JW307 carries the same columns, so its start_key names the start it closes. -#}
{% macro ijw_start_key() -%}
    md5(concat_ws('|',
        coalesce(provider_agb, ''), coalesce(gemeente_code, ''), youth_key,
        coalesce(cast(toewijzingnummer as varchar), ''), coalesce(product_categorie, ''),
        coalesce(product_code, ''), cast(begindatum as varchar)
    ))
{%- endmacro %}

{#- The lines of one iJw message table that count at peildatum: Dagtekening <= peildatum (G10), the region's
    municipalities only (region_source). -#}
{% macro ijw_messages(table) -%}
    select * from {{ region_source(source('ijw', table)) }} where dagtekening <= {{ peildatum() }}
{%- endmacro %}

{#- As ijw_messages, and a message loaded twice (same sender, gemeente, message, Dagtekening, record) counts once. -#}
{% macro ijw_message_lines(table) -%}
    {{ ijw_messages(table) }}
    qualify row_number() over (
        partition by provider_agb, gemeente_code, message_id, dagtekening, record_locator order by file_path
    ) = 1
{%- endmacro %}
