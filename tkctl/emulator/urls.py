"""The route table of the emulated API (paths under /v2), and the router that reads it.

Templates double as the counter keys of the control API ("GET /v2/resources/{id}").
Each route also says who may call it: the app key always; an app's widget key only on the
requests booking.js makes (§2); nobody in particular on the hosted-project view, which finds
its app itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote, unquote

from tkctl.emulator.handlers import app, availability, bookings, calendars, projects, resources

# assumed: timekit-api.md §12 (bulk, groups and reserve are not booking ids: those paths are 404)
_BOOKING_ID = r"(?!(?:bulk|groups|reserve)$)[^/]+"


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "/v2/projects/{id}/resources"
    methods: dict[str, Callable]
    widget: frozenset[str] = frozenset()  # methods that also accept the app's widget key (§2)
    # Answers without credentials: given the store, the path parameters and the caller's token
    # (None when it sent no valid key), returns the token of the app that answers (§2 hosted).
    public: Callable | None = None
    patterns: dict[str, str] = field(default_factory=dict)

    def compile(self) -> re.Pattern:
        def param(match: re.Match) -> str:
            name = match.group(1)
            return f"(?P<{name}>{self.patterns.get(name, '[^/]+')})"
        return re.compile(re.sub(r"\{(\w+)\}", param, self.template))

    @property
    def allow(self) -> str:
        """The `Allow` header of a 405 on this path (OPTIONS is answered on every /v2 path, §1)."""
        return ", ".join([*self.methods, "OPTIONS"])


# assumed: timekit-api.md §2 (the app's widget key works on exactly the requests booking.js makes)
ROUTES = [
    Route("/v2/app", {"GET": app.get}),
    Route("/v2/resources", {"GET": resources.list_, "POST": resources.create}),
    Route("/v2/resources/{id}", {"GET": resources.get, "PUT": resources.update, "DELETE": resources.delete}),
    Route("/v2/calendars", {"GET": calendars.list_, "POST": calendars.create}),
    Route("/v2/calendars/{id}", {"GET": calendars.get, "PUT": calendars.update, "DELETE": calendars.delete}),
    Route("/v2/projects", {"GET": projects.list_, "POST": projects.create}),
    Route("/v2/projects/embed/{id}", {"GET": projects.embed}, widget=frozenset({"GET"})),
    Route("/v2/projects/hosted/{slug}", {"GET": projects.hosted}, public=projects.hosted_owner),
    Route("/v2/projects/{id}", {"GET": projects.get, "PUT": projects.update, "DELETE": projects.delete}),
    Route("/v2/projects/{id}/resources",
          {"GET": projects.list_resources, "POST": projects.add_resource, "PUT": projects.replace_resources}),
    Route("/v2/projects/{id}/resources/{resource_id}", {"DELETE": projects.remove_resource}),
    Route("/v2/availability", {"POST": availability.find}, widget=frozenset({"POST"})),
    Route("/v2/bookings", {"GET": bookings.list_, "POST": bookings.create}, widget=frozenset({"POST"})),
    Route("/v2/bookings/groups", {"GET": bookings.groups}, widget=frozenset({"GET"})),
    Route("/v2/bookings/groups/{id}", {"GET": bookings.group}),
    # assumed: timekit-api.md §12 (PUT or DELETE /bookings/:id -> 405)
    Route("/v2/bookings/{id}", {"GET": bookings.get}, patterns={"id": _BOOKING_ID}),
    # Listed before the action route: reschedule is a POST of its own, not a PUT action.
    Route("/v2/bookings/{id}/reschedule", {"POST": bookings.reschedule}, widget=frozenset({"POST"}),
          patterns={"id": _BOOKING_ID}),
    Route("/v2/bookings/{id}/{action}", {"PUT": bookings.act}, patterns={"id": _BOOKING_ID}),
]


class Router:
    def __init__(self, routes: list[Route]):
        self._compiled = [(route.compile(), route) for route in routes]

    def match(self, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for a path as sent, still percent-encoded (one trailing slash ignored, §1),
        with its decoded parameters.

        Matching the encoded path keeps an id holding `%2F` one segment (decoded first, it
        would have split into two and reached another route); `fullmatch`, not `$`, because
        `$` also matches before a final newline."""
        # assumed: timekit-api.md §1 (one trailing / is ignored)
        if raw_path.endswith("/") and len(raw_path) > 1:
            raw_path = raw_path[:-1]
        for pattern, route in self._compiled:
            found = pattern.fullmatch(raw_path)
            if found:
                return route, {name: unquote(value) for name, value in found.groupdict().items()}
        return None


ROUTER = Router(ROUTES)


def route_path(scope: dict) -> str:
    """The request path as the client sent it (percent-encoded), which is what routes match."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(scope["path"])
