-- Declared prestaties (JW323) with their care form (G2) and G11 status, the basis of VB09 and VB10.
select
    p.*,
    {{ care_form_of('p.product_categorie', 'p.product_code') }} as care_form
from {{ ref('stg_ijw__prestaties') }} as p
