"""SIGKILL at every write of the example apply, then rerun: it converges, with no duplicate
and a valid state file.

A real `python -m tkctl apply` runs against the emulator as a real server. The emulator acts
on the Nth write and then holds its answer (a `delay_ms` fault after handling); its counters
show when the request is held, and the test kills the process there: the kill lands at an
exact request whatever the machine's speed. This is the worst moment: the object exists, and
the state does not know it. (Apply's other workers run on meanwhile, so writes of independent
objects may be anywhere, a state save included.) After the kill the state must still be
valid, and one rerun must reach a plan with no changes and exactly the objects a clean apply
makes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.e2e.convergence import (
    EACH_WRITE, WRITE_ROUTES, assert_converged, clean_inventory, converge, example_copy, inventory, live_objects,
    state_problems,
)

HOLD_MS = 120_000  # far longer than any case: the process is killed while it waits
KILL_CASES = EACH_WRITE  # README "Guarantees" counts them


def test_the_example_apply_makes_the_writes_the_crash_tests_cover(tk, tmp_path):
    """The crash and fault tests stop or break each of these writes; README's figures count them."""
    cfg = example_copy(tmp_path)
    tk.emulator.configure(rate_limit=0)
    applied = tk("apply", cfg, "--auto-approve")
    assert applied.code == 0, applied.text
    routes = tk.emulator.counters()["by_route"]
    assert {route: n for route, n in routes.items() if not route.startswith("GET ")} == WRITE_ROUTES
    assert len(EACH_WRITE) == sum(WRITE_ROUTES.values()) == 22
    assert inventory(live_objects(tk)) == clean_inventory()
    assert converge(tk, cfg) == 0
    assert_converged(tk, cfg, clean_inventory())


def _wait(condition, proc: subprocess.Popen | None = None, log=None) -> None:
    """Poll the emulator until `condition()`, failing if `proc` ends first; the deadline only
    ends a stuck test, it measures nothing."""
    deadline = time.monotonic() + 120
    while not condition():
        if proc is not None:
            assert proc.poll() is None, f"apply ended before the held request (exit {proc.returncode}):\n{log()}"
        assert time.monotonic() < deadline, "the emulator never reached the awaited point"
        time.sleep(0.02)


@pytest.mark.parametrize("method,path,nth", KILL_CASES,
                         ids=[f"{m}-{p.rsplit('/', 1)[1]}-{n}" for m, p, n in KILL_CASES])
def test_apply_killed_at_each_write_converges_on_rerun(tk, tmp_path, method, path, nth):
    """Killed while the server holds the answer to write N: the state stays valid, and one
    rerun adopts what was made and finishes the rest."""
    cfg = example_copy(tmp_path)
    tk.emulator.configure(rate_limit=0)
    tk.emulator.add_fault(method=method, path=path, nth=nth, status=None, delay_ms=HOLD_MS, after_handling=True)
    env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
           "NO_COLOR": "1"}
    log = tmp_path / "apply.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tkctl", "apply", str(cfg), "--auto-approve"], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: tk.emulator.counters()["held"] == 1, proc, log.read_text)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # The held request sees its client gone and its answer goes nowhere; nothing is in flight
    # when the rerun starts. A kill during a state save may leave a temp file: the rerun removes it.
    _wait(lambda: tk.emulator.counters()["in_flight"] == 0)
    assert state_problems(cfg, live_objects(tk)) == []

    assert converge(tk, cfg) == 1  # the killed run did not finish; one rerun does
    assert_converged(tk, cfg, clean_inventory())

