"""tkctl: manage a Timekit booking account as code (plan and apply YAML against Timekit v2)."""

__version__ = "0.1.0"
