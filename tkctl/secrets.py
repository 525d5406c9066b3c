"""The one place that knows which strings are secret and removes them from text.

Three kinds of secret reach tkctl: the app token (registered when read from the
environment), credentials written into the API URL (`https://user:pass@host/v2`), and
per-resource credentials the API hands out (`api_token`, timekit-api.md §3). The HTTP client
registers every value it sees under a secret-looking field name, so an API message that
later echoes one of them is still masked. `redact` is applied to every message tkctl prints
(API errors, unexpected errors, debug tracebacks); besides the registered values it masks
anything shaped like a credential: secret-looking `key=value` and `"key": "value"` pairs,
URL userinfo and `Authorization` header values.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words

# Fields of API objects that carry credentials and must never reach state, plans or logs
# (timekit-api.md §3, §16.15).
SECRET_FIELDS = frozenset({"api_token", "token", "password"})

# A field name is secret-looking when, in snake_case, it ends with one of these words or
# mentions a password anywhere. `tkctl_key`, `token_env` and `next_page_url` are not.
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:token|secret|api_?key|app_?key|access_?key|secret_?key|private_?key|credentials?)$"
    r"|pass(?:word|wd|phrase)"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# `"key": "value"`, `'key': 'value'`, `key="value"`; the value quoted alike.
_QUOTED_PAIR = re.compile(
    r"""(?P<head>(?P<q>["']?)(?P<key>[A-Za-z][\w.-]*)(?P=q)\s*[:=]\s*(?P<vq>["']))"""
    r"""(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)"""
)
# `key=value` as in query strings and shell assignments.
_BARE_ASSIGNMENT = re.compile(r"""(?P<head>\b(?P<key>[A-Za-z][\w.-]*)=)(?P<value>[^\s&"',;)}\]]+)""")
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")
_AUTH_HEADER = re.compile(r"(?P<scheme>\b(?:Basic|Bearer|Token))\s+[A-Za-z0-9+/=._~-]{8,}", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # called for every key of every API object; names repeat
def is_secret_field(name: str) -> bool:
    """Whether a JSON field of that name holds a credential (`api_token`, `client_secret`...)."""
    snake = _CAMEL.sub("_", name).replace("-", "_").lower()
    return snake in SECRET_FIELDS or bool(_SECRET_NAME.search(snake))


def register(secret: str | None) -> None:
    """Remember a secret value so later output never contains it."""
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        return
    with _lock:
        _secrets.add(secret)


def register_found(payload: Any) -> None:
    """Register every string held under a secret-looking field anywhere in a JSON payload.

    Called on every API answer, so a resource's `api_token` read while planning is masked if
    a later error message quotes it back.
    """
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if isinstance(key, str) and is_secret_field(key):
                        register(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))


def _registered(text: str) -> re.Pattern[str] | None:
    """The registered secrets found in `text` as one alternation, longest first.

    Built per call from the secrets the text holds: one alternation of every secret would be
    recompiled after each new one, and an account of 20,000 resources registers 20,000
    `api_token`s (each create answer adds one), which made every error message cost seconds
    of CPU. A substring test per secret costs microseconds."""
    with _lock:
        present = [secret for secret in _secrets if secret in text]
    if not present:
        return None
    return re.compile("|".join(map(re.escape, sorted(present, key=len, reverse=True))))


def _mask_value(match: re.Match[str]) -> str:
    if not is_secret_field(match.group("key").rsplit(".", 1)[-1]) or match.group("value") == MASK:
        return match.group(0)
    closing = match.groupdict().get("vq") or ""
    return f"{match.group('head')}{MASK}{closing}"


def redact(text: str) -> str:
    """The text with every known secret and every credential-shaped value masked."""
    pattern = _registered(text)
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group('scheme')} {MASK}", text)
    text = _QUOTED_PAIR.sub(_mask_value, text)
    return _BARE_ASSIGNMENT.sub(_mask_value, text)


def url_credentials(url: str) -> tuple[str, ...]:
    """The secrets written into a URL's userinfo: the password, raw and percent-decoded."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return ()
    if not password:
        return ()
    return tuple(dict.fromkeys((password, unquote(password))))


def display_url(url: str) -> str:
    """The URL as tkctl shows it: without `user:password@`, which is never printed.

    Use it wherever a URL is shown (plan output, messages); the client also sends requests to
    this form, since it authenticates with the app token, not with URL credentials.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return _URL_USERINFO.sub(lambda m: m.group("scheme"), url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))
