"""Executes a plan's steps against the API and records every one in the state.

Apply knows no Timekit field rules: the plan's steps (`core/steps.py`) say what to send. This
module runs them phase by phase (dependency order), the objects of a phase concurrently and
each object's steps in order; it turns addresses into ids (the plan's `ids`, then what
earlier steps created); and it saves the state after every step that records or forgets.

An interrupted apply loses nothing: what was written is recorded, and what was created but not
recorded carries the tkctl tag (or, for calendars, its owner and name) and is adopted by the
next plan. A create whose answer was lost (timeout, 5xx, a 503 or 429 from anything between
tkctl and Timekit) may or may not have happened, so it is never sent again blind: apply first
looks for the object as the step's `lookup` says, and sends the create again only if nothing
was made.

Steps done, of how many, are shown on a progress bar (`tkctl.progress`) when someone watches;
`report` receives one line per object done, after its phase.
"""

from __future__ import annotations

import copy
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Callable, Mapping

from tkctl import progress
from tkctl.core.steps import resolve_pointer
from tkctl.errors import ApiError, ApplyFailed
from tkctl.render.summary import SYMBOLS
from tkctl.state.store import StateEntry, StateStore
from tkctl.timekit.client import TimekitClient

PAST = {"create": "created", "update": "updated", "replace": "replaced", "move": "moved", "delete": "deleted",
        "adopt": "adopted", "forget": "forgotten"}


@dataclass
class ApplyResult:
    done: dict[str, int] = field(default_factory=lambda: {a: 0 for a in PAST})
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        d = self.done
        extra = "".join(f", {d[a]} {PAST[a]}" for a in ("replace", "move", "forget") if d[a])
        return (
            f"Apply complete: {d['create']} created, {d['update']} updated, "
            f"{d['delete']} deleted, {d['adopt']} adopted{extra}."
        )


class StepFailed(Exception):
    """A step could not run for a reason that is not the API's answer (a missing id)."""


def outcome_unknown(exc: ApiError) -> bool:
    """Whether a request that failed this way may still have been acted on by the server."""
    return exc.status == 0 or exc.status >= 500 or exc.status == 429


class Executor:
    def __init__(
        self,
        client: TimekitClient,
        store: StateStore,
        report: Callable[[str], None] = lambda line: None,
        max_workers: int = 8,
        bars: progress.Progress | None = None,
    ):
        self.client = client
        self.bars = bars
        self.store = store
        self.report = report
        self.max_workers = max_workers
        self._lock = threading.Lock()
        self.ids: dict[str, str] = {}
        self.answers: dict[str, Any] = {}  # address -> answer of its create (for takeovers)
        self.claimed: set[str] = set()  # ids bound to some address: never found twice
        self._task = progress.NO_TASK

    def run(self, plan: Mapping[str, Any]) -> ApplyResult:
        """Run every step of `plan` (its data form); raise ApplyFailed when some fail."""
        steps = list(plan.get("steps") or [])
        if not steps:
            return self._run(plan, steps)
        with (self.bars or progress.current()).task("Applying", total=len(steps), unit="steps") as self._task:
            try:
                return self._run(plan, steps)
            finally:
                self._task = progress.NO_TASK

    def _run(self, plan: Mapping[str, Any], steps: list[dict]) -> ApplyResult:
        result = ApplyResult()
        self.ids = dict(plan.get("ids") or {})
        self.claimed = set(self.ids.values()) | {e.id for e in self.store.state.entries.values()}
        actions = {f"{c['kind']}.{c['key']}": c["action"] for c in plan.get("changes") or []}
        app = (plan.get("target") or {}).get("app")
        if app:
            self.store.bind_app({"id": app["id"], "slug": app.get("slug") or ""})
        total = len({s["address"] for s in steps if s["address"] in actions})
        last_phase = {s["address"]: s["phase"] for s in steps}  # steps are in phase order
        for phase_number, phase in groupby(steps, key=lambda s: s["phase"]):
            groups: dict[str, list[dict]] = {}
            for step in phase:
                groups.setdefault(step["address"], []).append(step)
            workers = max(1, min(self.max_workers, len(groups)))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                outcomes = list(pool.map(self._run_object, groups.values()))
            for address, error in zip(groups, outcomes, strict=True):
                action = actions.get(address)
                if error is not None:
                    result.failures.append(f"{address}: {error}")
                elif action is not None and last_phase[address] == phase_number:  # a replace spans two phases
                    result.done[action] += 1
                    self.report(self._line(action, address))
            if result.failures:
                done = sum(result.done.values())
                remaining = total - done - len(result.failures)
                lines = "\n  ".join(result.failures)
                raise ApplyFailed(
                    f"apply stopped: {len(result.failures)} change(s) failed, {done} succeeded and are "
                    f"recorded in the state, {remaining} not attempted.\n  {lines}\n"
                    "Fix the cause and run tkctl apply again: it continues from where this run stopped."
                )
        return result

    def _line(self, action: str, address: str) -> str:
        found = self.ids.get(address)
        return f"{SYMBOLS[action]} {address}: {PAST[action]}" + (f" ({found})" if found else "")

    # -- one object ---------------------------------------------------------------------

    def _run_object(self, steps: list[dict]) -> str | None:
        try:
            for step in steps:
                self._run_step(step)
                self._task.advance()
        except (ApiError, StepFailed) as exc:
            return str(exc)
        return None

    def _run_step(self, step: dict) -> None:
        address = step["address"]
        action = step["action"]
        request = step.get("request")
        if action == "takeover":
            if not self._take_over(step):
                self._create(step, step["fallback"])
                request = None  # the fallback create carried every field
        elif step.get("bind") == "response":
            self._create(step, request)
            request = None
        if request is not None:
            try:
                self._send(request)
            except ApiError as exc:
                if exc.status not in (step.get("ok_statuses") or ()):
                    raise
        if step.get("moved_from"):
            old_kind, old_key = step["moved_from"].split(".", 1)
            self.store.forget(old_kind, old_key)
        if step.get("forget"):
            kind, key = address.split(".", 1)
            with self._lock:
                self.ids.pop(address, None)
            self.store.forget(kind, key)
        elif step.get("record"):
            self._record(address, step["record"])

    def _create(self, step: dict, request: dict) -> None:
        """Send a create; if its answer is lost, look for the object before sending it again."""
        address = step["address"]
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = self.client.post(self._path(request["path"]), self._body(request), resend=False)
            except ApiError as exc:
                if not outcome_unknown(exc) or attempt >= self.client.max_attempts:
                    raise
                found = self._lookup(step)
                if found is not None:
                    with self._lock:
                        self.answers[address] = found  # stands in for the lost answer
                    self._bind(address, found["id"])
                    return
                self.client.backoff(attempt, exc.retry_after)
                continue
            data = answer.get("data") if isinstance(answer, Mapping) else None
            new_id = data.get("id") if isinstance(data, Mapping) else None
            if not isinstance(new_id, str) or not new_id:
                raise ApiError("the create answer carried no id", status=200, method=request["method"],
                               path=request["path"])
            with self._lock:
                self.answers[address] = data
            self._bind(address, new_id)
            return

    def _take_over(self, step: dict) -> bool:
        """Bind the object to one found in another object's create answer (see Step.bind)."""
        bind = step["bind"]
        with self._lock:
            data = self.answers.get(bind["address"])
            items = data.get(bind["items"]) if isinstance(data, Mapping) else None
            for item in items if isinstance(items, list) else ():
                if (isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"] not in self.claimed
                        and _matches(item, bind["match"])):
                    self.ids[step["address"]] = item["id"]
                    self.claimed.add(item["id"])
                    return True
        return False

    def _lookup(self, step: dict) -> Mapping[str, Any] | None:
        """The object the lost create made, if there is one (see Step.lookup)."""
        spec = step.get("lookup")
        if not spec:
            return None
        if "list" in spec:
            items = self.client.list_all(self._path(spec["list"]), spec.get("params") or {})
        else:
            answer = self.client.get(self._path(spec["get"]), **(spec.get("params") or {}))
            data = answer.get("data") if isinstance(answer, Mapping) else None
            items = data.get(spec["items"]) if isinstance(data, Mapping) else None
        with self._lock:
            for item in items if isinstance(items, list) else ():
                if (isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"] not in self.claimed
                        and _matches(item, spec["match"])):
                    return item
        return None

    # -- requests -----------------------------------------------------------------------

    def _send(self, request: Mapping[str, Any]) -> Any:
        return self.client.request(request["method"], self._path(request["path"]),
                                   params=request.get("params"), json=self._body(request))

    def _body(self, request: Mapping[str, Any]) -> Any:
        """The request's body with every address at its `refs` replaced by the id."""
        body = request.get("body")
        if request.get("refs"):
            body = copy.deepcopy(body)
            for pointer in request["refs"]:
                _assign(body, pointer, self._id(resolve_pointer(body, pointer)))
        return body

    def _path(self, template: str) -> str:
        out, rest = "", template
        while "{" in rest:
            start = rest.index("{")
            end = rest.index("}", start)
            out += rest[:start] + self._id(rest[start + 1:end])
            rest = rest[end + 1:]
        return out + rest

    def _id(self, address: str) -> str:
        with self._lock:
            found = self.ids.get(address)
        if found is None:
            raise StepFailed(f"{address} has no Timekit id yet (did its create fail?)")
        return found

    def _bind(self, address: str, id_: str) -> None:
        with self._lock:
            self.ids[address] = id_
            self.claimed.add(id_)

    def _record(self, address: str, record: Mapping[str, Any]) -> None:
        kind, key = address.split(".", 1)
        entry = StateEntry(kind=kind, key=key, id=self._id(address), fingerprint=record["fingerprint"],
                           fields=dict(record.get("fields") or {}), lifecycle=dict(record.get("lifecycle") or {}))
        self.store.record(entry)


def _matches(item: Mapping[str, Any], match: Mapping[str, Any]) -> bool:
    for dotted, want in match.items():
        value: Any = item
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value != want:
            return False
    return True


def _assign(doc: Any, pointer: str, value: Any) -> None:
    """Set the value at a JSON pointer that already exists in `doc`."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    parent = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    if isinstance(parent, list):
        parent[int(parts[-1])] = value
    else:
        parent[parts[-1]] = value
