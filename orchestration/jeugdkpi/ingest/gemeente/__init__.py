"""Optional municipal exports (interfaces §3.5): landing/gemeente/*.csv -> raw.gemeente_aanvragen/_afwijzingen/_betalingen."""
