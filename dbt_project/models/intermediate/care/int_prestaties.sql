-- Declared prestaties (JW323) with their care form (G2) and G11 status, the basis of VB09 and VB10.
select
    prestatie.*,
    {{ care_form_of('prestatie.product_categorie', 'prestatie.product_code') }} as care_form
from {{ ref('stg_ijw__prestaties') }} as prestatie
