"""`tkctl export`: a live account as tkctl config, with the state that manages it.

    tkctl export [DIR] --out OUT [--env NAME] [--split] [--only GLOB ...] [--force]

DIR (default .) only gives the settings (which account, which token: its tkctl.yaml and
environments); it needs no object files. OUT gets `tkctl.yaml`, one file per kind (or one per
object with `--split`), each widget `ui` as `widgets/<key>.json`, and the state, so that
`tkctl plan OUT` right after shows no changes. The output is in the canonical form (`tkctl
fmt`), and deterministic: exporting an unchanged account twice changes no byte. With `--only`
(address globs, e.g. `project.spring-*`) only those objects' files are written, ready to merge
into an existing config (no tkctl.yaml, no state: the next plan there adopts them by slug,
e-mail or owner and name).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import click

from tkctl.cli import options
from tkctl.config.exporter import Exported, export_account
from tkctl.config.loader import check_config
from tkctl.config.settings import ENV_VAR, SETTINGS_FILE, Settings, environment_settings, read_settings
from tkctl.config.yamlfile import display_path
from tkctl.config.yamlwrite import dump
from tkctl.core.build import build_plan
from tkctl.core.model import KINDS, SECTION_OF_KIND
from tkctl.core.plan import StateRecord
from tkctl.errors import ConfigError, Location, Problem, TkctlError
from tkctl.fileio import write_atomically
from tkctl.planner import read_account
from tkctl.state.format import State, StateEntry, dump_state
from tkctl.targets import open_target

STATE_FILE = ".tkctl/state.json"
SCHEMA_NOTE = "Check and format it with tkctl validate and tkctl fmt."
# The lineage of an exported state comes from the app, so two exports of one account agree.
_LINEAGE_NAMESPACE = uuid.UUID("8a4c2f0e-3b1d-4e6a-9f57-2d1c0b9e7a31")


class ExportError(TkctlError):
    pass


@click.command(name="export")
@options.config_dir
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=str),
              help="The folder to write the config to.")
@click.option("--split", is_flag=True, help="One file per object (resources/KEY.yaml, ...) instead of one per kind.")
@click.option("--only", "only", multiple=True, metavar="GLOB",
              help="Export only objects whose address matches (e.g. project.spring-*), to merge into a config.")
@click.option("--force", is_flag=True, help="Write into OUT even if it holds files export would not write.")
@options.env
@options.emulator
def command(config_dir: str, out_dir: str, split: bool, only: tuple[str, ...], force: bool, env: str | None,
            emulator: bool) -> int:
    """Write the live account (of DIR's settings, default .) as tkctl config into OUT."""
    settings = _settings(config_dir, env)
    with open_target(settings, emulator=emulator, environ=os.environ) as target:
        live, app = read_account(target)
    exported = export_account(live, list(only) or None, widgets_dir="../widgets" if split else "widgets")
    out = Path(os.path.abspath(out_dir))
    files = _files(exported, split, app, settings, include_settings=not only)
    state_file = f".tkctl/{settings.environment}/state.json" if settings.environment else STATE_FILE
    _check_free(out, files, force, state_file)
    for relative, text in files.items():
        write_atomically(out / relative, text)
    if not only:
        state = _state(out, exported, live, app, settings.environment)
        write_atomically(out / state_file, dump_state(state))
    counts = ", ".join(f"{len(exported.documents[SECTION_OF_KIND[k]])} {SECTION_OF_KIND[k]}" for k in KINDS)
    click.echo(f"Exported {counts} from Timekit app {app['slug'] or app['id']} to {display_path(out)}.")
    _report(out, only, settings.environment)
    return 0


def _settings(config_dir: str, env: str | None) -> Settings:
    root = Path(os.path.abspath(config_dir))
    if not root.is_dir():
        what = "is not a directory; give the config directory" if root.exists() else "config directory does not exist"
        raise ConfigError([Problem(what, Location(display_path(root)))])
    settings, problems = read_settings(root, os.environ, env)
    if problems:
        raise ConfigError(problems)
    return settings


def _files(exported: Exported, split: bool, app: dict[str, Any], settings: Settings, *,
           include_settings: bool) -> dict[str, str]:
    """Relative path -> text of every file the export writes (the state aside)."""
    origin = f"Exported from Timekit app {app['slug'] or '?'} ({app['id']}) by tkctl export.\n{SCHEMA_NOTE}"
    files: dict[str, str] = {}
    if include_settings:
        files[SETTINGS_FILE] = dump(_settings_document(settings), header=origin)
    for kind in KINDS:
        section = SECTION_OF_KIND[kind]
        objects = exported.documents[section]
        if not objects:
            continue
        if split:
            for key, data in objects.items():
                files[f"{section}/{key}.yaml"] = dump({section: {key: data}}, header=origin)
        else:
            files[f"{section}.yaml"] = dump({section: objects}, header=origin)
    for key, ui in exported.widgets.items():
        files[f"widgets/{key}.json"] = json.dumps(ui, indent=2, ensure_ascii=False) + "\n"
    return files


def _settings_document(settings: Settings) -> dict[str, Any]:
    """The exported tkctl.yaml. Exported from one environment of a folder that declares
    several, it keeps their declarations (API, token, safety settings: not their state, which
    starts afresh, nor variables, as the exported values are literal), so the same files can
    be planned against another environment: that is how one environment is replicated."""
    if not settings.environment:
        return {"token_env": settings.token_env, "state": STATE_FILE}
    keep = {name: {k: v for k, v in block.items() if k not in ("state", "variables")}
            for name, block in environment_settings(settings.config_dir).items()}
    return {"token_env": settings.token_env, "environments": keep}


def _check_free(out: Path, files: dict[str, str], force: bool, state_file: str = STATE_FILE) -> None:
    """Refuse to mix the export into a folder holding other files (unless --force)."""
    if force or not out.exists():
        return
    if not out.is_dir():
        raise ExportError(f"{display_path(out)} is a file; give a folder to export into")
    ours = {out / rel for rel in files} | {out / state_file}
    others = sorted(p for p in out.rglob("*") if p.is_file() and p not in ours)
    if others:
        shown = ", ".join(display_path(p) for p in others[:5]) + (" ..." if len(others) > 5 else "")
        raise ExportError(f"{display_path(out)} holds files export would not write ({shown}); export into an empty "
                          "folder, or add --force to write beside them")


def _state(out: Path, exported: Exported, live: Any, app: dict[str, Any], environment: str | None) -> State:
    """The state that makes the exported config manage the account: each object recorded as it
    is live, exactly as a plan computes it."""
    from tkctl.config import load_config

    try:
        _, desired = load_config(out, {k: v for k, v in os.environ.items() if k != ENV_VAR}, environment)
    except ConfigError:
        return _state_without_plan(exported, app)  # reported by _report; the ids are still worth keeping
    tracked = {ak: StateRecord(obj_id) for obj_id, ak in exported.keys.items()}
    plan = build_plan(desired, live, tracked)
    state = State(lineage=str(uuid.uuid5(_LINEAGE_NAMESPACE, app["id"])), serial=1,
                  app={"id": app["id"], "slug": app["slug"]})
    records = {s.address: s.record for s in plan.state_steps if s.action == "record" and s.record}
    for obj_id, (kind, key) in exported.keys.items():
        record = records.get(f"{kind}.{key}") or {"fingerprint": "sha256:exported", "fields": {}}
        state.put(StateEntry(kind, key, obj_id, record["fingerprint"], dict(record.get("fields") or {})))
    for change in plan.changes:
        click.echo(f"warning: {change.address} would still plan a change after export ({change.action}: "
                   f"{', '.join(f.path for f in change.fields)}); please report it", err=True)
    return state


def _state_without_plan(exported: Exported, app: dict[str, Any]) -> State:
    state = State(lineage=str(uuid.uuid5(_LINEAGE_NAMESPACE, app["id"])), serial=1,
                  app={"id": app["id"], "slug": app["slug"]})
    for obj_id, (kind, key) in exported.keys.items():
        state.put(StateEntry(kind, key, obj_id, "sha256:exported", {}))
    return state


def _report(out: Path, only: tuple[str, ...], environment: str | None) -> None:
    """Live values that break tkctl's own rules are exported anyway, with a warning each."""
    if only:
        return
    report = check_config(out, {}, environment)
    for finding in [*report.problems, *report.warnings]:
        click.echo(f"warning: exported as it is live, but {finding}", err=True)
    if report.problems:
        click.echo(f"warning: tkctl validate {display_path(out)} reports {len(report.problems)} problem(s) above: fix "
                   "them in the files (or in the account) before planning", err=True)

