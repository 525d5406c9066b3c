"""Reading the user's config directory: settings, YAML objects, schema and reference checks.

    load_config(dir) -> (Settings, DesiredState)   raises ConfigError listing every problem
    load_config_with_warnings(dir) -> LoadedConfig (settings, desired, warnings); raises the same
    check_config(dir) -> ConfigReport               problems and warnings, never raises ConfigError
"""

from tkctl.config.loader import ConfigReport, LoadedConfig, check_config, load_config, load_config_with_warnings
from tkctl.config.settings import Settings

__all__ = ["ConfigReport", "LoadedConfig", "Settings", "check_config", "load_config", "load_config_with_warnings"]
