"""Filled provider templates (interfaces §3.4): landing/aanbieders/*.xlsx|*.csv -> raw.aanbieder_kpi, raw.aanbieder_klachten."""
