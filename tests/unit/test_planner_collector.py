"""make_plan pauses Python's cycle collector while it reads and compares, and always gives
it back as it found it."""

from __future__ import annotations

import gc

import pytest

from tkctl.planner import _collector_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_inside_and_restored_after(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with _collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), _collector_paused():
            raise RuntimeError("a failed read")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
