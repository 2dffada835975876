{#- The CBS spiegelrapportage cells behind each outcome KPI (docs/kpi-definitions.md), shared by int_kpi__cbs (the values)
    and int_delivery_expectations (which KPIs a cell blanked by CBS leaves without a provider value). `cells`:
    rows of stg_cbs__spiegel. One row per (KPI, cell) with in_num / in_den: whether the cell counts in the
    numerator / denominator.
      OI01 uitval             = uitval cells with reden in the uitval code set (var uitval_codes, default 03)
                                ÷ uitval cells with reden 01-05
      OI02 / OI03             = tevredenheid measurements with score >= 8 / <= 4 ÷ all tevredenheid measurements
      OI04 zonder hulp verder = zonder_hulp_verder codes 03, 04 ÷ codes 01-04
      OI05 geen nieuwe start  = geen_nieuwe_start ÷ beeindigd
      OI08 meetpercentage     = tevredenheid measurements of the youth (informant jeugdige or none) ÷ beeindigd
-#}
{% macro cbs_spiegel_parts(cells) %}
    select 'OI01' as kpi_id, *, categorie in {{ uitval_codes() }} as in_num, true as in_den
    from {{ cells }} where indicator = 'uitval'
    union all
    select 'OI02', *, cast(categorie as integer) >= 8, true from {{ cells }} where indicator = 'tevredenheid'
    union all
    select 'OI03', *, cast(categorie as integer) <= 4, true from {{ cells }} where indicator = 'tevredenheid'
    union all
    select 'OI04', *, categorie in ('03', '04'), true from {{ cells }} where indicator = 'zonder_hulp_verder'
    union all
    select 'OI05', *, indicator = 'geen_nieuwe_start', indicator = 'beeindigd'
    from {{ cells }} where indicator in ('geen_nieuwe_start', 'beeindigd')
    union all
    select 'OI08', *, indicator = 'tevredenheid', indicator = 'beeindigd'
    from {{ cells }}
    where indicator = 'beeindigd' or (indicator = 'tevredenheid' and coalesce(informant, 'jeugdige') = 'jeugdige')
{% endmacro %}
