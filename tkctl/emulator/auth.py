"""App-key authentication (§2): Basic with an empty username and the app token (or, on the
widget's requests, the app's widget key) as password."""

from __future__ import annotations

import base64
import binascii

from tkctl.emulator.errors import unauthorized


def basic_password(header: str | None) -> str | None:
    """The password of `Basic base64(":" + key)`; None when the header is not that shape."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    # assumed: timekit-api.md §2 (a non-empty Basic username is legacy resource-key auth: 401)
    if not colon or username:
        return None
    return password


def identify(header: str | None, tokens: list[str], widget_keys: dict[str, str],
             widget_allowed: bool) -> str | None:
    """The app token the request acts as, or None; a widget key counts only where allowed (§2)."""
    password = basic_password(header)
    if password is None:
        return None
    # assumed: timekit-api.md §2 (only configured app keys, as exact strings)
    if password in tokens:
        return password
    if widget_allowed and password in widget_keys:
        # assumed: timekit-api.md §2 (a widget key acts as its own app, on the widget requests only)
        return widget_keys[password]
    return None


def authenticate(header: str | None, tokens: list[str], widget_keys: dict[str, str],
                 widget_allowed: bool) -> str:
    """Like `identify`, but a request without valid credentials is answered 401 (§2)."""
    token = identify(header, tokens, widget_keys, widget_allowed)
    if token is None:
        raise unauthorized()
    return token
