"""Reads the whole live account in the fewest requests the API allows.

Two listings answer everything the diff needs: resources with their calendars and
availability constraints included, and projects with their resources included
(timekit-api.md §5, §16.7). Both run at once, each at the largest page size.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tkctl.core.live import LiveState
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.envelope import check_project, check_resource

RESOURCE_LIST = ("/resources", {"include": "calendars,availability_constraints"})
PROJECT_LIST = ("/projects", {"include": "resources"})


def read_live(client: TimekitClient) -> LiveState:
    """Both listings, each item checked for the nested shapes `LiveState` relies on."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        resources = pool.submit(client.list_all, *RESOURCE_LIST, item_check=check_resource)
        projects = pool.submit(client.list_all, *PROJECT_LIST, item_check=check_project)
        return LiveState.from_payloads(resources.result(), projects.result())
