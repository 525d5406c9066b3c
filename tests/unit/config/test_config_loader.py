"""What load_config produces: the DesiredState the diff consumes, and which files it reads."""

from __future__ import annotations

import json

import pytest

from tkctl.config import load_config
from tkctl.config.loader import object_files
from tkctl.errors import ConfigError, Location

CONFIG = {
    "resources.yaml": """\
        resources:
          dr-jones:
            name: Dr Jones
            timezone: Europe/Copenhagen
            email: jones@clinic.example
            tags: [gp]
            meta: {staff_id: "12"}
            availability_constraints:
              - allow_hours: {start: 9, end: "17:00"}
              - allow_day: {day: monday}
              - block_period: {start: 2024-05-01, end: 2024-05-06}
          room-1: {name: Room 1, timezone: UTC}
        """,
    "calendars.yaml": """\
        calendars:
          jones-extra:
            resource: dr-jones
            name: Extra
            description: More time
            foregroundcolor: "#ffffff"
            backgroundcolor: null
            primary: true
        """,
    "projects/consult.yaml": """\
        projects:
          consult:
            name: Consult
            resources: [dr-jones, room-1]
            availability: {mode: mutual, length: 30 minutes}
            booking: {graph: instant, any_bookings_parameter: kept}
            ui_file: widgets/consult.json
          walk-in:
            name: Walk-in
            ui: {display_name: Walk in}
        """,
    "projects/widgets/consult.json": '{"display_name": "Consult", "localization": {"submit_button": "Book"}}',
    "empty.yaml": "# nothing here yet\n",
}


def test_desired_state_holds_fields_refs_and_locations(make_config):
    settings, desired = load_config(make_config(CONFIG), environ={})
    assert [o.address for o in desired] == [
        "resource.dr-jones", "resource.room-1", "calendar.jones-extra", "project.consult", "project.walk-in",
    ]
    jones = desired.get("resource", "dr-jones")
    assert jones.fields == {
        "name": "Dr Jones",
        "timezone": "Europe/Copenhagen",
        "email": "jones@clinic.example",
        "tags": ["gp"],
        "meta": {"staff_id": "12"},
        # values exactly as written: no normalisation of 9 vs "17:00", "monday", or dates
        "availability_constraints": [
            {"allow_hours": {"start": 9, "end": "17:00"}},
            {"allow_day": {"day": "monday"}},
            {"block_period": {"start": "2024-05-01", "end": "2024-05-06"}},
        ],
    }
    assert jones.refs == {}
    assert jones.location == Location("cfg/resources.yaml", 2, 3)
    assert jones.field_locations["timezone"] == Location("cfg/resources.yaml", 4, 5)
    assert set(jones.field_locations) == set(jones.fields)

    calendar = desired.get("calendar", "jones-extra")
    assert calendar.fields == {
        "name": "Extra", "description": "More time", "foregroundcolor": "#ffffff", "backgroundcolor": None, "primary": True,
    }
    assert calendar.refs == {"resource": "dr-jones"}

    consult = desired.get("project", "consult")
    assert consult.fields == {
        "name": "Consult",
        "availability": {"mode": "mutual", "length": "30 minutes"},
        "booking": {"graph": "instant", "any_bookings_parameter": "kept"},
        "ui": {"display_name": "Consult", "localization": {"submit_button": "Book"}},
    }
    assert consult.refs == {"resources": ["dr-jones", "room-1"]}
    assert consult.field_locations["ui"] == Location("cfg/projects/consult.yaml", 7, 5)  # where ui_file is
    walk_in = desired.get("project", "walk-in")
    assert walk_in.refs == {}  # no `resources` written: membership is not managed
    assert walk_in.fields == {"name": "Walk-in", "ui": {"display_name": "Walk in"}}


def test_object_files_are_found_recursively_skipping_hidden_and_settings(make_config):
    root = make_config(
        {
            "tkctl.yaml": "state: s.json\n",
            "a.yaml": "", "b.yml": "", "c.json": "{}", "notes.txt": "",
            "deep/er/d.yaml": "", "deep/tkctl.yaml": "",
            ".hidden.yaml": "", ".tkctl/state.yaml": "", "x/.y/z.yaml": "",
        }
    )
    assert [p.relative_to(root).as_posix() for p in object_files(root)] == [
        "a.yaml", "b.yml", "deep/er/d.yaml", "deep/tkctl.yaml",
    ]


def test_empty_object_files_make_an_empty_desired_state(make_config):
    _, desired = load_config(make_config({"a.yaml": "", "b.yaml": "resources: {}\n"}), environ={})
    assert len(desired) == 0


@pytest.mark.parametrize(
    "files, target, expected",
    [
        ({}, "missing", "missing: config directory does not exist"),
        ({"file.yaml": ""}, "cfg/file.yaml", "cfg/file.yaml: is not a directory; give the config directory"),
        ({"tkctl.yaml": "", "notes.txt": ""}, "cfg", "cfg: no object files: add a .yaml file with resources, calendars "
         "or projects (every *.yaml / *.yml below the directory except tkctl.yaml)"),
    ],
    ids=["missing", "file", "no-object-files"],
)
def test_unusable_directories(make_config, files, target, expected):
    make_config(files)
    with pytest.raises(ConfigError) as caught:
        load_config(target, environ={})
    assert [str(p) for p in caught.value.problems] == [expected]


def test_paths_outside_the_working_directory_are_absolute(make_config, tmp_path, monkeypatch):
    root = make_config({"a.yaml": "resorces: {}\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(ConfigError) as caught:
        load_config(root, environ={})
    assert str(caught.value.problems[0]).startswith(f"{root}/a.yaml, line 1, column 1: ")


def test_ui_file_is_read_once_per_file_and_copied_per_project(make_config):
    widget = {"display_name": "Shared"}
    root = make_config(
        {
            "p.yaml": "projects:\n  a: {name: A, ui_file: w.json}\n  b: {name: B, ui_file: ./w.json}\n",
            "w.json": json.dumps(widget),
        }
    )
    _, desired = load_config(root, environ={})
    a, b = desired.get("project", "a").fields["ui"], desired.get("project", "b").fields["ui"]
    assert a == b == widget
    assert a is not b  # a later edit of one project's ui must not leak into the other


def test_big_config_loads(tmp_path, monkeypatch):
    """1,000 resources, 2,000 calendars, 100 projects with widget configs (about 1.9 MB).
    How fast is measured by benchmarks/, not here: a test must not depend on machine speed."""
    from bigconfig import write_big_config

    monkeypatch.chdir(tmp_path)
    write_big_config(tmp_path)
    _, desired = load_config(tmp_path, environ={})
    assert (len(desired.of_kind("resource")), len(desired.of_kind("calendar")), len(desired.of_kind("project"))) == (
        1000, 2000, 100,
    )
    assert desired.get("project", "p-007").refs["resources"][0] == "r-0070"
