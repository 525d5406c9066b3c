"""Group bookings (§12): a `group_owner` booking offers seats in a class; each seat is a
`group_customer` (or `group_customer_payment`) booking naming it in `related.owner_booking_id`.

booking.js lists the open classes with `GET /bookings/groups` and books a seat in one
(developers.timekit.io "Group & class bookings"; booking-js `helpers/template.js`, `pages/booking.js`
and the `groupSlots` fixture of its `test/utils/mockAjax.js`).
"""

from __future__ import annotations

from tkctl.emulator.store import AppData
from tkctl.emulator.validation import Checker

OWNER = "group_owner"
SEAT_GRAPHS = ("group_customer", "group_customer_payment")
# assumed: timekit-api.md §12 (a class is open, listed and bookable, while tentative or confirmed)
OPEN_STATES = ("tentative", "confirmed")
_TAKEN_STATES = ("tentative", "confirmed")  # assumed: timekit-api.md §12 (cancelled or declined seats are free)


def is_open_class(booking: dict) -> bool:
    return booking["graph"] == OWNER and booking["state"] in OPEN_STATES


def seats_taken(app: AppData, owner_id: str) -> int:
    return sum(1 for b in app.bookings.values()
               if b.get("owner_booking_id") == owner_id and b["state"] in _TAKEN_STATES)


def check_max_seats(check: Checker, settings: dict) -> None:
    """`settings.max_seats` of a class: a positive integer when given (unlimited when not)."""
    # assumed: timekit-api.md §12 (max_seats optional; no limit without it)
    seats = settings.get("max_seats")
    if seats is not None and (not isinstance(seats, int) or isinstance(seats, bool) or seats < 1):
        check.add("settings.max_seats", "The settings.max_seats must be a positive integer.")


def owner_of_seat(app: AppData, check: Checker, related: object) -> dict | None:
    """The open class a seat booking names (None if it names none); a 422 on
    `related.owner_booking_id` when it names none or the class is full."""
    # assumed: timekit-api.md §12 (a seat must name an open group_owner booking with a free seat)
    field = "related.owner_booking_id"
    owner_id = related.get("owner_booking_id") if isinstance(related, dict) else None
    if owner_id in (None, ""):
        check.add(field, f"The {field} field is required.")
        return None
    owner = app.bookings.get(owner_id) if isinstance(owner_id, str) else None
    if owner is None or not is_open_class(owner):
        check.add(field, f"The selected {field} is invalid.")
        return None
    limit = (owner.get("settings") or {}).get("max_seats")
    if isinstance(limit, int) and seats_taken(app, owner["id"]) >= limit:
        check.add(field, "The group booking has no free seats.")
    return owner


def seat_counts(app: AppData, owner: dict) -> dict:
    """`attributes.group_booking` of a class, as in booking.js's fixture."""
    return {"max_seats": (owner.get("settings") or {}).get("max_seats"),
            "current_seats": seats_taken(app, owner["id"])}
