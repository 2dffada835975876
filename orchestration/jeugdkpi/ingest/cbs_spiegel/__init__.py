"""CBS spiegelrapportages in the intake layout (docs/inputs.md): landing/cbs_spiegel/*.csv|*.xlsx -> raw.cbs_spiegel."""
