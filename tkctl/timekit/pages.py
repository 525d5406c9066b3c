"""A list page read one item at a time, so a large page is never held whole as Python objects.

A project page lists every member resource whole (`include=resources`, timekit-api.md §16.7):
12 MB per 1,000 projects at 5,000 resources, ~30 MB at 20,000, of which tkctl keeps only the
members' ids. Decoded whole, such a page is five times its size in Python objects, all alive
(and scanned by the garbage collector as they pile up) until the page is mapped. Read here,
each item of `data` is decoded, checked, mapped and dropped before the next, so only the page's
text and what the caller keeps are held. A small page (a resource page is 1 MB) is decoded
whole instead, so that its items share their field names as they do in `json.loads`, the
live objects being kept until the plan is made. Either way the strings under secret-looking
fields (`tkctl.secrets.register_found`) are collected by the decoder's object hook as each
object is built, instead of by a second walk over the decoded page.

Each value is decoded by the standard library's own scanner, the one `json.loads` runs, so
every item is exactly what `json.loads` gives. This path reads only well-formed pages: for
anything else (not JSON, a duplicate key at the top level, an item of the wrong shape,
figures that disagree) it answers None without registering anything, and the caller reads the
page the one reference way (`envelope.decode` then `check_page`), which raises the error with
its message, so errors and their wording cannot differ between the two paths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.scanner import make_scanner
from typing import Any

from tkctl.secrets import is_secret_field
from tkctl.timekit.envelope import ItemCheck, Page, ShapeError, check_item, page_figures

_WHITESPACE = re.compile(r"[ \t\n\r]*")  # json.decoder.WHITESPACE: what json.loads skips
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
# A page of at most this much text is decoded whole (a few times its size, briefly), so its
# items share their field names as json.loads makes them share: a resource page (1 MB) is;
# a project page (12 MB and up, with whole members) is read item by item.
WHOLE_PAGE_CHARS = 4 * 1024 * 1024


class _NotHere(Exception):
    """The page is not the well-formed kind this path reads: the reference reading decides."""


def read_page(content: bytes | bytearray | str, page: int, item_check: ItemCheck | None,
              item_map: Callable[[dict], Any] | None) -> tuple[Page, list[str]] | None:
    """Page `page` (its bytes, or their text as `json.loads` decodes them), its items as
    `(id, item_map(item))` pairs, and the strings found under secret-looking fields anywhere
    in it (for `tkctl.secrets.register`); None if the page is not well-formed (then
    `check_page` of `decode(content)` says what is wrong)."""
    try:
        return _read(content, page, item_check, item_map)
    except (_NotHere, ShapeError, StopIteration, ValueError, RecursionError):
        # ValueError: JSONDecodeError, UnicodeDecodeError, an integer past the digit limit.
        return None


def _read(content: bytes | bytearray | str, page: int, item_check: ItemCheck | None,
          item_map: Callable[[dict], Any] | None) -> tuple[Page, list[str]]:
    text = content if isinstance(content, str) else content.decode(json.detect_encoding(content), "surrogatepass")
    found: list[str] = []
    scan = make_scanner(json.JSONDecoder(object_hook=_collector(found)))
    ws = _WHITESPACE.match
    top: dict[str, Any] = {}
    kept: list[tuple[str, Any]] | None = None
    at = ws(text, 0).end()
    if text[at:at + 1] != "{":
        raise _NotHere
    at = ws(text, at + 1).end()
    while True:
        if text[at:at + 1] != '"':
            raise _NotHere
        key, at = _scanstring(text, at + 1, True)
        if key in top:
            raise _NotHere  # json.loads keeps the last one; the reference reading does that
        at = ws(text, at).end()
        if text[at:at + 1] != ":":
            raise _NotHere
        at = ws(text, at + 1).end()
        if key == "data" and text[at:at + 1] == "[":
            if len(text) > WHOLE_PAGE_CHARS:
                kept, at = _items(text, at, scan, item_check, item_map)
            else:
                items, at = scan(text, at)
                kept = [_kept(item, index, item_check, item_map) for index, item in enumerate(items)]
                del items
            top[key] = kept
        else:
            top[key], at = scan(text, at)
            if isinstance(top[key], str) and is_secret_field(key):
                found.append(top[key])
        at = ws(text, at).end()
        separator = text[at:at + 1]
        if separator == "}":
            break
        if separator != ",":
            raise _NotHere
        at = ws(text, at + 1).end()
    if kept is None or ws(text, at + 1).end() != len(text):
        raise _NotHere
    return Page(items=kept, **page_figures(top, page, len(kept))), found


def _items(text: str, at: int, scan, item_check: ItemCheck | None,
           item_map: Callable[[dict], Any] | None) -> tuple[list[tuple[str, Any]], int]:
    """The items of the `data` list that starts at `at`, each mapped as soon as it is read."""
    ws = _WHITESPACE.match
    kept: list[tuple[str, Any]] = []
    at = ws(text, at + 1).end()
    if text[at:at + 1] == "]":
        return kept, at + 1
    while True:
        item, at = scan(text, at)
        kept.append(_kept(item, len(kept), item_check, item_map))
        del item
        at = ws(text, at).end()
        separator = text[at:at + 1]
        if separator == "]":
            return kept, at + 1
        if separator != ",":
            raise _NotHere
        at = ws(text, at + 1).end()


def _kept(item: Any, index: int, item_check: ItemCheck | None,
          item_map: Callable[[dict], Any] | None) -> tuple[str, Any]:
    check_item(item, index, item_check)
    return item["id"], item if item_map is None else item_map(item)


def _collector(found: list[str]) -> Callable[[dict], dict]:
    """An object hook that notes the strings under secret-looking keys of every object the
    decoder builds, as `register_found` does on a decoded body, and returns the object as is."""
    plain: set[str] = set()  # names seen that are not secret-looking

    def hook(obj: dict) -> dict:
        if obj.keys() <= plain:  # most objects: one set operation
            return obj
        for name in obj.keys() - plain:
            if not is_secret_field(name):
                plain.add(name)
            elif isinstance(value := obj[name], str):
                found.append(value)
        return obj

    return hook

