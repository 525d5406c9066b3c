"""The plan's one-line summary, shared by every human-readable renderer so they never disagree.

Counts come from `changes`, the list the renderers show, rather than from the plan's own
`summary`: a reader must be able to check the line against the changes printed above it.
The wording is "N to <action>" for every N (no singular/plural forms to get wrong), and adopt
appears only when something is adopted, so plans without adoptions read like Terraform's.
"""

from __future__ import annotations

from typing import Any, Mapping

ACTIONS = ("create", "update", "delete", "adopt")

NO_CHANGES = "No changes. The live account matches the configuration."


def count_actions(plan: Mapping[str, Any]) -> dict[str, int]:
    counts = dict.fromkeys(ACTIONS, 0)
    for change in plan.get("changes") or ():
        action = change.get("action")
        if action in counts:
            counts[action] += 1
    return counts


def summary_line(plan: Mapping[str, Any]) -> str:
    counts = count_actions(plan)
    parts = [f"{counts[a]} to {a}" for a in ("create", "update", "delete")]
    if counts["adopt"]:
        parts.append(f"{counts['adopt']} to adopt")
    return f"Plan: {', '.join(parts)}."


def has_changes(plan: Mapping[str, Any]) -> bool:
    return bool(plan.get("changes"))


NO_DRIFT = "No drift. The live account matches what tkctl last applied."
CHECKSUM_LABEL = "Plan checksum:"


def is_drift_report(plan: Mapping[str, Any]) -> bool:
    return plan.get("report") == "drift"


def verdict(plan: Mapping[str, Any]) -> str:
    """The last line of a human-readable plan or drift report."""
    if is_drift_report(plan):
        n = len(plan.get("changes") or ())
        return f"Drift: {n} object{'s' if n != 1 else ''} changed outside tkctl." if n else NO_DRIFT
    return summary_line(plan) if has_changes(plan) else NO_CHANGES


def checksum_line(plan: Mapping[str, Any]) -> str | None:
    checksum = plan.get("checksum")
    return f"{CHECKSUM_LABEL} {checksum}" if checksum else None


PROBLEMS_HEAD = "This plan cannot be applied:"
