"""Drift: what changed in the account outside tkctl, apart from what changed in the YAML.

`tkctl drift` reports only this (for a scheduled job: exit 2 when there is some), and
`tkctl refresh` accepts it: the live values become what the state records as applied, so the
next plan shows them as changes the configuration would make, and drift reports go quiet.
Pure: both work on data the planner already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from tkctl.core.digest import field_digests, fingerprint
from tkctl.core.live import LiveState
from tkctl.core.match import Matcher
from tkctl.core.model import KINDS, DesiredState
from tkctl.core.normalize import ordered_fields
from tkctl.core.plan import Recorded
from tkctl.core.steps import Record

DRIFT_CAUSES = ("drift", "both")


def drift_report(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's data form, keeping only changes made outside tkctl, field by field."""
    changes = []
    for change in plan.get("changes") or []:
        fields = [f for f in change.get("fields") or [] if f.get("cause") in DRIFT_CAUSES]
        if change.get("cause") in DRIFT_CAUSES and (fields or change.get("action") == "create"):
            changes.append({**change, "fields": fields})
    counts = dict.fromkeys(("create", "update", "delete", "adopt"), 0)
    for change in changes:
        counts[change["action"]] += 1
    return {
        "format_version": plan.get("format_version"),
        "tkctl_version": plan.get("tkctl_version"),
        "report": "drift",
        "target": plan.get("target"),
        "summary": counts,
        "has_changes": bool(changes),
        "changes": changes,
        "warnings": [],
        "problems": list(plan.get("problems") or []),
    }


@dataclass(frozen=True)
class Refreshed:
    kind: str
    key: str
    id: str | None  # None: the object is gone from the account, so the state forgets it
    record: Record | None
    changed: tuple[str, ...] = ()  # fields whose recorded value moved

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"


def refresh(desired: DesiredState, live: LiveState, state: Mapping[tuple[str, str], Recorded]) -> list[Refreshed]:
    """What the state should record so that it describes the account as it is now.

    Only objects the state already manages are refreshed; each is recorded as it is live, in
    the canonical form a plan compares (the fields the config sets, references by key)."""
    matcher = Matcher(live, (rec.id for rec in state.values()))
    for (kind, key), rec in state.items():
        if live.get(kind, rec.id) is not None:
            matcher.bind(kind, key, rec.id)
    out: list[Refreshed] = []
    for (kind, key), rec in sorted(state.items(), key=lambda item: (KINDS.index(item[0][0]), item[0][1])):
        obj = live.get(kind, rec.id)
        if obj is None:
            out.append(Refreshed(kind, key, None, None))
            continue
        want = desired.get(kind, key)
        compare_only = frozenset(want.fields) if want is not None else None
        ordered = ordered_fields(kind, want.fields if want is not None else obj.fields)
        have = matcher.live_canonical(obj, compare_only, ordered)
        record = Record(fingerprint(have), field_digests(have))
        if record.fingerprint == rec.fingerprint and dict(record.fields) == dict(rec.fields or {}):
            continue
        before = dict(rec.fields or {})
        changed = tuple(sorted(n for n in set(before) | set(record.fields) if before.get(n) != record.fields.get(n)))
        out.append(Refreshed(kind, key, obj.id, record, changed))
    return out


def rebuild(desired: DesiredState, live: LiveState) -> tuple[dict[tuple[str, str], str], list[str]]:
    """Which key each live object is, from the tags tkctl writes, for a lost state.

    Resources and projects carry their key in `meta.tkctl_key`, also those whose key has left
    the config (the next plan shows them as deletes to review); calendars have no tag, so a
    config calendar is found by its resource and name. Returns ids by (kind, key) and problems
    (two live objects with one tag: the older one is taken, the other named)."""
    from tkctl.core.match import tag_of

    ids: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    for kind in ("resource", "project"):
        for obj in sorted(live.of_kind(kind), key=lambda o: str(o.fields.get("created_at") or "")):
            tag = tag_of(obj)
            if not tag:
                continue
            if (kind, tag) in ids:
                problems.append(f"{kind}.{tag}: {obj.id} carries the same tag as {ids[(kind, tag)]}; the older one "
                                "is recorded, delete the duplicate by hand")
                continue
            ids[(kind, tag)] = obj.id
    taken = set(ids.values())
    for calendar in desired.of_kind("calendar"):
        owner = ids.get(("resource", calendar.refs.get("resource") or ""))
        for obj in live.of_kind("calendar"):
            if obj.id not in taken and obj.fields.get("resource_id") == owner and \
                    obj.fields.get("name") == calendar.fields.get("name"):
                ids[("calendar", calendar.key)] = obj.id
                taken.add(obj.id)
                break
    return ids, problems
