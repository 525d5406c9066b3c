"""`tkctl preview --plan plan.json`: the projects a saved plan changes, before and after it.

"After" is the config. "Before" is the config with every change of the plan undone, as far as
the plan tells it: each changed field (of any kind: a resource's hours change a project's
slots too) set back to the value the plan found in the account, and the objects the plan
creates left out. A project the plan creates has only an "after"; one it deletes has no page
(its settings are not in the config any more).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from tkctl.core.ignore import keep_live
from tkctl.core.model import DesiredObject, DesiredState

EDITS = ("update", "replace", "adopt")


def changed_projects(saved: Mapping[str, Any]) -> dict[str, str]:
    """{project key: action} for every project the plan creates or edits (not deletes or forgets)."""
    return {c["key"]: c["action"] for c in saved.get("changes") or []
            if c.get("kind") == "project" and c.get("action") in ("create", *EDITS)}


def before_plan(desired: DesiredState, saved: Mapping[str, Any]) -> DesiredState:
    """The config as the account stood when the plan was made (see the module's docstring)."""
    objects = dict(desired.objects)
    for change in saved.get("changes") or []:
        ident = (change.get("kind"), change.get("key"))
        if change.get("action") == "create":
            objects.pop(ident, None)
        elif change.get("action") in EDITS and ident in objects:
            objects[ident] = _undo(objects[ident], change.get("fields") or [])
    before = DesiredState()
    for obj in objects.values():
        resource = obj.refs.get("resource")
        if obj.kind == "calendar" and resource is not None and ("resource", resource) not in objects:
            continue  # its resource is one the plan creates
        before.add(_known_refs(obj, objects))
    return before


def _undo(obj: DesiredObject, fields: list[Mapping[str, Any]]) -> DesiredObject:
    values, refs = dict(obj.fields), dict(obj.refs)
    for change in fields:
        path, old = change["path"], change.get("old")
        if path in refs or path in ("resource", "resources"):
            if old is None:
                refs.pop(path, None)
            else:
                refs[path] = old
        else:
            values = keep_live(values, _as_live(path, old), [path])
    return replace(obj, fields=values, refs=refs)


def _as_live(path: str, old: Any) -> dict[str, Any]:
    """A live object holding `old` at the dotted `path` (the plan's null: nothing there)."""
    parts = path.split(".")
    if old is None:
        node: dict[str, Any] = {}
        for part in reversed(parts[1:-1]):
            node = {part: node}
        return {parts[0]: node} if len(parts) > 1 else {}
    value: Any = old
    for part in reversed(parts):
        value = {part: value}
    return value


def _known_refs(obj: DesiredObject, objects: Mapping[tuple[str, str], DesiredObject]) -> DesiredObject:
    """Drop references to resources that are not in the "before" config (created by the plan,
    or live members tkctl does not manage, which the plan names by id)."""
    members = obj.refs.get("resources")
    if not isinstance(members, list):
        return obj
    return replace(obj, refs={**obj.refs, "resources": [k for k in members if ("resource", k) in objects]})
