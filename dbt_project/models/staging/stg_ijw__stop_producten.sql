-- JW307 StopProduct lines resolved to one row per logical key (ijw-reference §4.2):
--   (provider, gemeente, youth, ToewijzingNummer, Product, Begindatum, RedenBeeindiging).
-- start_key (the key without RedenBeeindiging) links the stop to the start it closes (Begindatum = the
-- start's Begindatum, TR382). StatusAanlevering semantics, ordering and flags as in stg_ijw__start_producten.
-- is_temporary: RedenBeeindiging 20 (levering tijdelijk beeindigd).
with src as (
    select
        *,
        md5(concat_ws('|',
            coalesce(provider_agb, ''), coalesce(gemeente_code, ''), youth_key,
            coalesce(cast(toewijzingnummer as varchar), ''), coalesce(product_categorie, ''),
            coalesce(product_code, ''), cast(begindatum as varchar)
        )) as start_key
    from {{ source('raw', 'jw307_stop_product') }}
    where dagtekening <= {{ peildatum() }}
),

keyed as (
    select *, md5(concat_ws('|', start_key, reden_beeindiging)) as stop_key
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
            partition by stop_key
            order by dagtekening desc, message_id desc,
                     case status_aanlevering when '3' then 0 else 1 end desc, record_locator desc
        ) as rn_event,
        row_number() over (
            partition by stop_key
            order by (status_aanlevering = '1') desc, dagtekening desc, message_id desc, record_locator desc
        ) as rn_line,
        min(dagtekening) filter (where status_aanlevering = '1') over (partition by stop_key) as first_dagtekening,
        count(*) over (partition by stop_key) as n_events
    from keyed
),

latest_event as (
    select stop_key, status_aanlevering as last_status
    from ordered
    where rn_event = 1
),

retour as (
    select * from {{ ref('stg_ijw__retouren') }} where heen_message_type = 'JW307'
),

toewijzingen as (
    select * from {{ ref('stg_ijw__toewijzingen') }}
)

select
    o.stop_key,
    o.start_key,
    o.youth_key,
    o.provider_agb,
    o.gemeente_code,
    o.toewijzingnummer,
    o.product_categorie,
    o.product_code,
    o.toewijzing_ingangsdatum,
    o.begindatum,
    o.reden_beeindiging,
    (o.reden_beeindiging = '20') as is_temporary,
    o.einddatum,
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
join latest_event as e using (stop_key)
left join toewijzingen as t
    on t.gemeente_code = o.gemeente_code and t.toewijzingnummer = o.toewijzingnummer
left join retour as r
    on r.message_id = o.message_id and r.dagtekening = o.dagtekening
   and r.provider_agb is not distinct from o.provider_agb
   and r.gemeente_code is not distinct from o.gemeente_code
where o.rn_line = 1
