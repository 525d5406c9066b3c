"""/bookings (§12): create, list, get, state actions."""

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
