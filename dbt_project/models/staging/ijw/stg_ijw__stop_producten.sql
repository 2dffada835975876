-- JW307 StopProduct lines resolved to one row per logical key (iJw 3.2 correction rules, docs/inputs.md):
--   (provider, gemeente, youth, ToewijzingNummer, Product, Begindatum, RedenBeeindiging).
-- start_key (the key without RedenBeeindiging) links the stop to the start it closes (Begindatum = the
-- start's Begindatum, TR382). StatusAanlevering semantics, ordering and flags: macro status_aanlevering_resolution;
-- as for starts, the row is the surviving line (ruling R1: the AP05 clock runs from its own Einddatum to the
-- Dagtekening of its own message; Einddatum is not part of the key, so a 3 + 1 may change it).
-- is_temporary: RedenBeeindiging 20 (levering tijdelijk beeindigd).
with src as (
    select
        *,
        {{ ijw_start_key() }} as start_key
    from ({{ ijw_message_lines('jw307_stop_product') }})
),

keyed as (
    select *, md5(concat_ws('|', start_key, reden_beeindiging)) as stop_key
    from src
),

{{ status_aanlevering_resolution('keyed', 'stop_key', 'JW307') }}

select
    o.stop_key,
    o.start_key,
    o.reden_beeindiging,
    (o.reden_beeindiging = '20') as is_temporary,
    o.einddatum,
    {{ status_aanlevering_columns('o') }}
from sa_resolved as o
