"""A 500, a 503 or a dropped connection at every write of the example apply: apply, rerun until
the plan is empty, and the account and state are exactly what a clean apply leaves (no
duplicate, every state id live).

Faults after the server acted are the dangerous ones: the object exists but its answer was
lost, so a blind resend would make a duplicate. A connection dropped before the server acted
is the other side of the same doubt: tkctl cannot tell the two apart, so it must look, find
nothing, and send the write again. (A 500 or 503 before acting takes the same path as the
drop: tests/e2e/test_interrupted_apply.py has one.)
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.convergence import (
    EACH_WRITE, WRITE_ROUTES, assert_converged, clean_inventory, converge, example_copy,
)

# name -> (the fault's settings, the status the emulator's counters file the broken answer under)
FAULTS = {
    "500": ({"status": 500}, "500"),
    "503": ({"status": 503}, "503"),
    "drop": ({"drop": True}, "dropped"),
}
# README "Guarantees" counts them.
FAULT_CASES = ([(*write, name, True) for write in EACH_WRITE for name in FAULTS]
               + [(*write, "drop", False) for write in EACH_WRITE])


@pytest.mark.parametrize(
    "method,path,nth,fault,after", FAULT_CASES,
    ids=[f"{m}-{p.rsplit('/', 1)[1]}-{n}-{f}-{'after' if a else 'before'}" for m, p, n, f, a in FAULT_CASES])
def test_a_failed_write_converges_in_the_same_run(tk, tmp_path, method, path, nth, fault, after):
    """One broken write costs no rerun: an update is retried, a create whose answer was lost
    is looked up by its tag (a calendar by its resource and name) and resent only if absent."""
    cfg = example_copy(tmp_path)
    tk.emulator.configure(rate_limit=0)  # every 503 below is the injected one
    settings, counted_as = FAULTS[fault]
    tk.emulator.add_fault(method=method, path=path, nth=nth, after_handling=after, **settings)
    first = tk("apply", cfg, "--auto-approve")
    counters = tk.emulator.counters()
    assert counters["by_status"].get(counted_as) == 1  # the fault fired, once
    assert first.code == 0, first.text
    # Sent again only when it may not have happened: an update always (it is idempotent), a
    # create only when the lookup found nothing.
    route = f"{method} {path}" + ("/{id}" if method == "PUT" else "")
    resent = method == "PUT" or not after
    assert counters["by_route"][route] == WRITE_ROUTES[route] + resent
    assert "Apply complete: 18 created, 0 updated, 0 deleted, 0 adopted." in first.out
    assert converge(tk, cfg) == 0
    assert_converged(tk, cfg, clean_inventory())


def test_readme_states_the_figures_these_tests_measure():
    """README "Guarantees" quotes how many kills, faults and generated examples the tests
    run; change a test's cases and this fails until the README says the new figures."""
    import inspect

    from tests.e2e import test_crash_apply, test_roundtrip_properties
    from tests.unit.core import test_core_properties as properties_module

    readme = (ROOT / "README.md").read_text()  # compared with its line breaks as spaces
    section = " ".join(readme[readme.index("## Guarantees"):readme.index("## Environments and replication")].split())
    writes = sum(WRITE_ROUTES.values())
    properties = [f for name, f in inspect.getmembers(properties_module, inspect.isfunction) if name.startswith("test_")]
    roundtrips = test_roundtrip_properties.ROUNDTRIP.max_examples
    per_property = properties_module.PROPERTY.max_examples
    after = sum(1 for case in FAULT_CASES if case[-1])
    stated = [
        f"makes {writes} write requests: {WRITE_ROUTES['POST /v2/resources']} resource creates, "
        f"{WRITE_ROUTES['POST /v2/calendars']} calendar creates, {WRITE_ROUTES['PUT /v2/calendars/{id}']} "
        f"calendar updates, {WRITE_ROUTES['POST /v2/projects']} project creates",
        f"**{len(test_crash_apply.KILL_CASES)} kills**",
        f"**{len(FAULT_CASES)} faults**",
        f"at each of the {writes} writes ({after})",
        f"before it acted, at each ({len(FAULT_CASES) - after})",
        f"on {len(properties) * per_property:,} generated objects ({len(properties)} properties, "
        f"{per_property} examples each)",
        f"On {roundtrips} generated valid configs",
        f"apply of {roundtrips} generated changes",
    ]
    assert [s for s in stated if s not in section] == []
