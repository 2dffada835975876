{#- Working days (G9): Monday-Friday minus the public holidays in seeds/holidays.csv (Algemene termijnenwet).

    working_days_between(d1, d2) = the number of working days in (d1, d2]: "sent N working days after d1"
    means working_days_between(d1, sent) = N. Antisymmetric: d2 < d1 gives minus the count in (d2, d1];
    NULL when either date is NULL. Weekdays are counted arithmetically from a Monday epoch (1900-01-01),
    holidays on a weekday are subtracted by a correlated count over the seed (a holiday on a Saturday or
    Sunday, such as King's Day 2025 on Saturday 26 April, changes nothing). Pass table-qualified column
    expressions. Unit tests: ap_working_days_* in models/intermediate/ap/_ap__models.yml.
-#}
{% macro weekdays_through(d) -%}
    (5 * (({{ d }} - date '1900-01-01') // 7) + least(({{ d }} - date '1900-01-01') % 7 + 1, 5))
{%- endmacro %}

{% macro working_days_between(d1, d2) -%}
    (
        {{ weekdays_through(d2) }} - {{ weekdays_through(d1) }}
        - (
            select
                count(*) filter (where wd_h.date > {{ d1 }} and wd_h.date <= {{ d2 }})
                - count(*) filter (where wd_h.date > {{ d2 }} and wd_h.date <= {{ d1 }})
            from {{ ref('holidays') }} as wd_h
            where isodow(wd_h.date) < 6
        )
    )
{%- endmacro %}

{#- Calendar-month difference (G12/AP08): month(d2) - month(d1), e.g. 2025-01-31 -> 2025-02-01 = 1. -#}
{% macro months_between(d1, d2) -%}
    ((year({{ d2 }}) * 12 + month({{ d2 }})) - (year({{ d1 }}) * 12 + month({{ d1 }})))
{%- endmacro %}
