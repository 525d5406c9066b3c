"""Each change of a plan as the requests apply will send: the plan carries its own steps.

This is where tkctl's knowledge of Timekit's write rules lives, so that apply only executes
and a reviewed plan file says exactly what will be sent:
- creates are tagged with the object's key in `meta.tkctl_key`, in the create request itself;
- fields the config leaves unset are not sent on create, so Timekit's own defaults apply;
- an update sends only the top-level fields that changed, each whole, because Timekit
  replaces a nested object or list as a whole;
- a project's members are a replace-set, `PUT /projects/:id/resources` with a bare array of
  ids; on create they go in the body;
- a calendar's `resource_id` exists only on create, and `primary` only on update, so a
  primary calendar is created, then marked primary;
- Timekit creates a "Bookings" calendar with every resource: a config calendar of the same
  name on a resource created in the same plan takes that one over instead of making a twin.

References to other objects are written as addresses (`resource.dr-jones`), never ids: in a
path as `{resource.dr-jones}`, in a body as the address string at a position listed in
`refs` (JSON pointers). Apply resolves them from the plan's `ids` (objects that exist when
the plan is made) and from the answers of earlier steps (objects it creates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from tkctl.core.model import DesiredObject
from tkctl.core.normalize import MARKER

PATHS = {"resource": "/resources", "calendar": "/calendars", "project": "/projects"}

# What Timekit names the calendar it creates with each resource.
DEFAULT_CALENDAR_NAME = "Bookings"

# Writes run in dependency order; deletes after every write, in reverse. State-only steps
# (recording an unchanged object, forgetting one that is gone) need no order and go first.
STATE_PHASE = 0
WRITE_PHASE = {"resource": 1, "calendar": 2, "project": 3}
DELETE_PHASE = {"project": 4, "calendar": 5, "resource": 6}

PENDING = "sha256:pending"  # recorded id whose later steps have not all succeeded


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None
    refs: tuple[str, ...] = ()  # JSON pointers into `body` that hold addresses to resolve
    params: Mapping[str, str] | None = None

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.params:
            out["params"] = dict(self.params)
        if self.body is not None:
            out["body"] = self.body
        if self.refs:
            out["refs"] = list(self.refs)
        return out


@dataclass(frozen=True)
class Step:
    """One thing apply does for one object, in order with that object's other steps.

    `bind` says where the object's id comes from when the plan does not know it:
      "response"   the `data.id` of this step's answer (a create);
      a mapping    the object is found in the answer of another object's create:
                   {"address": "resource.x", "items": "calendars", "match": {"name": "Bookings"}};
                   when nothing matches, `fallback` is sent instead of `request`.
    `lookup` says how to find the object a create may have made when its answer was lost
    (a timeout, a 5xx, a 503 from a proxy that had already passed the request on): apply
    looks before it ever sends a create again.
    `record` is what the state keeps after the step succeeds (fingerprint and per-field
    digests); `forget` drops the object from the state.
    """

    phase: int
    address: str
    action: str
    request: Request | None = None
    bind: str | Mapping[str, Any] | None = None
    fallback: Request | None = None
    lookup: Mapping[str, Any] | None = None
    record: Mapping[str, Any] | None = None
    forget: bool = False
    ok_statuses: tuple[int, ...] = ()
    moved_from: str | None = None  # a rename: the state forgets this address first

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"phase": self.phase, "address": self.address, "action": self.action}
        if self.request is not None:
            out["request"] = self.request.data()
        if self.bind is not None:
            out["bind"] = self.bind if isinstance(self.bind, str) else dict(self.bind)
        if self.fallback is not None:
            out["fallback"] = self.fallback.data()
        if self.lookup is not None:
            out["lookup"] = dict(self.lookup)
        if self.record is not None:
            out["record"] = dict(self.record)
        if self.forget:
            out["forget"] = True
        if self.ok_statuses:
            out["ok_statuses"] = list(self.ok_statuses)
        if self.moved_from:
            out["moved_from"] = self.moved_from
        return out


@dataclass(frozen=True, slots=True)
class Record:
    """What the state keeps for an object once every step for it has succeeded.

    Slotted: every object of a config keeps one (`core/plan.py` `desired_record`), and the
    config cache pickles it; without a `__dict__` each is 100 bytes smaller and one object
    fewer to rebuild (5 MB at 20,000 resources)."""

    fingerprint: str
    fields: Mapping[str, str] = field(default_factory=dict)
    lifecycle: Mapping[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple:
        # As `Location`'s: a slotted dataclass otherwise pickles through Python-level
        # __getstate__ and __setstate__, and the unpickler keeps each state until the end.
        return (Record, (self.fingerprint, self.fields, self.lifecycle))

    def data(self) -> dict[str, Any]:
        out = {"fingerprint": self.fingerprint, "fields": dict(self.fields)}
        if self.lifecycle:
            out["lifecycle"] = dict(self.lifecycle)
        return out


def placeholder(address: str) -> str:
    return "{" + address + "}"


def address(kind: str, key: str) -> str:
    return f"{kind}.{key}"


def _meta(obj: DesiredObject) -> dict[str, Any]:
    return {**(obj.fields.get("meta") or {}), MARKER: obj.key}


def _members(obj: DesiredObject) -> list[str]:
    return [address("resource", k) for k in obj.refs.get("resources") or []]


def create_body(obj: DesiredObject) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The create request's body and the pointers in it that hold addresses."""
    # Fields the config leaves unset are not sent, so Timekit's own defaults apply.
    body = {k: v for k, v in obj.fields.items() if v is not None}
    refs: list[str] = []
    if obj.kind in ("resource", "project"):
        body["meta"] = _meta(obj)
    if obj.kind == "calendar":
        body.pop("primary", None)  # update-only field
        body["resource_id"] = address("resource", obj.refs["resource"])
        refs.append("/resource_id")
    if obj.kind == "project" and obj.refs.get("resources"):
        body["resources"] = _members(obj)
        refs.extend(f"/resources/{i}" for i in range(len(body["resources"])))
    return body, tuple(refs)


def _lookup(obj: DesiredObject) -> dict[str, Any]:
    """How to find what a create of `obj` may have made: by its tag, or owner and name."""
    if obj.kind == "calendar":
        owner = address("resource", obj.refs["resource"])
        return {"get": f"{PATHS['resource']}/{placeholder(owner)}", "params": {"include": "calendars"},
                "items": "calendars", "match": {"name": obj.fields.get("name")}}
    # Search narrows the listing where Timekit supports it; the match is re-checked on every
    # item, because Timekit ignores a search on a field it does not support.
    if obj.kind == "resource":
        # With its calendars, as a create answer has them: a calendar may take one over.
        params = {"search": f"meta.{MARKER}:{obj.key}", "include": "calendars"}
    elif isinstance(obj.fields.get("slug"), str):
        params = {"search": f"slug:{obj.fields['slug']}"}
    else:
        params = {}
    return {"list": PATHS[obj.kind], "params": params, "match": {f"meta.{MARKER}": obj.key}}


def create_steps(obj: DesiredObject, record: Record, *, takeover: bool = False) -> list[Step]:
    """Steps that create `obj`; `takeover` when it should take Timekit's default calendar."""
    addr = address(obj.kind, obj.key)
    phase = WRITE_PHASE[obj.kind]
    body, refs = create_body(obj)
    post = Request("POST", PATHS[obj.kind], body, refs)
    if takeover:
        owner = address("resource", obj.refs["resource"])
        # Everything the config sets goes in the PUT: Timekit's default may differ from ours.
        update = {k: v for k, v in obj.fields.items() if v is not None and k != "name"}
        request = Request("PUT", f"{PATHS['calendar']}/{placeholder(addr)}", update) if update else None
        bind = {"address": owner, "items": "calendars", "match": {"name": obj.fields.get("name")}}
        return [Step(phase, addr, "takeover", request, bind=bind, fallback=post, lookup=_lookup(obj),
                     record=record.data())]
    if obj.kind == "calendar" and obj.fields.get("primary"):
        put = Request("PUT", f"{PATHS['calendar']}/{placeholder(addr)}", {"primary": True})
        return [
            # The id is recorded first with a fingerprint nothing matches, so if marking it
            # primary fails, the next plan shows the calendar as needing an update.
            Step(phase, addr, "create", post, bind="response", lookup=_lookup(obj), record={"fingerprint": PENDING}),
            Step(phase, addr, "primary", put, record=record.data()),
        ]
    return [Step(phase, addr, "create", post, bind="response", lookup=_lookup(obj), record=record.data())]


def update_steps(obj: DesiredObject, changed: list[str], record: Record, *, adopt: bool = False) -> list[Step]:
    """Steps that bring an existing object in line: the changed top-level fields, whole."""
    addr = address(obj.kind, obj.key)
    phase = WRITE_PHASE[obj.kind]
    if adopt and not changed:  # adopted as it is: every object of a plan without a state file
        return [Step(phase, addr, "adopt", record=record.data())]
    path = f"{PATHS[obj.kind]}/{placeholder(addr)}"
    body: dict[str, Any] = {}
    members = False
    for name in changed:
        if obj.kind == "project" and name == "resources":
            members = True
        elif name == "resource":
            continue  # a calendar cannot move: the plan reports it as a problem
        elif name == "meta":
            body["meta"] = _meta(obj)
        else:
            body[name] = obj.fields.get(name)
    requests = []
    if body:
        requests.append(("update", Request("PUT", path, body)))
    if members:
        ids = _members(obj)
        requests.append(("members", Request("PUT", f"{path}/resources", ids, tuple(f"/{i}" for i in range(len(ids))))))
    steps = []
    if adopt:
        steps.append(Step(phase, addr, "adopt", record={"fingerprint": PENDING} if requests else record.data()))
    for index, (action, request) in enumerate(requests):
        last = index == len(requests) - 1
        steps.append(Step(phase, addr, action, request, record=record.data() if last else None))
    return steps


def replace_steps(obj: DesiredObject, old_id: str | None, record: Record, *, takeover: bool = False) -> list[Step]:
    """Create the replacement, then (after every write, so projects already point at it)
    delete the old object by its id. `old_id` None: the old one goes with its resource."""
    steps = create_steps(obj, record, takeover=takeover)
    if old_id is not None:
        request = Request("DELETE", f"{PATHS[obj.kind]}/{old_id}")
        steps.append(Step(DELETE_PHASE[obj.kind], address(obj.kind, obj.key), "delete", request, ok_statuses=(404,)))
    return steps


def delete_steps(kind: str, key: str) -> list[Step]:
    addr = address(kind, key)
    # Already gone is what a delete wants: 404 counts as done.
    request = Request("DELETE", f"{PATHS[kind]}/{placeholder(addr)}")
    return [Step(DELETE_PHASE[kind], addr, "delete", request, forget=True, ok_statuses=(404,))]


def move_step(old: str, obj: DesiredObject, record: Record | None) -> Step:
    """The state entry of `old` becomes the object's: the same id under the new key. Later steps
    record the final fingerprint; with none to come, this one does."""
    return Step(WRITE_PHASE[obj.kind], address(obj.kind, obj.key), "move", moved_from=old,
                record=record.data() if record else {"fingerprint": PENDING})


def record_step(kind: str, key: str, record: Record) -> Step:
    """The object already matches: only the state learns its id or fingerprint."""
    return Step(STATE_PHASE, address(kind, key), "record", record=record.data())


def forget_step(kind: str, key: str) -> Step:
    """The object left both the config and the account: only the state forgets it."""
    return Step(STATE_PHASE, address(kind, key), "forget", forget=True)


def referenced(steps: list[Step]) -> set[str]:
    """Every address the steps name: their own objects and those they refer to."""
    out: set[str] = set()
    for step in steps:
        out.add(step.address)
        if step.moved_from:
            out.add(step.moved_from)
        if step.bind is not None and not isinstance(step.bind, str):  # a Mapping (`isinstance` on it is slow)
            out.add(step.bind["address"])
        for request in (step.request, step.fallback):
            if request is None:
                continue
            out.update(_path_refs(request.path))
            for pointer in request.refs:
                out.add(resolve_pointer(request.body, pointer))
        if step.lookup:
            out.update(_path_refs(step.lookup.get("get") or ""))
    return out


def _path_refs(path: str) -> list[str]:
    out, rest = [], path
    while "{" in rest:
        start = rest.index("{")
        end = rest.index("}", start)
        out.append(rest[start + 1:end])
        rest = rest[end + 1:]
    return out


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901, the subset tkctl writes: keys and indexes)."""
    value = doc
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value
