"""jeugdkpi: KPI warehouse for Dutch youth-care regions."""

__version__ = "0.1.0"
