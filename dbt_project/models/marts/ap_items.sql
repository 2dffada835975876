-- marts.ap_items: the list behind every administrative-process KPI (AP01, AP03, AP04, AP05, AP08, AP09, AP11,
-- AP12), one row per counted item, so a contract manager can hand a provider the list of its late messages:
--   select * from marts.ap_items where kpi_id = 'AP04' and provider_agb = '...' and not on_time
-- An item counts in period P of kpi_values when reference_date lies in P; on_time NULL = pending (listed, not
-- counted). Reconciled with kpi_values by the data test ap_items_reconcile_with_kpi_values.
select
    cast(i.kpi_id as varchar) as kpi_id,
    cast(c.name_nl as varchar) as kpi_name,
    cast(i.item_id as varchar) as item_id,
    cast(i.youth_key as varchar) as youth_key,
    cast(i.provider_agb as varchar) as provider_agb,
    cast(i.municipality_code as varchar) as municipality_code,
    cast(i.toewijzingnummer as bigint) as toewijzingnummer,
    cast(i.referentie as varchar) as referentie,
    cast(i.reference_date as date) as reference_date,
    cast(i.clock_start as date) as clock_start,
    cast(i.clock_stop as date) as clock_stop,
    cast(i.sent_date as date) as sent_date,
    cast(i.days_taken as integer) as days_taken,
    cast(i.working_days_taken as integer) as working_days_taken,
    cast(c.norm_value as double) as norm_value,
    cast(c.norm_unit as varchar) as norm_unit,
    cast(i.on_time as boolean) as on_time,
    cast(i.is_provisional as boolean) as is_provisional,
    cast(i.toelichting as varchar) as toelichting,
    cast(i.source_message_id as varchar) as source_message_id,
    cast(i.source_file_sha256 as varchar) as source_file_sha256,
    cast(i.source_file_path as varchar) as source_file_path
from {{ ref('int_ap_items') }} as i
left join {{ ref('kpi_catalogue') }} as c on c.kpi_id = i.kpi_id
