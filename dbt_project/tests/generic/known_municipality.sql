{#- Every municipality code in the column is a municipality of seeds/municipalities.csv or the code of a merged
    municipality in seeds/municipality_mergers.csv (its messages count for the successor). NULL passes. -#}
{% test known_municipality(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (
      select municipality_code from {{ ref('municipalities') }}
      union all
      select old_code from {{ ref('municipality_mergers') }}
  )
{% endtest %}
