"""The GitHub REST calls tkctl makes: list, create and update issue comments and issues.

Requests carry the headers GitHub documents (`Accept: application/vnd.github+json`,
`X-GitHub-Api-Version`, `Authorization: Bearer`). Lists are read 100 items a page and followed
through the `Link` header's `rel="next"` URL exactly as GitHub gives it (it may name another
path, `/repositories/<id>/...`), but only on the API's own host, so the token never leaves it.
Any answer that is not a success becomes a `GitHubError` naming the request and quoting
GitHub's own message; there are no retries: a CI job that fails is re-run by a person.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

import httpx

from tkctl import __version__
from tkctl.errors import TkctlError
from tkctl.secrets import register

API_VERSION = "2022-11-28"
PER_PAGE = 100  # GitHub's maximum page size
MAX_PAGES = 1000  # 100,000 comments or issues: past that the server is not GitHub or is looping
MAX_BODY_CHARS = 65_536  # GitHub refuses longer comment and issue bodies

# What to do about the statuses a CI job meets, said once; GitHub's own message comes first.
_HINTS = {
    401: "check the token in GITHUB_TOKEN",
    403: "the token may lack a permission: the workflow needs `permissions: pull-requests: write` for the plan "
         "comment and `issues: write` for the drift issue (pull requests from forks only get a read-only token)",
    404: "check GITHUB_REPOSITORY, the pull request or issue number, and that the token can see the repository",
}


class GitHubError(TkctlError):
    """GitHub refused a request or could not be reached (status 0)."""

    def __init__(self, message: str, *, status: int = 0, method: str = "", path: str = "",
                 request_id: str | None = None):
        self.api_message = message
        self.status = status
        self.method = method
        self.path = path
        self.request_id = request_id
        head = f"GitHub API error {status}" if status else "GitHub API unreachable"
        text = f"{head} on {method} {path}: {message}"
        if request_id:
            text += f" (request id {request_id})"
        super().__init__(text)


class GitHubClient:
    """A client for one repository (`owner/name`) on one API (`https://api.github.com`, or a
    GitHub Enterprise Server's `https://HOST/api/v3`)."""

    def __init__(self, api_url: str, token: str, repository: str, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None):
        register(token)
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self._host = urlsplit(self.api_url).netloc
        self._http = httpx.Client(
            base_url=self.api_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "Authorization": f"Bearer {token}",
                "User-Agent": f"tkctl/{__version__}",  # GitHub refuses requests without one
            },
        )
        self.requests_made = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "GitHubClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None) -> httpx.Response:
        """Send one request; return the response if it succeeded, else raise GitHubError."""
        shown = _shown(path, self.api_url)
        self.requests_made += 1
        try:
            response = self._http.request(method, path, params=params, json=json)
        except httpx.TransportError as exc:
            raise GitHubError(f"{type(exc).__name__} talking to {self.api_url}: {exc or 'no answer'}",
                              method=method, path=shown) from None
        if response.is_success:
            return response
        raise _error(method, shown, response)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, page by page, following `Link: <...>; rel="next"`."""
        url: str | None = path
        query: Mapping[str, Any] | None = {**(params or {}), "per_page": PER_PAGE}
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self.request("GET", url, params=query)
            items = _json(response, "GET", _shown(url, self.api_url))
            if not isinstance(items, list):
                raise GitHubError("the answer is not a list", status=response.status_code, method="GET",
                                  path=_shown(url, self.api_url))
            yield from (item for item in items if isinstance(item, dict))
            url, query = self._next(response), None  # the next URL carries its own query
        raise GitHubError(f"more than {MAX_PAGES} pages", method="GET", path=_shown(path, self.api_url))

    def _next(self, response: httpx.Response) -> str | None:
        url = response.links.get("next", {}).get("url")
        if not url:
            return None
        if urlsplit(url).netloc != self._host:
            raise GitHubError(f"the next page is on another host ({urlsplit(url).netloc}); not following it "
                              "with the token", status=response.status_code, method="GET",
                              path=_shown(str(response.request.url), self.api_url))
        return url

    def send(self, method: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A write whose answer is one object (the comment or issue as it now is)."""
        response = self.request(method, path, json=dict(body))
        answer = _json(response, method, path)
        if not isinstance(answer, dict):
            raise GitHubError("the answer is not an object", status=response.status_code, method=method, path=path)
        return answer

    # -- the endpoints ---------------------------------------------------------------------

    def _repo(self, rest: str) -> str:
        return f"/repos/{self.repository}/{rest}"

    def issue_comments(self, number: int) -> Iterator[dict[str, Any]]:
        """List issue comments (a pull request is an issue): oldest first."""
        return self.paginate(self._repo(f"issues/{number}/comments"))

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        return self.send("POST", self._repo(f"issues/{number}/comments"), {"body": body})

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        return self.send("PATCH", self._repo(f"issues/comments/{comment_id}"), {"body": body})

    def open_issues(self) -> Iterator[dict[str, Any]]:
        """List repository issues that are open, oldest first, leaving out pull requests
        (which GitHub lists as issues too, with a `pull_request` key)."""
        items = self.paginate(self._repo("issues"), {"state": "open", "sort": "created", "direction": "asc"})
        return (item for item in items if "pull_request" not in item)

    def create_issue(self, title: str, body: str, labels: list[str] | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": title, "body": body}
        if labels:
            payload["labels"] = list(labels)
        return self.send("POST", self._repo("issues"), payload)

    def update_issue(self, number: int, **fields: Any) -> dict[str, Any]:
        return self.send("PATCH", self._repo(f"issues/{number}"), fields)


def _shown(path: str, api_url: str) -> str:
    """A request as people read it: the path on the API, without the host."""
    if path.startswith(api_url):
        path = path[len(api_url):]
    elif "://" in path:
        parts = urlsplit(path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path or "/"


def _json(response: httpx.Response, method: str, path: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise GitHubError("the answer is not JSON", status=response.status_code, method=method, path=path) from None


def _error(method: str, path: str, response: httpx.Response) -> GitHubError:
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        message = str(body.get("message") or "")
        details = [str(e.get("message") or e.get("code") or "") if isinstance(e, Mapping) else str(e)
                   for e in body.get("errors") or () if e]
        details = [d for d in details if d]
        if details:
            message += f" ({'; '.join(details)})"
    message = message or response.reason_phrase or "no message"
    hint = _HINTS.get(response.status_code)
    if hint:
        message += f"; {hint}"
    return GitHubError(message, status=response.status_code, method=method, path=path,
                       request_id=response.headers.get("X-GitHub-Request-Id"))
