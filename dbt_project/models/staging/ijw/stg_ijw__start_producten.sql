-- JW305 StartProduct lines resolved to one row per logical key (iJw 3.2 correction rules, docs/inputs.md):
--   (provider, gemeente, youth, ToewijzingNummer, Product Categorie+Code, Begindatum).
-- StatusAanlevering 1 adds the line, 3 deletes the earlier line with the same key. Events are applied in
-- order of Dagtekening, then message Identificatie, and inside one message deletes before inserts
-- (advice of the iJw 3.2 release); the latest event decides (is_deleted). A correction (3 + 1) is therefore
-- the re-sent line. Attributes come from the latest '1' line.
-- is_assignment_deleted: the assignment's latest 301 is RedenWijziging 13 -> the start counts as never sent.
-- is_valid = neither deleted nor on a deleted assignment: the rows care segments are built from (G3).
-- The resolution itself is the macro status_aanlevering_resolution (shared with stg_ijw__stop_producten).
with src as (
    select
        *,
        md5(concat_ws('|',
            coalesce(provider_agb, ''), coalesce(gemeente_code, ''), youth_key,
            coalesce(cast(toewijzingnummer as varchar), ''), coalesce(product_categorie, ''),
            coalesce(product_code, ''), cast(begindatum as varchar)
        )) as start_key
    from {{ region_source('jw305_start_product') }}
    where dagtekening <= {{ peildatum() }}
),

{{ status_aanlevering_resolution('src', 'start_key', 'JW305') }}

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
