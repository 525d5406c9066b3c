"""Judging the slots an availability query returned against a test's expectations.

Every rule reads times as wall-clock times in the test's time zone (docs/testing.md gives the
exact meaning of each). A failed expectation keeps its first few offending slots (or the
starts that were not offered) and how many there were in all, so a report can show a sample
and a count instead of a thousand lines.

Pure: slots come in as values; `bookable` is judged by whoever may book (tkctl/testrun) and
passed in as an Outcome, so it takes its place among the others in the order written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

from tkctl.core.expect import DAY_NAMES, AvailabilityTest, Hours, WeeklyTime, Window, day_text

# How many offending slots (or missing starts) an outcome keeps to show.
MAX_SHOWN = 3
PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(frozen=True)
class Slot:
    """One bookable slot as the API returned it: aware start and end, its resources' names and ids."""

    start: datetime
    end: datetime
    resources: tuple[str, ...] = ()
    resource_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How one expectation fared. `slots` / `missing` hold at most MAX_SHOWN examples; `count`
    is how many offending slots or missing starts there were in all."""

    name: str
    expected: str
    status: str
    message: str
    slots: tuple[Slot, ...] = ()
    missing: tuple[datetime, ...] = ()
    count: int = 0


def slot_text(slot: Slot, window: Window) -> str:
    """`Mon 2027-01-04 09:00-09:30 Dr. Anna Jones`, in the test's time zone (the end's date too
    when it falls on another day)."""
    start, end = window.local(slot.start), window.local(slot.end)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{day_text(end.date())} {end:%H:%M}"
    who = f" {', '.join(slot.resources)}" if slot.resources else ""
    return f"{day_text(start.date())} {start:%H:%M}-{until}{who}"


def time_text(moment: datetime, window: Window) -> str:
    local = window.local(moment)
    return f"{day_text(local.date())} {local:%H:%M}"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def describe(name: str, value: Any) -> str:
    """An expectation's value as the report shows it."""
    if name == "only_on":
        return ", ".join(DAY_NAMES[d] for d in value)
    if name in ("slot_at", "no_slot_at"):
        return ", ".join(str(t) for t in value)
    if name == "bookable":
        return "true" if value else "false"
    return str(value)


def evaluate(test: AvailabilityTest, window: Window, slots: list[Slot], bookable: Outcome | None = None) -> list[Outcome]:
    """One Outcome per expectation of `test`, in the order written. `bookable: true` takes the
    given outcome (a test without it skips nothing: `bookable: false` checks nothing)."""
    ordered = sorted(slots, key=lambda s: (s.start, s.end))
    out = []
    for name, value in test.expect:
        if name == "bookable":
            if value:
                out.append(bookable if bookable is not None else
                           Outcome(name, "true", SKIP, "not checked"))
            else:
                out.append(Outcome(name, "false", PASS, "not checked (bookable: false)"))
            continue
        out.append(_RULES[name](name, value, window, ordered))
    return out


def _offending(name: str, value: Any, bad: list[Slot], message: str) -> Outcome:
    return Outcome(name, describe(name, value), FAIL, message, tuple(bad[:MAX_SHOWN]), count=len(bad))


def _min_slots(name: str, value: int, window: Window, slots: list[Slot]) -> Outcome:
    n = len(slots)
    if n >= value:
        return Outcome(name, str(value), PASS, plural(n, "slot"))
    return Outcome(name, str(value), FAIL, f"{plural(n, 'slot')}, fewer than {value}")


def _max_slots(name: str, value: int, window: Window, slots: list[Slot]) -> Outcome:
    n = len(slots)
    if n <= value:
        return Outcome(name, str(value), PASS, plural(n, "slot"))
    return _offending(name, value, slots, f"{plural(n, 'slot')}, more than {value}")


def _last_instant(window: Window, slot: Slot) -> datetime:
    """The slot's end as a wall-clock time, pulled back into its last minute (an end at
    midnight belongs to the day before)."""
    return window.local(slot.end) - timedelta(microseconds=1)


def _only_on(name: str, value: tuple[int, ...], window: Window, slots: list[Slot]) -> Outcome:
    allowed = set(value)

    def days_of(slot: Slot) -> set[int]:
        first, last = window.local(slot.start).date(), _last_instant(window, slot).date()
        return {(first + timedelta(days=i)).weekday() for i in range((last - first).days + 1)}

    bad = [s for s in slots if not days_of(s) <= allowed]
    if not bad:
        return Outcome(name, describe(name, value), PASS, f"all {plural(len(slots), 'slot')} are on these days")
    return _offending(name, value, bad, f"{len(bad)} of {plural(len(slots), 'slot')} are on other days")


def _within_hours(name: str, value: Hours, window: Window, slots: list[Slot]) -> Outcome:
    def inside(slot: Slot) -> bool:
        start, end = window.local(slot.start), window.local(slot.end)
        midnight = datetime.combine(start.date(), datetime.min.time())
        return midnight + timedelta(minutes=value.start) <= start and end <= midnight + timedelta(minutes=value.end)

    bad = [s for s in slots if not inside(s)]
    if not bad:
        return Outcome(name, str(value), PASS, f"all {plural(len(slots), 'slot')} are inside")
    return _offending(name, value, bad, f"{len(bad)} of {plural(len(slots), 'slot')} are outside {value}")


def _none_between(name: str, value: Hours, window: Window, slots: list[Slot]) -> Outcome:
    def overlaps(slot: Slot) -> bool:
        start, end = window.local(slot.start), window.local(slot.end)
        day: date = start.date()
        while day <= end.date():
            midnight = datetime.combine(day, datetime.min.time())
            if start < midnight + timedelta(minutes=value.end) and midnight + timedelta(minutes=value.start) < end:
                return True
            day += timedelta(days=1)
        return False

    bad = [s for s in slots if overlaps(s)]
    if not bad:
        return Outcome(name, str(value), PASS, f"none of {plural(len(slots), 'slot')} overlaps it")
    return _offending(name, value, bad, f"{len(bad)} of {plural(len(slots), 'slot')} overlap {value}")


def occurrences(times: tuple[WeeklyTime, ...], window: Window) -> list[datetime]:
    """Every instant in the window (from its query start) at one of `times`, in order."""
    found = []
    for day in window.dates():
        for wanted in times:
            if day.weekday() != wanted.day:
                continue
            moment = window.at(day, wanted.minutes)
            if moment is not None and window.query_start <= moment < window.end:
                found.append(moment)
    return sorted(set(found))


def _no_such_time(name: str, value: tuple[WeeklyTime, ...], window: Window) -> Outcome:
    return Outcome(name, describe(name, value), FAIL,
                   f"the window ({day_text(window.first_day)} to {day_text(window.last_day)}) "
                   "holds none of these times: lengthen it (days) or move it (from)")


def _slot_at(name: str, value: tuple[WeeklyTime, ...], window: Window, slots: list[Slot]) -> Outcome:
    wanted = occurrences(value, window)
    if not wanted:
        return _no_such_time(name, value, window)
    offered = {s.start for s in slots}
    missing = [w for w in wanted if w not in offered]
    if not missing:
        return Outcome(name, describe(name, value), PASS, f"offered ({plural(len(wanted), 'start')})")
    return Outcome(name, describe(name, value), FAIL, f"{len(missing)} of {plural(len(wanted), 'start')} not offered",
                   missing=tuple(missing[:MAX_SHOWN]), count=len(missing))


def _no_slot_at(name: str, value: tuple[WeeklyTime, ...], window: Window, slots: list[Slot]) -> Outcome:
    wanted = occurrences(value, window)
    if not wanted:
        return _no_such_time(name, value, window)
    times = set(wanted)
    bad = [s for s in slots if s.start in times]
    if not bad:
        return Outcome(name, describe(name, value), PASS, f"none offered ({plural(len(wanted), 'start')})")
    return _offending(name, value, bad, f"{plural(len(bad), 'slot')} offered at these times")


_RULES: dict[str, Callable[[str, Any, Window, list[Slot]], Outcome]] = {
    "min_slots": _min_slots, "max_slots": _max_slots, "only_on": _only_on, "within_hours": _within_hours,
    "none_between": _none_between, "slot_at": _slot_at, "no_slot_at": _no_slot_at,
}
