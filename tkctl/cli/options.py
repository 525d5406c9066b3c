"""Options shared by several commands, defined once so they read the same everywhere."""

from __future__ import annotations

import re

import click

from tkctl.render import FORMATS
from tkctl.render.markdown import DEFAULT_MAX_CHARS

config_dir = click.argument("config_dir", default=".", type=click.Path(file_okay=False, path_type=str))
emulator = click.option(
    "--emulator",
    is_flag=True,
    help="Target an embedded Timekit emulator instead of a real account "
    "(its account is kept in CONFIG_DIR/.tkctl/emulator.db). No token needed.",
)
color = click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text output (auto: only on a terminal, and never when NO_COLOR is set).",
)
output_format = click.option(
    "--format", "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, markdown for pull-request comments, json for machines, html for a "
    "self-contained report (a CI artifact).",
)
max_chars = click.option(
    "--max-chars",
    type=click.IntRange(min=1000),
    default=DEFAULT_MAX_CHARS,
    show_default=True,
    help="Markdown only: keep the comment under this many characters (GitHub allows 65,536).",
)
targets = click.option(
    "--target", "targets", multiple=True, metavar="GLOB",
    help="Plan only objects whose address matches (e.g. 'project.physio-*'), and what they depend on. Repeatable.",
)
excludes = click.option(
    "--exclude", "excludes", multiple=True, metavar="GLOB",
    help="Leave out objects whose address matches. Repeatable.",
)
show_unmanaged = click.option(
    "--show-unmanaged", is_flag=True,
    help="List the live objects tkctl does not manage (JSON always lists them).",
)


def safety(command):
    """--allow-deletes, --allow-replace and --force: the overrides of core/safety.py."""
    command = click.option("--force", is_flag=True,
                           help="Apply even if the plan changes more than the allowed share of a kind.")(command)
    command = click.option("--allow-replace", is_flag=True,
                           help="Allow replacing objects Timekit cannot change in place (losing their bookings).")(command)
    command = click.option("--allow-deletes", is_flag=True,
                           help="Allow the plan to delete objects removed from the config.")(command)
    return command


env = click.option(
    "--env", "env", metavar="NAME", default=None,
    help="The environment of tkctl.yaml to use (default: TKCTL_ENV). Needed when environments are declared.",
)


def warn(message: str) -> None:
    """Print the config's warnings on stderr, where they never mix with a plan on stdout (and
    above the progress bar of the account read, which may have started: `planner.EarlyRead`)."""
    from tkctl import progress

    progress.current().note(message)


class Duration(click.ParamType):
    """`30s`, `5m`, `1h30m`, `90` (seconds) -> seconds, as a float."""

    name = "duration"
    _PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
    _UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip()
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            return float(text)
        parts = self._PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            self.fail(f"{value!r} is not a duration: write it like 30s, 5m, 1h30m, or 0 to not wait", param, ctx)
        return sum(float(n) * self._UNIT[u] for n, u in parts)


lock_timeout = click.option(
    "--lock-timeout",
    type=Duration(),
    default="0",
    show_default=True,
    metavar="DURATION",
    help="If another tkctl holds the state lock, wait up to DURATION (30s, 5m, 1h) for it instead of failing at once.",
)
