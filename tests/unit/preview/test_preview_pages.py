"""The preview's pages: the widget embedded as in production, and the routes under /preview."""

from __future__ import annotations

import json
import re

import pytest

from tkctl.preview.bundle import WidgetBundle
from tkctl.preview.pages import Page, PreviewApp, page_html

BUNDLE = WidgetBundle(b"/* widget */", b".bookingjs{}", "test")
PAGE = Page("consult", "after", "Book <now> & here", "p-1", "live_widget_key_abc")
BEFORE = Page("consult", "before", "Old title", "p-0", "live_widget_key_old")


def widget_config(html: str) -> dict:
    return json.loads(re.search(r"init\(Object\.assign\((\{.*?\}), \{api_base_url", html).group(1))


def test_the_page_embeds_the_widget_with_the_project_and_the_widget_key():
    html = page_html(PAGE, BUNDLE)
    assert widget_config(html) == {"app_key": "live_widget_key_abc", "project_id": "p-1"}
    assert 'api_base_url: window.location.origin + "/"' in html  # the emulator's root: the widget adds v2
    assert '<script src="/preview/_widget/booking.min.js"></script>' in html
    assert '<link rel="stylesheet" href="/preview/_widget/booking.min.css">' in html
    assert "<title>Book &lt;now&gt; &amp; here (consult, as configured) - tkctl preview</title>" in html


def test_no_stylesheet_link_without_a_stylesheet():
    assert "booking.min.css" not in page_html(PAGE, WidgetBundle(b"js", None, "x"))


def test_a_script_end_in_a_value_cannot_close_the_script_element():
    html = page_html(Page("k", "after", "t", "</script><script>alert(1)", "key"), BUNDLE)
    assert "</script><script>alert(1)" not in html
    assert widget_config(html)["project_id"] == "</script><script>alert(1)"


@pytest.mark.parametrize("path, status, body", [
    ("/preview/consult", 200, "live_widget_key_abc"),
    ("/preview/consult/", 200, "live_widget_key_abc"),
    ("/preview/consult/before", 200, "live_widget_key_old"),
    ("/preview/%63onsult", 200, "live_widget_key_abc"),
    ("/preview/", 200, 'href="/preview/consult/before">consult</a> (before the plan): Old title'),
    ("/preview", 200, "tkctl preview"),
    ("/preview/_widget/booking.min.js", 200, "/* widget */"),
    ("/preview/_widget/booking.min.css", 200, ".bookingjs{}"),
    ("/preview/other", 404, "No such preview page"),
])
def test_routes(path, status, body):
    app = PreviewApp(BUNDLE)
    app.set_pages([BEFORE, PAGE])
    response = app.respond("GET", path)
    assert response.status_code == status
    assert body in response.body.decode()
    assert response.headers["cache-control"] == "no-store"


def test_only_reads_are_served():
    response = PreviewApp(BUNDLE).respond("POST", "/preview/consult")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD")
