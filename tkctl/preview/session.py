"""One preview: the widget's files, a fresh emulator with the config applied, and its pages.

    with open_preview(workspace, keys, bundle, saved_plan) as preview:
        preview.pages      # one Page per project (two with a plan: before and after)
        preview.root_url   # the emulator's origin, where the pages are served
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from tkctl.core.model import DesiredState
from tkctl.preview.bundle import WidgetBundle
from tkctl.preview.pages import PREFIX, Page, PreviewApp
from tkctl.preview.planned import before_plan
from tkctl.preview.sandbox import Account, Sandbox
from tkctl.workspace import Workspace


@dataclass
class Preview:
    root_url: str
    pages: list[Page]
    sandbox: Sandbox

    def url(self, page: Page) -> str:
        return self.root_url + page.path


def title(desired: DesiredState, key: str) -> str:
    """What people call the project: its widget's display name, else its name, else its key."""
    obj = desired.get("project", key)
    fields = obj.fields if obj is not None else {}
    ui = fields.get("ui") if isinstance(fields.get("ui"), Mapping) else {}
    for value in (ui.get("display_name"), fields.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return key


@contextlib.contextmanager
def open_preview(workspace: Workspace, keys: list[str], bundle: WidgetBundle, saved: Mapping[str, Any] | None = None,
                 *, port: int = 0, before_keys: list[str] | None = None) -> Iterator[Preview]:
    """Apply the config (and, with a saved plan, the account before it) and serve a page for each
    of `keys` (and a "before" page for each of `before_keys`)."""
    app = PreviewApp(bundle)
    with Sandbox(port=port, mounts={PREFIX: app}) as sandbox:
        after = sandbox.apply(workspace, "after")
        befores: dict[str, Page] = {}
        if saved is not None and before_keys:
            before_desired = before_plan(workspace.desired, saved)
            before = sandbox.apply(workspace, "before", before_desired)
            befores = {key: _page(before_desired, key, "before", before) for key in before_keys}
        pages = [p for key in keys
                 for p in ([befores[key]] if key in befores else []) + [_page(workspace.desired, key, "after", after)]]
        app.set_pages(pages)
        yield Preview(sandbox.root_url, pages, sandbox)


def _page(desired: DesiredState, key: str, variant: str, account: Account) -> Page:
    return Page(key, variant, title(desired, key), account.project_ids[key], account.widget_key)
