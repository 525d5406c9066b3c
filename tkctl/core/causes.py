"""Who moved each field since tkctl last applied the object. Pure.

The state records, per object, a digest of each field tkctl last applied. A field that differs
is then `drift` when the config still holds what was applied (someone changed the account),
`config` when the account still holds it (the YAML changed), and `both` when neither does.
A state written before per-field digests only has the object's fingerprint: the object is
drift when the config still matches it as a whole, config otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Protocol

from tkctl.core.diff import FieldChange
from tkctl.core.digest import field_digest


class Applied(Protocol):
    fingerprint: str
    fields: Mapping[str, str] | None


def with_causes(changes: list[FieldChange], rec: Applied | None, have: Mapping[str, Any],
                want: Mapping[str, Any], want_fp: str) -> list[FieldChange]:
    if rec is None:
        return changes
    if not rec.fields:  # no digests recorded: None in a StateRecord, empty in a state entry
        cause = "drift" if rec.fingerprint == want_fp else "config"
        return [replace(c, cause=cause) for c in changes]
    out = []
    for change in changes:
        applied = rec.fields.get(change.top)
        if field_digest(want.get(change.top)) == applied:
            cause = "drift"
        elif field_digest(have.get(change.top)) == applied:
            cause = "config"
        else:
            cause = "both"
        out.append(replace(change, cause=cause))
    return out


def object_cause(fields: list[FieldChange]) -> str:
    causes = {f.cause for f in fields}
    if not causes or causes == {"config"}:
        return "config"
    if causes == {"drift"}:
        return "drift"
    return "both"
