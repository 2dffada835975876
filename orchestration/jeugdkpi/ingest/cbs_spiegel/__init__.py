"""CBS spiegelrapportages in the intake layout (interfaces §3.2): landing/cbs_spiegel/*.csv|*.xlsx -> raw.cbs_spiegel."""
