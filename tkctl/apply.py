"""Executes a plan against the API and records every successful write in the state file.

Changes run phase by phase in dependency order (resources, calendars, projects, then deletes
in reverse); inside a phase they are independent and run concurrently. The state file is
saved after every successful write, so an interrupted apply loses nothing: what was written
is recorded, and what was created but not recorded carries the tkctl tag (or, for calendars,
its owner and name) and is adopted by the next plan.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Callable

from tkctl.core.model import DesiredObject
from tkctl.core.normalize import MARKER
from tkctl.core.plan import Change, Plan, execution_order
from tkctl.errors import ApiError, ApplyFailed
from tkctl.state.store import StateEntry, StateStore
from tkctl.timekit.client import TimekitClient

PATHS = {"resource": "/resources", "calendar": "/calendars", "project": "/projects"}
PENDING = "sha256:pending"  # recorded id whose follow-up writes have not all succeeded
PAST = {"create": "created", "update": "updated", "delete": "deleted", "adopt": "adopted"}


@dataclass
class ApplyResult:
    done: dict[str, int] = field(default_factory=lambda: {a: 0 for a in PAST})
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        d = self.done
        return (
            f"Apply complete: {d['create']} created, {d['update']} updated, "
            f"{d['delete']} deleted, {d['adopt']} adopted."
        )


class Applier:
    def __init__(
        self,
        client: TimekitClient,
        store: StateStore,
        report: Callable[[str], None] = lambda line: None,
        max_workers: int = 8,
    ):
        self.client = client
        self.store = store
        self.report = report
        self.max_workers = max_workers
        self._lock = threading.Lock()
        self.ids: dict[tuple[str, str], str] = dict(store.state.ids())
        # Calendars Timekit made with resources created in this run (§8), by resource key:
        # a config calendar with the same name takes one over instead of creating a twin.
        self.default_calendars: dict[str, list[dict]] = {}

    def run(self, plan: Plan) -> ApplyResult:
        result = ApplyResult()
        for kind, key, id_, fp in plan.refresh:
            self._record(kind, key, id_, fp)
        for kind, key in plan.stale:
            self.store.forget(kind, key)
        for _, group in groupby(plan.changes, key=lambda c: execution_order(c)[:2]):
            changes = list(group)
            with ThreadPoolExecutor(max_workers=min(self.max_workers, len(changes))) as pool:
                outcomes = list(pool.map(self._safe_execute, changes))
            for change, error in zip(changes, outcomes, strict=True):
                if error is None:
                    result.done[change.action] += 1
                else:
                    result.failures.append(f"{change.address}: {error}")
            if result.failures:
                remaining = len(plan.changes) - sum(result.done.values()) - len(result.failures)
                lines = "\n  ".join(result.failures)
                raise ApplyFailed(
                    f"apply stopped: {len(result.failures)} change(s) failed, {sum(result.done.values())} "
                    f"succeeded and are recorded in the state, {remaining} not attempted.\n  {lines}\n"
                    "Fix the cause and run tkctl apply again: it continues from where this run stopped."
                )
        return result

    # -- one change -------------------------------------------------------------------

    def _safe_execute(self, change: Change) -> str | None:
        try:
            self._execute(change)
        except ApiError as exc:
            return str(exc)
        return None

    def _execute(self, change: Change) -> None:
        kind, base = change.kind, PATHS[change.kind]
        if change.action == "delete":
            try:
                self.client.delete(f"{base}/{change.id}")
            except ApiError as exc:
                if exc.status != 404:  # already gone is what we wanted (§15)
                    raise
            with self._lock:
                self.ids.pop((kind, change.key), None)
            self.store.forget(kind, change.key)
            self.report(f"- {change.address}: deleted ({change.id})")
            return
        obj = change.desired
        assert obj is not None
        if change.action == "create":
            if kind == "calendar" and self._take_default_calendar(change, obj):
                return
            body = self._create_body(obj)
            created = self.client.post(base, body) or {}
            data = created.get("data") or {}
            new_id = data.get("id")
            if kind == "resource":
                with self._lock:
                    self.default_calendars[obj.key] = list(data.get("calendars") or [])
            if not new_id:
                raise ApiError("the create response carried no id", method="POST", path=base)
            if kind == "calendar" and obj.fields.get("primary"):
                # `primary` can only be set by an update (§9). Record the id first with a
                # fingerprint nothing matches, so if this second write fails the next plan
                # shows the calendar as needing an update.
                self._record(kind, obj.key, new_id, PENDING)
                self.client.put(f"{base}/{new_id}", {"primary": True})
            self._record(kind, obj.key, new_id, change.fingerprint)
            self.report(f"+ {change.address}: created ({new_id})")
            return
        # update or adopt
        assert change.id is not None
        self._update(change, obj)
        self._record(kind, obj.key, change.id, change.fingerprint)
        symbol = "~" if change.action == "update" else "="
        self.report(f"{symbol} {change.address}: {PAST[change.action]} ({change.id})")

    def _take_default_calendar(self, change: Change, obj: DesiredObject) -> bool:
        """Adopt the calendar Timekit created with this run's new resource, if names match."""
        with self._lock:
            candidates = self.default_calendars.get(obj.refs.get("resource", ""), [])
            match = next((c for c in candidates if c.get("name") == obj.fields.get("name")), None)
            if match is None:
                return False
            candidates.remove(match)
        body = {k: v for k, v in obj.fields.items() if v is not None and match.get(k) != v}
        if body:
            self.client.put(f"/calendars/{match['id']}", body)
        self._record("calendar", obj.key, match["id"], change.fingerprint)
        self.report(f"= {change.address}: adopted the calendar Timekit created with its resource ({match['id']})")
        return True

    def _update(self, change: Change, obj: DesiredObject) -> None:
        base = f"{PATHS[change.kind]}/{change.id}"
        body: dict[str, Any] = {}
        members_changed = False
        for name in change.changed_top_fields:
            if change.kind == "project" and name == "resources":
                members_changed = True
            elif name == "meta":
                body["meta"] = self._meta(obj)
            else:
                body[name] = obj.fields.get(name)
        if body:
            self.client.put(base, body)
        if members_changed:
            # The replace-set body is a bare array of ids (timekit-api.md §16.12).
            self.client.put(f"{base}/resources", self._member_ids(obj))

    # -- bodies -----------------------------------------------------------------------

    def _meta(self, obj: DesiredObject) -> dict[str, Any]:
        return {**(obj.fields.get("meta") or {}), MARKER: obj.key}

    def _resource_id(self, key: str) -> str:
        with self._lock:
            id_ = self.ids.get(("resource", key))
        if id_ is None:
            raise ApiError(f'resource "{key}" has no Timekit id yet (its create failed?)')
        return id_

    def _member_ids(self, obj: DesiredObject) -> list[str]:
        return [self._resource_id(k) for k in obj.refs.get("resources") or []]

    def _create_body(self, obj: DesiredObject) -> dict[str, Any]:
        # Fields the config leaves unset are not sent, so Timekit's own defaults apply (§3).
        body = {k: v for k, v in obj.fields.items() if v is not None}
        if obj.kind in ("resource", "project"):
            body["meta"] = self._meta(obj)
        if obj.kind == "calendar":
            body.pop("primary", None)  # update-only field (§9)
            body["resource_id"] = self._resource_id(obj.refs["resource"])
        if obj.kind == "project" and obj.refs.get("resources"):
            body["resources"] = self._member_ids(obj)
        return body

    def _record(self, kind: str, key: str, id_: str, fp: str) -> None:
        with self._lock:
            self.ids[(kind, key)] = id_
        self.store.record(StateEntry(kind=kind, key=key, id=id_, fingerprint=fp))
