-- All administrative-process items (AP01, AP03, AP04, AP05, AP08, AP09, AP11, AP12): one row per counted
-- item per KPI, the basis of int_kpi__ap and of the detail mart marts.ap_items.
-- on_time NULL = still pending (AP09/AP12 within their window at peildatum): listed, not counted.
{%- set item_models = ['int_ap__starts', 'int_ap__stops', 'int_ap__toewijzingen', 'int_ap__prestaties',
                       'int_ap__declaraties', 'int_ap__aanvragen'] %}
{%- for m in item_models %}
select
    kpi_id, item_id, youth_key, provider_agb, municipality_code, toewijzingnummer, referentie,
    reference_date, clock_start, clock_stop, sent_date, days_taken, working_days_taken, on_time,
    is_provisional, toelichting, source_message_id, source_file_sha256, source_file_path
from {{ ref(m) }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
