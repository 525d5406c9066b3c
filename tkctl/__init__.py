"""tkctl: manage a Timekit booking account as code (plan and apply YAML against Timekit v2)."""

import sys

__version__ = "0.1.0"

# httpx's package imports its own command line (`httpx._main`) when it can, and with it rich's
# console, syntax highlighting and pygments: a third of the time `import httpx` takes, 34 ms
# of every plan. tkctl never runs httpx's command line; marking the module absent makes httpx
# fall back to its placeholder for it (`httpx.main`), and nothing else of httpx changes.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
