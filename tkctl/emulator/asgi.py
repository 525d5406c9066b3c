"""The Starlette application: the request pipeline in front of the handlers.

Order for every /v2 request: CORS preflight (OPTIONS, answered at once) -> injected fault
(before) -> random failure -> auth -> rate limit -> body (413, 400) -> route (404, 405) ->
handler in a store session -> injected fault (after) -> latency -> headers (request id, CORS,
test mode) -> counters -> the answer, cut half-way by a `drop` fault. Each step either passes
or raises ApiFailure.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from tkctl.emulator import auth, control, cors
from tkctl.emulator.call import Call
from tkctl.emulator.encoding import dumps
from tkctl.emulator.errors import (
    ApiFailure, body_too_large, failure_for_status, internal_error, malformed_json,
    method_not_allowed, route_not_found,
)
from tkctl.emulator.runtime import Runtime
from tkctl.emulator.urls import ROUTER, route_path

log = logging.getLogger("tkctl.emulator")
MAX_BODY_CHARS = 64_000  # §1
_CONTROL = "/_emulator/"
_BODYLESS = ("GET", "DELETE", "HEAD", "OPTIONS")

# An ASGI application (scope, receive, send), as Starlette and uvicorn take it.
ASGIApp = Callable[[dict, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(dumps(body), status_code=status, headers=headers, media_type="application/json")


class CutAnswer(Response):
    """An answer whose connection dies half-way (a `drop` fault): the status line and headers,
    announcing the whole body's Content-Length, then half the body, then nothing.

    ASGI has no way to close a connection without answering, so the answer is begun and left
    unfinished: the server then closes the connection, and the client sees a broken answer (a
    transport error), never a status. A body-less answer (a 204) is begun as a 200 announcing a
    body, since a 204 with nothing after its headers would be complete.
    """

    def __init__(self, status: int, body: object, headers: dict[str, str]):
        if body is None:
            status, body = 200, {}
        super().__init__(dumps(body), status_code=status, headers=headers, media_type="application/json")

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body[:len(self.body) // 2], "more_body": True})


class _QuietCutAnswers(logging.Filter):
    """uvicorn logs every unfinished answer as an error; a cut answer is unfinished on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing response."


def _parse_body(method: str, raw: bytes) -> object:
    # assumed: timekit-api.md §1 (body parsing: empty -> {}, GET/DELETE bodies ignored)
    if method in _BODYLESS:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed_json() from None
    if len(text) > MAX_BODY_CHARS:
        raise body_too_large()
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        raise malformed_json() from None


class Pipeline:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    async def handle(self, request: Request) -> Response:
        self.runtime.counters.started()
        try:
            return await self._pipeline(request)
        finally:
            self.runtime.counters.finished()

    async def _hold(self, request: Request, fault, generation: int) -> bool:
        """Wait out a fault's delay; False if the client left or the emulator was reset meanwhile."""
        remaining = fault.delay_ms / 1000.0
        self.runtime.counters.holding(1)
        try:
            while remaining > 0:
                step = min(0.05, remaining)
                await asyncio.sleep(step)
                remaining -= step
                if self.runtime.generation != generation or await request.is_disconnected():
                    return False
            return True
        finally:
            self.runtime.counters.holding(-1)

    async def _pipeline(self, request: Request) -> Response:
        runtime = self.runtime
        generation = runtime.generation
        # The scope's path, not request.url.path: building the URL drops \r, \n and \t, which
        # turned /v2/resources/%0D into /v2/resources/ (the list).
        method, path = request.method, request.scope["path"]
        matched = ROUTER.match(route_path(request.scope))
        template = matched[0].template if matched else None
        headers: dict[str, str] = dict(cors.HEADERS)
        test_mode = False
        if method == "OPTIONS":
            # assumed: timekit-api.md §1 (CORS preflight: 204 before auth, faults and limits)
            headers.update(cors.PREFLIGHT_HEADERS)
            headers["Timekit-Request-Id"] = str(uuid.uuid4())
            runtime.counters.record(method, template, 204)
            return json_response(204, None, headers)
        # Taken before the first await, in step with the in-flight count and `generation`: a
        # reset can then never slip in between and leave a counted request without its fault.
        fault = runtime.faults.take(method, path)
        drop = fault is not None and fault.drop
        try:
            raw_body = await request.body()  # read before holding: watching for a disconnect consumes messages
            if fault is not None and not fault.after_handling:
                if fault.delay_ms and not await self._hold(request, fault, generation):
                    raise failure_for_status(503)  # nobody is listening; never act on it
                if fault.status is not None:
                    raise failure_for_status(fault.status)
                fault = None  # a pure delay: handle the request normally
            settings = runtime.settings
            if settings.fail_rate and runtime.random.random() < settings.fail_rate:
                raise failure_for_status(runtime.random.choice((500, 503)))
            token = self._caller(request, matched, method)
            if token is not None:
                test_mode = token.startswith("test_")
                headers.update(runtime.limiter.admit(token, test_mode))
            body = _parse_body(method, raw_body)
            if matched is None:
                raise route_not_found()
            route, params = matched
            handler = route.methods.get(method)
            if handler is None:
                raise method_not_allowed(route.allow)
            host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
            try:
                status, payload = self._handle(handler, token, params, request, body, host,
                                               path.rstrip("/") or path)
            except ApiFailure:
                if fault is None:
                    raise
            if fault is not None:  # after_handling: the server acted, then answers late or "crashed"
                if fault.delay_ms:
                    await self._hold(request, fault, generation)
                if fault.status is not None:
                    raise failure_for_status(fault.status)
        except ApiFailure as failure:
            status, payload = failure.status, failure.body
            headers.update(failure.headers)
        except Exception:  # a bug in the emulator: answer like the real API, keep the traceback
            log.exception("emulator error on %s %r", method, path)
            failure = internal_error()
            status, payload = failure.status, failure.body
        latency_ms = runtime.settings.latency_ms
        if latency_ms:
            await asyncio.sleep(latency_ms / 1000.0)
        headers["Timekit-Request-Id"] = str(uuid.uuid4())  # assumed: timekit-api.md §1 (on every response)
        if test_mode:
            headers["Timekit-TestMode"] = "true"  # assumed: timekit-api.md §1 (test-mode header)
        if drop:
            runtime.counters.record(method, template, "dropped")
            return CutAnswer(status, payload, headers)
        runtime.counters.record(method, template, status)
        return json_response(status, payload, headers)

    def _caller(self, request: Request, matched, method: str) -> str | None:
        """The app token the request acts as (§2): 401 without valid credentials, except on a
        public route, which finds its app itself (None: no app, a 405 follows)."""
        store = self.runtime.store
        header = request.headers.get("authorization")
        route = matched[0] if matched else None
        if route is not None and route.public is not None:
            known = auth.identify(header, store.tokens, store.widget_keys, widget_allowed=True)
            if method not in route.methods:
                return known
            return route.public(store, matched[1], known)
        widget_allowed = route is not None and method in route.widget
        return auth.authenticate(header, store.tokens, store.widget_keys, widget_allowed)

    def _handle(self, handler, token, params, request, body, host, path):
        with self.runtime.store.session(token) as app:
            call = Call(app=app, params=params, query=request.query_params.multi_items(), body=body,
                        base_url=f"http://{host}/v2", path=path)
            return handler(call)


def _not_v2() -> Response:
    # assumed: timekit-api.md §1 (/v1/* and everything outside /v2 -> 404)
    failure = route_not_found()
    return json_response(failure.status, failure.body, {"Timekit-Request-Id": str(uuid.uuid4())})


class EmulatorApp:
    """The ASGI app. It routes on the path prefix itself: Starlette's router matches with `.*`,
    which never matches a path holding a newline, and answers those with a plain-text 404.

    `mounts` (`{"/preview": app}`) hands every path under a prefix to another ASGI app, so a
    tool can serve pages from the emulator's own origin (`tkctl preview` serves Timekit's
    booking widget there); /v2 and /_emulator cannot be mounted over."""

    def __init__(self, runtime: Runtime, mounts: Mapping[str, ASGIApp] | None = None):
        self.pipeline = Pipeline(runtime)
        self.control = control.Control(runtime)
        uvicorn_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _QuietCutAnswers) for f in uvicorn_log.filters):
            uvicorn_log.addFilter(_QuietCutAnswers())
        self.mounts = dict(mounts or {})
        for prefix in self.mounts:
            if not prefix.startswith("/") or prefix.endswith("/") or prefix in ("/v2", _CONTROL.rstrip("/")):
                raise ValueError(f"cannot mount an app at {prefix!r}")

    def _mounted(self, path: str) -> ASGIApp | None:
        for prefix, app in self.mounts.items():
            if path == prefix or path.startswith(prefix + "/"):
                return app
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # lifespan is off; nothing else is served
            return
        path = scope["path"]
        mounted = self._mounted(path)
        if mounted is not None:
            await mounted(scope, receive, send)
            return
        request = Request(scope, receive)
        if path == "/v2" or path.startswith("/v2/"):
            response = await self.pipeline.handle(request)
        elif path.startswith(_CONTROL):
            response = await self.control.handle(request, path[len(_CONTROL):])
        else:
            response = _not_v2()
        await response(scope, receive, send)


def build_app(runtime: Runtime, mounts: Mapping[str, ASGIApp] | None = None) -> EmulatorApp:
    return EmulatorApp(runtime, mounts)
