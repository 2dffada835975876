{#- G4 invariant: two stay periods of one youth never overlap and never lie within 4 months of each other
    (otherwise the gap rule would have joined them). An open period reaches to infinity. -#}
{% test no_overlapping_stay_periods(model, youth_column='youth_key') %}
select a.{{ youth_column }}, a.period_number as period_a, b.period_number as period_b
from {{ model }} as a
join {{ model }} as b
  on a.{{ youth_column }} = b.{{ youth_column }}
 and a.period_number < b.period_number
where a.end_date is null
   or b.start_date <= cast(a.end_date + interval 4 month as date)
   or b.start_date < a.start_date
{% endtest %}
