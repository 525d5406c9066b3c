"""`tkctl state pull` and `tkctl state push` on both backends, --lock-timeout's argument, and
moving a state between backends with the commands docs/state-backends.md gives."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import ROOT, read_state, says_no_changes, write_config
from tests.e2e.test_plan_apply import CALENDARS, PROJECTS, RESOURCES


@pytest.fixture
def cfg(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", copy.deepcopy(RESOURCES), copy.deepcopy(CALENDARS), copy.deepcopy(PROJECTS))
    assert tk("apply", cfg, "--auto-approve").code == 0
    return cfg


def test_pull_prints_the_state(tk, cfg):
    r = tk("state", "pull", cfg)
    assert (r.code, r.err) == (0, "")
    assert r.out == (cfg / "state.json").read_text()
    assert json.loads(r.out)["serial"] == read_state(cfg)["serial"]


def test_pull_of_no_state_is_an_error(tk, tmp_path):
    cfg = write_config(tmp_path / "cfg", copy.deepcopy(RESOURCES))
    r = tk("state", "pull", cfg)
    assert (r.code, r.out, r.err) == (1, "", f"error: there is no state at {cfg / 'state.json'} yet: no apply or "
                                               "refresh has saved one there\n")


def test_push_takes_only_a_newer_copy_of_the_same_state(tk, cfg, tmp_path):
    path = cfg / "state.json"
    current = read_state(cfg)
    copy_file = tmp_path / "copy.json"
    copy_file.write_text(tk("state", "pull", cfg).out)

    r = tk("state", "push", copy_file, cfg)  # the same serial: not newer
    assert (r.code, r.err) == (1, (
        f"error: refusing to push {copy_file}: its serial {current['serial']} is not newer than the serial "
        f"{current['serial']} of the state {path}, which has been written since {copy_file} was made. Pull the state "
        "again. Use --force to replace it anyway.\n"))

    newer = {**current, "serial": current["serial"] + 1}
    del newer["objects"]["resource.room-1"]
    copy_file.write_text(json.dumps(newer))
    r = tk("state", "push", copy_file, cfg)
    assert (r.code, r.out) == (0, f"Pushed {copy_file} to {path}: lineage {current['lineage']}, "
                                  f"serial {current['serial'] + 1}, 5 objects.\n")
    assert read_state(cfg)["objects"] == newer["objects"]
    assert not (cfg / "state.json.lock").exists()

    other = {**newer, "lineage": "0f8e5a0c-7d3c-4e5b-9a53-2f2c1b9e4d11", "serial": 1}
    copy_file.write_text(json.dumps(other))
    r = tk("state", "push", copy_file, cfg)
    assert (r.code, r.err) == (1, (
        f"error: refusing to push {copy_file}: its lineage {other['lineage']} is not the lineage "
        f"{current['lineage']} of the state {path}, so it is the state of another account or setup. Use --force to "
        "replace it anyway.\n"))
    r = tk("state", "push", copy_file, cfg, "--force")
    assert r.code == 0, r.text
    forced = read_state(cfg)
    # Replaced, and its serial raised past the one it replaced, so plans saved before go stale.
    assert (forced["lineage"], forced["serial"]) == (other["lineage"], current["serial"] + 2)
    # The room forgotten by the push is adopted again by its tag.
    plan = json.loads(tk("plan", cfg, "--format", "json").out)
    assert [(c["action"], c["key"]) for c in plan["changes"]] == [("adopt", "room-1")]


def test_push_reads_standard_input_and_refuses_what_is_not_a_state(tk, cfg, tmp_path):
    text = tk("state", "pull", cfg).out
    newer = json.loads(text)
    newer["serial"] += 1
    p = tk.subprocess("state", "push", "-", cfg, input=json.dumps(newer))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"Pushed - to {cfg / 'state.json'}: lineage ")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format_version": 2,')
    r = tk("state", "push", bad, cfg)
    assert (r.code, r.err) == (1, f"error: the state file {bad} is not valid JSON: Expecting property name enclosed "
                                  "in double quotes at line 1, column 22\n")
    r = tk("state", "push", tmp_path / "missing.json", cfg)
    assert r.code == 64 and "does not exist" in r.err
    assert read_state(cfg)["serial"] == newer["serial"]


def test_push_takes_the_lock(tk, cfg, tmp_path):
    from tkctl.state.lock import StateLock

    newer = read_state(cfg)
    newer["serial"] += 1
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    with StateLock(cfg / "state.json", "apply"):
        r = tk("state", "push", tmp_path / "newer.json", cfg)
    assert r.code == 1 and f"error: the state file {cfg / 'state.json'} is locked by " in r.err
    assert read_state(cfg)["serial"] == newer["serial"] - 1


@pytest.mark.parametrize("value", ["5 minutes", "m", "-1s", "1x"])
def test_a_bad_lock_timeout_is_a_usage_error(tk, cfg, value):
    r = tk("apply", cfg, "--auto-approve", "--lock-timeout", value)
    assert r.code == 64
    assert f"Invalid value for '--lock-timeout': {value!r} is not a duration: write it like 30s, 5m, 1h30m, or 0" in r.err


def doc_commands() -> list[str]:
    text = (ROOT / "docs" / "state-backends.md").read_text()
    section = text[text.index("To move a state to another backend"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_moving_a_state_between_backends_as_documented(tk, s3, tmp_path):
    """Local to S3, then S3 back to another local file, with the documented commands in a shell."""
    pull, push, plan = doc_commands()
    assert (pull.split()[1:3], push.split()[1:3], plan.split()[1]) == (["state", "pull"], ["state", "push"], "plan")
    config = write_config(tmp_path / "config", copy.deepcopy(RESOURCES), copy.deepcopy(CALENDARS),
                          copy.deepcopy(PROJECTS))
    assert tk("apply", config, "--auto-approve").code == 0
    local = json.loads((config / "state.json").read_text())
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           "NO_COLOR": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run(command: str) -> subprocess.CompletedProcess:
        r = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (command, r.stderr)
        return r

    def point_state_at(state) -> None:
        (config / "tkctl.yaml").write_text(yaml.safe_dump({"state": state}))

    run(pull)
    point_state_at(s3.state_setting("clinic/state.json"))
    run(push)
    assert run(plan).stdout.rstrip().endswith("No changes. The live account matches the configuration.")
    moved = json.loads(s3.get("clinic/state.json"))
    assert moved == local  # the same lineage, serial and objects
    # And back, to another local file.
    run(pull)
    point_state_at({"backend": "local", "path": "moved-back.json"})
    run(push)
    assert says_no_changes(tk("plan", config))
    assert json.loads((config / "moved-back.json").read_text()) == local
