"""CBS population (StatLine 03759ned extract, docs/inputs.md): landing/cbs_bevolking/*.csv -> raw.cbs_bevolking."""
