-- Contract-manager scores: the latest row per (provider, conversation date, part). A score below 10 carries an
-- improvement deadline of conversation date + 6 weeks (docs/kpi-definitions.md).
select
    aanbieder_agb as provider_agb,
    gespreksdatum,
    onderdeel,
    score,
    case onderdeel
        when 'hulpverleningsplan' then 'KG01'
        when 'perspectiefplan' then 'KG02'
        when 'eigen_kracht' then 'KG03'
        when 'landelijke_bijdrage' then 'KG04'
    end as kpi_id,
    case when score < 10 then cast(gespreksdatum + interval 6 week as date) end as verbeterdatum,
    file_path,
    record_locator
from {{ source('gemeente', 'kwaliteitsgesprekken') }}
where gespreksdatum <= {{ peildatum() }}
{{ latest_export_row(['aanbieder_agb', 'gespreksdatum', 'onderdeel']) }}
