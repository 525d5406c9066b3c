"""The one paginator every list endpoint uses (§4).

Laravel-style length-aware pagination: `per_page` echoes the raw `limit` string when one was
sent, the integer 50 by default; page URLs are absolute and keep every other query parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from tkctl.emulator.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class PageRequest:
    limit: int
    page: int
    per_page: int | str
    base_url: str  # absolute URL of the list without query, e.g. http://host/v2/resources
    params: list[tuple[str, str]]  # the request's query, in order


def _positive(raw: str) -> int | None:
    text = raw.strip()
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value >= 1 else None


def page_request(params: list[tuple[str, str]], base_url: str) -> PageRequest:
    """Read `limit` and `page`; 422 when either is not a positive integer."""
    query = dict(params)
    errors: dict[str, list[str]] = {}
    limit, per_page = DEFAULT_LIMIT, DEFAULT_LIMIT
    if "limit" in query:
        parsed = _positive(query["limit"])
        if parsed is None:
            # assumed: timekit-api.md §4 (bad limit/page -> 422)
            errors["limit"] = ["The limit must be a positive integer."]
        elif parsed > MAX_LIMIT:
            # assumed: timekit-api.md §4 (limit above 1000 is clamped; per_page is then the int 1000)
            limit, per_page = MAX_LIMIT, MAX_LIMIT
        else:
            # assumed: timekit-api.md §4 (per_page echoes the raw string when limit was given)
            limit, per_page = parsed, query["limit"]
    page = 1
    if "page" in query:
        parsed = _positive(query["page"])
        if parsed is None:
            errors["page"] = ["The page must be a positive integer."]
        else:
            page = parsed
    if errors:
        raise ValidationFailed(errors)
    return PageRequest(limit, page, per_page, base_url, params)


def _url(request: PageRequest, page: int) -> str:
    params = [(k, v) for k, v in request.params if k != "page"]
    # assumed: timekit-api.md §4 (page URLs keep limit and every other query parameter)
    position = next((i for i, (k, _) in enumerate(request.params) if k == "page"), len(params))
    params.insert(min(position, len(params)), ("page", str(page)))
    return f"{request.base_url}?{urlencode(params)}"


def paginate(items: list, request: PageRequest, render=None) -> dict:
    """The list envelope (§3, §4); only the returned page is passed through `render`."""
    total = len(items)
    last_page = max(1, -(-total // request.limit))  # assumed: timekit-api.md §4 (last_page 1 when empty)
    start = (request.page - 1) * request.limit
    chunk = items[start:start + request.limit]
    return {
        "total": total,
        "per_page": request.per_page,
        "current_page": request.page,
        "last_page": last_page,
        "next_page_url": _url(request, request.page + 1) if request.page < last_page else None,
        "prev_page_url": _url(request, request.page - 1) if request.page > 1 else None,
        "from": start + 1 if chunk else None,
        "to": start + len(chunk) if chunk else None,
        "data": [render(item) for item in chunk] if render else chunk,
    }
