"""The HTTP client for Timekit v2: auth, envelopes, pagination, pacing, retries, typed errors.

One retry policy for everything (timekit-api.md §7, §15): 429 and 503 are retried after
`Retry-After` (or exponential backoff with jitter), at most `max_attempts` times; connection
failures before the request was sent are retried for every method; 500, 502 and 504 and
broken connections are retried for GET, PUT and DELETE only. A POST that may have reached
the server is never retried blind (it could create a duplicate): the next plan finds the
object by its tkctl tag instead.

Every answer is bounded (time and size, `limits.py`) and checked against the documented
envelope (`envelope.py`) before it is returned: what does not fit is an ApiError naming the
request, never data. The messages quote the API but pass through `tkctl.secrets.redact`, and
the URL credentials, if any, never leave the constructor.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

import httpx

from tkctl import __version__
from tkctl.log import HTTP_LOGGER, body_text
from tkctl.errors import ApiError, AuthError
from tkctl.secrets import display_url, redact, register, register_found, url_credentials
from tkctl.timekit import deadline
from tkctl.timekit.envelope import (
    ItemCheck,
    Page,
    ShapeError,
    api_message,
    check_created,
    check_envelope,
    check_page,
    decode,
)
from tkctl.timekit.limits import MAX_BYTES_ENV, TIMEOUT_ENV, HttpLimits
from tkctl.timekit.pages import read_page
from tkctl.timekit.ratelimit import TokenBucket

PAGE_SIZE = 1000  # the API's maximum (§4)
RETRY_STATUSES = frozenset({429, 503})
# Passing server failures; retried only for methods that are safe to repeat (§15).
IDEMPOTENT_RETRY_STATUSES = frozenset({500, 502, 504})
# A Retry-After longer than this (the test-app daily quota answers in hours, §7) is not
# waited out: the run fails at once with the API's message instead of hanging.
MAX_RETRY_AFTER = 60.0

Check = Callable[[Any], Any]

# One line per request at -v, bodies at -vv (tkctl/log.py redacts every line).
log = logging.getLogger(HTTP_LOGGER)


@dataclass(frozen=True)
class _Answer:
    """One complete HTTP answer, read within the limits."""

    status: int
    reason: str
    headers: httpx.Headers
    content: bytearray

    @property
    def request_id(self) -> str | None:
        return self.headers.get("Timekit-Request-Id")


class _Abandoned(Exception):
    """The answer broke a limit; carries the status if the headers had arrived."""

    def __init__(self, message: str, status: int = 0, request_id: str | None = None):
        super().__init__(message)
        self.status = status
        self.request_id = request_id


class TimekitClient:
    """Talks to one Timekit account.

    The limits of each request default to: connect 10 s, read 30 s, total 60 s, body 64 MiB
    (`tkctl.timekit.limits`; `TKCTL_HTTP_TIMEOUT` and `TKCTL_HTTP_MAX_BYTES` override them
    when the arguments are not given). `base_url` is the URL without any `user:password@`,
    which is dropped: tkctl authenticates with the app token alone.

    Pacing: `rate_per_second` (Timekit's 10) with a bucket one smaller than Timekit's 10. With
    equal buckets, a request held up on the way lets the next ones reach Timekit bunched, and
    its bucket runs dry: a 503 now and then at full pace. One token of margin absorbs 100 ms
    of such jitter at no cost in rate.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        max_in_flight: int = 8,
        rate_per_second: float = 10.0,
        burst: int = 9,
        max_attempts: int = 6,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        total_timeout: float | None = None,
        max_response_bytes: int | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep=time.sleep,
    ):
        register(token)
        for secret in url_credentials(base_url):
            register(secret)
        self.base_url = display_url(base_url).rstrip("/")
        self.limits = HttpLimits.resolve(
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            total_timeout=total_timeout, max_response_bytes=max_response_bytes,
        )
        self.max_attempts = max_attempts
        # Closing the client ends every wait (pacing, backoff) of a thread still using it:
        # `planner.EarlyRead` abandons a read that way when the config turns out broken.
        self._closed = threading.Event()
        self._sleep = self._interruptible if sleep is time.sleep else sleep
        self._bucket = TokenBucket(rate_per_second, burst, sleep=self._sleep)
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self.max_in_flight = max_in_flight
        # One page decoded at a time. Decoding holds Python's global lock anyway, so pages
        # decoded by several threads at once take no less time, but each keeps its half-made
        # objects alive until the others let it finish: at 20,000 resources, with eight 1 MB
        # pages decoded at once, a plan after an edit peaked about 30 MB higher.
        self._decoding = threading.Lock()
        self.requests_made = 0
        self._count_lock = threading.Lock()
        limits = self.limits
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=httpx.BasicAuth("", token),  # empty username: app-token auth (§2)
            timeout=httpx.Timeout(connect=limits.connect_timeout, read=limits.read_timeout,
                                  write=limits.read_timeout, pool=limits.total_timeout),
            headers={"User-Agent": f"tkctl/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
            transport=transport,
        )
        # True when the total limit also covers connecting and waiting for the headers.
        self.deadline_everywhere = deadline.install(self._http)

    def close(self) -> None:
        self._closed.set()
        deadline.abort(self._http)  # a request still waiting for its answer ends now
        self._http.close()

    def _interruptible(self, seconds: float) -> None:
        """`time.sleep`, cut short by `close`: a closed client sends nothing more."""
        if self._closed.wait(seconds):
            raise ApiError("the request was abandoned: tkctl closed its connection to the API")

    def __enter__(self) -> "TimekitClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- single requests ---------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                resend: bool = True) -> Any:
        """Send one request; return the decoded body, or raise ApiError.

        The answer must be `{"data": object or list}`; only a PUT or DELETE may answer with
        no body, and then None is returned. `resend=False` sends it again only when it surely
        never reached the server (the connection could not be opened): a create whose answer
        was lost, even a 429 or 503 that a proxy may have sent after passing it on, is the
        caller's to look for first.
        """
        return self._call(method, path, params, json, check_envelope, resend)

    def _call(self, method: str, path: str, params: Mapping[str, Any] | None, json: Any, check: Check,
              resend: bool = True) -> Any:
        answer = self._send(method, path, params, json, resend)
        return self._decode(method, path, answer, check)

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None, json: Any,
              resend: bool = True) -> _Answer:
        attempt = 0
        started = time.monotonic()
        label = _label(method, path, params) if log.isEnabledFor(logging.INFO) else ""
        if json is not None and log.isEnabledFor(logging.DEBUG):
            log.debug("%s request body: %s", label, body_text(jsonlib.dumps(json, ensure_ascii=False)))
        while True:
            attempt += 1
            self._bucket.acquire()
            if self._closed.is_set():
                raise ApiError("the request was abandoned: tkctl closed its connection to the API",
                               method=method, path=path)
            try:
                with self._slots:
                    with self._count_lock:
                        self.requests_made += 1
                    answer = self._exchange(method, path, params, json)
            except _Abandoned as exc:
                # Over a limit: retrying would only multiply the wait or the download.
                _log_failure(label, started, attempt, str(exc), exc.request_id)
                raise self._error(str(exc), exc.status, method, path, exc.request_id) from None
            except httpx.ConnectError as exc:
                # Nothing reached the server: safe to retry whatever the method.
                if attempt < self.max_attempts:
                    self._retry(label, attempt, None, f"cannot connect ({exc})")
                    continue
                _log_failure(label, started, attempt, f"cannot connect: {exc}")
                raise self._error(f"cannot connect to {self.base_url}: {exc}", 0, method, path) from None
            except httpx.TransportError as exc:
                if method != "POST" and attempt < self.max_attempts:
                    self._retry(label, attempt, None, type(exc).__name__)
                    continue
                _log_failure(label, started, attempt, f"{type(exc).__name__}: {exc or 'no answer'}")
                raise self._error(f"{type(exc).__name__} talking to {self.base_url}: {exc or 'no answer'}",
                                  0, method, path) from None
            if answer.status in RETRY_STATUSES and resend and attempt < self.max_attempts:
                wait = _seconds(answer.headers.get("Retry-After"))
                if wait is None or wait <= MAX_RETRY_AFTER:
                    # Rate limited: the server refused before acting, so even a POST is safe to resend.
                    self._retry(label, attempt, wait, f"answered {answer.status}", answer.request_id)
                    continue
            if (answer.status in IDEMPOTENT_RETRY_STATUSES and method != "POST"
                    and attempt < self.max_attempts):
                self._retry(label, attempt, None, f"answered {answer.status}", answer.request_id)
                continue
            _log_answer(label, started, attempt, answer)
            return answer

    def _retry(self, label: str, attempt: int, delay: float | None, why: str, request_id: str | None = None) -> None:
        if delay is None:
            delay = _jittered(attempt)
        log.info("%s %s%s; retry %d of %d in %.1f s", label, why, _request_id(request_id), attempt,
                 self.max_attempts - 1, delay)
        self._backoff(attempt, delay)

    def _exchange(self, method: str, path: str, params: Mapping[str, Any] | None, json: Any) -> _Answer:
        """One HTTP exchange, read as a stream so the time and size limits hold mid-body."""
        limits = self.limits
        status, request_id = 0, None
        try:
            with deadline.deadline(limits.total_timeout):
                with self._http.stream(method, path, params=params, json=json) as response:
                    status, request_id = response.status_code, response.headers.get("Timekit-Request-Id")
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > limits.max_response_bytes:
                        too_large = self._too_large(f"announces {int(declared):,} bytes, more than")
                        raise _Abandoned(too_large, status, request_id)
                    content = bytearray()
                    for chunk in response.iter_bytes():
                        content += chunk
                        if len(content) > limits.max_response_bytes:
                            raise _Abandoned(self._too_large("is larger than"), status, request_id)
                        deadline.check()
                    return _Answer(status, response.reason_phrase, response.headers, content)
        except httpx.DecodingError as exc:
            # Content-Encoding that does not decode: the answer is unreadable, as if not JSON.
            raise _Abandoned(f"malformed answer: the body cannot be decoded ({exc})", status, request_id) from None
        except deadline.DeadlineExceeded:
            got = "the answer was still incomplete" if status else "no answer had arrived"
            raise _Abandoned(
                f"{got} after {limits.total_timeout:g} s, the time limit for one request "
                f"(set by {TIMEOUT_ENV}); the API or the network is too slow, try again later",
                status, request_id,
            ) from None

    def _too_large(self, what: str) -> str:
        limit = self.limits.max_response_bytes
        return (f"the answer {what} {limit:,} bytes, the size limit for one answer "
                f"(set by {MAX_BYTES_ENV}); refusing to read it")

    def backoff(self, attempt: int, delay: float | None) -> None:
        """Wait before attempt `attempt + 1`: `delay` seconds if the server said, else
        exponential backoff with jitter."""
        self._backoff(attempt, delay if delay is None or delay <= MAX_RETRY_AFTER else MAX_RETRY_AFTER)

    def _backoff(self, attempt: int, delay: float | None) -> None:
        self._sleep(_jittered(attempt) if delay is None else delay)

    def _decode(self, method: str, path: str, answer: _Answer, check: Check) -> Any:
        if 200 <= answer.status < 300:
            # Updates and deletes answer 204 (§3); a read or a create without a body is broken.
            if not answer.content.strip() and method in ("PUT", "DELETE"):
                return None
            try:
                body = decode(answer.content, answer.headers.get("Content-Type"))
                register_found(body)
                return check(body)
            except ShapeError as exc:
                raise self._error(f"malformed answer: {exc}", answer.status, method, path, answer.request_id) from None
        body = None
        if answer.content.strip():
            try:
                body = decode(answer.content, None)
            except ShapeError:
                body = None
            register_found(body)
        message = api_message(body) or answer.reason or "no message"
        if answer.status in RETRY_STATUSES:
            wait = _seconds(answer.headers.get("Retry-After"))
            if wait is not None and wait > MAX_RETRY_AFTER:
                message += f" (rate limit exhausted: Timekit asks to wait {wait:.0f} s)"
            else:
                message += f" (still rate limited after {self.max_attempts} attempts)"
        if answer.status == 401:
            message += "; check the app token in the environment"
        raise self._error(message, answer.status, method, path, answer.request_id,
                          _seconds(answer.headers.get("Retry-After")))

    @staticmethod
    def _error(message: str, status: int, method: str, path: str, request_id: str | None = None,
               retry_after: float | None = None) -> ApiError:
        """The one way this client builds an error: the API's words, secrets masked."""
        cls = AuthError if status == 401 else ApiError
        return cls(redact(message), status=status, method=method, path=redact(path), request_id=request_id,
                   retry_after=retry_after)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any, *, resend: bool = True) -> Any:
        """Create an object; the answer must carry it, with its id (§3). `resend` as for request."""
        return self._call("POST", path, None, body, check_created, resend)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    # -- lists ---------------------------------------------------------------------------

    def list_all(self, path: str, params: Mapping[str, Any] | None = None, *,
                 item_check: ItemCheck | None = None, on_page: Callable[[int], None] | None = None,
                 item_map: Callable[[dict], Any] | None = None) -> list[Any]:
        """Every item of a list endpoint, in the fewest requests: pages of 1000, and once the
        first page says how many there are, the rest fetched concurrently.

        Each item is an object with a string id, and passes `item_check` (which raises
        ShapeError) if given. The number of pages comes from page 1's `total` and `per_page`;
        a `last_page` that disagrees is refused rather than followed. Pages are requested on
        our own base URL, never on the `next_page_url` the server names, so the token cannot
        be sent to another host (§4). `on_page`, if given, is called (from any thread) after
        each page is read, with the listing's number of pages: progress reporting.

        `item_map`, if given, turns each checked item into what the caller keeps, as its page
        arrives, and the list holds those: a page's body is dropped once it is mapped, so a
        caller that keeps a little of each item never holds a whole account's pages at once.
        """
        params = {**(params or {}), "limit": PAGE_SIZE}

        def fetch(page: int) -> tuple[int, list[tuple[str, Any]]]:
            answer = self._send("GET", path, {**params, "page": page}, None)
            with self._decoding:
                result = self._read_page(answer, page, item_check, item_map)
                if result is None:  # not a well-formed page: the reference reading says what is wrong
                    result = self._decode("GET", path, answer, lambda body: self._page(body, page, item_check))
                    result = replace(result, items=[
                        (item["id"], item if item_map is None else item_map(item)) for item in result.items])
            del answer
            kept = result.items
            if on_page is not None:
                on_page(last if page > 1 else result.last_page)
            return result.last_page, kept

        last = 1
        last, items = fetch(1)  # last_page already checked against total and per_page by _page
        if last > 1:
            pages = range(2, last + 1)
            with ThreadPoolExecutor(max_workers=min(self.max_in_flight, len(pages))) as pool:
                for _, page_items in pool.map(fetch, pages):
                    items.extend(page_items)
        # Offset pagination can repeat an item when objects are created meanwhile.
        seen: dict[str, Any] = {}
        for id_, item in items:
            seen.setdefault(id_, item)
        return list(seen.values())

    @staticmethod
    def _read_page(answer: _Answer, page: int, item_check: ItemCheck | None,
                   item_map: Callable[[dict], Any] | None) -> Page | None:
        """A well-formed page as `pages.py` reads it (a large one item by item), its items
        `(id, mapped)` pairs and its secrets registered; None for anything else, which `_decode`
        and `_page` then read the reference way, refusing it with their messages.

        While the page is read, the answer holds no bytes, only their text: a page of 1,000
        projects with their members is 13 MB, which were otherwise held twice while its items
        were decoded. For anything the reference reading then reads, they are put back as
        they were (UTF-8 decoded and encoded again, lone surrogates passed through both ways:
        the same bytes)."""
        if not 200 <= answer.status < 300:
            return None
        body = answer.content
        text = None
        if jsonlib.detect_encoding(body) == "utf-8":  # as json.loads decides it
            try:
                text = body.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                pass  # kept: the reference reading says what is wrong
            else:
                body.clear()
        del body
        result = TimekitClient._well_formed_page(answer.content if text is None else text, page, item_check, item_map)
        if result is None and text is not None:
            answer.content[:] = text.encode("utf-8", "surrogatepass")
        return result

    @staticmethod
    def _well_formed_page(content: bytes | bytearray | str, page: int, item_check: ItemCheck | None,
                          item_map: Callable[[dict], Any] | None) -> Page | None:
        """`_read_page` of the page's bytes or text `content`."""
        read = read_page(content, page, item_check, item_map)
        if read is None:
            return None
        result, secrets = read
        if page == 1:
            try:
                result.page_count(PAGE_SIZE)
            except ShapeError:
                return None
        for secret in set(secrets):  # a project page repeats each member's token
            register(secret)
        return result

    @staticmethod
    def _page(body: Any, page: int, item_check: ItemCheck | None) -> Page:
        try:
            checked = check_page(body, page, item_check)
        except ShapeError as exc:
            raise ShapeError(f"page {page}: {exc}" if page > 1 else str(exc)) from None
        if page == 1:
            try:
                checked.page_count(PAGE_SIZE)
            except ShapeError as exc:
                raise ShapeError(f"{exc}; refusing to follow it") from None
        return checked


def _jittered(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.5, 1, 2, 4 ... seconds, at most 30."""
    return min(30.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def _label(method: str, path: str, params: Mapping[str, Any] | None) -> str:
    """`GET /resources?include=calendars&page=2`, as the log names a request."""
    query = urlencode({k: v for k, v in (params or {}).items() if v is not None}, safe=",:*/")
    return f"{method} {path}" + (f"?{query}" if query else "")


def _request_id(request_id: str | None) -> str:
    return f" (request id {request_id})" if request_id else ""


def _retries(attempt: int) -> str:
    n = attempt - 1
    return f"{n} retr{'y' if n == 1 else 'ies'}"


def _log_answer(label: str, started: float, attempt: int, answer: _Answer) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    ms = (time.monotonic() - started) * 1000
    ident = f"request id {answer.request_id}" if answer.request_id else "no request id"
    log.info("%s -> %d in %.0f ms (%s, %s)", label, answer.status, ms, ident, _retries(attempt))
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s answer body: %s", label, body_text(answer.content))


def _log_failure(label: str, started: float, attempt: int, why: str, request_id: str | None = None) -> None:
    if log.isEnabledFor(logging.INFO):
        ms = (time.monotonic() - started) * 1000
        log.info("%s -> failed in %.0f ms: %s%s (%s)", label, ms, why, _request_id(request_id), _retries(attempt))


def _seconds(header: str | None) -> float | None:
    try:
        return float(header) if header else None
    except ValueError:
        return None
