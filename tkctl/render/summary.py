"""The plan's one-line summary, shared by every human-readable renderer so they never disagree.

Counts come from `changes`, the list the renderers show, rather than from the plan's own
`summary`: a reader must be able to check the line against the changes printed above it.
The wording is "N to <action>" for every N (no singular/plural forms to get wrong); replace,
adopt and forget appear only when there are some, so everyday plans read like Terraform's.
"""

from __future__ import annotations

from typing import Any, Mapping

ACTIONS = ("create", "update", "replace", "move", "delete", "adopt", "forget")
SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "move": ">", "delete": "-", "adopt": "=", "forget": "x"}

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
    parts = [f"{counts['create']} to create", f"{counts['update']} to update"]
    if counts["replace"]:
        parts.append(f"{counts['replace']} to replace")
    parts.append(f"{counts['delete']} to delete")
    parts += [f"{counts[a]} to {a}" for a in ("move", "adopt", "forget") if counts[a]]
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


REFUSALS_HEAD = "Apply will refuse this plan:"


def refusal_lines(plan: Mapping[str, Any]) -> list[str]:
    """Each refusal as text, saying what lifts it."""
    out = []
    for refusal in plan.get("refusals") or ():
        message = str(refusal.get("message", ""))
        override = refusal.get("override")
        out.append(message + (f" [{override}]" if override and override not in message else ""))
    return out


def scope_line(plan: Mapping[str, Any]) -> str | None:
    scope = plan.get("scope") or {}
    if not scope.get("partial"):
        return None
    parts = []
    if scope.get("targets"):
        parts.append("only " + ", ".join(scope["targets"]) + " and what they depend on")
    if scope.get("excludes"):
        parts.append("without " + ", ".join(scope["excludes"]))
    return "This plan is partial: " + "; ".join(parts) + "."


def unmanaged_line(plan: Mapping[str, Any]) -> str | None:
    n = len(plan.get("unmanaged") or ())
    if not n:
        return None
    return (f"{n} object{'s' if n != 1 else ''} in the account {'are' if n != 1 else 'is'} not managed by tkctl "
            "(--show-unmanaged lists them); tkctl never deletes them.")


def unmanaged_items(plan: Mapping[str, Any]) -> list[str]:
    out = []
    for item in plan.get("unmanaged") or ():
        owner = f" of {item['resource']}" if item.get("resource") else ""
        out.append(f"{item.get('kind')} {item.get('id')} {item.get('name')!r}{owner}")
    return out
