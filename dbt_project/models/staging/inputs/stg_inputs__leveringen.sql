-- Every delivery of the tabular sources (loaded or rejected), from the raw.leveringen_<source> logs, with
-- whether it is the one in force (latest loaded per kind, provider/municipality and period) and when it was
-- received: when the file arrived in the landing folder (landed_at: its modification time, or the landing
-- sensor's first sight when earlier; docs/ingest.md), never later than the run that first loaded it. Rows
-- written before landed_at was recorded fall back to loaded_at.
with all_deliveries as (
    {%- for system, src in [('cbs', 'cbs_spiegel'), ('cbs', 'cbs_bevolking'), ('aanbieders', 'aanbieders'),
                            ('gemeente', 'gemeente'), ('gemeente', 'kwaliteitsgesprekken')] %}
    select '{{ src }}' as source, * from {{ source(system, 'leveringen_' ~ src) }}
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
)

select
    source,
    kind,
    aanbieder_agb as provider_agb,
    gemeentecode as municipality_code,
    periode,
    status,
    n_records,
    n_errors,
    first_error,
    file_path,
    file_sha256,
    loaded_at,
    landed_at,
    least(coalesce(landed_at, loaded_at), loaded_at) as received_at,
    run_id,
    status = 'loaded' and row_number() over (
        partition by kind, aanbieder_agb, gemeentecode, periode, status = 'loaded'
        order by loaded_at desc, file_path desc
    ) = 1 as is_in_force
from all_deliveries
