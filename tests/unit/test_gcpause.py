"""Loading a config, reading the state and planning pause Python's cycle collector, and always
give it back as they found it."""

from __future__ import annotations

import gc

import pytest

from tkctl.gcpause import collector_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_inside_and_restored_after(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError("a failed read")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_what_the_block_made_is_frozen_when_the_collector_comes_back():
    was = gc.isenabled()
    before = gc.get_freeze_count()
    try:
        gc.enable()
        with collector_paused():
            kept = [[i] for i in range(1000)]  # lists: always tracked by the collector
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()
        (gc.enable if was else gc.disable)()
