"""Reading a real (emulated) account gives the same live state and registers the same secrets
whether each page is decoded whole or item by item (`tkctl/timekit/pages.py`) or by the
reference reading (json.loads of the page, then `register_found` and `check_page`): issue 12."""

from __future__ import annotations


from benchmarks.account import build, seed_live
from tests.readmodes import reading_mode
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.reader import read_live


def read(emulator, mode: str) -> tuple[str, set[str], int]:
    """repr of the live state (with each object's fields in their order), the values registered
    as secret, and the requests made."""
    with reading_mode(mode) as registered:
        with TimekitClient(emulator.base_url, emulator.token, rate_per_second=0) as client:
            live = read_live(client)
            requests = client.requests_made
    shown = repr({kind: [(o.id, list(o.fields.items())) for o in objects.values()]
                  for kind, objects in live.by_kind.items()})
    return shown, registered, requests


def test_an_account_of_several_pages_reads_alike_in_every_way(emulator):
    emulator.configure(rate_limit=0)
    resources, calendars, projects = build(1100, 120, extra_calendars=0.5, members=(5, 50))
    seed_live(emulator.seed, resources, calendars, projects)
    expected = read(emulator, "reference")
    assert read(emulator, "whole") == expected
    assert read(emulator, "itemwise") == expected
    shown, registered, requests = expected
    assert requests == 3  # two resource pages and one project page
    assert len(registered) >= 1100  # every resource's api_token
    assert "api_token" not in shown
