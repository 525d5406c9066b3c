"""/resources (§8)."""

from __future__ import annotations

from tkctl.emulator.call import Call
from tkctl.emulator.handlers.listing import list_response
from tkctl.emulator.models import resources


def list_(call: Call):
    include = call.include
    return list_response(call, call.app.resources.values(), resources.SEARCHABLE,
                         lambda r: resources.render(call.app, r, include), allow_meta=True)


# assumed: timekit-api.md §3 (create -> 201 with data; PUT and DELETE -> 204 without body)
def create(call: Call):
    resource = resources.create(call.app, call.json)
    # The docs' create response carries the new default calendar (realdata/resource-create-response.json).
    return 201, {"data": resources.render(call.app, resource, call.include | {"calendars"})}


def get(call: Call):
    return 200, {"data": resources.render(call.app, resources.get(call.app, call.params["id"]), call.include)}


def update(call: Call):
    resources.update(call.app, call.params["id"], call.json)
    return 204, None


def delete(call: Call):
    resources.delete(call.app, call.params["id"])
    return 204, None
