"""The errors the emulator answers with, carrying the contract's status codes and bodies (§6).

Handlers and models raise these; the request pipeline (asgi.py) turns them into responses, so
no handler builds an error body by hand and every message is spelled once.
"""

from __future__ import annotations


class ApiFailure(Exception):
    """An HTTP error answer: status, JSON body, optional extra headers."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found(model: str) -> ApiFailure:
    """Unknown id (§6); `model` is Resource, Calendar, Project, Booking or Widget."""
    return ApiFailure(404, {"error": "Resource does not exist", "model": model})


def route_not_found() -> ApiFailure:
    # assumed: timekit-api.md §6 (unknown route body)
    return ApiFailure(404, {"error": "Not found"})


def method_not_allowed(allow: str) -> ApiFailure:
    """405 naming the path's methods in `Allow`, as RFC 9110 requires of a 405."""
    # assumed: timekit-api.md §1 (other verbs on a known path)
    return ApiFailure(405, {"error": "Method not allowed"}, {"Allow": allow})


def malformed_json() -> ApiFailure:
    # assumed: timekit-api.md §1 (body parsing)
    return ApiFailure(400, {"error": "Malformed JSON body"})


def body_too_large() -> ApiFailure:
    # assumed: timekit-api.md §1 (body size, emulator)
    return ApiFailure(413, {"error": "Request body exceeds 64000 characters"})


def unauthorized() -> ApiFailure:
    # assumed: timekit-api.md §2 (failure behaviour)
    return ApiFailure(401, {"error": "Invalid credentials supplied"})


def rate_limited(retry_after: int) -> ApiFailure:
    # assumed: timekit-api.md §7 (503 body and Retry-After)
    return ApiFailure(503, {"error": "Too many requests"}, {"Retry-After": str(retry_after)})


def daily_limit_reached(retry_after: int) -> ApiFailure:
    # assumed: timekit-api.md §7 (429 body and Retry-After)
    return ApiFailure(429, {"error": "Daily request limit reached"}, {"Retry-After": str(retry_after)})


def internal_error() -> ApiFailure:
    # assumed: timekit-api.md §6 (500 body)
    return ApiFailure(500, {"error": "Internal server error"})


def action_refused(message: str) -> ApiFailure:
    """A 422 that is not about one field (§6 second 422 shape)."""
    return ApiFailure(422, {"error": message})


class ValidationFailed(ApiFailure):
    """422 with Laravel-style per-field messages (§6)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(422, {"errors": errors})
        self.errors = errors


def failure_for_status(status: int) -> ApiFailure:
    """The contract's body for a status, used by injected faults and the random fail rate."""
    if status == 503:
        return rate_limited(1)
    if status == 429:
        return daily_limit_reached(1)
    if status == 500:
        return internal_error()
    if status == 404:
        return route_not_found()
    if status == 401:
        return unauthorized()
    return ApiFailure(status, {"error": f"Injected fault ({status})"})
