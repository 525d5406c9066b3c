"""`--plan`: the config as the account stood before a saved plan, built from the plan's own changes."""

from __future__ import annotations

from tkctl.core.model import DesiredObject, DesiredState
from tkctl.preview.planned import before_plan, changed_projects


def state(*objects: DesiredObject) -> DesiredState:
    desired = DesiredState()
    for obj in objects:
        desired.add(obj)
    return desired


JONES = DesiredObject("resource", "jones", {"name": "Dr. Jones", "timezone": "UTC"})
ROOM = DesiredObject("resource", "room", {"name": "Room 2"})
ROOM_CAL = DesiredObject("calendar", "room-cal", {"name": "Room"}, {"resource": "room"})
CONSULT = DesiredObject("project", "consult", {
    "name": "Consultation",
    "ui": {"display_name": "Book now", "localization": {"submit_button": "Go"}, "show_credits": False},
    "availability": {"length": "1 hour"},
}, {"resources": ["jones", "room"]})
NEW = DesiredObject("project", "new", {"name": "New"}, {"resources": ["jones"]})

PLAN = {"changes": [
    {"action": "create", "kind": "resource", "key": "room", "fields": []},
    {"action": "create", "kind": "calendar", "key": "room-cal", "fields": []},
    {"action": "update", "kind": "project", "key": "consult", "fields": [
        {"path": "resources", "old": ["jones", "3f1c-unmanaged-id"], "new": ["jones", "room"]},
        {"path": "ui.display_name", "old": "Book", "new": "Book now"},
        {"path": "ui.localization.submit_button", "old": None, "new": "Go"},
        {"path": "ui.show_credits", "old": True, "new": False},
        {"path": "availability", "old": {"length": "30 minutes"}, "new": {"length": "1 hour"}},
    ]},
    {"action": "update", "kind": "resource", "key": "jones", "fields": [
        {"path": "timezone", "old": "Europe/Copenhagen", "new": "UTC"}]},
    {"action": "create", "kind": "project", "key": "new", "fields": []},
    {"action": "delete", "kind": "project", "key": "gone", "fields": []},
    {"action": "forget", "kind": "project", "key": "kept", "fields": []},
]}


def test_changed_projects_are_the_created_and_edited_ones():
    assert changed_projects(PLAN) == {"consult": "update", "new": "create"}


def test_before_undoes_every_change_and_leaves_out_what_the_plan_creates():
    before = before_plan(state(JONES, ROOM, ROOM_CAL, CONSULT, NEW), PLAN)
    assert sorted(before.objects) == [("project", "consult"), ("resource", "jones")]
    consult = before.get("project", "consult")
    assert consult.fields == {"name": "Consultation", "ui": {"display_name": "Book", "localization": {},
                                                             "show_credits": True},
                              "availability": {"length": "30 minutes"}}
    assert consult.refs == {"resources": ["jones"]}  # room is new; the unmanaged member is not in the config
    assert before.get("resource", "jones").fields == {"name": "Dr. Jones", "timezone": "Europe/Copenhagen"}


def test_the_config_itself_is_not_changed():
    desired = state(JONES, ROOM, ROOM_CAL, CONSULT, NEW)
    before_plan(desired, PLAN)
    assert desired.get("project", "consult") == CONSULT and len(desired) == 5
