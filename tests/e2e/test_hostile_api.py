"""A broken or hostile API never passes for data: the real CLI, through a corrupting proxy.

The proxy is a small HTTP server on 127.0.0.1 that forwards to the emulator fixture and
rewrites chosen answers (an HTML page with 200, a bare list, `last_page: 1000000`, a body
that never ends...). Every case must end with exit 1, a message naming the request and what
was wrong, no traceback, nothing "unexpected", and the state file and the account untouched:
before the client checked answers, plan showed a garbled account as empty and apply created
duplicates of everything. Time limits use a tiny TKCTL_HTTP_TIMEOUT against a server that
never finishes, so no outcome depends on how fast the machine is.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import write_config

RESOURCES = {
    "room-1": {"name": "Room 1", "timezone": "UTC", "email": "room1@clinic.example"},
    "dr-who": {"name": "Dr. Who", "timezone": "Europe/London", "email": "who@clinic.example"},
}
PROJECTS = {"consult": {"name": "Consultation", "slug": "consult", "resources": ["room-1", "dr-who"]}}

# What the proxy sends instead of the emulator's answer: (status, headers, body), or a
# callable that writes the answer itself (for bodies that trickle or never end).
Rewrite = Callable[[dict], Any]


class CorruptingProxy:
    """Forwards every request to the emulator; answers of the chosen requests are rewritten."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.rules: dict[tuple[str, str], Rewrite] = {}
        self.hits: Counter[tuple[str, str]] = Counter()
        self.stop = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                proxy.serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v2"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def rewrite(self, method: str, path: str, how: Rewrite) -> None:
        self.rules[(method, "/v2" + path)] = how

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urlsplit(handler.path).path
        self.hits[(handler.command, path)] += 1
        headers = {k: v for k, v in handler.headers.items() if k.lower() in ("authorization", "content-type")}
        upstream = httpx.request(handler.command, self.upstream + handler.path.removeprefix("/v2"),
                                 headers=headers, content=body, timeout=30)
        rule = self.rules.get((handler.command, path))
        request_id = upstream.headers.get("Timekit-Request-Id", "")
        if rule is None:
            answer: Any = (upstream.status_code, {"Content-Type": "application/json"}, upstream.content)
        else:
            answer = rule({"upstream": upstream, "handler": handler, "stop": self.stop})
            if answer is None:  # the rule wrote the answer itself
                return
        status, extra, content = answer
        handler.send_response(status)
        for name, value in {"Timekit-Request-Id": request_id, "Content-Length": str(len(content)), **extra}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(content)

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(tk, monkeypatch):
    # These tests corrupt answers, not pacing: with the emulator's rate limit on, a 503 for the
    # test's own requests could reach a rule written for the data answer, or add a retry to
    # the counted hits, on a slow machine.
    tk.emulator.configure(rate_limit=0)
    p = CorruptingProxy(tk.emulator.base_url)
    yield p
    p.close()


@pytest.fixture
def applied(tk, tmp_path, proxy, monkeypatch):
    """A config applied through the plain emulator; later runs go through the proxy."""
    cfg = write_config(tmp_path / "cfg", RESOURCES, None, PROJECTS)
    r = tk("apply", cfg, "--auto-approve")
    assert r.code == 0, r.text
    monkeypatch.setenv("TIMEKIT_API_URL", proxy.base_url)
    return cfg


# -- rewrites ----------------------------------------------------------------------------------


def json_body(fn: Callable[[Any], Any], status: int = 200) -> Rewrite:
    """The emulator's JSON answer, changed by `fn`, sent back as JSON."""
    def rule(ctx):
        return status, {"Content-Type": "application/json"}, json.dumps(fn(ctx["upstream"].json())).encode()
    return rule


def raw(content: bytes, content_type: str = "application/json", status: int = 200) -> Rewrite:
    return lambda ctx: (status, {"Content-Type": content_type}, content)


def truncated(ctx):
    return 200, {"Content-Type": "application/json"}, ctx["upstream"].content[:60]


def changed(**figures) -> Rewrite:
    return json_body(lambda body: {**body, **figures})


def first_item(fn: Callable[[dict], None]) -> Rewrite:
    def change(body):
        fn(body["data"][0])
        return body
    return json_body(change)


def streamed(write_body: Callable[[Any, threading.Event], None], extra: str = "") -> Rewrite:
    """Headers at once, then a body written by `write_body` until the client hangs up."""
    def rule(ctx):
        handler = ctx["handler"]
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                f"Timekit-Request-Id: {ctx['upstream'].headers.get('Timekit-Request-Id', '')}\r\n{extra}\r\n")
        handler.close_connection = True
        try:
            handler.wfile.write(head.encode())
            handler.wfile.flush()
            write_body(handler.wfile, ctx["stop"])
        except OSError:
            pass  # the client gave up, as it should
    return rule


def trickle(wfile, stop):
    wfile.write(b'{"data": [')
    while not stop.wait(0.02):
        wfile.write(b" ")
        wfile.flush()


def endless(wfile, stop):
    wfile.write(b'{"data": [')
    chunk = b'{"id": "x"},' * 2000
    while not stop.is_set():
        wfile.write(chunk)


def hold(wfile, stop):
    stop.wait()


def silence(ctx):
    """Never answers at all: not a status line, not a byte."""
    ctx["stop"].wait()
    ctx["handler"].close_connection = True


def deleted_id(item):
    del item["id"]


GARBLED_LISTINGS = [
    ("bare list", "/resources", json_body(lambda body: body["data"]),
     'malformed answer: the body is a list, expected an object with "data"'),
    ("truncated JSON", "/resources", truncated, "malformed answer: the body is not valid JSON: "),
    ("HTML page with 200", "/resources", raw(b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html"),
     "malformed answer: the body is not JSON (text/html): it starts '<!DOCTYPE html><html><body>Maintenance</'"),
    ("empty body", "/resources", raw(b""), "malformed answer: the body is empty, expected JSON"),
    ("data null", "/resources", json_body(lambda body: {**body, "data": None}),
     "malformed answer: data is null, expected a list"),
    ("error body with 200", "/resources", raw(b'{"error": "Service temporarily unavailable"}'),
     'malformed answer: the body has no "data"; it says: Service temporarily unavailable'),
    ("items that are not objects", "/resources", json_body(lambda body: {**body, "data": [i["id"] for i in body["data"]]}),
     "malformed answer: data[0] is a string, expected an object"),
    ("missing id", "/resources", first_item(deleted_id), 'malformed answer: data[0] has no "id"'),
    ("integer id", "/resources", first_item(lambda item: item.update(id=12345)),
     "malformed answer: data[0].id is a number, expected a string id"),
    ('last_page "abc"', "/resources", changed(last_page="abc"),
     'malformed answer: last_page is a string ("abc"), expected a whole number'),
    ("last_page 1000000", "/resources", changed(last_page=1000000),
     "malformed answer: last_page is 1000000, but total 2 at 1000 per page makes 1 page; refusing to follow it"),
    ("calendars not a list", "/resources", first_item(lambda item: item.update(calendars={"id": "c"})),
     "malformed answer: data[0].calendars is an object, expected a list"),
    ("project resources not a list", "/projects", first_item(lambda item: item.update(resources="room-1")),
     "malformed answer: data[0].resources is a string, expected a list"),
]


def assert_refused(r, *fragments: str) -> None:
    assert r.code == 1, r.text
    assert "Traceback" not in r.text and "unexpected" not in r.text, r.text
    for fragment in fragments:
        assert fragment in r.err, r.err


@pytest.mark.parametrize("name, path, rule, problem", GARBLED_LISTINGS, ids=[row[0] for row in GARBLED_LISTINGS])
def test_garbled_listing_stops_plan_and_apply_before_any_write(tk, proxy, applied, name, path, rule, problem):
    state_before = (applied / "state.json").read_bytes()
    resources_before = tk.api("/resources")
    proxy.rewrite("GET", path, rule)
    where = f"error: Timekit API error 200 on GET {path}: "
    for command in (["plan"], ["apply", "--auto-approve"]):
        r = tk(*command, applied)
        assert_refused(r, where + problem, "(request id ")
        assert (applied / "state.json").read_bytes() == state_before
    assert tk.api("/resources") == resources_before
    assert proxy.hits[("POST", "/v2/resources")] == proxy.hits[("POST", "/v2/projects")] == 0
    if name == "last_page 1000000":
        assert proxy.hits[("GET", "/v2/resources")] == 2  # page 1, once per run: no page 2 asked for


# The limit is short for a test, yet long enough that the account's other requests (GET /app,
# the project listing) finish within it on a loaded machine: only the stalled answer hits it.
TOO_SLOW = "after 3 s, the time limit for one request (set by TKCTL_HTTP_TIMEOUT)"


@pytest.mark.parametrize("rule, message", [
    (streamed(trickle), f"error: Timekit API error 200 on GET /resources: the answer was still incomplete {TOO_SLOW}"),
    (silence, f"error: Timekit API unreachable on GET /resources: no answer had arrived {TOO_SLOW}"),
], ids=["trickling body", "no answer at all"])
def test_a_server_that_never_finishes_is_given_up_on_at_the_time_limit(tk, proxy, applied, monkeypatch, rule, message):
    state_before = (applied / "state.json").read_bytes()
    monkeypatch.setenv("TKCTL_HTTP_TIMEOUT", "3")
    proxy.rewrite("GET", "/resources", rule)
    r = tk("plan", applied)
    assert_refused(r, message)
    assert proxy.hits[("GET", "/v2/resources")] == 1  # not retried: that would only multiply the wait
    assert (applied / "state.json").read_bytes() == state_before


def test_an_endless_body_is_abandoned_past_the_size_limit(tk, proxy, applied, monkeypatch):
    monkeypatch.setenv("TKCTL_HTTP_MAX_BYTES", "200000")
    proxy.rewrite("GET", "/resources", streamed(endless))
    r = tk("apply", applied, "--auto-approve")
    assert_refused(r, "error: Timekit API error 200 on GET /resources: the answer is larger than 200,000 bytes, "
                      "the size limit for one answer (set by TKCTL_HTTP_MAX_BYTES); refusing to read it (request id ")
    assert proxy.hits[("GET", "/v2/resources")] == 1


def test_an_announced_oversize_body_is_not_read(tk, proxy, applied):
    proxy.rewrite("GET", "/resources", streamed(hold, extra="Content-Length: 300000000\r\n"))
    r = tk("plan", applied)
    assert_refused(r, "error: Timekit API error 200 on GET /resources: the answer announces 300,000,000 bytes, more "
                      "than 67,108,864 bytes, the size limit for one answer")


def test_a_create_answered_with_a_string_is_an_error_and_nothing_is_recorded(tk, proxy, applied):
    state_before = (applied / "state.json").read_bytes()
    write_config(applied, {**RESOURCES, "room-2": {"name": "Room 2", "timezone": "UTC"}}, None, PROJECTS)
    proxy.rewrite("POST", "/resources", json_body(lambda body: {"data": "created"}, status=201))
    r = tk("apply", applied, "--auto-approve")
    assert_refused(r, "resource.room-2: Timekit API error 201 on POST /resources: malformed answer: "
                      "data is a string, expected the created object (request id ")
    assert (applied / "state.json").read_bytes() == state_before


def test_an_api_error_echoing_a_resource_token_never_shows_it(tk, proxy, applied, monkeypatch):
    room = next(x for x in tk.api("/resources") if x["meta"]["tkctl_key"] == "room-1")
    token = room["api_token"]
    echo = json.dumps({"errors": {"api_token": [f"The api token {token} is locked."]},
                       "resource": {"api_token": token}}).encode()
    # The proxy forwards the update before answering 422, so each run renames anew.
    proxy.rewrite("PUT", f"/resources/{room['id']}", raw(echo, status=422))
    for debug, name in (("", "Room One"), ("1", "Room Uno")):
        write_config(applied, {**RESOURCES, "room-1": {**RESOURCES["room-1"], "name": name}}, None, PROJECTS)
        monkeypatch.setenv("TKCTL_DEBUG", debug)
        r = tk("apply", applied, "--auto-approve")
        assert r.code == 1, r.text
        assert f"Timekit API error 422 on PUT /resources/{room['id']}: api_token: The api token *** is locked." in r.err
        assert token not in r.text
    assert "Traceback" in r.err  # the debug run printed one, masked too


def test_credentials_in_the_api_url_are_never_printed_or_stored(tk, proxy, applied, monkeypatch):
    password = "pa55-in-the-url"
    monkeypatch.setenv("TIMEKIT_API_URL", proxy.base_url.replace("http://", f"http://admin:{password}@"))
    write_config(applied, {**RESOURCES, "room-2": {"name": "Room 2", "timezone": "UTC"}}, None, PROJECTS)
    plan_file = applied / "plan.json"
    outputs = [tk("plan", applied), tk("plan", applied, "--format", "json", "--out", plan_file),
               tk("plan", applied, "--format", "markdown")]
    assert [r.code for r in outputs] == [0, 0, 0], outputs
    assert f"actions on {proxy.base_url}" in outputs[0].out
    assert json.loads(plan_file.read_text())["target"]["api_url"] == proxy.base_url

    proxy.rewrite("POST", "/resources", raw(b'{"error": "Plan limit reached"}', status=403))
    outputs.append(tk("apply", applied, "--auto-approve"))
    assert_refused(outputs[-1], "resource.room-2: Timekit API error 403 on POST /resources: Plan limit reached")
    for text in [r.text for r in outputs] + [plan_file.read_text(), (applied / "state.json").read_text()]:
        assert password not in text and "admin" not in text
