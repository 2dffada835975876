-- One row per version of an assignment (JW301 ToegewezenProduct).
-- Assignment = (gemeente_code, toewijzingnummer) (iJw 3.2 correction rules, docs/inputs.md);
-- version = Toewijzingsdatum + Toewijzingstijd. A 301 is a snapshot, so the same version arrives in many messages:
-- the version's attributes come from its latest-sent copy, first_dagtekening is the first message that carried it.
-- Messages with a Dagtekening after peildatum are ignored (G10).
with src as (
    {{ ijw_messages('jw301_toegewezen_product') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by gemeente_code, toewijzingnummer, toewijzingsdatum, toewijzingstijd
            order by dagtekening desc, message_id desc, record_locator desc
        ) as rn_latest,
        min(dagtekening) over (
            partition by gemeente_code, toewijzingnummer, toewijzingsdatum, toewijzingstijd
        ) as first_dagtekening,
        -- lineage of the first message that carried the version (AP03 lists it)
        min_by(message_id, (dagtekening, message_id, record_locator)) over (
            partition by gemeente_code, toewijzingnummer, toewijzingsdatum, toewijzingstijd
        ) as first_message_id,
        min_by(file_sha256, (dagtekening, message_id, record_locator)) over (
            partition by gemeente_code, toewijzingnummer, toewijzingsdatum, toewijzingstijd
        ) as first_file_sha256,
        min_by(file_path, (dagtekening, message_id, record_locator)) over (
            partition by gemeente_code, toewijzingnummer, toewijzingsdatum, toewijzingstijd
        ) as first_file_path,
        count(*) over (
            partition by gemeente_code, toewijzingnummer, toewijzingsdatum, toewijzingstijd
        ) as n_copies
    from src
)

select
    md5(concat_ws('|', gemeente_code, cast(toewijzingnummer as varchar))) as assignment_id,
    gemeente_code,
    toewijzingnummer,
    toewijzingsdatum,
    toewijzingstijd,
    provider_agb,
    youth_key,
    birth_year,
    born_jan_1,
    juridische_status,
    referentie_aanbieder,
    product_categorie,
    product_code,
    ingangsdatum,
    einddatum,
    reden_wijziging,
    omvang_volume,
    omvang_eenheid,
    omvang_frequentie,
    budget,
    first_dagtekening,
    first_message_id,
    first_file_sha256,
    first_file_path,
    dagtekening as last_dagtekening,
    message_id as last_message_id,
    n_copies,
    row_number() over (
        partition by gemeente_code, toewijzingnummer
        order by toewijzingsdatum, toewijzingstijd
    ) as version_number,
    -- 13 = verwijderd; legacy 01 with Einddatum = Ingangsdatum is "not current" as well (OP087).
    coalesce(reden_wijziging = '13' or (reden_wijziging = '01' and einddatum = ingangsdatum), false) as is_deletion
from ranked
where rn_latest = 1
