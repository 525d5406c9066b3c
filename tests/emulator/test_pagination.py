"""One paginator for every list (§4): walks, per_page rules, page URLs, 422s, ordering."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest


@pytest.fixture
def seeded_2500(api, emulator) -> list[str]:
    seeded = emulator.seed(resources=[{"name": f"r{i:04d}", "timezone": "UTC"} for i in range(2500)])
    return [r["id"] for r in seeded["resources"]]


@pytest.mark.parametrize("limit", [1000, 7])
def test_walk_2500_objects_without_duplicates_or_gaps(api, seeded_2500, limit):
    seen, url, pages = [], f"/resources?limit={limit}&include=calendars", 0
    while url:
        body = api.get(url).json()
        pages += 1
        assert body["total"] == 2500 and body["per_page"] == str(limit)
        assert body["from"] == len(seen) + 1
        seen += [r["id"] for r in body["data"]]
        assert body["to"] == len(seen)
        assert all(len(r["calendars"]) == 1 for r in body["data"])
        url = body["next_page_url"]
        if url:
            assert url.startswith(api.base_url.__str__().rstrip("/"))
            assert dict(parse_qsl(urlsplit(url).query))["include"] == "calendars"
    assert seen == seeded_2500  # creation order, nothing missing, nothing twice
    assert pages == -(-2500 // limit) == body["last_page"]


def test_envelope_matches_the_documented_example(api, emulator):
    emulator.seed(resources=[{"name": f"r{i}", "timezone": "UTC"} for i in range(5)])
    body = api.get("/resources?limit=3&page=2").json()
    assert {k: v for k, v in body.items() if k != "data"} == {
        "total": 5, "per_page": "3", "current_page": 2, "last_page": 2, "next_page_url": None,
        "prev_page_url": f"{emulator.base_url}/resources?limit=3&page=1", "from": 4, "to": 5}
    assert [r["name"] for r in body["data"]] == ["r3", "r4"]


@pytest.mark.parametrize("query,per_page,count", [
    ("", 50, 50), ("limit=1000", "1000", 60), ("limit=5000", 1000, 60), ("limit=60", "60", 60),
])
def test_per_page_rules(api, emulator, query, per_page, count):
    emulator.seed(resources=[{"name": f"r{i}", "timezone": "UTC"} for i in range(60)])
    body = api.get(f"/resources?{query}").json()
    assert (body["per_page"], len(body["data"])) == (per_page, count)


def test_past_the_end_and_empty(api, emulator):
    empty = api.get("/projects").json()
    assert (empty["total"], empty["last_page"], empty["from"], empty["to"], empty["data"]) == (0, 1, None, None, [])
    emulator.seed(projects=[{"name": "P"}])
    past = api.get("/projects?page=9").json()
    assert (past["data"], past["from"], past["to"], past["next_page_url"]) == ([], None, None, None)


@pytest.mark.parametrize("query,errors", [
    ("limit=0", {"limit": ["The limit must be a positive integer."]}),
    ("limit=abc", {"limit": ["The limit must be a positive integer."]}),
    ("page=-1", {"page": ["The page must be a positive integer."]}),
    ("limit=2.5&page=x", {"limit": ["The limit must be a positive integer."],
                          "page": ["The page must be a positive integer."]}),
    # Found by the schema fuzzer: "²" is str.isdigit() but not int(); it answered 500.
    ("limit=%C2%B2", {"limit": ["The limit must be a positive integer."]}),
    ("page=%C2%B2", {"page": ["The page must be a positive integer."]}),
    ("limit=%D9%A3", {"limit": ["The limit must be a positive integer."]}),  # Arabic-Indic three
    # python-timekit's bookings.list forgets an '&' (§16.13): page becomes "1include=".
    ("limit=50&page=1include=", {"page": ["The page must be a positive integer."]}),
])
def test_bad_limit_or_page_is_a_422(api, query, errors):
    response = api.get(f"/bookings?{query}")
    assert (response.status_code, response.json()) == (422, {"errors": errors})


def test_page_urls_keep_every_other_parameter(api, emulator):
    emulator.seed(resources=[{"name": f"r{i}", "timezone": "UTC", "tags": ["t"]} for i in range(3)])
    body = api.get("/resources?search=tags:t&limit=1&page=2&orderBy=name&sortedBy=desc").json()
    assert [r["name"] for r in body["data"]] == ["r1"]
    nxt = dict(parse_qsl(urlsplit(body["next_page_url"]).query))
    assert nxt == {"search": "tags:t", "limit": "1", "page": "3", "orderBy": "name", "sortedBy": "desc"}
    assert api.get(body["next_page_url"]).json()["data"][0]["name"] == "r0"


def test_thousand_resources_and_hundred_projects_in_two_requests(api, emulator):
    seeded = emulator.seed(resources=[{"name": f"r{i}", "timezone": "UTC"} for i in range(1000)])
    ids = [r["id"] for r in seeded["resources"]]
    emulator.seed(projects=[{"name": f"p{i}", "resources": ids[i * 10:(i + 1) * 10]} for i in range(100)])
    resources = api.get("/resources?limit=1000&include=calendars,availability_constraints").json()
    projects = api.get("/projects?limit=1000&include=resources").json()
    assert len(resources["data"]) == 1000 and len(projects["data"]) == 100
    assert resources["next_page_url"] is None and projects["next_page_url"] is None
    assert all(len(r["calendars"]) == 1 for r in resources["data"])
    assert all(len(p["resources"]) == 10 for p in projects["data"])
