"""The JSON rendering of a plan: the plan's data form itself, documented in docs/plan-format.md.

Nothing is added, dropped or reordered, so `json.loads` of the output equals the plan the core
built, and tools can rely on `format_version` to know what they read.
"""

from __future__ import annotations

import json
from typing import TextIO


def render_json(plan: dict, out: TextIO) -> None:
    out.write(json.dumps(plan, indent=2, sort_keys=False) + "\n")
