"""Reads the whole live account in the fewest requests the API allows.

Two listings answer everything the diff needs: resources with their calendars and
availability constraints included, and projects with their resources included
(timekit-api.md §5, §16.7). Both run at once, each at the largest page size; the pages
read, of how many, are shown on a progress bar (`tkctl.progress`) when someone watches.

Each item becomes its live objects as its page arrives (`core/live.py`), and the page is
dropped: a project page holds every member resource whole (`include=resources` is the only
way to get member ids in the same request), but only the ids are kept, so memory grows with
the account's objects, not with the size of its pages. A large page is even decoded one item
at a time (`timekit/pages.py`), so not even one of them is held whole, and the client
decodes one page at a time. A value equal to one an earlier object has (a calendar's name,
a list of availability constraints) is that object's (`core/sharing.py`): at 20,000
resources, about 45 MB less at a plan's peak.
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

from tkctl import progress
from tkctl.core.live import LiveState, project_object, resource_objects
from tkctl.core.sharing import SharedValues
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.envelope import check_project, check_resource

RESOURCE_LIST = ("/resources", {"include": "calendars,availability_constraints"})
PROJECT_LIST = ("/projects", {"include": "resources"})


def read_live(client: TimekitClient, bars: progress.Progress | None = None) -> LiveState:
    """Both listings, each item checked for the nested shapes `LiveState` relies on."""
    with (bars or progress.current()).task("Reading the account", unit="pages") as task:
        pages = _Pages(task, listings=2)
        shared = SharedValues()
        with ThreadPoolExecutor(max_workers=2) as pool:
            resources = pool.submit(client.list_all, *RESOURCE_LIST, item_check=check_resource,
                                    on_page=pages.counter("resources"),
                                    item_map=functools.partial(resource_objects, shared=shared))
            projects = pool.submit(client.list_all, *PROJECT_LIST, item_check=check_project,
                                   on_page=pages.counter("projects"),
                                   item_map=functools.partial(project_object, shared=shared))
            return LiveState.from_objects(resources.result(), projects.result())


class _Pages:
    """Pages read of how many: each listing's count is known from its first page; until then
    it counts as one page, so the total only grows, and is exact once both have answered."""

    def __init__(self, task: progress.Task, listings: int):
        self._task = task
        self._listings = listings
        self._known: dict[str, int] = {}
        self._lock = threading.Lock()

    def counter(self, listing: str):
        def on_page(count: int) -> None:
            with self._lock:
                self._known[listing] = count
                total = sum(self._known.values()) + self._listings - len(self._known)
            self._task.set_total(total)
            self._task.advance()
        return on_page
