"""Reading the user's config directory: settings, YAML objects, schema and reference checks.

    load_config(dir) -> (Settings, DesiredState)   raises ConfigError listing every problem
"""

from tkctl.config.loader import load_config
from tkctl.config.settings import Settings

__all__ = ["Settings", "load_config"]
