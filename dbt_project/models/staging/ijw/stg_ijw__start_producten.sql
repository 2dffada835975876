-- JW305 StartProduct lines resolved to one row per logical key (iJw 3.2 correction rules, docs/inputs.md):
--   (provider, gemeente, youth, ToewijzingNummer, Product Categorie+Code, Begindatum).
-- StatusAanlevering 1 adds the line, 3 deletes the earlier line with the same key. Events are applied in
-- order of Dagtekening, then message Identificatie, and inside one message deletes before inserts
-- (advice of the iJw 3.2 release); the latest event decides (is_deleted). A correction (3 + 1) is therefore
-- the re-sent line: the deleted line counts as never sent, and the row's dates, Dagtekening, message and file
-- are those of the surviving line (ruling R1; the AP04 clock runs from its Begindatum to its Dagtekening).
-- is_assignment_deleted: the assignment's latest 301 is RedenWijziging 13 -> the start counts as never sent.
-- is_valid = neither deleted nor on a deleted assignment: the rows care segments are built from (G3).
-- The resolution itself is the macro status_aanlevering_resolution (shared with stg_ijw__stop_producten).
with src as (
    select
        *,
        {{ ijw_start_key() }} as start_key
    from ({{ ijw_message_lines('jw305_start_product') }})
),

{{ status_aanlevering_resolution('src', 'start_key', 'JW305') }}

select
    o.start_key,
    o.birth_year,
    o.born_jan_1,
    {{ status_aanlevering_columns('o') }}
from sa_resolved as o
