"""The GitHub REST client against the fake GitHub over real HTTP: headers, Link pagination,
errors that quote GitHub and never the token."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.github.conftest import REPO
from tests.unit.github.fake_github import FakeGitHub
from tkctl.github.client import GitHubClient, GitHubError


def client_for(github: FakeGitHub, token: str | None = None, repository: str = REPO) -> GitHubClient:
    return GitHubClient(github.url, token or github.token, repository)


def test_requests_carry_the_headers_github_documents(github):
    with client_for(github) as client:
        client.create_comment(1, "hello")
    seen = github.requests[-1]
    assert (seen.method, seen.path) == ("POST", f"/repos/{REPO}/issues/1/comments")
    assert seen.headers["accept"] == "application/vnd.github+json"
    assert seen.headers["x-github-api-version"] == "2022-11-28"
    assert seen.headers["authorization"] == f"Bearer {github.token}"
    assert seen.headers["user-agent"].startswith("tkctl/")
    assert seen.body == {"body": "hello"}


def test_lists_follow_the_link_header_through_every_page(github):
    for i in range(250):
        github.add_comment(REPO, 1, f"comment {i}")
    with client_for(github) as client:
        bodies = [c["body"] for c in client.issue_comments(1)]
    assert bodies == [f"comment {i}" for i in range(250)]
    pages = [r for r in github.requests if r.method == "GET"]
    # 100 a page; the later pages are fetched at the URL the Link header names, as given.
    assert [(r.path, r.query.get("page"), r.query["per_page"]) for r in pages] == [
        (f"/repos/{REPO}/issues/1/comments", None, ["100"]),
        (f"/repositories/{github.repos[REPO].id}/issues/1/comments", ["2"], ["100"]),
        (f"/repositories/{github.repos[REPO].id}/issues/1/comments", ["3"], ["100"]),
    ]


def test_open_issues_leave_out_pull_requests_and_closed_issues(github):
    github.add_issue(REPO, "Drift", "body one")
    github.add_issue(REPO, "Old drift", "body two", state="closed")
    github.add_issue(REPO, "Another PR", pull_request=True)
    with client_for(github) as client:
        issues = list(client.open_issues())
    assert [i["title"] for i in issues] == ["Drift"]
    assert github.requests[-1].query == {"state": ["open"], "sort": ["created"], "direction": ["asc"],
                                         "per_page": ["100"]}


def test_enterprise_server_api_path_prefix():
    fake = FakeGitHub(prefix="/api/v3").start()
    try:
        fake.add_repo(REPO)
        fake.add_issue(REPO, "PR", pull_request=True)
        for i in range(120):
            fake.add_comment(REPO, 1, f"c{i}")
        with GitHubClient(fake.url, fake.token, REPO) as client:
            assert len(list(client.issue_comments(1))) == 120
            client.update_comment(fake.comments_on(REPO, 1)[0]["id"], "edited")
        assert fake.comments_on(REPO, 1)[0]["body"] == "edited"
        assert {r.path.split("/")[1:3] == ["api", "v3"] for r in fake.requests} == {True}
    finally:
        fake.stop()


@pytest.mark.parametrize("token, repository, status, message", [
    ("ghs_wrongTokenWrongToken000000", REPO, 401, "Bad credentials; check the token in GITHUB_TOKEN"),
    (None, "octo-org/no-such-repo", 404, "Not Found; check GITHUB_REPOSITORY"),
])
def test_errors_name_the_request_and_quote_github(github, token, repository, status, message):
    with client_for(github, token, repository) as client, pytest.raises(GitHubError) as caught:
        list(client.issue_comments(1))
    text = str(caught.value)
    assert text.startswith(f"GitHub API error {status} on GET /repos/{repository}/issues/1/comments: {message}")
    assert "(request id FAKE:" in text
    assert caught.value.status == status
    assert (token or github.token) not in text


def test_a_read_only_token_is_told_which_permission_is_missing(github):
    github.read_only_tokens.add("ghs_readOnlyForkToken000000000")
    with client_for(github, "ghs_readOnlyForkToken000000000") as client, pytest.raises(GitHubError) as caught:
        client.create_comment(1, "x")
    assert str(caught.value).startswith(f"GitHub API error 403 on POST /repos/{REPO}/issues/1/comments: "
                                        "Resource not accessible by integration; the token may lack a permission: "
                                        "the workflow needs `permissions: pull-requests: write`")


def test_validation_errors_include_githubs_details(github):
    with client_for(github) as client, pytest.raises(GitHubError) as caught:
        client.create_comment(1, "x" * 65_537)
    assert str(caught.value).startswith(
        f"GitHub API error 422 on POST /repos/{REPO}/issues/1/comments: Validation Failed "
        "(body is too long (maximum is 65536 characters))")


def test_an_unreachable_api_is_an_error_not_a_traceback():
    with GitHubClient("http://127.0.0.1:9", "ghs_unreachable000000000000", REPO) as client, \
            pytest.raises(GitHubError) as caught:
        client.create_issue("t", "b")
    assert str(caught.value).startswith(f"GitHub API unreachable on POST /repos/{REPO}/issues: ConnectError talking "
                                        "to http://127.0.0.1:9")


def test_a_next_page_on_another_host_is_not_followed_with_the_token():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"id": 1, "body": "a"}],
                              headers={"Link": '<https://elsewhere.example/page2>; rel="next"'})

    client = GitHubClient("https://api.github.com", "ghs_token0000000000000000", REPO,
                          transport=httpx.MockTransport(answer))
    with client, pytest.raises(GitHubError) as caught:
        list(client.issue_comments(1))
    assert "the next page is on another host (elsewhere.example); not following it with the token" in str(caught.value)
    assert client.requests_made == 1


@pytest.mark.parametrize("content, message", [
    (b"<html>oops</html>", "the answer is not JSON"),
    (b'{"not": "a list"}', "the answer is not a list"),
])
def test_answers_of_the_wrong_shape_are_errors(content, message):
    client = GitHubClient("https://api.github.com", "ghs_token0000000000000000", REPO,
                          transport=httpx.MockTransport(lambda r: httpx.Response(200, content=content)))
    with client, pytest.raises(GitHubError, match=message):
        list(client.issue_comments(1))


def test_a_write_answered_with_a_list_is_an_error():
    client = GitHubClient("https://api.github.com", "ghs_token0000000000000000", REPO,
                          transport=httpx.MockTransport(lambda r: httpx.Response(201, json=[])))
    with client, pytest.raises(GitHubError, match="the answer is not an object"):
        client.create_issue("t", "b")


def test_an_error_without_a_json_body_uses_the_status_phrase():
    client = GitHubClient("https://api.github.com", "ghs_token0000000000000000", REPO,
                          transport=httpx.MockTransport(lambda r: httpx.Response(502, content=b"<html>")))
    with client, pytest.raises(GitHubError) as caught:
        client.update_issue(3, body="b")
    assert str(caught.value) == f"GitHub API error 502 on PATCH /repos/{REPO}/issues/3: Bad Gateway"
