"""The headless Chromium the screenshots are taken with: the system's own, driven by Playwright.

tkctl never downloads a browser (`playwright install` is not needed): it runs the Chromium the
system has (Debian's `chromium`, or Chrome) through Playwright's Python package. The flags
keep it quiet and self-contained: without them Chromium reaches out to Google's hosts
(component updates, sync, field trials) and uses a profile folder of the user's; here it gets
a fresh, temporary profile every time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Any, Iterator

from tkctl.errors import TkctlError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
INSTALL_HINT = ("install Chromium (Debian and Ubuntu: `sudo apt-get install chromium`; Fedora: `sudo dnf install "
                "chromium`; macOS: `brew install --cask chromium`) or pass the path of a Chromium or Chrome with "
                "--chromium PATH")


class BrowserUnavailable(TkctlError):
    """No Chromium, or no Playwright to drive it."""


def find_chromium(explicit: str | None = None) -> str:
    """The browser to run: `--chromium PATH`, else the first of CANDIDATES on PATH."""
    if explicit:
        path = shutil.which(explicit) or explicit
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise BrowserUnavailable(f"--chromium {explicit}: no such executable; {INSTALL_HINT}")
        return path
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(f"screenshots need a Chromium browser and none was found on PATH ({', '.join(CANDIDATES)}): "
                             + INSTALL_HINT)


def ready_browser(explicit: str | None = None) -> str:
    """The Chromium to run, once Playwright is known to be there: both fail before any work."""
    _playwright()
    return find_chromium(explicit)


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserUnavailable(
            "screenshots drive Chromium with Playwright's Python package, which is not installed: "
            "pip install 'tkctl[preview]' (or pip install playwright). tkctl uses the system's Chromium, so "
            "`playwright install` is not needed") from None
    return sync_playwright


@contextlib.contextmanager
def browser_context(executable: str, **context_options: Any) -> Iterator[Any]:
    """A Playwright BrowserContext of a headless Chromium with a fresh profile; closed on exit."""
    sync_playwright = _playwright()
    with tempfile.TemporaryDirectory(prefix="tkctl-chromium-") as profile, sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, args=list(FLAGS), **context_options)
        except Exception as exc:  # Playwright's own error type; its message names what failed
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserUnavailable(f"could not start {executable}: {first}") from None
        try:
            yield context
        finally:
            context.close()
