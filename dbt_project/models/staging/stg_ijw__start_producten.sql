-- JW305 StartProduct lines resolved to one row per logical key (ijw-reference §4.2):
--   (provider, gemeente, youth, ToewijzingNummer, Product Categorie+Code, Begindatum).
-- StatusAanlevering 1 adds the line, 3 deletes the earlier line with the same key. Events are applied in
-- order of Dagtekening, then message Identificatie, and inside one message deletes before inserts
-- (ijw-reference §4.2 [advies]); the latest event decides (is_deleted). A correction (3 + 1) is therefore
-- the re-sent line. Attributes come from the latest '1' line.
-- is_assignment_deleted: the assignment's latest 301 is RedenWijziging 13 -> the start counts as never sent.
-- is_valid = neither deleted nor on a deleted assignment: the rows care segments are built from (G3).
with src as (
    select
        *,
        md5(concat_ws('|',
            coalesce(provider_agb, ''), coalesce(gemeente_code, ''), youth_key,
            coalesce(cast(toewijzingnummer as varchar), ''), coalesce(product_categorie, ''),
            coalesce(product_code, ''), cast(begindatum as varchar)
        )) as start_key
    from {{ source('raw', 'jw305_start_product') }}
    where dagtekening <= {{ peildatum() }}
),

-- the same record loaded twice (same message landed in two files) counts once
events as (
    select *
    from src
    qualify row_number() over (
        partition by provider_agb, gemeente_code, message_id, dagtekening, record_locator
        order by file_path
    ) = 1
),

ordered as (
    select
        *,
        row_number() over (
            partition by start_key
            order by dagtekening desc, message_id desc,
                     case status_aanlevering when '3' then 0 else 1 end desc, record_locator desc
        ) as rn_event,
        row_number() over (
            partition by start_key
            order by (status_aanlevering = '1') desc, dagtekening desc, message_id desc, record_locator desc
        ) as rn_line,
        min(dagtekening) filter (where status_aanlevering = '1') over (partition by start_key) as first_dagtekening,
        count(*) over (partition by start_key) as n_events
    from events
),

latest_event as (
    select start_key, status_aanlevering as last_status
    from ordered
    where rn_event = 1
),

retour as (
    select * from {{ ref('stg_ijw__retouren') }} where heen_message_type = 'JW305'
),

toewijzingen as (
    select * from {{ ref('stg_ijw__toewijzingen') }}
)

select
    o.start_key,
    o.youth_key,
    o.birth_year,
    o.born_jan_1,
    o.provider_agb,
    o.gemeente_code,
    o.toewijzingnummer,
    o.product_categorie,
    o.product_code,
    o.toewijzing_ingangsdatum,
    o.begindatum,
    o.dagtekening,
    o.message_id,
    o.record_locator,
    o.file_sha256,
    o.first_dagtekening,
    o.n_events,
    e.last_status,
    (e.last_status = '3') as is_deleted,
    coalesce(t.is_deleted, false) as is_assignment_deleted,
    coalesce(r.is_rejected, false) as is_retour_rejected,
    (e.last_status <> '3' and not coalesce(t.is_deleted, false)) as is_valid
from ordered as o
join latest_event as e using (start_key)
left join toewijzingen as t
    on t.gemeente_code = o.gemeente_code and t.toewijzingnummer = o.toewijzingnummer
left join retour as r
    on r.message_id = o.message_id and r.dagtekening = o.dagtekening
   and r.provider_agb is not distinct from o.provider_agb
   and r.gemeente_code is not distinct from o.gemeente_code
where o.rn_line = 1
