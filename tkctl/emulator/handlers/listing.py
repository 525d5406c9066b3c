"""The one way every list endpoint answers: search, order, paginate, render the page (§4, §5)."""

from __future__ import annotations

from typing import Callable, Iterable

from tkctl.emulator import paginator, query
from tkctl.emulator.call import Call


def list_response(call: Call, items: Iterable[dict], searchable: dict,
                  render: Callable[[dict], dict], allow_meta: bool = False) -> tuple[int, dict]:
    # assumed: timekit-api.md §3 (each list item has the single-object shape, include applied per item)
    page = paginator.page_request(call.query, call.base_url.rsplit("/v2", 1)[0] + call.path)
    found = query.search(items, call.arg("search"), searchable, allow_meta=allow_meta)
    found = query.order(found, call.arg("orderBy"), call.arg("sortedBy"))
    return 200, paginator.paginate(found, page, render)
