"""Every kind of user mistake gives a short message, exit 1, and no traceback."""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e.conftest import write_config
from tkctl.emulator.testing import running_emulator

GOOD = {"room-1": {"name": "Room 1", "timezone": "UTC", "email": "room1@clinic.example"}}


def assert_clean_error(r, *fragments):
    assert r.code == 1, r.text
    assert "Traceback" not in r.text
    for fragment in fragments:
        assert fragment in r.err, r.err


def test_missing_token(tk, tmp_path, monkeypatch):
    monkeypatch.delenv("TIMEKIT_APP_TOKEN")
    cfg = write_config(tmp_path, GOOD)
    assert_clean_error(tk("plan", cfg),
                       "error: the environment variable TIMEKIT_APP_TOKEN is not set")


def test_token_variable_named_in_settings(tk, tmp_path, monkeypatch):
    monkeypatch.delenv("TIMEKIT_APP_TOKEN")
    monkeypatch.setenv("CLINIC_TOKEN", tk.emulator.token)
    cfg = write_config(tmp_path, GOOD, settings={"state": "s.json", "token_env": "CLINIC_TOKEN"})
    assert tk("plan", cfg).code == 0


def test_wrong_token(tk, tmp_path, monkeypatch):
    monkeypatch.setenv("TIMEKIT_APP_TOKEN", "live_api_key_wrongwrongwrongwrongwrongwrong12")
    cfg = write_config(tmp_path, GOOD)
    r = tk("plan", cfg)
    assert_clean_error(r, "Timekit API error 401 on GET /", "Invalid credentials supplied",
                       "check the app token", "(request id ")
    assert "wrongwrong" not in r.text


def test_api_validation_error_quotes_the_api(tk, tmp_path):
    # An account object with the same email, tagged by another config: tkctl must not adopt it,
    # so the create is refused by the API's own email-uniqueness rule.
    tk.request("POST", "/resources", json={"name": "Other", "timezone": "UTC", "email": "room1@clinic.example",
                                           "meta": {"tkctl_key": "someone-else"}})
    cfg = write_config(tmp_path, GOOD)
    r = tk("apply", cfg, "--auto-approve")
    assert_clean_error(r, "resource.room-1: Timekit API error 422 on POST /resources: email: Email already exists",
                       "(request id ")


def test_unreachable_api(tk, tmp_path, monkeypatch):
    monkeypatch.setenv("TIMEKIT_API_URL", "http://127.0.0.1:9/v2")
    cfg = write_config(tmp_path, GOOD)
    assert_clean_error(tk("plan", cfg), "Timekit API unreachable on GET /", "cannot connect to http://127.0.0.1:9/v2")


def test_rate_limit_exhausted(tk, tmp_path, monkeypatch):
    token = "test_api_key_" + "q" * 32
    with running_emulator(tokens=[token], daily_limit=1) as emu:
        monkeypatch.setenv("TIMEKIT_API_URL", emu.base_url)
        monkeypatch.setenv("TIMEKIT_APP_TOKEN", token)
        cfg = write_config(tmp_path, GOOD)
        r = tk("plan", cfg)
    assert_clean_error(r, "Timekit API error 429", "Daily request limit reached")


def test_bad_yaml_names_file_and_line(tk, tmp_path):
    cfg = write_config(tmp_path, GOOD)
    (cfg / "broken.yaml").write_text("resources:\n  x: [unclosed\n")
    r = tk("plan", cfg)
    assert_clean_error(r, "broken.yaml, line ")


def test_unknown_field_with_hint(tk, tmp_path):
    cfg = write_config(tmp_path, {"room-1": {"name": "Room 1", "timezone": "UTC", "tagz": ["a"]}})
    assert_clean_error(tk("plan", cfg), "error: 1 problem in the config:\n",
                       'resources.yaml, line 5, column 5: resource "room-1": tagz: unknown field; did you mean "tags"?')


def test_wrong_type(tk, tmp_path):
    cfg = write_config(tmp_path, {"room-1": {"name": 7, "timezone": "UTC"}})
    assert_clean_error(tk("plan", cfg), "resources.yaml, line ", "name")


def test_dangling_reference(tk, tmp_path):
    cfg = write_config(tmp_path, GOOD, projects={"p": {"name": "P", "resources": ["room-1", "dr-who"]}})
    assert_clean_error(tk("plan", cfg), "projects.yaml, line ", 'project "p"', 'resource "dr-who"',
                       "Defined resources: room-1")


def test_usage_error_exits_64_not_2(tk, tmp_path):
    cfg = write_config(tmp_path, GOOD)
    p = tk.subprocess("plan", cfg, "--no-such-flag")
    assert p.returncode == 64 and "No such option" in p.stderr
    p = tk.subprocess("plan", cfg, "--format", "yaml")
    assert p.returncode == 64


def test_detailed_exitcode_two_means_changes(tk, tmp_path):
    cfg = write_config(tmp_path, GOOD)
    assert tk.subprocess("plan", cfg, "--detailed-exitcode").returncode == 2
    assert tk.subprocess("plan", cfg).returncode == 0


def test_state_lock_names_the_holder(tk, tmp_path):
    from tkctl.state.lock import StateLock

    cfg = write_config(tmp_path, GOOD)
    with StateLock(cfg / "state.json", "apply"):
        p = tk.subprocess("apply", cfg, "--auto-approve")
    assert p.returncode == 1 and "is locked by" in p.stderr and "Traceback" not in p.stderr
    assert tk.api("/resources") == []


def test_email_change_is_a_replacement_refused_unless_allowed(tk, tmp_path):
    cfg = write_config(tmp_path, GOOD)
    assert tk("apply", cfg, "--auto-approve").code == 0
    (old,) = tk.api("/resources")
    write_config(cfg, {"room-1": {**GOOD["room-1"], "email": "new@clinic.example"}})
    r = tk("apply", cfg, "--auto-approve")
    assert_clean_error(r, "the plan replaces 1 object; the old one's id and bookings are lost, so this needs "
                          "--allow-replace")
    assert "Apply will refuse this plan:" in r.out  # shown with the plan, not only in JSON
    assert "-/+ resource.room-1 (replace)" in r.out
    assert "Timekit cannot change a resource's e-mail address (room1@clinic.example -> new@clinic.example)" in r.out
    plan = tk("plan", cfg, "--format", "json")
    assert plan.code == 0 and [x["rule"] for x in json.loads(plan.out)["refusals"]] == ["replace"]
    assert tk.api("/resources") == [old]  # nothing changed
    r = tk("apply", cfg, "--auto-approve", "--allow-replace")
    assert r.code == 0, r.text
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 0 adopted, 1 replaced." in r.out
    (new,) = tk.api("/resources")
    assert new["email"] == "new@clinic.example" and new["id"] != old["id"]


def test_email_case_only_change_is_no_change(tk, tmp_path):
    """Timekit compares addresses without regard to case and cannot change one: a case-only
    edit used to plan an update that the API then refused with 422."""
    cfg = write_config(tmp_path, GOOD)
    assert tk("apply", cfg, "--auto-approve").code == 0
    write_config(cfg, {"room-1": {**GOOD["room-1"], "email": "Room1@Clinic.Example"}})
    r = tk("plan", cfg, "--detailed-exitcode")
    assert r.code == 0, r.text
    assert r.out.endswith("No changes. The live account matches the configuration.\n")
    assert tk("apply", cfg, "--auto-approve").code == 0


AT_UI_FILE = "projects.yaml, line 2, column 16"
HOSTILE = {  # case: (files to add, where the problem is reported, what it says)
    "deep-json": ({"w.json": "[" * 1500 + "]" * 1500}, AT_UI_FILE,
                  'ui_file: "w.json" nests values more than 50 levels deep; tkctl refuses deeper nesting'),
    "nul-in-path": ({}, AT_UI_FILE, 'ui_file: must be a file name without NUL bytes (got "w\\u0000.json")'),
    "fifo": ({}, AT_UI_FILE, 'ui_file: cannot read "w.json": a named pipe (FIFO); tkctl reads only regular files'),
    "dev-zero": ({}, AT_UI_FILE, 'ui_file: cannot read "w.json": outside the config folder (after following links)'),
    "not-finite": ({"w.json": '{"show_credits": NaN}'}, "w.json, line 1, column 2",
                   "ui.show_credits: holds NaN, not a finite number; JSON and Timekit take only finite numbers"),
    "outside": ({}, AT_UI_FILE, 'ui_file: cannot read "../../../../etc/hostname": outside the config folder'),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_hostile_widget_files_get_a_clear_error(tk, tmp_path, case, command):
    files, where, fragment = HOSTILE[case]
    name = {"nul-in-path": "w\\0.json", "outside": "../../../../etc/hostname"}.get(case, "w.json")
    cfg = write_config(tmp_path / "cfg", GOOD)
    (cfg / "projects.yaml").write_text(f'projects:\n  p: {{name: P, ui_file: "{name}"}}\n')
    for file_name, content in files.items():
        (cfg / file_name).write_text(content)
    if case == "fifo":
        os.mkfifo(cfg / "w.json")
    if case == "dev-zero":
        (cfg / "w.json").symlink_to("/dev/zero")
    r = tk(command, cfg)
    assert_clean_error(r, "error: 1 problem in the config:\n", f"{where}: project \"p\": {fragment}")
    assert "unexpected" not in r.err


def test_alias_bomb_is_refused_early(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", GOOD)
    lines = ["x0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    (cfg / "bomb.yaml").write_text("\n".join(lines) + "\nprojects: {p: {name: P, meta: {b: *a9}}}\n")
    r = tk("validate", cfg)
    assert_clean_error(r, "bomb.yaml, line ", "YAML aliases (*name) expand this file to far more values than it holds")


def test_damaged_settings_name_the_file_and_field(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", GOOD)
    (cfg / "tkctl.yaml").write_text(
        'state: "s\\0.json"\nrequests_per_minute: ' + "9" * 5000 + "\ntoken_env: [A]\nallow_files_outside_config: yes\n"
    )
    r = tk("plan", cfg)
    assert_clean_error(
        r,
        "error: 3 problems in the config:\n",
        "tkctl.yaml, line 1, column 1: state: must be a file path without control characters (such as NUL bytes)",
        "tkctl.yaml, line 2, column 22: requests_per_minute: a number of 5,000 digits is far too large for Timekit",
        "tkctl.yaml, line 3, column 1: token_env: must be a string, not a list",
    )


def test_plan_ignores_warnings_and_validate_strict_fails_on_them(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", GOOD, projects={"p": {"name": "P", "ui": {"show_credit": False}}})
    assert tk("plan", cfg).code == 0
    r = tk("validate", cfg, "--strict")
    assert r.code == 1 and 'ui.show_credit: unknown widget setting' in r.err and "Traceback" not in r.text
