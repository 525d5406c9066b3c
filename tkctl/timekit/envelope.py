"""What a Timekit answer must look like before tkctl believes it (timekit-api.md §3, §4, §6).

A proxy's HTML page, a truncated body or `{"data": null}` answered with 200 must never be
read as an empty account: the plan would then create everything again. Every answer the
client uses is checked here, at the edge, and anything else raises `ShapeError` saying what
is wrong; the client turns it into an ApiError naming the request. Past these checks the
rest of tkctl may rely on the shapes: objects with string ids, lists where lists belong.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from collections.abc import Callable, Mapping
from typing import Any

ItemCheck = Callable[[Mapping[str, Any], str], None]


class ShapeError(Exception):
    """The answer is not in the documented shape; str() says what is wrong, for the user."""


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, as messages show it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def decode(content: bytes | bytearray, content_type: str | None) -> Any:
    """The JSON value of a body; ShapeError if it is empty or not JSON."""
    if not content.strip():
        raise ShapeError("the body is empty, expected JSON")
    try:
        return json.loads(content)
    except RecursionError:
        raise ShapeError("the body is JSON nested too deeply to read") from None
    except ValueError as exc:
        if content.lstrip()[:1] in (b"{", b"["):
            raise ShapeError(f"the body is not valid JSON: {exc}") from None
        kind = f" ({content_type.split(';')[0].strip()})" if content_type else ""
        start = bytes(content.lstrip()[:40]).decode("utf-8", "replace")
        raise ShapeError(f"the body is not JSON{kind}: it starts {start!r}") from None


def api_message(body: Any) -> str:
    """The API's own message in either error shape: `errors` per field, or one `error`."""
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


def _data(body: Any) -> Any:
    if not isinstance(body, Mapping):
        raise ShapeError(f'the body is {json_type(body)}, expected an object with "data"')
    if "data" not in body:
        said = api_message(body)
        raise ShapeError('the body has no "data"' + (f"; it says: {said}" if said else ""))
    return body["data"]


def check_envelope(body: Any) -> Any:
    """Any success answer with a body: `{"data": object or list}`."""
    data = _data(body)
    if not isinstance(data, (Mapping, list)):
        raise ShapeError(f"data is {json_type(data)}, expected an object or a list")
    return body


def check_created(body: Any) -> Any:
    """A create answer: `{"data": {"id": "<string>", ...}}`."""
    data = _data(body)
    if not isinstance(data, Mapping):
        raise ShapeError(f"data is {json_type(data)}, expected the created object")
    _check_id(data, "data")
    return body


# -- lists (§4) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Any]  # the items, or what the reader's `item_map` made of each
    total: int
    per_page: int
    current_page: int
    last_page: int

    def page_count(self, limit: int) -> int:
        """How many pages the list has, from page 1's own figures; ShapeError if they disagree."""
        if self.per_page > limit:
            raise ShapeError(f"per_page is {self.per_page}, more than the {limit} asked for")
        expected = max(1, math.ceil(self.total / self.per_page))
        if self.last_page != expected:
            raise ShapeError(
                f"last_page is {self.last_page}, but total {self.total} at {self.per_page} per page "
                f"makes {expected} page{'s' if expected != 1 else ''}"
            )
        return expected


def check_page(body: Any, page: int, item_check: ItemCheck | None = None) -> Page:
    """One page of a list: the items (objects with string ids) and the pagination figures."""
    data = _data(body)
    if not isinstance(data, list):
        raise ShapeError(f"data is {json_type(data)}, expected a list")
    for index, item in enumerate(data):
        check_item(item, index, item_check)
    return Page(items=data, **page_figures(body, page, len(data)))


def check_item(item: Any, index: int, item_check: ItemCheck | None = None) -> None:
    """Item `index` of a page's data: an object with a string id that passes `item_check`."""
    where = f"data[{index}]"
    if not _is_object(item):
        raise ShapeError(f"{where} is {json_type(item)}, expected an object")
    _check_id(item, where)
    if item_check is not None:
        item_check(item, where)


def page_figures(body: Mapping[str, Any], page: int, items: int) -> dict[str, int]:
    """The pagination figures of a page holding `items` items, checked against each other."""
    figures = {name: _count(body, name) for name in ("total", "per_page", "current_page", "last_page")}
    for name in ("per_page", "current_page", "last_page"):
        if figures[name] < 1:
            raise ShapeError(f"{name} is {figures[name]}, expected 1 or more")
    if figures["current_page"] != page:
        raise ShapeError(f"current_page is {figures['current_page']}, but page {page} was asked for")
    if items > figures["per_page"]:
        raise ShapeError(f"data holds {items} items, more than per_page {figures['per_page']}")
    return figures


def _count(body: Mapping[str, Any], name: str) -> int:
    if name not in body:
        raise ShapeError(f"{name} is missing")
    value = body[name]
    # per_page comes back as a string when `limit` was sent (§4).
    if name == "per_page" and isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        shown = f" ({json.dumps(value)[:40]})" if isinstance(value, (str, float)) else ""
        raise ShapeError(f"{name} is {json_type(value)}{shown}, expected a whole number")
    if value < 0:
        raise ShapeError(f"{name} is {value}, expected 0 or more")
    return value


# -- nested shapes the reader relies on ------------------------------------------------------


def _check_id(obj: Mapping[str, Any], where: str) -> None:
    if "id" not in obj:
        raise ShapeError(f'{where} has no "id"')
    id_ = obj["id"]
    if not isinstance(id_, str) or not id_:
        raise ShapeError(f"{where}.id is {json_type(id_) if id_ != '' else 'empty'}, expected a string id")


def _is_object(value: Any) -> bool:
    """A JSON object: a dict as decoded (tested first: the ABC test costs more and is run for
    every member of every project), or any other Mapping a caller hands in."""
    return type(value) is dict or isinstance(value, Mapping)


def _list_of(value: Any, where: str, allow_ids: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise ShapeError(f"{where} is {json_type(value)}, expected a list")
    for index, member in enumerate(value):
        if allow_ids and isinstance(member, str) and member:
            continue
        if not _is_object(member):
            expected = "an object or an id" if allow_ids else "an object"
            raise ShapeError(f"{where}[{index}] is {json_type(member)}, expected {expected}")
        _check_id(member, f"{where}[{index}]")


def _object_or_null(value: Any, where: str) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ShapeError(f"{where} is {json_type(value)}, expected an object")


def check_resource(item: Mapping[str, Any], where: str) -> None:
    """A resource listed with `include=calendars`: its calendars are objects with ids."""
    _list_of(item.get("calendars"), f"{where}.calendars")
    _object_or_null(item.get("meta"), f"{where}.meta")


def check_project(item: Mapping[str, Any], where: str) -> None:
    """A project listed with `include=resources`: its resources are objects or ids."""
    _list_of(item.get("resources"), f"{where}.resources", allow_ids=True)
    _object_or_null(item.get("meta"), f"{where}.meta")


def check_booking(item: Mapping[str, Any], where: str) -> None:
    """A booking listed with `include=attributes`: where its start time is read from."""
    attributes = item.get("attributes")
    _object_or_null(attributes, f"{where}.attributes")
    event = (attributes or {}).get("event_info")
    _object_or_null(event, f"{where}.attributes.event_info")
    start = (event or {}).get("start")
    if start is not None and not isinstance(start, str):
        raise ShapeError(f"{where}.attributes.event_info.start is {json_type(start)}, expected a string")
    state = item.get("state")
    if state is not None and not isinstance(state, str):
        raise ShapeError(f"{where}.state is {json_type(state)}, expected a string")
