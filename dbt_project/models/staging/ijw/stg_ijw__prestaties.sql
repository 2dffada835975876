-- JW323 prestatie lines (Dagtekening <= peildatum) with their JW325 outcome (G11).
-- One row per prestatie per declaration message; a message loaded twice counts once.
--   is_rejected      listed in the 325 of that 323 (with its return codes), or the whole declaration rejected
--   is_assignment_deleted   the assignment's latest 301 is RedenWijziging 13 (never sent, G3)
--   counts           not rejected and not on a deleted assignment; a 323 without a 325 yet counts (submitted)
--   signed_volume    +GeleverdVolume for debit, -GeleverdVolume for credit (net = sum of signed_volume)
--   is_credited      a counting credit (VorigReferentieNummer) cancels this debit
with src as (
    select *
    from ({{ ijw_messages('jw323_prestatie') }})
    qualify row_number() over (
        partition by provider_agb, message_id, dagtekening, referentienummer
        order by record_locator, file_path
    ) = 1
),

answers as (
    select * from {{ ref('stg_ijw__declaratie_antwoorden') }}
),

rejected as (
    select
        p.provider_agb,
        p.declaratie_message_id,
        p.referentienummer,
        string_agg(distinct p.retourcodes, ' ') as retourcodes
    from {{ region_source(source('ijw', 'jw325_prestatie')) }} as p
    where p.dagtekening <= {{ peildatum() }}
    group by p.provider_agb, p.declaratie_message_id, p.referentienummer
),

toewijzingen as (
    select * from {{ ref('stg_ijw__toewijzingen') }}
),

resolved as (
    select
        md5(concat_ws('|', s.provider_agb, s.message_id, cast(s.dagtekening as varchar), s.referentienummer))
            as prestatie_id,
        {{ declaratie_id('s.provider_agb', 's.message_id', 's.dagtekening') }} as declaratie_id,
        s.provider_agb,
        s.gemeente_code,
        s.message_id,
        s.dagtekening,
        s.declaratienummer,
        s.declaratie_begindatum,
        s.declaratie_einddatum,
        s.youth_key,
        s.referentienummer,
        s.vorig_referentienummer,
        s.toewijzingnummer,
        s.product_categorie,
        s.product_code,
        s.begindatum,
        s.einddatum,
        s.geleverd_volume,
        s.eenheid,
        s.product_tarief,
        s.ingediend_bedrag,
        s.debet_credit,
        s.file_sha256,
        s.file_path,
        case when s.debet_credit = 'C' then -1 else 1 end as sign,
        a.message_id is not null as has_answer,
        a.dagtekening as antwoord_dagtekening,
        r.retourcodes as rejection_codes,
        (r.referentienummer is not null or coalesce(a.is_whole_rejected, false)) as is_rejected,
        coalesce(t.is_deleted, false) as is_assignment_deleted
    from src as s
    left join answers as a
        on a.declaratie_message_id = s.message_id
       and a.declaratie_message_dagtekening = s.dagtekening
       and a.provider_agb is not distinct from s.provider_agb
    left join rejected as r
        on r.declaratie_message_id = s.message_id
       and r.referentienummer = s.referentienummer
       and r.provider_agb is not distinct from s.provider_agb
    left join toewijzingen as t
        on t.gemeente_code = s.gemeente_code and t.toewijzingnummer = s.toewijzingnummer
),

counted as (
    select
        *,
        (not is_rejected and not is_assignment_deleted) as counts,
        sign * geleverd_volume as signed_volume,
        sign * ingediend_bedrag as signed_bedrag,
        sign * (datediff('day', begindatum, einddatum) + 1) as signed_days
    from resolved
)

select
    c.*,
    exists (
        select 1 from counted as cr
        where cr.debet_credit = 'C' and cr.counts
          and cr.provider_agb is not distinct from c.provider_agb
          and cr.vorig_referentienummer = c.referentienummer
    ) and c.debet_credit = 'D' as is_credited
from counted as c
