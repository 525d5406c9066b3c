"""A killed apply's journal, end to end: the real CLI against the emulator as a real server.

Apply appends each step to `state.json.journal` and writes state.json once, at the end. A
SIGKILL lands while the server holds the answer to one create (so the kill point does not
depend on the machine's speed); the steps done before it are in the journal only. The next
command that reads the state replays it; the next that locks compacts it; a torn last line is
ignored; a journal beside a state it does not belong to is refused and kept.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.e2e.conftest import read_state, says_no_changes, write_config
from tkctl.state import load_state

BASE = {f"b{i}": {"name": f"B {i}", "timezone": "UTC"} for i in range(2)}
NEW = {f"r{i:02d}": {"name": f"R {i}", "timezone": "UTC"} for i in range(30)}
WAIT = 120  # a generous bound for a stuck test, never a measurement


def killed_apply(tk, tmp_path):
    """An account and state holding BASE, then an apply of 30 more killed with 29 of them done
    (the 5th create is made by the server, its answer held). Returns (cfg, state file text
    before the kill)."""
    cfg = write_config(tmp_path / "cfg", BASE)
    tk.emulator.configure(rate_limit=0)  # a refusal by the rate limit would move which create is held
    assert tk("apply", cfg, "--auto-approve").code == 0
    before = (cfg / "state.json").read_text()
    write_config(cfg, {**BASE, **NEW})
    tk.emulator.add_fault(method="POST", path="/v2/resources", nth=5, status=None, delay_ms=WAIT * 1000,
                          after_handling=True)
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token}
    proc = subprocess.Popen([sys.executable, "-m", "tkctl", "apply", str(cfg), "--auto-approve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + WAIT
        while len(load_state(cfg / "state.json").entries) < 31:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the apply never recorded 29 creates"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    while tk.emulator.counters()["in_flight"]:  # the held request sees its client gone
        time.sleep(0.02)
    return cfg, before


def tags(tk) -> list[str]:
    return sorted(r["meta"]["tkctl_key"] for r in tk.api("/resources"))


def test_a_killed_apply_leaves_a_journal_the_next_command_replays_and_the_rerun_converges(tk, tmp_path):
    cfg, before = killed_apply(tk, tmp_path)
    journal = cfg / "state.json.journal"
    assert (cfg / "state.json").read_text() == before  # the file is written only when apply ends ...
    assert journal.exists()  # ... every step done is in the journal
    base = json.loads(before)
    lines = journal.read_text().splitlines()
    assert json.loads(lines[0]) == {"tkctl_journal": 1, "lineage": base["lineage"], "serial": base["serial"]}
    assert len(lines) == 1 + 29

    # A command that reads the state (no lock) replays it, and leaves it for the next locked one.
    listed = tk("state", "list", cfg)
    assert listed.code == 0 and len(listed.out.splitlines()) == 31 and journal.exists()
    pulled = json.loads(tk("state", "pull", cfg).out)
    assert pulled["serial"] == base["serial"] + 29 and pulled["lineage"] == base["lineage"]
    live = {r["meta"]["tkctl_key"]: r["id"] for r in tk.api("/resources")}
    assert len(live) == 32  # the held create happened
    (cut,) = set(live) - {entry["key"] for entry in pulled["objects"].values()}  # the one the kill cut off
    assert {k: v["id"] for k, v in pulled["objects"].items()} == {f"resource.{k}": i for k, i in live.items() if k != cut}

    rerun = tk("apply", cfg, "--auto-approve")
    assert rerun.code == 0, rerun.text
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 1 adopted." in rerun.out  # no duplicate
    assert not journal.exists()
    after = read_state(cfg)
    # What the killed run recorded is exactly what it would have recorded had it finished: the
    # rerun changed none of those entries, it only added the one the kill cut off.
    assert {k: v for k, v in after["objects"].items() if k in pulled["objects"]} == pulled["objects"]
    assert len(after["objects"]) == 32 and after["serial"] == pulled["serial"] + 1
    assert tags(tk) == sorted({**BASE, **NEW})
    assert says_no_changes(tk("plan", cfg))


def test_a_torn_last_journal_line_is_ignored(tk, tmp_path):
    """A write cut short (the kill landed inside it) leaves part of a line: never reported done,
    so it is ignored, and the rerun finds that object by its tag."""
    cfg, _ = killed_apply(tk, tmp_path)
    journal = cfg / "state.json.journal"
    last = json.loads(journal.read_text().splitlines()[-1])
    torn = json.dumps({"serial": last["serial"] + 1, "put": {"kind": "resource", "key": "r99", "id": "x"}})
    with journal.open("a") as f:
        f.write(torn[:40])
    pulled = json.loads(tk("state", "pull", cfg).out)
    assert len(pulled["objects"]) == 31 and pulled["serial"] == last["serial"]
    rerun = tk("apply", cfg, "--auto-approve")
    assert rerun.code == 0, rerun.text
    assert "1 adopted" in rerun.out and not journal.exists()
    assert tags(tk) == sorted({**BASE, **NEW}) and len(read_state(cfg)["objects"]) == 32
    assert says_no_changes(tk("plan", cfg))


def test_a_journal_beside_a_state_it_does_not_belong_to_is_refused_and_kept(tk, tmp_path):
    """The state file was replaced after the kill (restored from a backup here): replaying the
    journal into it could record steps in the wrong state, so every command refuses, clearly."""
    cfg, before = killed_apply(tk, tmp_path)
    journal = cfg / "state.json.journal"
    kept = journal.read_bytes()
    restored = {**json.loads(before), "serial": json.loads(before)["serial"] + 3}
    (cfg / "state.json").write_text(json.dumps(restored, indent=2))
    posts = tk.emulator.counters()["by_route"]["POST /v2/resources"]
    for command in (("plan", cfg), ("apply", cfg, "--auto-approve")):
        r = tk(*command)
        assert r.code == 1, r.text
        assert r.err.startswith(
            f"error: the state journal {journal} holds 29 change(s) an interrupted tkctl made to the state of lineage "
            f"{restored['lineage']} at serial {restored['serial'] - 3}, but the state {cfg / 'state.json'} is lineage "
            f"{restored['lineage']} at serial {restored['serial']}: the state was replaced or restored since, so tkctl "
            "did not replay the journal into it nor delete it.")
    assert journal.read_bytes() == kept
    assert tk.emulator.counters()["by_route"]["POST /v2/resources"] == posts  # nothing was sent
    assert not (cfg / "state.json.lock").exists()
