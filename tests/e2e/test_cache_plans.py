"""A plan is the same whether its config came from the files or from the config cache: for
each example, the JSON plan (every change, step, id and checksum) with the cache off, on and
empty, and on and full, is one and the same; and after an apply from a cached config, the
state is the one an apply from the files writes."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.e2e.conftest import ROOT
from tkctl.config.cache import wait_for_writers

EXAMPLES = [("clinic", None), ("clinic-environments", "staging"), ("clinic-environments", "production")]


@pytest.mark.parametrize(("name", "env"), EXAMPLES, ids=[f"{n}-{e or 'default'}" for n, e in EXAMPLES])
def test_plans_from_the_files_and_from_the_cache_are_identical(tk, tmp_path, monkeypatch, name, env):
    cfg = tmp_path / name
    shutil.copytree(ROOT / "examples" / name, cfg, ignore=shutil.ignore_patterns(".tkctl"))
    for variable in ("TIMEKIT_STAGING_TOKEN", "TIMEKIT_PRODUCTION_TOKEN"):
        monkeypatch.setenv(variable, tk.emulator.token)
    monkeypatch.setenv("TKCTL_CACHE_DIR", str(tmp_path / "cache"))
    args = ["plan", cfg, "--format", "json", *(["--env", env] if env else [])]

    def plan(no_cache: bool) -> dict:
        if no_cache:
            monkeypatch.setenv("TKCTL_NO_CACHE", "1")
        else:
            monkeypatch.delenv("TKCTL_NO_CACHE", raising=False)
        result = tk(*args)
        assert result.code == 0, result.err
        return json.loads(result.out)

    from_files = plan(no_cache=True)
    assert not (tmp_path / "cache").exists()
    cold, warm = plan(no_cache=False), plan(no_cache=False)
    assert len(list((tmp_path / "cache" / "config").glob("*.pickle"))) == 1
    assert from_files == cold == warm
    assert from_files["summary"]["create"] > 0


def test_an_apply_from_a_cached_config_writes_the_state_one_from_the_files_writes(tk, tmp_path, monkeypatch):
    states = []
    for cached in (False, True):
        tk.emulator.reset()
        cfg = tmp_path / f"run-{cached}" / "clinic"
        shutil.copytree(ROOT / "examples" / "clinic", cfg, ignore=shutil.ignore_patterns(".tkctl"))
        monkeypatch.setenv("TKCTL_CACHE_DIR", str(tmp_path / f"cache-{cached}"))
        if cached:
            monkeypatch.delenv("TKCTL_NO_CACHE", raising=False)
            assert tk("plan", cfg).code == 0  # fills the cache; the apply loads from it
        else:
            monkeypatch.setenv("TKCTL_NO_CACHE", "1")
        assert tk("apply", cfg, "--auto-approve").code == 0
        state = json.loads((cfg / ".tkctl" / "state.json").read_text())  # examples/clinic/tkctl.yaml's `state`
        states.append({k: {f: v for f, v in e.items() if f != "id"} for k, e in state["objects"].items()})
    assert states[0] == states[1]
    assert len(states[0]) == 18


def test_after_an_edit_a_plan_through_the_cache_is_the_plan_from_the_files(tk, tmp_path, monkeypatch):
    """The cache holds the config before the edit; the plan reuses its unchanged objects (and
    moves them down by the lines added above) and equals the plan from the files."""
    cfg = tmp_path / "clinic"
    shutil.copytree(ROOT / "examples" / "clinic", cfg, ignore=shutil.ignore_patterns(".tkctl"))
    monkeypatch.setenv("TKCTL_CACHE_DIR", str(tmp_path / "cache"))
    assert tk("plan", cfg).code == 0  # caches the config as it was
    calendars = cfg / "calendars.yaml"
    text = calendars.read_text()
    first_key = next(line for line in text.splitlines() if line.startswith("  ") and not line.startswith("   "))
    edited = text.replace(first_key, f"  # added\n  # lines\n{first_key}", 1).replace("description: ", "description: New. ", 1)
    assert edited != text
    calendars.write_text(edited)

    def plan(no_cache: bool) -> dict:
        if no_cache:
            monkeypatch.setenv("TKCTL_NO_CACHE", "1")
        else:
            monkeypatch.delenv("TKCTL_NO_CACHE", raising=False)
        result = tk("plan", cfg, "--format", "json")
        assert result.code == 0, result.err
        return json.loads(result.out)

    through_cache = plan(no_cache=False)
    assert through_cache == plan(no_cache=True)
    assert through_cache["summary"]["create"] == 18


def test_a_plan_command_leaves_its_entry_to_a_detached_writer_and_keeps_its_output_and_exit_code(tk, tmp_path):
    """`tkctl plan` ends once its plan is shown (the entry is written by a detached process,
    and the command skips the interpreter's teardown: `cli.entry`): the output is whole, the
    exit code is the plan's, and the entry is there for the next run."""
    cfg = tmp_path / "clinic"
    shutil.copytree(ROOT / "examples" / "clinic", cfg, ignore=shutil.ignore_patterns(".tkctl"))
    cache = tmp_path / "cache"
    first = tk.subprocess("plan", cfg, "--detailed-exitcode", env={"TKCTL_CACHE_DIR": str(cache)})
    from_files = tk.subprocess("plan", cfg, "--detailed-exitcode", env={"TKCTL_NO_CACHE": "1"})
    assert first.returncode == from_files.returncode == 2, first.stderr
    assert first.stdout == from_files.stdout and "18 to create" in first.stdout
    wait_for_writers(cache)
    (entry,) = (cache / "config").glob("*.pickle")
    saved = entry.stat().st_mtime_ns
    again = tk.subprocess("plan", cfg, "--detailed-exitcode", env={"TKCTL_CACHE_DIR": str(cache)})
    assert again.returncode == 2 and again.stdout == first.stdout
    wait_for_writers(cache)
    assert entry.stat().st_mtime_ns == saved  # served by the entry: nothing written again
