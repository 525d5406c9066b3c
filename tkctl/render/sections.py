"""How every human-readable renderer groups a plan: changes from the YAML, and changes made
outside tkctl, apart; the text and Markdown plans both read these, so they cannot disagree.

A change whose fields moved for both reasons appears in both sections, each with its own
fields; a field changed in both places appears in both, marked so.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

CONFIG_TITLE = "Changes in the configuration"
FIELDS_IN_TABLE = 5  # a summary-table row names at most this many field paths, then "and N more"
DRIFT_TITLE = "Changed outside tkctl"
DRIFT_NOTE = "apply sets these back to the configuration"


class Item(NamedTuple):
    """One change as a section shows it (a tuple: a plan without a state file has one per object)."""

    change: Mapping[str, Any]
    fields: list[Mapping[str, Any]]
    drift: bool  # shown in the drift section

    @property
    def action(self) -> str:
        return str(self.change.get("action", ""))

    @property
    def address(self) -> str:
        return f"{self.change.get('kind')}.{self.change.get('key')}"


def field_cause(change: Mapping[str, Any], f: Mapping[str, Any]) -> str:
    cause = f.get("cause")
    if cause in ("config", "drift", "both"):
        return cause
    return "drift" if change.get("cause") == "drift" else "config"


def split(plan: Mapping[str, Any]) -> tuple[list[Item], list[Item]]:
    """(changes from the configuration, changes made outside tkctl), in plan order."""
    config: list[Item] = []
    drift: list[Item] = []
    for change in plan.get("changes") or ():
        fields = list(change.get("fields") or ())
        if change.get("action") != "update":
            by_drift = change.get("cause") == "drift"
            (drift if by_drift else config).append(Item(change, fields, by_drift))
            continue
        mine = [f for f in fields if field_cause(change, f) in ("config", "both")]
        theirs = [f for f in fields if field_cause(change, f) in ("drift", "both")]
        if mine or not theirs:
            config.append(Item(change, mine, False))
        if theirs:
            drift.append(Item(change, theirs, True))
    return config, drift


def action_label(item: Item) -> str:
    """The action as the Markdown and HTML tables name it."""
    if item.drift and item.action == "create":
        return "create (deleted outside tkctl)"
    if item.change.get("protected"):
        return f"{item.action} (protected)"
    return item.action


def table_fields(paths: list[str]) -> list[str]:
    """The field paths of a summary-table cell: the first FIELDS_IN_TABLE, then "and N more"."""
    if len(paths) <= FIELDS_IN_TABLE:
        return paths
    return [*paths[:FIELDS_IN_TABLE], f"and {len(paths) - FIELDS_IN_TABLE} more"]


def both_note(item: Item, f: Mapping[str, Any]) -> str:
    """The note on a field that moved in both places, worded for the section it is in."""
    if field_cause(item.change, f) != "both":
        return ""
    return "also changed in the configuration" if item.drift else "also changed outside tkctl"
