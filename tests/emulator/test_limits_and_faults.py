"""Rate limits (§7), latency, injected faults, counters and the control API's config."""

from __future__ import annotations

import time

import httpx
import pytest

from tkctl.emulator.testing import running_emulator


def test_bucket_empties_into_503_with_headers(emulator):
    emulator.configure(rate_limit=60, burst=3)  # 1 token per second, 3 at most
    client = httpx.Client(base_url=emulator.base_url, auth=("", emulator.token))
    answers = [client.get("/app") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 503]
    assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert all(r.headers["x-ratelimit-limit"] == "60" for r in answers)
    limited = answers[-1]
    assert limited.json() == {"error": "Too many requests"}
    assert int(limited.headers["retry-after"]) >= 1
    assert "timekit-request-id" in limited.headers


def test_bucket_refills(emulator):
    emulator.clock(frozen=True)  # the machine's speed must not decide the outcome
    emulator.configure(rate_limit=600, burst=1)  # 10 tokens per second
    client = httpx.Client(base_url=emulator.base_url, auth=("", emulator.token))
    assert client.get("/app").status_code == 200
    assert client.get("/app").status_code == 503
    emulator.clock(advance=0.05)  # half a token
    assert client.get("/app").status_code == 503
    emulator.clock(advance=0.1)
    assert client.get("/app").status_code == 200


def test_contract_default_limits_are_600_per_minute_burst_10(emulator):
    assert emulator.configure() == {"latency_ms": 0.0, "fail_rate": 0.0, "rate_limit": 600,
                                    "burst": 10, "daily_limit": 3000}
    emulator.clock(frozen=True)
    client = httpx.Client(base_url=emulator.base_url, auth=("", emulator.token))
    statuses = [client.get("/app").status_code for _ in range(30)]
    assert statuses == [200] * 10 + [503] * 20
    emulator.clock(advance=1.0)  # 600 a minute refills 10 a second
    statuses = [client.get("/app").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [503]


def test_test_keys_hit_the_daily_cap_with_429():
    with running_emulator(tokens=["test_api_key_x"], rate_limit=0, daily_limit=3) as emu:
        client = httpx.Client(base_url=emu.base_url, auth=("", "test_api_key_x"))
        answers = [client.get("/app") for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0", "0"]
        assert answers[-1].json() == {"error": "Daily request limit reached"}
        assert 86_000 < int(answers[-1].headers["retry-after"]) <= 86_400
        assert answers[0].headers["timekit-testmode"] == "true"


def test_rate_limit_zero_turns_limits_off(api):
    assert all(api.get("/app").status_code == 200 for _ in range(40))


def test_latency_is_added_to_every_response(api, emulator):
    emulator.configure(latency_ms=150)
    started = time.perf_counter()
    assert api.get("/app").status_code == 200
    assert time.perf_counter() - started >= 0.15  # a lower bound: holds on any machine


def test_fault_on_the_nth_matching_request_is_one_shot(api, emulator):
    emulator.add_fault(method="POST", path="/v2/projects", nth=2, status=500)
    assert api.get("/projects").status_code == 200  # GET does not match the method
    assert api.post("/projects", json={"name": "one"}).status_code == 201
    failed = api.post("/projects", json={"name": "two"})
    assert (failed.status_code, failed.json()) == (500, {"error": "Internal server error"})
    assert api.post("/projects", json={"name": "three"}).status_code == 201
    assert [p["name"] for p in api.get("/projects").json()["data"]] == ["one", "three"]


def test_fault_after_handling_acts_then_fails(api, emulator):
    emulator.add_fault(path="/v2/resources", status=503, after_handling=True)
    crashed = api.post("/resources", json={"name": "Doc", "timezone": "UTC"})
    assert crashed.status_code == 503 and "retry-after" in crashed.headers
    assert [r["name"] for r in api.get("/resources").json()["data"]] == ["Doc"]  # it WAS created


def test_fault_after_handling_replaces_an_error_answer_too(api, emulator):
    emulator.add_fault(path="/v2/resources", status=500, after_handling=True)
    invalid = api.post("/resources", json={})
    assert (invalid.status_code, invalid.json()) == (500, {"error": "Internal server error"})
    assert api.post("/resources", json={}).status_code == 422  # one-shot


def test_cleared_faults_do_not_fire(api, emulator):
    emulator.add_fault(status=500)
    emulator.clear_faults()
    assert api.get("/app").status_code == 200


def test_fail_rate_one_fails_everything_and_zero_nothing(api, emulator):
    emulator.configure(fail_rate=1.0)
    assert {api.get("/app").status_code for _ in range(10)} <= {500, 503}
    emulator.configure(fail_rate=0.0)
    assert api.get("/app").status_code == 200


def test_counters_by_route_and_status(api, emulator):
    emulator.reset_counters()
    rid = api.post("/resources", json={"name": "A", "timezone": "UTC"}).json()["data"]["id"]
    api.get(f"/resources/{rid}")
    api.get("/resources/")
    api.get("/nowhere")
    httpx.get(emulator.base_url + "/app")  # no auth: 401, still counted
    assert emulator.counters() == {
        "total": 5,
        "by_route": {"POST /v2/resources": 1, "GET /v2/resources/{id}": 1, "GET /v2/resources": 1,
                     "GET <unmatched>": 1, "GET /v2/app": 1},
        "by_status": {"201": 1, "200": 2, "404": 1, "401": 1},
        "in_flight": 0,
        "max_in_flight": 1,  # one request at a time from this test
        "held": 0,
    }
    emulator.reset_counters()
    assert emulator.counters() == {"total": 0, "by_route": {}, "by_status": {}, "in_flight": 0, "max_in_flight": 0,
                                   "held": 0}


def _held_posts(emulator, count: int) -> tuple[list, list]:
    """Start `count` POSTs in threads and return once the emulator holds all of them."""
    import threading

    answers: list = []
    threads = [threading.Thread(target=lambda i=i: answers.append(httpx.post(
        emulator.base_url + "/resources", json={"name": f"late {i}", "timezone": "UTC"},
        auth=("", emulator.token), timeout=60))) for i in range(count)]
    for thread in threads:
        thread.start()
    while emulator.counters()["in_flight"] < count:
        assert all(t.is_alive() for t in threads), answers
    return threads, answers


def test_max_in_flight_counts_requests_held_at_once(emulator):
    emulator.configure(rate_limit=0)
    emulator.add_fault(method="POST", path="/v2/resources", nth=1, status=None, delay_ms=60_000)
    emulator.add_fault(method="POST", path="/v2/resources", nth=2, status=None, delay_ms=60_000)
    emulator.reset_counters()
    threads, answers = _held_posts(emulator, 2)
    assert emulator.counters()["max_in_flight"] == 2
    emulator.reset()  # releases both without acting
    for thread in threads:
        thread.join(30)
    assert [a.status_code for a in answers] == [503, 503]


def test_a_delay_fault_held_across_a_reset_never_acts(emulator):
    emulator.add_fault(method="POST", path="/v2/resources", nth=1, status=None, delay_ms=60_000)
    threads, answers = _held_posts(emulator, 1)
    emulator.reset()
    threads[0].join(30)
    assert answers[0].status_code == 503
    emulator.configure(rate_limit=0)
    assert httpx.get(emulator.base_url + "/resources", auth=("", emulator.token)).json()["total"] == 0


def test_a_pure_delay_fault_answers_normally_and_late(emulator):
    import time

    emulator.add_fault(method="GET", path="/v2/app", nth=1, status=None, delay_ms=200)
    started = time.perf_counter()
    answer = httpx.get(emulator.base_url + "/app", auth=("", emulator.token), timeout=30)
    assert answer.status_code == 200 and answer.json()["data"]["id"]
    assert time.perf_counter() - started >= 0.2  # a lower bound: holds on any machine


def test_bad_fault_and_clock_settings_are_refused(emulator):
    for fault in ({"status": None}, {"delay_ms": -1}, {"status": 200}):
        with pytest.raises(RuntimeError, match="422"):
            emulator.add_fault(**fault)
    for change in ({"frozen": "yes"}, {"advance": -1}, {"speed": 2}):
        with pytest.raises(RuntimeError, match="422"):
            emulator.clock(**change)


@pytest.mark.parametrize("path,method,body,status", [
    ("/config", "PUT", {"fail_rate": 2}, 422),
    ("/config", "PUT", {"burst": 0}, 422),
    ("/config", "PUT", {"colour": "red"}, 422),
    ("/faults", "POST", {"nth": 0}, 422),
    ("/faults", "POST", {"status": 200}, 422),
    ("/seed", "POST", {"token": "not-ours"}, 422),
    ("/seed", "POST", {"resources": [{"name": "x"}]}, 422),
    ("/seed", "POST", {"resources": ["not an object"]}, 422),
    ("/seed", "POST", {"projects": [{"name": "P", "resources": ["unknown"]}]}, 422),
    ("/reset", "GET", None, 405),
    ("/nothing", "GET", None, 404),
    ("/re%0Aset", "POST", None, 404),
])
def test_control_api_rejects_bad_input(emulator, path, method, body, status):
    response = httpx.request(method, emulator.control_url + path, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"


def test_control_api_405_names_the_allowed_methods(emulator):
    response = httpx.request("PATCH", emulator.control_url + "/counters")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, DELETE")


def test_reset_restores_start_config_and_empties_the_account(api, emulator):
    emulator.configure(latency_ms=5, rate_limit=1)
    emulator.seed(resources=[{"name": "x", "timezone": "UTC"}])
    emulator.reset()
    assert emulator.configure()["rate_limit"] == 600
    emulator.configure(rate_limit=0)
    assert api.get("/resources").json()["total"] == 0


def test_seed_returns_full_objects(api, emulator):
    seeded = emulator.seed(resources=[
        {"name": f"r{i}", "timezone": "UTC", "tags": ["t"], "meta": {"i": i},
         "availability_constraints": [{"block_weekends": {}}],
         "calendars": [{"name": "Extra", "description": "seeded"}]} for i in range(1000)])
    assert len(seeded["resources"]) == 1000
    first = seeded["resources"][0]
    assert [c["name"] for c in first["calendars"]] == ["Bookings", "Extra"]
    assert first["availability_constraints"] == [{"block_weekends": {}}]
    projects = emulator.seed(projects=[{"name": "P", "resources": [first["id"]]}])["projects"]
    assert projects[0]["slug"] == "p"
    members = api.get(f"/projects/{projects[0]['id']}/resources").json()["data"]
    assert [m["id"] for m in members] == [first["id"]]
