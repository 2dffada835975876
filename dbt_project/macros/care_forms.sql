{#- Care-form groups of kpi-definitions G2. One place, so a KPI never spells a list by hand. -#}
{% macro verblijf_care_forms() -%}
    ('behandeld_wonen', 'verblijf_overig', 'gesloten', 'gezinshuis', 'pleegzorg', 'tom_instroom', 'tom_uitstroom')
{%- endmacro %}

{% macro zwaar_care_forms() -%}
    ('behandeld_wonen', 'verblijf_overig', 'gesloten')
{%- endmacro %}

{% macro gezinsgericht_care_forms() -%}
    ('pleegzorg', 'gezinshuis')
{%- endmacro %}

{% macro tom_care_forms() -%}
    ('tom_instroom', 'tom_uitstroom')
{%- endmacro %}

{#- G2: exact (Categorie, Code) row of seeds/products.csv first, else the row for the whole Categorie
    (empty product_code), else 'onbekend'. Never drops a line.
    Pass table-qualified column expressions (e.g. 'e.product_category'): an unqualified name equal to a
    seed column would bind to the seed inside the correlated subquery. -#}
{% macro care_form_of(category, code) -%}
    coalesce(
        (select max(seed_product.care_form) from {{ ref('products') }} as seed_product
          where seed_product.product_category = {{ category }} and seed_product.product_code = {{ code }}),
        (select max(seed_product.care_form) from {{ ref('products') }} as seed_product
          where seed_product.product_category = {{ category }} and coalesce(seed_product.product_code, '') = ''),
        'onbekend'
    )
{%- endmacro %}

{% macro care_group_of(care_form) -%}
    case
        when {{ care_form }} in {{ verblijf_care_forms() }} then 'verblijf'
        when {{ care_form }} = 'ambulant' then 'ambulant'
        when {{ care_form }} = 'geen_jeugdhulp' then 'geen_jeugdhulp'
        else 'onbekend'
    end
{%- endmacro %}
