"""CBS reference values (StatLine 85098NED, 85097NED, 85100NED; docs/benchmark.md, docs/inputs.md):
landing/cbs_benchmark/*.csv -> raw.cbs_benchmark."""
