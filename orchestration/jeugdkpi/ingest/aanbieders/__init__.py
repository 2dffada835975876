"""Filled provider templates (docs/inputs.md): landing/aanbieders/*.xlsx|*.csv
-> raw.aanbieder_kpi, raw.aanbieder_klachten."""
