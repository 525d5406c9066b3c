"""`tkctl validate [DIR]`: check a config directory offline, with no network and no token.

Problems (errors) fail the run; warnings (what Timekit or its booking widget would ignore or
read differently than the config suggests) are shown and fail it only with `--strict`.
`--format json` is for editors and bots; its shape is documented in docs/validate.md.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import click

from tkctl.cli import options
from tkctl.config.loader import config_folder_of
from tkctl.config.settings import ENV_VAR, declared_environments
from tkctl.config import ConfigReport, check_config
from tkctl.config.yamlfile import display_path
from tkctl.core.model import KINDS, DesiredState
from tkctl.errors import ConfigError, Problem
from tkctl.secrets import redact

EXIT_OK, EXIT_ERROR = 0, 1  # as tkctl.cli maps them
FORMAT_VERSION = 1  # of the --format json output; docs/validate.md says when it changes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def problem_data(problem: Problem) -> dict[str, Any]:
    """One problem or warning as JSON: every key always present, null where unknown."""
    location = problem.location
    return {
        "file": location.file if location else None,
        "line": location.line or None if location else None,
        "column": location.column or None if location else None,
        "object": problem.obj,
        "field": problem.field,
        "message": redact(problem.message),
    }


def _numbers(desired: DesiredState) -> dict[str, int]:
    """Objects of each kind (counted, not listed: of_kind sorts them all)."""
    found = Counter(kind for kind, _ in desired.objects)
    return {kind: found[kind] for kind in KINDS}


def report_data(report: ConfigReport, strict: bool) -> dict[str, Any]:
    desired = report.desired
    return {
        "format_version": FORMAT_VERSION,
        "ok": _ok(report, strict),
        "config_dir": display_path(report.config_dir),
        "objects": _numbers(desired) if desired is not None else None,
        "problems": [problem_data(p) for p in report.problems],
        "warnings": [problem_data(p) for p in report.warnings],
    }


def _ok(report: ConfigReport, strict: bool) -> bool:
    return report.ok and not (strict and report.warnings)


@click.command(name="validate")
@click.argument("paths", nargs=-1, metavar="[DIR|FILE]...")
@options.env
@click.option("--strict", is_flag=True, help="Treat warnings as problems: exit 1 if there is any.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object {format_version, ok, config_dir, objects, problems, warnings} on stdout (docs/validate.md).",
)
def command(paths: tuple[str, ...], env: str | None, strict: bool, output_format: str) -> int:
    """Check the config in DIR (default: the current directory): YAML syntax, schema,
    duplicate keys, references, time zones, constraints, durations, widget settings, unique
    slugs and e-mails, variables.

    Reports every problem and warning at once and exits 1 if there is any problem (or, with
    --strict, any warning); never contacts the API. With environments declared and none
    chosen (--env or TKCTL_ENV), every environment is checked.
    """
    folders = config_folders(paths or (".",))
    if not folders:
        click.echo("No tkctl config among the files given.")
        return EXIT_OK
    if len(folders) > 1:
        if output_format == "json":
            raise click.UsageError("--format json checks one config folder; give one DIR")
        failed = 0
        for folder in folders:
            click.echo(f"{display_path(folder)}:")
            try:
                failed += command.callback(paths=(str(folder),), env=env, strict=strict, output_format=output_format) != 0
            except ConfigError as exc:
                click.echo(f"error: {exc}", err=True)
                failed += 1
        return EXIT_ERROR if failed else EXIT_OK
    config_dir = str(folders[0])
    env = env or os.environ.get(ENV_VAR) or None
    names, _ = declared_environments(Path(os.path.abspath(config_dir))) if env is None else ([], [])
    if names:
        return _validate_each(config_dir, names, strict, output_format)
    report = check_config(config_dir, env=env)
    if output_format == "json":
        click.echo(json.dumps(report_data(report, strict), indent=2, ensure_ascii=False))
        return EXIT_OK if _ok(report, strict) else EXIT_ERROR
    return _show(report, strict)


def config_folders(paths: tuple[str, ...]) -> list[Path]:
    """The config folder of each path: a folder as given, a file's as `config_folder_of` says
    (files that are not tkctl config are left out: pre-commit passes every changed file)."""
    out: list[Path] = []
    for given in paths:
        path = Path(os.path.abspath(given))
        if path.is_dir() or not path.exists():
            out.append(path)
            continue
        folder = config_folder_of(path)
        if folder is not None:
            out.append(folder)
    return list(dict.fromkeys(out))


def _validate_each(config_dir: str, names: list[str], strict: bool, output_format: str) -> int:
    reports = {name: check_config(config_dir, env=name) for name in names}
    ok = all(_ok(r, strict) for r in reports.values())
    if output_format == "json":
        data = {"format_version": FORMAT_VERSION, "ok": ok, "config_dir": display_path(os.path.abspath(config_dir)),
                "environments": {name: {k: v for k, v in report_data(r, strict).items()
                                        if k not in ("format_version", "config_dir")} for name, r in reports.items()}}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK if ok else EXIT_ERROR
    failed = []
    for name, report in reports.items():
        click.echo(f"Environment {name}:")
        try:
            if _show(report, strict) != EXIT_OK:
                failed.append(name)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            failed.append(name)
    if failed:
        click.echo(f"error: environments with problems: {', '.join(failed)}", err=True)
        return EXIT_ERROR
    return EXIT_OK


def _show(report: ConfigReport, strict: bool) -> int:
    if report.warnings:
        lines = [f"{_count(len(report.warnings), 'warning')} in the config:", *(f"  {w}" for w in report.warnings)]
        click.echo(redact("warning: " + "\n".join(lines)), err=True)
    if not report.ok:
        raise ConfigError(report.problems)
    if strict and report.warnings:
        click.echo(f"error: --strict: the {_count(len(report.warnings), 'warning')} above count as problems", err=True)
        return EXIT_ERROR
    desired = report.desired
    assert desired is not None and report.settings is not None  # report.ok
    counts = ", ".join(_count(n, kind) for kind, n in _numbers(desired).items())
    if report.settings.environment:
        counts += f", environment {report.settings.environment}"
    tail = f"; {_count(len(report.warnings), 'warning')} (above)" if report.warnings else ""
    click.echo(f"Config OK: {counts} ({display_path(report.settings.config_dir)}){tail}.")
    return EXIT_OK
