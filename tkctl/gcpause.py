"""Python's cycle collector paused while tkctl builds large, long-lived, acyclic data.

Loading a config, reading a state file, reading an account, and a plan's data and rendering
each allocate hundreds of thousands of small containers (YAML nodes, dicts of objects and
digests, a change and a step per object of a first import) that live until the command is
done and form no cycles. With the collector on, each allocation burst triggers full
collections that walk every one of them again: two thirds of the load time of a large config,
a third of the time to read a 50,000-entry state, and half the time to turn a plan of
52,000 adoptions into its data and text. Paused, nothing is lost: the collector
runs as before once the block ends.

What the block made is then frozen (`gc.freeze`: moved to the permanent generation, which
collections skip) before the collector is turned back on. Those objects are the config, the
state and the account, kept until the command ends; left in the youngest generation, the
first collection after the block would walk all of them at once, and again as they aged (a
sixth of a second after loading a cached 5,000-resource config). Frozen objects are still
freed as soon as nothing refers to them; only a reference cycle made inside the block is
kept until the process ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
