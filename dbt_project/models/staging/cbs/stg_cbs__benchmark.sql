-- CBS reference values (docs/benchmark.md): per (table, measure, area, period) the row of the latest loaded file
-- (a refresh that turns "voorlopig" into "definitief" wins), for periods that end on or before the peildatum.
-- Municipalities outside the region are left out (region_source); NL and jeugdzorgregio rows have no gemeentecode
-- and always pass.
select
    b.bron_tabel,
    b.maat,
    b.gebied_type,
    b.gebied_code,
    b.gebied_naam,
    b.periode,
    b.waarde,
    b.eenheid,
    b.onderdrukt,
    b.afgerond,
    b.bron_periode,
    b.bron_status,
    b.opgehaald_op,
    b.file_path
from {{ region_source(source('cbs', 'cbs_benchmark'), 'gemeentecode') }} as b
where
    case
        when length(b.periode) = 4 then make_date(cast(b.periode as integer), 12, 31)
        else {{ periode_end('b.periode') }}
    end <= {{ peildatum() }}
qualify row_number() over (
    partition by b.bron_tabel, b.maat, b.gebied_type, b.gebied_code, b.periode
    order by b.loaded_at desc, b.file_path desc
) = 1
