"""`tkctl github ...`: post a saved plan as the pull request's comment, and drift as an issue.

    tkctl github comment --plan plan.json [--pr N]   create or edit this plan's one PR comment
    tkctl github issue --markdown drift.md [--close] open, edit or close the one drift issue

Both read GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL from the environment, as a
GitHub Actions step has them (see docs/ci.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from tkctl.errors import TkctlError
from tkctl.fileio import read_regular_file
from tkctl.github.client import MAX_BODY_CHARS, GitHubClient
from tkctl.github.comment import Posted, footer, plan_comment, post_comment, with_footer
from tkctl.github.context import GitHubContext
from tkctl.github.issue import post_issue
from tkctl.render.markdown import DEFAULT_MAX_CHARS
from tkctl.savedplan import read_plan_file

MAX_REPORT_BYTES = 4 * MAX_BODY_CHARS  # UTF-8: at most 4 bytes a character


@click.group(name="github")
def command() -> None:
    """Post plans and drift reports to GitHub (for CI; see docs/ci.md)."""


def _client(ctx: GitHubContext) -> GitHubClient:
    return GitHubClient(ctx.api_url, ctx.token, ctx.repository)


@command.command(name="comment")
@click.option("--plan", "plan_file", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="The saved plan (tkctl plan --out FILE) to post.")
@click.option("--pr", type=click.IntRange(min=1), default=None,
              help="The pull request's number (default: the one in the event file GITHUB_EVENT_PATH).")
@click.option("--max-chars", type=click.IntRange(1000, MAX_BODY_CHARS), default=DEFAULT_MAX_CHARS, show_default=True,
              help=f"Keep the comment under this many characters (GitHub allows {MAX_BODY_CHARS:,}).")
@click.option("--artifact", metavar="NAME", default=None,
              help="Name of the workflow artifact holding the saved plan, mentioned in the comment.")
def comment(plan_file: str, pr: int | None, max_chars: int, artifact: str | None) -> int:
    """Create or update the pull request's comment for this plan's config folder and environment.

    The comment is found again by the plan's hidden first line, so every push edits the same
    comment instead of adding one."""
    plan = read_plan_file(plan_file)
    ctx = GitHubContext.from_environ(os.environ)
    number = ctx.pull_request(pr)
    body = plan_comment(plan, max_chars=max_chars, full_plan=Path(plan_file).name,
                        last_line=footer(ctx.run_url, artifact))
    with _client(ctx) as client:
        posted = post_comment(client, number, body)
    verb = {"created": "Created", "updated": "Updated", "unchanged": "Left unchanged"}[posted.action]
    click.echo(f"{verb} the plan comment on pull request #{number}: {posted.url}")
    return 0


@command.command(name="issue")
@click.option("--markdown", "markdown_file", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="The report to post: tkctl drift --format markdown > FILE.")
@click.option("--close", is_flag=True,
              help="There is no drift: write the report into the open drift issue, if any, and close it.")
@click.option("--title", default=None, help="Title of a new issue (default: names the config folder).")
@click.option("--label", "labels", multiple=True, metavar="NAME",
              help="Label a new issue (repeatable; GitHub drops labels the token may not set).")
def issue(markdown_file: str, close: bool, title: str | None, labels: tuple[str, ...]) -> int:
    """Open or update the one open issue for this report's config folder and environment, or
    close it with --close.

    Run it after `tkctl drift --format markdown > drift.md`: without --close when drift exited
    2, with --close when it exited 0."""
    ctx = GitHubContext.from_environ(os.environ)
    body = with_footer(_read_report(markdown_file), footer(ctx.run_url, None))
    with _client(ctx) as client:
        posted = post_issue(client, body, title=title, labels=list(labels), close=close)
    click.echo(_issue_line(posted))
    return 0


def _issue_line(posted: Posted) -> str:
    if posted.action == "nothing":
        return "No open drift issue to close; nothing to do."
    verb = {"created": "Opened", "updated": "Updated", "unchanged": "Left unchanged", "closed": "Closed"}[posted.action]
    return f"{verb} issue #{posted.number}: {posted.url}"


def _read_report(path: str) -> str:
    try:
        raw = read_regular_file(Path(path), MAX_REPORT_BYTES)
    except OSError as exc:
        raise TkctlError(f"cannot read the report {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TkctlError(f"the report {path} is not UTF-8 text") from None
