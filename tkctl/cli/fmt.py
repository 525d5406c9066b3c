"""`tkctl fmt [DIR] [--check] [--diff]`: rewrite the config's YAML in its canonical form.

The form is the one `tkctl export` writes (tkctl/config/yamlwrite.py): field order, two-space
indentation, quotes only where needed; comments are kept. `--check` changes nothing and exits 1
listing the files it would change (for CI and pre-commit); `--diff` shows the changes.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import click
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from tkctl.config.loader import config_folder_of, object_files
from tkctl.config.safefile import FileRefused, read_text
from tkctl.config.settings import SETTINGS_FILE
from tkctl.config.yamlfile import display_path
from tkctl.config.yamlwrite import FormatChangedMeaning, format_text
from tkctl.errors import ConfigError, Location, Problem
from tkctl.fileio import write_atomically

MAX_FILE_BYTES = 16 * 1024 * 1024


@click.command(name="fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 listing the files that are not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the changes as a unified diff.")
def command(paths: tuple[str, ...], check: bool, show_diff: bool) -> int:
    """Rewrite the YAML files of the config folders or files PATHS (default: .) in tkctl's
    canonical form, keeping comments."""
    files = _files(paths or (".",))
    problems: list[Problem] = []
    changed: list[Path] = []
    for path in files:
        shown = display_path(path)
        try:
            text = read_text(path, limit=MAX_FILE_BYTES, inside=path.parent, allow_outside=True)
            formatted = format_text(text, settings=path.name == SETTINGS_FILE)
        except FileRefused as exc:
            problems.append(Problem(f"cannot be read: {exc.reason}", Location(shown)))
            continue
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
            problems.append(Problem(f"invalid YAML: {exc.problem or exc}; tkctl validate says more", where))
            continue
        except YAMLError as exc:
            problems.append(Problem(f"invalid YAML: {exc}", Location(shown)))
            continue
        except FormatChangedMeaning:
            problems.append(Problem("tkctl fmt cannot rewrite this file without changing a value, so it leaves it "
                                    "as it is; this is a tkctl bug, please report it", Location(shown)))
            continue
        if formatted == text:
            continue
        changed.append(path)
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), formatted.splitlines(True),
                                                    f"{shown} (now)", f"{shown} (formatted)")), nl=False)
        if not check:
            write_atomically(path, formatted)
    if problems:
        raise ConfigError(problems)
    names = [display_path(p) for p in changed]
    if check:
        if changed:
            click.echo("Not formatted (run tkctl fmt):\n" + "\n".join(f"  {n}" for n in names), err=True)
            return 1
        click.echo(f"{_count(len(files))} already formatted.")
        return 0
    if changed:
        click.echo("Formatted:\n" + "\n".join(f"  {n}" for n in names))
    click.echo(f"{_count(len(files))} checked, {len(changed)} rewritten.")
    return 0


def _count(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"


def _files(paths: tuple[str, ...]) -> list[Path]:
    """The YAML files of each config folder (tkctl.yaml and object files), and the files given
    that belong to tkctl config: pre-commit passes every changed YAML file of a repository, and
    a CI workflow or any other YAML there is not tkctl's to rewrite."""
    out: list[Path] = []
    for given in paths:
        path = Path(os.path.abspath(given))
        if path.is_dir():
            if (path / SETTINGS_FILE).is_file():
                out.append(path / SETTINGS_FILE)
            out.extend(object_files(path))
        elif path.is_file():
            if config_folder_of(path) is not None:
                out.append(path)
        else:
            raise ConfigError([Problem("no such file or folder", Location(display_path(path)))])
    return list(dict.fromkeys(out))
