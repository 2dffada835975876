"""Contract-manager scores (docs/inputs.md): landing/kwaliteitsgesprekken/*.csv -> raw.kwaliteitsgesprekken."""
