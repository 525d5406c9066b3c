"""`tkctl fmt`: the canonical form, comments kept, --check and --diff (the real CLI, real files)."""

from __future__ import annotations

import shutil
import textwrap

import pytest
import yaml

from tests.e2e.conftest import ROOT
from tkctl.config.yamlwrite import format_text

MESSY = textwrap.dedent("""\
    # yaml-language-server: $schema=../../schemas/config.schema.json
    # Our rooms.
    projects:
      consult:
        ui: {display_name: Consult}
        resources: [room-1]     # the only room
        name: Consultation
    resources:
      room-1:
        timezone: Europe/Copenhagen   # Copenhagen office
        tags:
        - room
        - "ground floor"
        # opening hours follow
        availability_constraints:
        - allow_hours: {start: '08:30', end: "17:00"}
        name: 'Room 1'
        meta: {floor: '2', active: "yes", opened: "2024-05-01", note: "a: b"}
    """)

CANONICAL = textwrap.dedent("""\
    # yaml-language-server: $schema=../../schemas/config.schema.json
    # Our rooms.
    resources:
      room-1:
        name: Room 1
        timezone: Europe/Copenhagen   # Copenhagen office
        tags:
          - room
          - ground floor
        # opening hours follow
        meta: {floor: "2", active: "yes", opened: "2024-05-01", note: "a: b"}
        availability_constraints:
          - allow_hours: {start: "08:30", end: "17:00"}
    projects:
      consult:
        name: Consultation
        resources: [room-1]     # the only room
        ui: {display_name: Consult}
    """)


@pytest.fixture
def cfg(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "objects.yaml").write_text(MESSY)
    (cfg / "tkctl.yaml").write_text("state: state.json\ntoken_env: MY_TOKEN  # kept\n")
    return cfg


def test_fmt_rewrites_in_the_canonical_form_keeping_comments(tk, cfg):
    r = tk("fmt", cfg)
    assert r.code == 0, r.text
    text = (cfg / "objects.yaml").read_text()
    assert text == CANONICAL
    assert yaml.safe_load(text) == yaml.safe_load(MESSY)  # the same values
    assert (cfg / "tkctl.yaml").read_text() == "token_env: MY_TOKEN  # kept\nstate: state.json\n"
    assert r.out.endswith("2 files checked, 2 rewritten.\n")
    assert tk("fmt", cfg).out == "2 files checked, 0 rewritten.\n"  # idempotent


def test_check_exits_1_listing_the_files_and_changes_nothing(tk, cfg):
    r = tk("fmt", cfg, "--check")
    assert r.code == 1
    assert r.err == f"Not formatted (run tkctl fmt):\n  {cfg / 'tkctl.yaml'}\n  {cfg / 'objects.yaml'}\n"
    assert (cfg / "objects.yaml").read_text() == MESSY
    assert tk("fmt", cfg).code == 0
    r = tk("fmt", cfg, "--check")
    assert (r.code, r.out) == (0, "2 files already formatted.\n")


def test_diff_shows_the_changes(tk, cfg):
    r = tk("fmt", cfg, "--check", "--diff")
    assert r.code == 1
    assert "-        name: Consultation\n" not in r.out  # moved, so it shows as removed and added
    assert "+    name: Consultation\n" in r.out and "-    name: Consultation\n" in r.out
    assert (cfg / "objects.yaml").read_text() == MESSY


def test_fmt_takes_single_files_as_pre_commit_passes_them(tk, cfg):
    r = tk("fmt", cfg / "objects.yaml")
    assert r.code == 0 and (cfg / "objects.yaml").read_text() == CANONICAL
    assert (cfg / "tkctl.yaml").read_text().startswith("state:")  # not given, not touched


def test_invalid_yaml_is_a_clear_error_and_nothing_is_written(tk, cfg):
    (cfg / "broken.yaml").write_text("resources:\n  a: [\n")
    r = tk("fmt", cfg)
    assert r.code == 1
    assert "broken.yaml, line 3, column 1: invalid YAML:" in r.err and "Traceback" not in r.err
    assert (cfg / "broken.yaml").read_text() == "resources:\n  a: [\n"


def test_the_examples_keep_their_values_when_formatted(tmp_path):
    """fmt never changes a value: every example file reads back the same after fmt."""
    for folder in ("clinic", "clinic-environments"):
        copy = tmp_path / folder
        shutil.copytree(ROOT / "examples" / folder, copy, ignore=shutil.ignore_patterns(".tkctl"))
        for path in copy.glob("*.yaml"):
            text = path.read_text()
            formatted = format_text(text, settings=path.name == "tkctl.yaml")
            assert yaml.safe_load(formatted) == yaml.safe_load(text), path
            assert format_text(formatted, settings=path.name == "tkctl.yaml") == formatted, path


@pytest.mark.parametrize("value", ["yes", "no", "on", "12", "1.5", "2024-05-01", "09:30", "null", "~", "",
                                   " padded", "a: b", "#hash", "*star", "- dash", "tab\there", "true"])
def test_strings_that_would_read_as_something_else_are_quoted(value):
    text = yaml.safe_dump({"resources": {"r": {"name": value}}}, default_style='"')
    formatted = format_text(text)
    assert yaml.safe_load(formatted)["resources"]["r"]["name"] == value
