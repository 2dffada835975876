-- AP items from JW305 starts (docs/kpi-definitions.md "Administrative-process KPIs").
-- Counted: valid starts (not deleted by a 3, not on a deleted assignment) whose line was not rejected by its
-- retour (the gemeente never processed it; the re-sent line counts instead).
--   AP01  the first start per assignment (gemeente, ToewijzingNummer), Begindatum in P: on time when
--         Begindatum - ToewijzingIngangsdatum <= 28 days (the 305's ToewijzingIngangsdatum, else the
--         assignment's first Ingangsdatum).
--   AP04  every start, Begindatum in P: on time when the first message that sent the start (same logical key,
--         StatusAanlevering 1) is dated <= 5 working days after Begindatum (G9).
with starts as (
    select
        s.*,
        coalesce(s.toewijzing_ingangsdatum, t.first_ingangsdatum) as ingangsdatum
    from {{ ref('stg_ijw__start_producten') }} as s
    left join {{ ref('stg_ijw__toewijzingen') }} as t
        on t.gemeente_code = s.gemeente_code and t.toewijzingnummer = s.toewijzingnummer
    where s.is_valid and not s.is_retour_rejected
),

first_starts as (
    select *
    from starts
    where ingangsdatum is not null
    qualify row_number() over (
        partition by gemeente_code, coalesce(cast(toewijzingnummer as varchar), start_key)
        order by begindatum, first_dagtekening, start_key
    ) = 1
),

ap01 as (
    select
        'AP01' as kpi_id,
        start_key as item_id,
        youth_key,
        provider_agb,
        {{ current_municipality('gemeente_code') }} as municipality_code,
        toewijzingnummer,
        cast(null as varchar) as referentie,
        begindatum as reference_date,
        ingangsdatum as clock_start,
        begindatum as clock_stop,
        first_dagtekening as sent_date,
        datediff('day', ingangsdatum, begindatum) as days_taken,
        cast(null as bigint) as working_days_taken,
        datediff('day', ingangsdatum, begindatum) <= 28 as on_time,
        false as is_provisional,
        'Begindatum ' || strftime(begindatum, '%d-%m-%Y') || ' is '
            || datediff('day', ingangsdatum, begindatum) || ' dagen na ingangsdatum toewijzing '
            || strftime(ingangsdatum, '%d-%m-%Y') as toelichting,
        first_message_id as source_message_id,
        first_file_sha256 as source_file_sha256,
        first_file_path as source_file_path
    from first_starts
),

ap04 as (
    select
        'AP04' as kpi_id,
        start_key as item_id,
        youth_key,
        provider_agb,
        {{ current_municipality('gemeente_code') }} as municipality_code,
        toewijzingnummer,
        cast(null as varchar) as referentie,
        begindatum as reference_date,
        begindatum as clock_start,
        first_dagtekening as clock_stop,
        first_dagtekening as sent_date,
        datediff('day', begindatum, first_dagtekening) as days_taken,
        {{ working_days_between('begindatum', 'first_dagtekening') }} as working_days_taken,
        {{ working_days_between('begindatum', 'first_dagtekening') }} <= 5 as on_time,
        false as is_provisional,
        'Startbericht verstuurd ' || strftime(first_dagtekening, '%d-%m-%Y') || ', '
            || {{ working_days_between('begindatum', 'first_dagtekening') }}
            || ' werkdagen na begindatum ' || strftime(begindatum, '%d-%m-%Y') as toelichting,
        first_message_id as source_message_id,
        first_file_sha256 as source_file_sha256,
        first_file_path as source_file_path
    from starts
)

select * from ap01
union all
select * from ap04
