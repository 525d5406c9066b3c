"""App-key authentication (§2): Basic with an empty username and the app token as password."""

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


def authenticate(header: str | None, tokens: list[str], widget_keys: dict[str, str],
                 widget_route: bool) -> str:
    """The app token the request acts as; widget keys only on the widget endpoints (§2)."""
    password = basic_password(header)
    if password is not None:
        # assumed: timekit-api.md §2 (only configured app keys, as exact strings)
        if password in tokens:
            return password
        if widget_route and password in widget_keys:
            return widget_keys[password]
    raise unauthorized()
