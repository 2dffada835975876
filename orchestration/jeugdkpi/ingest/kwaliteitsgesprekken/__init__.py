"""Contract-manager scores (interfaces §3.6): landing/kwaliteitsgesprekken/*.csv -> raw.kwaliteitsgesprekken."""
