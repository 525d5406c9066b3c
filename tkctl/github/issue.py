"""The drift issue: one open issue per config folder and environment while the account has
changes made outside tkctl, updated by every scheduled check, closed by the first clean one.

Only open issues are looked at: an issue someone closed stays closed, and drift seen after
that opens a new one. Pull requests, which GitHub lists among issues, are never matched.
"""

from __future__ import annotations

from tkctl.errors import TkctlError
from tkctl.github import markers
from tkctl.github.client import GitHubClient
from tkctl.github.comment import Posted, check_size, same_text


def default_title(marker: str) -> str:
    kind, folder, env = markers.describe(marker)
    where = folder if env == "default" else f"{folder}, environment {env}"
    if kind == "drift":
        return f"tkctl: Timekit account changed outside tkctl ({where})"
    return f"tkctl plan ({where})"


def post_issue(client: GitHubClient, body: str, *, title: str | None = None, labels: list[str] | None = None,
               close: bool = False) -> Posted:
    """Open or update the issue whose body starts with `body`'s marker; with `close`, write
    `body` into the open one (if any) and close it."""
    marker = markers.marker_of(body)
    if marker is None:
        raise TkctlError("the report does not start with a tkctl marker line (make it with "
                         "`tkctl drift --format markdown`), so its issue could not be found again")
    check_size(body, "the issue body")
    existing = markers.find(client.open_issues(), marker)
    if close:
        if existing is None:
            return Posted("nothing")
        made = client.update_issue(existing["number"], body=body, state="closed", state_reason="completed")
        return Posted("closed", made.get("number"), made.get("html_url"))
    if existing is None:
        made = client.create_issue(title or default_title(marker), body, labels)
        return Posted("created", made.get("number"), made.get("html_url"))
    if same_text(str(existing.get("body")), body):
        return Posted("unchanged", existing.get("number"), existing.get("html_url"))
    made = client.update_issue(existing["number"], body=body)
    return Posted("updated", made.get("number"), made.get("html_url"))
