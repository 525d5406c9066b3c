"""One config for staging and production: environments, variables, and their safety settings
(real CLI; the accounts are emulators running as real servers)."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from tests.e2e.conftest import ROOT, api_items
from tkctl.emulator.testing import running_emulator

EXAMPLE = ROOT / "examples" / "clinic-environments"


@pytest.fixture
def accounts(tk, monkeypatch):
    """Two accounts: staging is the session emulator, production a second emulator."""
    with running_emulator(rate_limit=0) as production:
        monkeypatch.setenv("TIMEKIT_STAGING_TOKEN", tk.emulator.token)
        monkeypatch.setenv("TIMEKIT_PRODUCTION_TOKEN", production.token)
        monkeypatch.delenv("TIMEKIT_API_URL")
        yield {"staging": tk.emulator, "production": production}


api = api_items


def setup_example(tmp_path, accounts) -> object:
    cfg = tmp_path / "clinic"
    shutil.copytree(EXAMPLE, cfg, ignore=shutil.ignore_patterns(".tkctl"))
    tkctl_yaml = cfg / "tkctl.yaml"
    text = tkctl_yaml.read_text()
    for name, emulator in accounts.items():  # each environment's API URL: its own emulator
        text = text.replace(f"  {name}:\n", f"  {name}:\n    api_url: {emulator.base_url}\n", 1)
    tkctl_yaml.write_text(text)
    return cfg


def test_each_environment_gets_its_own_values_objects_and_state(tk, tmp_path, accounts):
    cfg = setup_example(tmp_path, accounts)
    for env in ("staging", "production"):
        r = tk("apply", cfg, "--env", env, "--auto-approve")
        assert r.code == 0, r.text
    staging, production = accounts["staging"], accounts["production"]
    emails = {env: sorted(x["email"] or "" for x in api(acc, "/resources")) for env, acc in accounts.items()}
    assert emails == {"staging": ["", "anna.jones@staging.northside-clinic.example",
                                  "ben.smith@staging.northside-clinic.example"],
                      "production": ["anna.jones@northside-clinic.example", "ben.smith@northside-clinic.example"]}
    assert sorted(p["slug"] for p in api(staging, "/projects")) == ["consultation", "video-consultation"]
    assert [p["slug"] for p in api(production, "/projects")] == ["consultation"]
    widget = {env: next(p for p in api(acc, "/projects") if p["slug"] == "consultation")["ui"]
              for env, acc in accounts.items()}
    assert widget["staging"]["display_name"] == "[STAGING] Northside Clinic: book a GP consultation"
    assert widget["staging"]["show_credits"] is True and widget["production"]["show_credits"] is False  # typed
    assert widget["production"]["avatar"] == "https://northside-clinic.example/img/logo.png"
    colours = {env: {c["backgroundcolor"] for c in api(acc, "/calendars") if c["name"] == "Clinic"}
               for env, acc in accounts.items()}
    assert colours == {"staging": {"#d98e04"}, "production": {"#1d6fb8"}}
    length = next(p for p in api(production, "/projects") if p["slug"] == "consultation")["availability"]["length"]
    assert length == "20 minutes"  # a number variable inside a string
    assert (cfg / ".tkctl" / "staging" / "state.json").exists()
    assert (cfg / ".tkctl" / "production" / "state.json").exists()
    for env in ("staging", "production"):
        r = tk("plan", cfg, "--env", env, "--detailed-exitcode")
        assert r.code == 0, r.text


def test_tkctl_env_selects_an_environment(tk, tmp_path, accounts, monkeypatch):
    cfg = setup_example(tmp_path, accounts)
    monkeypatch.setenv("TKCTL_ENV", "production")
    r = tk("plan", cfg, "--format", "json")
    assert r.code == 0, r.text
    data = json.loads(r.out)
    assert data["target"]["environment"] == "production" and data["summary"]["create"] == 5
    assert tk("plan", cfg, "--format", "markdown").out.splitlines()[0].endswith(" env=production -->")


def test_with_environments_declared_a_command_names_them(tk, tmp_path, accounts):
    cfg = setup_example(tmp_path, accounts)
    r = tk("plan", cfg)
    assert r.code == 1
    assert ("tkctl.yaml: environments: tkctl.yaml declares environments (production, staging): choose one with "
            "--env NAME or TKCTL_ENV") in r.err
    r = tk("plan", cfg, "--env", "prodution")
    assert r.code == 1
    assert 'no environment "prodution" in tkctl.yaml (environments: production, staging); did you mean "production"?' in r.err


def test_markdown_marker_names_the_environment(tk, tmp_path, accounts):
    cfg = setup_example(tmp_path, accounts)
    first = tk("plan", cfg, "--env", "staging", "--format", "markdown").out.splitlines()[0]
    assert first.startswith("<!-- tkctl:plan dir=") and first.endswith(" env=staging -->")


def test_environment_safety_settings(tk, tmp_path, accounts):
    """staging allows deletes; production protects every resource and project."""
    cfg = setup_example(tmp_path, accounts)
    for env in ("staging", "production"):
        assert tk("apply", cfg, "--env", env, "--auto-approve").code == 0
    resources = (cfg / "resources.yaml").read_text()
    (cfg / "resources.yaml").write_text(resources.replace("  dr-smith:", "  dr-smith:\n    environments: [nowhere]"))
    # dr-smith still named by the project and calendars: take it out of those too
    (cfg / "projects.yaml").write_text((cfg / "projects.yaml").read_text().replace(
        "resources: [dr-jones, dr-smith]", "resources: [dr-jones]"))
    calendars = (cfg / "calendars.yaml").read_text()
    (cfg / "calendars.yaml").write_text(calendars[:calendars.index("  dr-smith-clinic:")])
    r = tk("plan", cfg, "--env", "staging")
    assert r.code == 1 and 'no environment "nowhere" in tkctl.yaml (environments: production, staging)' in r.err
    (cfg / "resources.yaml").write_text(resources.replace("  dr-smith:", "  dr-smith:\n    environments: [staging]"))
    r = tk("apply", cfg, "--env", "staging", "--auto-approve")  # staging: allow_deletes, nothing removed there
    assert r.code == 0, r.text
    r = tk("apply", cfg, "--env", "production", "--auto-approve", "--allow-deletes", "--force")
    assert r.code == 1
    assert "resource.dr-smith is protected and would be deleted" in r.err
    assert len(api(accounts["production"], "/resources")) == 2
    (cfg / "resources.yaml").write_text(resources)  # and in staging, a delete needs no flag
    (cfg / "calendars.yaml").write_text(calendars)
    (cfg / "projects.yaml").write_text((cfg / "projects.yaml").read_text().replace(
        "resources: [dr-jones]", "resources: [dr-jones, dr-smith]"))
    projects = (cfg / "projects.yaml").read_text()
    (cfg / "projects.yaml").write_text(projects[:projects.index("  video-consultation:")])
    r = tk("apply", cfg, "--env", "staging", "--auto-approve")
    assert r.code == 0 and "1 deleted" in r.out, r.text


VARIABLES = textwrap.dedent("""\
    variables:
      name: Room
      number: 7
      flag: true
      tags: [a, b]
      meta: {floor: 2}
    """)


def test_variables_of_every_type(tk, tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "tkctl.yaml").write_text("state: state.json\n" + VARIABLES)
    (cfg / "w.json").write_text('{"display_name": "${var.name} ${var.number}", "show_credits": "${var.flag}"}')
    (cfg / "objects.yaml").write_text(textwrap.dedent("""\
        resources:
          room:
            name: ${var.name} ${var.number}
            timezone: UTC
            tags: ${var.tags}
            meta: ${var.meta}
        projects:
          p:
            name: "$${var.name} is written as is"
            resources: [room]
            ui_file: w.json
        """))
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    (room,) = tk.api("/resources")
    assert (room["name"], room["tags"], room["meta"]["floor"]) == ("Room 7", ["a", "b"], 2)
    (project,) = tk.api("/projects")
    assert project["name"] == "${var.name} is written as is"
    assert project["ui"] == {"display_name": "Room 7", "show_credits": True}


def test_unknown_variables_name_file_line_and_the_variables_defined(tk, tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "tkctl.yaml").write_text("state: state.json\n" + VARIABLES)
    (cfg / "w.json").write_text('{\n  "display_name": "${var.nmae}"\n}')
    (cfg / "objects.yaml").write_text(textwrap.dedent("""\
        resources:
          room:
            name: ${var.title}
            timezone: UTC
        projects:
          p:
            name: P
            ui_file: w.json
        """))
    r = tk("validate", cfg)
    assert r.code == 1
    defined = "defined variables: flag, meta, name, number, tags"
    assert f'cfg/objects.yaml, line 3, column 5: resource "room": name: unknown variable "title" in ${{var.title}}; {defined}' in r.err
    assert f'cfg/w.json, line 2, column 3: project "p": ui.display_name: unknown variable "nmae" in ${{var.nmae}}; {defined}' in r.err


def test_the_schema_applies_after_substitution(tk, tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "tkctl.yaml").write_text("variables: {zone: Mars/Olympus, count: 7}\n")
    (cfg / "objects.yaml").write_text("resources:\n  room:\n    name: ${var.count}\n    timezone: ${var.zone}\n")
    r = tk("validate", cfg)
    assert r.code == 1
    assert 'resource "room": name: must be a string, not the integer 7' in r.err
    assert 'resource "room": timezone: "Mars/Olympus" is not an IANA time zone' in r.err
