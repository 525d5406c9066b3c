"""/bookings (§12): create, list, get, state actions, reschedule, and the group classes."""

from __future__ import annotations

from tkctl.emulator.call import Call
from tkctl.emulator.handlers.listing import list_response
from tkctl.emulator.models import bookings


def list_(call: Call):
    include = call.include
    return list_response(call, call.app.bookings.values(), bookings.SEARCHABLE,
                         lambda b: bookings.render(call.app, b, include))


def create(call: Call):
    booking = bookings.create(call.app, call.json)
    return 201, {"data": bookings.render(call.app, booking, call.include)}


def get(call: Call):
    return 200, {"data": bookings.render(call.app, bookings.get(call.app, call.params["id"]), call.include)}


def act(call: Call):
    bookings.act(call.app, call.params["id"], call.params["action"])
    return 204, None


def reschedule(call: Call):
    # assumed: timekit-api.md §12 (reschedule answers 200 with the moved booking)
    booking = bookings.reschedule(call.app, call.params["id"], call.json)
    return 200, {"data": bookings.render(call.app, booking, call.include)}


def groups(call: Call):
    # assumed: timekit-api.md §12 (GET /bookings/groups is paginated and searchable like GET /bookings)
    include = call.include
    return list_response(call, bookings.open_classes(call.app), bookings.SEARCHABLE,
                         lambda b: bookings.render_class(call.app, b, include))


def group(call: Call):
    return 200, {"data": bookings.render_class(call.app, bookings.get_class(call.app, call.params["id"]),
                                               call.include)}
