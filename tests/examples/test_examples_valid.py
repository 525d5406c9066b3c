"""The shipped examples are valid, realistic, and usable by an editor through their modelines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from tkctl.config import load_config, load_config_with_warnings
from tkctl.config.loader import object_files
from tkctl.config.settings import declared_environments, read_settings
from tkctl.config.variables import substitute

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CLINIC = EXAMPLES / "clinic"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
CONFIG_DIRS = sorted(p.parent for p in EXAMPLES.rglob("tkctl.yaml"))
YAML_FILES = sorted(p for d in CONFIG_DIRS for p in [d / "tkctl.yaml", *object_files(d)])


def test_there_are_examples():
    assert CLINIC in CONFIG_DIRS


# Warnings an example is known to have, as (object, field). Examples should have none, except
# the deliberately broken one: its nurse-berg combines allow_weekdays with allow_hours, which
# Timekit adds up to "every weekday around the clock" (issue 14), and its tests show that.
KNOWN_WARNINGS = {
    "clinic-broken-hours": [
        ('resource "nurse-berg"', "availability_constraints[0]"),
    ],
}


def environments_of(config_dir: Path) -> list[str | None]:
    names, problems = declared_environments(config_dir)
    assert problems == []
    return names or [None]


@pytest.mark.parametrize("config_dir", CONFIG_DIRS, ids=lambda p: p.name)
def test_example_loads_without_problems(config_dir):
    for env in environments_of(config_dir):  # each environment of an example is checked
        settings, desired, warnings = load_config_with_warnings(config_dir, environ={}, env=env)
        assert len(desired) > 0
        assert settings.api_url == "https://api.timekit.io/v2"  # no api_url in the file: env / --emulator decide
        assert [(w.obj, w.field) for w in warnings] == KNOWN_WARNINGS.get(config_dir.name, [])
        assert all("allow_weekdays and allow_hours add up" in w.message for w in warnings)


def test_clinic_content():
    _, desired = load_config(CLINIC, environ={})
    resources = desired.of_kind("resource")
    rooms = [r for r in resources if "room" in r.fields.get("tags", [])]
    assert len(rooms) == 2 and 4 <= len(resources) - len(rooms) <= 6
    assert len({r.fields["timezone"] for r in resources}) >= 2
    kinds = {next(iter(c)) for r in resources for c in r.fields.get("availability_constraints", [])}
    assert {"allow_hours", "block_hours", "block_period"} <= kinds  # working hours, lunch break, vacation
    calendars = desired.of_kind("calendar")
    assert {c.refs["resource"] for c in calendars} >= {r.key for r in resources if r not in rooms} - {"nurse-berg"}
    projects = {p.key: p for p in desired.of_kind("project")}
    assert 2 <= len(projects) <= 3
    modes = {p.fields["availability"]["mode"] for p in projects.values()}
    assert any(m.startswith("roundrobin") for m in modes) and "mutual" in modes
    assert "confirm_decline" in {p.fields["booking"]["graph"] for p in projects.values()}
    for project in projects.values():
        assert project.fields["customer_fields"] and project.fields["reminders"] and project.fields["ui"]
        assert project.refs["resources"]


def test_clinic_uses_ui_file_and_inline_ui():
    text = (CLINIC / "projects.yaml").read_text()
    assert "ui_file: widgets/" in text and "\n    ui:\n" in text
    _, desired = load_config(CLINIC, environ={})
    consult = desired.get("project", "consultation")
    assert consult.fields["ui"] == json.loads((CLINIC / "widgets/consultation.json").read_text())


# booking.js widget keys (timekit-api.md §10.5; the real configs in the shared realdata use
# only these). Unknown `ui` keys are harmless to the API but would make the example misleading.
UI_KEYS = {
    "display_name", "avatar", "availability_view", "show_credits", "show_timezone_helper", "time_date_format",
    "timezone", "booking_date_format", "booking_time_format", "localization",
}
LOCALIZATION_KEYS = {
    "submit_button", "success_message", "allocated_resource_prefix", "reschedule_submit_button",
    "reschedule_success_message",
}


def test_widgets_use_real_widget_keys():
    _, desired = load_config(CLINIC, environ={})
    for project in desired.of_kind("project"):
        ui = project.fields["ui"]
        assert set(ui) <= UI_KEYS, project.key
        assert set(ui.get("localization", {})) <= LOCALIZATION_KEYS, project.key


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_modeline_resolves_and_the_schema_accepts_the_file(path):
    """What an editor does: follow the modeline, validate the file against that schema."""
    match = MODELINE.match(path.read_text().splitlines()[0])
    assert match, f"{path} must start with a yaml-language-server modeline"
    schema_path = (path.parent / match.group(1)).resolve()
    assert schema_path.is_file()
    schema = json.loads(schema_path.read_text())
    Draft202012Validator.check_schema(schema)
    expected = "tkctl.schema.json" if path.name == "tkctl.yaml" else "config.schema.json"
    assert schema_path.name == expected
    data = yaml.safe_load(path.read_text())
    # Variables are substituted before the schema applies (README, "Environments and
    # variables"); check the file as each environment makes it.
    config_dir = next(d for d in CONFIG_DIRS if d in path.parents or d == path.parent)
    for env in environments_of(config_dir) if path.name != "tkctl.yaml" else [None]:
        settings, _ = read_settings(config_dir, {}, env)
        substituted, unknown = substitute(data, settings.variables)
        assert unknown == []
        errors = list(Draft202012Validator(schema).iter_errors(substituted))
        assert errors == [], env


def test_schemas_folder_is_the_package_schemas():
    assert (REPO / "schemas").resolve() == (REPO / "tkctl/config/schemas").resolve()
    for path in sorted((REPO / "schemas").glob("*.json")):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_examples_are_in_the_canonical_form(capsys):
    """What `tkctl fmt` would write: the examples are what users copy."""
    from tkctl.cli import main

    folders = [str(d) for d in CONFIG_DIRS]
    assert main(["fmt", "--check", *folders]) == 0, capsys.readouterr().err
