"""`tkctl preview`: see each project's real booking widget, rendered from the config.

    tkctl preview [DIR] [--project KEY ...] [--port N] [--open]   serve the pages until Ctrl-C
    tkctl preview [DIR] --screenshot OUTDIR [--plan plan.json]    write a PNG per project, exit

The config is applied to a fresh emulator in memory, never to an account or a state file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import webbrowser
from pathlib import Path
from typing import Any, Iterator

import click

from tkctl.cli import options
from tkctl.core.plan import config_digest
from tkctl.preview.bundle import load_bundle
from tkctl.preview.planned import changed_projects
from tkctl.preview.session import Preview, open_preview
from tkctl.savedplan import read_plan_file
from tkctl.workspace import open_workspace


@click.command(name="preview")
@click.argument("config_dir", required=False, type=click.Path(file_okay=False, path_type=str))
@options.env
@click.option("--project", "projects", multiple=True, metavar="KEY",
              help="Only this project (repeatable). Default: every project.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Serve on this port of 127.0.0.1 (0: a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the pages in your web browser.")
@click.option("--widget-js", metavar="PATH|URL",
              help="Use this booking.js (its .css beside it) instead of timekit-booking "
                   "from the npm registry.")
@click.option("--screenshot", "screenshot_dir", metavar="OUTDIR", type=click.Path(file_okay=False, path_type=str),
              help="Write a PNG of each project's widget into OUTDIR (headless Chromium) and exit.")
@click.option("--plan", "plan_file", metavar="PLANFILE", type=click.Path(dir_okay=False, path_type=str),
              help="Only the projects this saved plan changes, before and after it.")
@click.option("--chromium", metavar="PATH", help="The Chromium or Chrome for --screenshot (default: found on PATH).")
def command(config_dir: str | None, env: str | None, projects: tuple[str, ...], port: int, open_browser: bool,
            widget_js: str | None, screenshot_dir: str | None, plan_file: str | None, chromium: str | None) -> int:
    """Serve each project's Timekit booking widget, configured from CONFIG_DIR (default: .),
    from a fresh local emulator; bookings made on the pages land in it.

    Nothing is sent to Timekit and no state file is read or written."""
    saved = read_plan_file(plan_file) if plan_file else None
    planned_on: dict[str, Any] = saved["target"] if saved else {}
    if config_dir is None:
        config_dir = str(planned_on.get("config_dir") or ".")
    workspace = open_workspace(config_dir, env=env or planned_on.get("environment"), warn=options.warn)
    keys = _selected(workspace.desired.of_kind("project"), projects)
    before_keys: list[str] = []
    if saved is not None:
        changed = changed_projects(saved)
        keys = [k for k in keys if k in changed]
        before_keys = [k for k in keys if changed[k] != "create"]
        if saved["config"].get("digest") != config_digest(workspace.desired):
            options.warn(f"warning: the config in {workspace.display_dir} changed since {plan_file} was made; the "
                         "pages show it as it is now")
        if not keys:
            click.echo(f"The plan {plan_file} changes no project that is in the config: nothing to preview.")
            return 0
    chromium_path = None
    if screenshot_dir is not None:
        from tkctl.preview.chromium import ready_browser

        chromium_path = ready_browser(chromium)  # before anything starts: a missing browser fails fast
    bundle = load_bundle(widget_js, os.environ)
    with open_preview(workspace, keys, bundle, saved, port=port, before_keys=before_keys) as preview:
        if screenshot_dir is not None:
            return _screenshots(preview, Path(screenshot_dir), chromium_path, saved is not None)
        return _serve(preview, workspace.display_dir, bundle.source, open_browser)


def _selected(project_objects: list, wanted: tuple[str, ...]) -> list[str]:
    known = [o.key for o in project_objects]
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise click.UsageError(f"--project {unknown[0]}: no such project in the config. Projects: "
                               + (", ".join(known) or "none"))
    return [k for k in known if not wanted or k in wanted]


def _serve(preview: Preview, display_dir: str, source: str, open_browser: bool) -> int:
    with _stop_signals() as stop:  # before the URLs are out: whoever reads them may stop us at once
        width = max(len(p.key) + (9 if p.variant == "before" else 0) for p in preview.pages)
        click.echo(f"Previewing {display_dir} in a fresh local Timekit emulator (nothing is sent to Timekit).")
        click.echo(f"Widget: {source}")
        for page in preview.pages:
            name = page.key + (" (before)" if page.variant == "before" else "")
            click.echo(f"  {name:<{width}}  {preview.url(page)}")
        click.echo(f"Bookings made on these pages land in the emulator ({preview.root_url}/v2). Press Ctrl-C to stop.")
        if open_browser:
            webbrowser.open(preview.root_url + "/preview/" if len(preview.pages) > 1 else preview.url(preview.pages[0]))
        while not stop.wait(1.0):
            pass
    click.echo("Stopped.")
    return 0


@contextlib.contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM: both end the preview normally (exit 0)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _screenshots(preview: Preview, outdir: Path, chromium: str | None, with_variant: bool) -> int:
    from tkctl.preview.screenshots import MANIFEST, take_screenshots

    shots = take_screenshots(preview.root_url, preview.pages, outdir, chromium or "", with_variant=with_variant)
    for shot in shots:
        name = shot.project + (f" ({shot.variant})" if with_variant else "")
        where = outdir / shot.file if shot.file else "(no file)"
        if shot.rendered:
            slots = f"{shot.slots} slot{'s' if shot.slots != 1 else ''}" if shot.slots else "no slots shown"
            click.echo(f"  {name}: {where} ({shot.width}x{shot.height}, {slots})")
        else:
            click.echo(f"  {name}: {where}: did not render: {shot.error}")
    failed = [s for s in shots if not s.rendered]
    click.echo(f"Wrote {sum(1 for s in shots if s.file)} screenshot(s) and {outdir / MANIFEST}.")
    if failed:
        names = ", ".join(s.project + (f" ({s.variant})" if with_variant else "") for s in failed)
        click.echo(f"error: {len(failed)} of {len(shots)} page(s) did not render: {names}", err=True)
        return 1
    return 0
