"""The preview's pages, served under /preview on the emulator's own origin.

Each page embeds Timekit's booking widget exactly as a customer's site does (`project_id` and
the app's widget key; the widget loads the project's settings from the API itself), with
`api_base_url` set to the page's own origin, which is the emulator's root: the widget appends
`v2`. Serving from that origin means the widget's calls are same-origin, as they would be
for a page on any origin thanks to the emulator's CORS headers.

    /preview/                      the list of pages
    /preview/<project key>         the widget of a project as the config says
    /preview/<project key>/before  with --plan: the project as it is before the saved plan
    /preview/_widget/booking.min.js, booking.min.css   the widget's script and stylesheet
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote, unquote

from starlette.responses import Response

from tkctl.preview.bundle import WidgetBundle

PREFIX = "/preview"
SCRIPT_PATH = f"{PREFIX}/_widget/booking.min.js"
STYLESHEET_PATH = f"{PREFIX}/_widget/booking.min.css"
# The stage around the widget: wide enough for the widget's week view (it switches to a day
# view under 480 px) and padded for its avatar, which sits 50 px above it, and its shadow.
STAGE_ID = "tkctl-stage"
STAGE_WIDTH = 760


@dataclass(frozen=True)
class Page:
    key: str  # the project's key in the config
    variant: str  # "after" (the config) or "before" (the account before a saved plan)
    title: str
    project_id: str
    widget_key: str

    @property
    def path(self) -> str:
        base = f"{PREFIX}/{quote(self.key, safe='')}"
        return base + "/before" if self.variant == "before" else base


def page_html(page: Page, bundle: WidgetBundle) -> str:
    config = {"app_key": page.widget_key, "project_id": page.project_id}
    # `</` would end the script element early; JSON allows the escaped form.
    config_js = json.dumps(config).replace("</", "<\\/")
    label = "before the plan" if page.variant == "before" else "as configured"
    stylesheet = f'<link rel="stylesheet" href="{STYLESHEET_PATH}">' if bundle.stylesheet is not None else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(page.title)} ({html.escape(page.key)}, {label}) - tkctl preview</title>
{stylesheet}
<style>
  body {{ background: #e9e9e9; margin: 0; font-family: Helvetica, Arial, sans-serif; }}
  .tkctl-bar {{ font-size: 13px; color: #555; padding: 8px 16px; }}
  .tkctl-bar a {{ color: #555; }}
  #{STAGE_ID} {{ width: {STAGE_WIDTH}px; box-sizing: border-box; margin: 0 auto; padding: 70px 30px 30px; }}
</style>
</head>
<body>
<div class="tkctl-bar">tkctl preview: project <b>{html.escape(page.key)}</b> ({label}), in a local Timekit emulator.
Bookings made here stay in it. <a href="{PREFIX}/">All projects</a></div>
<main id="{STAGE_ID}"><div id="bookingjs"></div></main>
<script src="{SCRIPT_PATH}"></script>
<script>
  new TimekitBooking().init(Object.assign({config_js}, {{api_base_url: window.location.origin + "/"}}));
</script>
</body>
</html>
"""


def index_html(pages: Iterable[Page]) -> str:
    rows = "\n".join(
        f'<li><a href="{p.path}">{html.escape(p.key)}</a>{" (before the plan)" if p.variant == "before" else ""}: '
        f"{html.escape(p.title)}</li>" for p in pages)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>tkctl preview</title></head>
<body style="font-family: Helvetica, Arial, sans-serif">
<h1>tkctl preview</h1>
<p>Each project's booking widget, served by a local Timekit emulator with the config applied.</p>
<ul>
{rows}
</ul>
</body>
</html>
"""


class PreviewApp:
    """The ASGI app mounted at /preview. `pages` is filled in once the config is applied."""

    def __init__(self, bundle: WidgetBundle):
        self.bundle = bundle
        self.pages: dict[str, Page] = {}

    def set_pages(self, pages: Iterable[Page]) -> None:
        self.pages = {p.path: p for p in pages}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        response = self.respond(scope["method"], scope["path"])
        await response(scope, receive, send)

    def respond(self, method: str, path: str) -> Response:
        if method not in ("GET", "HEAD"):
            return Response("Method not allowed\n", 405, {"Allow": "GET, HEAD"}, media_type="text/plain")
        headers = {"Cache-Control": "no-store"}
        if path in (PREFIX, PREFIX + "/"):
            return Response(index_html(self.pages.values()), 200, headers, media_type="text/html")
        if path == SCRIPT_PATH:
            return Response(self.bundle.script, 200, headers, media_type="application/javascript")
        if path == STYLESHEET_PATH and self.bundle.stylesheet is not None:
            return Response(self.bundle.stylesheet, 200, headers, media_type="text/css")
        page = self.pages.get(_normal(path))
        if page is None:
            return Response("No such preview page. The list: /preview/\n", 404, headers, media_type="text/plain")
        return Response(page_html(page, self.bundle), 200, headers, media_type="text/html")


def _normal(path: str) -> str:
    """The page path as `Page.path` spells it, however the browser quoted the key."""
    parts = path.rstrip("/").split("/")
    return "/".join(quote(unquote(part), safe="") for part in parts)
