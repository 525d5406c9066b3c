"""How tkctl reads list pages, chosen by tests that compare the ways (tkctl/timekit/pages.py)."""

from __future__ import annotations

import contextlib
from typing import Iterator

import pytest

from tkctl import secrets
from tkctl.timekit import client as client_module
from tkctl.timekit import pages

MODES = ("reference", "whole", "itemwise")


@contextlib.contextmanager
def reading_mode(mode: str) -> Iterator[set[str]]:
    """Inside the block, list pages are read the `mode` way: "reference" (decoded whole and
    checked, never by `pages.read_page`), "whole" or "itemwise" (how `read_page` decodes).
    Yields the set that collects the values registered as secret meanwhile."""
    assert mode in MODES, mode
    registered: set[str] = set()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(secrets, "register", registered.add)
        patch.setattr(client_module, "register", registered.add)
        if mode == "reference":
            patch.setattr(client_module, "read_page", lambda *args: None)
        if mode == "itemwise":
            patch.setattr(pages, "WHOLE_PAGE_CHARS", 0)
        yield registered
