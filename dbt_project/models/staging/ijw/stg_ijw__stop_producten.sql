-- JW307 StopProduct lines resolved to one row per logical key (iJw 3.2 correction rules, docs/inputs.md):
--   (provider, gemeente, youth, ToewijzingNummer, Product, Begindatum, RedenBeeindiging).
-- start_key (the key without RedenBeeindiging) links the stop to the start it closes (Begindatum = the
-- start's Begindatum, TR382). StatusAanlevering semantics, ordering and flags: macro status_aanlevering_resolution.
-- is_temporary: RedenBeeindiging 20 (levering tijdelijk beeindigd).
with src as (
    select
        *,
        md5(concat_ws('|',
            coalesce(provider_agb, ''), coalesce(gemeente_code, ''), youth_key,
            coalesce(cast(toewijzingnummer as varchar), ''), coalesce(product_categorie, ''),
            coalesce(product_code, ''), cast(begindatum as varchar)
        )) as start_key
    from {{ region_source('jw307_stop_product') }}
    where dagtekening <= {{ peildatum() }}
),

keyed as (
    select *, md5(concat_ws('|', start_key, reden_beeindiging)) as stop_key
    from src
),

{{ status_aanlevering_resolution('keyed', 'stop_key', 'JW307') }}

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
    o.first_message_id,
    o.first_file_sha256,
    o.first_file_path,
    o.n_events,
    o.last_status,
    o.is_deleted,
    o.is_assignment_deleted,
    o.is_retour_rejected,
    o.is_valid
from sa_resolved as o
