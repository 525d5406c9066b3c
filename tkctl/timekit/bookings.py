"""Looks up the bookings a delete would orphan, so the plan can warn before it happens.

Timekit keeps bookings when their resource or project goes away, but the customers lose the
person or flow they booked. tkctl does not manage bookings; it only counts the live, future
ones (`tentative` or `confirmed`) of each resource or project a plan deletes, with the
documented search (timekit-api.md §12). The booking object does not name its resource, so
the search result cannot be re-checked client-side (§16.6): the warning is advice, never a
safety decision, and it is asked only for objects being deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from tkctl.core.plan import Change
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.envelope import check_booking

ACTIVE_STATES = ("tentative", "confirmed")


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        # Responses write offsets without a colon (+0000, §1); fromisoformat takes both in 3.11.
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def future_bookings(client: TimekitClient, kind: str, id_: str, now: datetime) -> int:
    items = client.list_all("/bookings", {"search": f"{kind}.id:{id_}", "include": "attributes"},
                            item_check=check_booking)
    count = 0
    for booking in items:
        start = _parse(((booking.get("attributes") or {}).get("event_info") or {}).get("start"))
        if booking.get("state") in ACTIVE_STATES and start is not None and start > now:
            count += 1
    return count


def bookings_at_risk(client: TimekitClient, changes: Iterable[Change], now: datetime) -> dict[str, int]:
    """Future bookings of each resource or project the changes delete or replace (those with any)."""
    out = {}
    for change in changes:
        if change.action not in ("delete", "replace") or change.kind not in ("resource", "project") or not change.id:
            continue
        n = future_bookings(client, change.kind, change.id, now)
        if n:
            out[change.address] = n
    return out


def booking_warnings(changes: Iterable[Change], bookings: dict[str, int]) -> list[str]:
    warnings: list[str] = []
    if not bookings:  # the usual case: not a change per object of a first import walked for nothing
        return warnings
    for change in changes:
        n = bookings.get(change.address)
        if not n:
            continue
        verb = "deleting" if change.action == "delete" else "replacing"
        warnings.append(
            f'{change.kind} "{change.key}" has {n} future booking{"s" if n != 1 else ""}; '
            f"{verb} it leaves {'them' if n != 1 else 'it'} without their {change.kind}"
        )
    return warnings
