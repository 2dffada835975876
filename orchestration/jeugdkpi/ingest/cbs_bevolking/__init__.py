"""CBS population (StatLine 03759ned extract, interfaces §3.3): landing/cbs_bevolking/*.csv -> raw.cbs_bevolking."""
