"""Optional municipal exports (docs/inputs.md): landing/gemeente/*.csv
-> raw.gemeente_aanvragen/_afwijzingen/_betalingen."""
