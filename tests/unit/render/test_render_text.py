"""The text plan: exact output for a table of plans, with and without colour."""

from __future__ import annotations

import io

import pytest

from tests.unit.render.plans import URL, change, plan
from tkctl.render import RENDERERS, render_text
from tkctl.render.text import TEXT_VALUE_LIMIT







BRIEF_PLAN = plan(
    change("create", "resource", "dr-jones",
           [("name", None, "Dr. Jones"),
            ("availability_constraints", None, [{"allow_hours": {"start": "09:00", "end": "17:00"}}])],
           source="examples/clinic/resources.yaml:3"),
    change("update", "project", "consult",
           [("ui.localization.submit_button", "Book it", "Book now"),
            ("resources", ["dr-jones"], ["dr-jones", "dr-smith"])], id="3f1c"),
    change("update", "resource", "room-1", [("timezone", "Europe/Paris", "Europe/Berlin")], id="r1", cause="drift"),
    change("adopt", "project", "physio", id="3f1c9e"),
    change("delete", "calendar", "old-cal", [("name", "Old", None)], id="c1"),
    warnings=['resource "dr-old" has 3 future bookings; deleting it cancels them'],
)

CASES = [
    pytest.param(
        BRIEF_PLAN,
        f"""tkctl will perform the following actions on {URL}:

Changes in the configuration:
  + resource.dr-jones (create)
      name: "Dr. Jones"
      availability_constraints: [{{"allow_hours": {{"start": "09:00", "end": "17:00"}}}}]
  ~ project.consult (update)
      ui.localization.submit_button: "Book it" -> "Book now"
      resources: ["dr-jones"] -> ["dr-jones", "dr-smith"]
  = project.physio (adopt existing object 3f1c9e)
  - calendar.old-cal (delete)

Changed outside tkctl (apply sets these back to the configuration):
  ~ resource.room-1 (update)
      timezone: "Europe/Paris" -> "Europe/Berlin"

Warning: resource "dr-old" has 3 future bookings; deleting it cancels them

Plan: 1 to create, 2 to update, 1 to delete, 1 to adopt.
""",
        id="every-action",
    ),
    pytest.param(
        plan(change("create", "calendar", "c", [("name", None, "C")])),
        f"""tkctl will perform the following actions on {URL}:

  + calendar.c (create)
      name: "C"

Plan: 1 to create, 0 to update, 0 to delete.
""",
        id="one-create-no-adopt-part",
    ),
    pytest.param(
        plan(
            change("delete", "resource", "a", [("name", "A", None)]),
            change("delete", "resource", "b"),
            emulator=True,
        ),
        f"""tkctl will perform the following actions on the emulator at {URL}:

  - resource.a (delete)
  - resource.b (delete)

Plan: 0 to create, 0 to update, 2 to delete.
""",
        id="deletes-on-emulator",
    ),
    pytest.param(
        plan(
            change("adopt", "resource", "r", [("email", None, "r@example.com"), ("meta.team", "x", None)], id="abc"),
            change("create", "resource", "gone", [("name", None, "Gone")], cause="drift"),
        ),
        f"""tkctl will perform the following actions on {URL}:

Changes in the configuration:
  = resource.r (adopt existing object abc)
      email: (absent) -> "r@example.com"
      meta.team: "x" -> (absent)

Changed outside tkctl (apply sets these back to the configuration):
  + resource.gone (create: deleted outside tkctl)
      name: "Gone"

Plan: 1 to create, 0 to update, 0 to delete, 1 to adopt.
""",
        id="adopt-with-fields-and-drift-create",
    ),
    pytest.param(
        plan(change("update", "project", "p", [
            ("slug", 9, "9"),
            ("meta.note", "a | b\nc", "<b>&\u00e9</b>"),
            ("meta.evil", "\x1b[31mred\x1b[0m", "\u202eabc"),
            ("mode", True, False),
        ])),
        f"""tkctl will perform the following actions on {URL}:

  ~ project.p (update)
      slug: 9 -> "9"
      meta.note: "a | b\\nc" -> "<b>&\u00e9</b>"
      meta.evil: "\\u001b[31mred\\u001b[0m" -> "\\u202eabc"
      mode: true -> false

Plan: 0 to create, 1 to update, 0 to delete.
""",
        id="values-are-json-and-controls-escaped",
    ),
    pytest.param(
        plan(change("update", "resource", "a", [("name", "Admin", "Mine"), ("tags", ["x"], ["y"]),
                                                ("timezone", "UTC", "Europe/Oslo")], id="r1", cause="both"),
             checksum="sha256:abc"),
        f"""tkctl will perform the following actions on {URL}:

Changes in the configuration:
  ~ resource.a (update)
      name: "Admin" -> "Mine"
      tags: ["x"] -> ["y"]  (also changed outside tkctl)

Changed outside tkctl (apply sets these back to the configuration):
  ~ resource.a (update)
      tags: ["x"] -> ["y"]  (also changed in the configuration)
      timezone: "UTC" -> "Europe/Oslo"

Plan checksum: sha256:abc
Plan: 0 to create, 1 to update, 0 to delete.
""",
        id="one-object-changed-in-both-places-field-by-field",
    ),
    pytest.param(
        plan(change("update", "resource", "a", [("email", "a@x.io", "b@x.io")], id="r1"),
             problems=['resource "a": e-mail cannot change'], checksum="sha256:abc"),
        f"""tkctl will perform the following actions on {URL}:

  ~ resource.a (update)
      email: "a@x.io" -> "b@x.io"

This plan cannot be applied:
  - resource "a": e-mail cannot change

Plan checksum: sha256:abc
Plan: 0 to create, 1 to update, 0 to delete.
""",
        id="problems-are-shown-before-the-verdict",
    ),
    pytest.param(plan(), "No changes. The live account matches the configuration.\n", id="no-changes"),
    pytest.param(plan(checksum="sha256:0f"), "Plan checksum: sha256:0f\nNo changes. The live account matches the configuration.\n",
                 id="no-changes-with-checksum"),
    pytest.param(
        {**plan(change("update", "resource", "a", [("name", "Admin", "Mine")], id="r1", cause="drift")), "report": "drift"},
        f"""Changed outside tkctl on {URL}:
  ~ resource.a (update)
      name: "Admin" -> "Mine"

Drift: 1 object changed outside tkctl.
""",
        id="drift-report",
    ),
    pytest.param({**plan(), "report": "drift"}, "No drift. The live account matches what tkctl last applied.\n",
                 id="no-drift"),
    pytest.param(
        plan(warnings=["w1", "w2"]),
        "Warning: w1\nWarning: w2\n\nNo changes. The live account matches the configuration.\n",
        id="no-changes-with-warnings",
    ),
]


@pytest.mark.parametrize("data, expected", CASES)
def test_text_plan_is_exactly(data: dict, expected: str) -> None:
    out = io.StringIO()
    render_text(data, out)
    assert out.getvalue() == expected
    assert "\x1b" not in out.getvalue()


def test_colour_marks_symbols_warnings_and_summary() -> None:
    out = io.StringIO()
    render_text(BRIEF_PLAN, out, color=True)
    lines = out.getvalue().splitlines()
    assert lines[3] == "  \x1b[32m\x1b[1m+\x1b[0m resource.dr-jones (create)"
    assert lines[6] == "  \x1b[33m\x1b[1m~\x1b[0m project.consult (update)"
    assert lines[9] == "  \x1b[36m\x1b[1m=\x1b[0m project.physio (adopt existing object 3f1c9e)"
    assert lines[10] == "  \x1b[31m\x1b[1m-\x1b[0m calendar.old-cal (delete)"
    assert lines[13] == "  \x1b[33m\x1b[1m~\x1b[0m resource.room-1 (update)"
    assert lines[16] == "\x1b[33m\x1b[1mWarning:\x1b[0m resource \"dr-old\" has 3 future bookings; deleting it cancels them"
    assert lines[18] == "\x1b[1mPlan: 1 to create, 2 to update, 1 to delete, 1 to adopt.\x1b[0m"


def test_colour_changes_nothing_but_escape_codes() -> None:
    import re

    plain, coloured = io.StringIO(), io.StringIO()
    render_text(BRIEF_PLAN, plain)
    render_text(BRIEF_PLAN, coloured, color=True)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()) == plain.getvalue()


L = TEXT_VALUE_LIMIT


@pytest.mark.parametrize(
    "value, expected",
    [
        ("x" * (L - 2), '"' + "x" * (L - 2) + '"'),  # the JSON is exactly L characters
        ("x" * (L - 1), '"' + "x" * (L - 1) + f"... ({L + 1} chars)"),
    ],
    ids=["fits", "one-over"],
)
def test_long_values_are_cut_saying_how_long(value: str, expected: str) -> None:
    out = io.StringIO()
    render_text(plan(change("create", "resource", "r", [("name", None, value)])), out)
    assert out.getvalue().splitlines()[3] == f"      name: {expected}"


def test_summary_counts_the_changes_shown_not_the_summary_key() -> None:
    data = plan(change("create", "resource", "r"))
    data["summary"] = {"create": 5, "update": 5, "delete": 5, "adopt": 5, "no_change": 0}
    out = io.StringIO()
    render_text(data, out)
    assert out.getvalue().splitlines()[-1] == "Plan: 1 to create, 0 to update, 0 to delete."


def test_registry_names_the_four_formats() -> None:
    assert sorted(RENDERERS) == ["html", "json", "markdown", "text"]
    assert RENDERERS["text"] is render_text


HOURS = {"allow_hours": {"start": "09:00", "end": "17:00"}}
EARLY = {"allow_hours": {"start": "08:00", "end": "17:00"}}
OTHERS = [{"allow_weekdays": {}}, {"block_day": {"day": "Wednesday"}},
          {"block_period": {"start": "2025-12-22", "end": "2026-01-05"}}]


@pytest.mark.parametrize(
    "old, new, expected",
    [
        # a long list that changed: the items that left and came, not two identical cut-offs
        ([HOURS, *OTHERS], [EARLY, *OTHERS],
         ['      availability_constraints:',
          '        - {"allow_hours": {"start": "09:00", "end": "17:00"}}',
          '        + {"allow_hours": {"start": "08:00", "end": "17:00"}}',
          '          (3 items unchanged)']),
        ([HOURS, *OTHERS], OTHERS,
         ['      availability_constraints:',
          '        - {"allow_hours": {"start": "09:00", "end": "17:00"}}',
          '          (3 items unchanged)']),
        # short lists stay on one line
        ([HOURS], [EARLY],
         ['      availability_constraints: [{"allow_hours": {"start": "09:00", "end": "17:00"}}] -> '
          '[{"allow_hours": {"start": "08:00", "end": "17:00"}}]']),
    ],
)
def test_long_changed_lists_show_items_removed_and_added(old, new, expected):
    out = io.StringIO()
    render_text(plan(change("update", "resource", "dr-patel", [("availability_constraints", old, new)])), out)
    lines = out.getvalue().splitlines()
    start = lines.index("  ~ resource.dr-patel (update)") + 1
    assert lines[start:start + len(expected)] == expected
    assert lines[start + len(expected)] == ""
