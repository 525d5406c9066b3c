"""Fields the plan leaves as they are live: `ignore_fields`, and the `t_*` keys of `meta`.

Timekit replaces a nested object whole on update, so ignoring `ui.localization` cannot mean
"do not send it": the body would then wipe it. Instead the desired object takes the live value
at every ignored path before it is compared, so the plan neither shows a change there nor
sends anything but what is already live.

Timekit's own admin and appointment UIs keep their data in `meta` under keys starting `t_`
(`t_store_address`, `t_latitude`, ...). A `t_*` key the config does not name is kept as it is
live in the same way, so an apply that changes another `meta` key never wipes it.

Ignored paths apply to existing objects only: a create sends what the config says.
Paths are dotted (`ui.localization`, `meta.t_store_id`, `name`); list items are not addressed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

_ABSENT = object()
UI_META_PREFIX = "t_"


def _get(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(value, Mapping) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def _set(doc: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set (or, for _ABSENT, remove) the value at `parts`, creating mappings on the way."""
    node = doc
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            if value is _ABSENT:
                return
            child = {}
            node[part] = child
        node = child
    if value is _ABSENT:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = copy.deepcopy(value)


def kept_meta_paths(desired_meta: Any, live_meta: Any) -> list[str]:
    """`meta.t_*` keys live that the config does not name."""
    # `type(...) is dict` first: the same answer as isinstance(..., Mapping) for a dict, sooner
    # (this runs for every object of a plan).
    if not live_meta or not (type(live_meta) is dict or isinstance(live_meta, Mapping)):
        return []
    named = desired_meta if type(desired_meta) is dict or isinstance(desired_meta, Mapping) else {}
    return [f"meta.{k}" for k in sorted(live_meta) if isinstance(k, str) and k.startswith(UI_META_PREFIX)
            and k not in named]


def keep_live(fields: Mapping[str, Any], live: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """`fields` with the live value (or absence) at each path; the input is not changed."""
    out = dict(fields)
    for path in paths:
        parts = path.split(".")
        top = parts[0]
        if len(parts) == 1:
            value = live.get(top, _ABSENT)
            if value is _ABSENT or value is None:
                out.pop(top, None)
            else:
                out[top] = copy.deepcopy(value)
            continue
        value = _get(live.get(top), parts[1:])
        current = out.get(top)
        base = copy.deepcopy(current) if isinstance(current, Mapping) else {}
        if value is _ABSENT and not base:
            continue
        _set(base, parts[1:], value)
        out[top] = base
    return out
