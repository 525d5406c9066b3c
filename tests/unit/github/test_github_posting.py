"""Finding tkctl's own comment or issue by its marker, and creating, updating or closing it,
against the fake GitHub."""

from __future__ import annotations

import pytest

from tests.unit.github.conftest import REPO
from tests.unit.render.plans import change, plan
from tkctl.errors import TkctlError
from tkctl.github import markers
from tkctl.github.client import GitHubClient
from tkctl.github.comment import footer, plan_comment, post_comment
from tkctl.github.issue import default_title, post_issue

PLAN_MARKER = "<!-- tkctl:plan dir=config env=default -->"
DRIFT_MARKER = "<!-- tkctl:drift dir=config env=default -->"


@pytest.fixture
def client(github):
    with GitHubClient(github.url, github.token, REPO) as c:
        yield c


@pytest.mark.parametrize("body, marker", [
    (f"{PLAN_MARKER}\n### tkctl plan", PLAN_MARKER),
    (f"{DRIFT_MARKER}\r\nbody", DRIFT_MARKER),
    ("<!-- tkctl:plan dir=a%20b env=prod -->", "<!-- tkctl:plan dir=a%20b env=prod -->"),
    (f"> {PLAN_MARKER}\nquoted by a reviewer", None),
    (f"Looks good\n{PLAN_MARKER}", None),
    ("<!-- other-tool:plan -->", None),
])
def test_marker_is_the_first_line_only(body, marker):
    assert markers.marker_of(body) == marker


def test_describe_decodes_the_marker():
    assert markers.describe("<!-- tkctl:drift dir=my%20config env=prod -->") == ("drift", "my config", "prod")
    with pytest.raises(ValueError):
        markers.describe("hello")


def test_first_push_creates_later_pushes_edit_the_same_comment(github, client):
    github.add_comment(REPO, 1, "Please review", )
    github.add_comment(REPO, 1, f"> {PLAN_MARKER}\n> quoted")
    github.add_comment(REPO, 1, "<!-- tkctl:plan dir=other env=default -->\nanother folder's plan")
    first = post_comment(client, 1, f"{PLAN_MARKER}\nPlan: 1 to create.")
    assert first.action == "created" and first.url.endswith(f"/pull/1#issuecomment-{first.number}")
    second = post_comment(client, 1, f"{PLAN_MARKER}\nPlan: 2 to create.")
    assert (second.action, second.number) == ("updated", first.number)
    third = post_comment(client, 1, f"{PLAN_MARKER}\nPlan: 2 to create.\n")
    assert (third.action, third.number) == ("unchanged", first.number)
    bodies = [c["body"] for c in github.comments_on(REPO, 1)]
    assert bodies[:3] == ["Please review", f"> {PLAN_MARKER}\n> quoted",
                          "<!-- tkctl:plan dir=other env=default -->\nanother folder's plan"]
    assert bodies[3:] == [f"{PLAN_MARKER}\nPlan: 2 to create."]
    assert [(w.method, w.path) for w in github.writes()] == [
        ("POST", f"/repos/{REPO}/issues/1/comments"), ("PATCH", f"/repos/{REPO}/issues/comments/{first.number}")]


def test_a_comment_without_marker_or_too_long_is_refused_before_any_request(github, client):
    with pytest.raises(TkctlError, match="does not start with a tkctl marker line"):
        post_comment(client, 1, "### tkctl plan")
    with pytest.raises(TkctlError, match="the comment is 65,537 characters; GitHub allows 65,536: render it "
                                         "with a smaller --max-chars"):
        post_comment(client, 1, PLAN_MARKER + "\n" + "x" * (65_537 - len(PLAN_MARKER) - 1))
    assert github.requests == []


def test_plan_comment_keeps_under_the_budget_with_its_last_line():
    big = plan(*[change("create", "resource", f"r{i:03d}", [("name", None, "N" * 300)]) for i in range(300)],
               checksum="sha256:" + "a" * 64)
    last = footer("https://github.com/o/r/actions/runs/5", "tkctl-plan")
    body = plan_comment(big, max_chars=20_000, full_plan="plan.json", last_line=last)
    assert len(body) <= 20_000
    assert body.startswith("<!-- tkctl:plan dir=examples/clinic env=default -->\n")
    assert "changed objects are not shown in detail" in body and "the full plan is in `plan.json`" in body
    assert body.endswith("<sub>Posted by tkctl: [workflow run](https://github.com/o/r/actions/runs/5); saved plan: "
                         "artifact `tkctl-plan` of that run.</sub>\n")


@pytest.mark.parametrize("run_url, artifact, last", [
    (None, None, None),
    (None, "plans", "<sub>Posted by tkctl: saved plan: artifact `plans`.</sub>"),
    ("https://x/runs/1", None, "<sub>Posted by tkctl: [workflow run](https://x/runs/1).</sub>"),
])
def test_footer(run_url, artifact, last):
    assert footer(run_url, artifact) == last


def test_drift_issue_opens_updates_then_closes(github, client):
    github.add_issue(REPO, "Unrelated", "a person's issue")
    github.add_issue(REPO, "A PR with the marker", f"{DRIFT_MARKER}\nnot an issue", pull_request=True)
    github.add_issue(REPO, "Closed earlier", f"{DRIFT_MARKER}\nold drift", state="closed")

    opened = post_issue(client, f"{DRIFT_MARKER}\nDrift: 1 object changed outside tkctl.", labels=["tkctl"])
    assert opened.action == "created"
    issue = github.repos[REPO].issues[opened.number]
    assert issue["title"] == "tkctl: Timekit account changed outside tkctl (config)"
    assert [label["name"] for label in issue["labels"]] == ["tkctl"]

    assert post_issue(client, f"{DRIFT_MARKER}\nDrift: 2 objects changed outside tkctl.").action == "updated"
    assert post_issue(client, f"{DRIFT_MARKER}\nDrift: 2 objects changed outside tkctl.").action == "unchanged"
    closed = post_issue(client, f"{DRIFT_MARKER}\nNo drift.", close=True)
    assert (closed.action, closed.number) == ("closed", opened.number)
    assert (issue["state"], issue["state_reason"], issue["body"]) == ("closed", "completed", f"{DRIFT_MARKER}\nNo drift.")
    assert post_issue(client, f"{DRIFT_MARKER}\nNo drift.", close=True).action == "nothing"
    # Drift seen after the issue was closed opens a new one.
    again = post_issue(client, f"{DRIFT_MARKER}\nDrift again.")
    assert again.action == "created" and again.number != opened.number
    assert [i["state"] for i in github.issues_of(REPO) if i["body"].startswith(DRIFT_MARKER)] == [
        "closed", "closed", "open"]


def test_issue_needs_a_marker(github, client):
    with pytest.raises(TkctlError, match=r"make it with `tkctl drift --format markdown`"):
        post_issue(client, "### tkctl drift")
    assert github.requests == []


@pytest.mark.parametrize("marker, title", [
    (DRIFT_MARKER, "tkctl: Timekit account changed outside tkctl (config)"),
    ("<!-- tkctl:drift dir=infra/booking env=prod -->",
     "tkctl: Timekit account changed outside tkctl (infra/booking, environment prod)"),
    ("<!-- tkctl:plan dir=. env=default -->", "tkctl plan (.)"),
])
def test_default_title(marker, title):
    assert default_title(marker) == title
