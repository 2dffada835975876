-- JW315 AangevraagdProduct (verzoek om toewijzing), Dagtekening <= peildatum, one row per
-- (provider, ReferentieAanbieder): the first sent request (ReferentieAanbieder is unique per provider, TR347).
with src as (
    {{ ijw_messages('jw315_aangevraagd_product') }}
),

retour as (
    select * from {{ ref('stg_ijw__retouren') }} where heen_message_type = 'JW315'
)

select
    s.provider_agb,
    s.gemeente_code,
    s.referentie_aanbieder,
    s.youth_key,
    s.product_categorie,
    s.product_code,
    s.toewijzing_ingangsdatum,
    s.toewijzing_einddatum,
    s.omvang_volume,
    s.omvang_eenheid,
    s.omvang_frequentie,
    s.budget,
    s.verwijzer_type,
    s.message_id,
    s.dagtekening,
    s.file_sha256,
    s.file_path,
    coalesce(r.is_rejected, false) as is_retour_rejected
from src as s
left join retour as r
    on r.message_id = s.message_id and r.dagtekening = s.dagtekening
   and r.provider_agb is not distinct from s.provider_agb
qualify row_number() over (
    partition by s.provider_agb, s.referentie_aanbieder
    order by coalesce(r.is_rejected, false), s.dagtekening, s.message_id, s.record_locator
) = 1
