{#-
  StatusAanlevering resolution of JW305/JW307 lines (iJw 3.2 correction rules, docs/inputs.md), shared by stg_ijw__start_producten
  and stg_ijw__stop_producten. `src` must have the raw columns plus the logical key column `key`.
  Produces the CTEs sa_events (a record loaded twice counts once), sa_ordered, sa_latest_event and
  sa_resolved: one row per logical key = its latest '1' line (attributes), with
    last_status            the latest event's status; events are applied in order Dagtekening, message
                           Identificatie, and inside one message deletes before inserts ([advies])
    is_deleted             latest event = '3'
    is_assignment_deleted  the assignment's latest 301 is RedenWijziging 13 (never sent, G3)
    is_retour_rejected     the retour on the message of that line rejected it
    is_valid               neither deleted nor on a deleted assignment
    first_dagtekening, first_message_id, first_file_sha256, first_file_path
                           the first message that sent the key with status '1' (AP04/AP05 timeliness)
    n_events               events with this key
-#}
{% macro status_aanlevering_resolution(src, key, heen_message_type) %}
    sa_events as (
        select *
        from {{ src }}
        qualify row_number() over (
            partition by provider_agb, gemeente_code, message_id, dagtekening, record_locator
            order by file_path
        ) = 1
    ),

    sa_ordered as (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by dagtekening desc, message_id desc,
                         case status_aanlevering when '3' then 0 else 1 end desc, record_locator desc
            ) as rn_event,
            row_number() over (
                partition by {{ key }}
                order by (status_aanlevering = '1') desc, dagtekening desc, message_id desc, record_locator desc
            ) as rn_line,
            min(dagtekening) filter (where status_aanlevering = '1') over (partition by {{ key }})
                as first_dagtekening,
            min_by(message_id, (dagtekening, message_id, record_locator))
                filter (where status_aanlevering = '1') over (partition by {{ key }}) as first_message_id,
            min_by(file_sha256, (dagtekening, message_id, record_locator))
                filter (where status_aanlevering = '1') over (partition by {{ key }}) as first_file_sha256,
            min_by(file_path, (dagtekening, message_id, record_locator))
                filter (where status_aanlevering = '1') over (partition by {{ key }}) as first_file_path,
            count(*) over (partition by {{ key }}) as n_events
        from sa_events
    ),

    sa_latest_event as (
        select {{ key }}, status_aanlevering as last_status
        from sa_ordered
        where rn_event = 1
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
            e.last_status,
            (e.last_status = '3') as is_deleted,
            coalesce(t.is_deleted, false) as is_assignment_deleted,
            coalesce(r.is_rejected, false) as is_retour_rejected,
            (e.last_status <> '3' and not coalesce(t.is_deleted, false)) as is_valid
        from sa_ordered as o
        join sa_latest_event as e using ({{ key }})
        left join sa_toewijzingen as t
            on t.gemeente_code = o.gemeente_code and t.toewijzingnummer = o.toewijzingnummer
        left join sa_retour as r
            on r.message_id = o.message_id and r.dagtekening = o.dagtekening
           and r.provider_agb is not distinct from o.provider_agb
           and r.gemeente_code is not distinct from o.gemeente_code
        where o.rn_line = 1
    )
{% endmacro %}
