-- One row per heenbericht (301/305/307/315/317/319) that received a retour message by peildatum.
-- A retour copies the heenbericht header, so (heen_message_type, message_id, dagtekening, sender) identify it.
-- is_rejected: the retour carries a code other than 0200 (ok) / 0233 (not assessed) anywhere, i.e. the
-- receiver did not process the heenbericht (advice of the iJw 3.2 release). Downstream models only flag it.
with retour as (
    select *
    from {{ region_source(source('ijw', 'retour')) }}
    where dagtekening <= {{ peildatum() }}
      and dagtekening_retour <= {{ peildatum() }}
),

codes as (
    select
        r.heen_message_type,
        r.message_id,
        r.dagtekening,
        r.gemeente_code,
        r.provider_agb,
        r.dagtekening_retour,
        r.identificatie_retour,
        trim(c.code) as retourcode
    from retour as r
    left join lateral (select unnest(string_split(coalesce(r.retourcodes, ''), ' ')) as code) as c on true
)

select
    heen_message_type,
    message_id,
    dagtekening,
    gemeente_code,
    provider_agb,
    min(dagtekening_retour) as dagtekening_retour,
    string_agg(distinct retourcode, ' ' order by retourcode) filter (where retourcode <> '') as retourcodes,
    coalesce(bool_or(retourcode not in ('', '0200', '0233')), false) as is_rejected
from codes
group by heen_message_type, message_id, dagtekening, gemeente_code, provider_agb
