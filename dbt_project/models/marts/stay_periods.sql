-- marts.stay_periods (docs/publication.md): one row per stay period (G4), plus history_start (EG04 note).
select
    youth_key,
    period_number,
    start_date,
    end_date,
    is_closed,
    is_final,
    duration_months,
    n_segments,
    n_providers,
    main_care_form,
    has_zwaar,
    municipality_code,
    history_start
from {{ ref('int_stay_periods') }}
