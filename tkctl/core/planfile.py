"""A saved plan: its checksum, its shape, and whether it still describes the account.

The checksum is a sha256 over the plan's data form (`digest.read_fingerprint`) (octoDNS's `Plan.data`), leaving out only
what does not change what apply would do: the checksum itself, the tkctl version, warnings
(future bookings move with the clock), where the API was reached (`target.api_url`: a port
differs between two runs of the embedded emulator) and how paths were shown (`config_dir`,
`changes[].source`: they depend on the working directory). So two plans of the same config,
state and account have the same checksum wherever they are made, and `apply --checksum`
can compare a plan made on merge with the one reviewed in a pull request.

A saved plan is applied only if nothing it was made from has moved (`staleness`): the
config digest, the Timekit app, the state's lineage and serial, and the fingerprint of every
live object its steps touch or name. Objects the plan does not touch may change meanwhile.
"""

from __future__ import annotations

from typing import Any, Mapping

from tkctl.core.digest import member_fingerprint, read_fingerprint
from tkctl.core.plan import FORMAT_VERSION, Plan

# warnings and bookings move with the clock; refusals depend on the flags apply is given;
# unmanaged objects are listed for information: none of them changes what apply does.
_VOLATILE_TOP = ("checksum", "tkctl_version", "warnings", "bookings", "refusals", "unmanaged")
_VOLATILE_TARGET = ("api_url", "config_dir")
_REQUIRED = {
    "format_version": int, "checksum": str, "target": dict, "config": dict, "state": dict,
    "summary": dict, "has_changes": bool, "changes": list, "steps": list, "ids": dict,
    "reads": dict, "managed": dict, "warnings": list, "problems": list,
}


def checksum(data: Mapping[str, Any]) -> str:
    """The digest of what a plan does, without what may differ between two runs of it.
    The changes are hashed one at a time (`digest.member_fingerprint`: the same digest)."""
    body = {k: v for k, v in data.items() if k not in _VOLATILE_TOP and k != "changes"}
    body["target"] = {k: v for k, v in (data.get("target") or {}).items() if k not in _VOLATILE_TARGET}
    changes = data.get("changes") or []
    streamed = member_fingerprint(body, "changes", map(_without_source, changes))
    if streamed is not None:
        return streamed
    body["changes"] = [_without_source(c) for c in changes]
    return read_fingerprint(body)


def _without_source(change: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(change)  # one C-level copy: a plan without a state file has a change per object
    out.pop("source", None)
    return out


def shape_problems(data: Any) -> list[str]:
    """Why `data` is not a plan file this tkctl can apply; empty when it is."""
    if not isinstance(data, dict):
        return ["it is not a JSON object"]
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version != FORMAT_VERSION:
        made_by = data.get("tkctl_version")
        by = f" (made by tkctl {made_by})" if isinstance(made_by, str) else ""
        return [f"it has plan format version {version}{by}; this tkctl applies version {FORMAT_VERSION}: "
                "plan again with this tkctl"]
    out = []
    for key, kind in _REQUIRED.items():
        value = data.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            out.append(f'"{key}" is missing or not {_kind_name(kind)}')
    if out:
        return out
    if checksum(data) != data["checksum"]:
        out.append("its checksum does not match its content: the file was edited after it was made")
    return out


def _kind_name(kind: type) -> str:
    return {int: "an integer", str: "a string", dict: "an object", list: "a list", bool: "true or false"}[kind]


def _app_id(target: Mapping[str, Any]) -> str | None:
    app = target.get("app")
    return app.get("id") if isinstance(app, Mapping) else None


def _app_name(target: Mapping[str, Any]) -> str:
    app = target.get("app") or {}
    return f'{app.get("slug") or "?"} ({app.get("id") or "unknown id"})'


def staleness(saved: Mapping[str, Any], current: Plan) -> list[str]:
    """What moved since `saved` was made, each as a sentence; empty when it can be applied.

    `current` is a plan made now from the same config folder, the state and the account."""
    reasons: list[str] = []
    if _app_id(saved["target"]) != _app_id(current.target):
        reasons.append(f"the plan was made for Timekit app {_app_name(saved['target'])}, but the token "
                       f"now reaches app {_app_name(current.target)}")
        return reasons  # nothing else can be compared across two accounts
    if saved["config"].get("digest") != current.config_digest:
        moved = _changed_addresses(saved["changes"], [c.data() for c in current.changes])
        which = f": {', '.join(moved)} now plan differently" if moved else ""
        reasons.append(f"the configuration changed since the plan was made{which}")
    old, new = saved["state"], current.state
    if old.get("lineage") != new.get("lineage"):
        reasons.append(f"the state file is a different one (lineage {old.get('lineage')} when planned, "
                       f"{new.get('lineage')} now)")
    elif old.get("serial") != new.get("serial"):
        reasons.append(f"the state changed since the plan was made (serial {old.get('serial')} when planned, "
                       f"{new.get('serial')} now): another apply or refresh ran")
    for address, fp in sorted(saved["reads"].items()):
        now = current.live_fingerprints.get(address)
        if now == fp:
            continue
        if fp is None:
            reasons.append(f"{address} now exists in the account; the plan would create it again")
        elif now is None:
            reasons.append(f"{address} was deleted in the account since the plan was made")
        else:
            reasons.append(f"{address} was changed in the account since the plan was made")
    return reasons


def _changed_addresses(saved: list[Mapping[str, Any]], current: list[Mapping[str, Any]]) -> list[str]:
    def by_address(changes: list[Mapping[str, Any]]) -> dict[str, Any]:
        return {f"{c['kind']}.{c['key']}": {k: v for k, v in c.items() if k != "source"} for c in changes}

    a, b = by_address(saved), by_address(current)
    return sorted(addr for addr in a.keys() | b.keys() if a.get(addr) != b.get(addr))
