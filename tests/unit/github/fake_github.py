"""A small stand-in for the GitHub REST API, served over real HTTP on 127.0.0.1, for tests only.

It implements the endpoints tkctl calls, with the shapes GitHub documents:
    GET/POST  /repos/{owner}/{repo}/issues/{number}/comments   list issue comments / create one
    PATCH     /repos/{owner}/{repo}/issues/comments/{id}       update an issue comment
    GET/POST  /repos/{owner}/{repo}/issues                     list repository issues / create one
    PATCH     /repos/{owner}/{repo}/issues/{number}            update an issue
and, as GitHub does, pages (`per_page` default 30, at most 100) linked by a `Link` header whose
URLs use the other path form, `/repositories/{repo id}/...`. A wrong token gets 401 "Bad
credentials", a read-only token 403 "Resource not accessible by integration" on writes, an
unknown repository or issue 404 "Not Found", a body over 65,536 characters 422, and a request
without a User-Agent 403, each with GitHub's JSON error shape. Pull requests are issues too:
the issue list includes them, with a `pull_request` key.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

WEB = "https://github.com"
MAX_BODY = 65_536
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
PERSON = {"login": "octocat", "id": 583231, "type": "User"}


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    issues: dict[int, dict] = field(default_factory=dict)  # number -> issue (pull requests included)
    comments: dict[int, dict] = field(default_factory=dict)  # id -> comment (with its issue number)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class FakeGitHub:
    def __init__(self, token: str = "ghs_fakeGitHubToken0123456789abcdef", prefix: str = ""):
        self.token = token
        self.read_only_tokens: set[str] = set()
        self.prefix = prefix  # "/api/v3" to look like GitHub Enterprise Server
        self.repos: dict[str, Repo] = {}
        self.requests: list[Seen] = []
        self._ids = 1000
        self._request_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-github", daemon=True)

    # -- lifecycle and seeding ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def start(self) -> "FakeGitHub":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def add_repo(self, full_name: str) -> Repo:
        owner, name = full_name.split("/")
        repo = Repo(owner, name, self._next_id())
        self.repos[full_name.lower()] = repo
        return repo

    def add_issue(self, full_name: str, title: str, body: str = "", *, pull_request: bool = False,
                  state: str = "open", user: dict = PERSON) -> dict:
        repo = self.repos[full_name.lower()]
        number = len(repo.issues) + 1
        issue = _issue(repo, number, self._next_id(), title, body, user, [])
        issue["state"] = state
        if pull_request:
            issue["pull_request"] = {"url": f"{self.url}/repos/{repo.full_name}/pulls/{number}",
                                     "html_url": f"{WEB}/{repo.full_name}/pull/{number}"}
            issue["html_url"] = f"{WEB}/{repo.full_name}/pull/{number}"
        repo.issues[number] = issue
        return issue

    def add_comment(self, full_name: str, number: int, body: str, user: dict = PERSON) -> dict:
        repo = self.repos[full_name.lower()]
        comment = _comment(self, repo, repo.issues[number], self._next_id(), body, user)
        repo.comments[comment["id"]] = comment
        return comment

    def comments_on(self, full_name: str, number: int) -> list[dict]:
        repo = self.repos[full_name.lower()]
        return [copy.deepcopy(c) for c in repo.comments.values() if c["_issue"] == number]

    def issues_of(self, full_name: str, *, pull_requests: bool = False) -> list[dict]:
        repo = self.repos[full_name.lower()]
        return [copy.deepcopy(i) for i in repo.issues.values() if pull_requests or "pull_request" not in i]

    def writes(self) -> list[Seen]:
        return [r for r in self.requests if r.method != "GET"]

    # -- the API -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict, Any]:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return _error(400, "Problems parsing JSON", "")
        with self._lock:
            self.requests.append(Seen(method, path, query, dict(headers), body))
            if not headers.get("user-agent"):
                return _error(403, "Request forbidden by administrative rules. Please make sure your request "
                                   "has a User-Agent header", "")
            if self.prefix:
                if not path.startswith(self.prefix + "/"):
                    return _error(404, "Not Found", "")
                path = path[len(self.prefix):]
            auth = headers.get("authorization", "")
            scheme, _, token = auth.partition(" ")
            if not auth:
                return _error(401, "Requires authentication", "")
            if scheme.lower() not in ("bearer", "token") or token not in {self.token, *self.read_only_tokens}:
                return _error(401, "Bad credentials", "")
            if method != "GET" and token in self.read_only_tokens:
                return _error(403, "Resource not accessible by integration", "issues/comments#create-an-issue-comment")
            return self._route(method, path, query, body)

    def _repo(self, owner: str | None, name: str | None, repo_id: str | None) -> Repo | None:
        if repo_id is not None:
            return next((r for r in self.repos.values() if r.id == int(repo_id)), None)
        return self.repos.get(f"{owner}/{name}".lower())

    def _route(self, method: str, path: str, query: dict, body: Any) -> tuple[int, dict, Any]:
        for pattern, handlers in _ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            found = match.groupdict()
            repo = self._repo(found.pop("owner", None), found.pop("name", None), found.pop("repo_id", None))
            if repo is None:
                return _error(404, "Not Found", "")
            handler = handlers.get(method)
            if handler is None:
                return _error(404, "Not Found", "")
            return handler(self, repo, query, body, path, **{k: int(v) for k, v in found.items()})
        return _error(404, "Not Found", "")

    def list_comments(self, repo: Repo, query, body, path, number: int):
        if number not in repo.issues:
            return _error(404, "Not Found", "issues/comments#list-issue-comments")
        items = sorted((c for c in repo.comments.values() if c["_issue"] == number), key=lambda c: c["id"])
        return self._page(repo, items, query, f"/repositories/{repo.id}/issues/{number}/comments")

    def create_comment(self, repo: Repo, query, body, path, number: int):
        issue = repo.issues.get(number)
        if issue is None:
            return _error(404, "Not Found", "issues/comments#create-an-issue-comment")
        problem = _body_problem(body, "IssueComment", required=True)
        if problem:
            return problem
        comment = _comment(self, repo, issue, self._next_id(), body["body"], BOT)
        repo.comments[comment["id"]] = comment
        issue["comments"] += 1
        return 201, {"Location": comment["url"]}, _public(comment)

    def update_comment(self, repo: Repo, query, body, path, comment_id: int):
        comment = repo.comments.get(comment_id)
        if comment is None:
            return _error(404, "Not Found", "issues/comments#update-an-issue-comment")
        problem = _body_problem(body, "IssueComment", required=True)
        if problem:
            return problem
        comment["body"] = body["body"]
        comment["updated_at"] = _when(self._next_id())
        return 200, {}, _public(comment)

    def list_issues(self, repo: Repo, query, body, path):
        state = query.get("state", ["open"])[0]
        items = [i for i in repo.issues.values() if state == "all" or i["state"] == state]
        reverse = query.get("direction", ["desc"])[0] == "desc"
        items.sort(key=lambda i: i["number"], reverse=reverse)
        return self._page(repo, items, query, f"/repositories/{repo.id}/issues")

    def create_issue(self, repo: Repo, query, body, path):
        if not isinstance(body, dict) or not body.get("title"):
            return _validation("Issue", "title", "missing_field")
        problem = _body_problem(body, "Issue", required=False)
        if problem:
            return problem
        number = len(repo.issues) + 1
        labels = [{"id": self._next_id(), "name": str(n), "color": "ededed", "default": False}
                  for n in body.get("labels") or []]
        issue = _issue(repo, number, self._next_id(), body["title"], body.get("body"), BOT, labels)
        repo.issues[number] = issue
        return 201, {"Location": issue["url"]}, dict(issue)

    def update_issue(self, repo: Repo, query, body, path, number: int):
        issue = repo.issues.get(number)
        if issue is None:
            return _error(404, "Not Found", "issues/issues#update-an-issue")
        if not isinstance(body, dict):
            return _error(400, "Problems parsing JSON", "")
        problem = _body_problem(body, "Issue", required=False)
        if problem:
            return problem
        if "state" in body and body["state"] not in ("open", "closed"):
            return _validation("Issue", "state", "invalid")
        for key in ("title", "body"):
            if key in body:
                issue[key] = body[key]
        if body.get("state") and body["state"] != issue["state"]:
            # state_reason is ignored unless the state changes, as GitHub documents.
            issue["state"] = body["state"]
            issue["state_reason"] = body.get("state_reason") or ("completed" if body["state"] == "closed" else "reopened")
            issue["closed_at"] = _when(self._next_id()) if body["state"] == "closed" else None
        issue["updated_at"] = _when(self._next_id())
        return 200, {}, dict(issue)

    def _page(self, repo: Repo, items: list[dict], query: dict, canonical: str):
        try:
            per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
            page = max(1, int(query.get("page", ["1"])[0]))
        except ValueError:
            return _validation("Query", "per_page", "invalid")
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        keep = {k: v[0] for k, v in query.items() if k not in ("page", "per_page")}

        def link(n: int) -> str:
            return f"{self.url}{canonical}?{urlencode({**keep, 'per_page': per_page, 'page': n})}"

        rels = []
        if page > 1:
            rels += [f'<{link(page - 1)}>; rel="prev"']
        if page < last:
            rels += [f'<{link(page + 1)}>; rel="next"', f'<{link(last)}>; rel="last"']
        if page > 1:
            rels += [f'<{link(1)}>; rel="first"']
        headers = {"Link": ", ".join(rels)} if rels else {}
        return 200, headers, [_public(i) for i in chunk]


_OWNER_REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
_BY_ID = r"/repositories/(?P<repo_id>\d+)"
_ROUTES = [
    (re.compile(rf"^(?:{_OWNER_REPO}|{_BY_ID})/issues/(?P<number>\d+)/comments$"),
     {"GET": FakeGitHub.list_comments, "POST": FakeGitHub.create_comment}),
    (re.compile(rf"^{_OWNER_REPO}/issues/comments/(?P<comment_id>\d+)$"), {"PATCH": FakeGitHub.update_comment}),
    (re.compile(rf"^(?:{_OWNER_REPO}|{_BY_ID})/issues$"), {"GET": FakeGitHub.list_issues, "POST": FakeGitHub.create_issue}),
    (re.compile(rf"^{_OWNER_REPO}/issues/(?P<number>\d+)$"), {"PATCH": FakeGitHub.update_issue}),
]


def _when(n: int) -> str:
    return f"2024-05-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z"


def _public(item: dict) -> dict:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _issue(repo: Repo, number: int, issue_id: int, title: str, body: str | None, user: dict, labels: list) -> dict:
    api = f"https://api.github.com/repos/{repo.full_name}/issues/{number}"
    return {
        "id": issue_id, "node_id": f"I_kwDO{issue_id}", "url": api,
        "repository_url": f"https://api.github.com/repos/{repo.full_name}",
        "comments_url": f"{api}/comments", "html_url": f"{WEB}/{repo.full_name}/issues/{number}",
        "number": number, "state": "open", "state_reason": None, "title": title, "body": body,
        "user": dict(user), "labels": labels, "assignees": [], "locked": False, "comments": 0,
        "created_at": _when(issue_id), "updated_at": _when(issue_id), "closed_at": None,
        "author_association": "NONE",
    }


def _comment(fake: FakeGitHub, repo: Repo, issue: dict, comment_id: int, body: str, user: dict) -> dict:
    return {
        "id": comment_id, "node_id": f"IC_kwDO{comment_id}",
        "url": f"https://api.github.com/repos/{repo.full_name}/issues/comments/{comment_id}",
        "html_url": f"{issue['html_url']}#issuecomment-{comment_id}",
        "issue_url": issue["url"], "body": body, "user": dict(user),
        "created_at": _when(comment_id), "updated_at": _when(comment_id), "author_association": "NONE",
        "_issue": issue["number"],
    }


def _body_problem(body: Any, resource: str, *, required: bool):
    if not isinstance(body, dict):
        return _error(400, "Problems parsing JSON", "")
    text = body.get("body")
    if text is None:
        return _validation(resource, "body", "missing_field") if required else None
    if not isinstance(text, str):
        return _validation(resource, "body", "invalid")
    if len(text) > MAX_BODY:
        return 422, {}, {"message": "Validation Failed", "errors": [
            {"resource": resource, "code": "custom", "field": "body",
             "message": f"body is too long (maximum is {MAX_BODY} characters)"}],
            "documentation_url": "https://docs.github.com/rest", "status": "422"}
    return None


def _validation(resource: str, field_name: str, code: str):
    return 422, {}, {"message": "Validation Failed",
                     "errors": [{"resource": resource, "code": code, "field": field_name}],
                     "documentation_url": "https://docs.github.com/rest", "status": "422"}


def _error(status: int, message: str, doc: str):
    return status, {}, {"message": message, "documentation_url": f"https://docs.github.com/rest/{doc}".rstrip("/"),
                        "status": str(status)}


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = fake.handle(self.command, self.path, headers, raw)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-GitHub-Request-Id", f"FAKE:{next(fake._request_ids)}")
            self.send_header("X-GitHub-Api-Version-Selected", headers.get("x-github-api-version", "2022-11-28"))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

    return Handler
