-- Current state of every assignment: its latest version (Toewijzingsdatum + Toewijzingstijd, OP033x1).
-- An assignment whose latest version is a deletion (RedenWijziging 13) counts as never sent, together with
-- its starts, stops and declarations (G3): it stays here with is_deleted = true so the deletion is visible.
with versions as (
    select * from {{ ref('stg_ijw__toewijzing_versies') }}
),

per_assignment as (
    select
        assignment_id,
        min(first_dagtekening) as first_dagtekening,
        arg_min(ingangsdatum, version_number) as first_ingangsdatum,
        arg_min(toewijzingsdatum, version_number) as first_toewijzingsdatum,
        -- ReferentieAanbieder is only filled in the first 301 honouring a VOT/VOW (TR379).
        arg_min(referentie_aanbieder, version_number) filter (where referentie_aanbieder is not null)
            as referentie_aanbieder,
        count(*) as n_versions
    from versions
    group by assignment_id
),

latest as (
    select *
    from versions
    qualify row_number() over (partition by assignment_id order by version_number desc) = 1
)

select
    l.assignment_id,
    l.gemeente_code,
    l.toewijzingnummer,
    l.provider_agb,
    l.youth_key,
    l.birth_year,
    l.born_jan_1,
    l.juridische_status,
    a.referentie_aanbieder,
    l.product_categorie,
    l.product_code,
    l.ingangsdatum,
    l.einddatum,
    l.reden_wijziging,
    l.omvang_volume,
    l.omvang_eenheid,
    l.omvang_frequentie,
    l.budget,
    l.toewijzingsdatum,
    l.toewijzingstijd,
    a.first_toewijzingsdatum,
    a.first_ingangsdatum,
    a.first_dagtekening,
    l.last_dagtekening,
    a.n_versions,
    l.is_deletion as is_deleted
from latest as l
join per_assignment as a using (assignment_id)
