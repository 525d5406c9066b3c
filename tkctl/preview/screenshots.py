"""Screenshots of the preview's pages in headless Chromium: one PNG per page, and a manifest.

Each page is opened in one browser (one tab, reused), and the screenshot is taken once the
widget has finished: its availability answer is in and its slots are drawn (or it says it has
none, or it shows its error). That is a condition on the page's DOM, never a fixed sleep.
Animations and transitions are switched off so the picture never catches a fade half-way.
Nothing outside the emulator's origin is fetched: images from other hosts (an avatar) are
drawn as a grey placeholder and other requests (web fonts) fail at once, so a screenshot
never depends on the network and never tells a third party about the preview.

`previews.json` in the output folder lists every page: its file, size in pixels, how many
slots it showed, the display name and where it is in the image, and the error of a page that
did not render; the GitHub Action and the tests read it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from tkctl.fileio import write_atomically
from tkctl.preview.chromium import browser_context
from tkctl.preview.pages import STAGE_ID, Page

MANIFEST = "previews.json"
RENDER_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1000, "height": 800}
PLACEHOLDER_IMAGE = (b'<svg xmlns="http://www.w3.org/2000/svg" width="140" height="140">'
                     b'<rect width="140" height="140" fill="#d8d8d8"/></svg>')
STILL_SCRIPT = """
document.addEventListener('DOMContentLoaded', () => {
  const style = document.createElement('style');
  style.textContent = '*, *::before, *::after { animation: none !important; transition: none !important; ' +
                      'caret-color: transparent !important; scroll-behavior: auto !important; }';
  document.head.appendChild(style);
});
"""
# True once the widget has finished: an error shown, or the availability answered (the loading
# screen hidden) and either slots drawn or the calendar left empty (no slots).
FINISHED = """() => {
  const root = document.getElementById('bookingjs');
  if (!root) return false;
  if (root.querySelector('.bookingjs-error')) return true;
  const calendar = root.querySelector('.bookingjs-calendar');
  if (!calendar || root.querySelector('.bookingjs-loading.show')) return false;
  if (calendar.classList.contains('empty-calendar')) return true;
  return root.querySelector('.fc-event') !== null;
}"""
SETTLED = "() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"
DESCRIBE = """(stageId) => {
  const stage = document.getElementById(stageId).getBoundingClientRect();
  const root = document.getElementById('bookingjs');
  const error = root.querySelector('.bookingjs-error-text');
  const name = root.querySelector('.bookingjs-displayname');
  let box = null;
  if (name) {
    const r = name.getBoundingClientRect();
    box = {x: Math.round(r.left - stage.left), y: Math.round(r.top - stage.top),
           width: Math.round(r.width), height: Math.round(r.height)};
  }
  return {
    slots: root.querySelectorAll('.fc-event').length,
    error: error ? error.textContent.replace(/\\s+/g, ' ').trim() : null,
    display_name: name ? name.textContent.trim() : null,
    display_name_box: box,
  };
}"""


@dataclass
class Shot:
    project: str
    variant: str  # "after" or "before"
    url: str
    file: str | None  # the PNG's name in the output folder
    width: int = 0
    height: int = 0
    slots: int = 0
    display_name: str | None = None
    display_name_box: dict[str, int] | None = None
    error: str | None = None

    @property
    def rendered(self) -> bool:
        return self.error is None


def file_name(page: Page, with_variant: bool) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in page.key)
    return f"{safe}.{page.variant}.png" if with_variant else f"{safe}.png"


def take_screenshots(root_url: str, pages: Iterable[Page], outdir: Path, chromium: str, *,
                     with_variant: bool = False, timezone: str | None = None) -> list[Shot]:
    """Render every page and write `<key>.png` (`<key>.before.png`/`.after.png` with a plan)."""
    outdir.mkdir(parents=True, exist_ok=True)
    shots: list[Shot] = []
    options: dict[str, Any] = {"viewport": VIEWPORT, "device_scale_factor": 1, "locale": "en-US"}
    if timezone:
        options["timezone_id"] = timezone
    with browser_context(chromium, **options) as context:
        context.add_init_script(script=STILL_SCRIPT)
        origin = root_url.rstrip("/")
        context.route(lambda url: not (url == origin or url.startswith(origin + "/")), _offline)
        tab = context.new_page()
        for page in pages:
            shots.append(_shoot(tab, origin + page.path, page, outdir, file_name(page, with_variant)))
        tab.close()
    write_atomically(outdir / MANIFEST, json.dumps([asdict(s) for s in shots], indent=2) + "\n")
    return shots


def _offline(route) -> None:
    if route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/svg+xml", body=PLACEHOLDER_IMAGE)
    else:
        route.abort()


def _shoot(tab, url: str, page: Page, outdir: Path, name: str) -> Shot:
    """One page. A page that did not render is still pictured as it stands (its error shows)."""
    shot = Shot(page.key, page.variant, url, None)
    errors: list[str] = []
    listener = lambda exc: errors.append(str(exc))  # noqa: E731 - removed again below
    tab.on("pageerror", listener)
    try:
        tab.goto(url, wait_until="load")
        try:
            tab.wait_for_function(FINISHED, timeout=RENDER_TIMEOUT_MS)
        except Exception:  # Playwright's TimeoutError
            detail = f" (the page said: {errors[0]})" if errors else ""
            shot.error = f"the widget did not finish drawing within {RENDER_TIMEOUT_MS // 1000} s{detail}"
        else:
            tab.evaluate(SETTLED)
        facts = tab.evaluate(DESCRIBE, STAGE_ID)
        shot.slots, shot.display_name = facts["slots"], facts["display_name"]
        shot.display_name_box = facts["display_name_box"]
        if facts["error"] and shot.error is None:
            shot.error = f"the widget showed an error: {facts['error']}"
        tab.locator(f"#{STAGE_ID}").screenshot(path=str(outdir / name), animations="disabled")
        shot.file = name
        shot.width, shot.height = png_size(outdir / name)
        return shot
    finally:
        tab.remove_listener("pageerror", listener)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's header (its IHDR chunk comes first)."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return 0, 0
    return struct.unpack(">II", head[16:24])
