-- marts.kpi_units: the units behind every kpi_values row, for `jeugdkpi explain` (docs/explain.md).
-- Working warehouse only (not published: it holds youth keys of cells that publication may suppress).
--
-- The union of the facts models int_kpi_facts__* (the same rows the int_kpi__* models aggregate; one definition
-- per KPI family; macro kpi_families, the list marts.kpi_values unions too), with their source files:
--   kpi_id, period (every reporting period: H1, H2 and year), municipality_code (the unit's attribution),
--   providers (every AGB the unit counts for), care_form (NULL = all forms), unit, in_numerator, in_denominator,
--   measure (mean/median/sum KPIs), and the source file of the unit.
-- A kpi_values row at region grain = all units of (kpi_id, period, care_form); municipality grain = units with
-- that municipality_code; provider grain = units whose `providers` contain the AGB. A unit may occur in two
-- rows (VB03, VB11: numerator and denominator populations with their own providers; AP09: one row per youth of
-- a declaration); count it once.
--
-- basis = 'telling': units counted from the message traffic and municipal exports (kpi_aggregate).
-- basis = 'aangeleverd': rows of a delivered input file (CBS cell, template row, score, delivery); numerator = Σ
--   numerator_part, denominator = Σ denominator_part (delivered_kpi_aggregate). A delivered row of a provider
--   with a suppressed cell is left out of the provider and region rows (excluded_provider) or of the
--   municipality rows (excluded_municipality), as in delivered_kpi_aggregate.
-- The data test kpi_units_reconcile_with_kpi_values (severity error) recomputes every kpi_values row of the
-- KPIs here from its units. Not covered: VB02 (its denominator is the CBS population); see docs/explain.md.
{%- set counted = kpi_families() | selectattr('basis', 'equalto', 'telling') | map(attribute='facts') | list %}
{%- set delivered = kpi_families() | selectattr('basis', 'equalto', 'aangeleverd') | map(attribute='facts') | list %}
with counted as (
    {%- for m in counted %}
    select
        kpi_id, kind, period, municipality_code, providers, care_form, unit_type, unit_id, youth_key,
        in_numerator, in_denominator, measure, unit_detail, source, source_file_path, source_file_sha256,
        source_locator
    from {{ ref(m) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

delivered_facts as (
    {%- for m in delivered %}
    select * from {{ ref(m) }}
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
),

delivered_units as (
    select
        *,
        -- as delivered_kpi_aggregate: a group whose suppression flag is not false (true, or NULL) is left out
        coalesce(bool_or(is_suppressed) over (partition by kpi_id, out_period, provider_agb), true)
            as excluded_provider,
        coalesce(bool_or(is_suppressed) over (partition by kpi_id, out_period, provider_agb, municipality_code), true)
            as excluded_municipality
    from ({{ delivered_periods('delivered_facts') }})
),

units as (
    select
        kpi_id, kind, 'telling' as basis, period, municipality_code, providers, care_form, unit_type,
        unit_id as unit_key, youth_key, in_numerator, in_denominator, measure,
        cast(null as double) as numerator_part, cast(null as double) as denominator_part,
        false as excluded_provider, false as excluded_municipality,
        unit_detail, source, source_file_path, source_file_sha256, source_locator
    from counted
    union all
    select
        kpi_id, kind, 'aangeleverd', out_period, municipality_code,
        case when provider_agb is null then cast([] as varchar[]) else [provider_agb] end, null, unit_type,
        unit_id, null, num <> 0, coalesce(den, 0) <> 0, null,
        num, den, excluded_provider, excluded_municipality,
        unit_detail, source, source_file_path, source_file_sha256, source_locator
    from delivered_units
)

select
    {{ typed_columns('kpi_id varchar, kind varchar, basis varchar, period varchar, municipality_code varchar,
                      providers varchar[], care_form varchar, unit_type varchar, unit_key varchar, youth_key varchar,
                      in_numerator boolean, in_denominator boolean, measure double, numerator_part double,
                      denominator_part double, excluded_provider boolean, excluded_municipality boolean,
                      unit_detail varchar, source varchar, source_file_path varchar, source_file_sha256 varchar,
                      source_locator varchar') }}
from units
