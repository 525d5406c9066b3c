"""A list page read item by item (`tkctl/timekit/pages.py`) gives exactly what the reference
reading gives (json.loads of the whole body, `register_found`, `check_page`, then the item map),
or declines and leaves the page to it: the same items, the same secrets registered, the same
error messages for hostile answers (issue 12).

Results are compared by `repr`, which, unlike ==, tells 1 from 1.0 and True, and NaN from NaN's
absence.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tkctl import secrets
from tkctl.core.live import project_object, resource_objects
from tkctl.errors import ApiError
from tkctl.timekit import pages
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.envelope import ShapeError, check_page, check_project, check_resource, decode
from tkctl.timekit.pages import read_page

from tests.readmodes import reading_mode

TOKEN = "live_api_key_unit0000000000000000000000"


def reference(content: bytes, page: int, item_check, item_map) -> tuple[str, list[str]] | str:
    """The reference reading: (repr of the page with its items mapped, the values given to
    `register`), or the ShapeError's message."""
    found: list[str] = []
    real = secrets.register
    secrets.register = found.append  # what register_found hands on, before any length filter
    try:
        body = decode(content, "application/json")
        secrets.register_found(body)
        checked = check_page(body, page, item_check)
    except ShapeError as exc:
        return str(exc)
    finally:
        secrets.register = real
    items = [(item["id"], item if item_map is None else item_map(item)) for item in checked.items]
    return repr((items, checked.total, checked.per_page, checked.current_page, checked.last_page)), found


def fast(content: bytes, page: int, item_check, item_map) -> tuple[str, list[str]] | None:
    """read_page's result, the same whether the page is decoded whole or item by item."""
    whole = _fast(content, page, item_check, item_map)
    real = pages.WHOLE_PAGE_CHARS
    pages.WHOLE_PAGE_CHARS = 0  # every page item by item, as the large ones are
    try:
        itemwise = _fast(content, page, item_check, item_map)
    finally:
        pages.WHOLE_PAGE_CHARS = real
    assert (whole is None) == (itemwise is None)
    if whole is not None:
        assert whole[0] == itemwise[0] and Counter(whole[1]) == Counter(itemwise[1])
    return whole


def _fast(content: bytes, page: int, item_check, item_map) -> tuple[str, list[str]] | None:
    read = read_page(content, page, item_check, item_map)
    if read is None:
        return None
    result, found = read
    return repr((result.items, result.total, result.per_page, result.current_page, result.last_page)), found


def assert_same(content: bytes, page: int = 1, item_check=check_project, item_map=project_object,
                must_read: bool = False) -> None:
    """read_page gives the reference result, or declines (which `must_read` forbids); it never
    accepts what the reference refuses."""
    got, expected = fast(content, page, item_check, item_map), reference(content, page, item_check, item_map)
    if got is None:
        assert not (must_read and isinstance(expected, tuple)), f"declined a page the reference reads: {content[:200]!r}"
        return
    assert isinstance(expected, tuple), f"read a page the reference refuses ({expected}): {content[:200]!r}"
    assert got[0] == expected[0]
    assert Counter(got[1]) == Counter(expected[1])


# -- generated pages -----------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=6))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["a", "api_token", "clientSecret", "tags", "password", "x"])
                                        | st.text(max_size=5), inner, max_size=3), max_leaves=8)
ids = st.one_of(st.uuids().map(str), st.uuids().map(str), st.sampled_from(["", "r1"]), values)
member = st.fixed_dictionaries({"id": ids}, optional={"api_token": st.text(max_size=8), "name": values,
                                                      "meta": values, "password": values})
project = st.fixed_dictionaries({"id": ids}, optional={
    "name": values, "resources": st.one_of(st.lists(st.one_of(member, member, ids), max_size=4), values),
    "meta": st.one_of(st.fixed_dictionaries({}, optional={"tkctl_key": st.text(max_size=4),
                                                          "access_key": values}), values),
    "token": values, "ui": values,
})
resource = st.fixed_dictionaries({"id": ids}, optional={
    "name": values, "api_token": st.text(max_size=12), "meta": values,
    "calendars": st.one_of(st.lists(st.one_of(member, values), max_size=3), values),
})
figures = st.fixed_dictionaries({}, optional={
    "total": st.one_of(st.integers(0, 3), values), "per_page": st.sampled_from(["1000", 1000, 2, "x", 0]),
    "current_page": st.sampled_from([1, 1, 2, "1"]), "last_page": st.sampled_from([1, 1, 2, -1]),
    "next_page_url": st.none(), "api_token": st.text(max_size=8), "meta": values,
})


@st.composite
def page_texts(draw, items) -> bytes:
    """A page as JSON text laid out any way json.dumps can, its figures mostly right."""
    data = draw(st.one_of(st.lists(items, max_size=4), st.lists(items, max_size=4), values))
    body = {"data": data, "total": len(data) if isinstance(data, list) else 0, "per_page": "1000",
            "current_page": 1, "last_page": 1}
    body.update(draw(figures))
    keys = draw(st.permutations(list(body)))
    body = {key: body[key] for key in keys}
    text = json.dumps(body, indent=draw(st.sampled_from([None, 0, 2, "\t"])),
                      separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
                      ensure_ascii=draw(st.booleans()))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-32"])))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(content=page_texts(project), page=st.sampled_from([1, 2]))
def test_a_project_page_reads_as_the_reference_reads_it(content, page):
    assert_same(content, page, check_project, project_object, must_read=True)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(content=page_texts(resource))
def test_a_resource_page_reads_as_the_reference_reads_it(content):
    assert_same(content, 1, check_resource, resource_objects, must_read=True)
    assert_same(content, 1, None, None, must_read=True)  # no check, no map: the items themselves


@settings(derandomize=True, max_examples=300, deadline=None)
@given(content=page_texts(project), cut=st.integers(0, 400), insert=st.binary(min_size=1, max_size=3))
def test_a_damaged_page_reads_as_the_reference_or_is_left_to_it(content, cut, insert):
    cut = cut % (len(content) + 1)
    assert_same(content[:cut])
    assert_same(content[:cut] + insert + content[cut:])
    assert_same(content[:cut] + content[cut + 1:])


# -- hostile answers, by name ------------------------------------------------------------------

MEMBER = '{"id": "r1", "name": "Jonas", "api_token": "tok-member-0001", "meta": {"client_secret": "s3cr3t-xyz"}}'


def page_text(items: str = f'{{"id": "p1", "name": "P", "resources": [{MEMBER}, "r2"]}}', *, extra: str = "",
              figures: str = '"total": 1, "per_page": "1000", "current_page": 1, "last_page": 1') -> bytes:
    return f'{{"data": [{items}], {figures}{extra}}}'.encode()


HOSTILE = {
    "well formed": page_text(),
    "NaN and infinities": page_text('{"id": "p1", "a": NaN, "b": Infinity, "c": -Infinity}'),
    "a number past 64 bits": page_text('{"id": "p1", "n": 123456789012345678901234567890, "f": 1e400}'),
    "a number past the digit limit": page_text('{"id": "p1", "n": ' + "9" * 5000 + "}"),
    "a duplicate key in an item": page_text('{"id": "p1", "id": "p2", "name": "a", "name": "b"}'),
    "a duplicate data": page_text(extra=', "data": []'),
    "a duplicate total": page_text(extra=', "total": 7'),
    "a duplicate secret": page_text(extra=', "api_token": "first-one", "api_token": "second-one"'),
    "invalid UTF-8": page_text('{"id": "p1", "name": "\xff"}').replace(b"\xc3\xbf", b"\xff"),
    "a UTF-8 BOM": b"\xef\xbb\xbf" + page_text(),
    "two BOMs": b"\xef\xbb\xbf\xef\xbb\xbf" + page_text(),
    "UTF-16": page_text().decode().encode("utf-16"),
    "a lone surrogate escape": page_text('{"id": "p1", "name": "\\ud800"}'),
    "a raw control character": page_text('{"id": "p1", "name": "a\tb"}'),
    "a trailing comma in data": page_text('{"id": "p1"},'),
    "a trailing comma at the top": page_text(extra=","),
    "trailing garbage": page_text() + b" x",
    "trailing whitespace": b" \r\n\t" + page_text() + b" \n",
    "whitespace everywhere": b'{ "data" :\n[ { "id" : "p1" } ] ,\t"total" : 1 , "per_page" : "1000" , '
                             b'"current_page" : 1 , "last_page" : 1 }',
    "nested too deeply": page_text('{"id": "p1", "x": ' + "[" * 100000 + "]" * 100000 + "}"),
    "empty data": page_text("", figures='"total": 0, "per_page": "1000", "current_page": 1, "last_page": 1'),
    "data not a list": b'{"data": {"id": "p1"}, "total": 1, "per_page": "1000", "current_page": 1, "last_page": 1}',
    "no data": b'{"total": 1, "per_page": "1000", "current_page": 1, "last_page": 1}',
    "an empty object": b"{}",
    "a member without an id": page_text('{"id": "p1", "resources": [{"name": "x"}]}'),
    "a second item bad": page_text('{"id": "p1"}, {"id": 7}'),
    "more items than per_page": page_text('{"id": "p1"}, {"id": "p2"}'),
    "last_page contradicting total": page_text(figures='"total": 1, "per_page": "1000", "current_page": 1, '
                                                       '"last_page": 9'),
    "single quotes": b"{'data': []}",
    "a list at the top": b'[{"id": "p1"}]',
    "an HTML page": b"<html>Bad gateway</html>",
    "empty": b"",
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_named_hostile_page_reads_as_the_reference_or_is_left_to_it(content):
    assert_same(content)
    assert_same(content, 1, check_resource, resource_objects)


def test_the_well_formed_kinds_are_read_here_not_left_to_the_reference():
    for name in ("well formed", "NaN and infinities", "a number past 64 bits", "a duplicate key in an item",
                 "a UTF-8 BOM", "UTF-16", "a lone surrogate escape", "trailing whitespace", "whitespace everywhere",
                 "empty data"):
        assert fast(HOSTILE[name], 1, check_project, project_object) is not None, name
    result, found = read_page(HOSTILE["well formed"], 1, check_project, project_object)
    assert result.items[0][1].fields["resource_ids"] == ["r1", "r2"]
    assert sorted(found) == ["s3cr3t-xyz", "tok-member-0001"]  # the member's, and one nested in its meta


# -- through the client: what list_all returns or raises, and what it registers ------------------


def list_all(content: bytes, status: int, mode: str, item_check=check_project,
             item_map: Callable | None = project_object) -> tuple[str, set[str]]:
    """repr of what list_all returns, or its error message; and the values registered as secret.
    `mode`: "reference" (read_page never used), "whole" or "itemwise" (how read_page decodes)."""
    with reading_mode(mode) as registered:
        handler = lambda request: httpx.Response(status, content=content, headers={"Content-Type": "application/json"})  # noqa: E731
        with TimekitClient("http://tk.test/v2", TOKEN, transport=httpx.MockTransport(handler), rate_per_second=0,
                           max_attempts=1, sleep=lambda s: None) as tk:
            try:
                outcome: Any = repr(tk.list_all("/projects", item_check=item_check, item_map=item_map))
            except ApiError as exc:
                outcome = f"ApiError {exc.status}: {exc}"
    return outcome, registered


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_list_all_returns_or_raises_exactly_as_the_reference_reading_does(content):
    for item_check, item_map in ((check_project, project_object), (check_resource, resource_objects), (None, None)):
        for status in (200, 500):
            expected = list_all(content, status, "reference", item_check, item_map)
            assert list_all(content, status, "whole", item_check, item_map) == expected
            assert list_all(content, status, "itemwise", item_check, item_map) == expected


@settings(derandomize=True, max_examples=150, deadline=None)
@given(content=page_texts(project), cut=st.integers(0, 10**6), damage=st.booleans())
def test_list_all_of_generated_pages_is_the_reference_outcome(content, cut, damage):
    if damage:
        content = content[:cut % (len(content) + 1)]
    expected = list_all(content, 200, "reference")
    assert list_all(content, 200, "whole") == list_all(content, 200, "itemwise") == expected


# -- the answer's bytes while its page is read -----------------------------------------------------

RAW_SURROGATE = page_text('{"id": "p1", "name": "X"}').replace(b"X", b"\xed\xa0\x80")  # passed through, as json.loads does


@settings(derandomize=True, max_examples=300, deadline=None)
@given(content=st.one_of(page_texts(project), st.sampled_from([*HOSTILE.values(), RAW_SURROGATE]), st.binary(max_size=40)),
       cut=st.integers(0, 10**6), damage=st.booleans())
def test_an_answers_bytes_are_let_go_while_its_page_is_read_and_put_back_as_they_were(content, cut, damage):
    """The client reads a page from its text alone (a page of 1,000 projects with their members
    is 13 MB, otherwise held twice while it is read); a page left to the reference reading
    gets its bytes back exactly as they came."""
    from tkctl.timekit import client as client_module
    from tkctl.timekit.client import _Answer

    if damage:
        content = content[:cut % (len(content) + 1)] + RAW_SURROGATE[:cut % 7]
    answer = _Answer(200, "OK", httpx.Headers(), bytearray(content))
    held: list[tuple[type, int]] = []
    real = client_module.read_page

    def noting(text, *args):
        held.append((type(text), len(answer.content)))
        return real(text, *args)

    with reading_mode("whole"), pytest.MonkeyPatch.context() as patch:
        expected = TimekitClient._well_formed_page(bytes(content), 1, check_project, project_object)
        patch.setattr(client_module, "read_page", noting)
        result = TimekitClient._read_page(answer, 1, check_project, project_object)
    try:
        utf8 = json.detect_encoding(content) == "utf-8" and isinstance(content.decode("utf-8", "surrogatepass"), str)
    except UnicodeDecodeError:
        utf8 = False
    assert held == ([(str, 0)] if utf8 else [(bytearray, len(content))])
    assert repr(result) == repr(expected)  # read from the text as from the bytes
    assert bytes(answer.content) == (b"" if utf8 and result is not None else content)
