-- Population on 1 January per municipality, age and sex: per (municipality, peildatum) the latest file.
with latest as (
    {{ latest_deliveries(source('cbs', 'leveringen_cbs_bevolking'), 'cbs_bevolking', ['gemeentecode', 'periode']) }}
)

select
    {{ current_municipality('b.gemeentecode') }} as municipality_code,
    b.peildatum,
    year(b.peildatum) as year,
    b.leeftijd,
    b.geslacht,
    b.aantal,
    b.bron_tabel,
    b.bron_periode,
    b.file_path
from {{ region_source(source('cbs', 'cbs_bevolking'), 'gemeentecode') }} as b
join latest as l
  on l.file_sha256 = b.file_sha256 and l.gemeentecode = b.gemeentecode
 and l.periode = cast(b.peildatum as varchar)
where b.peildatum <= {{ peildatum() }}
