"""The plan comment on a pull request: rendered from the saved plan, one per config folder and
environment, created on the first push and edited in place on every later one.

The body is tkctl's own Markdown rendering (`tkctl.render.render`, format "markdown") of the
saved plan, kept under the comment limit by the renderer's budget, and a last line linking the
workflow run. Its first line is the plan's hidden marker, by which the comment is found again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Mapping

from tkctl.errors import TkctlError
from tkctl.github import markers
from tkctl.github.client import MAX_BODY_CHARS, GitHubClient
from tkctl.render import render


@dataclass(frozen=True)
class Posted:
    """What happened to the comment or issue: created, updated, unchanged, closed or nothing."""

    action: str
    number: int | None = None  # the issue's number (an issue), or the comment's id (a comment)
    url: str | None = None


def footer(run_url: str | None, artifact: str | None) -> str | None:
    """The last line of a body: where it came from and where the saved plan is."""
    parts = []
    if run_url:
        parts.append(f"[workflow run]({run_url})")
    if artifact:
        parts.append(f"saved plan: artifact `{artifact}`" + (" of that run" if run_url else ""))
    return f"<sub>Posted by tkctl: {'; '.join(parts)}.</sub>" if parts else None


def with_footer(body: str, last: str | None) -> str:
    return body if not last else body.rstrip("\n") + "\n\n" + last + "\n"


def plan_comment(plan: Mapping[str, Any], *, max_chars: int, full_plan: str | None = None,
                 last_line: str | None = None) -> str:
    """The comment's body: the Markdown plan in `max_chars` characters, the last line included."""
    reserve = len(last_line) + 2 if last_line else 0
    out = io.StringIO()
    render("markdown", dict(plan), out, max_chars=max_chars - reserve, full_plan=full_plan)
    return with_footer(out.getvalue(), last_line)


def check_size(body: str, what: str) -> None:
    if len(body) > MAX_BODY_CHARS:
        raise TkctlError(f"{what} is {len(body):,} characters; GitHub allows {MAX_BODY_CHARS:,}: "
                         "render it with a smaller --max-chars")


def same_text(a: str, b: str) -> bool:
    """GitHub may hand a body back with CRLF line ends; that is not a change."""
    return a.replace("\r\n", "\n").rstrip("\n") == b.replace("\r\n", "\n").rstrip("\n")


def post_comment(client: GitHubClient, number: int, body: str) -> Posted:
    """Edit this plan's comment on pull request `number`, or create it if there is none."""
    marker = markers.marker_of(body)
    if marker is None:
        raise TkctlError("the comment does not start with a tkctl marker line, so it could not be found again")
    check_size(body, "the comment")
    existing = markers.find(client.issue_comments(number), marker)
    if existing is None:
        made = client.create_comment(number, body)
        return Posted("created", made.get("id"), made.get("html_url"))
    if same_text(str(existing.get("body")), body):
        return Posted("unchanged", existing.get("id"), existing.get("html_url"))
    made = client.update_comment(existing["id"], body)
    return Posted("updated", made.get("id"), made.get("html_url"))
