"""/calendars (§9)."""

from __future__ import annotations

from tkctl.emulator.call import Call
from tkctl.emulator.handlers.listing import list_response
from tkctl.emulator.models import calendars


def list_(call: Call):
    # assumed: timekit-api.md §9 (GET /calendars lists the calendars of every resource in the app)
    return list_response(call, call.app.calendars.values(), calendars.SEARCHABLE, calendars.render)


def create(call: Call):
    return 201, {"data": calendars.render(calendars.create(call.app, call.json))}


def get(call: Call):
    return 200, {"data": calendars.render(calendars.get(call.app, call.params["id"]))}


def update(call: Call):
    calendars.update(call.app, call.params["id"], call.json)
    return 204, None


def delete(call: Call):
    calendars.delete(call.app, call.params["id"])
    return 204, None
