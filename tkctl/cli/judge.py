"""Applying the safety policy (`Workspace.policy`: the command's flags on top of the config
folder's settings) to a plan's data. Shared by plan (which shows what apply would refuse) and
apply (which refuses)."""

from __future__ import annotations

from typing import Any

from tkctl.core.safety import Policy, refusals
from tkctl.errors import PlanRefused


def judge(data: dict[str, Any], rules: Policy) -> list[dict[str, str]]:
    """Record in `data` what apply would refuse under `rules`; return it."""
    data["refusals"] = refusals(data, rules)
    return data["refusals"]


def refused(found: list[dict[str, str]]) -> PlanRefused:
    n = len(found)
    lines = "\n".join(f"  - {r['message']}" for r in found)
    return PlanRefused(f"apply refused ({n} safety rule{'s' if n != 1 else ''}); nothing was changed:\n{lines}")
