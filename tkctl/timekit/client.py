"""The HTTP client for Timekit v2: auth, envelopes, pagination, pacing, retries, typed errors.

One retry policy for everything (timekit-api.md §7, §15): 429 and 503 are retried after
`Retry-After` (or exponential backoff with jitter), at most `max_attempts` times; connection
failures before the request was sent are retried for every method; 500, 502 and 504 and
broken connections are retried for GET, PUT and DELETE only. A POST that may have reached
the server is never retried blind (it could create a duplicate): the next plan finds the
object by its tkctl tag instead.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Mapping

import httpx

from tkctl import __version__
from tkctl.errors import ApiError, AuthError
from tkctl.secrets import register
from tkctl.timekit.ratelimit import TokenBucket

PAGE_SIZE = 1000  # the API's maximum (§4)
RETRY_STATUSES = frozenset({429, 503})
# Passing server failures; retried only for methods that are safe to repeat (§15).
IDEMPOTENT_RETRY_STATUSES = frozenset({500, 502, 504})
# A Retry-After longer than this (the test-app daily quota answers in hours, §7) is not
# waited out: the run fails at once with the API's message instead of hanging.
MAX_RETRY_AFTER = 60.0


class TimekitClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        max_in_flight: int = 8,
        rate_per_second: float = 10.0,
        burst: int = 10,
        max_attempts: int = 6,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep=time.sleep,
    ):
        register(token)
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._bucket = TokenBucket(rate_per_second, burst)
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self.max_in_flight = max_in_flight
        self.requests_made = 0
        self._count_lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=httpx.BasicAuth("", token),  # empty username: app-token auth (§2)
            timeout=timeout,
            headers={"User-Agent": f"tkctl/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "TimekitClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- single requests ---------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                resend: bool = True) -> Any:
        """Send one request; return the decoded body (None for 204), or raise ApiError.

        `resend=False` sends it again only when it surely never reached the server (the
        connection could not be opened): a create whose answer was lost, even a 429 or 503
        that a proxy may have sent after passing it on, is the caller's to look for first."""
        attempt = 0
        while True:
            attempt += 1
            self._bucket.acquire()
            try:
                with self._slots:
                    with self._count_lock:
                        self.requests_made += 1
                    response = self._http.request(method, path, params=params, json=json)
            except httpx.ConnectError as exc:
                # Nothing reached the server: safe to retry whatever the method.
                if attempt < self.max_attempts:
                    self._backoff(attempt, None)
                    continue
                raise ApiError(f"cannot connect to {self.base_url}: {exc}", method=method, path=path) from None
            except httpx.TransportError as exc:
                if method != "POST" and attempt < self.max_attempts:
                    self._backoff(attempt, None)
                    continue
                raise ApiError(
                    f"{type(exc).__name__} talking to {self.base_url}: {exc or 'no answer'}", method=method, path=path
                ) from None
            if response.status_code in RETRY_STATUSES and resend and attempt < self.max_attempts:
                wait = _seconds(response.headers.get("Retry-After"))
                if wait is None or wait <= MAX_RETRY_AFTER:
                    # Rate limited: the server refused before acting, so even a POST is safe to resend.
                    self._backoff(attempt, wait)
                    continue
            if (response.status_code in IDEMPOTENT_RETRY_STATUSES and method != "POST"
                    and attempt < self.max_attempts):
                self._backoff(attempt, None)
                continue
            return self._decode(method, path, response)

    def backoff(self, attempt: int, delay: float | None) -> None:
        """Wait before attempt `attempt + 1`: `delay` seconds if the server said, else
        exponential backoff with jitter."""
        self._backoff(attempt, delay if delay is None or delay <= MAX_RETRY_AFTER else MAX_RETRY_AFTER)

    def _backoff(self, attempt: int, delay: float | None) -> None:
        if delay is None:
            delay = min(30.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        self._sleep(delay)

    def _decode(self, method: str, path: str, response: httpx.Response) -> Any:
        request_id = response.headers.get("Timekit-Request-Id")
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = None
        if response.is_success:
            return body
        message = _error_message(body) or response.reason_phrase or "no message"
        if response.status_code in RETRY_STATUSES:
            wait = _seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > MAX_RETRY_AFTER:
                message += f" (rate limit exhausted: Timekit asks to wait {wait:.0f} s)"
            else:
                message += f" (still rate limited after {self.max_attempts} attempts)"
        cls = AuthError if response.status_code == 401 else ApiError
        if response.status_code == 401:
            message += "; check the app token in the environment"
        raise cls(message, status=response.status_code, method=method, path=path, request_id=request_id,
                  retry_after=_seconds(response.headers.get("Retry-After")))

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    # -- lists ---------------------------------------------------------------------------

    def list_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        """Every item of a list endpoint, in the fewest requests: pages of 1000, and once the
        first page names the last one, the rest fetched concurrently.

        Pages are requested on our own base URL, never on the `next_page_url` the server
        names, so the token cannot be sent to another host (§4).
        """
        params = {**(params or {}), "limit": PAGE_SIZE}
        first = self.request("GET", path, params={**params, "page": 1}) or {}
        items = list(first.get("data") or [])
        last = int(first.get("last_page") or 1)
        if last > 1:
            pages = range(2, last + 1)
            with ThreadPoolExecutor(max_workers=min(self.max_in_flight, len(pages))) as pool:
                for page in pool.map(lambda p: self.request("GET", path, params={**params, "page": p}), pages):
                    items.extend((page or {}).get("data") or [])
        # Offset pagination can repeat an item when objects are created meanwhile.
        seen: dict[str, dict] = {}
        for item in items:
            seen.setdefault(item.get("id"), item)
        return list(seen.values())


def _seconds(header: str | None) -> float | None:
    try:
        return float(header) if header else None
    except ValueError:
        return None


def _error_message(body: Any) -> str:
    """Both error shapes of timekit-api.md §6: `errors` per field, or one `error`."""
    if not isinstance(body, Mapping):
        return ""
    errors = body.get("errors")
    if isinstance(errors, Mapping) and errors:
        parts = []
        for field, messages in errors.items():
            if isinstance(messages, list):
                messages = " ".join(str(m) for m in messages)
            parts.append(f"{field}: {messages}")
        return "; ".join(parts)
    if body.get("error"):
        return str(body["error"])
    return ""
