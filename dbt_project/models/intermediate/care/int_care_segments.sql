-- Care segments (kpi-definitions G3): one row per valid JW305 StartProduct (not deleted by a later
-- StatusAanlevering 3, not on an assignment whose latest 301 is RedenWijziging 13).
-- End, in this order (end_source):
--   stop_definitief      Einddatum of a valid JW307 with RedenBeeindiging <> 20 and the same logical key
--   stop_tijdelijk       else Einddatum of a valid temporary JW307 (20); a later restart is a new 305 = new segment
--   toewijzing_einddatum else the assignment's current Einddatum (latest 301 version) when <= peildatum
--   open                 else NULL
-- Several valid stops of one kind for one start (not allowed, TR415) -> the latest sent one.
-- Product: the 305's Categorie/Code; a 305 without Product (generic assignment) takes the 301's product.
with starts as (
    select * from {{ ref('stg_ijw__start_producten') }} where is_valid
),

stops as (
    select
        *,
        row_number() over (
            partition by start_key, is_temporary
            order by dagtekening desc, message_id desc, record_locator desc
        ) as rn
    from {{ ref('stg_ijw__stop_producten') }}
    where is_valid
),

toewijzingen as (
    select * from {{ ref('stg_ijw__toewijzingen') }} where not is_deleted
),

joined as (
    select
        s.*,
        d.einddatum as definitive_end,
        d.reden_beeindiging as definitive_reden,
        t.einddatum as temporary_end,
        tw.einddatum as assignment_end,
        tw.product_categorie as assignment_categorie,
        tw.product_code as assignment_code
    from starts as s
    left join stops as d on d.start_key = s.start_key and not d.is_temporary and d.rn = 1
    left join stops as t on t.start_key = s.start_key and t.is_temporary and t.rn = 1
    left join toewijzingen as tw
        on tw.gemeente_code = s.gemeente_code and tw.toewijzingnummer = s.toewijzingnummer
),

ended as (
    select
        *,
        case when product_categorie is null then assignment_categorie else product_categorie end
            as product_category,
        case when product_categorie is null then assignment_code else product_code end as product_code_resolved,
        case
            when definitive_end is not null then definitive_end
            when temporary_end is not null then temporary_end
            when assignment_end is not null and assignment_end <= {{ peildatum() }} then assignment_end
        end as end_date,
        case
            when definitive_end is not null then 'stop_definitief'
            when temporary_end is not null then 'stop_tijdelijk'
            when assignment_end is not null and assignment_end <= {{ peildatum() }} then 'toewijzing_einddatum'
            else 'open'
        end as end_source,
        case
            when definitive_end is not null then definitive_reden
            when temporary_end is not null then '20'
        end as reden_beeindiging
    from joined
),

classified as (
    select
        e.*,
        {{ care_form_of('e.product_category', 'e.product_code_resolved') }} as care_form
    from ended as e
)

select
    start_key as segment_id,
    youth_key,
    birth_year,
    born_jan_1,
    provider_agb,
    {{ current_municipality('gemeente_code') }} as municipality_code,
    toewijzingnummer,
    product_category,
    product_code_resolved as product_code,
    care_form,
    {{ care_group_of('care_form') }} as care_group,
    care_form in {{ verblijf_care_forms() }} as is_verblijf,
    care_form in {{ zwaar_care_forms() }} as is_zwaar,
    care_form in {{ gezinsgericht_care_forms() }} as is_gezinsgericht,
    care_form in {{ tom_care_forms() }} as is_tom,
    begindatum as start_date,
    end_date,
    end_source,
    reden_beeindiging,
    dagtekening as start_dagtekening,
    message_id as start_message_id,
    is_retour_rejected
from classified
