"""Running availability tests: ask the account for slots, judge them, and book where allowed.

Each test queries `POST /availability` with the LIVE id of its project (or resource), found
the way a plan finds it (the state, then the account), so it checks what customers see now,
not what the config would make. An object the account does not have yet is an error that
says to apply first; one with changes not applied yet is tested as it is, with a note.

`bookable: true` books the first slot (with the project's booking graph and a test
customer), confirms it if the graph leaves it tentative, checks that its time is no longer
offered, and cancels it. Only on a fresh emulator (`tkctl test --emulator`): a booking on a
real account reaches a calendar and maybe a customer's inbox, so there the expectation is
reported as skipped, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from tkctl.core.expect import AvailabilityTest, ExpectError, Window, resolve_window
from tkctl.core.model import DesiredState
from tkctl.core.verdict import FAIL, PASS, SKIP, Outcome, Slot, evaluate, plural, slot_text
from tkctl.errors import ApiError
from tkctl.timekit.client import TimekitClient

ERROR = "error"
TEST_CUSTOMER = {"name": "tkctl availability test", "email": "tkctl-test@example.com"}
NOT_ON_A_REAL_ACCOUNT = ("skipped: tkctl books only on a fresh emulator (tkctl test --emulator), never on a real "
                         "account, where a booking reaches calendars and customers")


@dataclass
class TestResult:
    """One availability test's result: its window, how many slots, each expectation's outcome;
    or the reason it could not run."""

    __test__ = False  # not a pytest test class, whatever its name
    test: AvailabilityTest
    window: Window | None = None
    slots: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None

    @property
    def status(self) -> str:
        if self.error is not None:
            return ERROR
        return FAIL if any(o.status == FAIL for o in self.outcomes) else PASS


@dataclass
class Run:
    """What `tkctl test` found: the results in the config's order, and notes for the reader."""

    config_dir: str
    api_url: str
    fresh_emulator: bool
    results: list[TestResult]
    applied: str | None = None  # what applying to the fresh emulator did, in words
    notes: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return all(r.status == PASS for r in self.results)


class Runner:
    """Runs tests against one account whose live ids are known (`ids`: address -> id)."""

    def __init__(self, client: TimekitClient, desired: DesiredState, ids: Mapping[str, str], *, may_book: bool,
                 now: Callable[[], datetime]):
        self.client = client
        self.desired = desired
        self.ids = ids
        self.may_book = may_book
        self.now = now

    def run(self, test: AvailabilityTest) -> TestResult:
        result = TestResult(test)
        live_id = self.ids.get(test.address)
        if live_id is None:
            result.error = ("not in the account yet: apply the config first (tkctl apply), or test on a fresh "
                            "emulator with tkctl test --emulator")
            return result
        try:
            result.window = window = resolve_window(test, self.now())
            slots = self._slots(test, live_id, window)
            result.slots = len(slots)
            bookable = None
            if test.expected("bookable"):
                bookable = self._bookable(test, live_id, window, slots) if self.may_book else \
                    Outcome("bookable", "true", SKIP, NOT_ON_A_REAL_ACCOUNT)
            result.outcomes = evaluate(test, window, slots, bookable)
        except (ApiError, ExpectError) as exc:
            result.error = str(exc)
        return result

    # -- asking the API ------------------------------------------------------------------

    def _slots(self, test: AvailabilityTest, live_id: str, window: Window, resource_id: str | None = None) -> list[Slot]:
        body: dict[str, Any] = {"from": window.query_start.astimezone(window.zone).isoformat(timespec="seconds"),
                                "to": window.end.astimezone(window.zone).isoformat(timespec="seconds")}
        if test.kind == "project":
            body["project_id"] = live_id
        if resource_id is not None or test.kind == "resource":
            body["resources"] = [resource_id or live_id]
        if test.length:
            body["length"] = test.length
        answer = self.client.request("POST", "/availability", json=body)
        return sorted(_read_slots(answer), key=lambda s: (s.start, s.end))

    def _bookable(self, test: AvailabilityTest, live_id: str, window: Window, slots: list[Slot]) -> Outcome:
        if not slots:
            return Outcome("bookable", "true", FAIL, "no slot to book")
        first = slots[0]
        if not first.resource_ids:
            return Outcome("bookable", "true", FAIL, f"the first slot ({slot_text(first, window)}) names no resource")
        resource_id = first.resource_ids[0]
        body: dict[str, Any] = {
            "resource_id": resource_id, "graph": "instant",
            "start": first.start.isoformat(timespec="seconds"), "end": first.end.isoformat(timespec="seconds"),
            "what": f"tkctl test {test.name}",
            "customer": {**TEST_CUSTOMER, "timezone": window.zone_name},
        }
        if test.kind == "project":
            project = self.desired.get("project", test.key)
            booking = (project.fields.get("booking") if project else None) or {}
            body.update(project_id=live_id, graph=booking.get("graph") or "instant")
        try:
            created = self.client.post("/bookings", body, resend=False)["data"]
        except ApiError as exc:
            if not 400 <= exc.status < 500 or exc.status in (401, 429):
                raise
            return Outcome("bookable", "true", FAIL, f"booking {slot_text(first, window)} was refused: {exc}")
        booked = slot_text(Slot(first.start, first.end, first.resources[:1]), window)
        try:
            if created.get("state") == "tentative":  # confirm_decline and the like: the owner confirms
                self.client.put(f"/bookings/{created['id']}/confirm", {})
            again = self._slots(test, live_id, window, resource_id)
        finally:
            self.client.put(f"/bookings/{created['id']}/cancel", {})
        still = [s for s in again if s.start < first.end and first.start < s.end]
        if still:
            return Outcome("bookable", "true", FAIL,
                           f"booked {booked}, but {plural(len(still), 'slot')} overlapping it stayed on offer "
                           "(booking cancelled)", tuple(still[:3]), count=len(still))
        return Outcome("bookable", "true", PASS, f"booked {booked}; its time was no longer offered (booking cancelled)")


def _read_slots(answer: Any) -> list[Slot]:
    """The slots of an availability answer; ApiError when it is not the documented shape."""
    items = answer.get("data") if isinstance(answer, Mapping) else None
    if not isinstance(items, list):
        raise _malformed("data is not a list of slots")
    slots = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _malformed(f"data[{index}] is not an object")
        start, end = _instant(item.get("start")), _instant(item.get("end"))
        if start is None or end is None or end <= start:
            raise _malformed(f"data[{index}] has no start and end timestamps (start before end)")
        members = item.get("resources") if isinstance(item.get("resources"), list) else []
        ids = tuple(str(m.get("id")) if isinstance(m, Mapping) else str(m) for m in members)
        names = tuple(str(m.get("name") or m.get("id")) if isinstance(m, Mapping) else str(m) for m in members)
        slots.append(Slot(start, end, names, ids))
    return slots


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _malformed(what: str) -> ApiError:
    return ApiError(f"malformed answer: {what}", status=200, method="POST", path="/availability")
